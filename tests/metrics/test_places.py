"""Comparisons between places: hand-computed gaps, totals and changes, and one real-data check."""

import numpy as np
import pandas as pd
import pytest

from levelup.findings.table import Findings
from levelup.metrics import places


def _panel(values: dict[str, list[float]], times=(2015.5, 2016.5, 2017.5, 2018.5, 2019.5), ci=None):
    rows = []
    for code, series in values.items():
        for t, v in zip(times, series, strict=True):
            row = {
                "area_code": code,
                "area_name": code.upper(),
                "time": t,
                "period": f"{int(t)}-01-01/P1Y",
                "value": v,
            }
            if ci is not None:
                row |= {"lower_ci": v - ci, "upper_ci": v + ci}
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def findings(tmp_path):
    return Findings("test-places", tmp_path)


def test_gap_to_a_top_area_by_hand(findings):
    # the leader grows 1 a year, the others 2 a year: the gap closes by 1 a year
    panel = _panel(
        {
            "top": [50, 51, 52, 53, 54],
            **{f"r{i}": [30 + i, 32 + i, 34 + i, 36 + i, 38 + i] for i in range(11)},
        }
    )
    s = places.gap_to_leader(panel, ["top"], findings, "g", unit="£")
    first, last = s.table.iloc[0], s.table.iloc[-1]
    assert first["rest_value"] == pytest.approx(35.0) and first["gap"] == pytest.approx(15.0)
    assert last["gap"] == pytest.approx(11.0)
    assert last["relative"] == pytest.approx(100 * 11 / 43)
    assert s.trend.estimate == pytest.approx(-1.0) and s.trend.verdict == places.CLOSING
    assert s.change.estimate == pytest.approx(-4.0) and s.change.verdict == places.CLOSING
    keys = {r["key"]: r for r in findings.rows}
    assert keys["test-places.g.gap-latest"]["display"] == "£11.0"
    assert keys["test-places.g.verdict"]["display"] == "closing"
    assert keys["test-places.g.n-rest"]["value"] == 11
    assert (
        keys["test-places.g.group-first"]["value"] == 50
        and keys["test-places.g.rest-first"]["value"] == 35
    )


def test_gap_for_a_lagging_group_and_lower_is_better(findings):
    # travel time: the leader (London) is lower; the others fall towards it -> closing
    panel = _panel(
        {"ldn": [8, 8, 8, 8, 8], **{f"r{i}": [14 - j * 0.5 for j in range(5)] for i in range(10)}}
    )
    s = places.gap_to_leader(
        panel, ["ldn"], findings, "t", higher_is_better=False, measure="relative"
    )
    assert s.table["gap"].iat[0] == pytest.approx(6.0)  # others take 6 minutes longer
    assert s.table["relative"].iat[0] == pytest.approx(75.0)  # 75% longer than the leader
    assert s.trend.verdict == places.CLOSING
    # a lagging group (worst third) behind the rest, catching up -> closing
    panel = _panel(
        {
            **{f"w{i}": [50 + j for j in range(5)] for i in range(4)},
            **{f"o{i}": [60] * 5 for i in range(8)},
        }
    )
    s = places.gap_to_leader(panel, [f"w{i}" for i in range(4)], findings, "w", leader="rest")
    assert list(s.table["gap"]) == pytest.approx([10, 9, 8, 7, 6])
    assert s.change.verdict == places.CLOSING and s.change.upper < 0


def test_bootstrap_refuses_few_areas(findings):
    panel = _panel({"a": [1, 2, 3, 4, 5], "b": [2, 3, 4, 5, 6], "c": [3, 3, 3, 3, 3]})
    change = places.bootstrap_gap_change(panel, ["a"], 2015.5, 2019.5)
    assert change.estimate == pytest.approx((5 - 4.5) - (1 - 2.5))  # the group gains 2 on the rest
    assert change.verdict == "insufficient data"


def test_group_totals_never_partial():
    rows = _panel({"a": [1, 2, 3, 4, 5], "b": [10, 20, np.nan, 40, 50], "c": [100] * 5})
    rows["period_start"] = pd.to_datetime(rows["time"].astype(int).astype(str) + "-01-01")
    rows["period_end"] = rows["period_start"] + pd.offsets.YearEnd(0)
    totals = places.group_totals(rows, {"ab": ["a", "b"], "c": ["c"]}, names={"ab": "A and B"})
    ab = totals[totals["area_code"] == "ab"].set_index("time")
    assert ab.loc[2015.5, "value"] == 11 and ab.loc[2015.5, "area_name"] == "A and B"
    assert np.isnan(ab.loc[2017.5, "value"]) and not ab.loc[2017.5, "complete"]
    assert ab.loc[2017.5, "n_members"] == 1


def test_change_since_with_and_without_intervals(findings):
    panel = _panel(
        {"up": [10, 10, 11, 12, 13], "flat": [10, 10, 10, 10, 10.2], "down": [10, 10, 9, 8, 7]},
        ci=0.5,
    )
    out = places.change_since(panel, 2016, findings, "c").set_index("area_code")
    assert out.loc["up", "baseline"] == 10 and out.loc["up", "change"] == pytest.approx(3.0)
    se = np.sqrt(2) * 0.5 / 1.959964
    assert out.loc["up", "upper"] - out.loc["up", "change"] == pytest.approx(1.959964 * se)
    assert dict(out["category"]) == {
        "up": "risen",
        "flat": "no significant change",
        "down": "fallen",
    }
    keys = {r["key"]: r["value"] for r in findings.rows}
    assert keys["test-places.c.risen"] == 1 and keys["test-places.c.no-significant-change"] == 1
    point = places.change_since(panel.drop(columns=["lower_ci", "upper_ci"]), 2016, findings, "p")
    assert not point["tested"].any()
    assert dict(zip(point["area_code"], point["category"], strict=True))["flat"] == "risen"


def test_record_counts_includes_zeros_and_rejects_unknown(findings):
    counts = places.record_counts(["a", "a"], findings, "k", ["a", "b"])
    assert counts == {"a": 2, "b": 0}
    with pytest.raises(ValueError):
        places.record_counts(["z"], findings, "k2", ["a", "b"])


def test_leading_area():
    panel = _panel({"x": [5, 5, 1, 5, 1], "y": [4, 4, 6, 4, 6], "z": [1, 1, 1, 1, 9]})
    assert places.leading_area(panel) == "x"  # top in 3 of 5 periods
    assert places.leading_area(panel, higher_is_better=False) == "z"


def test_itl1_rows_recode_the_productivity_regions(loader_2026):
    from levelup.metrics.analysis import MetricData

    md = MetricData.load("m01-gva-per-hour", loader_2026)
    rows = places.itl1_rows(md)
    assert sorted(rows["area_code"].unique()) == sorted(places.ITL1_AREAS)
    assert rows.groupby("period")["area_code"].nunique().eq(12).all()
    london = rows[(rows["area_code"] == "E12000007") & (rows["period"] == "2023-01-01/P1Y")]
    assert london["source_code"].iat[0] == "TLI" and london["area_name"].iat[0] == "London"
    # the employment rate is published with region/country codes: same twelve areas, no England
    emp = places.itl1_rows(MetricData.load("m01-employment-rate", loader_2026))
    assert sorted(emp["area_code"].unique()) == sorted(places.ITL1_AREAS)


def test_public_rd_outside_the_greater_south_east_matches_ons_share(loader_2026):
    """ONS: 49.9% (FYE 2021) and 51.0% (FYE 2022) of UK public-funded R&D was in the GSE."""
    from levelup.data.schema import GREATER_SOUTH_EAST
    from levelup.metrics.analysis import MetricData

    md = MetricData.load("m02-public-rd", loader_2026)
    rows = places.itl1_rows(md)
    outside = [c for c in places.ITL1_AREAS if c not in GREATER_SOUTH_EAST]
    totals = places.group_totals(rows, {"GSE": GREATER_SOUTH_EAST, "XGSE": outside}).pivot(
        index="period", columns="area_code", values="value"
    )
    share = 100 * totals["GSE"] / (totals["GSE"] + totals["XGSE"])
    assert share["2020-04-01/P1Y"] == pytest.approx(49.9, abs=0.05)
    assert share["2021-04-01/P1Y"] == pytest.approx(51.0, abs=0.05)


def test_project_gap_by_hand(findings):
    # the gap closes by exactly 1 a year from 15 (2015) to 11 (2019): 2030 projection 0, no noise
    panel = _panel(
        {
            "top": [50, 51, 52, 53, 54],
            **{f"r{i}": [30 + i, 32 + i, 34 + i, 36 + i, 38 + i] for i in range(11)},
        }
    )
    s = places.gap_to_leader(panel, ["top"], findings, "g")
    p = places.project_gap(s, findings, "g.to-2030", baseline=2017, target_year=2030)
    assert p.baseline_value == pytest.approx(13.0)
    assert p.projection.estimate == pytest.approx(15 - (2030.5 - 2015.5))
    assert p.linear["time"].iat[-1] == pytest.approx(2030.5)
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-places.g.to-2030.projection-verdict"] == "narrower than at the baseline"


def test_required_path_compounds_to_the_target():
    path = places.required_path(2020.75, 100.0, 140.0, 2030.5)
    assert path["value"].iat[0] == pytest.approx(100.0) and path["value"].iat[-1] == pytest.approx(
        140.0
    )
    ratios = path["value"].iloc[1:].to_numpy() / path["value"].iloc[:-1].to_numpy()
    assert np.allclose(ratios, ratios[0])  # constant growth
    assert places.required_path(2020, 100.0, -5.0, 2030).empty


def test_shares_of_any_base_print_as_percentages():
    from levelup.findings.table import format_value

    assert format_value(18.1, "% of pupils") == "18.1%"
    assert places.signed(-1.25, "% of pupils") == "−1.2 percentage points"
    assert places.signed(2.0, "%", short=True) == "+2.0 pp"


def test_growth_difference_by_hand(findings):
    # group areas double, the others grow by a quarter: sizes do not matter
    panel = _panel(
        {
            **{f"g{i}": [10 * (i + 1), 0, 0, 0, 20 * (i + 1)] for i in range(5)},
            **{f"r{i}": [1000 * (i + 1), 0, 0, 0, 1250 * (i + 1)] for i in range(7)},
        }
    )
    panel = panel[panel["time"].isin([2015.5, 2019.5])]
    out = places.growth_difference(panel, [f"g{i}" for i in range(5)], findings, "gr")
    assert out.group_growth == pytest.approx(100.0) and out.rest_growth == pytest.approx(25.0)
    assert out.difference == pytest.approx(75.0)
    assert out.lower == pytest.approx(75.0) and out.verdict == "faster in the group"  # no spread
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-places.gr.first-period"] == "2015"


def test_with_rows_can_relabel_the_unit(loader_2026):
    from levelup.metrics.analysis import MetricData

    md = MetricData.load("m06-fe-achievements", loader_2026)
    counts = places.with_rows(
        md, md.rows("country"), unit="achievements", datasets=["curated/fe-skills-19plus-england"]
    )
    assert counts.metric.unit == "achievements" and md.metric.unit != "achievements"
    assert "(transcribed)" in counts.source_line() and "transcribed" not in md.source_line()
    assert set(counts.frame["geography"]) == {"country"}
