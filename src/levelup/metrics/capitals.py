"""The six capitals of the technical annex ("Measuring the capitals"): one summary per capital,
shared by the six capital notebooks so that none of them repeats another's code.

:func:`summarise_capital` takes a capital's name and a notebook context (what
:func:`levelup.report.notebook.start` returns) and, for every metric the registry tags with the
capital:

* resolves it (data, labelled proxy, or the reason it is unavailable in the edition);
* for each *capital proxy* with data, summarises

  - the national level, its change and trend (:func:`levelup.metrics.analysis.headline`),
  - the latest level in each English region and UK nation (ITL1 where that is how it is
    published) beside its level at the start of the series, and how many regions show a
    significant trend in the good or the bad direction (:func:`levelup.stats.panel_trends`),
  - the dispersion across local areas (or regions, if that is the finest level) in each period
    and whether it is narrowing (:func:`levelup.metrics.analysis.convergence`), plus the
    Phillips-Sul log-t test of regional convergence where the annual series is long enough;

* and builds the tables every capital chapter shows: the annex's Figure 2 rating beside what the
  pinned data allow (:meth:`CapitalSummary.figure2_table`), the measures and their coverage
  (:meth:`CapitalSummary.measures_table`), levels, regions and dispersion.

Everything computed is recorded in the notebook's findings under ``<proxy>.national.*``,
``<proxy>.regions.*``, ``<proxy>.dispersion.*`` and ``status.*``, where ``<proxy>`` is the metric
id without its ``cap-<capital>-`` prefix (``cap-physical-digital`` -> ``digital``).

Amounts for a whole area (\u00a3 million of R&D spending, FDI positions) grow with the size of the area,
so they are compared across regions as shares of the total (:func:`is_total`) and no dispersion
statistic is computed for them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.geography import ITL1, Geography
from levelup.data.periods import period_label
from levelup.data.schema import GREATER_SOUTH_EAST, LOWER_TIER, UPPER_TIER
from levelup.findings.labels import area_in_text
from levelup.findings.table import Findings, format_value, slug_key
from levelup.metrics import analysis as A
from levelup.metrics.analysis import MetricData, MetricUnavailable
from levelup.metrics.registry import CAPITALS, Metric, Registry
from levelup.stats import verdicts
from levelup.wording import counted, join_names, number_or_none, plural

#: Areas a national figure is read for, in order of preference after the notebook's reference.
NATIONAL_AREAS = ("K02000001", "K03000001", "K04000001", "E92000001")
ENGLISH_REGIONS = tuple(f"E1200000{i}" for i in range(1, 10))
DEVOLVED_NATIONS = ("W92000004", "S92000003", "N92000002")
#: ITL1 code -> the region or nation code it equals (TLC -> E12000001, TLL -> W92000004, ...).
ITL1_TO_AREA = {itl: code for code, itl in ITL1.items()}
NATIONS = ("E92000001", *DEVOLVED_NATIONS)

#: The annex's legend of Figure 2 ("Measuring the six capitals").
RATINGS = {
    "green": "well-established methods; coverage comprehensive at this level",
    "orange": "established methods and good coverage; estimates at this level need more work",
    "red": "little to no established methods; coverage limited at this level",
}
FIGURE2_LEVELS = {"national": "National aggregate", "subnational": "Sub-national distribution"}

#: Local levels tried for dispersion across areas, finest complete level first.
LOCAL_LEVELS = {
    "local authority districts": LOWER_TIER,
    "upper-tier local authorities": UPPER_TIER,
    "ITL3 areas": ("itl3",),
    "ITL2 areas": ("itl2",),
}
_ANNUAL = ("calendar_year", "financial_year", "academic_year", "other_year")
_VERDICTS = (A.IMPROVING, A.WORSENING, A.NO_CHANGE, stats.INSUFFICIENT)


class NotebookContext(Protocol):
    """What :func:`summarise_capital` needs from a notebook (``levelup.report.notebook.Notebook``)."""

    registry: Registry
    findings: Findings
    geography: Geography

    def metric(self, metric_id: str) -> MetricData | None: ...


@dataclass(frozen=True)
class ProxyOptions:
    """Per-metric choices a notebook may make.

    ``since``: an ISO date; only periods starting on or after it are summarised (e.g. the annex's
    publication for a series that starts decades earlier). ``test_trend``: False for a series
    that is a step function of dated events (the date each mayor took office), where a trend test
    on the dates would be meaningless; its change is still reported. ``untested_because``: the
    reason the table gives when the trend is not tested.
    """

    since: str | None = None
    test_trend: bool = True
    untested_because: str = "a step series of dated events"


def is_total(metric: Metric) -> bool:
    """True for an amount for the whole area (\u00a3 million, counts) rather than a rate or average:
    its level grows with the size of the area, so areas are compared by their share of the total
    and no dispersion statistic is computed."""
    unit = metric.unit.lower()
    return "million" in unit or "trillion" in unit or unit in ("applications", "number and £ value")


def proxy_key(metric_id: str) -> str:
    """Findings key of a metric: the id without its ``cap-<capital>-`` (or ``mNN-``) prefix."""
    parts = metric_id.split("-")
    if parts[0] == "cap" and len(parts) > 2:
        return "-".join(parts[2:])
    return "-".join(parts[1:]) if len(parts) > 1 else metric_id


# -------------------------------------------------------------------------------------------
@dataclass
class ProxySummary:
    """One metric of a capital: its data (or why there are none) and what was computed."""

    metric: Metric
    key: str
    role: str  # "capital proxy" or "Mission N headline/supporting metric"
    data: MetricData | None = None
    reason: str = ""
    indicator: str | None = None
    national_code: str | None = None
    national: dict = field(default_factory=dict)
    regions: pd.DataFrame | None = None
    regions_level: str = ""
    region_verdicts: pd.DataFrame | None = None
    dispersion: A.ConvergenceSummary | None = None
    dispersion_level: str = ""
    log_t: stats.LogTResult | None = None
    coverage: dict = field(default_factory=dict)

    @property
    def available(self) -> bool:
        return self.data is not None

    @property
    def title(self) -> str:
        return self.data.title if self.data is not None else self.metric.title

    @property
    def total(self) -> bool:
        return is_total(self.metric)

    def series(self, area_code: str | None = None) -> pd.DataFrame:
        """The national (or any area's) series, with ``label`` for :func:`levelup.charts.line_chart`."""
        if self.data is None:
            return pd.DataFrame()
        code = area_code or self.national_code
        rows = self.data.series(code, self.indicator).dropna(subset=["value"])
        return rows.rename(columns={"lower_ci": "lower", "upper_ci": "upper"}).assign(
            label=rows["area_name"]
        )

    def regions_relative(self) -> pd.DataFrame:
        """:attr:`regions` with every value (and interval, and start value) as an index of the
        national value of the same period (= 100): relative positions, free of inflation."""
        if self.regions is None or self.national_code is None:
            return pd.DataFrame()
        national = self.data.series(self.national_code, self.indicator).set_index("period")["value"]
        out = self.regions.copy()
        base = out["period"].map(national).astype(float)
        for column in ("value", "lower", "upper"):
            out[column] = 100 * out[column] / base
        if "start_value" in out and out["start_period"].iat[0]:
            out["start_value"] = (
                100 * out["start_value"] / national.get(out["start_period"].iat[0], np.nan)
            )
        return out


@dataclass
class CapitalSummary:
    name: str
    title: str
    definition: str
    measurement: dict[str, str]
    proxies: list[ProxySummary]  # the capital's proxies (annex, "Measuring the capitals")
    related: list[ProxySummary]  # mission metrics tagged with the capital (not analysed here)

    def proxy(self, metric_id: str) -> ProxySummary:
        for p in [*self.proxies, *self.related]:
            if p.metric.id == metric_id:
                return p
        raise KeyError(f"{metric_id} is not a metric of the {self.name} capital")

    @property
    def with_data(self) -> list[ProxySummary]:
        return [p for p in self.proxies if p.available]

    # ---------------------------------------------------------------- tables
    def figure2_table(self) -> pd.DataFrame:
        """The annex's Figure 2 rating of the capital at each level (two columns: national
        aggregate, sub-national distribution) above, for each proxy, the series this report has
        at that level (the national area; the finest sub-national level) or "none"."""
        levels = list(FIGURE2_LEVELS)
        rows = [
            {
                "": "Annex rating (Figure 2)",
                **{FIGURE2_LEVELS[x]: self.measurement.get(x, "") for x in levels},
            },
            {
                "": "What the rating means",
                **{FIGURE2_LEVELS[x]: RATINGS.get(self.measurement.get(x, ""), "") for x in levels},
            },
        ]
        for p in self.proxies:
            rows.append(
                {
                    "": f"{p.metric.title} (proxy)",
                    FIGURE2_LEVELS["national"]: p.national.get("area", "") or "none",
                    FIGURE2_LEVELS["subnational"]: _finest(p) or "none",
                }
            )
        national = sum(1 for p in self.with_data if p.national_code)
        subnational = sum(1 for p in self.with_data if _finest(p))
        rows.append(
            {
                "": "Proxies with a series in this report",
                FIGURE2_LEVELS["national"]: f"{national} of {len(self.proxies)}",
                FIGURE2_LEVELS["subnational"]: f"{subnational} of {len(self.proxies)}",
            }
        )
        return pd.DataFrame(rows, columns=["", *FIGURE2_LEVELS.values()])

    def measures_table(self) -> pd.DataFrame:
        """Every measure tagged with the capital: where it comes from, whether this report has
        data for it (yes / proxy / no, with the reason) and the geography and periods available."""
        rows = []
        for p in [*self.proxies, *self.related]:
            if p.data is None:
                in_report, geography, periods = f"no: {p.reason}", "", ""
            else:
                in_report = f"proxy: {p.data.proxy_label}" if p.data.is_proxy else "yes"
                geography, periods = p.coverage.get("geography", ""), p.coverage.get("periods", "")
            rows.append(
                {
                    "measure": f"{p.metric.title} ({p.role})",
                    "in this report": in_report,
                    "geography": geography,
                    "periods": periods,
                }
            )
        return pd.DataFrame(rows, columns=["measure", "in this report", "geography", "periods"])

    def levels_table(self) -> pd.DataFrame:
        """Latest national level, change since the first period summarised, and trend."""
        rows = [
            {
                "measure": p.title,
                "area": p.national.get("area", ""),
                "latest": p.national.get("latest", ""),
                "change": p.national.get("change", ""),
                "trend": p.national.get("trend", ""),
            }
            for p in self.with_data
            if p.national_code
        ]
        if not rows:
            rows = [{"measure": "none", "area": "no proxy has a national series in this edition"}]
        return pd.DataFrame(rows, columns=["measure", "area", "latest", "change", "trend"]).fillna(
            ""
        )

    def regions_table(self) -> pd.DataFrame:
        """Latest level in each English region and UK nation, one column per proxy; amounts for
        the whole area (:func:`is_total`) as their share of the regions' total."""
        columns: dict[str, pd.Series] = {}
        names: dict[str, str] = {}
        for p in self.with_data:
            if p.regions is None or p.regions.empty:
                continue
            r = p.regions.set_index("region_code")
            period = period_label(r["period"].iat[0])
            if "share" in r:
                header = f"{p.metric.title} (% of the regions' total, {period})"
                text = [format_value(v, "%") for v in r["share"]]
            else:
                header = f"{p.metric.title} ({_unit_label(p.metric.unit)}, {period})"
                text = [format_value(v, p.metric.unit) for v in r["value"]]
            columns[header] = pd.Series(text, index=r.index)
            for code, name in r["area_name"].items():
                names.setdefault(code, name)
        if not columns:
            return pd.DataFrame(
                {"area": ["none"], "note": ["no proxy has regional data in this edition"]}
            )
        order = [c for c in (*ENGLISH_REGIONS, *DEVOLVED_NATIONS) if c in names]
        frame = pd.DataFrame(columns).reindex(order).fillna("")
        frame.insert(0, "area", [names[c] for c in order])
        return frame.reset_index(drop=True)

    def dispersion_table(self) -> pd.DataFrame:
        """Dispersion across areas: the coefficient of variation (CV) in the first and latest
        period, its trend, the bootstrap test of its change, the decile gap and beta convergence
        (the Phillips-Sul test of the regions is in the findings)."""
        rows = []
        for p in self.with_data:
            c = p.dispersion
            if c is None or c.sigma.empty:
                continue
            sigma = c.sigma.dropna(subset=["cv"])
            gap = c.gap.dropna(subset=["gap"]) if len(c.gap) else c.gap
            single = len(sigma) == 1
            if len(gap) == 0:
                gap_text = "fewer than 10 areas"
            elif single:
                gap_text = _pair(gap["gap"].iat[0], None, _gap_unit(p.metric.unit))
            else:
                gap_text = _pair(gap["gap"].iat[0], gap["gap"].iat[-1], _gap_unit(p.metric.unit))
            cv = f"{sigma['cv'].iat[0]:.3f}" + ("" if single else f" to {sigma['cv'].iat[-1]:.3f}")
            rows.append(
                {
                    "measure": p.metric.title,
                    "areas and periods": f"{int(sigma['n'].iat[-1])} {p.dispersion_level}; "
                    + p.coverage.get("dispersion_periods", ""),
                    "CV, first to latest": cv,
                    "CV trend": "one period only" if single else c.dispersion.verdict,
                    "change in CV (bootstrap)": c.change.verdict if c.change else "one period only",
                    "decile gap, first to latest": gap_text,
                    "beta convergence": _beta_text(c.beta),
                }
            )
        columns = [
            "measure",
            "areas and periods",
            "CV, first to latest",
            "CV trend",
            "change in CV (bootstrap)",
            "decile gap, first to latest",
            "beta convergence",
        ]
        if not rows:
            return pd.DataFrame(
                [
                    {
                        "measure": "none",
                        "areas and periods": "no proxy has data for enough areas in this edition",
                    }
                ],
                columns=columns,
            ).fillna("")
        return pd.DataFrame(rows, columns=columns)


def _pair(first: float, latest: float | None, unit: str) -> str:
    """'65.1 to 32.2 pp', '£7,876 to £18,478 per head', '10.4 to 13.5 years'."""
    if unit.startswith("%"):
        text = format_value(first) + ("" if latest is None else f" to {format_value(latest)}")
        return text + " percentage points"
    if latest is None:
        return format_value(first, unit)
    a, b = format_value(first, unit), format_value(latest, unit)
    suffix = next(
        (s for s in (" per head", " years", " minutes") if a.endswith(s) and b.endswith(s)), ""
    )
    return f"{a.removesuffix(suffix)} to {b}"


def _beta_text(beta: stats.BetaConvergenceResult | None) -> str:
    if beta is None:
        return "one period only"
    if beta.verdict == verdicts.BETA_CONVERGENCE and np.isfinite(beta.half_life):
        return f"{beta.verdict} (half-life {beta.half_life:.0f} years)"
    return beta.verdict


def _unit_label(unit: str) -> str:
    return unit.replace("(current prices)", "").strip()


def _finest(p: ProxySummary) -> str:
    return p.dispersion_level or p.regions_level


# -------------------------------------------------------------------------------------------
def summarise_capital(
    capital: str,
    nb: NotebookContext,
    *,
    reference: str = "K02000001",
    options: dict[str, ProxyOptions] | None = None,
) -> CapitalSummary:
    """Resolve and summarise every metric of ``capital`` (see the module docstring).

    ``nb.metric`` loads each capital proxy (recording unavailable ones for the notebook's
    "unavailable" table); mission metrics tagged with the capital are only resolved for the
    measures table (their analysis is in the mission chapters). ``reference`` is the area the
    national figure is read for when the metric has it (else the UK, Great Britain, England and
    Wales, England, in that order).
    """
    if capital not in CAPITALS:
        raise ValueError(f"unknown capital {capital!r}; the capitals are {CAPITALS}")
    options = options or {}
    registry, findings = nb.registry, nb.findings
    spec = registry.capital(capital)
    metrics = registry.for_capital(capital)
    proxies = [
        _summarise_proxy(m, nb, reference, options.get(m.id, ProxyOptions()))
        for m in metrics
        if m.role == "capital_proxy"
    ]
    loader = getattr(nb, "loader", None)
    related = [_resolve_only(m, loader, registry) for m in metrics if m.role != "capital_proxy"]
    summary = CapitalSummary(
        capital, spec.title, spec.definition, dict(spec.measurement), proxies, related
    )
    _record_status(summary, findings)
    return summary


def _role(metric: Metric) -> str:
    if metric.role == "capital_proxy":
        return "capital proxy"
    missions = join_names(str(m) for m in metric.missions)
    return f"{plural(len(metric.missions), 'Mission')} {missions} {metric.role} metric"


def _resolve_only(metric: Metric, loader, registry: Registry) -> ProxySummary:
    summary = ProxySummary(metric, proxy_key(metric.id), _role(metric))
    if loader is None:
        summary.reason = "not resolved"
        return summary
    try:
        summary.data = MetricData.load(metric.id, loader, registry)
    except MetricUnavailable as missing:
        summary.reason = missing.reason
        return summary
    summary.indicator = summary.data.indicators()[0]
    summary.coverage = describe_coverage(summary.data.rows(None, summary.indicator))
    return summary


def _summarise_proxy(
    metric: Metric, nb: NotebookContext, reference: str, option: ProxyOptions
) -> ProxySummary:
    findings = nb.findings
    p = ProxySummary(metric, proxy_key(metric.id), _role(metric))
    md = nb.metric(metric.id)
    if md is None:
        p.reason = next(
            (u.reason for u in getattr(nb, "unavailable", []) if u.metric.id == metric.id),
            metric.unavailable or "no data in this edition",
        )
        findings.add(
            f"{p.key}.in-report", None, display="no", metric=metric.id, statistic="availability"
        )
        return p
    if option.since:
        since = pd.Timestamp(option.since)
        md = dataclasses.replace(md, frame=md.frame[md.frame["period_start"] >= since])
    p.data = md
    p.metric = md.metric  # the unit of the values as loaded (e.g. real terms: "... (2024 prices)")
    p.indicator = md.indicators()[0]
    rows = md.rows(None, p.indicator).dropna(subset=["value"])
    p.coverage = describe_coverage(rows)
    findings.add(
        f"{p.key}.in-report",
        None,
        display=f"proxy: {md.proxy_label}" if md.is_proxy else "yes",
        metric=metric.id,
        statistic="availability",
    )
    _national(p, rows, reference, findings, option)
    _regional(p, rows, findings, option)
    if option.test_trend:  # dispersion trends of a step series would be as meaningless
        _dispersion(p, rows, nb, findings)
    return p


# ---------------------------------------------------------------- national
def _national(
    p: ProxySummary, rows: pd.DataFrame, reference: str, findings: Findings, option: ProxyOptions
):
    present = set(rows["area_code"])
    code = next((c for c in (reference, *NATIONAL_AREAS) if c in present), None)
    if code is None:
        return
    p.national_code = code
    key = f"{p.key}.national"
    series = p.data.series(code, p.indicator).dropna(subset=["value"])
    area_name = series["area_name"].iat[-1]
    findings.add(  # quoted in running text: "in {{< var ....national.area >}}"
        f"{key}.area",
        None,
        display=area_in_text(area_name),
        metric=p.metric.id,
        area=code,
        statistic="area",
    )
    if option.test_trend and len(series) > 1:
        row = A.headline(p.data, code, findings, key, indicator=p.indicator)
    else:
        row = _level_and_change(p, series, findings, key, option.untested_because)
    p.national = {"area": area_name, **{k: row.get(k, "") for k in ("latest", "change", "trend")}}


def _level_and_change(
    p: ProxySummary,
    series: pd.DataFrame,
    findings: Findings,
    key: str,
    untested_because: str = "a step series of dated events",
) -> dict:
    """Latest level and change since the first period, without a trend test (a single period,
    or a step series of dated events)."""
    unit = p.metric.unit
    first, last = series.iloc[0], series.iloc[-1]
    common = {
        "metric": p.metric.id,
        "area": last["area_code"],
        "area_name": last["area_name"],
        "unit": unit,
    }
    latest = findings.add(
        f"{key}.latest",
        last["value"],
        lower=A._nan_none(last["lower_ci"]),
        upper=A._nan_none(last["upper_ci"]),
        statistic="level",
        period=last["period"],
        **common,
    )
    findings.add(
        f"{key}.latest-period",
        None,
        display=period_label(last["period"]),
        statistic="period",
        **common,
    )
    if len(series) == 1:
        return {
            "latest": f"{latest} ({period_label(last['period'])})",
            "change": "one period only",
            "trend": "one period only",
        }
    findings.add(
        f"{key}.first", first["value"], statistic="level", period=first["period"], **common
    )
    findings.add(
        f"{key}.first-period",
        None,
        display=period_label(first["period"]),
        statistic="period",
        **common,
    )
    change = last["value"] - first["value"]
    change_text = findings.add(
        f"{key}.change", change, statistic="change", display=A._signed(change, unit), **common
    )
    return {
        "latest": f"{latest} ({period_label(last['period'])})",
        "change": f"{change_text} since {period_label(first['period'])}",
        "trend": f"not tested ({untested_because})",
    }


# ---------------------------------------------------------------- regions and nations
def regional_rows(rows: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """Rows of the English regions and UK nations, else of the ITL1 regions, and a label."""
    regions = rows[rows["area_code"].isin(ENGLISH_REGIONS)]
    if len(regions):
        nations = rows[rows["area_code"].isin(DEVOLVED_NATIONS)]
        label = "English regions and UK nations" if len(nations) else "English regions"
        return pd.concat([regions, nations]), label
    itl = rows[rows["area_code"].isin(ITL1.values())]
    if len(itl):
        return itl, "ITL1 regions"
    return rows.iloc[0:0], ""


def _regional(p: ProxySummary, rows: pd.DataFrame, findings: Findings, option: ProxyOptions):
    reg, label = regional_rows(rows)
    if reg.empty:
        return
    key, unit = f"{p.key}.regions", p.metric.unit
    common = {"metric": p.metric.id, "geography": label}
    t_latest, t_start = reg["time"].max(), reg["time"].min()
    latest = reg[reg["time"] == t_latest].set_index("area_code")
    start = reg[reg["time"] == t_start].set_index("area_code")
    frame = pd.DataFrame(
        {
            "area_code": latest.index,
            "region_code": [ITL1_TO_AREA.get(c, c) for c in latest.index],
            "area_name": latest["area_name"].to_numpy(),
            "period": latest["period"].to_numpy(),
            "value": latest["value"].to_numpy(float),
            "lower": latest["lower_ci"].to_numpy(float),
            "upper": latest["upper_ci"].to_numpy(float),
        }
    )
    frame["start_period"] = start["period"].iat[0] if t_start < t_latest else ""
    frame["start_value"] = (
        frame["area_code"].map(start["value"]).astype(float) if t_start < t_latest else np.nan
    )
    # shares of the total only when every English region (or ITL1 region) is published, else
    # the "total" would be that of whichever regions a source happens to cover
    complete = set(ENGLISH_REGIONS) <= set(frame["region_code"])
    if p.total and complete:
        frame["share"] = 100 * frame["value"] / frame["value"].sum()
        if t_start < t_latest:
            frame["start_share"] = 100 * frame["start_value"] / frame["start_value"].sum()
    p.regions, p.regions_level = frame, label
    findings.add(f"{key}.level", None, display=label, statistic="geography", **common)
    findings.add(f"{key}.n", len(frame), statistic="n_areas", decimals=0, **common)
    findings.add(
        f"{key}.latest-period",
        None,
        display=period_label(frame["period"].iat[0]),
        statistic="period",
        **common,
    )
    if t_start < t_latest:
        findings.add(
            f"{key}.start-period",
            None,
            display=period_label(frame["start_period"].iat[0]),
            statistic="period",
            **common,
        )
    column = "share" if "share" in frame else "value"
    ordered = frame.dropna(subset=[column]).sort_values([column, "area_name"])
    for end, row in (("lowest", ordered.iloc[0]), ("highest", ordered.iloc[-1])):
        # every area at the extreme, as published (ties are common in rounded figures)
        tied = ordered.loc[ordered[column] == row[column], "area_name"].tolist()
        findings.add(
            f"{key}.{end}",
            None,
            display=join_names(area_in_text(name) for name in tied),  # "the North East"
            area=row["area_code"],
            statistic=f"{end}_area",
            n=len(tied),
            **common,
        )
        findings.add(
            f"{key}.{end}-value",
            row["value"],
            area=row["area_code"],
            area_name=row["area_name"],
            period=row["period"],
            statistic="level",
            unit=unit,
            **common,
        )
        if "share" in frame:
            findings.add(
                f"{key}.{end}-share",
                row["share"],
                area=row["area_code"],
                area_name=row["area_name"],
                period=row["period"],
                statistic="share_of_total",
                unit="%",
                **common,
            )
    if "share" in frame and set(GREATER_SOUTH_EAST) <= set(frame["region_code"]):
        gse = frame["region_code"].isin(GREATER_SOUTH_EAST)
        findings.add(
            f"{key}.gse-share",
            frame.loc[gse, "share"].sum(),
            statistic="share_of_total",
            unit="%",
            **common,
        )
        if "start_share" in frame:
            findings.add(
                f"{key}.gse-share-start",
                frame.loc[gse, "start_share"].sum(),
                statistic="share_of_total",
                unit="%",
                period=frame["start_period"].iat[0],
                **common,
            )
    if option.test_trend:
        _regional_trends(p, reg, findings, key, common)


def _regional_trends(
    p: ProxySummary, reg: pd.DataFrame, findings: Findings, key: str, common: dict
):
    """Trend of each region (OLS with HAC errors on non-overlapping periods), read through the
    metric's polarity; and the Phillips-Sul log-t test when the annual series is long enough."""
    panel = reg[["area_code", "area_name", "time", "value", "period_start", "period_end"]]
    years = A.period_years(reg)
    overlap = float(years.max()) if len(years) and years.max() > 1.01 else None
    table = stats.panel_trends(panel, period_years=overlap).frame
    verdicts = [A.direction_verdict(v, p.metric.higher_is_better) for v in table["ols_verdict"]]
    p.region_verdicts = pd.DataFrame({"area_code": table["area_code"], "verdict": verdicts})
    counts = pd.Series(verdicts).value_counts()
    for verdict in dict.fromkeys([*_VERDICTS, *counts.index]):
        findings.add(
            f"{key}.{slug_key(verdict)}",
            int(counts.get(verdict, 0)),
            statistic=f"regions_{verdict}",
            decimals=0,
            display=number_or_none(int(counts.get(verdict, 0))),
            method="OLS trend per area, Newey-West errors, non-overlapping periods",
            **common,
        )
    annual = reg["period_type"].isin(_ANNUAL).all() and overlap is None
    if (
        annual
        and not p.total
        and (reg["value"] > 0).all()
        and reg["time"].nunique() >= stats.MIN_PERIODS_PS
    ):
        p.log_t = stats.log_t_test(panel[["area_code", "time", "value"]])
        findings.add(
            f"{key}.log-t-verdict",
            None,
            display=p.log_t.verdict,
            statistic="log_t_verdict",
            method=p.log_t.method,
            n=p.log_t.n,
            **common,
        )
        findings.add(
            f"{key}.log-t-b",
            p.log_t.estimate,
            lower=p.log_t.lower,
            statistic="log_t_b",
            method=p.log_t.method,
            n=p.log_t.n,
            decimals=2,
            **common,
        )


# ---------------------------------------------------------------- dispersion across areas


def local_level(rows: pd.DataFrame) -> tuple[str, tuple[str, ...]] | None:
    """The finest level of local areas that covers the whole published territory: districts when
    English shire districts are published, else upper-tier authorities when counties are, else
    whatever local authorities there are, else ITL3 or ITL2 areas."""
    present = set(rows["geography"])
    if "non_metropolitan_district" in present:
        return "local authority districts", LOWER_TIER
    if "county" in present:
        return "upper-tier local authorities", UPPER_TIER
    for name, levels in LOCAL_LEVELS.items():
        if present & set(levels):
            return name, levels
    return None


def _dispersion(p: ProxySummary, rows: pd.DataFrame, nb: NotebookContext, findings: Findings):
    if p.total:
        return
    level = local_level(rows)
    if level is None and p.regions is not None and len(p.regions) >= stats.MIN_AREAS_BETA:
        reg, _ = regional_rows(rows)
        geographies = tuple(sorted(set(reg["geography"]) - {"country"}))
        level = ("English regions" if geographies == ("region",) else "ITL1 regions", geographies)
    if level is None:
        return
    name, geographies = level
    panel_rows = rows[rows["geography"].isin(geographies)]
    if panel_rows["area_code"].nunique() < stats.MIN_AREAS_BETA:
        return
    key = f"{p.key}.dispersion"
    p.dispersion = A.convergence(
        p.data, geographies, findings, key, indicator=p.indicator, geo=nb.geography
    )
    p.dispersion_level = name
    periods = panel_rows.drop_duplicates("time").sort_values("time")["period"]
    p.coverage["dispersion_periods"] = span_text(periods)
    common = {"metric": p.metric.id, "geography": name}
    findings.add(f"{key}.level", None, display=name, statistic="geography", **common)
    findings.add(
        f"{key}.first-period",
        None,
        display=period_label(periods.iat[0]),
        statistic="period",
        **common,
    )
    findings.add(
        f"{key}.latest-period",
        None,
        display=period_label(periods.iat[-1]),
        statistic="period",
        **common,
    )
    findings.add(f"{key}.n-periods", len(periods), statistic="n_periods", decimals=0, **common)


# ---------------------------------------------------------------- coverage and status
_COUNTED = [
    ("English regions", ("region",)),
    ("ITL2 areas", ("itl2",)),
    ("ITL3 areas", ("itl3",)),
    ("police force areas", ("police_force_area",)),
]
#: A national area is named once: the UK if published, else Great Britain, else England and Wales.
_NATIONAL_NAMES = {
    "K02000001": "UK",
    "K03000001": "Great Britain",
    "K04000001": "England and Wales",
}
_NATION_NAMES = {
    "E92000001": "England",
    "W92000004": "Wales",
    "S92000003": "Scotland",
    "N92000002": "Northern Ireland",
}
_LOCAL_SHORT = {
    "local authority districts": "districts",
    "upper-tier local authorities": "upper-tier authorities",
}


def describe_coverage(rows: pd.DataFrame) -> dict[str, str]:
    """Geography and periods of a metric's rows in words: 'UK, 4 nations, 9 English regions,
    361 districts' and '2011-2013 to 2022-2024 (12 periods)'."""
    rows = rows.dropna(subset=["value"])
    if rows.empty:
        return {"geography": "", "periods": ""}
    codes = set(rows["area_code"])
    parts = [next((name for code, name in _NATIONAL_NAMES.items() if code in codes), "")]
    nations = [name for code, name in _NATION_NAMES.items() if code in codes]
    if len(nations) == 4:
        parts.append("4 nations")
    elif nations:
        parts.append(join_names(nations))
    for name, levels in _COUNTED[:1]:
        n = rows.loc[rows["geography"].isin(levels), "area_code"].nunique()
        if n:
            parts.append(counted(n, name))
    itl1 = len(codes & set(ITL1.values()))
    if itl1:
        parts.append(counted(itl1, "ITL1 regions"))
    for name, levels in _COUNTED[1:]:
        n = rows.loc[rows["geography"].isin(levels), "area_code"].nunique()
        if n:
            parts.append(counted(n, name))
    local = local_level(rows)
    if local is not None and not local[0].startswith("ITL"):
        n = rows.loc[rows["geography"].isin(local[1]), "area_code"].nunique()
        parts.append(counted(n, _LOCAL_SHORT.get(local[0], local[0])))
    periods = rows.drop_duplicates("period").sort_values("time")["period"]
    return {"geography": ", ".join(p for p in parts if p), "periods": span_text(periods)}


def span_text(periods: pd.Series) -> str:
    """'2011-2013 to 2022-2024 (12 periods)', '2022 only'; unambiguous when labels hold ' to '."""
    first, last = period_label(periods.iat[0]), period_label(periods.iat[-1])
    if len(periods) == 1:
        return f"{first} only"
    if " to " in first:
        return f"{len(periods)} periods, first {first}, latest {last}"
    return f"{first} to {last} ({len(periods)} periods)"


def _record_status(summary: CapitalSummary, findings: Findings) -> None:
    common = {"statistic": "measurement_status"}
    for level in ("national", "subnational"):
        findings.add(
            f"status.annex-{level}", None, display=summary.measurement.get(level, ""), **common
        )
    with_data = summary.with_data
    counts = {
        "proxies": len(summary.proxies),
        "proxies-with-data": len(with_data),
        "proxies-unavailable": len(summary.proxies) - len(with_data),
        "national": sum(1 for p in with_data if p.national_code),
        "regional": sum(1 for p in with_data if p.regions is not None),
        "local": sum(
            1 for p in with_data if p.dispersion_level and "region" not in p.dispersion_level
        ),
        "related": len(summary.related),
        "related-with-data": sum(1 for p in summary.related if p.available),
    }
    for name, value in counts.items():
        findings.add(f"status.{name}", value, decimals=0, **common)


def _gap_unit(unit: str) -> str:
    """Money gaps between places are relative (% above the bottom decile), others in the unit."""
    return "%" if unit.strip().startswith("£") else unit
