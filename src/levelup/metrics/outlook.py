"""Where a series is heading by the target year, for the targets ``trajectory`` cannot score.

* :func:`direction_outlook` -- for a directional target ("will have improved", "will have
  fallen"): the linear trend projected to the target year with its 95% prediction interval,
  compared with the level of a baseline period. The verdict says whether the interval lies wholly
  on the better side of the baseline ("improvement projected"), wholly on the worse side
  ("deterioration projected") or straddles it ("no clear change projected").
* :func:`rate_projection` -- the technical annex's own method, "if the rate of improvement from
  the last five years was to continue until 2030": the compound rate between the latest
  observation and the one nearest to five years before it (the same rule as
  :func:`levelup.stats.project_to_target`), projected to the target year, with the periods it
  rests on named so a chapter can say which years the projection uses.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.periods import period_label
from levelup.findings.table import Findings
from levelup.metrics.analysis import MetricData, _overlap_years, _signed, period_years, target_time
from levelup.stats import verdicts
from levelup.stats.verdicts import DETERIORATION_PROJECTED as DETERIORATION
from levelup.stats.verdicts import IMPROVEMENT_PROJECTED as IMPROVEMENT
from levelup.stats.verdicts import UNCLEAR_PROJECTED as UNCLEAR


@dataclass
class Outlook:
    observed: pd.DataFrame  # time, value, lower, upper, period
    linear: pd.DataFrame  # time, estimate, lower, upper (yearly to the target year)
    baseline_value: float
    baseline_period: str
    target_year: int
    projection: stats.ProjectionResult
    verdict: str
    change: stats.ComparisonResult | None
    md_bounds: tuple[float, float] = stats.projection.UNBOUNDED


def _series(md: MetricData, area_code: str, indicator: str | None, series) -> pd.DataFrame:
    rows = series if series is not None else md.series(area_code, indicator)
    rows = rows.dropna(subset=["value"]).sort_values("time")
    if "period_years" not in rows:
        rows = rows.assign(period_years=period_years(rows))
    return rows


def direction_outlook(
    md: MetricData,
    area_code: str,
    findings: Findings,
    key: str,
    *,
    baseline_period: str,
    target_year: int = 2030,
    indicator: str | None = None,
    series: pd.DataFrame | None = None,
    decimals: int | None = None,
) -> Outlook:
    """Linear projection to ``target_year`` against the level of ``baseline_period``.

    The projection uses non-overlapping periods only (as every trend test here) and needs
    :data:`levelup.stats.MIN_N_PROJECTION` of them. Records under ``<key>``: ``.baseline`` and
    ``.baseline-period``, ``.latest`` and ``.latest-period``, ``.change-since-baseline`` (with a
    z-test interval when both values have published CIs) and ``.change-verdict``,
    ``.linear-<year>`` (projected value with its 95% prediction interval) and ``.outlook``.
    ``decimals`` fixes the decimals of the recorded levels.
    """
    hib = md.higher_is_better
    if hib is None:
        raise ValueError(f"{md.metric.id}: an outlook needs the metric's polarity")
    rows = _series(md, area_code, indicator, series)
    unit = md.metric.unit
    common = {"metric": md.metric.id, "area": area_code, "unit": unit}
    at = rows[rows["period"] == baseline_period]
    if at.empty:
        raise ValueError(f"{md.metric.id}: {area_code} has no value in {baseline_period}")
    base = at.iloc[0]
    last = rows.iloc[-1]
    common["area_name"] = str(last["area_name"])
    spec = stats.TargetSpec(
        direction="increase" if hib else "decrease",
        baseline_year=float(base["time"]),
        target_year=target_time(target_year),
        target_level=float(base["value"]),
    )
    overlap = _overlap_years(rows)
    t, y = rows["time"].to_numpy(float), rows["value"].to_numpy(float)
    bounds = md.metric.value_bounds
    projection = stats.project_to_target(
        t, y, spec, method="linear", period_years=overlap, bounds=bounds
    )
    if projection.verdict == stats.INSUFFICIENT:
        verdict = stats.INSUFFICIENT
    elif projection.note:  # evidence rule 4
        verdict = verdicts.TOO_UNCERTAIN
    elif not np.isfinite(projection.lower):
        verdict = stats.INSUFFICIENT
    else:
        better_lo = projection.lower > base["value"] if hib else projection.upper < base["value"]
        worse_hi = projection.upper < base["value"] if hib else projection.lower > base["value"]
        verdict = IMPROVEMENT if better_lo else DETERIORATION if worse_hi else UNCLEAR
    linear_rows = []
    if verdict not in (stats.INSUFFICIENT, verdicts.TOO_UNCERTAIN):
        for year in np.arange(math.floor(t[-1]) + 1.5, spec.target_year + 0.01, 1.0):
            point = stats.TargetSpec(
                direction=spec.direction,
                baseline_year=spec.baseline_year,
                target_year=float(year),
                target_level=spec.target_level,
            )
            p = stats.project_to_target(
                t, y, point, method="linear", period_years=overlap, bounds=bounds
            )
            linear_rows.append(
                {"time": year, "estimate": p.estimate, "lower": p.lower, "upper": p.upper}
            )
    linear = pd.DataFrame(linear_rows, columns=["time", "estimate", "lower", "upper"])
    if len(linear):  # values beyond the bounds are dropped by the engine; cut the drawn interval
        linear[["lower", "upper"]] = linear[["lower", "upper"]].clip(*bounds)
    change = None
    if last["time"] > base["time"] and all(
        np.isfinite(v)
        for v in (base["lower_ci"], base["upper_ci"], last["lower_ci"], last["upper_ci"])
    ):
        change = stats.compare_to_comparator(
            last["value"],
            last["lower_ci"],
            last["upper_ci"],
            base["value"],
            base["lower_ci"],
            base["upper_ci"],
            higher_is_better=hib,
        )
    observed = rows.rename(columns={"lower_ci": "lower", "upper_ci": "upper"})[
        ["time", "value", "lower", "upper", "period"]
    ]
    outlook = Outlook(
        observed,
        linear,
        float(base["value"]),
        baseline_period,
        target_year,
        projection,
        verdict,
        change,
        bounds,
    )
    _record_outlook(findings, key, outlook, last, common, decimals)
    return outlook


def _record_outlook(
    findings: Findings, key: str, o: Outlook, last, common: dict, decimals: int | None = None
) -> None:
    unit = common["unit"]
    findings.add(
        f"{key}.baseline",
        o.baseline_value,
        statistic="baseline",
        period=o.baseline_period,
        decimals=decimals,
        **common,
    )
    findings.add_period(
        f"{key}.baseline-period",
        o.baseline_period,
        **common,
    )
    findings.add(
        f"{key}.latest",
        last["value"],
        statistic="level",
        period=last["period"],
        decimals=decimals,
        **common,
    )
    findings.add_period(
        f"{key}.latest-period",
        last["period"],
        **common,
    )
    diff = float(last["value"] - o.baseline_value)
    ch = o.change
    findings.add(
        f"{key}.change-since-baseline",
        diff,
        lower=None if ch is None else ch.lower,
        upper=None if ch is None else ch.upper,
        statistic="change_since_baseline",
        method="" if ch is None else ch.method,
        display=_signed(diff, unit),
        **common,
    )
    if ch is not None:
        verdict = ch.verdict
    elif (
        o.observed["time"].iat[-1]
        > o.observed.loc[o.observed["period"] == o.baseline_period, "time"].iat[0]
    ):
        verdict = verdicts.NOT_TESTED
    else:
        verdict = stats.INSUFFICIENT
    findings.add(
        f"{key}.change-verdict", None, display=verdict, statistic="change_verdict", **common
    )
    p = o.projection

    lo, hi = o.md_bounds

    def bound(v):
        if v is None or not np.isfinite(v):
            return None
        return min(max(float(v), lo), hi)

    findings.add(
        f"{key}.linear-{o.target_year}",
        bound(p.estimate),
        lower=bound(p.lower),
        upper=bound(p.upper),
        statistic="projection_linear",
        period=str(o.target_year),
        method=p.method + (f"; {p.note}" if p.note else ""),
        n=p.n,
        decimals=decimals,
        display=verdicts.TOO_UNCERTAIN if p.note else None,
        **common,
    )
    findings.add(
        f"{key}.outlook",
        None,
        display=o.verdict,
        statistic="direction_outlook",
        method=p.method,
        n=p.n,
        **common,
    )


# -------------------------------------------------------------------------------------------
@dataclass
class RateProjection:
    from_period: str
    to_period: str
    from_value: float
    to_value: float
    years: float
    rate: float  # compound rate a year (fraction)
    target_year: int
    projected: float
    path: pd.DataFrame  # time, value (yearly from the latest observation to the target year)
    reference_period: str | None = None
    reference_value: float | None = None

    @property
    def change(self) -> float:
        return self.projected - self.to_value

    @property
    def change_pct(self) -> float:
        return 100 * (self.projected / self.to_value - 1)

    @property
    def change_from_reference_pct(self) -> float | None:
        if self.reference_value is None:
            return None
        return 100 * (self.projected / self.reference_value - 1)


def rate_projection(
    md: MetricData,
    area_code: str,
    findings: Findings,
    key: str,
    *,
    target_year: int = 2030,
    last_k_years: float = 5,
    indicator: str | None = None,
    series: pd.DataFrame | None = None,
    reference_period: str | None = None,
) -> RateProjection | None:
    """The annex method: the compound rate of (about) the last ``last_k_years`` carried on to
    ``target_year``.

    The rate runs from the observation nearest to ``latest - last_k_years`` (the earlier one on a
    tie) to the latest, as in :func:`levelup.stats.project_to_target`. ``reference_period``
    (e.g. a target's baseline) adds the projected change relative to that period's value.
    Returns None (and records "insufficient data") without two positive observations at least a
    year apart. Records under ``<key>``: ``.from-period``, ``.to-period``, ``.years``, ``.rate``
    (% a year), ``.projected-<year>``, ``.change-<year>`` (from the latest observation),
    ``.change-pct-<year>`` and, with a reference, ``.change-pct-from-reference``.
    """
    rows = _series(md, area_code, indicator, series)
    unit = md.metric.unit
    common = {"metric": md.metric.id, "area": area_code, "unit": unit}
    t, y = rows["time"].to_numpy(float), rows["value"].to_numpy(float)
    if len(t) < 2:
        findings.add(f"{key}.rate", None, display=stats.INSUFFICIENT, statistic="cagr", **common)
        return None
    earlier = t[:-1]
    i = int(np.argmin(np.abs(earlier - (t[-1] - last_k_years)) + 1e-9 * earlier))
    span = float(t[-1] - earlier[i])
    if span < 1 - 1e-6 or y[i] <= 0 or y[-1] <= 0:
        findings.add(f"{key}.rate", None, display=stats.INSUFFICIENT, statistic="cagr", **common)
        return None
    rate = (y[-1] / y[i]) ** (1 / span) - 1
    horizon = target_time(target_year)
    projected = float(y[-1] * (1 + rate) ** (horizon - t[-1]))
    years = np.arange(math.floor(t[-1]) + 1.5, horizon + 0.01, 1.0)
    path = pd.DataFrame(
        {
            "time": np.concatenate([[t[-1]], years]),
            "value": np.concatenate([[y[-1]], y[-1] * (1 + rate) ** (years - t[-1])]),
        }
    )
    ref_value = None
    if reference_period is not None:
        ref = rows[rows["period"] == reference_period]
        ref_value = float(ref["value"].iat[0]) if len(ref) else None
    result = RateProjection(
        from_period=str(rows["period"].iat[i]),
        to_period=str(rows["period"].iat[-1]),
        from_value=float(y[i]),
        to_value=float(y[-1]),
        years=span,
        rate=float(rate),
        target_year=target_year,
        projected=projected,
        path=path,
        reference_period=reference_period,
        reference_value=ref_value,
    )
    method = (
        f"compound rate from {period_label(result.from_period)} to {period_label(result.to_period)} "
        f"({span:.1f} years, the pair nearest to {last_k_years:g} years) carried on to {target_year}"
    )
    common["area_name"] = str(rows["area_name"].iat[-1])
    for name, period in (("from-period", result.from_period), ("to-period", result.to_period)):
        findings.add_period(
            f"{key}.{name}",
            period,
            **common,
        )
    findings.add(f"{key}.years", span, statistic="years", decimals=1, **{**common, "unit": "years"})
    findings.add(
        f"{key}.rate",
        100 * rate,
        statistic="cagr",
        method=method,
        display=f"{100 * rate:+.1f}% a year".replace("-", "−"),
        **{**common, "unit": "% a year"},
    )
    findings.add(
        f"{key}.projected-{target_year}",
        projected,
        statistic="projection_constant_rate",
        period=str(target_year),
        method=method,
        **common,
    )
    findings.add(
        f"{key}.change-{target_year}",
        result.change,
        statistic="projected_change",
        method=method,
        display=_signed(result.change, unit),
        **common,
    )
    findings.add(
        f"{key}.change-pct-{target_year}",
        result.change_pct,
        statistic="projected_change_pct",
        method=method,
        display=f"{result.change_pct:+.0f}%".replace("-", "−"),
        **{**common, "unit": "%"},
    )
    if reference_period is not None:
        pct = result.change_from_reference_pct
        findings.add(
            f"{key}.change-pct-from-reference",
            pct,
            statistic="projected_change_pct_from_reference",
            period=reference_period,
            method=method,
            display="n/a" if pct is None else f"{pct:+.0f}%".replace("-", "−"),
            **{**common, "unit": "%"},
        )
    return result
