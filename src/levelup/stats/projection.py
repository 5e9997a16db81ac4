"""Trajectories against targets: projections, required rates and progress status.

* :class:`TargetSpec` -- direction, baseline, target year and a target level, absolute change
  or relative change.
* :func:`required_growth_rate` -- compound annual rate needed from the baseline to the target.
* :func:`project_to_target` -- linear OLS projection with prediction interval, or the constant
  rate of the last k years (the technical annex's method); :func:`year_target_reached`.
* :func:`progress_status` / :func:`panel_progress_status` -- the Open SDG / Statistics Canada
  progress measure: ratio of observed to required compound growth, direction-aware, with the
  published sampling uncertainty carried through by simulation.

Times are decimal years comparable with the ``time`` column (period midpoints). The baseline is
the first observation at or after ``baseline_year``; the current value is the latest observation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from levelup.stats._panel import (
    LEAP_SLACK,
    TIME_TOL,
    Padded,
    drop_overlapping,
    pad_panel,
    pad_series,
)
from levelup.stats.compare import se_from_ci
from levelup.stats.distributions import t_ppf
from levelup.stats.results import (
    INSUFFICIENT,
    NAN,
    PeriodResult,
    Result,
    ResultTable,
    format_period,
)
from levelup.stats.trend import ALPHA, MIN_N_TREND, _ols_kernel
from levelup.stats.verdicts import (
    ACCELERATION,
    DETERIORATING,
    LIMITED,
    OFF_COURSE,
    ON_COURSE,
    ON_TRACK,
    ONE_CHANGE_ONLY,
    TARGET_MET,
    TOO_UNCERTAIN,
)

#: Fewest years between baseline and latest observation for a progress status (Open SDG).
MIN_YEARS_PROGRESS = 1.0
#: Evidence rule 1: fewest observations from the baseline to the latest value for a progress
#: status other than "target met" (two changes; one change is not a direction of travel).
MIN_POINTS_PROGRESS = 3
#: Fewest observations for a linear projection (same as a trend verdict).
MIN_N_PROJECTION = MIN_N_TREND
#: Evidence rule 4: a linear prediction interval wider than this multiple of the observed range
#: of the series (max - min of the values the line was fitted to) says nothing the data support
#: about the target year: the projection is "too uncertain to project".
MAX_INTERVAL_TO_RANGE = 4.0
#: Default window (years) of the constant-rate projection, as in the technical annex.
LAST_K_YEARS = 5
#: Default number of simulation draws when published intervals are available.
N_DRAWS = 2000

#: Every progress status, best first.
STATUSES = (TARGET_MET, ON_TRACK, ACCELERATION, LIMITED, DETERIORATING, INSUFFICIENT)
#: Ratio thresholds (Statistics Canada / Open SDG): >= 0.95 on track, >= 0.6 acceleration needed,
#: >= 0 limited progress, < 0 deteriorating.
THRESHOLDS = {ON_TRACK: 0.95, ACCELERATION: 0.6, LIMITED: 0.0}


UNBOUNDED = (-np.inf, np.inf)
#: Units whose values may take any sign (differences, indices, rates of change).
_SIGNED_UNITS = ("percentage points", "index", "various", "% a year", "% change")


def unit_bounds(unit: str) -> tuple[float, float]:
    """The values a metric measured in ``unit`` can take (evidence rule 4).

    Shares (a unit starting with ``%``, e.g. ``"% of premises"``) lie in [0, 100]; a score on a
    stated scale (``"mean score (0-10)"``) in that scale; differences, indices and rates of change
    (``"percentage points"``, ``"index"``, ``"% a year"``) are unbounded; every other unit is a
    count, a rate per population, money, years or minutes, so at least 0.
    """
    text = (unit or "").strip().lower()
    if not text or any(text.startswith(u) for u in _SIGNED_UNITS):
        return UNBOUNDED
    scale = re.search(r"\((-?[\d.]+)\s*[-–]\s*(-?[\d.]+)\)", text)
    if scale:
        return float(scale.group(1)), float(scale.group(2))
    if text.startswith("%"):
        return 0.0, 100.0
    return 0.0, np.inf


def projection_note(
    estimate: float,
    lower: float,
    upper: float,
    observed,
    bounds: tuple[float, float] = UNBOUNDED,
    *,
    max_interval_to_range: float = MAX_INTERVAL_TO_RANGE,
) -> str:
    """Why a projection is too uncertain to report ("" when it is not): evidence rule 4.

    Too uncertain when the projected value leaves ``bounds``, when a prediction interval covers
    the whole of a two-sided bounded range, or when it is wider than ``max_interval_to_range``
    times the observed range (max - min) of the series.
    """
    lo, hi = bounds
    tol = 1e-9 * max(1.0, abs(estimate)) if np.isfinite(estimate) else 0.0
    if np.isfinite(estimate) and (estimate < lo - tol or estimate > hi + tol):
        return f"the projection leaves the possible range ({lo:g} to {hi:g})"
    if not (np.isfinite(lower) and np.isfinite(upper)):
        return ""
    if np.isfinite(lo) and np.isfinite(hi) and lower <= lo and upper >= hi:
        return "the prediction interval covers every possible value"
    values = np.asarray(observed, dtype=float)
    values = values[np.isfinite(values)]
    spread = float(values.max() - values.min()) if values.size else NAN
    if spread > 0 and upper - lower > max_interval_to_range * spread:
        return (
            f"the prediction interval is {(upper - lower) / spread:.1f} times as wide as the "
            f"observed range (more than {max_interval_to_range:g})"
        )
    return ""


@dataclass(frozen=True)
class TargetSpec:
    """A mission target.

    Exactly one of ``target_level`` (a level, e.g. 75 %), ``target_change_abs`` (e.g. +5 years of
    healthy life expectancy) or ``target_change_rel`` (e.g. -0.5 for halving) must be given; the
    changes are relative to the baseline value, which is taken from the data at
    ``baseline_year`` unless ``baseline_value`` is given (single series only).
    """

    direction: Literal["increase", "decrease"]
    baseline_year: float
    target_year: float
    target_level: float | None = None
    target_change_abs: float | None = None
    target_change_rel: float | None = None
    baseline_value: float | None = None

    def __post_init__(self) -> None:
        if self.direction not in ("increase", "decrease"):
            raise ValueError("direction must be 'increase' or 'decrease'")
        given = [
            x is not None
            for x in (self.target_level, self.target_change_abs, self.target_change_rel)
        ]
        if sum(given) != 1:
            raise ValueError(
                "give exactly one of target_level, target_change_abs, target_change_rel"
            )
        if self.target_year <= self.baseline_year:
            raise ValueError("target_year must be after baseline_year")

    @property
    def sign(self) -> int:
        """+1 when an increase is the desired direction, -1 for a decrease."""
        return 1 if self.direction == "increase" else -1

    def level(self, baseline_value):
        """The target level implied by a baseline value (array-friendly)."""
        if self.target_level is not None:
            return np.full_like(np.asarray(baseline_value, dtype=float), self.target_level)
        if self.target_change_abs is not None:
            return np.asarray(baseline_value, dtype=float) + self.target_change_abs
        return np.asarray(baseline_value, dtype=float) * (1 + self.target_change_rel)

    def describe(self) -> str:
        if self.target_level is not None:
            what = f"level {self.target_level:g}"
        elif self.target_change_abs is not None:
            what = f"change {self.target_change_abs:+g}"
        else:
            what = f"change {100 * self.target_change_rel:+g}%"
        return f"{self.direction} to {what} by {self.target_year:g} from {self.baseline_year:g}"


def required_growth_rate(baseline_value, target_level, baseline_year, target_year):
    """Compound annual growth rate needed to go from the baseline to the target on time.

    CAGR_req = (y_T / y_0)^(1 / (t_T - t_0)) - 1 (NaN when the ratio is not positive).
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.asarray(target_level, float) / np.asarray(baseline_value, float)
        years = np.asarray(target_year, float) - np.asarray(baseline_year, float)
        return np.where(ratio > 0, np.power(np.where(ratio > 0, ratio, 1.0), 1 / years) - 1, np.nan)


# --- progress status ------------------------------------------------------------------------------


def _endpoints(p: Padded, baseline_year: float) -> dict[str, np.ndarray]:
    """Baseline (first observation at/after baseline_year) and latest observation of each row."""
    valid = np.isfinite(p.value)
    at_or_after = valid & (p.time >= baseline_year - TIME_TOL)
    has_base = at_or_after.any(axis=1)
    base = np.argmax(at_or_after, axis=1)[:, None]
    last = np.maximum(valid.sum(axis=1) - 1, 0)[:, None]

    def take(a: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, idx, axis=1)[:, 0]

    out = {
        "n_points": (valid & at_or_after).sum(axis=1),
        "baseline_time": np.where(has_base, take(p.time, base), np.nan),
        "baseline_value": np.where(has_base, take(p.value, base), np.nan),
        "current_time": np.where(has_base, take(p.time, last), np.nan),
        "current_value": np.where(has_base, take(p.value, last), np.nan),
    }
    for name, idx in (("baseline", base), ("current", last)):
        lower, upper = p.extra.get("lower_ci"), p.extra.get("upper_ci")
        se = se_from_ci(take(lower, idx), take(upper, idx)) if lower is not None else None
        out[f"{name}_se"] = np.zeros(len(has_base)) if se is None else np.nan_to_num(se, nan=0.0)
    return out


def _ratio(b, tb, c, tc, target: TargetSpec, details: bool = True):
    """Open SDG progress ratio R = sign(y_0) d CAGR_obs / |CAGR_req|, +inf when the target is met.

    NaN where the ratio is undefined: fewer than MIN_YEARS_PROGRESS years, a zero baseline, or a
    change of sign between baseline and current value or target. Written for speed on
    (rows x draws) arrays: the required rate of a relative target does not depend on the draw.
    Returns ``(ratio, observed CAGR, required CAGR, target level)``, or the ratio alone
    without ``details``.
    """
    d = target.sign
    level = target.level(b)
    rel = target.target_change_rel
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        growth = c / b
        observed = np.expm1(np.log(growth) / (tc - tb))
        if rel is not None:
            required = required_growth_rate(1.0, 1.0 + rel, tb, target.target_year)
            target_side = np.bool_(1.0 + rel > 0)
        else:
            required = required_growth_rate(b, level, tb, target.target_year)
            target_side = level / b > 0
        ratio = observed * (d / np.abs(required))
        if np.any(b < 0):
            ratio *= np.sign(b)
        if np.any(required == 0):
            ratio = np.where(observed == 0, 0.0, ratio)
    ok = (
        (growth > 0)
        & np.isfinite(growth)
        & target_side
        & (tc - tb >= MIN_YEARS_PROGRESS - LEAP_SLACK)
    )
    ratio[d * (c - level) >= 0] = np.inf
    ratio[~ok] = np.nan
    if not details:
        return ratio
    return ratio, np.where(ok, observed, np.nan), np.where(ok, required, np.nan), level


def _status_code(ratio: np.ndarray) -> np.ndarray:
    """Index into :data:`STATUSES` of each extended ratio (+inf = target met, NaN = insufficient)."""
    code = np.full(ratio.shape, STATUSES.index(DETERIORATING), dtype=np.int8)
    for status in (LIMITED, ACCELERATION, ON_TRACK):
        code[ratio >= THRESHOLDS[status]] = STATUSES.index(status)
    code[ratio == np.inf] = STATUSES.index(TARGET_MET)
    code[np.isnan(ratio)] = STATUSES.index(INSUFFICIENT)
    return code


def _inverted_cdf_index(n: int, probs: list[float]) -> np.ndarray:
    """0-based order statistic of the inverted-CDF quantile (Hyndman & Fan 1996, definition 1).

    j = ceil(n p) - 1 (written as numpy does: floor(n p - 1), plus one unless n p - 1 is whole),
    clipped at 0; identical to ``np.quantile(..., method="inverted_cdf")``.
    """
    virtual = n * np.asarray(probs, dtype=float) - 1
    previous = np.floor(virtual)
    return np.maximum(np.where(virtual - previous == 0, previous, previous + 1), 0).astype(int)


def _row_quantiles(a: np.ndarray, probs: list[float]) -> np.ndarray:
    """Inverted-CDF quantiles of each row of a NaN-free 2-D array, shape ``(probs, rows)``.

    A partial sort along the contiguous rows (``np.quantile`` partitions along a strided axis).
    """
    index = _inverted_cdf_index(a.shape[1], probs)
    return np.partition(a, np.unique(index), axis=1)[:, index].T


def _quantiles(sim: np.ndarray, probs: list[float]) -> np.ndarray:
    """Row-wise quantiles (no interpolation, so +inf draws are allowed) ignoring NaN draws."""
    out = np.full((len(probs), sim.shape[0]), np.nan)
    has_nan = np.isnan(sim).any(axis=1)
    if (~has_nan).any():
        out[:, ~has_nan] = _row_quantiles(sim[~has_nan], probs)
    for row in np.flatnonzero(has_nan):  # rare: draws crossing zero
        draws = sim[row][~np.isnan(sim[row])]
        if draws.size:
            out[:, row] = _row_quantiles(draws[None, :], probs)[:, 0]
    return out


def _status_probabilities(sim: np.ndarray) -> np.ndarray:
    """Share of draws (columns) in each status, rows of :data:`STATUSES` x rows of ``sim``."""
    undefined = np.isnan(sim).mean(axis=1)
    met, on_track, acceleration, limited = (
        (sim >= cut).mean(axis=1)
        for cut in (np.inf, THRESHOLDS[ON_TRACK], THRESHOLDS[ACCELERATION], THRESHOLDS[LIMITED])
    )
    deteriorating = (sim < THRESHOLDS[LIMITED]).mean(axis=1)
    return np.stack(
        [
            met,
            on_track - met,
            acceleration - on_track,
            limited - acceleration,
            deteriorating,
            undefined,
        ]
    )


def _median_status_code(probabilities: np.ndarray) -> np.ndarray:
    """Status of the median ratio of the draws, from the status probabilities.

    Statuses are contiguous ranges of the ratio, so the median (lower median of the defined
    draws) lies in the first status, counting up from "deteriorating", whose cumulative share of
    the defined draws reaches 1/2. "insufficient data" when half or more draws are undefined.
    """
    undefined = probabilities[STATUSES.index(INSUFFICIENT)]
    ascending = probabilities[
        [STATUSES.index(s) for s in (DETERIORATING, LIMITED, ACCELERATION, ON_TRACK, TARGET_MET)]
    ]
    with np.errstate(invalid="ignore", divide="ignore"):
        cumulative = np.cumsum(ascending, axis=0) / (1.0 - undefined)
    first = np.argmax(cumulative >= 0.5 - 1e-12, axis=0)
    codes = np.array(
        [STATUSES.index(s) for s in (DETERIORATING, LIMITED, ACCELERATION, ON_TRACK, TARGET_MET)]
    )[first]
    return np.where(undefined >= 0.5, STATUSES.index(INSUFFICIENT), codes)


def _progress_kernel(
    ends: dict[str, np.ndarray], target: TargetSpec, n_draws: int, seed: int, alpha: float
) -> dict[str, np.ndarray]:
    """Point ratio and status per row; with SEs, simulated status probabilities and median status.

    Simulation uses common random numbers: one seeded set of ``n_draws`` standard normal pairs
    (baseline, current) shared by all rows, so results do not depend on the row order.
    """
    b, tb = ends["baseline_value"], ends["baseline_time"]
    c, tc = ends["current_value"], ends["current_time"]
    ratio, observed, required, level = _ratio(b, tb, c, tc, target)
    # evidence rule 1: one change (two observations) gives no direction of travel
    one_change = (ends["n_points"] < MIN_POINTS_PROGRESS) & np.isfinite(ratio)
    ratio = np.where(one_change, np.nan, ratio)
    point = _status_code(ratio)
    m = len(b)
    out = {
        **ends,
        "target_level": level,
        "observed_cagr": observed,
        "required_cagr": required,
        "ratio": ratio,
        "ratio_lower": np.full(m, np.nan),
        "ratio_upper": np.full(m, np.nan),
    }
    code = point.copy()
    probabilities = np.stack([(point == k).astype(float) for k in range(len(STATUSES))])
    uncertain = (ends["baseline_se"] > 0) | (ends["current_se"] > 0)
    rows = np.flatnonzero(uncertain & ~np.isnan(ratio)) if n_draws else np.array([], dtype=int)
    if rows.size:
        z = np.random.default_rng(seed).standard_normal((2, n_draws))
        chunk = max(1, 250_000 // n_draws)  # rows per chunk: keep temporaries in cache
        for start in range(0, rows.size, chunk):
            r = rows[start : start + chunk]
            bb = b[r, None] + ends["baseline_se"][r, None] * z[0]
            cc = c[r, None] + ends["current_se"][r, None] * z[1]
            sim = _ratio(bb, tb[r, None], cc, tc[r, None], target, details=False)
            probabilities[:, r] = _status_probabilities(sim)
            code[r] = _median_status_code(probabilities[:, r])
            out["ratio_lower"][r], out["ratio_upper"][r] = _quantiles(
                sim, [alpha / 2, 1 - alpha / 2]
            )
    out["status"] = np.asarray(STATUSES, dtype=object)[code]
    out["point_status"] = np.asarray(STATUSES, dtype=object)[point]
    out["status"][one_change] = ONE_CHANGE_ONLY
    out["point_status"][one_change] = ONE_CHANGE_ONLY
    for k, status in enumerate(STATUSES):
        out["p_" + status.replace(" ", "_")] = probabilities[k]
    out["simulated"] = np.isin(np.arange(m), rows)
    return out


@dataclass(kw_only=True)
class ProgressResult(Result):
    """Progress towards a target (``estimate`` = ratio of observed to required compound growth).

    ``estimate`` is +inf when the target is met; ``n`` counts the observations from the baseline
    to the latest (the status rests on them). With published intervals, ``lower``/``upper``
    are simulation percentiles of the ratio, ``status`` is the status of the median simulated
    ratio and ``probabilities`` gives the share of draws in each status; ``point_status`` is the
    status of the published point values.
    """

    status: str = INSUFFICIENT
    point_status: str = INSUFFICIENT
    probabilities: dict[str, float] = field(default_factory=dict)
    observed_cagr: float = NAN
    required_cagr: float = NAN
    target_level: float = NAN
    baseline_time: float = NAN
    baseline_value: float = NAN
    current_time: float = NAN
    current_value: float = NAN

    def default_period(self) -> str:
        return format_period(self.baseline_time, self.current_time)

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        out = {
            "observed_cagr": (self.observed_cagr, NAN, NAN),
            "required_cagr": (self.required_cagr, NAN, NAN),
            "target_level": (self.target_level, NAN, NAN),
        }
        for status, p in self.probabilities.items():
            out["p_" + status.replace(" ", "_")] = (p, NAN, NAN)
        return out


def _progress_method(target: TargetSpec, n_draws: int, simulated: bool, seed: int) -> str:
    method = f"Open SDG progress ratio (observed/required CAGR), target: {target.describe()}"
    if simulated:
        method += f"; published 95% CIs simulated (normal, {n_draws} draws, seed {seed})"
    return method


def progress_status(
    time,
    value,
    target: TargetSpec,
    *,
    lower=None,
    upper=None,
    n_draws: int = N_DRAWS,
    seed: int = 0,
    alpha: float = ALPHA,
) -> ProgressResult:
    """Progress status of one series against a target (Open SDG / Statistics Canada method).

    CAGR_obs = (y_now / y_0)^(1/(t_now - t_0)) - 1, CAGR_req = (y_T / y_0)^(1/(t_T - t_0)) - 1,
    R = sign(y_0) d CAGR_obs / |CAGR_req| (d = +1 for increase, -1 for decrease). Status:
    "target met" if y_now is at or beyond the target in the desired direction; else R >= 0.95
    "on track", 0.6 <= R < 0.95 "acceleration needed", 0 <= R < 0.6 "limited progress",
    R < 0 "deteriorating"; "insufficient data" without a baseline and a later observation at
    least :data:`MIN_YEARS_PROGRESS` year apart, or when the ratio is undefined (zero baseline,
    sign change). Evidence rule 1: with fewer than :data:`MIN_POINTS_PROGRESS` observations from
    the baseline to the latest (one change only) the status is "not assessable: one change only"
    and the ratio NaN, unless the latest value already meets the target.

    With published 95 % intervals (``lower``/``upper``), baseline and current values are drawn
    independently from N(y, SE^2), SE = (upper - lower) / (2 x 1.96), ``n_draws`` times with a
    seeded generator; the result reports each status's probability and the status of the median
    ratio.

    Reference: Statistics Canada (2023) Sustainable Development Goals Data Hub progress
    methodology, as implemented in Open SDG (sdg-build ``ProgressMeasure``).
    """
    p = pad_series(time, value, lower_ci=lower, upper_ci=upper)
    ends = _endpoints(p, target.baseline_year)
    if target.baseline_value is not None:
        later = np.isfinite(p.value[0]) & (p.time[0] > target.baseline_year + TIME_TOL)
        ends["n_points"] = np.array([int(later.sum()) + 1])
        ends["baseline_value"] = np.array([float(target.baseline_value)])
        ends["baseline_time"] = np.array([float(target.baseline_year)])
        ends["baseline_se"] = np.zeros(1)
    k = _progress_kernel(ends, target, n_draws, seed, alpha)
    simulated = bool(k["simulated"][0])
    return ProgressResult(
        statistic="progress_ratio",
        estimate=float(k["ratio"][0]),
        lower=float(k["ratio_lower"][0]),
        upper=float(k["ratio_upper"][0]),
        n=int(k["n_points"][0]),  # observations from the baseline to the latest
        method=_progress_method(target, n_draws, simulated, seed),
        status=str(k["status"][0]),
        point_status=str(k["point_status"][0]),
        probabilities={s: float(k["p_" + s.replace(" ", "_")][0]) for s in STATUSES}
        if simulated
        else {},
        observed_cagr=float(k["observed_cagr"][0]),
        required_cagr=float(k["required_cagr"][0]),
        target_level=float(k["target_level"][0]),
        baseline_time=float(k["baseline_time"][0]),
        baseline_value=float(k["baseline_value"][0]),
        current_time=float(k["current_time"][0]),
        current_value=float(k["current_value"][0]),
    )


def panel_progress_status(
    panel: pd.DataFrame,
    target: TargetSpec,
    *,
    by: tuple[str, ...] | list[str] = ("area_code",),
    n_draws: int = N_DRAWS,
    seed: int = 0,
    alpha: float = ALPHA,
) -> ResultTable:
    """:func:`progress_status` for every series (e.g. area) of a long panel, vectorised.

    Baselines are each area's own first observation at or after ``target.baseline_year``
    (``target.baseline_value`` is ignored), so relative and absolute targets are per area.
    Uses ``lower_ci``/``upper_ci`` when the panel has them. The frame has one row per series
    with ``baseline_*``, ``current_*``, ``target_level``, ``observed_cagr``, ``required_cagr``,
    ``ratio`` (``ratio_lower``/``ratio_upper`` when simulated), ``status``, ``point_status`` and
    ``p_<status>`` columns.
    """
    by = list(by)
    p = pad_panel(panel, by, extra=("lower_ci", "upper_ci"))
    k = _progress_kernel(_endpoints(p, target.baseline_year), target, n_draws, seed, alpha)
    columns = {
        **k,
        "n": k["n_points"],
        "time_start": k["baseline_time"],
        "time_end": k["current_time"],
    }
    frame = pd.concat([p.keys, pd.DataFrame(columns)], axis=1)
    simulated = bool(frame["simulated"].any())
    method = _progress_method(target, n_draws, simulated, seed)
    statistics = {
        "progress_ratio": ("ratio", "ratio_lower", "ratio_upper"),
        "observed_cagr": ("observed_cagr", None, None),
        "required_cagr": ("required_cagr", None, None),
        "target_level": ("target_level", None, None),
    }
    if simulated:
        statistics |= {
            f"progress_p_{s.replace(' ', '_')}": (f"p_{s.replace(' ', '_')}", None, None)
            for s in STATUSES
        }
    return ResultTable(frame=frame, statistics=statistics, id_columns=by, method=method)


# --- projections ----------------------------------------------------------------------------------


def _constant_rate(t: np.ndarray, y: np.ndarray, last_k_years: float) -> tuple[float, float]:
    """CAGR over the last k years: from the observation nearest to t_last - k (earlier on ties).

    Returns ``(rate, start_time)``; NaN if no earlier observation at least MIN_YEARS_PROGRESS
    before the last, or if the values are not positive.
    """
    if len(t) < 2:
        return NAN, NAN
    earlier = t[:-1]
    i = int(np.argmin(np.abs(earlier - (t[-1] - last_k_years)) + 1e-9 * earlier))
    span = t[-1] - earlier[i]
    if span < MIN_YEARS_PROGRESS - LEAP_SLACK or y[i] <= 0 or y[-1] <= 0:
        return NAN, float(earlier[i])
    return float((y[-1] / y[i]) ** (1 / span) - 1), float(earlier[i])


def year_target_reached(
    time,
    value,
    target_level: float,
    direction: Literal["increase", "decrease"],
    *,
    method: Literal["constant_rate", "linear"] = "constant_rate",
    last_k_years: float = LAST_K_YEARS,
    period_years: float | None = None,
) -> float | None:
    """Year at which the target level is reached at the current rate (None = never).

    Extrapolates from the latest observation (t_n, y_n): constant rate g (CAGR of the last
    ``last_k_years``): t = t_n + ln(L / y_n) / ln(1 + g); linear: t = t_n + (L - y_n) / b with
    the OLS slope b. Returns t_n if the latest value already meets the target, None if the rate
    is zero, undefined or points away from the target.
    """
    p = drop_overlapping(pad_series(time, value), period_years)
    t, y = p.time[0][np.isfinite(p.value[0])], p.value[0][np.isfinite(p.value[0])]
    if len(t) < 2:
        return None
    d = 1 if direction == "increase" else -1
    if d * (y[-1] - target_level) >= 0:
        return float(t[-1])
    if method == "linear":
        slope = float(_ols_kernel(t[None, :], y[None, :], False, ALPHA)["slope"][0])
        if not np.isfinite(slope) or d * slope <= 0:
            return None
        return float(t[-1] + (target_level - y[-1]) / slope)
    rate, _ = _constant_rate(t, y, last_k_years)
    if not np.isfinite(rate) or rate == 0 or target_level <= 0 or d * rate <= 0:
        return None
    return float(t[-1] + np.log(target_level / y[-1]) / np.log1p(rate))


@dataclass(kw_only=True)
class ProjectionResult(PeriodResult):
    """Projected value at the target year (``estimate``) with a prediction interval (linear).

    Attributes: ``target_year``, ``target_level``, ``rate`` (slope per year or CAGR),
    ``year_reached`` (None = never at the current rate), ``verdict`` ("target met", "on course",
    "off course", "too uncertain to project" or "insufficient data"), ``note`` (why it is too
    uncertain), ``time_start``/``time_end`` of the data used.
    """

    target_year: float = NAN
    target_level: float = NAN
    rate: float = NAN
    year_reached: float | None = None
    verdict: str = INSUFFICIENT
    note: str = ""

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {
            "rate": (self.rate, NAN, NAN),
            "target_level": (self.target_level, NAN, NAN),
            "year_reached": (NAN if self.year_reached is None else self.year_reached, NAN, NAN),
        }


def project_to_target(
    time,
    value,
    target: TargetSpec,
    *,
    method: Literal["constant_rate", "linear"] = "constant_rate",
    last_k_years: float = LAST_K_YEARS,
    period_years: float | None = None,
    alpha: float = ALPHA,
    bounds: tuple[float, float] = UNBOUNDED,
    max_interval_to_range: float = MAX_INTERVAL_TO_RANGE,
) -> ProjectionResult:
    """Project a series to the target year and say whether the target would be met.

    ``"linear"``: OLS line y = a + b t (on non-overlapping points), projection a + b t_T with
    the prediction interval yhat +- t(n-2) s sqrt(1 + 1/n + (t_T - tbar)^2 / S_tt); needs
    :data:`MIN_N_PROJECTION` points. ``"constant_rate"`` (the technical annex: "if the rate of
    improvement from the last five years was to continue until 2030"): y_n (1 + g)^(t_T - t_n)
    with g the CAGR over the last ``last_k_years`` (from the observation nearest to t_n - k); no
    interval. Verdict "target met" (latest value already meets it), "on course" (the projection
    meets it), "off course", or "insufficient data".

    Evidence rule 4: a projection that leaves ``bounds`` (the values the metric can take, see
    :func:`unit_bounds`) or whose interval is uninformative (:func:`projection_note`) is "too
    uncertain to project": estimate and interval NaN, ``note`` says why. A target already met
    stays "target met".
    """
    p = drop_overlapping(pad_series(time, value), period_years)
    t, y = p.time[0][np.isfinite(p.value[0])], p.value[0][np.isfinite(p.value[0])]
    ends = _endpoints(p, target.baseline_year)
    baseline = (
        target.baseline_value if target.baseline_value is not None else ends["baseline_value"][0]
    )
    level = float(target.level(baseline))
    d = target.sign
    common = {
        "statistic": "projected_value",
        "n": len(t),
        "target_year": float(target.target_year),
        "target_level": level,
        "time_start": float(t[0]) if len(t) else NAN,
        "time_end": float(t[-1]) if len(t) else NAN,
    }
    estimate, lower, upper, rate = NAN, NAN, NAN, NAN
    if method == "linear":
        label = f"linear OLS projection, {100 * (1 - alpha):g}% prediction interval"
        k = _ols_kernel(t[None, :], y[None, :], False, alpha)
        if len(t) >= 3:
            rate = float(k["slope"][0])
            estimate = float(k["intercept"][0] + rate * target.target_year)
            se = np.sqrt(
                k["s2"][0]
                * (1 + 1 / len(t) + (target.target_year - k["tbar"][0]) ** 2 / k["stt"][0])
            )
            half = float(t_ppf(1 - alpha / 2, len(t) - 2) * se)
            lower, upper = estimate - half, estimate + half
        enough = len(t) >= MIN_N_PROJECTION
    elif method == "constant_rate":
        label = f"constant rate of the last {last_k_years:g} years (CAGR)"
        rate, _ = _constant_rate(t, y, last_k_years) if len(t) else (NAN, NAN)
        if np.isfinite(rate):
            estimate = float(y[-1] * (1 + rate) ** (target.target_year - t[-1]))
        enough = np.isfinite(rate)
    else:
        raise ValueError(f"unknown method {method!r}")
    note = projection_note(
        estimate, lower, upper, y, bounds, max_interval_to_range=max_interval_to_range
    )
    if note:
        estimate = lower = upper = NAN
    if not (enough and np.isfinite(level)):
        verdict = INSUFFICIENT
    elif d * (y[-1] - level) >= 0:
        verdict = TARGET_MET
    elif note:
        verdict = TOO_UNCERTAIN
    else:
        verdict = ON_COURSE if d * (estimate - level) >= 0 else OFF_COURSE
    reached = (
        year_target_reached(t, y, level, target.direction, method=method, last_k_years=last_k_years)
        if enough and np.isfinite(level)
        else None
    )
    return ProjectionResult(
        estimate=estimate,
        lower=lower,
        upper=upper,
        rate=rate,
        year_reached=reached,
        verdict=verdict,
        note=note,
        method=f"{label}; target: {target.describe()}",
        **common,
    )
