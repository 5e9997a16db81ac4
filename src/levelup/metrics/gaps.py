"""The gap between a group of areas and all other areas: the missions' "gap between top
performing and other areas" (Missions 1, 8, 9) and "the worst-affected areas" (Missions 5, 11).

:func:`group_gap` fixes a group of areas at one period (by default the first) -- the best- or the
worst-performing ``size`` (or ``share``) of areas, read through the metric's polarity -- and
follows the gap between the group's mean and the mean of every other area through time:

* ``gap`` is oriented so that it is positive when the group is where it was selected (ahead for
  the best, behind for the worst) and a *narrowing* gap is a falling one, whatever the polarity;
* the trend of the gap is tested with :func:`levelup.stats.dispersion_trend` (OLS with
  Newey-West errors) on non-overlapping periods only;
* the change of the gap between the first and the latest period is tested by a paired,
  stratified bootstrap over areas (group and other areas resampled separately, the same draw in
  both periods).

A group fixed on one period's values regresses towards the mean when the values carry sampling
noise, which biases the gap towards narrowing; notebooks quoting it should say so and show a
re-ranked measure (e.g. the decile gap of :func:`levelup.metrics.analysis.convergence`) beside it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.periods import period_label
from levelup.findings.table import Findings
from levelup.metrics.analysis import MetricData, _non_overlapping_times, _overlap_years, _signed
from levelup.stats.verdicts import NARROWING, NO_CHANGE, WIDENING

_GAP_WORDS = {
    "converging": NARROWING,
    "diverging": WIDENING,
    "no significant change": NO_CHANGE,
    stats.INSUFFICIENT: stats.INSUFFICIENT,
}


@dataclass
class GroupGap:
    """A fixed group of areas against all other areas, period by period."""

    members: list[str]
    names: list[str]
    select: str
    selected_time: float
    table: pd.DataFrame  # time, period, n_group, n_rest, group_mean, rest_mean, gap
    trend: stats.TrendResult
    change: stats.DispersionChange
    panel: pd.DataFrame = field(repr=False)
    reranked: bool = False

    @property
    def trend_verdict(self) -> str:
        return _GAP_WORDS.get(self.trend.verdict, self.trend.verdict)

    @property
    def change_verdict(self) -> str:
        return _GAP_WORDS.get(self.change.verdict, self.change.verdict)


def select_areas(
    panel: pd.DataFrame,
    time: float,
    *,
    select: str = "best",
    higher_is_better: bool = True,
    size: int | None = None,
    share: float = 0.1,
) -> list[str]:
    """Codes of the best (or worst) ``size`` areas at ``time`` (``ceil(share x n)`` if no size).

    Ties are broken by area code so the choice is deterministic.
    """
    if select not in ("best", "worst"):
        raise ValueError("select must be 'best' or 'worst'")
    at = panel[np.isclose(panel["time"].to_numpy(float), time) & panel["value"].notna()]
    k = size if size is not None else max(1, math.ceil(round(share * len(at), 9)))
    # the worst of a higher-is-better metric are its lowest values, and so on
    ascending = (select == "worst") == bool(higher_is_better)
    ranked = at.sort_values(["value", "area_code"], ascending=[ascending, True], kind="stable")
    return ranked["area_code"].head(k).tolist()


def _weighted_mean(values: np.ndarray, weights: np.ndarray | None) -> np.ndarray:
    """Mean along the last axis (weighted when ``weights`` is given)."""
    if weights is None:
        return values.mean(axis=-1)
    return (values * weights).sum(axis=-1) / weights.sum(axis=-1)


def bootstrap_gap_change(
    start: pd.DataFrame,
    end: pd.DataFrame,
    members: set[str],
    sign: float,
    *,
    weighted: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> stats.DispersionChange:
    """Change of the oriented group-minus-rest gap between two cross-sections, with a paired
    bootstrap over areas stratified by group.

    ``start``/``end`` have ``area_code``, ``value`` (and ``weight`` if ``weighted``); only areas in
    both are used. In each of ``n_boot`` draws the group's areas and the other areas are resampled
    with replacement separately (the same draw for both periods) and the change of
    ``sign x (mean of group - mean of rest)`` recomputed. Percentile interval; two-sided p =
    2 min(P(D* <= 0), P(D* >= 0)); verdict "converging" (the gap fell) / "diverging" when the
    interval excludes 0, "insufficient data" with fewer than 2 areas in either stratum or fewer
    than :data:`levelup.stats.MIN_AREAS_BOOTSTRAP` in all.
    """
    cols = ["area_code", "value"] + (["weight"] if weighted else [])
    both = start[cols].merge(end[cols], on="area_code", suffixes=("_0", "_1")).dropna()
    inside = both["area_code"].isin(members).to_numpy()
    method = (
        f"paired bootstrap over areas stratified by group ({n_boot} draws, seed {seed}), "
        f"{100 * (1 - alpha):g}% percentile CI of the change in the gap"
        + (" (population weighted means)" if weighted else "")
    )

    def gap(frame: pd.DataFrame, suffix: str, rows_g=None, rows_r=None) -> np.ndarray:
        x = frame[f"value{suffix}"].to_numpy(float)
        w = frame[f"weight{suffix}"].to_numpy(float) if weighted else None
        xg, xr = x[inside], x[~inside]
        wg = None if w is None else w[inside]
        wr = None if w is None else w[~inside]
        if rows_g is not None:
            xg, xr = xg[rows_g], xr[rows_r]
            wg = None if wg is None else wg[rows_g]
            wr = None if wr is None else wr[rows_r]
        return sign * (_weighted_mean(xg, wg) - _weighted_mean(xr, wr))

    n_g, n_r = int(inside.sum()), int((~inside).sum())
    t0 = float(start["time"].iat[0]) if "time" in start and len(start) else math.nan
    t1 = float(end["time"].iat[0]) if "time" in end and len(end) else math.nan
    if n_g == 0 or n_r == 0:
        return stats.DispersionChange(
            statistic="group_gap_change", estimate=math.nan, n=n_g + n_r, method=method
        )
    g0, g1 = float(gap(both, "_0")), float(gap(both, "_1"))
    result = stats.DispersionChange(
        statistic="group_gap_change",
        estimate=g1 - g0,
        start_value=g0,
        end_value=g1,
        n=n_g + n_r,
        method=method,
        time_start=t0,
        time_end=t1,
    )
    if n_g < 2 or n_r < 2 or n_g + n_r < stats.MIN_AREAS_BOOTSTRAP:
        return result
    rng = np.random.default_rng(seed)
    rows_g = rng.integers(0, n_g, size=(n_boot, n_g))
    rows_r = rng.integers(0, n_r, size=(n_boot, n_r))
    draws = gap(both, "_1", rows_g, rows_r) - gap(both, "_0", rows_g, rows_r)
    return _bootstrapped_change(draws, g0, g1, n_g + n_r, method, t0, t1, alpha)


def _reranked_gap(
    x: np.ndarray, w: np.ndarray | None, k: int, select: str, hib: bool
) -> np.ndarray:
    """Oriented gap between the best (worst) ``k`` areas of each row and the other areas."""
    # order each row so the selected areas come first
    key = -x if (select == "best") == hib else x
    order = np.argsort(key, axis=-1, kind="stable")
    xs = np.take_along_axis(x, order, axis=-1)
    ws = (
        np.ones_like(xs)
        if w is None
        else np.take_along_axis(np.broadcast_to(w, x.shape), order, axis=-1)
    )
    group = (xs[..., :k] * ws[..., :k]).sum(-1) / ws[..., :k].sum(-1)
    rest = (xs[..., k:] * ws[..., k:]).sum(-1) / ws[..., k:].sum(-1)
    sign = (1.0 if hib else -1.0) * (1.0 if select == "best" else -1.0)
    return sign * (group - rest)


def bootstrap_reranked_gap_change(
    start: pd.DataFrame,
    end: pd.DataFrame,
    *,
    select: str,
    higher_is_better: bool,
    size: int | None,
    share: float,
    weighted: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> stats.DispersionChange:
    """As :func:`bootstrap_gap_change`, but the group is re-selected in every period and every
    draw (the best or worst ``size``/``share`` of the resampled areas): a paired bootstrap over
    the areas observed in both periods."""
    cols = ["area_code", "value"] + (["weight"] if weighted else [])
    both = start[cols].merge(end[cols], on="area_code", suffixes=("_0", "_1")).dropna()
    n = len(both)
    k = size if size is not None else max(1, math.ceil(round(share * n, 9)))
    method = (
        f"paired bootstrap over areas ({n_boot} draws, seed {seed}), group re-selected in each "
        f"period and draw, {100 * (1 - alpha):g}% percentile CI of the change in the gap"
        + (" (population weighted means)" if weighted else "")
    )
    t0 = float(start["time"].iat[0]) if len(start) else math.nan
    t1 = float(end["time"].iat[0]) if len(end) else math.nan
    x0, x1 = both["value_0"].to_numpy(float), both["value_1"].to_numpy(float)
    w0 = both["weight_0"].to_numpy(float) if weighted else None
    w1 = both["weight_1"].to_numpy(float) if weighted else None
    if n <= k:
        return stats.DispersionChange(
            statistic="group_gap_change", estimate=math.nan, n=n, method=method
        )
    hib = bool(higher_is_better)
    g0 = float(_reranked_gap(x0, w0, k, select, hib))
    g1 = float(_reranked_gap(x1, w1, k, select, hib))
    result = stats.DispersionChange(
        statistic="group_gap_change",
        estimate=g1 - g0,
        start_value=g0,
        end_value=g1,
        n=n,
        method=method,
        time_start=t0,
        time_end=t1,
    )
    if n < stats.MIN_AREAS_BOOTSTRAP:
        return result
    idx = np.random.default_rng(seed).integers(0, n, size=(n_boot, n))
    draws = _reranked_gap(x1[idx], None if w1 is None else w1[idx], k, select, hib) - _reranked_gap(
        x0[idx], None if w0 is None else w0[idx], k, select, hib
    )
    return _bootstrapped_change(draws, g0, g1, n, method, t0, t1, alpha)


def _bootstrapped_change(
    draws: np.ndarray, g0: float, g1: float, n: int, method: str, t0: float, t1: float, alpha: float
) -> stats.DispersionChange:
    """The change ``g1 - g0`` of a gap with its percentile bootstrap interval and two-sided
    p-value (twice the smaller share of draws on either side of zero); converging when the
    whole interval is below zero."""
    draws = draws[np.isfinite(draws)]
    lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean()))
    verdict = "converging" if upper < 0 else "diverging" if lower > 0 else "no significant change"
    return stats.DispersionChange(
        statistic="group_gap_change",
        estimate=g1 - g0,
        lower=float(lower),
        upper=float(upper),
        start_value=g0,
        end_value=g1,
        p_value=float(p),
        verdict=verdict,
        n=n,
        method=method,
        time_start=t0,
        time_end=t1,
    )


def group_gap(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    select: str = "best",
    size: int | None = None,
    share: float = 0.1,
    at: float | None = None,
    indicator: str | None = None,
    weights: pd.Series | None = None,
    reranked: bool = False,
    exclude: tuple[str, ...] | list[str] = (),
    decimals: int | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> GroupGap:
    """The best (or worst) areas, fixed at period ``at`` (default: the first), against the rest.

    With ``reranked`` the group is instead re-selected in every period (the best tenth *of that
    period*), which avoids regression to the mean but lets sampling noise widen the gap when
    samples shrink; ``members`` are then the latest period's group. ``exclude`` drops areas
    altogether (e.g. for a sensitivity analysis without an outlier). ``weights`` (population by
    area code) makes the means population-weighted, e.g. aggregate rates of police force areas.
    ``decimals`` fixes the decimals of the recorded levels and gaps.
    Records under ``<key>``: ``.n-group``, ``.n-areas``,
    ``.selected-period``, ``.first-period``/``.latest-period``, ``.group-first``/``-latest``,
    ``.rest-first``/``-latest``, ``.gap-first``/``-latest`` (oriented: positive when the group is
    where it was selected), ``.gap-change`` (bootstrap CI) with ``.gap-change-verdict`` and
    ``.gap-trend`` with ``.gap-trend-verdict`` ("narrowing", "widening", "no significant change"
    or "insufficient data").
    """
    hib = md.higher_is_better
    if hib is None:
        raise ValueError(f"{md.metric.id}: a group gap needs the metric's polarity")
    panel = md.panel(geography, indicator, weights=weights).dropna(subset=["value"])
    panel = panel[~panel["area_code"].isin(set(exclude))]
    if weights is not None:
        panel = panel.dropna(subset=["weight"])
    times = sorted(panel["time"].unique())
    if not times:
        raise ValueError(f"{md.metric.id}: no data for {geography}")
    selected = times[-1 if reranked else 0] if at is None else min(times, key=lambda t: abs(t - at))
    members = select_areas(
        panel, selected, select=select, higher_is_better=hib, size=size, share=share
    )
    sign = (1.0 if hib else -1.0) * (1.0 if select == "best" else -1.0)
    if reranked:
        parts, chosen_at = [], {}
        for t in times:
            at_t = panel[panel["time"] == t]
            chosen = select_areas(
                at_t, t, select=select, higher_is_better=hib, size=size, share=share
            )
            chosen_at[t] = set(chosen)
            part = stats.group_vs_rest(at_t, chosen, weighted=weights is not None).frame
            parts.append(part)
        table = pd.concat(parts, ignore_index=True)
        in_group = [
            code in chosen_at[t] for code, t in zip(panel["area_code"], panel["time"], strict=True)
        ]
    else:
        in_group = panel["area_code"].isin(members).tolist()
        table = stats.group_vs_rest(panel, members, weighted=weights is not None).frame
    table = table.rename(columns={"gap": "raw_gap"})
    table["gap"] = sign * table["raw_gap"]
    counts = panel.groupby("time")["area_code"].nunique()
    table["n_rest"] = table["time"].map(counts) - table["n_group"]
    periods = panel.drop_duplicates("time").set_index("time")["period"]
    table["period"] = table["time"].map(periods)
    table = table[["time", "period", "n_group", "n_rest", "group_mean", "rest_mean", "gap"]]

    overlap = _overlap_years(md.series(members[0], indicator))
    trend_rows = (
        table[table["time"].isin(_non_overlapping_times(table["time"], overlap))]
        if overlap
        else table
    )
    trend = stats.dispersion_trend(trend_rows["time"], trend_rows["gap"], statistic="group_gap")
    first, last = panel[panel["time"] == times[0]], panel[panel["time"] == times[-1]]
    if reranked:
        change = bootstrap_reranked_gap_change(
            first,
            last,
            select=select,
            higher_is_better=hib,
            size=size,
            share=share,
            weighted=weights is not None,
            n_boot=n_boot,
            seed=seed,
        )
    else:
        change = bootstrap_gap_change(
            first, last, set(members), sign, weighted=weights is not None, n_boot=n_boot, seed=seed
        )
    names = panel.drop_duplicates("area_code").set_index("area_code")["area_name"]
    result = GroupGap(
        members=members,
        names=[names.get(code, code) for code in members],
        select=select,
        selected_time=float(selected),
        table=table.reset_index(drop=True),
        trend=trend,
        change=change,
        panel=panel.assign(in_group=in_group),
        reranked=reranked,
    )
    _record(md, geography, findings, key, result, periods, decimals)
    return result


def _record(
    md, geography, findings: Findings, key: str, gg: GroupGap, periods, decimals=None
) -> None:
    unit = md.metric.unit
    # a difference between two percentages is in percentage points
    gap_unit = "percentage points" if unit.startswith("%") else unit
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    table = gg.table
    first, last = table.iloc[0], table.iloc[-1]
    findings.add(f"{key}.n-group", len(gg.members), statistic="n_areas", decimals=0, **common)
    findings.add(
        f"{key}.n-areas",
        int(last["n_group"] + last["n_rest"]),
        statistic="n_areas",
        decimals=0,
        **common,
    )
    for name, time in (
        ("selected", gg.selected_time),
        ("first", first["time"]),
        ("latest", last["time"]),
    ):
        period = periods.get(time, "")
        text = period_label(period) if period else "n/a"
        if name == "selected" and gg.reranked:
            text = "each period"
        findings.add(
            f"{key}.{name}-period",
            None,
            display=text,
            statistic="period",
            period=period,
            **common,
        )
    change = gg.change
    # evidence rule 3: the gap's first and latest values are those of its change, on the areas
    # observed in both periods (a balanced panel); the group and rest means are per period
    balanced = change is not None and change.n > 0 and np.isfinite(change.start_value)
    for column, label in (("group_mean", "group"), ("rest_mean", "rest"), ("gap", "gap")):
        ends = (
            ((change.start_value, change.n), (change.end_value, change.n))
            if column == "gap" and balanced
            else (
                (first[column], int(first["n_group"] + first["n_rest"])),
                (last[column], int(last["n_group"] + last["n_rest"])),
            )
        )
        for name, row, (value, n) in (("first", first, ends[0]), ("latest", last, ends[1])):
            findings.add(
                f"{key}.{label}-{name}",
                value,
                statistic=column,
                unit=gap_unit if column == "gap" else unit,
                period=row["period"],
                n=n,
                decimals=decimals,
                **common,
            )
    findings.add_estimate(
        f"{key}.gap-change",
        change,
        statistic="group_gap_change",
        verdict_key=f"{key}.gap-change-verdict",
        verdict_statistic="group_gap_change_verdict",
        verdict=gg.change_verdict,
        verdict_n=False,
        unit=gap_unit,
        display=_signed(change.estimate, unit),
        **common,
    )
    trend = gg.trend
    findings.add_estimate(
        f"{key}.gap-trend",
        trend,
        statistic="group_gap_trend",
        verdict_key=f"{key}.gap-trend-verdict",
        verdict_statistic="group_gap_trend_verdict",
        verdict=gg.trend_verdict,
        unit=gap_unit,
        display=_signed(trend.estimate, unit, per_year=True),
        **common,
    )
