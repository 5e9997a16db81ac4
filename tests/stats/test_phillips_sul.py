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
from levelup.stats.phillips_sul import _log_t, _qs_long_run_variance

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


def test_qs_long_run_variance_matches_longhand():
    rng = np.random.default_rng(1)
    e = rng.normal(size=(4, 20))
    u = e.copy()
    u[:, 1:] += 0.5 * e[:, :-1]  # MA(1) errors
    got = _qs_long_run_variance(u)
    for row in range(4):
        assert got[row] == pytest.approx(qs_lrv_loop(u[row]), rel=1e-10)


def test_log_t_regression_matches_statsmodels_and_formula():
    panel = club_panel()
    wide = panel.pivot(index="area_code", columns="time", values="value")
    x = np.log(wide.to_numpy())
    h = x / x.mean(axis=0)
    big_h = ((h - 1) ** 2).mean(axis=0)
    t_total = len(big_h)
    start = int(0.3 * t_total)
    t = np.arange(start, t_total + 1)
    y = np.log(big_h[0] / big_h[start - 1 :]) - 2 * np.log(np.log(t))
    ref = sm.OLS(y, sm.add_constant(np.log(t))).fit()
    k = _log_t(big_h, 0.3)
    assert k["b"][0] == pytest.approx(ref.params[1], rel=1e-10)
    lrv = qs_lrv_loop(ref.resid)
    se = math.sqrt(lrv / ((np.log(t) - np.log(t).mean()) ** 2).sum())
    assert k["se"][0] == pytest.approx(se, rel=1e-9)
    res = log_t_test(panel)
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
