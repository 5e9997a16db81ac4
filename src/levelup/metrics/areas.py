"""Area profiles: every mission metric with local data, for every lower-tier local authority.

:func:`metric_areas` turns one metric into one row per local authority of the edition's
boundary set (the 361 of the UK panel): the latest value and its period, its rank and tenth
among the areas published for that period (the comparison set is stated in the row), the change
since the first period with the trend verdict of the statistics engine (the same evidence rules
as the chapters: :func:`levelup.stats.panel_trends` on non-overlapping periods, read through the
metric's polarity), the gap to the UK (else England) in the same period, and, where the mission
has an ambition for every area (:data:`EVERY_AREA`), the area's status on the report's scale
(:func:`levelup.metrics.analysis.area_statuses`).

Metrics published for upper-tier authorities only in England's two-tier areas (healthy life
expectancy, KS2, ...) give each district its county's figure, ranked among upper-tier
authorities; the row names the county (``source_area``).

:func:`similar_areas` finds each area's nearest neighbours on standardised headline metrics and
:func:`summary_text` writes a profile's opening paragraph. Each row carries its provenance
(``source``: the publishers, ``method``), so every number on a profile page is a row of the
per-area findings table the profiles notebook writes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.geography import Geography
from levelup.data.periods import period_label
from levelup.findings.table import format_value
from levelup.metrics import status as S
from levelup.metrics.analysis import (
    MetricData,
    _signed,
    area_statuses,
    direction_verdict,
    is_share_unit,
    period_years,
)
from levelup.stats.verdicts import IMPROVING, INSUFFICIENT, NO_CHANGE, WORSENING
from levelup.wording import count, join_names, number_or_none

#: Metrics whose mission sets an ambition for every area, so each area has a progress status:
#: pay, employment and productivity "risen in every area of the UK" (Mission 1); "nationwide"
#: gigabit and 4G (Mission 4); 90% of children at the expected standard at KS2 (Mission 5, read
#: for each area); healthy life expectancy up five years (Mission 7, each area against its own
#: 2017-19 level); well-being "improved in every area" (Mission 8); first-time buyers
#: "increasing in all areas" (Mission 10).
EVERY_AREA = (
    "m01-gva-per-hour",
    "m01-median-weekly-pay",
    "m01-employment-rate",
    "m04-gigabit",
    "m04-4g-coverage",
    "m05-ks2-rwm",
    "m07-hle",
    "m08-life-satisfaction",
    "m08-worthwhile",
    "m08-happiness",
    "m08-anxiety",
    "m10-first-time-buyers",
)

#: Headline metrics the similar-areas search compares (near-complete coverage of the 361 areas,
#: one per theme: productivity, pay, work, broadband, well-being, housing).
SIMILARITY_METRICS = (
    "m01-gva-per-hour",
    "m01-median-weekly-pay",
    "m01-employment-rate",
    "m04-gigabit",
    "m08-life-satisfaction",
    "m10-first-time-buyers",
)
N_SIMILAR = 5
#: Fewest similarity metrics two areas must share to be compared.
MIN_SHARED = 4

NATIONAL = ("K02000001", "E92000001")
_NATIONS = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}

PROFILE_COLUMNS = [
    "area_code",
    "area_name",
    "region_code",
    "region_name",
    "country_name",
    "metric",
    "metric_title",
    "missions",
    "role",
    "indicator",
    "unit",
    "polarity",
    "level",
    "source_area",
    "source_area_name",
    "latest_value",
    "latest_lower",
    "latest_upper",
    "latest_period",
    "latest_period_label",
    "latest_display",
    "first_value",
    "first_period_label",
    "change",
    "change_display",
    "n_periods",
    "trend_slope",
    "trend_verdict",
    "rank",
    "n_compared",
    "tenth",
    "comparison_set",
    "national_code",
    "national_name",
    "national_value",
    "gap",
    "gap_display",
    "every_area_target",
    "progress_verdict",
    "progress_status",
    "source",
]
#: One row per metric: how its profile rows were computed.
METRIC_COLUMNS = ["metric", "metric_title", "unit", "comparison_set", "method", "source"]


def comparison_set(n: int, level: str, countries: list[str]) -> str:
    """'361 local authorities in the UK', '151 upper-tier authorities in England'."""
    names = [_NATIONS[c] for c in _NATIONS if c in countries]
    if len(names) == 4:
        where = "the UK"
    elif names == ["England", "Wales", "Scotland"]:
        where = "Great Britain"
    else:
        where = join_names(names) if names else "the UK"
    noun = ("local authority", "local authorities")
    if level == "utla":
        noun = ("upper-tier authority", "upper-tier authorities")
    return f"{count(n, *noun)} in {where}"


def _units(md: MetricData, geo: Geography, indicator: str | None) -> tuple[str, pd.DataFrame]:
    """The level the metric is ranked at (``lad`` or ``utla``) and its rows at that level."""
    rows = md.rows(indicator=indicator).dropna(subset=["value"])
    h = geo.hierarchy
    lads = set(h["lad_code"])
    if (rows["geography"] == "non_metropolitan_district").any():
        return "lad", rows[rows["area_code"].isin(lads)]
    utlas = set(h["utla_code"])
    local = rows[rows["area_code"].isin(utlas)]
    if (local["geography"] == "county").any():
        return "utla", local
    return "lad", rows[rows["area_code"].isin(lads)]


def metric_areas(md: MetricData, geo: Geography, *, indicator: str | None = None) -> pd.DataFrame:
    """One row per lower-tier local authority for one metric (columns :data:`PROFILE_COLUMNS`);
    empty when the metric has no local data."""
    level, rows = _units(md, geo, indicator)
    if rows.empty:
        return pd.DataFrame(columns=PROFILE_COLUMNS)
    unit = md.unit_of(indicator)
    hib = md.higher_is_better
    rows = rows.sort_values(["area_code", "time"])
    latest_time = rows["time"].max()
    last = rows.groupby("area_code").tail(1).set_index("area_code")
    first = rows.groupby("area_code").head(1).set_index("area_code")
    n_periods = rows.groupby("area_code")["time"].nunique()
    # rank among the units published for the latest period (1 = best by the metric's polarity)
    current = last[np.isclose(last["time"], latest_time)]["value"]
    ranks = current.rank(ascending=hib is False, method="min")
    n = len(current)
    tenths = np.ceil(10 * ranks / n).astype(int)
    h = geo.hierarchy
    unit_column = "lad_code" if level == "lad" else "utla_code"
    countries = sorted(set(h.loc[h[unit_column].isin(current.index), "country_code"]))
    compared = comparison_set(n, level, countries)
    # trend: the engine's panel trends on non-overlapping periods, read through the polarity
    lengths = period_years(rows)
    overlap = float(lengths.max()) if len(lengths) and lengths.max() > 1.01 else None
    trends = stats.panel_trends(rows, period_years=overlap).frame.set_index("area_code")
    # national comparator in each area's latest period
    all_rows = md.rows(indicator=indicator).dropna(subset=["value"])
    national: dict[str, tuple[str, float]] = {}
    for code in reversed(NATIONAL):  # the UK's value replaces England's where both exist
        for period, value in all_rows.loc[
            all_rows["area_code"] == code, ["period", "value"]
        ].itertuples(index=False):
            national[period] = (code, float(value))
    statuses = pd.DataFrame()
    every = md.metric.id in EVERY_AREA and md.metric.target is not None
    applies = md.target_applies(indicator)
    if every:
        statuses = area_statuses(md, rows, indicator=indicator).set_index("area_code")
    money = md.metric.unit.strip().startswith("£")
    source = md.source_line()
    latest_label = period_label(rows.loc[rows["time"] == latest_time, "period"].iat[0])
    method = (
        f"rank among the {compared} published for {latest_label} (1 = best); trend: OLS slope "
        "per year with Newey-West errors on non-overlapping periods, read through the metric's "
        "direction; gap: latest value minus the UK's (else England's) in the same period"
        + (", as a percentage of it" if money else "")
    )
    last_rows = last.to_dict("index")
    first_rows = first.to_dict("index")
    trend_rows = trends.to_dict("index")
    n_periods = n_periods.to_dict()
    ranks, tenths = ranks.to_dict(), tenths.to_dict()
    status_of = statuses["status"].to_dict() if every else {}
    indicator_id = indicator or md.indicators()[0]
    out = []
    for lad in h.itertuples(index=False):
        unit_code = lad.lad_code if level == "lad" else lad.utla_code
        base = {
            "area_code": lad.lad_code,
            "area_name": lad.lad_name,
            "region_code": lad.region_code,
            "region_name": lad.region_name,
            "country_name": lad.country_name,
            "metric": md.metric.id,
            "metric_title": md.title,
            "missions": " ".join(str(m) for m in md.metric.missions),
            "role": md.metric.role,
            "indicator": indicator_id,
            "unit": unit,
            "polarity": md.metric.polarity,
            "level": level,
            "source_area": unit_code if unit_code != lad.lad_code else "",
            "source_area_name": (lad.utla_name if unit_code != lad.lad_code else ""),
            "every_area_target": every,
            "source": source,
            "comparison_set": compared,
            "n_compared": n,
        }
        if unit_code not in last_rows:
            out.append(
                {
                    **base,
                    "latest_display": "no data",
                    "trend_verdict": "",
                    "progress_status": S.NOT_ASSESSABLE if every else "",
                    "progress_verdict": "not assessable: no data" if every else "",
                }
            )
            continue
        latest, start = last_rows[unit_code], first_rows[unit_code]
        change = latest["value"] - start["value"]
        trend = trend_rows.get(unit_code)
        verdict = (
            direction_verdict(trend["ols_verdict"], hib) if trend is not None else INSUFFICIENT
        )
        row = {
            **base,
            "latest_value": latest["value"],
            "latest_lower": latest["lower_ci"],
            "latest_upper": latest["upper_ci"],
            "latest_period": latest["period"],
            "latest_period_label": period_label(latest["period"]),
            "latest_display": format_value(latest["value"], unit),
            "first_value": start["value"],
            "first_period_label": period_label(start["period"]),
            "n_periods": n_periods[unit_code],
            "change": change if n_periods[unit_code] > 1 else np.nan,
            "change_display": _signed(change, unit) if n_periods[unit_code] > 1 else "",
            "trend_slope": trend["ols_slope"] if trend is not None else np.nan,
            "trend_verdict": verdict,
            "rank": ranks.get(unit_code, np.nan),
            "tenth": tenths.get(unit_code, np.nan),
        }
        ref = national.get(latest["period"])
        if ref is not None:
            ref_code, value = ref
            gap = latest["value"] - value
            name = "the UK" if ref_code == NATIONAL[0] else "England"
            if money and value:
                gap = 100 * gap / value
            row |= {
                "gap": gap,
                "gap_display": gap_text(gap, unit, name, relative=money),
                "national_code": ref_code,
                "national_name": name,
                "national_value": value,
            }
        if every:
            row |= _progress(status_of.get(unit_code, ""), md, applies)
        out.append(row)
    frame = pd.DataFrame(out, columns=PROFILE_COLUMNS)
    frame.attrs["method"] = method
    return frame


def metrics_table(profiles: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per metric (:data:`METRIC_COLUMNS`) from the frames of :func:`metric_areas`."""
    return pd.DataFrame(
        [
            {
                **{c: f[c].iat[0] for c in METRIC_COLUMNS if c != "method"},
                "method": f.attrs["method"],
            }
            for f in profiles
            if len(f)
        ],
        columns=METRIC_COLUMNS,
    )


def gap_text(gap: float, unit: str, name: str, *, relative: bool = False) -> str:
    """A gap in words: "4.3% below the UK" (``relative``: money gaps in per cent), "6.0
    percentage points above England" (shares), else in the unit; "level with the UK"."""
    if not np.isfinite(gap):
        return ""
    if relative:
        text = format_value(abs(gap), "%")
    else:
        text = format_value(abs(gap), "percentage points" if is_share_unit(unit) else unit)
    if round(gap, 2) == 0:
        return f"level with {name}"
    return f"{text} {'above' if gap > 0 else 'below'} {name}"


def _progress(raw: str, md: MetricData, applies: bool) -> dict:
    """An area's engine status and its level on the report's scale."""
    if not raw:
        return {"progress_verdict": "not assessable: no data", "progress_status": S.NOT_ASSESSABLE}
    kind = md.metric.target.kind if md.metric.target else "direction"
    verdict = raw
    if kind == "direction" or not applies:
        verdict = S.NOT_ASSESSABLE + ": " + S.TOO_FEW_POINTS if raw == INSUFFICIENT else raw
        if raw in (IMPROVING, WORSENING, NO_CHANGE):
            from levelup.stats import verdicts

            verdict = verdicts.no_quantified_target(raw)
    level = S.scale_status(verdict, md.higher_is_better).level
    return {"progress_verdict": verdict, "progress_status": level}


# ----------------------------------------------------------------------------- similar areas
def similar_areas(
    profiles: pd.DataFrame,
    metrics: tuple[str, ...] = SIMILARITY_METRICS,
    k: int = N_SIMILAR,
) -> pd.DataFrame:
    """Each area's ``k`` nearest neighbours on the latest values of ``metrics``, standardised
    (z-scores across the areas): distance = root mean squared difference of z-scores over the
    metrics both areas have (at least :data:`MIN_SHARED`). Districts sharing a county figure
    are compared on it like any other value. Columns: ``area_code``, ``similar_rank`` (1 =
    nearest), ``similar_code``, ``similar_name``, ``distance``, ``shared``."""
    wide = (
        profiles[profiles["metric"].isin(metrics)]
        .pivot_table(index="area_code", columns="metric", values="latest_value", aggfunc="first")
        .reindex(columns=[m for m in metrics if m in set(profiles["metric"])])
    )
    names = profiles.drop_duplicates("area_code").set_index("area_code")["area_name"]
    z = (wide - wide.mean()) / wide.std(ddof=0)
    x = z.to_numpy(float)
    have = np.isfinite(x)
    x0 = np.where(have, x, 0.0)
    # pairwise sums over shared metrics, vectorised
    both = have.astype(float) @ have.T.astype(float)
    sq = (x0**2) @ have.T.astype(float) + have.astype(float) @ (x0**2).T - 2 * x0 @ x0.T
    with np.errstate(invalid="ignore", divide="ignore"):
        dist = np.sqrt(np.maximum(sq, 0) / both)
    dist[both < MIN_SHARED] = np.inf
    np.fill_diagonal(dist, np.inf)
    codes = list(wide.index)
    out = []
    for i, code in enumerate(codes):
        order = np.argsort(dist[i], kind="stable")[:k]
        for rank, j in enumerate(order, start=1):
            if not np.isfinite(dist[i, j]):
                break
            out.append(
                {
                    "area_code": code,
                    "similar_rank": rank,
                    "similar_code": codes[j],
                    "similar_name": names.get(codes[j], codes[j]),
                    "distance": float(dist[i, j]),
                    "shared": int(both[i, j]),
                }
            )
    return pd.DataFrame(out)


def similar_method(metrics_titles: list[str]) -> str:
    """The similar-areas method in words, for the profile pages."""
    return (
        f"The {count(N_SIMILAR, 'area')} closest to this one on {join_names(metrics_titles)} "
        "(latest values, each standardised to mean 0 and standard deviation 1 across the UK's "
        "local authorities; distance is the root mean squared difference over the metrics both "
        f"areas have, at least {MIN_SHARED})."
    )


def compare_with_similar(profiles: pd.DataFrame, similar: pd.DataFrame) -> pd.DataFrame:
    """For every area and metric, the median latest value of its similar areas
    (``similar_median``, ``n_similar``) and whether the area is above or below it."""
    values = profiles.set_index(["area_code", "metric"])["latest_value"]
    pairs = similar[["area_code", "similar_code"]]
    frame = pairs.merge(
        profiles[["area_code", "metric", "latest_value"]].rename(
            columns={"area_code": "similar_code"}
        ),
        on="similar_code",
    )
    agg = (
        frame.dropna(subset=["latest_value"])
        .groupby(["area_code", "metric"])["latest_value"]
        .agg(similar_median="median", n_similar="count")
        .reset_index()
    )
    agg["own"] = [
        values.get((a, m), np.nan) for a, m in zip(agg["area_code"], agg["metric"], strict=False)
    ]
    return agg


def with_similar(profiles: pd.DataFrame, similar: pd.DataFrame) -> pd.DataFrame:
    """``profiles`` with the median of each area's similar areas on each metric
    (``similar_median``, ``n_similar``, ``similar_median_display`` in the metric's unit)."""
    versus = compare_with_similar(profiles, similar)
    out = profiles.merge(
        versus[["area_code", "metric", "similar_median", "n_similar"]],
        on=["area_code", "metric"],
        how="left",
    )
    out["similar_median_display"] = [
        format_value(v, u) if pd.notna(v) else ""
        for v, u in zip(out["similar_median"], out["unit"], strict=False)
    ]
    return out


# ----------------------------------------------------------------------------- summary
def _tenth_text(tenth) -> str:
    return "" if not np.isfinite(tenth) else str(int(tenth))


#: Metric titles a summary names in one list before it counts the rest.
NAMED = 4


def _names(titles) -> str:
    """Metric titles as a list in a sentence ("; " between them when a title holds a comma); more
    than :data:`NAMED` are cut to the first three and "N others"."""
    titles = list(titles)
    if len(titles) > NAMED:
        titles = [*titles[: NAMED - 1], count(len(titles) - NAMED + 1, "other")]
    return join_names(titles, sep="; " if any("," in t for t in titles) else ", ")


def summary_text(area: pd.DataFrame) -> str:
    """A profile's opening paragraph from its rows (one area): how many metrics it is in the
    top and bottom tenth on, how many improved or worsened, and its statuses where the mission
    has an ambition for every area. Written to read as a person wrote it (report-writing guide:
    plurals agree, no empty lists)."""
    rows = area.to_dict("records")  # plain Python: 361 areas x 28 metrics
    name = rows[0]["area_name"]
    have = [r for r in rows if r["latest_display"] != "no data"]
    sentences = []
    parts = []
    for label, tenth in (("top", 1), ("bottom", 10)):
        titles = [r["metric_title"] for r in have if r["tenth"] == tenth]
        where = f"in the {label} tenth of areas on {number_or_none(len(titles))}"
        parts.append(f"{where} ({_names(titles)})" if titles else where)
    sentences.append(
        f"Of {count(len(have), 'mission metric')} with local data for {name}, it is "
        f"{parts[0]}, and {parts[1]}."
    )
    verdicts = [r["trend_verdict"] for r in have]
    improving, worsening = verdicts.count(IMPROVING), verdicts.count(WORSENING)
    flat = verdicts.count(NO_CHANGE)
    tested = improving + worsening + flat
    if tested:
        rest = f"; {number_or_none(flat)} {'shows' if flat == 1 else 'show'} no significant change"
        sentences.append(
            f"Over the years published, {number_or_none(improving)} of the "
            f"{count(tested, 'metric')} with enough data for a trend "
            f"{'has' if improving == 1 else 'have'} improved and {number_or_none(worsening)} "
            f"{'has' if worsening == 1 else 'have'} worsened{rest if flat else ''}."
        )
    every = [r["progress_status"] for r in have if r["every_area_target"] in (True, "True")]
    if every:
        counts = [
            f"{level} on {number_or_none(every.count(level))}"
            for level in S.SCALE
            if level in every
        ]
        sentences.append(
            f"Where the mission aims for progress in every area ({count(len(every), 'metric')}), "
            f"its status is {join_names(counts)}."
        )
    return " ".join(sentences)


# ----------------------------------------------------------------------------- glance table
def glance_table(
    profiles: pd.DataFrame, metrics: list[str], labels: dict[str, str]
) -> pd.DataFrame:
    """Every area on one line: its region or nation and its tenth (1 = best tenth) on each of
    ``metrics``, for the PDF appendix."""
    wide = profiles[profiles["metric"].isin(metrics)].pivot_table(
        index="area_code", columns="metric", values="tenth", aggfunc="first"
    )
    areas = profiles.drop_duplicates("area_code").set_index("area_code")
    table = areas[["area_name", "region_name"]].join(wide.reindex(columns=metrics))
    table = table.sort_values(["region_name", "area_name"]).reset_index()
    for m in metrics:
        table[m] = [_tenth_text(v) if isinstance(v, float) else str(v) for v in table[m]]
    return table.rename(columns={"area_name": "Area", "region_name": "Region or nation", **labels})


# ----------------------------------------------------------------------------- maps
TREND_ORDER = [IMPROVING, NO_CHANGE, WORSENING, INSUFFICIENT]
TREND_COLOURS = ["#12436D", "#BFBFBF", "#F46A25", "#F2F2F2"]
STATUS_COLOURS = ["#12436D", "#6BACE6", "#F9BB8F", "#F46A25", "#F2F2F2"]


@dataclass
class MetricMaps:
    """A metric's two maps for a mission chapter (latest values; trend or status) and the data
    behind both (one row per hex)."""

    latest: object
    change: object
    data: pd.DataFrame
    kind: str  # "trend" or "status"


def metric_maps(
    md: MetricData,
    geo: Geography,
    findings,
    key: str,
    *,
    indicator: str | None = None,
    short_title: str | None = None,
    rows: pd.DataFrame | None = None,
) -> MetricMaps:
    """The latest value of ``md`` in every local authority on the hex map, and its status
    (metrics with an ambition for every area, :data:`EVERY_AREA`) or its trend verdict.

    Records ``<key>.latest-period``, ``<key>.n-areas`` (areas with a value), ``<key>.pattern``
    (where it is highest and lowest, for the alt text), ``<key>.change-pattern`` (the count in
    each trend or status category) and ``<key>.boundary-notes``.
    """
    from levelup.charts import maps as M
    from levelup.data.hexjson import lad_layout, match_codes, reader_notes

    rows = rows if rows is not None else metric_areas(md, geo, indicator=indicator)
    layout = lad_layout(md.loader.store, geo.boundary_year, geo.register)
    by_code = rows.set_index("area_code")
    values = by_code["latest_value"].astype(float)
    match = match_codes(layout, by_code.index)
    if match["unplaced"]:  # an area of the panel with no hex: stop, never drop it silently
        raise ValueError(f"{md.metric.id}: areas with no hex on the map: {match['unplaced']}")
    title = short_title or md.title
    unit = md.unit_of(indicator)
    have = by_code.dropna(subset=["latest_value"])
    periods = have["latest_period_label"].value_counts()
    period = periods.index[0] if len(periods) else ""
    common = {"metric": md.metric.id, "unit": ""}
    findings.add(f"{key}.latest-period", None, display=period, statistic="period", **common)
    findings.add(
        f"{key}.n-areas", len(have), statistic="n_areas", decimals=0, geography="lad", **common
    )
    regions = by_code["region_code"]
    names = dict(zip(by_code["region_code"], by_code["region_name"], strict=False))
    pattern = M.pattern_text(values, regions, names)
    findings.add(f"{key}.pattern", None, display=pattern, statistic="map_pattern", **common)
    notes = reader_notes(layout)
    if (rows["level"] == "utla").any():
        notes.insert(0, "Districts in England's two-tier areas show their county's figure.")
    findings.add(
        f"{key}.boundary-notes",
        len(layout.notes),
        display=" ".join(notes) if notes else "none",
        statistic="map_notes",
        decimals=0,
        **common,
    )
    source = md.source_line().rstrip(".") + ". Hex layout: Open Innovations (MIT licence)."
    legend_unit = unit if not unit.startswith("%") else "%"
    latest = M.value_map(
        layout,
        values,
        title=f"{title}, {period}",
        legend_title=f"{legend_unit}\n(fifths of areas)",
        source=source,
        # the legend title names the unit: class bounds carry only its symbol ("£681.1")
        formatter=lambda v: format_value(v, unit[:1] if unit.startswith(("%", "£")) else ""),
        notes=notes,
    )
    every = bool(by_code["every_area_target"].astype(bool).any())
    if every:
        kind, order, colours = "status", list(S.SCALE), STATUS_COLOURS
        category = by_code["progress_status"]
        legend = "Status against the\nmission's ambition"
        map_title = f"{title}: progress in every area"
    else:
        kind, order, colours = "trend", TREND_ORDER, TREND_COLOURS
        category = by_code["trend_verdict"]
        legend = "Trend over the\nperiods published"
        map_title = f"{title}: trend in every area"
    counts = category.value_counts()
    parts = [f"{c} in {number_or_none(int(counts.get(c, 0)))}" for c in order if counts.get(c, 0)]
    findings.add(
        f"{key}.change-pattern",
        None,
        display=join_names(parts, sep="; " if len(parts) > 2 else ", ") if parts else "no data",
        statistic=f"map_{kind}_counts",
        **common,
    )
    change = M.category_map(
        layout,
        category,
        order,
        title=map_title,
        legend_title=legend,
        source=source,
        colours=colours,
        notes=notes,
    )
    data = M.map_data(
        layout,
        latest_value=values,
        latest_period=by_code["latest_period_label"],
        value_from=by_code["source_area_name"],
        trend=by_code["trend_verdict"],
        status=by_code["progress_status"],
    )
    return MetricMaps(latest, change, data, kind)


# ----------------------------------------------------------------------------- all metrics
def local_metrics(loader, registry) -> list[MetricData]:
    """Every mission metric (headline or supporting) with local-authority data in the edition,
    in registry order."""
    from levelup.data.schema import LOWER_TIER
    from levelup.metrics.analysis import MetricUnavailable

    local = {"lad", "county", *LOWER_TIER}
    out = []
    for metric in registry.metrics:
        mappings = [m for m in (metric.data, metric.proxy) if m is not None]
        if not metric.missions or not any(
            local & set(m.geography) or not m.geography for m in mappings
        ):
            continue  # registered with national or regional levels only: not loaded at all
        try:
            md = MetricData.load(metric.id, loader, registry)
        except MetricUnavailable:
            continue
        rows = md.rows().dropna(subset=["value"])
        if rows["geography"].isin((*LOWER_TIER, "county")).any():
            out.append(md)
    return out


def write_profile_files(
    folder,
    profiles: pd.DataFrame,
    similar: pd.DataFrame,
    layout,
    method: str,
    metrics: pd.DataFrame,
    summaries: dict[str, str],
) -> None:
    """What the renderer makes the area pages from (``<output_dir>/area-profiles/``):
    ``profiles.csv`` (one row per area and metric, :data:`PROFILE_COLUMNS` plus the summary and
    the similar areas' median), ``similar.csv``, ``layout.csv`` (each hex's position on the
    locator map), ``locator.svg`` (the locator map with a placeholder for the area) and
    ``method.txt`` (the similar-areas method in words), ``metrics.csv`` (how each metric's rows
    were computed, :func:`metrics_table`) and ``summaries.csv`` (each area's summary)."""
    from pathlib import Path

    from levelup.charts import maps as M

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    profiles.to_csv(folder / "profiles.csv", index=False, lineterminator="\n", float_format="%.10g")
    similar.to_csv(folder / "similar.csv", index=False, lineterminator="\n", float_format="%.6g")
    M.locator_positions(layout).to_csv(
        folder / "layout.csv", index=False, lineterminator="\n", float_format="%.2f"
    )
    (folder / "locator.svg").write_text(M.locator_svg(layout), encoding="utf-8")
    (folder / "method.txt").write_text(method + "\n", encoding="utf-8")
    metrics.to_csv(folder / "metrics.csv", index=False, lineterminator="\n")
    pd.DataFrame({"area_code": list(summaries), "summary": list(summaries.values())}).to_csv(
        folder / "summaries.csv", index=False, lineterminator="\n"
    )
