"""Group-versus-rest gaps: hand-computed gaps, orientation by polarity, tests and exclusions."""

import numpy as np
import pytest
from _synthetic import synthetic_metric

from levelup.findings.table import Findings
from levelup.metrics import gaps


@pytest.fixture
def findings(tmp_path):
    return Findings("test-gaps", tmp_path)


def _areas(top_values, rest_start=5.0, rest_step=0.1, n_rest=19):
    values = {"top": top_values}
    for i in range(n_rest):
        values[f"r{i:02d}"] = [
            rest_start + i * 0.01 + rest_step * t for t in range(len(top_values))
        ]
    return values


def test_best_group_of_a_higher_is_better_metric_narrows(findings):
    # the top area gains 0.05 a year, the others 0.1: the gap closes by 0.05 a year
    md = synthetic_metric("m08-life-satisfaction", _areas([8.0 + 0.05 * t for t in range(6)]))
    gg = gaps.group_gap(md, "non_metropolitan_district", findings, "g", size=1)
    assert gg.members == ["top"]
    first, last = gg.table.iloc[0], gg.table.iloc[-1]
    rest0 = np.mean([5.0 + i * 0.01 for i in range(19)])
    assert first["gap"] == pytest.approx(8.0 - rest0)
    assert last["gap"] - first["gap"] == pytest.approx(-0.25)
    assert gg.trend.estimate == pytest.approx(-0.05)
    assert gg.trend_verdict == gaps.NARROWING
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-gaps.g.gap-trend-verdict"] == "narrowing"
    assert keys["test-gaps.g.n-group"] == "1"


def test_worst_group_of_a_lower_is_better_metric_is_the_highest(findings):
    # homicide-like: lower is better, so the worst are the highest rates; gap = group - rest > 0
    values = {"bad1": [20, 18, 16, 14, 12, 10], "bad2": [19, 17, 15, 13, 11, 9]}
    values |= {f"r{i}": [5 + i * 0.1] * 6 for i in range(10)}
    md = synthetic_metric("m11-homicide", values, geography="police_force_area")
    gg = gaps.group_gap(md, "police_force_area", findings, "w", select="worst", size=2)
    assert set(gg.members) == {"bad1", "bad2"}
    assert gg.table["gap"].iat[0] == pytest.approx(19.5 - np.mean([5 + i * 0.1 for i in range(10)]))
    assert gg.table["gap"].iat[-1] < gg.table["gap"].iat[0]
    assert gg.change.estimate == pytest.approx(-10.0)
    # excluding an area drops it from both the selection and the rest
    gg2 = gaps.group_gap(
        md, "police_force_area", findings, "w2", select="worst", size=1, exclude=["bad1"]
    )
    assert gg2.members == ["bad2"] and "bad1" not in set(gg2.panel["area_code"])


def test_anxiety_best_areas_are_the_least_anxious(findings):
    values = {"calm": [2.0] * 5} | {f"r{i}": [3.0 + 0.01 * i] * 5 for i in range(9)}
    md = synthetic_metric("m08-anxiety", values)
    gg = gaps.group_gap(md, "non_metropolitan_district", findings, "a", size=1)
    assert gg.members == ["calm"]
    assert gg.table["gap"].iat[0] > 0  # oriented: the best group is ahead


def test_reranked_group_is_chosen_each_period(findings):
    # the leader changes place: a fixed group would see the gap reverse, a re-ranked one not
    values = {"a": [9, 9, 5, 5, 5], "b": [5, 5, 9, 9, 9]} | {f"r{i}": [5] * 5 for i in range(10)}
    md = synthetic_metric("m08-life-satisfaction", values)
    fixed = gaps.group_gap(md, "non_metropolitan_district", findings, "f", size=1)
    moving = gaps.group_gap(md, "non_metropolitan_district", findings, "m", size=1, reranked=True)
    assert fixed.table["gap"].iat[-1] < 0 < fixed.table["gap"].iat[0]
    assert moving.table["gap"].tolist() == pytest.approx([4.0] * 5)
    assert moving.change.estimate == pytest.approx(0.0)
    assert moving.members == ["b"]


def test_overlapping_periods_are_thinned_for_the_trend(findings):
    values = {"top": [10 - 0.5 * t for t in range(9)]} | {f"r{i}": [5.0] * 9 for i in range(10)}
    md = synthetic_metric("m11-homicide", values, years=3, geography="police_force_area")
    gg = gaps.group_gap(md, "police_force_area", findings, "t", select="worst", size=1)
    assert gg.trend.n == 3  # 9 overlapping three-year periods: 3 non-overlapping ones
    assert gg.trend_verdict == "insufficient data"
