"""Convergence measures against direct formulas, statsmodels and hand-worked examples."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from hypothesis import assume, given
from hypothesis import strategies as st

from levelup.stats import (
    INSUFFICIENT,
    MIN_AREAS_GAP,
    beta_convergence,
    bootstrap_dispersion_change,
    coefficient_of_variation,
    decile_gap,
    dispersion_trend,
    gini,
    group_vs_rest,
    panel_beta_convergence,
    sd_of_logs,
    sigma_convergence,
    standard_deviation,
    tenth_gap,
    theil_decomposition,
    theil_l,
    theil_t,
    top_vs_rest,
    worst_performing_areas,
)

from .helpers import PROPERTY, make_panel

positive_values = st.lists(st.floats(0.01, 1e4), min_size=1, max_size=30)


def gini_double_sum(x, w=None):
    x = np.asarray(x, float)
    p = np.ones_like(x) if w is None else np.asarray(w, float)
    p = p / p.sum()
    mu = (p * x).sum()
    return (p[:, None] * p[None, :] * np.abs(x[:, None] - x[None, :])).sum() / (2 * mu)


# --- dispersion statistics -----------------------------------------------------------------------


def test_hand_worked_dispersion():
    x = np.array([1.0, 2.0, 3.0, 4.0])
    assert gini(x) == pytest.approx(0.25)  # sum|xi - xj| = 20 over 2 n^2 mu = 80
    assert standard_deviation(x) == pytest.approx(np.std(x))
    assert coefficient_of_variation(x) == pytest.approx(np.std(x) / 2.5)
    assert theil_t(x) == pytest.approx(np.mean(x / 2.5 * np.log(x / 2.5)))
    assert theil_l(x) == pytest.approx(np.mean(np.log(2.5 / x)))
    assert sd_of_logs(x) == pytest.approx(np.std(np.log(x)))
    assert gini([0.0, 0.0, 0.0, 1.0]) == pytest.approx(0.75)
    assert theil_t([0.0, 1.0]) == pytest.approx(math.log(2))  # 0 ln 0 = 0


def test_weighted_statistics_match_direct_formulas():
    rng = np.random.default_rng(0)
    x, w = rng.lognormal(3, 0.5, 40), rng.uniform(1, 10, 40)
    p = w / w.sum()
    mu = (p * x).sum()
    sd = math.sqrt((p * (x - mu) ** 2).sum())
    assert coefficient_of_variation(x, w) == pytest.approx(sd / mu)
    assert gini(x, w) == pytest.approx(gini_double_sum(x, w))
    assert theil_t(x, w) == pytest.approx((p * x / mu * np.log(x / mu)).sum())
    assert theil_l(x, w) == pytest.approx((p * np.log(mu / x)).sum())
    # integer weights = repeating the areas
    reps = np.array([1, 3, 2, 5])
    xs = np.array([2.0, 5.0, 7.0, 11.0])
    for fn in (coefficient_of_variation, gini, theil_t, theil_l):
        assert fn(xs, reps) == pytest.approx(fn(np.repeat(xs, reps)))


def test_statistics_are_vectorised_and_ignore_nan():
    x = np.array([[1.0, 2.0, np.nan, 4.0], [5.0, 5.0, 5.0, 5.0]])
    np.testing.assert_allclose(gini(x), [gini([1, 2, 4]), 0.0])
    np.testing.assert_allclose(theil_t(x), [theil_t([1, 2, 4]), 0.0], atol=1e-15)
    assert np.isnan(theil_l([1.0, 0.0])) and np.isnan(sd_of_logs([1.0, -1.0]))
    assert np.isnan(gini([np.nan, np.nan]))


@PROPERTY
@given(positive_values, st.floats(0.01, 1000))
def test_scale_invariance(x, scale):
    x = np.asarray(x)
    for fn in (coefficient_of_variation, gini, theil_t, theil_l, sd_of_logs):
        assert fn(scale * x) == pytest.approx(fn(x), rel=1e-7, abs=1e-9)


@PROPERTY
@given(positive_values, st.randoms(use_true_random=False))
def test_permutation_invariance_over_areas(x, rnd):
    x = np.asarray(x)
    w = np.arange(1.0, len(x) + 1)
    order = list(range(len(x)))
    rnd.shuffle(order)
    for fn in (coefficient_of_variation, gini, theil_t, theil_l):
        assert fn(x[order], w[order]) == pytest.approx(fn(x, w), rel=1e-9, abs=1e-12)
    assert gini(x) == pytest.approx(gini_double_sum(x), rel=1e-9, abs=1e-12)


@PROPERTY
@given(st.floats(0.01, 1e4), st.integers(1, 20))
def test_equal_areas_have_no_dispersion(value, n):
    x = np.full(n, value)
    assert standard_deviation(x) <= 1e-12 * value
    for fn in (coefficient_of_variation, gini, theil_t, theil_l):
        assert fn(x) == pytest.approx(0.0, abs=1e-12)


@PROPERTY
@given(
    st.lists(
        st.tuples(st.floats(0.1, 1e3), st.sampled_from("ABCD"), st.floats(0.5, 50)),
        min_size=1,
        max_size=30,
    ),
)
def test_theil_decomposition_is_exactly_additive(rows):
    x, g, w = (np.array(c) for c in zip(*rows, strict=True))
    for index in ("T", "L"):
        for weights in (None, w):
            d = theil_decomposition(x, g, weights, index=index)
            assert d.between + d.within == pytest.approx(d.estimate, rel=1e-9, abs=1e-12)
            assert d.between >= -1e-12 and d.within >= -1e-12
    one_group = theil_decomposition(x, np.zeros(len(x)), w)
    assert one_group.between == pytest.approx(0.0, abs=1e-12)


def test_theil_decomposition_hand_example():
    # two regions with equal means: all inequality is within
    d = theil_decomposition([1, 3, 1, 3], ["a", "a", "b", "b"])
    assert d.between == pytest.approx(0.0, abs=1e-15)
    # equal values within regions: all inequality is between
    d = theil_decomposition([1, 1, 3, 3], ["a", "a", "b", "b"])
    assert d.within == pytest.approx(0.0, abs=1e-15)
    assert d.between == pytest.approx(theil_t([1, 1, 3, 3]))
    assert list(d.groups["group"]) == ["a", "b"]
    rows = d.to_frame()
    assert list(rows["statistic"]) == [
        "theil_t",
        "theil_t_between",
        "theil_t_within",
        "theil_t_between_share",
    ]


# --- sigma convergence ---------------------------------------------------------------------------


def test_sigma_convergence_matches_per_period_calls(panel):
    table = sigma_convergence(panel).frame.set_index("time")
    for time, frame in panel.groupby("time"):
        x, w = frame["value"].to_numpy(), frame["weight"].to_numpy()
        row = table.loc[time]
        assert row["n"] == len(frame)
        assert row["cv"] == pytest.approx(coefficient_of_variation(x))
        assert row["cv_weighted"] == pytest.approx(coefficient_of_variation(x, w))
        assert row["gini"] == pytest.approx(gini_double_sum(x))
        assert row["sd_log"] == pytest.approx(np.std(np.log(x)))
        assert row["theil_t_weighted"] == pytest.approx(theil_t(x, w))
        d = theil_decomposition(x, frame["group"])
        assert row["theil_t_between"] == pytest.approx(d.between)
        assert row["theil_t_within"] == pytest.approx(d.within)
        assert row["theil_t_between"] + row["theil_t_within"] == pytest.approx(row["theil_t"])
    trend = dispersion_trend(table["cv"])
    assert trend.verdict == "converging" and trend.statistic == "cv_trend"
    assert trend.estimate == dispersion_trend(table.index, table["cv"]).estimate


def test_sigma_convergence_single_area_and_all_missing():
    one = make_panel(n_areas=1)
    table = sigma_convergence(one).frame
    assert (table["n"] == 1).all() and (table["cv"] == 0).all()
    missing = one.assign(value=np.nan)
    table = sigma_convergence(missing).frame
    assert (table["n"] == 0).all() and table["cv"].isna().all()
    assert dispersion_trend(table["time"], table["cv"]).verdict == INSUFFICIENT


def test_dispersion_trend_verdicts():
    t = np.arange(2010.0, 2020.0)
    assert dispersion_trend(t, 1 + 0.1 * t - 0.1 * 2010).verdict == "diverging"
    assert dispersion_trend(t, np.full(10, 0.3)).verdict == "no significant change"
    assert dispersion_trend(t[:3], [0.3, 0.2, 0.1]).verdict == INSUFFICIENT


def test_bootstrap_dispersion_change(panel):
    res = bootstrap_dispersion_change(panel, 2010.5, 2021.5, statistic="cv", seed=1)
    start = coefficient_of_variation(panel.loc[panel["time"] == 2010.5, "value"])
    end = coefficient_of_variation(panel.loc[panel["time"] == 2021.5, "value"])
    assert res.estimate == pytest.approx(end - start)
    assert res.lower <= res.estimate <= res.upper
    assert res.verdict == "converging" and res.p_value < 0.05
    again = bootstrap_dispersion_change(panel, 2010.5, 2021.5, statistic="cv", seed=1)
    assert (again.lower, again.upper) == (res.lower, res.upper)
    weighted = bootstrap_dispersion_change(panel, 2010.5, 2021.5, statistic="gini", weighted=True)
    assert weighted.estimate == pytest.approx(
        gini(
            panel.loc[panel["time"] == 2021.5, "value"],
            panel.loc[panel["time"] == 2021.5, "weight"],
        )
        - gini(
            panel.loc[panel["time"] == 2010.5, "value"],
            panel.loc[panel["time"] == 2010.5, "weight"],
        )
    )
    few = panel[panel["area_code"].isin(panel["area_code"].unique()[:5])]
    assert bootstrap_dispersion_change(few, 2010.5, 2021.5).verdict == INSUFFICIENT


# --- beta convergence ----------------------------------------------------------------------------


def _growth_frame(panel, start, end):
    wide = panel.pivot(index="area_code", columns="time", values="value")
    return pd.DataFrame(
        {"x": np.log(wide[start]), "g": (np.log(wide[end]) - np.log(wide[start])) / (end - start)}
    )


@pytest.mark.parametrize("cov_type", ["HC1", "HC3"])
def test_beta_convergence_matches_statsmodels(panel, cov_type):
    res = beta_convergence(panel, 2010.5, 2021.5, cov_type=cov_type)
    ref = smf.ols("g ~ x", _growth_frame(panel, 2010.5, 2021.5)).fit(cov_type=cov_type, use_t=True)
    assert res.estimate == pytest.approx(ref.params["x"])
    assert res.se == pytest.approx(ref.bse["x"])
    assert (res.lower, res.upper) == pytest.approx(tuple(ref.conf_int().loc["x"]))
    assert res.p_value == pytest.approx(ref.pvalues["x"], rel=1e-6)
    assert res.r_squared == pytest.approx(ref.rsquared)
    assert res.verdict == "beta convergence"
    assert res.speed == pytest.approx(-math.log(1 + res.estimate * 11) / 11)
    assert res.half_life == pytest.approx(math.log(2) / res.speed)
    assert res.speed_lower < res.speed < res.speed_upper


def test_speed_and_half_life_hand_example():
    # beta = -0.02 over T = 10 years: lambda = -ln(0.8)/10 = 0.0223, half-life 31.1 years
    areas = [f"A{i}" for i in range(10)]
    y0 = np.exp(np.linspace(1, 3, 10))
    y1 = np.exp(np.log(y0) + 10 * (0.05 - 0.02 * np.log(y0)))
    y_mid = np.exp(np.log(y0) + 5 * (0.05 - 0.02 * np.log(y0)))  # a third period (rule 2)
    panel = pd.DataFrame(
        {
            "area_code": areas * 3,
            "time": [2000.0] * 10 + [2005.0] * 10 + [2010.0] * 10,
            "value": np.r_[y0, y_mid, y1],
        }
    )
    res = beta_convergence(panel, 2000, 2010)
    assert res.n_periods == 3 and res.speed_note == ""
    assert res.estimate == pytest.approx(-0.02)
    assert res.speed == pytest.approx(-math.log(0.8) / 10)
    assert res.half_life == pytest.approx(10 * math.log(2) / -math.log(0.8))
    assert beta_convergence(panel.iloc[[0, 1, 20, 21]], 2000, 2010).verdict == INSUFFICIENT


def test_panel_beta_convergence_matches_statsmodels_dummies(panel):
    res = panel_beta_convergence(panel)
    f = panel.sort_values(["area_code", "time"])
    f = f.assign(x=np.log(f.groupby("area_code")["value"].shift(1)), g=np.log(f["value"]))
    f = f.assign(g=f["g"] - f["x"]).dropna()
    ref = smf.ols("g ~ x + C(time)", f).fit(
        cov_type="cluster", cov_kwds={"groups": pd.factorize(f["area_code"])[0]}, use_t=True
    )
    assert res.estimate == pytest.approx(ref.params["x"])
    assert res.se == pytest.approx(ref.bse["x"])
    assert (res.lower, res.upper) == pytest.approx(tuple(ref.conf_int().loc["x"]))
    assert res.n == panel["area_code"].nunique()
    assert "beta" in res.summary()


# --- gap measures --------------------------------------------------------------------------------


def _one_period(values, codes=None, time=2020.0, weights=None):
    codes = codes or [f"A{i:02d}" for i in range(len(values))]
    frame = pd.DataFrame({"area_code": codes, "time": time, "value": values})
    if weights is not None:
        frame["weight"] = weights
    return frame


def test_decile_and_tenth_gap_hand_example():
    frame = _one_period(np.arange(1.0, 21.0))  # 20 areas: a tenth is 2 areas
    row = decile_gap(frame).frame.iloc[0]
    assert (row["bottom_median"], row["top_median"], row["gap"], row["k"]) == (1.5, 19.5, 18.0, 2)
    skewed = _one_period([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 30.0])  # 12 areas: tenth = 1 area
    row = tenth_gap(skewed).frame.iloc[0]
    assert (row["bottom_mean"], row["top_mean"], row["gap"]) == (1.0, 30.0, 29.0)
    assert np.isnan(decile_gap(_one_period(np.arange(1.0, MIN_AREAS_GAP))).frame["gap"][0])


def test_gaps_are_permutation_invariant():
    rng = np.random.default_rng(3)
    values = rng.normal(size=37)
    a = decile_gap(_one_period(values)).frame["gap"][0]
    b = decile_gap(_one_period(values[::-1])).frame["gap"][0]
    assert a == b
    srt = np.sort(values)
    assert a == pytest.approx(np.median(srt[-4:]) - np.median(srt[:4]))


def test_top_vs_rest_and_group_vs_rest():
    frame = _one_period([10.0, 4.0, 6.0, 8.0], codes=["LDN", "B", "C", "D"], weights=[1, 1, 1, 2])
    row = top_vs_rest(frame, "LDN").frame.iloc[0]
    assert (row["group_mean"], row["rest_mean"], row["gap"]) == (10.0, 6.0, 4.0)
    assert row["ratio"] == pytest.approx(10 / 6)
    row = top_vs_rest(frame, "LDN", weighted=True).frame.iloc[0]
    assert row["rest_mean"] == pytest.approx((4 + 6 + 16) / 4)
    worst = worst_performing_areas(frame, 2020.0, share=0.5)
    assert worst == ["B", "C"]
    assert worst_performing_areas(frame, 2020.0, share=0.5, higher_is_better=False) == ["LDN", "D"]
    row = group_vs_rest(frame, worst).frame.iloc[0]
    assert (row["n_group"], row["group_mean"], row["rest_mean"], row["gap"]) == (2, 5.0, 9.0, -4.0)
    with pytest.raises(ValueError):
        top_vs_rest(frame.drop(columns="weight"), "LDN", weighted=True)


def test_gap_series_over_time(panel):
    gaps = decile_gap(panel).frame
    assert len(gaps) == panel["time"].nunique()
    assert (
        dispersion_trend(gaps["time"], gaps["gap"], statistic="decile_gap").verdict == "converging"
    )
    findings = decile_gap(panel).with_context(metric="hle", geography="utla").to_frame()
    assert findings["key"].str.startswith("hle.decile_gap").all()


@PROPERTY
@given(st.lists(st.floats(-100, 100), min_size=MIN_AREAS_GAP, max_size=60))
def test_decile_gap_is_non_negative_and_shift_invariant(values):
    values = np.asarray(values)
    assume(np.ptp(values) < 1e6)
    gap = decile_gap(_one_period(values)).frame["gap"][0]
    shifted = decile_gap(_one_period(values + 7.0)).frame["gap"][0]
    assert gap >= 0
    assert shifted == pytest.approx(gap, abs=1e-9)


def test_beta_convergence_needs_two_distinct_periods(panel):
    res = beta_convergence(panel, 2015.5, 2015.5)
    assert res.verdict == INSUFFICIENT and np.isnan(res.estimate)


def test_relative_decile_gap_hand_example_and_scale_free():
    from levelup.stats.convergence import DISPERSION_STATISTICS, decile_gap_pct

    frame = _one_period(np.arange(1.0, 21.0))  # bottom tenth median 1.5, top 19.5
    row = decile_gap_pct(frame).frame.iloc[0]
    assert row["gap"] == pytest.approx(100 * (19.5 / 1.5 - 1))  # 1200%
    doubled = _one_period(2 * np.arange(1.0, 21.0))  # prices double: the % gap does not move
    assert decile_gap_pct(doubled).frame["gap"][0] == pytest.approx(row["gap"])
    values = np.arange(1.0, 21.0)[None, :]
    assert DISPERSION_STATISTICS["decile_gap_pct"](values)[0] == pytest.approx(row["gap"])
