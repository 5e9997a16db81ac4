"""Outlooks for directional targets and the annex's constant-rate projection, by hand."""

import pytest
from _synthetic import synthetic_metric

from levelup.findings.table import Findings
from levelup.metrics import outlook


@pytest.fixture
def findings(tmp_path):
    return Findings("test-outlook", tmp_path)


def test_direction_outlook_of_a_rising_series(findings):
    # a clean rise of 0.1 a year (tiny noise so the prediction interval is narrow)
    values = [7.0 + 0.1 * t + (0.001 if t % 2 else -0.001) for t in range(8)]
    md = synthetic_metric("m08-life-satisfaction", {"uk": values}, geography="uk")
    o = outlook.direction_outlook(
        md, "uk", findings, "o", baseline_period="2017-04-01/P1Y", target_year=2030
    )
    assert o.baseline_value == pytest.approx(values[2])
    assert o.projection.estimate == pytest.approx(7.0 + 0.1 * (2030.5 - 2015.75), abs=0.01)
    assert o.verdict == outlook.IMPROVEMENT
    assert o.linear["time"].iat[-1] == pytest.approx(2030.5)
    # the same series for a lower-is-better metric is heading the wrong way
    md2 = synthetic_metric("m08-anxiety", {"uk": values}, geography="uk")
    o2 = outlook.direction_outlook(md2, "uk", findings, "o2", baseline_period="2017-04-01/P1Y")
    assert o2.verdict == outlook.DETERIORATION


def test_direction_outlook_needs_enough_periods(findings):
    md = synthetic_metric(
        "m11-homicide",
        {"ew": [10, 11, 12, 11, 10, 9, 10, 9, 8]},
        years=3,
        geography="england_wales",
    )
    o = outlook.direction_outlook(md, "ew", findings, "h", baseline_period="2019-04-01/P3Y")
    assert o.verdict == "insufficient data"  # only 3 non-overlapping periods


def test_rate_projection_uses_the_pair_nearest_five_years(findings):
    # observations at 2010.75, 2015.75, 2017.75, 2019.75, 2021.75: five years before the latest
    # is 2016.75, equidistant from 2015.75 and 2017.75; the tie goes to the earlier one
    md = synthetic_metric(
        "m10-non-decent-rented",
        {"E": [200, None, None, None, None, 150, None, 120, None, 100, None, 90]},
        start_year=2010,
        geography="country",
    )
    md.frame = md.frame.dropna(subset=["value"])
    rp = outlook.rate_projection(
        md, "E", findings, "r", target_year=2030, reference_period="2019-04-01/P1Y"
    )
    assert rp.from_period == "2015-04-01/P1Y" and rp.to_period == "2021-04-01/P1Y"
    assert rp.years == pytest.approx(6.0)
    rate = (90 / 150) ** (1 / 6) - 1
    assert rp.rate == pytest.approx(rate)
    assert rp.projected == pytest.approx(90 * (1 + rate) ** (2030.5 - 2021.75))
    assert rp.change_from_reference_pct == pytest.approx(100 * (rp.projected / 100 - 1))
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-outlook.r.from-period"] == "2015/16"
