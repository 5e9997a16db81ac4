"""The evidence rules of the engine (docs/methods/statistics.md, "Evidence rules"), on small
hand-made cases checked by hand or against statsmodels."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from levelup.stats import (
    MAX_INTERVAL_TO_RANGE,
    MIN_POINTS_PROGRESS,
    TargetSpec,
    beta_convergence,
    bootstrap_dispersion_change,
    decile_gap,
    panel_beta_convergence,
    panel_progress_status,
    progress_status,
    project_to_target,
    projection_note,
    unit_bounds,
    verdicts,
)

HALVE = TargetSpec(
    direction="decrease", baseline_year=2020, target_year=2030, target_change_rel=-0.5
)


# --- rule 1: no direction of travel from one change ----------------------------------------------


def test_one_change_is_not_assessable_whatever_its_direction():
    for latest in (90.0, 110.0):  # a fall (limited progress) and a rise (deteriorating)
        res = progress_status([2020, 2022], [100.0, latest], HALVE)
        assert res.status == verdicts.ONE_CHANGE_ONLY == res.point_status
        assert math.isnan(res.estimate) and res.n == 2
        # the observed growth is still a fact: (latest / 100)^(1/2) - 1
        assert res.observed_cagr == pytest.approx((latest / 100) ** 0.5 - 1)


def test_two_changes_give_the_open_sdg_status():
    res = progress_status([2020, 2021, 2022], [100.0, 95.0, 90.0], HALVE)
    observed = 0.9**0.5 - 1
    required = 0.5**0.1 - 1
    assert res.n == MIN_POINTS_PROGRESS
    assert res.estimate == pytest.approx(-observed / abs(required))
    # by hand: R = 0.0513 / 0.0670 = 0.766, between 0.6 and 0.95
    assert res.estimate == pytest.approx(0.766, abs=1e-3)
    assert res.status == verdicts.ACCELERATION


def test_only_observations_from_the_baseline_count():
    # seven points, but only two from the 2020 baseline on: one change
    res = progress_status(
        [2014, 2015, 2016, 2017, 2018, 2020, 2022], [9, 8, 7, 6, 5, 4, 3.9], HALVE
    )
    assert res.status == verdicts.ONE_CHANGE_ONLY and res.n == 2


def test_target_met_is_a_level_and_stands_on_one_change():
    res = progress_status([2020, 2022], [100.0, 40.0], HALVE)
    assert res.status == verdicts.TARGET_MET and math.isinf(res.estimate)


def test_given_baseline_value_counts_as_an_observation():
    target = TargetSpec(
        direction="decrease",
        baseline_year=2020,
        target_year=2030,
        target_change_rel=-0.5,
        baseline_value=100.0,
    )
    assert progress_status([2022], [90.0], target).status == verdicts.ONE_CHANGE_ONLY
    assert progress_status([2021, 2022], [95.0, 90.0], target).status == verdicts.ACCELERATION


def test_panel_progress_applies_the_rule_per_area():
    panel = pd.DataFrame(
        {
            "area_code": ["a"] * 2 + ["b"] * 3,
            "time": [2020, 2022, 2020, 2021, 2022],
            "value": [100, 90, 100, 95, 90],
        }
    )
    frame = panel_progress_status(panel, HALVE).frame.set_index("area_code")
    assert frame.at["a", "status"] == verdicts.ONE_CHANGE_ONLY and frame.at["a", "n"] == 2
    assert frame.at["b", "status"] == verdicts.ACCELERATION and frame.at["b", "n"] == 3
    assert math.isnan(frame.at["a", "ratio"])


# --- rule 2: speed and half-life only for significant convergence over enough periods ------------


def _converging_panel(times, beta=-0.05, noise=0.0, n=40, seed=1):
    """ln y_i(t) = ln y_i0 + (a + beta ln y_i0)(t - t0) (+ noise): exact beta convergence."""
    rng = np.random.default_rng(seed)
    x0 = np.linspace(1, 3, n)
    rows = []
    for t in times:
        logy = x0 + (0.2 + beta * x0) * (t - times[0]) + noise * rng.standard_normal(n)
        rows += [
            {"area_code": f"A{i}", "time": float(t), "value": float(np.exp(v))}
            for i, v in enumerate(logy)
        ]
    return pd.DataFrame(rows)


def test_speed_needs_three_periods():
    two = _converging_panel([2010, 2020], noise=0.01)
    res = beta_convergence(two, 2010, 2020)
    assert res.verdict == verdicts.BETA_CONVERGENCE and res.n_periods == 2
    assert math.isnan(res.speed) and math.isnan(res.half_life)
    assert res.speed_note == verdicts.SPEED_TOO_FEW_PERIODS
    # the same ends with a middle period: speed lambda = -ln(1 + beta T)/T by hand
    three = _converging_panel([2010, 2015, 2020], noise=0.01)
    res3 = beta_convergence(three, 2010, 2020)
    assert res3.n_periods == 3 and res3.speed_note == ""
    assert res3.speed == pytest.approx(-math.log1p(res3.estimate * 10) / 10)
    assert res3.half_life == pytest.approx(math.log(2) / res3.speed)


def test_speed_needs_three_years():
    quarters = _converging_panel([2023.0, 2023.1, 2023.25], noise=0.001)
    res = beta_convergence(quarters, 2023.0, 2023.25)
    assert res.verdict == verdicts.BETA_CONVERGENCE
    assert res.speed_note == verdicts.SPEED_TOO_SHORT and math.isnan(res.half_life)


def test_speed_needs_significant_convergence():
    rng = np.random.default_rng(3)
    rows = [
        {"area_code": f"A{i}", "time": t, "value": float(np.exp(rng.normal(2, 0.3)))}
        for t in (2010.0, 2015.0, 2020.0)
        for i in range(30)
    ]
    panel = pd.DataFrame(rows)
    res = beta_convergence(panel, 2010, 2020)
    # check significance against statsmodels HC3 before reading the rule
    wide = panel.pivot(index="area_code", columns="time", values="value")
    x = np.log(wide[2010.0])
    g = (np.log(wide[2020.0]) - x) / 10
    fit = sm.OLS(g, sm.add_constant(x)).fit(cov_type="HC3", use_t=True)
    lower, upper = fit.conf_int().iloc[1]
    assert res.estimate == pytest.approx(fit.params.iloc[1])
    if upper < 0:
        assert res.speed_note == ""
    else:
        assert res.speed_note == verdicts.SPEED_NOT_SIGNIFICANT and math.isnan(res.speed)


def test_panel_beta_counts_its_periods():
    res = panel_beta_convergence(_converging_panel([2010, 2012, 2014, 2016], noise=0.01))
    assert res.n_periods == 4 and res.verdict == verdicts.BETA_CONVERGENCE
    assert res.speed_note == "" and res.half_life > 0
    short = panel_beta_convergence(_converging_panel([2010, 2012], noise=0.01))
    assert short.n_periods == 2 and math.isnan(short.half_life)


# --- rule 3: a change in a gap on the same areas --------------------------------------------------


def test_gap_change_ends_are_on_the_areas_of_both_periods():
    base = {f"A{i}": float(i) for i in range(20)}
    later = {f"A{i}": 2.0 * i for i in range(20)} | {f"B{i}": 100.0 + i for i in range(5)}
    panel = pd.DataFrame(
        [{"area_code": a, "time": 2010.0, "value": v} for a, v in base.items()]
        + [{"area_code": a, "time": 2020.0, "value": v} for a, v in later.items()]
    )
    change = bootstrap_dispersion_change(panel, 2010, 2020, statistic="decile_gap", n_boot=200)
    assert change.n == 20
    balanced = panel[panel["area_code"].str.startswith("A")]
    gaps = decile_gap(balanced).frame["gap"].to_numpy()
    assert (change.start_value, change.end_value) == pytest.approx(tuple(gaps))
    # the unbalanced latest gap (25 areas) is not what the change is measured on
    assert decile_gap(panel).frame["gap"].iat[-1] != pytest.approx(change.end_value)
    # deciles by hand: 2 areas a tenth; bottom A0, A1 -> median 0.5, top A18, A19 -> 18.5
    assert change.start_value == pytest.approx(18.0)


# --- rule 4: projections respect the metric's bounds ----------------------------------------------


@pytest.mark.parametrize(
    "unit,bounds",
    [
        ("%", (0, 100)),
        ("% of premises", (0, 100)),
        ("mean score (0-10)", (0, 10)),
        ("dwellings", (0, np.inf)),
        ("achievements", (0, np.inf)),
        ("£ million", (0, np.inf)),
        ("years", (0, np.inf)),
        ("percentage points", (-np.inf, np.inf)),
        ("index", (-np.inf, np.inf)),
        ("% a year", (-np.inf, np.inf)),
    ],
)
def test_bounds_come_from_the_unit(unit, bounds):
    assert unit_bounds(unit) == bounds


def test_a_negative_projected_count_is_too_uncertain():
    # a count falling 100 a year from 450: the line reaches -50 in 2025
    years = [2016, 2017, 2018, 2019, 2020]
    values = [450, 350, 250, 150, 50]
    target = TargetSpec(
        direction="increase", baseline_year=2016, target_year=2025, target_change_abs=100
    )
    free = project_to_target(years, values, target, method="linear")
    assert free.estimate == pytest.approx(-450) and free.verdict == verdicts.OFF_COURSE
    res = project_to_target(years, values, target, method="linear", bounds=(0, np.inf))
    assert res.verdict == verdicts.TOO_UNCERTAIN
    assert math.isnan(res.estimate) and math.isnan(res.lower) and math.isnan(res.upper)
    assert "leaves the possible range" in res.note


def test_a_share_above_100_is_too_uncertain_not_clipped():
    years = [2019, 2020, 2021, 2022, 2023]
    values = [60.0, 68.0, 75.0, 83.0, 90.0]
    target = TargetSpec(direction="increase", baseline_year=2019, target_year=2030, target_level=99)
    for method in ("linear", "constant_rate"):
        res = project_to_target(years, values, target, method=method, bounds=unit_bounds("%"))
        assert res.verdict == verdicts.TOO_UNCERTAIN and math.isnan(res.estimate)


def test_an_interval_much_wider_than_the_observed_range_is_too_uncertain():
    # four noisy points projected 12 years ahead (statsmodels gives the interval)
    years = np.array([2012.0, 2015.0, 2018.0, 2021.0])
    values = np.array([63.0, 63.8, 63.1, 63.5])
    target = TargetSpec(
        direction="increase", baseline_year=2012, target_year=2033, target_change_abs=5
    )
    fit = sm.OLS(values, sm.add_constant(years)).fit()
    pi = fit.get_prediction(np.array([[1.0, 2033.0]])).summary_frame(alpha=0.05)
    width = float(pi["obs_ci_upper"].iat[0] - pi["obs_ci_lower"].iat[0])
    spread = values.max() - values.min()
    assert width > MAX_INTERVAL_TO_RANGE * spread
    res = project_to_target(years, values, target, method="linear", bounds=(0, np.inf))
    assert res.verdict in (verdicts.TOO_UNCERTAIN, verdicts.INSUFFICIENT)
    assert math.isnan(res.estimate) and "times as wide" in res.note


def test_a_steady_series_is_projected_with_the_statsmodels_interval():
    years = np.arange(2010.0, 2022.0)
    values = 50 + 0.5 * (years - 2010) + np.tile([0.3, -0.2, 0.1, -0.3], 3)
    target = TargetSpec(direction="increase", baseline_year=2010, target_year=2024, target_level=70)
    res = project_to_target(years, values, target, method="linear", bounds=(0, 100))
    fit = sm.OLS(values, sm.add_constant(years)).fit()
    pi = fit.get_prediction(np.array([[1.0, 2024.0]])).summary_frame(alpha=0.05)
    assert res.note == "" and res.verdict == verdicts.OFF_COURSE
    assert res.estimate == pytest.approx(pi["mean"].iat[0])
    assert (res.lower, res.upper) == pytest.approx(
        (pi["obs_ci_lower"].iat[0], pi["obs_ci_upper"].iat[0])
    )


def test_an_interval_covering_the_whole_bounded_range_is_too_uncertain():
    assert "every possible value" in projection_note(50, -5, 105, [40, 60], (0, 100))
    assert projection_note(50, 40, 60, [40, 60], (0, 100)) == ""
    assert projection_note(float("nan"), float("nan"), float("nan"), [1, 2], (0, 100)) == ""


def test_registry_bounds_follow_the_unit_unless_given():
    from levelup.metrics.registry import Registry

    registry = Registry()
    assert registry.metric("m04-gigabit").value_bounds == (0, 100)
    assert registry.metric("m08-anxiety").value_bounds == (0, 10)
    assert registry.metric("m10-non-decent-rented").value_bounds == (0, np.inf)
    metric = registry.metric("m07-hle").model_copy(update={"bounds": (40.0, None)})
    assert metric.value_bounds == (40.0, np.inf)
