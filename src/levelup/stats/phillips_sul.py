"""Phillips-Sul log-t convergence test, club clustering and club merging.

The defaults reproduce the R package ConvergenceClubs 2.2.5 (Sichera & Pizzuto 2019), the
implementation applied economists use; each convention is a documented parameter, and the
alternatives of the papers are selectable where the papers state them.

The panel X_it (by default the log of the metric) is modelled as X_it = delta_it mu_t with a
common trend mu_t and time-varying loadings delta_it. The relative transition path
h_it = X_it / (N^-1 sum_i X_it) has cross-sectional mean 1; convergence (delta_it -> delta) implies
H_t = N^-1 sum_i (h_it - 1)^2 -> 0. The log-t regression

    log(H_1 / H_t) - 2 log(log t) = a + b log t + u_t,   t = t0, ..., T   (t = 1-based period)

has b = 2 alpha, where alpha is the speed at which the loadings converge. Convergence is rejected
when the one-sided t-statistic of b is below -1.65.

Conventions (parameter: default, alternative):

* ``r`` (ConvergenceClubs' ``time_trim``): 1/3; Phillips & Sul (2007) use r = 0.3 in simulations.
* ``start``: ``"round"``, t0 = round(rT) + 1 with R's round (half to even), as ConvergenceClubs'
  ``estimateMod``; ``"floor"``, t0 = max(floor(rT), 2), the paper's t = [rT], ..., T.
* ``lrv``: ``"ps"``, the long-run variance of Phillips & Sul's GAUSS code, as ConvergenceClubs
  computes it for ``HACmethod = "FQSB"`` (``ps_andrews_hac``): quadratic-spectral kernel,
  AR(1) plug-in bandwidth S = 1.3221 (4 rho^2 / (1 - rho)^4 n)^(1/5) over the n residuals, but
  gamma_0 = sum_t u_t^2 / (n - 1) and gamma_j = sum_{t<=n-1-j} u_t u_{t+j} / (n - 1) for
  j = 1, ..., n - 2 (the last residual is left out of the autocovariances);
  ``"andrews"``, the textbook Andrews (1991) estimator, gamma_j = sum_{t>j} u_t u_{t-j} / n for
  j = 0, ..., n - 1. The standard error is sqrt(LRV [(X'X)^-1]_22).
* ``core``: ``"max_abs_t"``, the core group is the prefix with the largest |t_k|, as
  ConvergenceClubs' ``coreG(type = "max")``; ``"max_t"``, the largest t_k (Phillips & Sul 2007,
  k* = argmax t_k).
* ``cstar_method``: ``"fixed"`` (c* as given, ConvergenceClubs' default); ``"incremental"``, c*
  raised by ``cstar_increment`` until the club passes the log-t test, past 3 the club is the core
  alone (Phillips & Sul 2009's advice for small T, as ConvergenceClubs implements it).
* merging: adjacent clubs merged while the union passes (``mergeClubs``, method "PS", Phillips &
  Sul 2009); then optionally divergent units joined to clubs (``mergeDivergent``, von Lyncker &
  Thoennessen 2017) while the best club + unit t exceeds e* = -1.65.

A t-statistic that cannot be computed (H_t = 0: identical units) counts as failing the test,
where ConvergenceClubs stops with an error. Requires at least :data:`MIN_PERIODS_PS` periods of a
balanced panel; areas with any missing period are left out (and counted).

References: Phillips, P. C. B. & Sul, D. (2007) Econometrica 75(6), 1771-1855. Phillips, P. C. B.
& Sul, D. (2009) Journal of Applied Econometrics 24(7), 1153-1185. Andrews, D. W. K. (1991)
Econometrica 59(3), 817-858. Sichera, R. & Pizzuto, P. (2019) The R Journal 11(2), 142-151
(ConvergenceClubs). von Lyncker, K. & Thoennessen, R. (2017) Empirical Economics 52(2), 525-553.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from levelup.stats.distributions import norm_cdf
from levelup.stats.results import INSUFFICIENT, NAN, PeriodResult, Result
from levelup.stats.verdicts import PS_NOT_REJECTED as NOT_REJECTED
from levelup.stats.verdicts import PS_REJECTED as REJECTED

#: Fewest periods for the log-t test (with r = 1/3 the regression then has 7 points).
MIN_PERIODS_PS = 10
#: One-sided 5 % critical value of the log-t statistic.
PS_CRITICAL = -1.65
#: Default fraction of the sample discarded at the start of the log-t regression
#: (ConvergenceClubs' ``time_trim``).
TRIM = 1 / 3
#: ConvergenceClubs' cap on c* under ``cstar_method="incremental"``.
CSTAR_CAP = 3.0
#: HP smoothing parameter for annual data (Ravn & Uhlig 2002), used by Phillips & Sul.
HP_LAMBDA_ANNUAL = 400.0

Start = Literal["round", "floor"]
LongRunVariance = Literal["ps", "andrews"]
CoreRule = Literal["max_abs_t", "max_t"]
CstarMethod = Literal["fixed", "incremental"]


# --- data preparation -----------------------------------------------------------------------------


def hp_filter_trend(x: np.ndarray, lamb: float = HP_LAMBDA_ANNUAL) -> np.ndarray:
    """Hodrick-Prescott trend of each row: argmin sum (x - tau)^2 + lamb sum (Delta^2 tau)^2.

    tau = (I + lamb K'K)^-1 x with K the (T-2) x T second-difference matrix; one dense solve for
    all rows. Reference: Hodrick, R. J. & Prescott, E. C. (1997) JMCB 29(1), 1-16.
    """
    x = np.atleast_2d(np.asarray(x, dtype=float))
    t = x.shape[1]
    if t < 3:
        return x.copy()
    k = np.zeros((t - 2, t))
    idx = np.arange(t - 2)
    k[idx, idx], k[idx, idx + 1], k[idx, idx + 2] = 1.0, -2.0, 1.0
    return np.linalg.solve(np.eye(t) + lamb * k.T @ k, x.T).T


@dataclass
class _Wide:
    codes: list[str]
    times: np.ndarray
    x: np.ndarray
    n_incomplete: int


def _wide(panel: pd.DataFrame, take_log: bool, hp_filter: bool, hp_lambda: float) -> _Wide:
    """Balanced areas x periods matrix of the (logged, optionally HP-filtered) metric."""
    wide = panel.pivot_table(index="area_code", columns="time", values="value", aggfunc="first")
    wide = wide.reindex(columns=sorted(panel["time"].dropna().unique()))
    complete = wide.dropna()
    x = complete.to_numpy(float)
    if take_log:
        if np.any(x <= 0):
            raise ValueError("take_log=True needs positive values; use take_log=False")
        x = np.log(x)
    if hp_filter and len(x):
        x = hp_filter_trend(x, hp_lambda)
    return _Wide(
        codes=list(complete.index.astype(str)),
        times=complete.columns.to_numpy(float),
        x=x,
        n_incomplete=len(wide) - len(complete),
    )


def _cross_sectional_variance(x: np.ndarray) -> np.ndarray:
    """H_t = N^-1 sum_i (h_it - 1)^2 with h_it = x_it / mean_i x_it, for a units x T matrix."""
    h = x / x.mean(axis=0)
    return ((h - 1.0) ** 2).mean(axis=0)


def relative_transition_paths(
    panel: pd.DataFrame,
    *,
    take_log: bool = True,
    hp_filter: bool = False,
    hp_lambda: float = HP_LAMBDA_ANNUAL,
) -> pd.DataFrame:
    """h_it = X_it / (N^-1 sum_i X_it) for the balanced panel (areas x periods)."""
    w = _wide(panel, take_log, hp_filter, hp_lambda)
    return pd.DataFrame(w.x / w.x.mean(axis=0), index=w.codes, columns=w.times)


# --- the log-t regression, vectorised over many H series ----------------------------------------


@dataclass(frozen=True)
class _Spec:
    """The log-t regression's conventions (see the module docstring)."""

    r: float = TRIM
    start: Start = "round"
    lrv: LongRunVariance = "ps"

    def __post_init__(self):
        if not 0 < self.r < 1:
            raise ValueError(f"r must be between 0 and 1, got {self.r}")
        if self.start not in ("round", "floor"):
            raise ValueError(f"start must be 'round' or 'floor', got {self.start!r}")
        if self.lrv not in ("ps", "andrews"):
            raise ValueError(f"lrv must be 'ps' or 'andrews', got {self.lrv!r}")

    def first_period(self, t_total: int) -> int:
        """First 1-based period t0 of the regression: round(rT) + 1 (R's round, half to even)
        or max(floor(rT), 2)."""
        if self.start == "round":
            return int(np.round(self.r * t_total)) + 1
        return max(int(np.floor(self.r * t_total)), 2)

    def label(self) -> str:
        first = "round(rT)+1" if self.start == "round" else "floor(rT)"
        hac = (
            "Phillips-Sul GAUSS / ConvergenceClubs FQSB long-run variance"
            if self.lrv == "ps"
            else "Andrews (1991) long-run variance"
        )
        return f"Phillips-Sul log-t, r = {self.r:.4g}, regression from t = {first}, {hac}"


def _qs_kernel(z: np.ndarray) -> np.ndarray:
    """Quadratic-spectral kernel in z = 6 pi x / 5: 3/z^2 (sin z / z - cos z); 1 at z = 0 and 0
    at z = infinity (no autocorrelation, bandwidth 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        k = 3 / z**2 * (np.sin(z) / z - np.cos(z))
    return np.where(z == 0, 1.0, np.where(np.isinf(z), 0.0, k))


def _long_run_variance(u: np.ndarray, convention: LongRunVariance = "ps") -> np.ndarray:
    """Row-wise quadratic-spectral long-run variance with AR(1) plug-in bandwidth (Andrews 1991).

    rho = sum u_t u_{t-1} / sum u_{t-1}^2, S = 1.3221 (4 rho^2 / (1 - rho)^4 n)^(1/5),
    LRV = gamma_0 + 2 sum_j k(6 pi j / (5 S)) gamma_j. ``"ps"``: gamma_0 = sum u_t^2 / (n-1),
    gamma_j = sum_{t=1}^{n-1-j} u_t u_{t+j} / (n-1), j = 1..n-2 (Phillips & Sul's GAUSS code,
    ConvergenceClubs' ``ps_andrews_hac``); ``"andrews"``: divisor n, all n residuals, j = 1..n-1.
    """
    u = np.atleast_2d(u)
    n = u.shape[1]
    rho = (u[:, 1:] * u[:, :-1]).sum(axis=1) / (u[:, :-1] ** 2).sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        bandwidth = 1.3221 * (4 * rho**2 / (1 - rho) ** 4 * n) ** 0.2
    if convention == "ps":
        m = n - 1
        lags = np.arange(1, m)
        gamma0 = (u**2).sum(axis=1) / m
        gamma = np.stack([(u[:, : m - j] * u[:, j:m]).sum(axis=1) / m for j in lags], axis=1)
    else:
        lags = np.arange(1, n)
        gamma0 = (u**2).sum(axis=1) / n
        gamma = np.stack([(u[:, j:] * u[:, : n - j]).sum(axis=1) / n for j in lags], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 6 * np.pi / 5 * lags[None, :] / bandwidth[:, None]
    return gamma0 + 2 * (_qs_kernel(z) * gamma).sum(axis=1)


def _log_t(h_var: np.ndarray, spec: _Spec) -> dict[str, np.ndarray]:
    """Log-t regressions for each row of H (rows x T): b, se, t-statistic, regression length."""
    h_var = np.atleast_2d(h_var)
    t_total = h_var.shape[1]
    t_index = np.arange(spec.first_period(t_total), t_total + 1)
    log_t = np.log(t_index)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(h_var[:, [0]] / h_var[:, t_index - 1]) - 2 * np.log(log_t)[None, :]
        xc = log_t - log_t.mean()
        sxx = (xc**2).sum()
        b = (y - y.mean(axis=1, keepdims=True)) @ xc / sxx
        resid = y - y.mean(axis=1, keepdims=True) - b[:, None] * xc[None, :]
        se = np.sqrt(_long_run_variance(resid, spec.lrv) / sxx)  # [(X'X)^-1]_22 = 1 / sxx
        tstat = b / se
    ok = np.all(np.isfinite(y), axis=1) & np.isfinite(tstat)
    nan = np.full(len(b), np.nan)
    return {
        "b": np.where(ok, b, nan),
        "se": np.where(ok, se, nan),
        "t": np.where(ok, tstat, nan),
        "n_reg": len(t_index),
    }


def _t_of_groups(x: np.ndarray, groups: list[np.ndarray], spec: _Spec) -> np.ndarray:
    """Log-t statistics of several groups (each an index array into the rows of x)."""
    return _log_t(np.stack([_cross_sectional_variance(x[g]) for g in groups]), spec)["t"]


def _passes(t: np.ndarray | float, threshold: float = PS_CRITICAL) -> np.ndarray:
    """t > threshold; a NaN t (H = 0) fails."""
    return np.asarray(t) > threshold


@dataclass(kw_only=True)
class LogTResult(PeriodResult):
    """Log-t test: ``estimate`` is b (= 2 alpha) with its one-sided 95 % bound ``lower``.

    Attributes: ``se``, ``t_stat``, ``p_value`` (one-sided, P(Z < t)), ``n`` (units), ``n_periods``, ``n_regression`` (points of the
    log-t regression), ``n_incomplete`` (areas left out for missing periods), ``verdict``
    ("convergence rejected", "convergence not rejected" or "insufficient data").
    """

    se: float = NAN
    t_stat: float = NAN
    p_value: float = NAN
    n_periods: int = 0
    n_regression: int = 0
    n_incomplete: int = 0
    verdict: str = INSUFFICIENT

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {
            "se": (self.se, NAN, NAN),
            "t": (self.t_stat, NAN, NAN),
            "p_value": (self.p_value, NAN, NAN),
        }

    def summary(self) -> str:
        """A short text report in the style of statsmodels summaries."""
        kind = ""
        if self.verdict == NOT_REJECTED and np.isfinite(self.estimate):
            kind = (
                " (level convergence: b >= 2)"
                if self.estimate >= 2
                else (" (conditional convergence: 0 <= b < 2)" if self.estimate >= 0 else "")
            )
        return "\n".join(
            [
                f"Phillips-Sul log-t test: {self.method}",
                f"  units {self.n} (incomplete left out {self.n_incomplete}); periods "
                f"{self.n_periods} ({self.default_period()}); regression points {self.n_regression}",
                f"  b {self.estimate:.4f}  se {self.se:.4f}  t {self.t_stat:.3f}  "
                f"(critical {PS_CRITICAL})",
                f"  verdict: {self.verdict}{kind}",
            ]
        )


def _method(spec: _Spec, take_log: bool, hp_filter: bool, hp_lambda: float) -> str:
    return (
        spec.label()
        + (", log values" if take_log else "")
        + (f", HP filter lambda = {hp_lambda:g}" if hp_filter else "")
    )


def _log_t_result(
    x: np.ndarray, rows: np.ndarray, w: _Wide, spec: _Spec, method: str
) -> LogTResult:
    n_periods = x.shape[1]
    base = {
        "statistic": "log_t_b",
        "n": len(rows),
        "n_periods": n_periods,
        "n_incomplete": w.n_incomplete,
        "method": method,
        "time_start": float(w.times[0]) if n_periods else NAN,
        "time_end": float(w.times[-1]) if n_periods else NAN,
    }
    if n_periods < MIN_PERIODS_PS or len(rows) < 2:
        return LogTResult(estimate=NAN, **base)
    k = _log_t(_cross_sectional_variance(x[rows]), spec)
    b, se, t = float(k["b"][0]), float(k["se"][0]), float(k["t"][0])
    return LogTResult(
        estimate=b,
        lower=b + PS_CRITICAL * se,
        upper=np.inf,
        se=se,
        t_stat=t,
        p_value=float(norm_cdf(t)),
        n_regression=k["n_reg"],
        verdict=INSUFFICIENT
        if not np.isfinite(t)
        else REJECTED
        if t < PS_CRITICAL
        else NOT_REJECTED,
        **base,
    )


def log_t_test(
    panel: pd.DataFrame,
    *,
    r: float = TRIM,
    start: Start = "round",
    lrv: LongRunVariance = "ps",
    take_log: bool = True,
    hp_filter: bool = False,
    hp_lambda: float = HP_LAMBDA_ANNUAL,
) -> LogTResult:
    """Phillips-Sul log-t test of convergence of all areas of a panel (ConvergenceClubs'
    ``estimateMod`` with ``HACmethod = "FQSB"`` by default; conventions in the module docstring).

    Verdict "insufficient data" below :data:`MIN_PERIODS_PS` periods or 2 complete areas (or when
    H is zero, i.e. all areas identical).
    """
    spec = _Spec(r, start, lrv)
    w = _wide(panel, take_log, hp_filter, hp_lambda)
    return _log_t_result(
        w.x, np.arange(len(w.codes)), w, spec, _method(spec, take_log, hp_filter, hp_lambda)
    )


# --- club clustering (ConvergenceClubs' findClubs, coreG, club) -----------------------------------


def _core_size(t_k: np.ndarray, rule: CoreRule) -> int:
    """Index of the chosen prefix among prefixes whose t_k all pass (first of ties): the largest
    |t_k| (``"max_abs_t"``, ConvergenceClubs) or the largest t_k (``"max_t"``, the paper)."""
    score = np.abs(t_k) if rule == "max_abs_t" else t_k
    return int(np.argmax(score))


def _core_group(x: np.ndarray, candidates: np.ndarray, spec: _Spec, rule: CoreRule):
    """Step 2 (``coreG``): among ``candidates`` (ordered by last observation, descending), the
    first adjacent pair with t > -1.65 (earlier units are skipped), extended by the following
    units one at a time while t_k > -1.65; the core is the prefix chosen by ``rule``.
    None when no pair passes."""
    m = len(candidates)
    if m < 2:
        return None
    pairs = [candidates[i : i + 2] for i in range(m - 1)]
    passing = np.flatnonzero(_passes(_t_of_groups(x, pairs, spec)))
    if passing.size == 0:
        return None
    rest = candidates[passing[0] :]
    y = x[rest]
    sums, squares = np.cumsum(y, axis=0), np.cumsum(y**2, axis=0)
    k = np.arange(1, len(rest) + 1)[:, None]
    h_var = squares / (k * (sums / k) ** 2) - 1.0
    t_k = _log_t(h_var[1:], spec)["t"]  # prefixes of size 2, 3, ...
    failing = np.flatnonzero(~_passes(t_k))
    usable = t_k[: failing[0]] if failing.size else t_k
    return rest[: _core_size(usable, rule) + 2]


def _sieve(
    x: np.ndarray,
    candidates: np.ndarray,
    core: np.ndarray,
    spec: _Spec,
    cstar: float,
    cstar_method: CstarMethod,
    cstar_increment: float,
) -> tuple[np.ndarray, float]:
    """Step 3 (``club``): the core plus each other candidate whose addition to the core alone
    gives t > c*, in the candidates' order. With ``"incremental"``, while the club fails the
    log-t test c* is raised by ``cstar_increment``; once c* is past :data:`CSTAR_CAP` the club
    is the core alone. Returns the club and the c* used."""
    others = candidates[~np.isin(candidates, core)]
    if others.size:
        k = len(core)
        s, q = x[core].sum(axis=0), (x[core] ** 2).sum(axis=0)
        y = x[others]
        mean = (s + y) / (k + 1)
        t_add = _log_t((q + y**2) / ((k + 1) * mean**2) - 1.0, spec)["t"]
    else:
        t_add = np.array([])
    c = cstar
    while True:
        club = np.concatenate([core, others[_passes(t_add, c)]])
        if cstar_method == "fixed" or _passes(_t_of_groups(x, [club], spec)[0]):
            return club, c
        if c > CSTAR_CAP:
            return core, c
        c += cstar_increment


def _find_clubs(x, spec, core_rule, cstar, cstar_method, cstar_increment):
    """``findClubs``: clubs (row indices, in ConvergenceClubs' member order), their c*, and the
    divergent rows."""
    remaining = np.argsort(-x[:, -1], kind="stable")
    clubs: list[np.ndarray] = []
    cstars: list[float] = []
    while len(remaining) >= 2:
        if _passes(_t_of_groups(x, [remaining], spec)[0]):
            clubs.append(remaining)
            cstars.append(cstar)
            remaining = remaining[:0]
            break
        core = _core_group(x, remaining, spec, core_rule)
        if core is None:
            break
        club, c = _sieve(x, remaining, core, spec, cstar, cstar_method, cstar_increment)
        clubs.append(club)
        cstars.append(c)
        remaining = remaining[~np.isin(remaining, club)]
    return clubs, cstars, remaining


def _merge_adjacent(
    clubs: list[np.ndarray], t_of: Callable[[np.ndarray], float], threshold: float
) -> list[list[int]]:
    """``mergeClubs(mergeMethod = "PS")`` (Phillips & Sul 2009): starting from the first club,
    add the next club while the union passes (t > ``threshold``); when it fails, start a new
    merged club from the one that failed. Returns the indices of the initial clubs per merged
    club."""
    merged: list[list[int]] = []
    current = [0] if clubs else []
    for j in range(1, len(clubs)):
        if _passes(t_of(np.concatenate([clubs[i] for i in [*current, j]])), threshold):
            current.append(j)
        else:
            merged.append(current)
            current = [j]
    if current:
        merged.append(current)
    return merged


def _merge_divergent(
    clubs: list[np.ndarray],
    divergent: np.ndarray,
    t_of: Callable[[np.ndarray], float],
    estar: float,
) -> tuple[list[np.ndarray], np.ndarray, list[tuple[int, int]]]:
    """``mergeDivergent`` (von Lyncker & Thoennessen 2017): the log-t statistic of every club
    plus every divergent unit; the pair with the largest t joins (unit appended to the club) if
    t > e*, then repeat; ties go to the first divergent unit, then the first club (R's
    column-major ``which``). Returns the clubs, the units left divergent and the (unit, club
    index) merges in order."""
    clubs = list(clubs)
    divergent = np.asarray(divergent)
    joined: list[tuple[int, int]] = []
    while divergent.size and clubs:
        t = np.array([[t_of(np.append(c, d)) for c in clubs] for d in divergent])
        t = np.where(np.isfinite(t), t, -np.inf)
        j, i = np.unravel_index(np.argmax(t), t.shape)
        if not t[j, i] > estar:
            break
        clubs[i] = np.append(clubs[i], divergent[j])
        joined.append((int(divergent[j]), int(i)))
        divergent = np.delete(divergent, j)
    return clubs, divergent, joined


@dataclass(kw_only=True)
class ClubConvergenceResult(Result):
    """Convergence clubs: ``estimate`` is the number of clubs, ``n`` the number of areas.

    Attributes: ``overall`` (log-t test of all areas), ``clubs`` (lists of area codes, highest
    club first, members in ConvergenceClubs' order), ``club_tests`` (log-t test per club),
    ``divergent`` (areas in no club), ``initial_clubs``, ``initial_club_tests`` and ``cstars``
    (``findClubs``, before merging), ``merged_from`` (initial club numbers per club) and
    ``joined_from_divergent`` (area code, club number) of ``mergeDivergent``.
    """

    overall: LogTResult
    clubs: list[list[str]] = field(default_factory=list)
    club_tests: list[LogTResult] = field(default_factory=list)
    divergent: list[str] = field(default_factory=list)
    initial_clubs: list[list[str]] = field(default_factory=list)
    initial_club_tests: list[LogTResult] = field(default_factory=list)
    cstars: list[float] = field(default_factory=list)
    merged_from: list[list[int]] = field(default_factory=list)
    joined_from_divergent: list[tuple[str, int]] = field(default_factory=list)
    verdict: str = INSUFFICIENT

    def default_period(self) -> str:
        return self.overall.default_period()

    def membership(self) -> pd.DataFrame:
        """One row per area: ``area_code``, ``club`` (1 = highest; 0 = divergent) and
        ``initial_club`` (before merging; 0 = divergent in ``findClubs``)."""
        initial = {a: k for k, club in enumerate(self.initial_clubs, start=1) for a in club}
        rows = [(a, k) for k, club in enumerate(self.clubs, start=1) for a in club]
        rows += [(a, 0) for a in self.divergent]
        frame = pd.DataFrame(rows, columns=["area_code", "club"])
        return frame.assign(initial_club=frame["area_code"].map(initial).fillna(0).astype(int))

    def to_frame(self) -> pd.DataFrame:
        """The club count, the overall test and each club's test (area = ``club<k>``)."""
        ctx = {k: v for k, v in vars(self.context).items() if k != "key"}
        parts = [super().to_frame(), self.overall.with_context(**ctx).to_frame()]
        for k, test in enumerate(self.club_tests, start=1):
            parts.append(test.with_context(**{**ctx, "area": f"club{k}"}).to_frame())
        return pd.concat(parts, ignore_index=True)

    def summary(self) -> str:
        """Clubs, their sizes and tests, in the style of ConvergenceClubs' summary."""
        lines = [
            self.overall.summary(),
            f"Clubs: {len(self.clubs)}; divergent: {len(self.divergent)}",
        ]
        for k, (club, test) in enumerate(zip(self.clubs, self.club_tests, strict=True), start=1):
            lines.append(
                f"  club{k}: {len(club)} areas, b = {test.estimate:.4f}, "
                f"se = {test.se:.4f}, t = {test.t_stat:.3f}"
                + (
                    f" (merged from initial clubs {self.merged_from[k - 1]})"
                    if self.merged_from
                    else ""
                )
            )
        return "\n".join(lines)


def club_clustering(
    panel: pd.DataFrame,
    *,
    r: float = TRIM,
    start: Start = "round",
    lrv: LongRunVariance = "ps",
    core: CoreRule = "max_abs_t",
    cstar: float = 0.0,
    cstar_method: CstarMethod = "fixed",
    cstar_increment: float = 0.1,
    merge: bool = True,
    merge_threshold: float = PS_CRITICAL,
    merge_divergent: bool = False,
    estar: float = PS_CRITICAL,
    take_log: bool = True,
    hp_filter: bool = False,
    hp_lambda: float = HP_LAMBDA_ANNUAL,
) -> ClubConvergenceResult:
    """Phillips-Sul club convergence clustering as ConvergenceClubs 2.2.5 does it.

    1. Order areas by their last observation (descending; ties keep the panel's order).
    2. If all remaining areas pass the log-t test they are one club. Otherwise the core group
       (``coreG``): the first adjacent pair with t > -1.65, extended while t_k > -1.65, the
       prefix with the largest |t_k| (``core``). No such pair: the remaining areas diverge.
    3. Sieve (``club``): every other remaining area whose addition to the core gives t > c*
       joins (c* = 0, ``cstar_method = "fixed"``).
    4. Repeat on the areas not in the club; a single area left over is divergent.
    5. With ``merge``, adjacent clubs are merged while their union passes (``mergeClubs``,
       "PS"); with ``merge_divergent`` too, divergent areas then join the club with which they
       give the largest t if it exceeds ``estar`` (``mergeDivergent``).

    Verdict "insufficient data" below :data:`MIN_PERIODS_PS` periods or 2 complete areas.
    """
    if cstar_method not in ("fixed", "incremental"):
        raise ValueError(f"cstar_method must be 'fixed' or 'incremental', got {cstar_method!r}")
    if core not in ("max_abs_t", "max_t"):
        raise ValueError(f"core must be 'max_abs_t' or 'max_t', got {core!r}")
    if cstar_method == "incremental" and not cstar_increment > 0:
        raise ValueError(f"cstar_increment must be positive, got {cstar_increment}")
    spec = _Spec(r, start, lrv)
    method = (
        _method(spec, take_log, hp_filter, hp_lambda)
        + f", clubs: core by {'max |t|' if core == 'max_abs_t' else 'max t'}, c* = {cstar:g}"
        + (" (incremental)" if cstar_method == "incremental" else "")
        + (f", adjacent clubs merged (t > {merge_threshold:g})" if merge else "")
        + (f", divergent units merged (e* = {estar:g})" if merge and merge_divergent else "")
    )
    w = _wide(panel, take_log, hp_filter, hp_lambda)
    x = w.x
    overall = _log_t_result(x, np.arange(len(w.codes)), w, spec, method)
    result = ClubConvergenceResult(
        statistic="club_count", estimate=NAN, n=len(w.codes), method=method, overall=overall
    )
    if overall.verdict == INSUFFICIENT:
        return result
    initial, cstars, divergent = _find_clubs(x, spec, core, cstar, cstar_method, cstar_increment)

    def t_of(rows: np.ndarray) -> float:
        return float(_t_of_groups(x, [rows], spec)[0])

    groups = (
        _merge_adjacent(initial, t_of, merge_threshold)
        if merge
        else [[i] for i in range(len(initial))]
    )
    final = [np.concatenate([initial[i] for i in g]) for g in groups]
    joined: list[tuple[int, int]] = []
    if merge and merge_divergent:
        final, divergent, joined = _merge_divergent(final, divergent, t_of, estar)

    def names(rows: np.ndarray) -> list[str]:
        return [w.codes[i] for i in rows]

    return ClubConvergenceResult(
        statistic="club_count",
        estimate=float(len(final)),
        n=len(w.codes),
        method=method,
        overall=overall,
        clubs=[names(c) for c in final],
        club_tests=[_log_t_result(x, c, w, spec, method) for c in final],
        divergent=names(divergent),
        initial_clubs=[names(c) for c in initial],
        initial_club_tests=[_log_t_result(x, c, w, spec, method) for c in initial],
        cstars=cstars,
        merged_from=[[i + 1 for i in g] for g in groups] if merge else [],
        joined_from_divergent=[(w.codes[d], i + 1) for d, i in joined],
        verdict=REJECTED if overall.verdict == REJECTED else NOT_REJECTED,
    )
