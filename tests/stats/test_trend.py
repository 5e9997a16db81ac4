"""Trend methods against statsmodels, scipy, brute force and hand-worked examples."""

from __future__ import annotations

import itertools
import math
from collections import Counter

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from levelup.stats import (
    INSUFFICIENT,
    MIN_N_TREND,
    MK_EXACT_BELOW,
    cagr,
    exact_s_distribution,
    log_linear_trend,
    mann_kendall,
    ols_trend,
    panel_trends,
    theil_sen,
)

from .helpers import PROPERTY

IRREGULAR = np.array([2010.0, 2011, 2012, 2013.5, 2015, 2016, 2018, 2019, 2021, 2022, 2023])


def noisy(n: int, seed: int = 1, slope: float = 0.3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return 5 + slope * np.arange(n) + rng.normal(size=n)


# --- OLS -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [5, 8, 11])
def test_ols_hac_matches_statsmodels(n):
    t, y = IRREGULAR[:n], noisy(n)
    res = ols_trend(t, y)
    lags = math.floor(0.75 * n ** (1 / 3))
    ref = sm.OLS(y, sm.add_constant(t)).fit(
        cov_type="HAC", cov_kwds={"maxlags": lags, "use_correction": True}, use_t=True
    )
    assert res.estimate == pytest.approx(ref.params[1], rel=1e-9)
    assert res.intercept == pytest.approx(ref.params[0], rel=1e-9)
    assert res.se == pytest.approx(ref.bse[1], rel=1e-9)
    assert (res.lower, res.upper) == pytest.approx(tuple(ref.conf_int()[1]), rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalues[1], rel=1e-7)
    assert res.n == n


def test_ols_classical_matches_statsmodels():
    t, y = IRREGULAR, noisy(len(IRREGULAR), seed=3)
    res = ols_trend(t, y, hac=False)
    ref = sm.OLS(y, sm.add_constant(t)).fit()
    assert res.se == pytest.approx(ref.bse[1], rel=1e-9)
    assert res.p_value == pytest.approx(ref.pvalues[1], rel=1e-7)


def test_log_linear_trend_is_ols_on_logs():
    t = IRREGULAR
    y = np.exp(0.02 * (t - 2010) + np.random.default_rng(4).normal(0, 0.01, len(t)))
    res = log_linear_trend(t, y)
    ref = ols_trend(t, np.log(y))
    assert res.estimate == pytest.approx(np.expm1(ref.estimate))
    assert (res.lower, res.upper) == pytest.approx((np.expm1(ref.lower), np.expm1(ref.upper)))
    assert res.verdict == "increasing"
    assert log_linear_trend(t, y - y.mean()).verdict == INSUFFICIENT  # non-positive values


# --- Theil-Sen -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [10, 11])
def test_theil_sen_matches_scipy_from_ten_points(n):
    t, y = IRREGULAR[:n], noisy(n, seed=n)
    res = theil_sen(t, y)
    ref = stats.theilslopes(y, t, alpha=0.95)
    assert res.estimate == pytest.approx(ref.slope)
    assert res.intercept == pytest.approx(ref.intercept)
    assert (res.lower, res.upper) == pytest.approx((ref.low_slope, ref.high_slope))


def _exact_mk_p_brute(values: np.ndarray) -> float:
    """Two-sided exact Mann-Kendall p-value by enumerating every ordering of the values."""

    def s_of(seq):
        return sum(
            np.sign(seq[j] - seq[i]) for i in range(len(seq)) for j in range(i + 1, len(seq))
        )

    observed = abs(s_of(values))
    perms = list(itertools.permutations(values))
    return sum(abs(s_of(p)) >= observed for p in perms) / len(perms)


@pytest.mark.parametrize("seed", [0, 1])
def test_theil_sen_exact_interval_inverts_the_exact_test(seed):
    """Below 10 points the interval is the set of slopes the exact two-sided test keeps."""
    t = IRREGULAR[:6]
    y = noisy(6, seed=seed, slope=0.8)
    res = theil_sen(t, y)
    eps = 1e-7
    for beta, kept in [
        (res.lower + eps, True),
        (res.upper - eps, True),
        (res.lower - eps, False),
        (res.upper + eps, False),
    ]:
        p = _exact_mk_p_brute(y - beta * t)
        assert (p > 0.05) == kept, (beta, p)


def test_theil_sen_interval_unbounded_when_no_test_attainable():
    res = theil_sen([1, 2, 3, 4], [1, 3, 2, 5])
    assert res.estimate == pytest.approx(np.median([2, 0.5, 4 / 3, -1, 1, 3]))
    assert np.isnan(res.lower) and np.isnan(res.upper)
    assert res.verdict == INSUFFICIENT


# --- Mann-Kendall --------------------------------------------------------------------------------


def test_mann_kendall_hand_worked_example():
    # pairs of [1, 3, 2, 4, 5]: 9 increases, 1 decrease -> S = 8. Without ties the number of
    # orderings of 5 values with I inversions is 1,4,9,15,20,22,20,15,9,4,1 (S = 10 - 2I), so
    # P(|S| >= 8) = (1 + 4 + 4 + 1) / 120.
    res = mann_kendall([2001, 2002, 2003, 2004, 2005], [1, 3, 2, 4, 5])
    assert res.estimate == 8
    assert res.exact
    assert res.p_value == pytest.approx(10 / 120)
    assert res.verdict == "no significant trend"
    assert res.tau == pytest.approx(0.8)


@pytest.mark.parametrize("n", range(3, MK_EXACT_BELOW))
def test_exact_p_matches_scipy_kendalltau_exact(n):
    t = np.arange(n, dtype=float)
    y = noisy(n, seed=n, slope=0.2)
    res = mann_kendall(t, y)
    ref = stats.kendalltau(t, y, method="exact")
    assert res.exact
    assert res.p_value == pytest.approx(ref.pvalue, rel=1e-10)
    assert res.tau == pytest.approx(ref.statistic)


@pytest.mark.parametrize(
    "values",
    [
        [1, 1, 2, 3],
        [1, 2, 2, 2, 3],
        [4, 1, 1, 3, 3, 2],
        [1, 1, 2, 2, 3, 3, 4],
        [5, 5, 5, 5, 1],
        [2, 2, 2],
    ],
)
def test_exact_distribution_with_ties_matches_enumeration(values):
    counts = Counter()
    perms = list(itertools.permutations(values))
    for p in perms:
        counts[sum(np.sign(p[j] - p[i]) for i in range(len(p)) for j in range(i + 1, len(p)))] += 1
    sizes = tuple(Counter(values).values())
    s_values, prob = exact_s_distribution(sizes)
    expected = {s: c / len(perms) for s, c in counts.items()}
    got = {s: p for s, p in zip(s_values, prob, strict=True) if p > 0}
    assert got.keys() == expected.keys()
    for s, p in expected.items():
        assert got[s] == pytest.approx(p)
    # and the test's p-value with ties equals the enumeration
    res = mann_kendall(np.arange(len(values)), values)
    assert res.p_value == pytest.approx(_exact_mk_p_brute(np.array(values, float)))


def test_normal_approximation_variance_matches_scipy_with_ties():
    # scipy's asymptotic Kendall test uses z = S / sqrt(Var S) with the same tie-corrected Var S
    y = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9], dtype=float)
    t = np.arange(len(y), dtype=float)
    res = mann_kendall(t, y)
    assert not res.exact
    ref = stats.kendalltau(t, y, method="asymptotic")
    z_scipy = stats.norm.isf(ref.pvalue / 2)
    assert math.sqrt(res.var_s) == pytest.approx(abs(res.estimate) / z_scipy, rel=1e-9)
    # continuity correction
    assert res.z == pytest.approx((res.estimate - np.sign(res.estimate)) / math.sqrt(res.var_s))
    assert res.p_value == pytest.approx(2 * stats.norm.sf(abs(res.z)))


# --- CAGR ----------------------------------------------------------------------------------------


def test_cagr_hand_example():
    res = cagr([2015, 2017, 2020], [100, np.nan, 121])
    assert res.estimate == pytest.approx(1.21 ** (1 / 5) - 1)
    assert res.n == 2 and res.n_missing == 1
    assert cagr([2015, 2020], [100, -1]).verdict == INSUFFICIENT


# --- edge cases ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fn", [ols_trend, theil_sen, mann_kendall, log_linear_trend])
def test_constant_series(fn):
    res = fn(np.arange(2010, 2018), np.full(8, 7.5))
    assert res.estimate == 0
    assert res.verdict == "no significant trend"
    if fn is mann_kendall:
        assert res.p_value == 1


@pytest.mark.parametrize("fn", [ols_trend, theil_sen, mann_kendall, log_linear_trend, cagr])
@pytest.mark.parametrize(
    "time,value",
    [([], []), ([2020.0], [1.0]), ([2019, 2020], [np.nan, np.nan]), ([2019, 2020], [1.0, 2.0])],
)
def test_short_or_missing_series_refuse_a_verdict(fn, time, value):
    res = fn(time, value)
    two_points = np.isfinite(np.asarray(value, float)).sum() == 2
    assert res.verdict == ("not tested" if fn is cagr and two_points else INSUFFICIENT)
    assert res.n == int(np.isfinite(np.asarray(value, float)).sum())


def test_two_points_still_estimate_a_slope():
    res = ols_trend([2019, 2021], [1.0, 2.0])
    assert res.estimate == pytest.approx(0.5) and np.isnan(res.se)
    assert theil_sen([2019, 2021], [1.0, 2.0]).estimate == pytest.approx(0.5)
    assert MIN_N_TREND == 5


def test_overlapping_periods_use_a_non_overlapping_subsequence():
    t = np.arange(2001.0, 2020.0)  # 3-year rolling estimates centred on each year
    y = noisy(len(t))
    res = ols_trend(t, y, period_years=3)
    kept = t[::-1][::3][::-1]
    ref = ols_trend(kept, y[np.isin(t, kept)])
    assert res.time_end == 2019 and res.n == len(kept) == 7
    assert res.n_overlap_dropped == len(t) - len(kept)
    assert res.estimate == pytest.approx(ref.estimate)
    assert mann_kendall(t, y, period_years=3).n == 7


def test_repeated_time_is_an_error():
    with pytest.raises(ValueError):
        ols_trend([2020, 2020, 2021], [1, 2, 3])


# --- panel ---------------------------------------------------------------------------------------


def _ragged_panel(seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(25):
        n = int(rng.integers(0, 14))
        times = np.sort(rng.choice(np.arange(2000.0, 2024.0), size=n, replace=False))
        values = np.round(rng.normal(10 + 0.1 * i * (times - 2000), 1.0), 0)  # rounding -> ties
        values[rng.random(n) < 0.1] = np.nan
        rows += [(f"A{i:02d}", t, v) for t, v in zip(times, values, strict=True)]
    rows.append(("ALLNA", 2020.0, np.nan))
    return pd.DataFrame(rows, columns=["area_code", "time", "value"])


def test_panel_trends_equal_the_single_series_functions():
    panel = _ragged_panel()
    table = panel_trends(panel).frame.set_index("area_code")
    for area, frame in panel.groupby("area_code"):
        row = table.loc[area]
        t, y = frame["time"].to_numpy(), frame["value"].to_numpy()
        checks = {
            "ols": (ols_trend(t, y), "ols_slope", "ols_lower", "ols_upper", "ols_verdict"),
            "ts": (
                theil_sen(t, y),
                "theil_sen_slope",
                "theil_sen_lower",
                "theil_sen_upper",
                "theil_sen_verdict",
            ),
        }
        for res, est, lo, hi, verdict in checks.values():
            np.testing.assert_allclose(
                [row[est], row[lo], row[hi]], [res.estimate, res.lower, res.upper], rtol=1e-10
            )
            assert row[verdict] == res.verdict
        mk = mann_kendall(t, y)
        np.testing.assert_allclose([row["mk_s"], row["mk_p_value"]], [mk.estimate, mk.p_value])
        assert row["mk_verdict"] == mk.verdict
        np.testing.assert_allclose(row["cagr"], cagr(t, y).estimate)
        assert row["n"] == mk.n and row["n_missing"] == mk.n_missing
    assert table.loc["ALLNA", "ols_verdict"] == INSUFFICIENT


def test_panel_trends_overlap_column_and_findings():
    panel = _ragged_panel().assign(period_years=3.0, metric="m")
    table = panel_trends(panel, by=("metric", "area_code"), period_years="period_years")
    single = panel[panel["area_code"] == "A05"]
    res = ols_trend(single["time"], single["value"], period_years=3)
    row = table.frame.set_index("area_code").loc["A05"]
    assert row["ols_slope"] == pytest.approx(res.estimate, nan_ok=True)
    assert row["n_overlap_dropped"] == res.n_overlap_dropped
    findings = table.to_frame()
    assert {"ols_slope", "theil_sen_slope", "mann_kendall_p_value", "cagr"} <= set(
        findings["statistic"]
    )
    assert findings["key"].is_unique
    assert findings.loc[findings["area"] == "A05", "metric"].eq("m").all()


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_panel_trends_invariant_to_row_order(seed):
    panel = _ragged_panel(seed=2)
    shuffled = panel.iloc[np.random.default_rng(seed).permutation(len(panel))]
    a = panel_trends(panel).frame.set_index("area_code").sort_index()
    b = panel_trends(shuffled).frame.set_index("area_code").sort_index()
    pd.testing.assert_frame_equal(a, b)


@PROPERTY
@given(
    st.lists(st.integers(-1000, 1000), min_size=2, max_size=12),
    st.floats(0.1, 100),
    st.floats(-100, 100),
)
def test_slopes_are_affine_equivariant(values, scale, shift):
    t = np.arange(len(values), dtype=float) + 2000
    y = np.asarray(values, dtype=float)
    for fn in (ols_trend, theil_sen):
        base, moved = fn(t, y), fn(t, scale * y + shift)
        assert moved.estimate == pytest.approx(scale * base.estimate, rel=1e-6, abs=1e-6)
    # Mann-Kendall depends on ranks only
    assert mann_kendall(t, scale * y + shift).estimate == mann_kendall(t, y).estimate


def test_panel_trends_period_length_from_period_bounds():
    # rolling 3-year periods 2001-03 ... 2017-19 as in the canonical table
    starts = np.arange(2001, 2018)
    panel = pd.DataFrame(
        {
            "area_code": "E06000001",
            "time": starts + 1.5,
            "value": noisy(len(starts)),
            "period_start": pd.to_datetime([f"{y}-01-01" for y in starts]),
            "period_end": pd.to_datetime([f"{y + 2}-12-31" for y in starts]),
        }
    )
    row = panel_trends(panel, period_years="bounds").frame.iloc[0]
    res = ols_trend(panel["time"], panel["value"], period_years=3)
    assert row["n"] == res.n == 6 and row["time_end"] == 2018.5
    assert row["ols_slope"] == pytest.approx(res.estimate)


# half-year grid: distinct times, unequal spacing
times = st.lists(st.integers(3980, 4060), min_size=2, max_size=15, unique=True).map(
    lambda halves: sorted(h / 2 for h in halves)
)


@PROPERTY
@given(times, st.floats(-1e4, 1e4))
def test_constant_series_property(t, level):
    y = np.full(len(t), level)
    for fn in (ols_trend, theil_sen):
        res = fn(t, y)
        assert res.estimate == 0
        assert res.verdict in (INSUFFICIENT, "no significant trend")
    mk = mann_kendall(t, y)
    assert mk.estimate == 0 and mk.p_value == 1


@PROPERTY
@given(
    times.filter(lambda t: len(t) == 2 and t[1] - t[0] > 1e-3),
    st.floats(-100, 100),
    st.floats(-100, 100),
)
def test_two_points_property(t, a, b):
    res = ols_trend(t, [a, b])
    assert res.estimate == pytest.approx((b - a) / (t[1] - t[0]), rel=1e-6, abs=1e-9)
    assert res.verdict == INSUFFICIENT and np.isnan(res.se)
    assert mann_kendall(t, [a, b]).verdict == INSUFFICIENT


@PROPERTY
@given(st.integers(0, 8), st.integers(0, 3))
def test_panel_single_area_and_all_missing(n_obs, n_missing):
    assume(n_obs + n_missing > 0)
    t = 2000.0 + np.arange(n_obs + n_missing)
    y = np.r_[np.arange(n_obs, dtype=float), np.full(n_missing, np.nan)]
    panel = pd.DataFrame({"area_code": "A", "time": t, "value": y})
    row = panel_trends(panel).frame.iloc[0]
    assert row["n"] == n_obs and row["n_missing"] == n_missing
    expected = "increasing" if n_obs >= MIN_N_TREND else INSUFFICIENT
    assert row["mk_verdict"] == expected


def test_empty_panel_gives_an_empty_table():
    empty = pd.DataFrame({"area_code": [], "time": [], "value": []})
    table = panel_trends(empty)
    assert table.frame.empty and "ols_slope" in table.frame.columns
    assert table.to_frame().empty


def test_leap_days_do_not_make_adjacent_three_year_periods_overlap():
    # HLE-style pooled periods 2005-07, 2008-10, ..., 2020-22 do not overlap, but their midpoints
    # in decimal years are up to a day closer than the periods' 3.0007-year length
    from levelup.data.periods import parse_period

    periods = [parse_period(f"{y}-01-01/P3Y") for y in range(2005, 2021, 3)]
    t = np.array([p.time for p in periods])
    lengths = np.array([(p.end - p.start).days / 365.25 for p in periods])
    assert np.diff(t).min() < lengths.max()  # the drift the slack absorbs
    res = ols_trend(t, noisy(len(t)), period_years=lengths.max())
    assert res.n == len(t) == 6 and res.n_overlap_dropped == 0
