"""Area comparisons: an area against a comparator, and the "worse and worsening" flag.

Overlapping confidence intervals are not a test: two estimates can differ significantly while
their 95 % intervals overlap. The difference is tested with a z-test whose standard errors are
recovered from the published intervals.
"""

from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from levelup.stats import verdicts as V
from levelup.stats._panel import drop_overlapping, pad_series
from levelup.stats.distributions import norm_ppf, norm_sf
from levelup.stats.results import (
    INSUFFICIENT,
    NAN,
    PeriodResult,
    Result,
    ResultTable,
    format_period,
)
from levelup.stats.trend import ALPHA, DECREASING, INCREASING, MannKendallResult, mann_kendall

#: Number of most recent points used for the "worsening" trend (as in OHID Fingertips).
RECENT_POINTS = 5


def se_from_ci(lower, upper, level: float = 0.95):
    """Standard error from a published confidence interval: SE = (upper - lower) / (2 z).

    Assumes the interval is symmetric and normal-based (z = 1.96 for 95 %). For asymmetric
    intervals (e.g. Wilson or Byar intervals for rates) this is the average of the two half-widths,
    an approximation that is adequate away from 0 and 1.
    """
    z = NormalDist().inv_cdf(0.5 + level / 2)
    return (np.asarray(upper, dtype=float) - np.asarray(lower, dtype=float)) / (2 * z)


def _verdict(diff, p, higher_is_better: bool | None, alpha: float) -> np.ndarray:
    sig = p < alpha
    if higher_is_better is None:
        above, below, same = (
            V.SIGNIFICANTLY_HIGHER,
            V.SIGNIFICANTLY_LOWER,
            V.NOT_SIGNIFICANTLY_DIFFERENT,
        )
    else:
        good, bad = V.SIGNIFICANTLY_BETTER, V.SIGNIFICANTLY_WORSE
        above, below = (good, bad) if higher_is_better else (bad, good)
        same = V.NOT_SIGNIFICANTLY_DIFFERENT
    return np.select(
        [~np.isfinite(p), sig & (diff > 0), sig & (diff < 0)],
        [INSUFFICIENT, above, below],
        same,
    ).astype(object)


def _z_kernel(value, se, comparator, comparator_se, alpha):
    """Difference, its interval, z and two-sided p: z = (x - c) / sqrt(se_x^2 + se_c^2)."""
    diff = np.asarray(value, float) - np.asarray(comparator, float)
    se_diff = np.sqrt(
        np.asarray(se, float) ** 2 + np.nan_to_num(np.asarray(comparator_se, float)) ** 2
    )
    z_crit = norm_ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        z = np.where(se_diff > 0, diff / se_diff, np.nan)
    p = 2 * norm_sf(np.abs(z))
    return diff, diff - z_crit * se_diff, diff + z_crit * se_diff, z, p


@dataclass(kw_only=True)
class ComparisonResult(Result):
    """Area minus comparator (``estimate``) with its interval, z and p-value and a verdict."""

    z: float = NAN
    p_value: float = NAN
    verdict: str = INSUFFICIENT
    time: float = NAN

    def default_period(self) -> str:
        return format_period(self.time)

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        return {"z": (self.z, NAN, NAN), "p_value": (self.p_value, NAN, NAN)}


def compare_to_comparator(
    value: float,
    lower: float,
    upper: float,
    comparator_value: float,
    comparator_lower: float | None = None,
    comparator_upper: float | None = None,
    *,
    higher_is_better: bool | None = None,
    time: float = NAN,
    alpha: float = ALPHA,
) -> ComparisonResult:
    """Is an area different from a comparator (e.g. England)? z-test from published CIs.

    z = (x - c) / sqrt(SE_x^2 + SE_c^2), SE = (upper - lower) / (2 x 1.96) (symmetric normal 95 %
    intervals assumed); a comparator without an interval is treated as known exactly (SE 0), the
    usual case for a national value. Estimates are assumed independent (for an area inside the
    comparator this is conservative). Verdict "significantly higher/lower" (or "better/worse" given
    ``higher_is_better``), "not significantly different", or "insufficient data" without SEs.
    """
    se_c = 0.0 if comparator_lower is None else se_from_ci(comparator_lower, comparator_upper)
    diff, lo, hi, z, p = _z_kernel(value, se_from_ci(lower, upper), comparator_value, se_c, alpha)
    return ComparisonResult(
        statistic="difference_from_comparator",
        estimate=float(diff),
        lower=float(lo),
        upper=float(hi),
        z=float(z),
        p_value=float(p),
        verdict=str(_verdict(diff, p, higher_is_better, alpha)),
        n=2,
        method="z-test of the difference, SEs from published 95% CIs (symmetric normal assumed)",
        time=time,
    )


def panel_comparison(
    panel: pd.DataFrame,
    comparator: pd.DataFrame,
    *,
    higher_is_better: bool | None = None,
    alpha: float = ALPHA,
) -> ResultTable:
    """:func:`compare_to_comparator` for every area and period of a panel, vectorised.

    ``comparator`` has ``time``, ``value`` and optionally ``lower_ci``/``upper_ci`` (one row per
    period, e.g. England); it is matched to the panel on ``time``.
    """
    comp = comparator.set_index("time")
    merged = panel.join(
        comp[[c for c in ("value", "lower_ci", "upper_ci") if c in comp.columns]].add_prefix(
            "comparator_"
        ),
        on="time",
    )
    se = se_from_ci(merged["lower_ci"], merged["upper_ci"]) if "lower_ci" in merged else np.nan
    se_c = (
        se_from_ci(merged["comparator_lower_ci"], merged["comparator_upper_ci"])
        if "comparator_lower_ci" in merged
        else 0.0
    )
    diff, lo, hi, z, p = _z_kernel(merged["value"], se, merged["comparator_value"], se_c, alpha)
    frame = merged[[c for c in merged.columns if c in ("area_code", "area_name", "time")]].copy()
    frame["n"] = 2
    frame["difference"], frame["lower"], frame["upper"] = diff, lo, hi
    frame["z"], frame["p_value"] = z, p
    frame["verdict"] = _verdict(diff, p, higher_is_better, alpha)
    return ResultTable(
        frame=frame.reset_index(drop=True),
        statistics={
            "difference_from_comparator": ("difference", "lower", "upper"),
            "difference_from_comparator_p_value": ("p_value", None, None),
        },
        id_columns=["area_code", "time"],
        method="z-test of the difference, SEs from published 95% CIs (symmetric normal assumed)",
    )


@dataclass(kw_only=True)
class WorseWorseningResult(PeriodResult):
    """The "worse and worsening" flag (``estimate`` 1.0 if flagged, 0.0 if not, NaN if unknown).

    Attributes: ``worse`` (latest value significantly worse than the comparator), ``worsening``
    (recent trend significantly in the bad direction), both None when not determinable, the
    underlying ``comparison`` and ``trend`` results, and
    ``verdict`` ("worse and worsening", "not flagged" or "insufficient data").
    """

    worse: bool | None = None
    worsening: bool | None = None
    comparison: ComparisonResult | None = None
    trend: MannKendallResult | None = None
    verdict: str = INSUFFICIENT


def worse_and_worsening(
    time,
    value,
    lower,
    upper,
    comparator_value: float,
    comparator_lower: float | None = None,
    comparator_upper: float | None = None,
    *,
    higher_is_better: bool,
    recent_points: int = RECENT_POINTS,
    period_years: float | None = None,
    alpha: float = ALPHA,
) -> WorseWorseningResult:
    """Flag an area that is significantly worse than its comparator and getting worse.

    Worse: the latest value differs significantly from the comparator (:func:`compare_to_comparator`)
    in the bad direction given ``higher_is_better``. Worsening: a Mann-Kendall test (exact for
    short series) on the last ``recent_points`` non-overlapping points finds a significant trend in
    the bad direction (as OHID Fingertips' "recent trend" uses the last five points). Verdict
    "insufficient data" when the latest value has no interval or fewer than
    :data:`levelup.stats.trend.MIN_N_TREND` recent points exist.
    """
    p = pad_series(time, value, lower_ci=lower, upper_ci=upper)
    n_all = int(p.n[0])
    method = (
        f"worse: z-test against the comparator from 95% CIs; worsening: Mann-Kendall on the "
        f"last {recent_points} non-overlapping points"
    )
    if n_all == 0:
        return WorseWorseningResult(statistic="worse_and_worsening", estimate=NAN, method=method)
    last = n_all - 1
    comparison = compare_to_comparator(
        p.value[0, last],
        p.extra["lower_ci"][0, last],
        p.extra["upper_ci"][0, last],
        comparator_value,
        comparator_lower,
        comparator_upper,
        higher_is_better=higher_is_better,
        time=float(p.time[0, last]),
        alpha=alpha,
    )
    thinned = drop_overlapping(p, period_years)
    t, v = thinned.time[0, : thinned.n[0]], thinned.value[0, : thinned.n[0]]
    trend = mann_kendall(t[-recent_points:], v[-recent_points:], alpha=alpha)
    worse = (
        None if comparison.verdict == INSUFFICIENT else comparison.verdict == V.SIGNIFICANTLY_WORSE
    )
    bad_direction = DECREASING if higher_is_better else INCREASING
    worsening = None if trend.verdict == INSUFFICIENT else trend.verdict == bad_direction
    if worse is False or worsening is False:
        verdict, flag = V.NOT_FLAGGED, 0.0
    elif worse and worsening:
        verdict, flag = V.WORSE_AND_WORSENING, 1.0
    else:
        verdict, flag = INSUFFICIENT, NAN
    return WorseWorseningResult(
        statistic="worse_and_worsening",
        estimate=flag,
        n=trend.n,
        method=method,
        worse=worse,
        worsening=worsening,
        comparison=comparison,
        trend=trend,
        verdict=verdict,
        time_start=trend.time_start,
        time_end=trend.time_end,
    )
