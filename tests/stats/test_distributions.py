"""levelup.stats.distributions gives scipy.stats' values to the last bit, edge cases included."""

import numpy as np
from scipy import stats

from levelup.stats import distributions as D

X = np.concatenate(
    [np.linspace(-40, 40, 801), [0.0, -0.0, np.inf, -np.inf, np.nan, 1e-300, 38.5, -38.5]]
)
Q = np.concatenate([np.linspace(0, 1, 1001), [1e-300, 1 - 1e-16, np.nan, -0.1, 1.1]])
DF = np.array([0.0, -1.0, 0.5, 1.0, 2.0, 3.0, 7.0, 29.0, 120.0, 1e6, np.inf, np.nan])


def _same(a, b) -> bool:
    return np.array_equal(np.asarray(a), np.asarray(b), equal_nan=True)


def test_normal_functions_equal_scipy_stats():
    assert _same(D.norm_cdf(X), stats.norm.cdf(X))
    assert _same(D.norm_sf(X), stats.norm.sf(X))
    assert _same(D.norm_ppf(Q), stats.norm.ppf(Q))
    assert D.norm_ppf(0.975) == stats.norm.ppf(0.975) == 1.959963984540054


def test_student_t_functions_equal_scipy_stats():
    x, df = np.meshgrid(X, DF)
    assert _same(D.t_sf(x, df), stats.t.sf(x, df))
    q, df = np.meshgrid(Q, DF)
    assert _same(D.t_ppf(q, df), stats.t.ppf(q, df))
    assert round(float(D.t_ppf(0.975, 10)), 6) == 2.228139  # statistical tables


def test_scalars_stay_scalars():
    assert np.ndim(D.norm_sf(1.0)) == 0 and np.ndim(D.t_ppf(0.975, 5)) == 0
