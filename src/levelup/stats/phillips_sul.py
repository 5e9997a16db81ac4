"""Phillips-Sul log-t convergence test and club clustering.

The panel X_it (by default the log of the metric) is modelled as X_it = delta_it mu_t with a
common trend mu_t and time-varying loadings delta_it. The relative transition path
h_it = X_it / (N^-1 sum_i X_it) has cross-sectional mean 1; convergence (delta_it -> delta) implies
H_t = N^-1 sum_i (h_it - 1)^2 -> 0. The log-t regression

    log(H_1 / H_t) - 2 log(log t) = a + b log t + u_t,   t = [rT], ..., T

(r = 0.3 by default) has b = 2 alpha, where alpha is the speed at which the loadings converge.
Convergence is rejected when the one-sided t-statistic of b is below -1.65; its standard error
is sqrt(LRV(u) / sum (log t - mean log t)^2) with LRV the Andrews (1991) quadratic-spectral
long-run variance with AR(1) plug-in bandwidth, as in the authors' GAUSS code.

Club clustering (Phillips & Sul 2007, section 4; 2009): order units by the last observation,
form a core group maximising t_k over the leading units, sieve the other units into the club
when adding them keeps t > c*, recurse on the remainder, and optionally merge adjacent clubs that
jointly converge. Requires at least :data:`MIN_PERIODS_PS` periods of a balanced panel; areas
with any missing period are left out (and counted).

References: Phillips, P. C. B. & Sul, D. (2007) Transition modeling and econometric convergence
tests. Econometrica 75(6), 1771-1855. Phillips, P. C. B. & Sul, D. (2009) Economic transition and
growth. Journal of Applied Econometrics 24(7), 1153-1185. Andrews, D. W. K. (1991)
Econometrica 59(3), 817-858.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levelup.stats.distributions import norm_cdf
from levelup.stats.results import INSUFFICIENT, NAN, PeriodResult, Result
from levelup.stats.verdicts import PS_NOT_REJECTED as NOT_REJECTED
from levelup.stats.verdicts import PS_REJECTED as REJECTED

#: Fewest periods for the log-t test (with r = 0.3 the regression then has 8 points).
MIN_PERIODS_PS = 10
#: One-sided 5 % critical value of the log-t statistic.
PS_CRITICAL = -1.65
#: Default fraction of the sample discarded at the start of the log-t regression.
TRIM = 0.3
#: HP smoothing parameter for annual data (Ravn & Uhlig 2002), used by Phillips & Sul.
HP_LAMBDA_ANNUAL = 400.0


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


def _qs_long_run_variance(u: np.ndarray) -> np.ndarray:
    """Row-wise Andrews (1991) quadratic-spectral long-run variance, AR(1) plug-in bandwidth.

    rho = sum u_t u_{t-1} / sum u_{t-1}^2, alpha = 4 rho^2 / (1 - rho)^4,
    S = 1.3221 (alpha n)^(1/5), gamma_j = n^-1 sum_t u_t u_{t-j},
    LRV = gamma_0 + 2 sum_{j>=1} k(j/S) gamma_j, k(x) = 3/z^2 (sin z / z - cos z), z = 6 pi x / 5.
    """
    n = u.shape[1]
    rho = (u[:, 1:] * u[:, :-1]).sum(axis=1) / (u[:, :-1] ** 2).sum(axis=1)
    alpha = 4 * rho**2 / (1 - rho) ** 4
    bandwidth = 1.3221 * (alpha * n) ** 0.2
    lags = np.arange(1, n)
    gamma = np.stack([(u[:, j:] * u[:, : n - j]).sum(axis=1) / n for j in range(n)], axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = 6 * np.pi / 5 * lags[None, :] / bandwidth[:, None]
        kernel = np.where(z > 0, 3 / z**2 * (np.sin(z) / z - np.cos(z)), 0.0)
    return gamma[:, 0] + 2 * (kernel * gamma[:, 1:]).sum(axis=1)


def _log_t(h_var: np.ndarray, r: float) -> dict[str, np.ndarray]:
    """Log-t regressions for each row of H (rows x T): b, se, t-statistic, regression length."""
    h_var = np.atleast_2d(h_var)
    t_total = h_var.shape[1]
    start = max(int(np.floor(r * t_total)), 2)
    t_index = np.arange(start, t_total + 1)
    log_t = np.log(t_index)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(h_var[:, [0]] / h_var[:, start - 1 :]) - 2 * np.log(log_t)[None, :]
        xc = log_t - log_t.mean()
        sxx = (xc**2).sum()
        b = (y - y.mean(axis=1, keepdims=True)) @ xc / sxx
        resid = y - y.mean(axis=1, keepdims=True) - b[:, None] * xc[None, :]
        se = np.sqrt(_qs_long_run_variance(resid) / sxx)
        tstat = b / se
    ok = np.all(np.isfinite(y), axis=1) & np.isfinite(tstat)
    nan = np.full(len(b), np.nan)
    return {
        "b": np.where(ok, b, nan),
        "se": np.where(ok, se, nan),
        "t": np.where(ok, tstat, nan),
        "n_reg": len(t_index),
    }


def _t_of_groups(x: np.ndarray, groups: list[np.ndarray], r: float) -> np.ndarray:
    """Log-t statistics of several groups (each an index array into the rows of x)."""
    return _log_t(np.stack([_cross_sectional_variance(x[g]) for g in groups]), r)["t"]


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


def _method(r: float, take_log: bool, hp_filter: bool, hp_lambda: float) -> str:
    return (
        f"Phillips-Sul log-t, r = {r:g}, QS-kernel HAC (Andrews 1991)"
        + (", log values" if take_log else "")
        + (f", HP filter lambda = {hp_lambda:g}" if hp_filter else "")
    )


def _log_t_result(x: np.ndarray, rows: np.ndarray, w: _Wide, r: float, method: str) -> LogTResult:
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
    k = _log_t(_cross_sectional_variance(x[rows]), r)
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
    take_log: bool = True,
    hp_filter: bool = False,
    hp_lambda: float = HP_LAMBDA_ANNUAL,
) -> LogTResult:
    """Phillips-Sul log-t test of convergence of all areas of a panel.

    Verdict "insufficient data" below :data:`MIN_PERIODS_PS` periods or 2 complete areas (or when
    H is zero, i.e. all areas identical). See the module docstring for the regression.
    """
    w = _wide(panel, take_log, hp_filter, hp_lambda)
    return _log_t_result(
        w.x, np.arange(len(w.codes)), w, r, _method(r, take_log, hp_filter, hp_lambda)
    )


# --- club clustering ------------------------------------------------------------------------------


def _core_group(x: np.ndarray, candidates: np.ndarray, r: float) -> np.ndarray | None:
    """Step 2: core group among ``candidates`` (ordered by last observation, descending).

    Find the first adjacent pair with t > -1.65; then add the following units one by one while
    t_k > -1.65 and keep the prefix with the largest t_k (k* = argmax t_k s.t. min t_k > -1.65).
    """
    m = len(candidates)
    if m < 2:
        return None
    pairs = [candidates[i : i + 2] for i in range(m - 1)]
    t_pairs = _t_of_groups(x, pairs, r)
    passing = np.flatnonzero(t_pairs > PS_CRITICAL)
    if passing.size == 0:
        return None
    first = passing[0]
    rest = candidates[first:]
    y = x[rest]
    sums, squares = np.cumsum(y, axis=0), np.cumsum(y**2, axis=0)
    k = np.arange(1, len(rest) + 1)[:, None]
    h_var = squares / (k * (sums / k) ** 2) - 1.0
    t_k = _log_t(h_var[1:], r)["t"]  # prefixes of size 2, 3, ...
    failing = np.flatnonzero(~(t_k > PS_CRITICAL))
    usable = t_k[: failing[0]] if failing.size else t_k
    size = int(np.argmax(usable)) + 2
    return rest[:size]


def _sieve(
    x: np.ndarray,
    candidates: np.ndarray,
    core: np.ndarray,
    r: float,
    cstar: float,
    cstar_step: float,
    cstar_cap: float,
) -> tuple[np.ndarray, float]:
    """Step 3: add each non-core candidate whose addition to the core gives t > c*.

    If the resulting club fails the log-t test, c* is raised by ``cstar_step`` until it passes or
    exceeds ``cstar_cap`` (then the club is the core alone). Returns the club and the c* used.
    """
    others = candidates[~np.isin(candidates, core)]
    if others.size == 0:
        return core, cstar
    k = len(core)
    s, q = x[core].sum(axis=0), (x[core] ** 2).sum(axis=0)
    y = x[others]
    mean = (s + y) / (k + 1)
    h_var = (q + y**2) / ((k + 1) * mean**2) - 1.0
    t_add = _log_t(h_var, r)["t"]
    c = cstar
    while c <= cstar_cap:
        club = np.concatenate([core, others[t_add > c]])
        club = candidates[np.isin(candidates, club)]
        if len(club) == len(core) or _t_of_groups(x, [club], r)[0] > PS_CRITICAL:
            return club, c
        c += cstar_step
    return core, c


def _merge_adjacent(x: np.ndarray, clubs: list[np.ndarray], r: float) -> list[list[int]]:
    """Phillips & Sul (2009) club merging: join adjacent clubs while the union passes log-t.

    Returns, for each merged club, the indices of the initial clubs it contains.
    """
    merged: list[list[int]] = []
    current = [0] if clubs else []
    for j in range(1, len(clubs)):
        union = np.concatenate([clubs[i] for i in [*current, j]])
        if _t_of_groups(x, [union], r)[0] > PS_CRITICAL:
            current.append(j)
        else:
            merged.append(current)
            current = [j]
    if current:
        merged.append(current)
    return merged


@dataclass(kw_only=True)
class ClubConvergenceResult(Result):
    """Convergence clubs: ``estimate`` is the number of clubs, ``n`` the number of areas.

    Attributes: ``overall`` (log-t test of all areas), ``clubs`` (lists of area codes, highest
    club first), ``club_tests`` (log-t test per club), ``divergent`` (areas in no club),
    ``initial_clubs`` (before merging) and ``merged_from`` (initial club numbers per club).
    """

    overall: LogTResult
    clubs: list[list[str]] = field(default_factory=list)
    club_tests: list[LogTResult] = field(default_factory=list)
    divergent: list[str] = field(default_factory=list)
    initial_clubs: list[list[str]] = field(default_factory=list)
    merged_from: list[list[int]] = field(default_factory=list)
    verdict: str = INSUFFICIENT

    def default_period(self) -> str:
        return self.overall.default_period()

    def membership(self) -> pd.DataFrame:
        """One row per area: ``area_code`` and ``club`` (1 = highest; 0 = divergent)."""
        rows = [(a, k) for k, club in enumerate(self.clubs, start=1) for a in club]
        rows += [(a, 0) for a in self.divergent]
        return pd.DataFrame(rows, columns=["area_code", "club"])

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
                f"  club{k}: {len(club)} areas, b = {test.estimate:.4f}, t = {test.t_stat:.3f}"
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
    cstar: float = 0.0,
    cstar_step: float = 0.1,
    cstar_cap: float = 3.0,
    merge: bool = True,
    take_log: bool = True,
    hp_filter: bool = False,
    hp_lambda: float = HP_LAMBDA_ANNUAL,
) -> ClubConvergenceResult:
    """Phillips-Sul club convergence clustering (2007 section 4, 2009 section 3).

    1. Order areas by their last observation (descending).
    2. Core group: the first adjacent pair with t > -1.65 (earlier units are skipped), extended
       over the following units while t_k > -1.65; the prefix with the largest t_k is the core.
       No such pair: the remaining areas are divergent.
    3. Sieve: every other remaining area joins if log-t of core + area > c* (default 0, the
       conservative choice of P&S for small T); if the club then fails the test, c* is raised.
    4. Recursion: the areas not in the club are tested together; they form a club if t > -1.65,
       otherwise steps 1-3 are repeated on them. A single area left over is divergent.
    5. With ``merge``, adjacent clubs whose union passes the log-t test are merged (P&S 2009).

    Verdict "insufficient data" below :data:`MIN_PERIODS_PS` periods or 2 complete areas.
    """
    method = (
        _method(r, take_log, hp_filter, hp_lambda)
        + f", clustering c* = {cstar:g}"
        + (", adjacent clubs merged" if merge else "")
    )
    w = _wide(panel, take_log, hp_filter, hp_lambda)
    x = w.x
    overall = _log_t_result(x, np.arange(len(w.codes)), w, r, method)
    result = ClubConvergenceResult(
        statistic="club_count", estimate=NAN, n=len(w.codes), method=method, overall=overall
    )
    if overall.verdict == INSUFFICIENT:
        return result
    remaining = np.argsort(-x[:, -1], kind="stable")
    clubs: list[np.ndarray] = []
    while len(remaining) >= 2:
        if _t_of_groups(x, [remaining], r)[0] > PS_CRITICAL:
            clubs.append(remaining)
            remaining = remaining[:0]
            break
        core = _core_group(x, remaining, r)
        if core is None:
            break
        club, _ = _sieve(x, remaining, core, r, cstar, cstar_step, cstar_cap)
        clubs.append(club)
        remaining = remaining[~np.isin(remaining, club)]
    groups = _merge_adjacent(x, clubs, r) if merge else [[i] for i in range(len(clubs))]
    final = [np.concatenate([clubs[i] for i in g]) for g in groups]

    def names(rows: np.ndarray) -> list[str]:
        return [w.codes[i] for i in rows]

    return ClubConvergenceResult(
        statistic="club_count",
        estimate=float(len(final)),
        n=len(w.codes),
        method=method,
        overall=overall,
        clubs=[names(c) for c in final],
        club_tests=[_log_t_result(x, c, w, r, method) for c in final],
        divergent=names(remaining),
        initial_clubs=[names(c) for c in clubs],
        merged_from=[[i + 1 for i in g] for g in groups] if merge else [],
        verdict=REJECTED if overall.verdict == REJECTED else NOT_REJECTED,
    )
