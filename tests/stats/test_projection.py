"""Projections and progress status against statsmodels and hand-worked Open SDG examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st

from levelup.stats import (
    INSUFFICIENT,
    STATUSES,
    TargetSpec,
    panel_progress_status,
    progress_status,
    project_to_target,
    required_growth_rate,
    year_target_reached,
)
from levelup.stats.projection import _median_status_code, _quantiles, _status_code

from .helpers import PROPERTY, make_panel

YEARS = np.arange(2015.0, 2023.0)
SERIES = np.array([60, 61, 61.5, 62, 63, 63.2, 64, 65.0])
TO_75 = TargetSpec(direction="increase", baseline_year=2015, target_year=2030, target_level=75)


# --- target specification and required rate -------------------------------------------------------


def test_target_spec_levels_and_validation():
    assert TO_75.level(60.0) == 75
    halve = TargetSpec(
        direction="decrease", baseline_year=2019, target_year=2030, target_change_rel=-0.5
    )
    assert halve.level(20.0) == 10
    plus5 = TargetSpec(
        direction="increase", baseline_year=2019, target_year=2035, target_change_abs=5
    )
    assert plus5.level(62.0) == 67
    with pytest.raises(ValueError):
        TargetSpec(direction="increase", baseline_year=2019, target_year=2030)
    with pytest.raises(ValueError):
        TargetSpec(direction="up", baseline_year=2019, target_year=2030, target_level=1)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        TargetSpec(direction="increase", baseline_year=2030, target_year=2030, target_level=1)


def test_required_growth_rate_hand_example():
    assert required_growth_rate(100, 50, 2020, 2030) == pytest.approx(0.5**0.1 - 1)
    assert np.isnan(required_growth_rate(100, -5, 2020, 2030))


# --- progress status (Open SDG / Statistics Canada) ---------------------------------------------


def test_progress_status_hand_example_increase():
    # base 2015 = 10, latest 2020 = 12, target 20 in 2030: CAGR_obs = 1.2^(1/5) - 1 = 0.0371,
    # CAGR_req = 2^(1/15) - 1 = 0.0473, ratio 0.785 -> acceleration needed
    target = TargetSpec(direction="increase", baseline_year=2015, target_year=2030, target_level=20)
    res = progress_status([2015, 2017, 2020], [10, 11, 12], target)
    assert res.observed_cagr == pytest.approx(1.2**0.2 - 1)
    assert res.required_cagr == pytest.approx(2 ** (1 / 15) - 1)
    assert res.estimate == pytest.approx((1.2**0.2 - 1) / (2 ** (1 / 15) - 1))
    assert res.status == res.point_status == "acceleration needed"
    assert res.probabilities == {}


@pytest.mark.parametrize(
    "latest,expected",
    [
        (11.0, "target met"),  # below the halving target
        (12.5, "on track"),
        (16.0, "acceleration needed"),
        (19.5, "limited progress"),
        (21.0, "deteriorating"),
    ],
)
def test_progress_status_direction_aware_decrease(latest, expected):
    target = TargetSpec(
        direction="decrease", baseline_year=2015, target_year=2025, target_change_rel=-0.45
    )
    # a middle observation: the ratio uses the ends only, but needs two changes (rule 1)
    res = progress_status([2015, 2017, 2020], [20.0, 19.0, latest], target)
    observed = (latest / 20) ** (1 / 5) - 1
    required = 0.55 ** (1 / 10) - 1
    if expected != "target met":
        assert res.estimate == pytest.approx(-observed / abs(required))
    assert res.status == expected


def test_progress_status_baseline_is_first_observation_from_baseline_year():
    res = progress_status([2013, 2016, 2019, 2022], [5, 10, 11, 12], TO_75)
    assert res.baseline_time == 2016 and res.baseline_value == 10


@pytest.mark.parametrize(
    "time,value",
    [
        ([], []),
        ([2015.0], [60.0]),
        ([2015.0, 2015.5], [60.0, 61.0]),  # under a year apart
        ([2015.0, 2020.0], [0.0, 61.0]),  # zero baseline
        ([2010.0, 2012.0], [60.0, 61.0]),  # nothing from the baseline year on
        ([2015.0, 2020.0], [np.nan, np.nan]),
    ],
)
def test_progress_status_insufficient_data(time, value):
    res = progress_status(time, value, TO_75)
    assert res.status == INSUFFICIENT and np.isnan(res.estimate)


def test_progress_with_published_intervals():
    res = progress_status(YEARS, SERIES, TO_75, lower=SERIES - 2, upper=SERIES + 2, seed=3)
    assert res.point_status == "acceleration needed"
    assert sum(res.probabilities.values()) == pytest.approx(1.0)
    assert set(res.probabilities) == set(STATUSES)
    assert 0 < res.probabilities["acceleration needed"] < 1
    assert res.lower < res.estimate < res.upper
    again = progress_status(YEARS, SERIES, TO_75, lower=SERIES - 2, upper=SERIES + 2, seed=3)
    assert again.probabilities == res.probabilities
    tight = progress_status(YEARS, SERIES, TO_75, lower=SERIES - 1e-9, upper=SERIES + 1e-9)
    assert tight.probabilities["acceleration needed"] == 1.0
    rows = res.to_frame()
    assert "progress_ratio_p_on_track" in set(rows["statistic"])


def test_median_status_equals_status_of_median_ratio():
    rng = np.random.default_rng(0)
    for _ in range(50):
        sim = rng.normal(rng.uniform(-1, 2), rng.uniform(0.01, 1), size=(1, 501))
        sim[sim > 1.7] = np.inf  # some draws meet the target
        sim[rng.random(sim.shape) < 0.05] = np.nan
        codes = _status_code(sim)
        probabilities = np.stack([(codes == k).mean(axis=1) for k in range(len(STATUSES))])
        median = np.quantile(sim[~np.isnan(sim)], 0.5, method="inverted_cdf")
        assert _median_status_code(probabilities)[0] == _status_code(np.array([median]))[0]


@pytest.mark.parametrize("n_draws", [1, 2, 39, 40, 41, 2000, 2001])
def test_interval_quantiles_equal_numpy_inverted_cdf(n_draws):
    rng = np.random.default_rng(n_draws)
    sim = rng.normal(size=(30, n_draws))
    sim[sim > 1.5] = np.inf  # draws that meet the target
    sim[rng.random(sim.shape) < 0.05] = np.nan  # undefined draws (a few rows)
    sim[0] = np.nan
    probs = [0.025, 0.5, 0.975]
    expected = np.full((len(probs), len(sim)), np.nan)
    for row, draws in enumerate(sim):
        if (~np.isnan(draws)).any():
            expected[:, row] = np.quantile(draws[~np.isnan(draws)], probs, method="inverted_cdf")
    np.testing.assert_array_equal(_quantiles(sim, probs), expected)


def test_panel_progress_status_equals_single_series():
    panel = make_panel(n_areas=12, with_ci=True, missing=0.1)
    target = TargetSpec(
        direction="increase", baseline_year=2012, target_year=2030, target_change_rel=0.2
    )
    table = panel_progress_status(panel, target).frame.set_index("area_code")
    for area, frame in panel.groupby("area_code"):
        res = progress_status(
            frame["time"], frame["value"], target, lower=frame["lower_ci"], upper=frame["upper_ci"]
        )
        row = table.loc[area]
        assert row["status"] == res.status and row["point_status"] == res.point_status
        np.testing.assert_allclose(
            [row["ratio"], row["ratio_lower"], row["ratio_upper"], row["p_on_track"]],
            [res.estimate, res.lower, res.upper, res.probabilities["on track"]],
        )
    findings = panel_progress_status(panel, target).to_frame()
    assert findings["key"].is_unique and "progress_ratio" in set(findings["statistic"])


@PROPERTY
@given(st.floats(0.5, 2.0), st.floats(1.0, 100.0))
def test_progress_ratio_is_scale_invariant(growth, scale):
    target = TargetSpec(
        direction="increase", baseline_year=2015, target_year=2030, target_change_rel=1.0
    )
    base = progress_status([2015, 2017, 2020], [10.0, 10.0, 10.0 * growth], target)
    scaled = progress_status(
        [2015, 2017, 2020], [10.0 * scale, 10.0 * scale, 10.0 * growth * scale], target
    )
    assert scaled.status == base.status
    assert scaled.estimate == pytest.approx(base.estimate, rel=1e-9)


# --- projections ----------------------------------------------------------------------------------


def test_linear_projection_matches_statsmodels_prediction_interval():
    res = project_to_target(YEARS, SERIES, TO_75, method="linear")
    fit = sm.OLS(SERIES, sm.add_constant(YEARS)).fit()
    ref = fit.get_prediction(np.array([[1.0, 2030.0]])).summary_frame(alpha=0.05)
    assert res.estimate == pytest.approx(ref["mean"][0])
    assert res.lower == pytest.approx(ref["obs_ci_lower"][0])
    assert res.upper == pytest.approx(ref["obs_ci_upper"][0])
    assert res.rate == pytest.approx(fit.params[1])
    assert res.verdict == "off course"
    assert res.year_reached == pytest.approx(2022 + (75 - 65) / fit.params[1])


def test_constant_rate_projection_hand_example():
    # 100 in 2017, 110 in 2022: CAGR 1.1^(1/5) - 1; 2030 = 110 * 1.1^(8/5)
    target = TargetSpec(
        direction="increase", baseline_year=2015, target_year=2030, target_level=125
    )
    res = project_to_target([2015, 2017, 2020, 2022], [90, 100, 104, 110], target)
    assert res.rate == pytest.approx(1.1**0.2 - 1)
    assert res.estimate == pytest.approx(110 * 1.1**1.6)
    assert res.verdict == "on course"
    assert res.year_reached == pytest.approx(2022 + math.log(125 / 110) / math.log(1.1**0.2))
    assert res.year_reached < 2030
    assert np.isnan(res.lower)


def test_year_target_reached_edge_cases():
    t, up = [2018, 2019, 2020, 2021, 2022], [1.0, 2.0, 3.0, 4.0, 5.0]
    assert year_target_reached(t, up, 4.0, "increase") == 2022  # already met
    assert year_target_reached(t, up, 0.5, "decrease") is None  # moving away
    assert year_target_reached(t, up, 9.0, "increase", method="linear") == pytest.approx(2026)
    assert year_target_reached(t, [3.0] * 5, 9.0, "increase") is None  # no change
    assert year_target_reached([2022], [1.0], 2.0, "increase") is None


def test_projection_refuses_short_series():
    res = project_to_target([2020, 2021], [60, 61], TO_75, method="linear")
    assert res.verdict == INSUFFICIENT and res.year_reached is None
    assert project_to_target([2021], [60], TO_75).verdict == INSUFFICIENT
    met = project_to_target(YEARS, SERIES + 20, TO_75)
    assert met.verdict == "target met" and met.year_reached == 2022


def test_projection_target_from_the_data_baseline():
    target = TargetSpec(
        direction="decrease", baseline_year=2016, target_year=2030, target_change_rel=-0.5
    )
    res = project_to_target(YEARS, SERIES, target)
    assert res.target_level == pytest.approx(61 * 0.5)
    assert res.verdict == "off course"
    frame = res.to_frame()
    assert list(frame["statistic"]) == [
        "projected_value",
        "projected_value_rate",
        "projected_value_target_level",
        "projected_value_year_reached",
    ]


def test_overlapping_periods_in_projection():
    t = np.arange(2001.0, 2020.0)
    y = 60 + 0.2 * (t - 2001)
    res = project_to_target(t, y, TO_75, method="linear", period_years=3)
    assert res.n == 7 and res.estimate == pytest.approx(60 + 0.2 * 29)
    assert isinstance(pd.DataFrame(res.to_frame()), pd.DataFrame)


def test_consecutive_financial_years_are_a_year_apart_despite_leap_days():
    """Midpoints of 2020/21 and 2021/22 are 0.9993 decimal years apart (leap day in 2020)."""
    from levelup.data.periods import parse_period
    from levelup.stats import TargetSpec, progress_status

    t0, t1 = parse_period("2020-04-01/P1Y").time, parse_period("2021-04-01/P1Y").time
    assert t1 - t0 < 1
    spec = TargetSpec(
        direction="increase", baseline_year=t0, target_year=2030.5, target_change_rel=0.4
    )
    result = progress_status([t0, t1], [100.0, 104.0], spec)
    assert result.status != "insufficient data"
