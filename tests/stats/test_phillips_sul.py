"""Phillips-Sul log-t test and clubs: regression pieces against independent computations,
club recovery on panels with a known club structure."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.tsa.filters.hp_filter import hpfilter

from levelup.stats import (
    INSUFFICIENT,
    MIN_PERIODS_PS,
    club_clustering,
    hp_filter_trend,
    log_t_test,
    relative_transition_paths,
)
from levelup.stats.phillips_sul import (
    _core_size,
    _log_t,
    _long_run_variance,
    _merge_adjacent,
    _merge_divergent,
    _Spec,
)

from .helpers import PROPERTY


def club_panel(targets=(1.15, 0.9, 0.7), per_club=8, periods=30, seed=5) -> pd.DataFrame:
    """Log-levels whose loadings converge to one of ``targets`` (a known club structure)."""
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(per_club * len(targets)):
        club = targets[i % len(targets)]
        start = club + rng.normal(0, 0.15)
        for t in range(1, periods + 1):
            delta = (
                club + (start - club) * math.exp(-0.15 * t) + rng.normal(0, 0.01) / math.log(t + 1)
            )
            rows.append((f"A{i:02d}", 2000.0 + t, math.exp(delta * (3 + 0.02 * t))))
    return pd.DataFrame(rows, columns=["area_code", "time", "value"])


def test_hp_filter_matches_statsmodels():
    rng = np.random.default_rng(0)
    x = np.cumsum(rng.normal(size=(3, 25)), axis=1)
    trend = hp_filter_trend(x, 400)
    for row in range(3):
        _, ref = hpfilter(x[row], lamb=400)
        np.testing.assert_allclose(trend[row], ref, rtol=1e-9, atol=1e-9)


def qs_lrv_loop(u: np.ndarray) -> float:
    """Andrews (1991) QS long-run variance with AR(1) plug-in bandwidth, written out longhand."""
    n = len(u)
    rho = sum(u[t] * u[t - 1] for t in range(1, n)) / sum(u[t - 1] ** 2 for t in range(1, n))
    alpha2 = 4 * rho**2 / (1 - rho) ** 4
    bandwidth = 1.3221 * (alpha2 * n) ** (1 / 5)
    total = sum(u[t] ** 2 for t in range(n)) / n
    for j in range(1, n):
        x = j / bandwidth
        k = (
            25
            / (12 * math.pi**2 * x**2)
            * (
                math.sin(6 * math.pi * x / 5) / (6 * math.pi * x / 5)
                - math.cos(6 * math.pi * x / 5)
            )
        )
        total += 2 * k * sum(u[t] * u[t - j] for t in range(j, n)) / n
    return total


def ps_lrv_loop(u: np.ndarray) -> float:
    """ConvergenceClubs' ps_andrews_hac (Phillips & Sul's GAUSS code), written out longhand:
    bandwidth over all n residuals, autocovariances of the first n - 1 divided by n - 1."""
    n = len(u)
    rho = sum(u[t] * u[t - 1] for t in range(1, n)) / sum(u[t - 1] ** 2 for t in range(1, n))
    bandwidth = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * n) ** 0.2
    m = n - 1
    total = sum(v * v for v in u) / m
    for j in range(1, m):
        z = 1.2 * math.pi * j / bandwidth
        k = (math.sin(z) / z - math.cos(z)) * 3 / z**2
        total += 2 * k * sum(u[t] * u[t + j] for t in range(m - j)) / m
    return total


def test_long_run_variances_match_longhand():
    rng = np.random.default_rng(1)
    e = rng.normal(size=(4, 20))
    u = e.copy()
    u[:, 1:] += 0.5 * e[:, :-1]  # MA(1) errors
    andrews, ps = _long_run_variance(u, "andrews"), _long_run_variance(u, "ps")
    for row in range(4):
        assert andrews[row] == pytest.approx(qs_lrv_loop(u[row]), rel=1e-10)
        assert ps[row] == pytest.approx(ps_lrv_loop(u[row]), rel=1e-10)


def test_ps_long_run_variance_by_hand():
    """u = (1, -1, 2, 0, -2): rho = -3/6, S = 1.3221 (4 (1/4) / 1.5^4 * 5)^(1/5); with n - 1 = 4,
    gamma_0 = 10/4, gamma_1 = (-1 - 2 + 0)/4, gamma_2 = (2 + 0)/4, gamma_3 = 0/4."""
    u = np.array([1.0, -1.0, 2.0, 0.0, -2.0])
    s = 1.3221 * (1 / 1.5**4 * 5) ** 0.2

    def k(j):
        z = 6 * math.pi * j / (5 * s)
        return 3 / z**2 * (math.sin(z) / z - math.cos(z))

    expected = 2.5 + 2 * (k(1) * -0.75 + k(2) * 0.5)
    assert _long_run_variance(u, "ps")[0] == pytest.approx(expected, rel=1e-12)
    # no autocorrelation at lag 1: bandwidth 0, the kernel weights vanish, LRV = gamma_0
    flat = np.array([1.0, 0.0, -1.0, 0.0, 1.0, 0.0])
    assert _long_run_variance(flat, "ps")[0] == pytest.approx(3 / 5)


def test_regression_start_conventions():
    """ConvergenceClubs: t from round(rT) + 1 (R rounds half to even); the paper: [rT]."""
    package = _Spec()
    assert package.first_period(20) == 8  # 13 regression points, t = 8..20
    assert package.first_period(34) == 12
    assert _Spec(r=0.3).first_period(25) == 9  # round(7.5) = 8
    assert _Spec(r=0.3).first_period(15) == 5  # round(4.5) = 4
    assert _Spec(start="floor").first_period(20) == 6  # 15 points
    with pytest.raises(ValueError, match="start"):
        _Spec(start="ceiling")
    with pytest.raises(ValueError, match="lrv"):
        _Spec(lrv="bartlett")


def test_core_group_choice():
    """coreG(type = "max") keeps the prefix with the largest |t_k|; the paper the largest t_k."""
    t_k = np.array([-1.6, 0.5, -0.2])
    assert _core_size(t_k, "max_abs_t") == 0
    assert _core_size(t_k, "max_t") == 1


def lookup(table: dict[frozenset, float]):
    return lambda rows: table.get(frozenset(int(i) for i in rows), -9.0)


def test_merge_adjacent_by_hand():
    """Clubs 1+2 pass, 1+2+3 fails, 3+4 passes: two merged clubs; a failing last club stays."""
    clubs = [np.array([0]), np.array([1]), np.array([2]), np.array([3])]
    table = {frozenset({0, 1}): 0.5, frozenset({0, 1, 2}): -2.0, frozenset({2, 3}): -1.0}
    assert _merge_adjacent(clubs, lookup(table), -1.65) == [[0, 1], [2, 3]]
    table[frozenset({2, 3})] = -1.7
    assert _merge_adjacent(clubs, lookup(table), -1.65) == [[0, 1], [2], [3]]


def test_merge_divergent_by_hand():
    """Divergent units 7 and 8 against clubs {0, 1} and {2}: 8 joins club 2 first (t = 1.0, the
    largest), then 7 joins club 1 (t = -1.0 with {0, 1}; -1.2 with {2, 8}); e* = -1.65."""
    clubs = [np.array([0, 1]), np.array([2])]
    table = {
        frozenset({0, 1, 7}): -1.0,
        frozenset({0, 1, 8}): 0.2,
        frozenset({2, 7}): -3.0,
        frozenset({2, 8}): 1.0,
        frozenset({2, 8, 7}): -1.2,
    }
    merged, left, joined = _merge_divergent(clubs, np.array([7, 8]), lookup(table), -1.65)
    assert [list(c) for c in merged] == [[0, 1, 7], [2, 8]]
    assert left.size == 0 and joined == [(8, 1), (7, 0)]
    # nothing above e*: the divergent units stay divergent
    merged, left, joined = _merge_divergent(clubs, np.array([7, 8]), lookup(table), 2.0)
    assert list(left) == [7, 8] and joined == []


def test_log_t_regression_matches_statsmodels_and_formula():
    panel = club_panel()
    wide = panel.pivot(index="area_code", columns="time", values="value")
    x = np.log(wide.to_numpy())
    h = x / x.mean(axis=0)
    big_h = ((h - 1) ** 2).mean(axis=0)
    t_total = len(big_h)
    for spec, first, lrv_loop in (
        (_Spec(), round(t_total / 3) + 1, ps_lrv_loop),  # ConvergenceClubs
        (_Spec(r=0.3, start="floor", lrv="andrews"), int(0.3 * t_total), qs_lrv_loop),
    ):
        t = np.arange(first, t_total + 1)
        y = np.log(big_h[0] / big_h[first - 1 :]) - 2 * np.log(np.log(t))
        ref = sm.OLS(y, sm.add_constant(np.log(t))).fit()
        k = _log_t(big_h, spec)
        assert k["b"][0] == pytest.approx(ref.params[1], rel=1e-10)
        se = math.sqrt(lrv_loop(ref.resid) * np.linalg.inv(ref.model.exog.T @ ref.model.exog)[1, 1])
        assert k["se"][0] == pytest.approx(se, rel=1e-9)
        res = log_t_test(panel, r=spec.r, start=spec.start, lrv=spec.lrv)
        assert res.estimate == pytest.approx(ref.params[1], rel=1e-10)
        assert res.t_stat == pytest.approx(ref.params[1] / se, rel=1e-9)
        assert res.n_regression == len(t) and res.n == 24 and res.n_periods == 30
        assert res.verdict == "convergence rejected"


def test_relative_transition_paths_average_one():
    h = relative_transition_paths(club_panel())
    np.testing.assert_allclose(h.mean(axis=0), 1.0)


def test_clubs_recovered():
    panel = club_panel()
    res = club_clustering(panel)
    truth = {f"A{i:02d}": i % 3 for i in range(24)}
    assert res.estimate == 3 and res.divergent == []
    assert [sorted({truth[a] for a in club}) for club in res.clubs] == [[0], [1], [2]]
    assert all(test.verdict == "convergence not rejected" for test in res.club_tests)
    assert res.verdict == "convergence rejected"
    members = res.membership()
    assert len(members) == 24 and set(members["club"]) == {1, 2, 3}
    rows = res.to_frame()
    assert {"club_count", "log_t_b"} <= set(rows["statistic"]) and rows["key"].is_unique
    assert "club3" in res.summary()


def test_incremental_cstar_clubs_pass():
    panel = club_panel(seed=8)
    res = club_clustering(panel, cstar_method="incremental", merge=False)
    assert all(t.t_stat > -1.65 for t in res.initial_club_tests)
    assert all(c >= 0 for c in res.cstars) and "incremental" in res.method
    with pytest.raises(ValueError, match="cstar_method"):
        club_clustering(panel, cstar_method="adaptive")


def test_hp_filtered_clubs_recovered():
    res = club_clustering(club_panel(seed=8), hp_filter=True)
    truth = {f"A{i:02d}": i % 3 for i in range(24)}
    assert [sorted({truth[a] for a in club}) for club in res.clubs] == [[0], [1], [2]]


def test_converging_panel_is_one_club():
    panel = club_panel(targets=(1.0,), per_club=12)
    res = log_t_test(panel)
    assert res.verdict == "convergence not rejected" and res.t_stat > -1.65
    clubs = club_clustering(panel)
    assert clubs.estimate == 1 and len(clubs.clubs[0]) == 12


def test_merging_joins_clubs_that_converge_together():
    panel = club_panel(targets=(1.0, 1.0), per_club=6)
    res = club_clustering(panel, merge=True)
    assert res.estimate == 1


def test_insufficient_periods_and_missing_areas():
    short = club_panel(periods=MIN_PERIODS_PS - 1)
    assert log_t_test(short).verdict == INSUFFICIENT
    assert club_clustering(short).verdict == INSUFFICIENT
    gap = club_panel()
    gap.loc[gap.index[5], "value"] = np.nan
    res = log_t_test(gap)
    assert res.n == 23 and res.n_incomplete == 1
    single = club_panel(targets=(1.0,), per_club=1)
    assert log_t_test(single).verdict == INSUFFICIENT
    with pytest.raises(ValueError):
        log_t_test(gap.assign(value=-gap["value"]))
    assert log_t_test(gap.assign(value=-gap["value"]), take_log=False).n == 23


@PROPERTY
@given(st.integers(0, 2**32 - 1))
def test_clubs_invariant_to_row_order(seed):
    panel = club_panel(per_club=5, periods=20)
    shuffled = panel.iloc[np.random.default_rng(seed).permutation(len(panel))]
    a, b = club_clustering(panel), club_clustering(shuffled)
    assert [sorted(c) for c in a.clubs] == [sorted(c) for c in b.clubs]
    assert a.overall.t_stat == pytest.approx(b.overall.t_stat)
