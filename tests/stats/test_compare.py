"""Area comparisons: z-tests from published intervals and the worse-and-worsening flag."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from levelup.stats import (
    INSUFFICIENT,
    compare_to_comparator,
    panel_comparison,
    se_from_ci,
    worse_and_worsening,
)

from .helpers import PROPERTY, make_panel


def test_se_from_ci():
    assert se_from_ci(8.04, 11.96) == pytest.approx(1.0, rel=1e-3)
    assert se_from_ci(-1.645, 1.645, level=0.90) == pytest.approx(1.0, rel=1e-3)


def test_overlapping_intervals_can_still_differ_significantly():
    # 10 [9, 11] vs 11.5 [10.5, 12.5]: the intervals overlap, yet
    # z = -1.5 / sqrt(2 (1/1.96)^2) = -2.079, p = 0.038
    res = compare_to_comparator(10, 9, 11, 11.5, 10.5, 12.5, higher_is_better=True)
    se = 1 / stats.norm.ppf(0.975)
    z = -1.5 / math.sqrt(2 * se**2)
    assert res.z == pytest.approx(z)
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(z)))
    assert res.verdict == "significantly worse"
    half = stats.norm.ppf(0.975) * math.sqrt(2) * se
    assert (res.lower, res.upper) == pytest.approx((-1.5 - half, -1.5 + half))


def test_comparator_without_interval_and_verdict_wording():
    res = compare_to_comparator(12, 11, 13, 10)
    assert res.z == pytest.approx(2 / se_from_ci(11, 13))
    assert res.verdict == "significantly higher"
    assert (
        compare_to_comparator(12, 11, 13, 10, higher_is_better=False).verdict
        == "significantly worse"
    )
    assert compare_to_comparator(10.5, 9, 12, 10).verdict == "not significantly different"
    assert compare_to_comparator(10.5, np.nan, np.nan, 10).verdict == INSUFFICIENT


@PROPERTY
@given(st.floats(-100, 100), st.floats(0.01, 10), st.floats(-100, 100), st.floats(0.01, 10))
def test_comparison_is_antisymmetric(x, wx, c, wc):
    ab = compare_to_comparator(x, x - wx, x + wx, c, c - wc, c + wc)
    ba = compare_to_comparator(c, c - wc, c + wc, x, x - wx, x + wx)
    assert ab.estimate == pytest.approx(-ba.estimate)
    assert ab.p_value == pytest.approx(ba.p_value)


def test_panel_comparison_equals_scalar():
    panel = make_panel(n_areas=5, with_ci=True)
    england = panel.groupby("time", as_index=False)["value"].mean()
    england["lower_ci"], england["upper_ci"] = england["value"] - 0.5, england["value"] + 0.5
    table = panel_comparison(panel, england, higher_is_better=True).frame
    for i in [0, 7, 33]:
        row, src = table.iloc[i], panel.iloc[i]
        comp = england.set_index("time").loc[src["time"]]
        res = compare_to_comparator(
            src["value"],
            src["lower_ci"],
            src["upper_ci"],
            comp["value"],
            comp["lower_ci"],
            comp["upper_ci"],
            higher_is_better=True,
        )
        assert row["difference"] == pytest.approx(res.estimate)
        assert row["p_value"] == pytest.approx(res.p_value)
        assert row["verdict"] == res.verdict
    assert panel_comparison(panel, england).to_frame()["key"].is_unique


def _series(values):
    values = np.asarray(values, dtype=float)
    t = np.arange(2015.0, 2015.0 + len(values))
    return t, values, values - 0.5, values + 0.5


def test_worse_and_worsening_flags():
    falling = [70, 69, 68, 67, 66, 65]
    res = worse_and_worsening(*_series(falling), 75.0, higher_is_better=True)
    assert res.verdict == "worse and worsening" and res.estimate == 1.0
    assert res.worse and res.worsening and res.trend.n == 5
    # worse but improving
    res = worse_and_worsening(*_series(falling[::-1]), 75.0, higher_is_better=True)
    assert res.verdict == "not flagged" and res.worse and not res.worsening
    # polarity: lower is better, so a falling series above the comparator is improving
    res = worse_and_worsening(*_series(falling), 60.0, higher_is_better=False)
    assert res.worse and not res.worsening and res.verdict == "not flagged"


def test_worse_and_worsening_needs_enough_points():
    res = worse_and_worsening(*_series([70, 69, 68]), 75.0, higher_is_better=True)
    assert res.verdict == INSUFFICIENT and res.worse and res.worsening is None
    res = worse_and_worsening(*_series([80, 69, 68]), 75.0, higher_is_better=True)
    assert res.verdict == INSUFFICIENT
    better = worse_and_worsening(*_series([80, 81, 82]), 75.0, higher_is_better=True)
    assert better.verdict == "not flagged"  # not worse: no trend needed
    empty = worse_and_worsening([], [], [], [], 75.0, higher_is_better=True)
    assert empty.verdict == INSUFFICIENT and isinstance(empty.to_frame(), pd.DataFrame)
