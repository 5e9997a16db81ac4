"""Comparisons between places that several mission notebooks need.

* :func:`itl1_rows` — a metric's twelve ITL1 regions and nations (the annex's Mission 1 geography),
  whichever codes the source uses (``TLC``... or ``E12``/``W92``/``S92``/``N92``).
* :func:`group_totals` — totals of groups of areas per period (e.g. R&D inside and outside the
  Greater South East, annex footnote 76), never from an incomplete set of members.
* :func:`gap_to_leader` — the gap between a leading place (or group) and the others over time:
  absolute and relative, a trend test of the gap and a bootstrap test of its change between the
  first and the latest period. Used for "the gap between the top performing and other areas"
  (Missions 1, 3) and for the worst-performing third of areas against the rest (Missions 5, 6).
* :func:`group_series` — a group's mean per period as a series the trajectory functions take.
* :func:`change_since` — has the metric risen in every area since a baseline? Per-area change
  with its 95% interval from the published intervals.
* :func:`record_counts` — counts per category, zeros included, so a chapter can always quote them.

Every function records what it computes in a :class:`~levelup.findings.table.Findings` under the
key it is given.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.geography import ITL1, ITL1_NAMES
from levelup.data.periods import period_label
from levelup.findings.table import Findings, format_value
from levelup.stats import verdicts
from levelup.stats.distributions import norm_ppf
from levelup.stats.verdicts import CLOSING, FALLEN, NO_CHANGE, RISEN, WIDENING
from levelup.wording import number_or_none

#: The twelve ITL1 areas by GSS code (English regions E12, then the three nations).
ITL1_AREAS: dict[str, str] = {gss: ITL1_NAMES[tl] for gss, tl in ITL1.items()}
_TL_TO_GSS = {tl: gss for gss, tl in ITL1.items()}

CHANGE_CATEGORIES = (RISEN, FALLEN, NO_CHANGE)


def _slug(text: str) -> str:
    return text.replace(" ", "-")


def record_counts(
    labels: Iterable[str], findings: Findings, key: str, categories: Sequence[str], **common
) -> dict[str, int]:
    """Record ``<key>.<category>`` = how many labels fall in each category (zeros included) and
    ``<key>.n-areas``; returns the counts. Labels outside ``categories`` raise (a silent
    category would never be quoted)."""
    labels = list(labels)
    unknown = sorted(set(labels) - set(categories))
    if unknown:
        raise ValueError(f"{key}: labels {unknown} are not among the categories {list(categories)}")
    counts = {c: labels.count(c) for c in categories}
    findings.add(f"{key}.n-areas", len(labels), statistic="n_areas", decimals=0, **common)
    for category, count in counts.items():
        findings.add(
            f"{key}.{_slug(category)}",
            count,
            statistic=f"areas_{category}",
            decimals=0,
            display=number_or_none(count),  # "fallen in none", never "in 0"
            **common,
        )
    return counts


# -------------------------------------------------------------------------------------------
def itl1_rows(md, indicator: str | None = None) -> pd.DataFrame:
    """The metric's rows for the 12 ITL1 regions and nations, recoded to GSS codes.

    Sources publish ITL1 either with ITL codes (``TLC`` ... ``TLN``, e.g. GVA per hour) or with
    region and country codes (``E12000001`` ... ``N92000002``); both are returned with the GSS
    code in ``area_code``, the ITL1 name in ``area_name`` and the published code in
    ``source_code``. England-, UK- and other aggregate rows are dropped. Where a source has both
    codings for one area and period, the ITL coding is kept.
    """
    rows = md.rows(("itl1", "region", "country"), indicator).copy()
    rows["source_code"] = rows["area_code"]
    rows["area_code"] = rows["area_code"].replace(_TL_TO_GSS)
    rows = rows[rows["area_code"].isin(ITL1_AREAS)]
    rows = rows.assign(_itl=rows["geography"].eq("itl1")).sort_values(
        ["area_code", "time", "_itl"], ascending=[True, True, False]
    )
    rows = rows.drop_duplicates(["area_code", "period"]).drop(columns="_itl")
    rows["area_name"] = rows["area_code"].map(ITL1_AREAS)
    rows["geography"] = "itl1"
    return rows.reset_index(drop=True)


def with_rows(
    md, rows: pd.DataFrame, *, unit: str | None = None, datasets: list[str] | None = None
):
    """The same :class:`~levelup.metrics.analysis.MetricData` restricted to ``rows`` (e.g. the
    ITL1 rows of :func:`itl1_rows`), so the analysis functions see only those areas. ``unit``
    replaces the registry unit when the rows are in another one (e.g. counts behind a rate);
    ``datasets`` names the datasets the rows come from, for the source line."""
    md = dataclasses.replace(md, frame=rows.reset_index(drop=True))
    if datasets is not None:
        md = dataclasses.replace(md, datasets=list(datasets))
    if unit is not None:
        md = dataclasses.replace(md, metric=md.metric.model_copy(update={"unit": unit}))
    return md


def leading_area(panel: pd.DataFrame, *, higher_is_better: bool = True) -> str:
    """The area ranked best in the most periods (ties: the best in the latest of them): the
    "top performing area" of a mission whose annex does not name one."""
    panel = panel.dropna(subset=["value"])
    best = panel.loc[
        (
            panel.groupby("time")["value"].idxmax()
            if higher_is_better
            else panel.groupby("time")["value"].idxmin()
        )
    ].sort_values("time")
    counts = best["area_code"].value_counts()
    leaders = set(counts[counts == counts.max()].index)
    return best.loc[best["area_code"].isin(leaders), "area_code"].iat[-1]


# -------------------------------------------------------------------------------------------
def group_totals(
    rows: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Sum of each group's member areas in every period.

    ``groups`` maps a group code to its member area codes. A total is NaN (and ``complete`` is
    False) in a period where any member is missing, so a total never silently covers fewer
    areas. Columns: ``area_code`` (group code), ``area_name``, ``geography`` ("region_group"),
    ``indicator_id`` (the input's, when it has one), ``period``, ``period_start``,
    ``period_end``, ``time``, ``value``, ``lower_ci``/``upper_ci`` (NaN: no interval for a
    sum), ``n_members`` (present), ``n_expected``, ``complete``; so the totals can be appended
    to a metric's rows (:func:`with_rows`) and analysed like a published area.
    """
    indicators = rows["indicator_id"].unique() if "indicator_id" in rows else []
    indicator = indicators[0] if len(indicators) == 1 else ""
    names = names or {}
    out = []
    periods = (
        rows[["period", "period_start", "period_end", "time"]]
        .drop_duplicates("period")
        .sort_values("time")
    )
    for code, members in groups.items():
        members = list(dict.fromkeys(members))
        member_rows = rows[rows["area_code"].isin(members)].dropna(subset=["value"])
        summed = member_rows.groupby("period")["value"].agg(["sum", "count"])
        for period in periods.itertuples(index=False):
            present = int(summed["count"].get(period.period, 0))
            complete = present == len(members)
            out.append(
                {
                    "area_code": code,
                    "area_name": names.get(code, code),
                    "geography": "region_group",
                    "indicator_id": indicator,
                    "period": period.period,
                    "period_start": period.period_start,
                    "period_end": period.period_end,
                    "time": period.time,
                    "value": float(summed["sum"][period.period]) if complete else np.nan,
                    "lower_ci": np.nan,
                    "upper_ci": np.nan,
                    "n_members": present,
                    "n_expected": len(members),
                    "complete": complete,
                }
            )
    return pd.DataFrame(out)


# -------------------------------------------------------------------------------------------
@dataclass
class GapSummary:
    """The gap between a leading place (or group) and the others, per period and its tests.

    ``table``: ``time``, ``period``, ``n_group``, ``n_rest``, ``group_value``, ``rest_value``,
    ``leader_value``, ``lagger_value``, ``gap`` (how far the leader is ahead, in the metric's
    unit; positive = ahead in the good direction) and ``relative`` (the same as % of the
    lagging side). ``trend``: OLS (HAC) trend of the measure used, verdict "closing" /
    "widening" / "no significant change" / "insufficient data". ``change``: bootstrap test of
    the change of the measure between the first and the latest period.
    """

    table: pd.DataFrame
    members: list[str]
    measure: str
    trend: stats.TrendResult
    change: stats.DispersionChange | None
    leader: str


def _centre(x: np.ndarray, stat: str, weights: np.ndarray | None = None) -> np.ndarray:
    """Mean or median along the last axis, ignoring NaN (weighted mean with ``weights``)."""
    if stat == "median":
        return np.nanmedian(x, axis=-1)
    if weights is None:
        return np.nanmean(x, axis=-1)
    w = np.where(np.isfinite(x), weights, 0.0)
    return np.nansum(w * np.nan_to_num(x), axis=-1) / w.sum(axis=-1)


def _distance(group, rest, *, leader: str, higher_is_better: bool):
    """(gap, relative %): how far the leader is ahead, in units and as % of the lagging side."""
    group, rest = np.asarray(group, float), np.asarray(rest, float)
    lead, lag = (group, rest) if leader == "group" else (rest, group)
    gap = (lead - lag) if higher_is_better else (lag - lead)
    with np.errstate(invalid="ignore", divide="ignore"):
        relative = 100 * gap / lag if higher_is_better else 100 * gap / lead
    # lower is better: the lagger's value is higher; relative = how much higher, % of the leader
    return gap, relative


def _verdict(verdict: str) -> str:
    return {stats.convergence.CONVERGING: CLOSING, stats.convergence.DIVERGING: WIDENING}.get(
        verdict, verdict
    )


def bootstrap_gap_change(
    panel: pd.DataFrame,
    members: Iterable[str],
    start: float,
    end: float,
    *,
    leader: str = "group",
    higher_is_better: bool = True,
    measure: str = "absolute",
    stat: str = "mean",
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
) -> stats.DispersionChange:
    """Did the gap between a group of areas and the rest close between two periods?

    Areas observed in both periods are resampled with replacement within the group and within
    the rest separately (stratified), the same draw in both periods (paired); the change of the
    gap (``measure`` "absolute" or "relative", as in :class:`GapSummary`) is recomputed in each
    of ``n_boot`` replicates. Percentile interval; two-sided p = 2 min(P(D* <= 0), P(D* >= 0));
    verdict "closing" when the interval lies below 0, "widening" above, "no significant change"
    otherwise, "insufficient data" with fewer than :data:`levelup.stats.MIN_AREAS_BOOTSTRAP`
    areas in all. The published sampling error of each area's estimate is not resampled, so the
    test asks whether the change would hold for another draw of comparable areas.

    Reference: Efron, B. & Tibshirani, R. (1993) An Introduction to the Bootstrap, ch. 6
    (stratified two-sample bootstrap).
    """
    members = set(members)
    t = panel["time"].to_numpy(float)
    at_start = panel[np.isclose(t, start) & panel["value"].notna()].set_index("area_code")["value"]
    at_end = panel[np.isclose(t, end) & panel["value"].notna()].set_index("area_code")["value"]
    common = at_start.index.intersection(at_end.index)
    a, b = at_start[common].to_numpy(float), at_end[common].to_numpy(float)
    inside = np.asarray([c in members for c in common])
    column = 1 if measure == "relative" else 0
    method = (
        f"stratified paired bootstrap over areas ({n_boot} draws, seed {seed}), "
        f"{100 * (1 - alpha):g}% percentile CI of the change in the {measure} gap ({stat}s)"
    )

    def gap_of(x_group, x_rest):
        return _distance(
            _centre(x_group, stat),
            _centre(x_rest, stat),
            leader=leader,
            higher_is_better=higher_is_better,
        )[column]

    n_g, n_r = int(inside.sum()), int((~inside).sum())
    start_value = float(gap_of(a[inside], a[~inside])) if n_g and n_r else np.nan
    end_value = float(gap_of(b[inside], b[~inside])) if n_g and n_r else np.nan
    result = stats.DispersionChange(
        statistic=f"{measure}_gap_change",
        estimate=end_value - start_value,
        start_value=start_value,
        end_value=end_value,
        n=n_g + n_r,
        method=method,
        time_start=float(start),
        time_end=float(end),
    )
    if n_g == 0 or n_r == 0 or n_g + n_r < stats.MIN_AREAS_BOOTSTRAP:
        return result
    rng = np.random.default_rng(seed)
    ig = rng.integers(0, n_g, size=(n_boot, n_g))
    ir = rng.integers(0, n_r, size=(n_boot, n_r))
    ag, ar, bg, br = a[inside], a[~inside], b[inside], b[~inside]
    draws = gap_of(bg[ig], br[ir]) - gap_of(ag[ig], ar[ir])
    draws = draws[np.isfinite(draws)]
    lower, upper = np.quantile(draws, [alpha / 2, 1 - alpha / 2])
    p = min(1.0, 2 * min((draws <= 0).mean(), (draws >= 0).mean()))
    verdict = CLOSING if upper < 0 else WIDENING if lower > 0 else NO_CHANGE
    return dataclasses.replace(
        result, lower=float(lower), upper=float(upper), p_value=float(p), verdict=verdict
    )


_GAP_COLUMNS = [
    "time",
    "period",
    "n_group",
    "n_rest",
    "group_value",
    "rest_value",
    "leader_value",
    "lagger_value",
    "gap",
    "relative",
]


def _gap_row(time, at, inside, weighted, stat, *, leader, hib) -> dict:
    """One period's group and rest centres and the gap between them (a row of the gap table)."""
    g, r = at[inside.loc[at.index]], at[~inside.loc[at.index]]
    wg = g["weight"].to_numpy(float) if weighted else None
    wr = r["weight"].to_numpy(float) if weighted else None
    gv = float(_centre(g["value"].to_numpy(float), stat, wg)) if len(g) else np.nan
    rv = float(_centre(r["value"].to_numpy(float), stat, wr)) if len(r) else np.nan
    gap, rel = _distance(gv, rv, leader=leader, higher_is_better=hib)
    return {
        "time": time,
        "period": at["period"].iat[0] if "period" in at else str(time),
        "n_group": len(g),
        "n_rest": len(r),
        "group_value": gv,
        "rest_value": rv,
        "leader_value": gv if leader == "group" else rv,
        "lagger_value": rv if leader == "group" else gv,
        "gap": float(gap),
        "relative": float(rel),
    }


def gap_to_leader(
    panel: pd.DataFrame,
    members: Iterable[str],
    findings: Findings,
    key: str,
    *,
    leader: str = "group",
    higher_is_better: bool = True,
    measure: str = "absolute",
    stat: str = "mean",
    unit: str = "",
    metric: str = "",
    since: float | None = None,
    weighted: bool = False,
    n_boot: int = 1000,
    seed: int = 0,
) -> GapSummary:
    """The gap between a group of areas (``members``: one top area, or e.g. the worst third)
    and all other areas of ``panel``, per period, with two tests of whether it is closing.

    ``leader`` says which side is ahead: ``"group"`` (London against the other regions) or
    ``"rest"`` (the others against the worst-performing third). The gap is the leader's
    value minus the lagger's in the metric's good direction (so positive = the leader is ahead,
    for lower-is-better metrics too); ``relative`` expresses it as a percentage of the lagging
    side (lower-is-better: of the leader), which does not move with the price level, so it is
    the measure for nominal money series. ``measure`` picks which one the verdicts use.
    ``stat`` is the group summary: ``"mean"`` (population weighted with ``weighted`` and a
    ``weight`` column) or ``"median"``. ``since`` drops earlier periods.

    Tests: OLS trend of the gap with Newey-West errors (:func:`levelup.stats.dispersion_trend`,
    5+ periods) and a stratified paired bootstrap of its change from the first to the latest
    period (:func:`bootstrap_gap_change`, 10+ areas).

    Records ``<key>.``: ``first-period``/``latest-period``, ``group-first``/``group-latest``,
    ``rest-first``/``rest-latest``,
    ``gap-first``/``gap-latest``, ``relative-first``/``relative-latest`` (%; these four on the
    areas observed in both periods, with that number as ``n``: evidence rule 3), ``trend`` (slope of
    the measure per year, CI), ``verdict`` (trend), ``change`` (bootstrap CI), ``change-verdict``,
    ``n-group``, ``n-rest``.
    """
    members = list(dict.fromkeys(members))
    panel = panel.dropna(subset=["value"])
    if since is not None:
        panel = panel[panel["time"] >= since - 1e-9]
    inside = panel["area_code"].isin(members)
    rows = []
    for time, at in panel.groupby("time", sort=True):
        rows.append(_gap_row(time, at, inside, weighted, stat, leader=leader, hib=higher_is_better))
    table = pd.DataFrame(rows, columns=_GAP_COLUMNS)
    # evidence rule 3: the first and latest gaps quoted with their change are on the areas
    # observed in both periods
    ends = table.iloc[0:0]
    if len(table) >= 2:
        t0, t1 = table["time"].iat[0], table["time"].iat[-1]
        both = set(panel.loc[panel["time"] == t0, "area_code"]) & set(
            panel.loc[panel["time"] == t1, "area_code"]
        )
        balanced = panel[panel["area_code"].isin(both)]
        ends = pd.DataFrame(
            [
                _gap_row(
                    t,
                    balanced[balanced["time"] == t],
                    inside,
                    weighted,
                    stat,
                    leader=leader,
                    hib=higher_is_better,
                )
                for t in (t0, t1)
            ],
            columns=_GAP_COLUMNS,
        )
    column = "relative" if measure == "relative" else "gap"
    trend = stats.dispersion_trend(
        table["time"].to_numpy(float), table[column].to_numpy(float), statistic=f"{column}_gap"
    )
    trend = dataclasses.replace(trend, verdict=_verdict(trend.verdict))
    change = None
    if len(table) >= 2:
        change = bootstrap_gap_change(
            panel,
            members,
            float(table["time"].iat[0]),
            float(table["time"].iat[-1]),
            leader=leader,
            higher_is_better=higher_is_better,
            measure=measure,
            stat=stat,
            n_boot=n_boot,
            seed=seed,
        )
    common = {"metric": metric}
    gap_unit = "percentage points" if unit.startswith("%") else unit
    if len(table):
        first, last = (ends.iloc[0], ends.iloc[1]) if len(ends) else (table.iloc[0], table.iloc[-1])
        for name, row in (("first", first), ("latest", last)):
            findings.add(
                f"{key}.{name}-period",
                None,
                display=period_label(row["period"]),
                statistic="period",
                period=str(row["period"]),
                **common,
            )
            n_areas = int(row["n_group"] + row["n_rest"])
            findings.add(
                f"{key}.gap-{name}",
                row["gap"],
                statistic="gap_to_leader",
                unit=gap_unit,
                period=str(row["period"]),
                n=n_areas,
                **common,
            )
            findings.add(
                f"{key}.relative-{name}",
                row["relative"],
                statistic="relative_gap_to_leader",
                unit="%",
                period=str(row["period"]),
                n=n_areas,
                **common,
            )
        for name, row in (("first", first), ("latest", last)):
            for side in ("group", "rest"):
                findings.add(
                    f"{key}.{side}-{name}",
                    row[f"{side}_value"],
                    statistic=f"{side}_{stat}",
                    unit=unit,
                    period=str(row["period"]),
                    **common,
                )
        latest = table.iloc[-1]  # the areas of the latest period
        findings.add(f"{key}.n-group", latest["n_group"], statistic="n_areas", decimals=0, **common)
        findings.add(f"{key}.n-rest", latest["n_rest"], statistic="n_areas", decimals=0, **common)
    trend_unit = "percentage points" if column == "relative" else gap_unit
    findings.add_estimate(
        f"{key}.trend",
        trend,
        statistic=f"{column}_gap_trend",
        verdict_key=f"{key}.verdict",
        verdict_statistic="gap_trend_verdict",
        unit=trend_unit,
        display=_per_year(trend.estimate, trend_unit),
        **common,
    )
    if change is not None:
        findings.add_estimate(
            f"{key}.change",
            change,
            statistic=change.statistic,
            verdict_key=f"{key}.change-verdict",
            verdict_statistic="gap_change_verdict",
            unit=trend_unit,
            display=signed(change.estimate, trend_unit),
            **common,
        )
    return GapSummary(table, members, measure, trend, change, leader)


def signed(value: float, unit: str, *, short: bool = False) -> str:
    """A change as a chapter prints it: ``+£4.2``, ``−1.3 percentage points`` (``−1.3 pp`` with
    ``short``, for table cells), ``n/a``."""
    if value is None or not np.isfinite(value):
        return "n/a"
    if short and (unit.startswith("%") or unit == "percentage points"):
        text = f"{abs(value):.1f} pp"
    elif short and unit.startswith("£"):
        text = format_value(abs(value), "£")
    else:
        text = format_value(abs(value), "percentage points" if unit.startswith("%") else unit)
    return ("+" if value > 0 else "−" if value < 0 else "±") + text


def _signed_pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{value:+.1f}%".replace("-", "−")


def _per_year(value: float, unit: str) -> str:
    text = signed(value, unit)
    return text if text == "n/a" else f"{text} a year"


def group_series(
    summary: GapSummary, which: str = "group", *, code: str = "group", name: str = "group"
) -> pd.DataFrame:
    """The group's (or the rest's) value per period as a one-area series in the canonical
    layout (no intervals), for :func:`levelup.metrics.analysis.trajectory`'s ``series``."""
    from levelup.data.periods import parse_period

    table = summary.table
    parsed = [parse_period(p) for p in table["period"]]
    return pd.DataFrame(
        {
            "area_code": code,
            "area_name": name,
            "period": table["period"].to_numpy(),
            "period_start": pd.to_datetime([p.start for p in parsed]),
            "period_end": pd.to_datetime([p.end for p in parsed]),
            "time": table["time"].to_numpy(float),
            "value": table[f"{which}_value"].to_numpy(float),
            "lower_ci": np.nan,
            "upper_ci": np.nan,
        }
    )


# -------------------------------------------------------------------------------------------
def change_since(
    panel: pd.DataFrame,
    baseline: float,
    findings: Findings,
    key: str,
    *,
    unit: str = "",
    metric: str = "",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Has the value risen in each area since ``baseline`` (a decimal year)?

    For every area: its first observation at or after ``baseline`` and its latest one, the
    change, and a 95% interval of the change from the published intervals (SE = CI width /
    (2 x 1.96), the two estimates treated as independent). ``category``: "risen" / "fallen"
    when the interval excludes 0, else "no significant change"; without published intervals
    the point change decides and ``tested`` is False. Records ``<key>.n-areas``,
    ``<key>.risen``/``.fallen``/``.no-significant-change`` (zeros included),
    ``<key>.baseline-period``, ``<key>.latest-period`` and ``<key>.tested`` ("yes"/"no").
    """
    panel = panel.dropna(subset=["value"]).sort_values("time")
    after = panel[panel["time"] >= baseline - 1e-9]
    first = after.groupby("area_code").head(1).set_index("area_code")
    last = panel.groupby("area_code").tail(1).set_index("area_code")
    codes = first.index.intersection(last.index)
    first, last = first.loc[codes], last.loc[codes]
    keep = last["time"].to_numpy() > first["time"].to_numpy()
    first, last = first[keep], last[keep]
    out = pd.DataFrame(
        {
            "area_code": first.index,
            "area_name": last["area_name"].to_numpy(),
            "baseline_period": first["period"].to_numpy(),
            "baseline": first["value"].to_numpy(float),
            "latest_period": last["period"].to_numpy(),
            "latest": last["value"].to_numpy(float),
        }
    )
    out["change"] = out["latest"] - out["baseline"]
    se = np.full(len(out), np.nan)
    if {"lower_ci", "upper_ci"} <= set(panel.columns):
        se_b = stats.se_from_ci(
            first["lower_ci"].to_numpy(float), first["upper_ci"].to_numpy(float)
        )
        se_l = stats.se_from_ci(last["lower_ci"].to_numpy(float), last["upper_ci"].to_numpy(float))
        se = np.sqrt(se_b**2 + se_l**2)
    z = norm_ppf(1 - alpha / 2)
    out["lower"], out["upper"] = out["change"] - z * se, out["change"] + z * se
    out["tested"] = np.isfinite(se) & (se > 0)
    out["category"] = np.select(
        [
            out["tested"] & (out["lower"] > 0),
            out["tested"] & (out["upper"] < 0),
            out["tested"],
            out["change"] > 0,
            out["change"] < 0,
        ],
        [RISEN, FALLEN, NO_CHANGE, RISEN, FALLEN],
        NO_CHANGE,
    )
    common = {"metric": metric, "unit": ""}
    record_counts(out["category"], findings, key, CHANGE_CATEGORIES, **common)
    if len(out):
        findings.add(
            f"{key}.baseline-period",
            None,
            display=period_label(out["baseline_period"].iat[0]),
            statistic="period",
            metric=metric,
        )
        findings.add(
            f"{key}.latest-period",
            None,
            display=period_label(out["latest_period"].iat[0]),
            statistic="period",
            metric=metric,
        )
    findings.add(
        f"{key}.tested",
        None,
        display="yes" if len(out) and out["tested"].all() else "no",
        statistic="change_tested",
        method="z-test of the change, SEs from published 95% CIs"
        if len(out) and out["tested"].all()
        else "point estimates (no published intervals)",
        metric=metric,
    )
    return out


# -------------------------------------------------------------------------------------------
@dataclass
class GapProjection:
    """A gap's linear projection to the target year against its baseline level."""

    observed: pd.DataFrame  # time, value
    linear: pd.DataFrame  # time, estimate, lower, upper (yearly to the target year)
    baseline_time: float
    baseline_value: float
    projection: stats.ProjectionResult
    verdict: str


def project_gap(
    summary: GapSummary,
    findings: Findings,
    key: str,
    *,
    baseline: float,
    target_year: int = 2030,
    metric: str = "",
    unit: str = "",
) -> GapProjection:
    """Will the gap be narrower in ``target_year`` than at ``baseline`` if its linear trend
    continues? The mission's "gap closing" as a projection: OLS line through the gap measure
    (all observed periods), projected to the middle of ``target_year`` with its 95% prediction
    interval, against the gap at the first period at or after ``baseline``.

    Records ``<key>.baseline`` (the gap then), ``<key>.projected`` (value with PI) and
    ``<key>.projection-verdict``: "narrower than at the baseline" when the whole prediction
    interval lies below the baseline gap, "wider than at the baseline" when it lies above,
    otherwise "not distinguishable from the baseline"; "insufficient data" below
    :data:`levelup.stats.MIN_N_PROJECTION` periods.
    """
    column = "relative" if summary.measure == "relative" else "gap"
    table = summary.table.dropna(subset=[column])
    observed = table[["time", column]].rename(columns={column: "value"})
    at = table[table["time"] >= baseline - 1e-9]
    base_time = float(at["time"].iat[0]) if len(at) else np.nan
    base_value = float(at[column].iat[0]) if len(at) else np.nan
    end = target_year + 0.5
    spec = stats.TargetSpec(
        direction="decrease",
        baseline_year=base_time if np.isfinite(base_time) else end - 1,
        target_year=end,
        target_level=base_value if np.isfinite(base_value) else 0.0,
    )
    projection = stats.project_to_target(table["time"], table[column], spec, method="linear")
    rows = []
    if len(table):
        for t in np.arange(np.floor(table["time"].iat[-1]) + 1.5, end + 0.01, 1.0):
            point = dataclasses.replace(spec, target_year=float(t))
            p = stats.project_to_target(table["time"], table[column], point, method="linear")
            rows.append({"time": t, "estimate": p.estimate, "lower": p.lower, "upper": p.upper})
    linear = pd.DataFrame(rows, columns=["time", "estimate", "lower", "upper"]).dropna(
        subset=["estimate"]
    )
    unit = "percentage points" if unit.startswith("%") else unit
    if projection.n < stats.MIN_N_PROJECTION:
        verdict = stats.INSUFFICIENT
    elif projection.note:  # evidence rule 4
        verdict = verdicts.TOO_UNCERTAIN
    elif not np.isfinite(projection.lower):
        verdict = stats.INSUFFICIENT
    elif projection.upper < base_value:
        verdict = verdicts.NARROWER_THAN_BASELINE
    elif projection.lower > base_value:
        verdict = verdicts.WIDER_THAN_BASELINE
    else:
        verdict = verdicts.NOT_DISTINGUISHABLE
    value_unit = "%" if column == "relative" else unit
    findings.add(
        f"{key}.baseline",
        base_value,
        statistic="gap_at_baseline",
        unit=value_unit,
        metric=metric,
        period=str(base_time),
    )
    findings.add(
        f"{key}.projected",
        projection.estimate,
        lower=None if not np.isfinite(projection.lower) else projection.lower,
        upper=None if not np.isfinite(projection.upper) else projection.upper,
        statistic="gap_projection_linear",
        unit=value_unit,
        metric=metric,
        period=str(target_year),
        n=projection.n,
        method=projection.method + (f"; {projection.note}" if projection.note else ""),
        display=verdicts.TOO_UNCERTAIN if projection.note else None,
    )
    findings.add(
        f"{key}.projection-verdict",
        None,
        display=verdict,
        statistic="gap_projection_verdict",
        metric=metric,
        method=projection.method,
    )
    return GapProjection(observed, linear, base_time, base_value, projection, verdict)


def required_path(
    baseline_time: float,
    baseline_value: float,
    target_level: float,
    target_time: float,
    n: int = 12,
) -> pd.DataFrame:
    """The constant-growth path from a baseline to a target level (``time``, ``value``), as the
    trajectory charts draw it; empty when the growth rate is undefined (non-positive ratio)."""
    rate = float(
        stats.required_growth_rate(baseline_value, target_level, baseline_time, target_time)
    )
    if not np.isfinite(rate):
        return pd.DataFrame(columns=["time", "value"])
    span = np.linspace(baseline_time, target_time, n)
    return pd.DataFrame(
        {"time": span, "value": baseline_value * (1 + rate) ** (span - baseline_time)}
    )


# -------------------------------------------------------------------------------------------
@dataclass
class GrowthComparison:
    """Average growth of a group of areas against the other areas between two periods."""

    group_growth: float  # %: exp(mean log growth) - 1 over the group's areas
    rest_growth: float
    difference: float  # percentage points, group - rest
    lower: float
    upper: float
    verdict: str
    n_group: int
    n_rest: int
    start: float
    end: float


def growth_difference(
    panel: pd.DataFrame,
    members: Iterable[str],
    findings: Findings,
    key: str,
    *,
    start: float | None = None,
    end: float | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    alpha: float = 0.05,
    metric: str = "",
) -> GrowthComparison:
    """Did the areas of a group grow faster than the others between ``start`` and ``end``
    (default: the first and latest periods)?

    Each area's growth is log(end / start), so the comparison does not depend on the areas'
    sizes and works for counts and for rates alike. Group growth is exp(mean log growth) - 1 (in
    %); the difference (group - rest, percentage points) gets a stratified bootstrap interval
    (areas resampled within the group and within the rest, ``n_boot`` draws). Verdict "faster in
    the group" / "slower in the group" when the interval excludes 0, else "no significant
    difference"; "insufficient data" below :data:`levelup.stats.MIN_AREAS_BOOTSTRAP` areas.
    Records ``<key>.group-growth``, ``.rest-growth``, ``.difference``, ``.verdict``,
    ``.n-group``, ``.n-rest``, ``.first-period``, ``.latest-period``.
    """
    members = set(members)
    panel = panel.dropna(subset=["value"])
    times = sorted(panel["time"].unique())
    start = times[0] if start is None else start
    end = times[-1] if end is None else end
    t = panel["time"].to_numpy(float)
    a = panel[np.isclose(t, start)].set_index("area_code")["value"]
    b = panel[np.isclose(t, end)].set_index("area_code")["value"]
    common = a.index.intersection(b.index)
    common = common[(a[common] > 0).to_numpy() & (b[common] > 0).to_numpy()]
    growth = np.log(b[common].to_numpy(float) / a[common].to_numpy(float))
    inside = np.asarray([c in members for c in common])
    g, r = growth[inside], growth[~inside]

    def pct(x):
        return 100 * np.expm1(x)

    group_growth = float(pct(g.mean())) if len(g) else np.nan
    rest_growth = float(pct(r.mean())) if len(r) else np.nan
    difference = group_growth - rest_growth
    lower = upper = np.nan
    verdict = stats.INSUFFICIENT
    if len(g) and len(r) and len(g) + len(r) >= stats.MIN_AREAS_BOOTSTRAP:
        rng = np.random.default_rng(seed)
        dg = pct(g[rng.integers(0, len(g), (n_boot, len(g)))].mean(axis=1))
        dr = pct(r[rng.integers(0, len(r), (n_boot, len(r)))].mean(axis=1))
        lower, upper = np.quantile(dg - dr, [alpha / 2, 1 - alpha / 2])
        verdict = (
            verdicts.FASTER_IN_GROUP
            if lower > 0
            else verdicts.SLOWER_IN_GROUP
            if upper < 0
            else verdicts.NO_SIGNIFICANT_DIFFERENCE
        )
    method = (
        f"difference in mean log growth, stratified bootstrap over areas ({n_boot} draws, seed {seed}), "
        f"{100 * (1 - alpha):g}% percentile CI"
    )
    periods = panel.drop_duplicates("time").set_index("time")["period"]
    common_rows = {"metric": metric}
    for name, value in (("group-growth", group_growth), ("rest-growth", rest_growth)):
        findings.add(
            f"{key}.{name}",
            value,
            unit="%",
            statistic=name.replace("-", "_"),
            display=_signed_pct(value),
            **common_rows,
        )
    findings.add(
        f"{key}.difference",
        difference,
        lower=None if not np.isfinite(lower) else float(lower),
        upper=None if not np.isfinite(upper) else float(upper),
        unit="percentage points",
        statistic="growth_difference",
        method=method,
        display=signed(difference, "percentage points"),
        n=len(g) + len(r),
        **common_rows,
    )
    findings.add(
        f"{key}.verdict",
        None,
        display=verdict,
        statistic="growth_difference_verdict",
        method=method,
        **common_rows,
    )
    findings.add(f"{key}.n-group", len(g), statistic="n_areas", decimals=0, **common_rows)
    findings.add(f"{key}.n-rest", len(r), statistic="n_areas", decimals=0, **common_rows)
    for name, time in (("first", start), ("latest", end)):
        label = periods.get(time, str(time))
        findings.add(
            f"{key}.{name}-period",
            None,
            display=period_label(label),
            statistic="period",
            **common_rows,
        )
    return GrowthComparison(
        group_growth,
        rest_growth,
        difference,
        float(lower),
        float(upper),
        verdict,
        len(g),
        len(r),
        float(start),
        float(end),
    )
