"""Trends in a single series and, vectorised, in every series of a panel.

Methods (all take decimal-year ``time``, so unequal spacing and gaps are handled directly):

* :func:`ols_trend` -- OLS slope per year with Newey-West HAC standard errors.
* :func:`log_linear_trend` -- OLS of ``log(value)`` on time, reported as annual growth.
* :func:`theil_sen` -- median of pairwise slopes with Sen's (1968) confidence interval.
* :func:`mann_kendall` -- Mann-Kendall S with an exact p-value below :data:`MK_EXACT_BELOW`
  observations (exact conditional distribution given the ties) and the tie-corrected normal
  approximation with continuity correction from there on.
* :func:`cagr` -- compound annual growth rate between the first and last observation.
* :func:`panel_trends` -- all of the above (except the log-linear trend) for every series of a
  long panel in one vectorised pass.

Every function returns ``verdict == "insufficient data"`` below :data:`MIN_N_TREND` observations
(after dropping missing values and overlapping periods) instead of a number-based verdict, and
never raises for short or empty series. Estimates that are defined (e.g. a slope from 2 points)
are still reported.

Overlapping periods: when an observation covers ``period_years`` years (3-year pooled HLE, 5-year
pooled smoking) consecutive estimates share data and their sampling errors are correlated, so the
tests would overstate significance. All trend functions therefore work on the non-overlapping
subsequence chosen from the latest observation backwards (:func:`levelup.stats._panel.drop_overlapping`)
and report how many points were dropped. We prefer this to inflating the variance because the
overlap structure (rolling vs pooled, weights of the years) is rarely published and the HAC
correction is unreliable with the 5-20 points these series have.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from levelup.stats._panel import (
    Padded,
    drop_overlapping,
    pad_panel,
    pad_series,
    series_period_years,
)
from levelup.stats.distributions import norm_ppf, norm_sf, t_ppf, t_sf
from levelup.stats.results import INSUFFICIENT, NAN, PeriodResult, ResultTable
from levelup.stats.verdicts import DECREASING, INCREASING, NO_TREND

#: Fewest observations for a trend verdict. Below 5 points no two-sided 5 % test is attainable by
#: Mann-Kendall (the exact minimum p-value at n = 4 is 2/24 = 0.083), and OLS would rest on < 3
#: residual degrees of freedom.
MIN_N_TREND = 5
#: Mann-Kendall p-values are exact for n below this, normal-approximation from it on.
MK_EXACT_BELOW = 10
#: Default two-sided significance level (95 % intervals).
ALPHA = 0.05


@dataclass(kw_only=True)
class TrendResult(PeriodResult):
    """A trend estimate for one series.

    Attributes (besides :class:`~levelup.stats.results.PeriodResult`):
        se: standard error of the estimate (NaN where the method has none).
        p_value: two-sided p-value of "no trend" (NaN where the method has no test).
        intercept: fitted value at time 0 (OLS, Theil-Sen).
        verdict: "increasing", "decreasing", "no significant trend" or "insufficient data".
        n_missing: observations dropped as missing.
        n_overlap_dropped: observations dropped to avoid overlapping periods.
    """

    se: float = NAN
    p_value: float = NAN
    intercept: float = NAN
    verdict: str = INSUFFICIENT
    n_missing: int = 0
    n_overlap_dropped: int = 0

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {
            name: (value, NAN, NAN)
            for name, value in (("se", self.se), ("p_value", self.p_value))
            if np.isfinite(value)
        }

    def summary(self) -> str:
        """A short text report in the style of statsmodels summaries."""
        lines = [
            f"{self.statistic}: {self.method}",
            f"  period {self.default_period() or '-'}; n = {self.n} "
            f"(missing dropped {self.n_missing}, overlap dropped {self.n_overlap_dropped})",
            f"  estimate {self.estimate:.6g}  95% CI [{self.lower:.6g}, {self.upper:.6g}]",
        ]
        if np.isfinite(self.se) or np.isfinite(self.p_value):
            lines.append(f"  se {self.se:.6g}  p-value {self.p_value:.4g}")
        lines.append(f"  verdict: {self.verdict}")
        return "\n".join(lines)


@dataclass(kw_only=True)
class MannKendallResult(TrendResult):
    """Mann-Kendall test; ``estimate`` is S = sum of sign(x_j - x_i) over pairs i < j.

    Attributes: ``var_s`` (tie-corrected null variance), ``z`` (continuity-corrected normal score),
    ``tau`` (Kendall's tau-b between time and value), ``exact`` (p-value from the exact null).
    """

    var_s: float = NAN
    z: float = NAN
    tau: float = NAN
    exact: bool = False

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        out = super().secondary()
        if np.isfinite(self.tau):
            out["tau"] = (self.tau, NAN, NAN)
        return out


# --- exact null distribution of the Mann-Kendall S ---------------------------------------------


def _q_integer_product(poly: list[int], k: int) -> list[int]:
    """Multiply a polynomial in q by [k]_q = 1 + q + ... + q^(k-1)."""
    out = [0] * (len(poly) + k - 1)
    for i, c in enumerate(poly):
        for j in range(k):
            out[i + j] += c
    return out


def _q_integer_quotient(poly: list[int], k: int) -> list[int]:
    """Divide a polynomial in q exactly by [k]_q = (1 - q^k) / (1 - q)."""
    times_one_minus_q = [a - b for a, b in zip([*poly, 0], [0, *poly], strict=True)]
    out = [0] * (len(times_one_minus_q) - k)
    for i in range(len(out)):
        out[i] = times_one_minus_q[i] + (out[i - k] if i >= k else 0)
    return out


@lru_cache(maxsize=512)
def exact_s_distribution(group_sizes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Exact null distribution of the Mann-Kendall S given the tie structure of the values.

    Under H0 (no trend) every distinct ordering of the observed values is equally likely. The
    number of orderings with I inversions is the coefficient of q^I in the q-multinomial
    coefficient [n]_q! / prod_g [m_g]_q! (MacMahon), and S = N_u - 2 I where N_u is the number of
    untied pairs. Without ties this is the classical Kendall (1938) distribution.

    Args:
        group_sizes: sizes m_g of the groups of equal values (1 for untied values); n = sum.

    Returns:
        ``(s_values, probabilities)``, ascending in S.
    """
    n = sum(group_sizes)
    poly = [1]
    for k in range(2, n + 1):
        poly = _q_integer_product(poly, k)
    for m in group_sizes:
        for k in range(2, m + 1):
            poly = _q_integer_quotient(poly, k)
    untied = n * (n - 1) // 2 - sum(m * (m - 1) // 2 for m in group_sizes)
    counts = np.array(poly[: untied + 1], dtype=float)
    s_values = untied - 2 * np.arange(untied + 1)
    return s_values[::-1].astype(float), counts[::-1] / counts.sum()


def _exact_two_sided_p(group_sizes: tuple[int, ...], s: np.ndarray) -> np.ndarray:
    """P(|S| >= |s|) under the exact null, for each observed s."""
    s_values, prob = exact_s_distribution(group_sizes)
    extreme = np.abs(s_values)[None, :] >= np.abs(s)[:, None] - 0.5
    return np.minimum((prob[None, :] * extreme).sum(axis=1), 1.0)


@lru_cache(maxsize=64)
def _exact_critical_s(n: int, alpha: float) -> float:
    """Smallest c > 0 with P(|S| >= c) <= alpha under the untied exact null (inf if none)."""
    s_values, prob = exact_s_distribution((1,) * n)
    for c in np.unique(np.abs(s_values)):
        if c > 0 and prob[np.abs(s_values) >= c].sum() <= alpha + 1e-12:
            return float(c)
    return math.inf


# --- vectorised kernels on left-justified padded arrays -----------------------------------------


def _hac_lags(n: np.ndarray) -> np.ndarray:
    """Newey-West truncation lag L = floor(0.75 n^(1/3)) (Stock & Watson 2020, eq. 16.17)."""
    return np.floor(0.75 * np.cbrt(np.maximum(n, 0))).astype(int)


def _ols_kernel(t: np.ndarray, y: np.ndarray, hac: bool, alpha: float) -> dict[str, np.ndarray]:
    """Row-wise OLS of y on (1, t) with classical or Newey-West HAC standard errors.

    slope b = S_ty / S_tt. HAC (Newey & West 1987, Bartlett weights w_l = 1 - l/(L+1)) for the
    slope: Var(b) = n/(n-2) * sum_{|l| <= L} w_l sum_t psi_t psi_{t-l}, psi_t = (t_t - tbar) e_t / S_tt;
    lags are counted in observations. Classical: Var(b) = s^2 / S_tt. Intervals use t(n - 2).
    """
    mask = np.isfinite(y) & np.isfinite(t)
    n = mask.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        tbar = np.where(mask, t, 0.0).sum(axis=1) / n
        ybar = np.where(mask, y, 0.0).sum(axis=1) / n
        dt = np.where(mask, t - tbar[:, None], 0.0)
        dy = np.where(mask, y - ybar[:, None], 0.0)
        flat = np.nanmax(np.where(mask, y, -np.inf), axis=1) == np.nanmin(
            np.where(mask, y, np.inf), axis=1
        )
        dy[flat] = 0.0
        stt = (dt**2).sum(axis=1)
        slope = (dt * dy).sum(axis=1) / stt
        resid = dy - slope[:, None] * dt
        df = n - 2
        if hac:
            lags = _hac_lags(n)
            psi = dt * resid / stt[:, None]
            var = (psi**2).sum(axis=1)
            for lag in range(1, int(lags.max(initial=0)) + 1):
                w = np.clip(1.0 - lag / (lags + 1.0), 0.0, None)
                var += 2.0 * w * (psi[:, lag:] * psi[:, :-lag]).sum(axis=1)
            var = var * n / df
        else:
            var = (resid**2).sum(axis=1) / df / stt
        var = np.where(df > 0, var, np.nan)
        se = np.sqrt(var)
        tstat = np.where(se > 0, slope / se, np.where(slope == 0, 0.0, np.inf))
        p = 2 * t_sf(np.abs(tstat), np.maximum(df, 1))
        half = t_ppf(1 - alpha / 2, np.maximum(df, 1)) * se
    p = np.where(df > 0, p, np.nan)
    return {
        "n": n,
        "slope": slope,
        "intercept": ybar - slope * tbar,
        "se": se,
        "lower": slope - half,
        "upper": slope + half,
        "p_value": p,
        "df": df,
        "tbar": tbar,
        "stt": stt,
        "s2": np.where(df > 0, (resid**2).sum(axis=1) / np.maximum(df, 1), np.nan),
    }


def _pair_differences(t: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """t_j - t_i and y_j - y_i over every pair of columns i < j (NaN where either is padding)."""
    width = t.shape[1]
    if width < 2:
        empty = np.empty((t.shape[0], 0))
        return empty, empty
    lags = range(1, width)
    dt = np.concatenate([t[:, lag:] - t[:, :-lag] for lag in lags], axis=1)
    dy = np.concatenate([y[:, lag:] - y[:, :-lag] for lag in lags], axis=1)
    return dt, dy


def _tie_counts(y: np.ndarray) -> np.ndarray:
    """For each observation, how many observations of its row share its value (0 for padding)."""
    valid = np.isfinite(y)
    eq = (y[:, :, None] == y[:, None, :]) & valid[:, :, None] & valid[:, None, :]
    return eq.sum(axis=2)


def _mann_kendall_kernel(
    y: np.ndarray, dy: np.ndarray, exact_below: int = MK_EXACT_BELOW
) -> dict[str, np.ndarray]:
    """Row-wise Mann-Kendall S, variance, z, two-sided p and tau-b (Kendall 1975).

    S = sum_{i<j} sign(y_j - y_i); Var(S) = [n(n-1)(2n+5) - sum_g m_g(m_g-1)(2m_g+5)] / 18;
    z = (S - sign S) / sqrt(Var S). Rows with n < exact_below use the exact null distribution
    given their ties (:func:`exact_s_distribution`).
    """
    n = np.isfinite(y).sum(axis=1)
    s = np.nan_to_num(np.sign(dy)).sum(axis=1)
    counts = _tie_counts(y)
    tie_term = ((counts - 1) * (2 * counts + 5)).sum(axis=1, where=counts > 0)
    var_s = (n * (n - 1) * (2 * n + 5) - tie_term) / 18.0
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(var_s > 0, (s - np.sign(s)) / np.sqrt(var_s), 0.0)
        pairs = n * (n - 1) / 2.0
        tied_pairs = ((counts - 1) / 2.0).sum(axis=1, where=counts > 0)
        tau = s / np.sqrt(pairs * (pairs - tied_pairs))
    p = np.where(n >= 2, 2 * norm_sf(np.abs(z)), np.nan)
    exact = (n >= 2) & (n < exact_below)
    if exact.any():
        rows = np.flatnonzero(exact)
        signatures = -np.sort(-counts[rows], axis=1)
        unique, inverse = np.unique(signatures, axis=0, return_inverse=True)
        for u, sig in enumerate(unique):
            sizes, i = [], 0
            while i < len(sig) and sig[i] > 0:
                sizes.append(int(sig[i]))
                i += int(sig[i])
            members = rows[inverse.ravel() == u]
            p[members] = _exact_two_sided_p(tuple(sizes), s[members])
    return {"n": n, "s": s, "var_s": var_s, "z": z, "p_value": p, "tau": tau, "exact": exact}


def _theil_sen_kernel(
    t: np.ndarray, y: np.ndarray, dt: np.ndarray, dy: np.ndarray, alpha: float
) -> dict[str, np.ndarray]:
    """Row-wise Theil (1950)-Sen (1968) slope: median of (y_j - y_i)/(t_j - t_i), t_j > t_i.

    Interval: the order statistics of the N pairwise slopes that invert the Mann-Kendall test of
    ``y - beta t``. For n >= MK_EXACT_BELOW the normal approximation of Sen (1968, eq. 2.6) as in
    ``scipy.stats.theilslopes`` (indices round((N -+ z sigma)/2), sigma^2 = n(n-1)(2n+5)/18;
    unlike scipy we do not subtract a term for ties in y, since y - beta t has no ties at the
    beta values that bound the interval);
    below, the exact critical value C of Kendall's S, giving [s_((N-C)/2 + 1), s_((N+C)/2)]
    (1-based), the closed set of beta not rejected by the exact two-sided test. The interval is
    NaN when no level-alpha test is attainable (n <= 4 at 5 %).
    Intercept: median(y) - slope * median(t) (Conover 1980), as scipy's default.
    """
    n = np.isfinite(y).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        slopes = np.where(dt > 0, dy / dt, np.nan)
    slopes.sort(axis=1)
    big_n = np.isfinite(slopes).sum(axis=1)

    def order_stat(idx: np.ndarray) -> np.ndarray:
        ok = (big_n > 0) & (idx >= 0) & (idx < np.maximum(big_n, 1))
        safe = np.clip(idx, 0, max(slopes.shape[1] - 1, 0)).astype(int)
        if slopes.shape[1] == 0:
            return np.full(len(n), np.nan)
        return np.where(ok, np.take_along_axis(slopes, safe[:, None], axis=1)[:, 0], np.nan)

    slope = 0.5 * (order_stat((big_n - 1) // 2) + order_stat(big_n // 2))
    sigma = np.sqrt(n * (n - 1) * (2 * n + 5) / 18.0)
    z = norm_ppf(1 - alpha / 2)
    lo_idx = np.maximum(np.round((big_n - z * sigma) / 2) - 1, 0)
    hi_idx = np.minimum(np.round((big_n + z * sigma) / 2), big_n - 1)
    small = n < MK_EXACT_BELOW
    if small.any():
        crit = np.array([_exact_critical_s(int(k), alpha) if k >= 2 else np.inf for k in n[small]])
        lo_idx[small] = np.where(np.isfinite(crit), (big_n[small] - crit) / 2, -1)
        hi_idx[small] = np.where(np.isfinite(crit), (big_n[small] + crit) / 2 - 1, -1)
    with np.errstate(all="ignore"):
        intercept = np.nanmedian(np.where(n[:, None] > 0, y, 0.0), axis=1) - slope * np.nanmedian(
            np.where(n[:, None] > 0, t, 0.0), axis=1
        )
    return {
        "n": n,
        "slope": slope,
        "intercept": np.where(n > 0, intercept, np.nan),
        "lower": order_stat(lo_idx),
        "upper": order_stat(hi_idx),
    }


def _cagr_kernel(t: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """Row-wise CAGR = (y_last / y_first)^(1 / (t_last - t_first)) - 1; NaN unless both > 0."""
    n = np.isfinite(y).sum(axis=1)
    last = np.maximum(n - 1, 0)[:, None]
    first_y, first_t = y[:, 0], t[:, 0]
    last_y = np.take_along_axis(y, last, axis=1)[:, 0]
    last_t = np.take_along_axis(t, last, axis=1)[:, 0]
    ok = (n >= 2) & (first_y > 0) & (last_y > 0) & (last_t > first_t)
    with np.errstate(all="ignore"):
        rate = np.power(last_y / first_y, 1.0 / (last_t - first_t)) - 1.0
    return {"n": n, "cagr": np.where(ok, rate, np.nan), "t0": first_t, "t1": last_t}


def _interval_verdict(n: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> np.ndarray:
    return np.select(
        [n < MIN_N_TREND, lower > 0, upper < 0], [INSUFFICIENT, INCREASING, DECREASING], NO_TREND
    ).astype(object)


def _p_verdict(n: np.ndarray, p: np.ndarray, sign: np.ndarray, alpha: float) -> np.ndarray:
    sig = p < alpha
    return np.select(
        [n < MIN_N_TREND, sig & (sign > 0), sig & (sign < 0)],
        [INSUFFICIENT, INCREASING, DECREASING],
        NO_TREND,
    ).astype(object)


def _ols_method(hac: bool, n: int | None = None, alpha: float = ALPHA) -> str:
    level = f"{100 * (1 - alpha):g}%"
    if hac:
        lags = "floor(0.75 n^(1/3))" if n is None else str(int(_hac_lags(np.array([n]))[0]))
        return (
            f"OLS, Newey-West HAC SE (Bartlett, {lags} lags, n/(n-2) correction), {level} t(n-2) CI"
        )
    return f"OLS, classical SE, {level} t(n-2) CI"


# --- single-series API ----------------------------------------------------------------------------


def _prepare(time, value, period_years) -> Padded:
    return drop_overlapping(pad_series(time, value), period_years)


def _span(p: Padded) -> tuple[float, float]:
    t = p.time[0][np.isfinite(p.time[0])]
    return (float(t[0]), float(t[-1])) if t.size else (NAN, NAN)


def _common(p: Padded) -> dict:
    start, end = _span(p)
    return {
        "n": int(p.n[0]),
        "time_start": start,
        "time_end": end,
        "n_missing": int(p.n_missing[0]),
        "n_overlap_dropped": int(p.n_overlap_dropped[0]),
    }


def ols_trend(
    time, value, *, period_years: float | None = None, hac: bool = True, alpha: float = ALPHA
) -> TrendResult:
    """OLS linear trend per year with Newey-West HAC standard errors.

    Model y_t = a + b t + e_t, b = S_ty / S_tt. With ``hac`` the slope variance is the
    Newey-West (1987) Bartlett-kernel estimator with L = floor(0.75 n^(1/3)) lags and the
    n/(n-2) small-sample factor (statsmodels ``cov_type="HAC", use_correction=True``); intervals
    and p-values use t(n-2). Unequal spacing enters through ``time``; HAC lags count observations.

    Reference: Newey, W. K. & West, K. D. (1987) Econometrica 55(3), 703-708.
    """
    p = _prepare(time, value, period_years)
    k = _ols_kernel(p.time, p.value, hac, alpha)
    return TrendResult(
        statistic="ols_slope",
        estimate=float(k["slope"][0]),
        lower=float(k["lower"][0]),
        upper=float(k["upper"][0]),
        se=float(k["se"][0]),
        p_value=float(k["p_value"][0]),
        intercept=float(k["intercept"][0]),
        verdict=str(_interval_verdict(k["n"], k["lower"], k["upper"])[0]),
        method=_ols_method(hac, int(k["n"][0]), alpha),
        **_common(p),
    )


def log_linear_trend(
    time, value, *, period_years: float | None = None, hac: bool = True, alpha: float = ALPHA
) -> TrendResult:
    """Log-linear trend: OLS of log(y) on time; estimate = annual growth exp(b) - 1.

    The interval is exp(CI of b) - 1, with the same HAC errors as :func:`ols_trend`. Requires
    every value to be positive; otherwise the estimate is NaN and the verdict "insufficient data".
    """
    p = _prepare(time, value, period_years)
    positive = bool(np.all(p.value[np.isfinite(p.value)] > 0))
    with np.errstate(all="ignore"):
        k = _ols_kernel(p.time, np.log(p.value) if positive else p.value * np.nan, hac, alpha)
    return TrendResult(
        statistic="log_linear_growth",
        estimate=float(np.expm1(k["slope"][0])),
        lower=float(np.expm1(k["lower"][0])),
        upper=float(np.expm1(k["upper"][0])),
        se=float(k["se"][0]),
        p_value=float(k["p_value"][0]),
        intercept=float(k["intercept"][0]),
        verdict=str(_interval_verdict(k["n"], k["lower"], k["upper"])[0]),
        method="log-linear " + _ols_method(hac, int(k["n"][0]), alpha) + "; growth = exp(b) - 1",
        **_common(p),
    )


def theil_sen(
    time, value, *, period_years: float | None = None, alpha: float = ALPHA
) -> TrendResult:
    """Theil-Sen slope per year with Sen's distribution-free confidence interval.

    slope = median over pairs of (y_j - y_i) / (t_j - t_i). The interval inverts Kendall's test
    (exact below :data:`MK_EXACT_BELOW` points, normal approximation as in
    ``scipy.stats.theilslopes`` from there on). Verdict from whether the interval excludes 0.

    References: Theil, H. (1950) Indagationes Mathematicae 12, 85-91, 173-177, 467-482;
    Sen, P. K. (1968) JASA 63(324), 1379-1389.
    """
    p = _prepare(time, value, period_years)
    k = _theil_sen_kernel(p.time, p.value, *_pair_differences(p.time, p.value), alpha)
    exact = k["n"][0] < MK_EXACT_BELOW
    return TrendResult(
        statistic="theil_sen_slope",
        estimate=float(k["slope"][0]),
        lower=float(k["lower"][0]),
        upper=float(k["upper"][0]),
        intercept=float(k["intercept"][0]),
        verdict=str(_interval_verdict(k["n"], k["lower"], k["upper"])[0]),
        method=f"Theil-Sen, {100 * (1 - alpha):g}% CI by inverting Kendall's test "
        + ("(exact)" if exact else "(normal approximation, Sen 1968)"),
        **_common(p),
    )


def mann_kendall(
    time, value, *, period_years: float | None = None, alpha: float = ALPHA
) -> MannKendallResult:
    """Mann-Kendall trend test; exact p-value for n < :data:`MK_EXACT_BELOW`.

    S = sum_{i<j} sign(y_j - y_i) over time-ordered observations. Exact p = P(|S| >= |s|) under
    the permutation null given the observed ties (:func:`exact_s_distribution`); from n = 10 the
    normal approximation z = (S - sign S) / sqrt(Var S) with the tie-corrected variance. The
    common packages use the normal approximation at every n, which is wrong at small n.

    References: Mann, H. B. (1945) Econometrica 13(3), 245-259; Kendall, M. G. (1975) Rank
    Correlation Methods, 4th ed., Griffin.
    """
    p = _prepare(time, value, period_years)
    k = _mann_kendall_kernel(p.value, _pair_differences(p.time, p.value)[1])
    exact = bool(k["exact"][0])
    return MannKendallResult(
        statistic="mann_kendall_s",
        estimate=float(k["s"][0]),
        var_s=float(k["var_s"][0]),
        z=float(k["z"][0]),
        tau=float(k["tau"][0]),
        p_value=float(k["p_value"][0]),
        exact=exact,
        verdict=str(_p_verdict(k["n"], k["p_value"], k["s"], alpha)[0]),
        method="Mann-Kendall, "
        + (
            "exact permutation p-value (ties conditioned on)"
            if exact
            else "normal approximation with tie-corrected variance and continuity correction"
        ),
        **_common(p),
    )


def cagr(time, value) -> TrendResult:
    """Compound annual growth rate between the first and last observation.

    CAGR = (y_last / y_first)^(1 / (t_last - t_first)) - 1. Descriptive: no interval or test, so
    the verdict is "not tested" (or "insufficient data" with fewer than 2 positive endpoints).
    """
    p = pad_series(time, value)
    k = _cagr_kernel(p.time, p.value)
    rate = float(k["cagr"][0])
    return TrendResult(
        statistic="cagr",
        estimate=rate,
        verdict="not tested" if np.isfinite(rate) else INSUFFICIENT,
        method="CAGR between first and last observation",
        **_common(p),
    )


# --- panel API ------------------------------------------------------------------------------------


def _bucketed_trends(
    t: np.ndarray, y: np.ndarray, n: np.ndarray, hac: bool, alpha: float
) -> dict[str, np.ndarray]:
    """All trend kernels, run on groups of series of equal length (no work on padding).

    Keys are prefixed ``ols_``, ``ts_`` and ``mk_``; ``cagr``, ``t0``, ``t1`` from the CAGR kernel.
    """
    out: dict[str, np.ndarray] = {}
    for width in np.unique(n) if len(n) else [0]:  # an empty panel still yields every key
        rows = np.flatnonzero(n == width)
        tt, yy = t[rows, : max(width, 1)], y[rows, : max(width, 1)]
        dt, dy = _pair_differences(tt, yy)
        parts = {
            **{f"ols_{k}": v for k, v in _ols_kernel(tt, yy, hac, alpha).items()},
            **{f"ts_{k}": v for k, v in _theil_sen_kernel(tt, yy, dt, dy, alpha).items()},
            **{f"mk_{k}": v for k, v in _mann_kendall_kernel(yy, dy).items()},
            **_cagr_kernel(tt, yy),
        }
        for key, values in parts.items():
            if key not in out:
                out[key] = np.empty(len(n), dtype=values.dtype)
            out[key][rows] = values
    return out


def panel_trends(
    panel: pd.DataFrame,
    *,
    by: tuple[str, ...] | list[str] = ("area_code",),
    period_years: float | str | None = None,
    hac: bool = True,
    alpha: float = ALPHA,
) -> ResultTable:
    """Trend statistics for every series of a long panel, vectorised over series.

    Args:
        panel: long table with ``time``, ``value`` and the ``by`` columns (canonical table).
        by: columns identifying a series, e.g. ``("indicator_id", "area_code")``.
        period_years: length of each observation's period: a number, the name of a column, or
            ``"bounds"`` to derive it from ``period_start``/``period_end``; ``None`` when periods
            do not overlap. Overlapping observations are thinned as in the single-series functions.
        hac, alpha: as in :func:`ols_trend`.

    Returns:
        A :class:`~levelup.stats.results.ResultTable` whose frame has one row per series: the ``by``
        columns, ``n``, ``n_missing``, ``n_overlap_dropped``, ``time_start``, ``time_end``,
        ``ols_slope``/``_se``/``_lower``/``_upper``/``_p_value``/``_verdict``,
        ``theil_sen_slope``/``_lower``/``_upper``/``_verdict``, ``mk_s``, ``mk_tau``,
        ``mk_p_value``, ``mk_exact``, ``mk_verdict`` and ``cagr``; each number equals what the
        single-series function returns for that series.
    """
    by = list(by)
    padded = pad_panel(panel, by)
    padded = drop_overlapping(padded, series_period_years(panel, by, period_years))
    k = _bucketed_trends(padded.time, padded.value, padded.n, hac, alpha)
    n = padded.n
    columns = {
        "n": n,
        "n_missing": padded.n_missing,
        "n_overlap_dropped": padded.n_overlap_dropped,
        "time_start": k["t0"],
        "time_end": k["t1"],
        "ols_slope": k["ols_slope"],
        "ols_se": k["ols_se"],
        "ols_lower": k["ols_lower"],
        "ols_upper": k["ols_upper"],
        "ols_p_value": k["ols_p_value"],
        "ols_verdict": _interval_verdict(n, k["ols_lower"], k["ols_upper"]),
        "theil_sen_slope": k["ts_slope"],
        "theil_sen_lower": k["ts_lower"],
        "theil_sen_upper": k["ts_upper"],
        "theil_sen_verdict": _interval_verdict(n, k["ts_lower"], k["ts_upper"]),
        "mk_s": k["mk_s"],
        "mk_tau": k["mk_tau"],
        "mk_p_value": k["mk_p_value"],
        "mk_exact": k["mk_exact"],
        "mk_verdict": _p_verdict(n, k["mk_p_value"], k["mk_s"], alpha),
        "cagr": k["cagr"],
    }
    frame = pd.concat([padded.keys, pd.DataFrame(columns)], axis=1)
    return ResultTable(
        frame=frame,
        statistics={
            "ols_slope": ("ols_slope", "ols_lower", "ols_upper"),
            "ols_slope_p_value": ("ols_p_value", None, None),
            "theil_sen_slope": ("theil_sen_slope", "theil_sen_lower", "theil_sen_upper"),
            "mann_kendall_s": ("mk_s", None, None),
            "mann_kendall_p_value": ("mk_p_value", None, None),
            "cagr": ("cagr", None, None),
        },
        id_columns=by,
        method={
            "ols_slope": _ols_method(hac, None, alpha),
            "ols_slope_p_value": _ols_method(hac, None, alpha),
            "theil_sen_slope": f"Theil-Sen, {100 * (1 - alpha):g}% CI inverting Kendall's test "
            f"(exact for n < {MK_EXACT_BELOW})",
            "mann_kendall_s": "Mann-Kendall S",
            "mann_kendall_p_value": f"Mann-Kendall, exact p for n < {MK_EXACT_BELOW}, "
            "normal approximation otherwise",
            "cagr": "CAGR between first and last observation",
        },
    )
