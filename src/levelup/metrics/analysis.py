"""Analyses every mission and capital notebook needs, built from the registry and the statistics
engine, so notebooks only choose metrics and tell the story.

* :class:`MetricData` — a registered metric's rows in one edition (published, derived or proxy),
  with its provenance, target and the panels the statistics engine takes.
* :func:`headline` — level, change, trend and progress of one area's series.
* :func:`convergence` — sigma and beta convergence and the gap measures across areas.
* :func:`trajectory` — projections to the target year, the required path and the status.
* :func:`area_progress` — progress (or direction of travel) in every area.

Every function records what it computes in a :class:`~levelup.findings.table.Findings` under
the key it is given, and returns the frames the charts draw.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from levelup import charts, stats
from levelup.data import citations
from levelup.data.geography import Geography
from levelup.data.load import DataLoader
from levelup.data.periods import parse_period, period_label
from levelup.findings.table import Findings, format_value
from levelup.metrics import derived
from levelup.metrics.registry import Metric, Registry, Target, is_file_input
from levelup.stats import verdicts
from levelup.stats._panel import LEAP_SLACK
from levelup.stats.projection import LAST_K_YEARS
from levelup.stats.results import format_period as format_period_span
from levelup.stats.verdicts import IMPROVING, NO_CHANGE, WORSENING


class MetricUnavailable(LookupError):
    """A metric has no data (nor proxy) in this edition; ``reason`` says why."""

    def __init__(self, metric: Metric, reason: str):
        self.metric, self.reason = metric, reason
        super().__init__(f"{metric.id}: {reason}")


def direction_verdict(verdict: str, higher_is_better: bool | None) -> str:
    """A trend verdict ('increasing', 'decreasing', ...) read through the metric's polarity."""
    if verdict == stats.INSUFFICIENT:
        return verdict
    if verdict not in ("increasing", "decreasing") or higher_is_better is None:
        return NO_CHANGE if verdict not in ("increasing", "decreasing") else verdict
    return IMPROVING if (verdict == "increasing") == higher_is_better else WORSENING


def target_time(year: int) -> float:
    """Decimal time of a target year: its middle, like the ``time`` of an annual observation."""
    return year + 0.5


@dataclass
class MetricData:
    """One registered metric's data in one edition."""

    metric: Metric
    loader: DataLoader
    frame: pd.DataFrame
    status: str  # data | derived | proxy
    source: str
    proxy_label: str = ""
    datasets: list[str] = field(default_factory=list)
    prices: str = ""  # "2024 prices, GDP deflator" when the values are in real terms
    not_deflated: list[str] = field(default_factory=list)  # periods the deflator does not cover

    # ---------------------------------------------------------------- construction
    @classmethod
    def load(
        cls, metric_id: str, loader: DataLoader, registry: Registry | None = None
    ) -> MetricData:
        """The metric's data, else its proxy, else :class:`MetricUnavailable` with the reason.

        A metric marked ``real_terms`` in the registry comes deflated by the GDP deflator to the
        prices of its last complete year (:func:`levelup.metrics.real_terms.to_real_terms`);
        the published cash values stay in the ``cash_value`` column.
        """
        data = cls._load_cash(metric_id, loader, registry)
        return data.in_real_terms() if data.metric.real_terms else data

    def in_real_terms(self, base_year: int | None = None) -> MetricData:
        """This metric's money rows deflated by the pinned GDP deflator (YBGB)."""
        from levelup.data.deflators import gdp_deflator
        from levelup.metrics.real_terms import prices_label, real_unit, to_real_terms

        index = gdp_deflator(self.loader.store)
        base = base_year or index.last_complete_year
        frame = to_real_terms(self.frame, index, base)
        metric = self.metric.model_copy(update={"unit": real_unit(self.metric.unit, base)})
        return MetricData(
            metric,
            self.loader,
            frame,
            self.status,
            self.source,
            self.proxy_label,
            list(self.datasets),
            prices_label(index, base),
            list(frame.attrs.get("not_deflated", [])),
        )

    @classmethod
    def _load_cash(
        cls, metric_id: str, loader: DataLoader, registry: Registry | None = None
    ) -> MetricData:
        registry = registry or Registry()
        metric = registry.metric(metric_id)
        edition = loader.edition.year
        for status, mapping in (("data", metric.data), ("proxy", metric.proxy)):
            if mapping is None or (
                mapping.editions is not None and edition not in mapping.editions
            ):
                continue
            if mapping.derived:
                frame = derived.DERIVATIONS[mapping.derived](loader)
                datasets = [i.rsplit("/", 1)[0] for i in mapping.inputs if not is_file_input(i)]
                status_name = "derived" if status == "data" else status
                return cls(
                    metric,
                    loader,
                    frame,
                    status_name,
                    mapping.derived,
                    getattr(mapping, "label", ""),
                    datasets,
                )
            ids = [mapping.indicator, *mapping.breakdown]
            frames, datasets = [], []
            for indicator in ids:
                dataset = (
                    mapping.dataset
                    if (indicator == mapping.indicator and mapping.dataset)
                    else indicator.rsplit("/", 1)[0]
                )
                rows = loader.load(dataset)
                frames.append(rows[rows["indicator_id"] == indicator])
                datasets.append(dataset)
            frame = pd.concat(frames, ignore_index=True)
            if frame.empty:
                continue
            return cls(
                metric,
                loader,
                frame,
                status,
                mapping.indicator,
                getattr(mapping, "label", ""),
                sorted(set(datasets)),
            )
        reason = (
            metric.unavailable
            or f"no data in the {edition} edition (the source is not in this vintage)"
        )
        raise MetricUnavailable(metric, reason)

    # ---------------------------------------------------------------- labels and provenance
    @property
    def is_proxy(self) -> bool:
        return self.status == "proxy"

    @property
    def title(self) -> str:
        return (
            f"{self.metric.title} (proxy: {self.proxy_label})"
            if self.is_proxy
            else self.metric.title
        )

    @property
    def higher_is_better(self) -> bool | None:
        return self.metric.higher_is_better

    def provenance(self) -> list[dict]:
        """Provenance rows of the metric's datasets; rows of curated tables cite the sources of
        the rows this metric reads (their ``source_id``, see ``data/citations.yaml``)."""
        rows = []
        ids = (
            self.frame.loc[self.frame["source_id"].fillna("").str.strip() != "", "source_id"]
            if "source_id" in self.frame
            else pd.Series(dtype=str)
        )
        cited = citations.cite(ids) if len(ids) else []
        for dataset in self.datasets:
            found = self.loader.provenance(dataset)
            if cited and dataset.startswith("curated/"):
                found = [{**row, "source": c} for row in found for c in cited]
            rows += found
        if not rows and "source_file" in self.frame:  # derived from pinned files read directly
            files = {p.strip() for f in self.frame["source_file"].dropna() for p in f.split(" + ")}
            rows = [self.loader.file_provenance(p) for p in sorted(files) if p]
        return rows

    def source_line(self) -> str:
        extra = "Derived by levelup from these sources." if self.status == "derived" else ""
        if self.is_proxy:
            extra = f"Proxy: {self.proxy_label}."
        if self.prices:
            extra = f"{extra} Real terms: {self.prices} (ONS YBGB).".strip()
        return charts.source_text(self.provenance(), extra)

    # ---------------------------------------------------------------- units (evidence rule 5)
    def unit_of(self, indicator: str | None = None) -> str:
        """The unit of one of the metric's indicators: the registry unit, unless the indicator's
        rows are of another kind (a share where the metric is counted, or the reverse), in which
        case theirs (shares as ``"%"``). Every finding computed from the indicator carries it."""
        rows = self.frame[self.frame["indicator_id"] == (indicator or self.indicators()[0])]
        units = set(rows["unit"].dropna().astype(str)) - {""} if "unit" in rows else set()
        if len(units) != 1:
            return self.metric.unit
        (own,) = units
        if is_share_unit(own) == is_share_unit(self.metric.unit):
            return self.metric.unit
        return "%" if is_share_unit(own) else own

    def bounds_of(self, indicator: str | None = None) -> tuple[float, float]:
        """The values the indicator can take (evidence rule 4), from its unit."""
        unit = self.unit_of(indicator)
        return self.metric.value_bounds if unit == self.metric.unit else stats.unit_bounds(unit)

    def target_applies(self, indicator: str | None = None, which: str = "target") -> bool:
        """Whether the registry target is counted on this indicator: the target names no other
        series and the indicator is in the metric's unit (a count target is never applied to a
        share or a rate)."""
        target = self.target(which)
        if target is None:
            return False
        indicator = indicator or self.indicators()[0]
        if target.series and target.series != indicator:
            return False
        return self.unit_of(indicator) == self.metric.unit

    # ---------------------------------------------------------------- rows
    def indicators(self) -> list[str]:
        return list(dict.fromkeys(self.frame["indicator_id"]))

    def rows(
        self, geography: str | tuple[str, ...] | None = None, indicator: str | None = None
    ) -> pd.DataFrame:
        frame = self.frame
        indicator = indicator or self.indicators()[0]
        frame = frame[frame["indicator_id"] == indicator]
        if geography is not None:
            levels = (geography,) if isinstance(geography, str) else tuple(geography)
            frame = frame[frame["geography"].isin(levels)]
        return frame.dropna(subset=["time"])

    def series(self, area_code: str, indicator: str | None = None) -> pd.DataFrame:
        """One area's observations in time order, with ``period_years`` (length of each period)."""
        rows = self.rows(indicator=indicator)
        rows = rows[rows["area_code"] == area_code].sort_values("time")
        return rows.assign(period_years=period_years(rows))

    def first_area_with_data(self, area_codes: list[str], indicator: str | None = None) -> str:
        """The first of ``area_codes`` this vintage publishes a value for (e.g. the UK, else
        England: the 2025 vintage of some datasets covers England and Wales only)."""
        rows = self.rows(indicator=indicator).dropna(subset=["value"])
        published = set(rows["area_code"])
        for code in area_codes:
            if code in published:
                return code
        raise MetricUnavailable(
            self.metric, f"no value for any of {', '.join(area_codes)} in {indicator or 'it'}"
        )

    def panel(
        self,
        geography: str | tuple[str, ...],
        indicator: str | None = None,
        *,
        weights: pd.Series | None = None,
        groups: dict[str, str] | None = None,
    ) -> pd.DataFrame:
        """Long panel for the statistics engine: area_code, area_name, time, value, CIs
        (+ ``weight`` and ``group`` when given, e.g. population and region)."""
        rows = self.rows(geography, indicator)
        panel = rows[
            [
                "area_code",
                "area_name",
                "period",
                "period_start",
                "period_end",
                "time",
                "value",
                "lower_ci",
                "upper_ci",
            ]
        ].copy()
        if weights is not None:
            panel["weight"] = panel["area_code"].map(weights)
        if groups is not None:
            panel["group"] = panel["area_code"].map(groups)
        return panel.reset_index(drop=True)

    def latest(
        self, geography: str | tuple[str, ...], indicator: str | None = None
    ) -> pd.DataFrame:
        rows = self.rows(geography, indicator).dropna(subset=["value"])
        return rows[rows["time"] == rows["time"].max()]

    # ---------------------------------------------------------------- targets
    def target(self, which: str = "target") -> Target | None:
        return getattr(self.metric, which)

    def target_spec(
        self,
        which: str = "target",
        baseline_value: float | None = None,
        *,
        baseline_period: str | None = None,
        target_year: int | None = None,
    ) -> stats.TargetSpec | None:
        """The registry target as the statistics engine's TargetSpec (None for directional ones).

        ``baseline_period``/``target_year`` override the registry's (a notebook parameter for
        sensitivity analysis); the defaults are the annex's.
        """
        target = self.target(which)
        if target is None or target.kind == "direction":
            return None
        baseline_period = baseline_period or target.baseline_period
        baseline_year = (
            parse_period(baseline_period).time
            if baseline_period
            else float(self.frame["time"].min())
        )
        kwargs = {
            "level": {"target_level": target.value},
            "change_abs": {"target_change_abs": target.value},
            "change_rel": {"target_change_rel": target.value},
        }[target.kind]
        return stats.TargetSpec(
            direction=target.direction,
            baseline_year=baseline_year,
            target_year=target_time(target_year or target.target_year),
            baseline_value=baseline_value,
            **kwargs,
        )


def is_share_unit(unit: str) -> bool:
    """A percentage share (``"%"``, ``"% of premises"``, ``"Percentage (%)"``), not a change."""
    text = (unit or "").strip().lower()
    if text.startswith(("percentage point", "% a year", "% change")):
        return False
    return text.startswith("%") or text.startswith("percentage") or text.endswith("(%)")


def period_years(rows: pd.DataFrame) -> pd.Series:
    """Length in years of each row's period (0 for points in time)."""
    days = (rows["period_end"] - rows["period_start"]).dt.days + 1
    return (days / 365.25).round(2)


def _overlap_years(series: pd.DataFrame) -> float | None:
    years = series["period_years"].max() if len(series) else 0
    return float(years) if years and years > 1.01 else None


# -------------------------------------------------------------------------------------------
def headline(
    md: MetricData,
    area_code: str,
    findings: Findings,
    key: str,
    *,
    indicator: str | None = None,
    decimals: int | None = None,
) -> dict:
    """Level, change and trend of one area's series, and progress if the target is quantified.

    Records ``<key>.latest`` (value with its interval), ``.latest-period``, ``.first``,
    ``.first-period``, ``.change``, ``.trend`` (OLS slope per year, HAC), ``.trend-verdict``
    (improving / worsening / no significant change / insufficient data, via the polarity),
    ``.mk-p`` and, for a quantified target, ``.status``, ``.ratio``. ``decimals`` fixes the
    decimals of the levels (e.g. 2 for scores out of 10); by default they follow the magnitude.
    """
    series = md.series(area_code, indicator).dropna(subset=["value"])
    unit = md.unit_of(indicator)
    common = {"metric": md.metric.id, "area": area_code, "unit": unit}
    if series.empty:
        findings.add(f"{key}.latest", None, display="no data", **common)
        return {"metric": md.title, "area": area_code, "latest": "no data"}
    area_name = series["area_name"].iat[-1]
    geography = series["geography"].iat[-1]
    common |= {"area_name": area_name, "geography": geography}
    last, first = series.iloc[-1], series.iloc[0]
    latest_text = findings.add(
        f"{key}.latest",
        last["value"],
        lower=_nan_none(last["lower_ci"]),
        upper=_nan_none(last["upper_ci"]),
        statistic="level",
        period=last["period"],
        method="published" if md.status == "data" else md.status,
        decimals=decimals,
        **common,
    )
    findings.add_period(
        f"{key}.latest-period",
        last["period"],
        **common,
    )
    findings.add(
        f"{key}.first",
        first["value"],
        statistic="level",
        period=first["period"],
        decimals=decimals,
        **common,
    )
    findings.add_period(
        f"{key}.first-period",
        first["period"],
        **common,
    )
    change = last["value"] - first["value"]
    findings.add(
        f"{key}.change",
        change,
        statistic="change",
        period=f"{first['period']}/{last['period']}",
        display=_signed(change, unit),
        **common,
    )
    overlap = _overlap_years(series)
    trend = stats.ols_trend(series["time"], series["value"], period_years=overlap)
    mk = stats.mann_kendall(series["time"], series["value"], period_years=overlap)
    verdict = direction_verdict(trend.verdict, md.higher_is_better)
    findings.add(
        f"{key}.trend",
        trend.estimate,
        lower=trend.lower,
        upper=trend.upper,
        statistic="ols_slope_per_year",
        n=trend.n,
        method=trend.method,
        display=_signed(trend.estimate, unit, per_year=True),
        **common,
    )
    findings.add(
        f"{key}.trend-verdict",
        None,
        display=verdict,
        statistic="trend_verdict",
        n=trend.n,
        method=trend.method,
        **common,
    )
    findings.add(
        f"{key}.mk-p",
        mk.p_value,
        statistic="mann_kendall_p",
        n=mk.n,
        method=mk.method,
        display=_p(mk.p_value),
        **common,
    )
    interval = ""
    if np.isfinite(last["lower_ci"]) and np.isfinite(last["upper_ci"]):
        interval = f", 95% CI {format_value(last['lower_ci'], unit, decimals)} to {format_value(last['upper_ci'], unit, decimals)}"
    row = {
        "metric": md.title,
        "area": area_name,
        "latest": f"{latest_text} ({period_label(last['period'])}{interval})",
        "change": f"{_signed(change, unit)} since {period_label(first['period'])}",
        "trend": verdict,
        "status": "",
    }
    applies = md.target_applies(indicator)
    spec = md.target_spec() if applies else None
    if spec is not None:
        progress = stats.progress_status(
            series["time"],
            series["value"],
            spec,
            lower=series["lower_ci"],
            upper=series["upper_ci"],
        )
        findings.add(
            f"{key}.status",
            None,
            display=progress.status,
            statistic="progress_status",
            method=progress.method,
            n=progress.n,
            **common,
        )
        findings.add(
            f"{key}.ratio",
            progress.estimate,
            lower=progress.lower,
            upper=progress.upper,
            statistic="progress_ratio",
            method=progress.method,
            n=progress.n,
            decimals=2,
            display=_ratio_text(progress.estimate),
            **{**common, "unit": ""},
        )
        row["status"] = progress.status
    elif md.metric.target is not None and (applies or md.metric.target.kind == "direction"):
        row["status"] = verdicts.no_quantified_target(verdict)
        findings.add(
            f"{key}.status",
            None,
            display=row["status"],
            statistic="direction_status",
            method=trend.method,
            n=trend.n,
            **common,
        )
    return row


def difference_unit(unit: str) -> str:
    """The unit of a difference between two values: percentage points for percentages."""
    return "percentage points" if unit.startswith("%") else unit


def _ratio_text(ratio: float) -> str:
    if ratio is None or np.isnan(ratio):
        return "n/a"
    if np.isinf(ratio):
        return "target met"
    return f"{ratio:.2f}"


def _bounded(x, bounds: tuple[float, float]):
    """An interval limit cut at the metric's bounds (None when missing)."""
    x = _nan_none(x)
    return None if x is None else min(max(x, bounds[0]), bounds[1])


def _nan_none(x):
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _signed(value: float, unit: str, per_year: bool = False) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    text = format_value(abs(value), "percentage points" if unit.startswith("%") else unit)
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{text}{' a year' if per_year else ''}"


def _p(p: float) -> str:
    if not np.isfinite(p):
        return "n/a"
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# -------------------------------------------------------------------------------------------
@dataclass
class ConvergenceSummary:
    sigma: pd.DataFrame
    gap: pd.DataFrame
    dispersion: stats.TrendResult
    gap_trend: stats.TrendResult
    beta: stats.BetaConvergenceResult | None
    change: stats.DispersionChange | None
    gap_change: stats.DispersionChange | None
    panel: pd.DataFrame


#: The heteroskedasticity-robust standard error of every beta-convergence regression in the
#: report: HC3 (Long & Ervin 2000), reliable in the small cross-sections (12 ITL1 areas) where
#: HC0/HC1 understate the error, and close to HC1 at 361 areas (docs/methods/statistics.md).
BETA_COV_TYPE = "HC3"


def convergence(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    indicator: str | None = None,
    geo: Geography | None = None,
    weighted: bool = True,
) -> ConvergenceSummary:
    """Sigma convergence (CV, Gini, SD of logs, Theil with regional decomposition), its trend,
    the annex's decile gap and its trend, beta convergence and a bootstrap test of the change in
    the CV between the first and the latest period.

    Records under ``<key>``: ``.n-areas`` (latest period), ``.n-areas-both-periods`` (the areas
    the first/latest values and their changes rest on, evidence rule 3), ``.cv-first``/``.cv-latest``, ``.cv-trend`` (slope
    with CI) and ``.cv-verdict`` (converging / diverging / no significant change),
    ``.gap-first``/``.gap-latest``, ``.gap-trend-verdict``, ``.beta``, ``.half-life``,
    ``.beta-verdict``, ``.cv-change`` (bootstrap CI) and ``.theil-between-share``.
    """
    geo = geo or Geography(
        md.loader.store, md.loader.edition.boundaries, md.loader.succession_register()
    )
    weights = geo.population_weights(2022) if weighted else None
    regions = {**geo.region_map("lad"), **geo.region_map("utla")}
    unit = md.unit_of(indicator)
    panel = md.panel(geography, indicator, weights=weights, groups=regions)
    panel = panel.dropna(subset=["value"])
    if "weight" in panel and panel["weight"].isna().all():
        panel = panel.drop(columns="weight")
    if "group" in panel and panel["group"].isna().all():
        panel = panel.drop(columns="group")
    overlap = (
        _overlap_years(md.series(panel["area_code"].iat[0], indicator)) if len(panel) else None
    )
    sigma = stats.sigma_convergence(panel).frame
    # money: the gap between places as a percentage (it must not move with the price level)
    money = md.metric.unit.strip().startswith("£")
    gap_statistic = "decile_gap_pct" if money else "decile_gap"
    gap = (stats.convergence.decile_gap_pct(panel) if money else stats.decile_gap(panel)).frame
    if overlap:  # test trends on non-overlapping periods only
        keep = _non_overlapping_times(sigma["time"], overlap)
        sigma_t, gap_t = sigma[sigma["time"].isin(keep)], gap[gap["time"].isin(keep)]
    else:
        sigma_t, gap_t = sigma, gap
    dispersion = stats.dispersion_trend(sigma_t["time"], sigma_t["cv"], statistic="cv")
    gap_trend = stats.dispersion_trend(gap_t["time"], gap_t["gap"], statistic=gap_statistic)
    times = sorted(panel["time"].unique())
    beta = change = gap_change = None
    if len(times) >= 2:
        beta = stats.beta_convergence(panel, times[0], times[-1], cov_type=BETA_COV_TYPE)
        change = stats.bootstrap_dispersion_change(
            panel, times[0], times[-1], statistic="cv", n_boot=1000
        )
        gap_change = stats.bootstrap_dispersion_change(
            panel, times[0], times[-1], statistic=gap_statistic, n_boot=1000
        )
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    last = sigma.iloc[-1] if len(sigma) else None
    if last is not None:
        findings.add(f"{key}.n-areas", last["n"], statistic="n_areas", decimals=0, **common)
        # evidence rule 3: the first and latest levels of a dispersion measure whose change is
        # reported are computed on the same areas (those observed in both periods)
        cv_ends = _balanced_ends(change, sigma["cv"].iat[0], last["cv"], sigma["n"])
        for name, (value, n) in zip(("cv-first", "cv-latest"), cv_ends, strict=True):
            findings.add(f"{key}.{name}", value, statistic="cv", decimals=3, n=n, **common)
        findings.add(
            f"{key}.cv-trend",
            dispersion.estimate,
            lower=dispersion.lower,
            upper=dispersion.upper,
            statistic="cv_trend",
            n=dispersion.n,
            method=dispersion.method,
            decimals=4,
            **common,
        )
        findings.add(
            f"{key}.cv-verdict",
            None,
            display=dispersion.verdict,
            statistic="sigma_verdict",
            method=dispersion.method,
            **common,
        )
        gap_ends = _balanced_ends(gap_change, gap["gap"].iat[0], gap["gap"].iat[-1], gap["n"])
        if gap_change is not None:
            findings.add(
                f"{key}.n-areas-both-periods",
                gap_change.n,
                statistic="n_areas",
                decimals=0,
                method="areas observed in the first and the latest period",
                **common,
            )
        for name, (value, n), time in zip(
            ("gap-first", "gap-latest"),
            gap_ends,
            (gap["time"].iat[0], gap["time"].iat[-1]),
            strict=True,
        ):
            findings.add(
                f"{key}.{name}",
                value,
                statistic=gap_statistic,
                unit="%" if money else difference_unit(unit),
                period=str(time),
                n=n,
                **common,
            )
        findings.add(
            f"{key}.gap-trend-verdict",
            None,
            display=gap_trend.verdict,
            statistic="gap_verdict",
            method=gap_trend.method,
            **common,
        )
        if (
            "theil_t_between" in sigma
            and np.isfinite(last.get("theil_t_between", np.nan))
            and last["theil_t"] > 0
        ):
            findings.add(
                f"{key}.theil-between-share",
                100 * last["theil_t_between"] / last["theil_t"],
                statistic="theil_between_share",
                unit="%",
                **common,
            )
    if beta is not None:
        findings.add_estimate(
            f"{key}.beta",
            beta,
            statistic="beta",
            verdict_key=f"{key}.beta-verdict",
            verdict_statistic="beta_verdict",
            verdict_n=False,
            decimals=4,
            **common,
        )
        half = beta.half_life  # NaN unless evidence rule 2 holds (beta.speed_note says why)
        reported = np.isfinite(half) and half > 0
        findings.add(
            f"{key}.half-life",
            half if reported else None,
            lower=beta.half_life_lower if reported else None,
            upper=beta.half_life_upper if reported and np.isfinite(beta.half_life_upper) else None,
            statistic="half_life",
            unit="years",
            n=beta.n_periods,
            period=format_period_span(beta.time_start, beta.time_end),
            method=f"{beta.method}; reported only for significant convergence on at least "
            f"{stats.MIN_PERIODS_SPEED} periods spanning {stats.MIN_YEARS_SPEED:g} years",
            display=None if reported else (beta.speed_note or verdicts.NO_CONVERGENCE),
            **common,
        )
    if change is not None:
        findings.add_estimate(
            f"{key}.cv-change",
            change,
            statistic="cv_change",
            verdict_key=f"{key}.cv-change-verdict",
            verdict_statistic="cv_change_verdict",
            verdict_n=False,
            decimals=4,
            **common,
        )
    if gap_change is not None:
        findings.add_estimate(
            f"{key}.gap-change",
            gap_change,
            statistic="decile_gap_change",
            verdict_key=f"{key}.gap-change-verdict",
            verdict_statistic="gap_change_verdict",
            verdict_n=False,
            unit="percentage points" if money else unit,
            display=_signed(gap_change.estimate, "percentage points" if money else unit),
            **common,
        )
    return ConvergenceSummary(sigma, gap, dispersion, gap_trend, beta, change, gap_change, panel)


#: Sigma measures shown beside beta and the clubs: finding-key part, sigma column, statistic.
SIGMA_MEASURES = (
    ("cv", "cv", "cv"),
    ("sd-log", "sd_log", "sd_log"),
    ("theil", "theil_t", "theil_t"),
)


@dataclass
class SigmaBetaClubs:
    """Sigma, beta and club convergence of one balanced panel (:func:`sigma_beta_clubs`)."""

    panel: pd.DataFrame
    sigma: pd.DataFrame
    trends: dict[str, stats.TrendResult]
    beta: stats.BetaConvergenceResult
    clubs: stats.ClubConvergenceResult
    members: pd.DataFrame  # area_code, area_name, group, value (latest), club, initial_club


def sigma_beta_clubs(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    groups: dict[str, str] | None = None,
    hp_filter: bool = True,
) -> SigmaBetaClubs:
    """Three answers to "do places converge?" on the same areas and years: sigma (CV, SD of
    logs, Theil T with its between-group share), beta (cross-section OLS, HC3 errors) and
    Phillips-Sul clubs (ConvergenceClubs' conventions; log values, HP filter lambda = 400 unless
    ``hp_filter`` is False; adjacent clubs merged, divergent areas listed).

    The panel is balanced (areas observed in every period), so every measure rests on the same
    areas (evidence rule 3). Records under ``<key>``: ``.n-areas``, ``.n-periods``, ``.period``;
    ``.<m>-first``/``.<m>-latest``/``.<m>-verdict`` for m in cv, sd-log, theil;
    ``.theil-between-share-first``/``-latest`` when ``groups`` are given; ``.beta`` and
    ``.beta-verdict``; ``.clubs.n-clubs``, ``.clubs.n-passing``, ``.clubs.n-divergent``, ``.clubs.log-t-b`` (se, t),
    ``.clubs.log-t-verdict``; per club k ``.clubs.club<k>.n-areas``, ``.b``, ``.se``, ``.t``,
    ``.verdict``.
    """
    panel = md.panel(geography, groups=groups).dropna(subset=["value"])
    periods = panel["time"].nunique()
    counts = panel.groupby("area_code")["time"].nunique()
    panel = panel[panel["area_code"].isin(counts.index[counts == periods])]
    if "group" in panel and panel["group"].isna().all():
        panel = panel.drop(columns="group")
    sigma = stats.sigma_convergence(panel, weight_col=None).frame
    times = sorted(panel["time"].unique())
    period = format_period_span(times[0], times[-1])
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    n = panel["area_code"].nunique()
    findings.add(f"{key}.n-areas", n, statistic="n_areas", decimals=0, **common)
    findings.add(f"{key}.n-periods", periods, statistic="n_periods", decimals=0, **common)
    findings.add(
        f"{key}.period",
        None,
        display=f"{int(times[0])} to {int(times[-1])}",
        statistic="period",
        **common,
    )
    trends = {}
    for part, column, statistic in SIGMA_MEASURES:
        trends[part] = stats.dispersion_trend(sigma["time"], sigma[column], statistic=statistic)
        for end, row in (("first", sigma.iloc[0]), ("latest", sigma.iloc[-1])):
            findings.add(
                f"{key}.{part}-{end}",
                row[column],
                statistic=statistic,
                decimals=3,
                n=n,
                period=f"{row['time']:g}",
                **common,
            )
        findings.add(
            f"{key}.{part}-verdict",
            None,
            display=trends[part].verdict,
            statistic="sigma_verdict",
            method=trends[part].method,
            n=trends[part].n,
            **common,
        )
    if "theil_t_between" in sigma:
        for end, row in (("first", sigma.iloc[0]), ("latest", sigma.iloc[-1])):
            findings.add(
                f"{key}.theil-between-share-{end}",
                100 * row["theil_t_between"] / row["theil_t"],
                statistic="theil_between_share",
                unit="%",
                n=n,
                period=f"{row['time']:g}",
                **common,
            )
    beta = stats.beta_convergence(panel, times[0], times[-1], cov_type=BETA_COV_TYPE)
    findings.add_estimate(
        f"{key}.beta",
        beta,
        statistic="beta",
        verdict_key=f"{key}.beta-verdict",
        verdict_statistic="beta_verdict",
        verdict_n=False,
        decimals=4,
        period=period,
        **common,
    )
    clubs = stats.club_clustering(panel[["area_code", "time", "value"]], hp_filter=hp_filter)
    ps = f"{key}.clubs"
    findings.add(
        f"{ps}.n-clubs",
        clubs.estimate,
        statistic="club_count",
        decimals=0,
        method=clubs.method,
        **common,
    )
    findings.add(
        f"{ps}.n-initial-clubs",
        len(clubs.initial_clubs),
        statistic="club_count",
        decimals=0,
        method="findClubs, before merging",
        **common,
    )
    passing = sum(test.verdict == verdicts.PS_NOT_REJECTED for test in clubs.club_tests)
    findings.add(
        f"{ps}.n-passing",
        passing,
        statistic="club_count",
        decimals=0,
        method="clubs whose own log-t test does not reject convergence (a club found with the "
        "fixed c* = 0 sieve can fail it)",
        **common,
    )
    findings.add(
        f"{ps}.n-divergent",
        len(clubs.divergent),
        statistic="n_areas",
        decimals=0,
        method=clubs.method,
        **common,
    )
    tests = [("log-t", clubs.overall)] + [
        (f"club{k}", test) for k, test in enumerate(clubs.club_tests, start=1)
    ]
    for name, test in tests:
        prefix = f"{ps}.{name}" if name != "log-t" else f"{ps}.log-t"
        if name != "log-t":
            findings.add(f"{prefix}.n-areas", test.n, statistic="n_areas", decimals=0, **common)
        for part, value, statistic in (
            ("b", test.estimate, "log_t_b"),
            ("se", test.se, "log_t_se"),
            ("t", test.t_stat, "log_t_t"),
        ):
            findings.add(
                f"{prefix}.{part}",
                value,
                statistic=statistic,
                decimals=3,
                n=test.n,
                period=period,
                method=test.method,
                **common,
            )
        findings.add(
            f"{prefix}.verdict",
            None,
            display=test.verdict,
            statistic="log_t_verdict",
            method=test.method,
            n=test.n,
            **common,
        )
    latest = panel[panel["time"] == times[-1]].set_index("area_code")
    members = clubs.membership().set_index("area_code")
    members = members.join(
        latest[["area_name", "value", *(["group"] if "group" in latest else [])]]
    )
    return SigmaBetaClubs(panel, sigma, trends, beta, clubs, members.reset_index())


def _balanced_ends(
    change: stats.DispersionChange | None, first: float, latest: float, n: pd.Series
) -> list[tuple[float, int]]:
    """First and latest value of a dispersion measure with the number of areas behind each.

    With a change between the two periods (a paired bootstrap), both values are the change's own
    start and end values, computed on the areas observed in both periods (a balanced panel,
    evidence rule 3); with one period only, the period's value on all its areas.
    """
    if change is not None and change.n > 0:
        return [(change.start_value, change.n), (change.end_value, change.n)]
    return [(first, int(n.iat[0])), (latest, int(n.iat[-1]))]


def _non_overlapping_times(times: pd.Series, years: float) -> list[float]:
    """From the latest period backwards, periods at least ``years`` apart."""
    keep, last = [], None
    for t in sorted(times.unique(), reverse=True):
        if last is None or last - t >= years - LEAP_SLACK:
            keep.append(t)
            last = t
    return keep


# -------------------------------------------------------------------------------------------
@dataclass
class TrajectorySummary:
    observed: pd.DataFrame
    linear: pd.DataFrame
    constant_rate: pd.DataFrame
    required: pd.DataFrame
    progress: stats.ProgressResult | None
    projections: dict[str, stats.ProjectionResult]
    target_level: float | None
    target_year: int | None


def _projections(series: pd.DataFrame, spec, overlap, bounds) -> dict:
    """The linear (OLS, prediction interval; non-overlapping periods) and constant-rate
    projections of ``series`` to ``spec``'s target year, within the metric's ``bounds``."""
    t, y = series["time"], series["value"]
    return {
        "linear": stats.project_to_target(
            t, y, spec, method="linear", period_years=overlap, bounds=bounds
        ),
        "constant_rate": stats.project_to_target(t, y, spec, method="constant_rate", bounds=bounds),
    }


def trajectory(
    md: MetricData,
    area_code: str,
    findings: Findings,
    key: str,
    *,
    which: str = "target",
    series: pd.DataFrame | None = None,
    baseline_period: str | None = None,
    target_year: int | None = None,
) -> TrajectorySummary:
    """Projections of one series to its target year: the linear trend with a 95% prediction
    interval and the constant rate of the last five years (the annex's method), against the
    path required from the baseline; plus the progress status and the year the target would be
    reached at the current rate.

    Records ``<key>.target-level``, ``.required-rate``, ``.observed-rate``, ``.status``,
    ``.linear-2030`` (projected value with PI), ``.linear-verdict``, ``.rate-2030``,
    ``.rate-verdict``, ``.year-reached`` and ``.when-reached`` (the same in words, for a sentence).
    """
    series = (series if series is not None else md.series(area_code)).dropna(subset=["value"])
    units = set(series["unit"].dropna().astype(str)) - {""} if "unit" in series else set()
    if len(units) == 1 and is_share_unit(units.pop()) != is_share_unit(md.metric.unit):
        raise ValueError(  # evidence rule 5: a target is applied only in its own unit
            f"{md.metric.id}: the target is counted in {md.metric.unit!r}; the series is in "
            f"{sorted(set(series['unit']))[0]!r}"
        )
    target = md.target(which)
    if target is not None and target_year:
        target = target.model_copy(update={"target_year": int(target_year)})
    observed = series.rename(columns={"lower_ci": "lower", "upper_ci": "upper"})[
        ["time", "value", "lower", "upper", "period"]
    ]
    empty = pd.DataFrame(columns=["time", "estimate", "lower", "upper"])
    spec = md.target_spec(which, baseline_period=baseline_period, target_year=target_year)
    if spec is None or series.empty:
        return TrajectorySummary(
            observed,
            empty,
            pd.DataFrame(columns=["time", "value"]),
            pd.DataFrame(columns=["time", "value"]),
            None,
            {},
            None,
            None,
        )
    unit = md.metric.unit
    common = {
        "metric": md.metric.id,
        "area": area_code,
        "area_name": series["area_name"].iat[-1],
        "unit": unit,
    }
    overlap = _overlap_years(series.assign(period_years=period_years(series)))
    bounds = md.metric.value_bounds
    progress = stats.progress_status(
        series["time"], series["value"], spec, lower=series["lower_ci"], upper=series["upper_ci"]
    )
    projections = _projections(series, spec, overlap, bounds)
    level = (
        progress.target_level
        if np.isfinite(progress.target_level)
        else projections["linear"].target_level
    )
    # paths for the chart: yearly from the latest observation to the target year
    t_last = float(series["time"].iat[-1])
    # start at the latest observation so the projected lines join the observed one
    years = np.concatenate(
        [[t_last], np.arange(math.floor(t_last) + 1.5, spec.target_year + 0.01, 1.0)]
    )
    linear_rows, rate_rows = [], []
    for t in years:
        if t <= spec.baseline_year:
            continue
        point = stats.TargetSpec(
            direction=spec.direction,
            baseline_year=spec.baseline_year,
            target_year=float(t),
            target_level=level,
        )
        lin, rate = _projections(series, point, overlap, bounds).values()
        linear_rows.append(
            {"time": t, "estimate": lin.estimate, "lower": lin.lower, "upper": lin.upper}
        )
        rate_rows.append({"time": t, "value": rate.estimate})
    linear = pd.DataFrame(linear_rows).dropna(subset=["estimate"]) if linear_rows else empty
    constant_rate = (
        pd.DataFrame(rate_rows).dropna(subset=["value"])
        if rate_rows
        else pd.DataFrame(columns=["time", "value"])
    )
    # projected values outside the bounds are dropped by the engine (evidence rule 4); only the
    # drawn interval is cut at the bounds
    linear[["lower", "upper"]] = linear[["lower", "upper"]].clip(*bounds)
    required = pd.DataFrame(columns=["time", "value"])
    if np.isfinite(progress.baseline_value) and np.isfinite(progress.required_cagr):
        span = np.linspace(progress.baseline_time, spec.target_year, 12)
        required = pd.DataFrame(
            {
                "time": span,
                "value": progress.baseline_value
                * (1 + progress.required_cagr) ** (span - progress.baseline_time),
            }
        )
    findings.add(
        f"{key}.target-level",
        level,
        statistic="target_level",
        period=str(target.target_year),
        method=f"registry target: {target.kind} {target.value:g}",
        **common,
    )
    findings.add(f"{key}.baseline", progress.baseline_value, statistic="baseline", **common)
    findings.add(
        f"{key}.required-rate",
        100 * progress.required_cagr if np.isfinite(progress.required_cagr) else None,
        statistic="required_cagr",
        **{**common, "unit": "% a year"},
        display=_rate(progress.required_cagr),
    )
    findings.add(
        f"{key}.observed-rate",
        100 * progress.observed_cagr if np.isfinite(progress.observed_cagr) else None,
        statistic="observed_cagr",
        **{**common, "unit": "% a year"},
        display=_rate(progress.observed_cagr),
    )
    findings.add(
        f"{key}.status",
        None,
        display=progress.status,
        statistic="progress_status",
        method=progress.method,
        n=progress.n,
        **common,
    )
    if progress.probabilities:
        p_on = progress.probabilities.get("on track", 0) + progress.probabilities.get(
            "target met", 0
        )
        findings.add(
            f"{key}.p-on-track",
            100 * p_on,
            statistic="probability_on_track",
            **{**common, "unit": "%"},
            decimals=0,
        )
    for name, projection in projections.items():
        short = "linear" if name == "linear" else "rate"
        findings.add(
            f"{key}.{short}-{target.target_year}",
            _nan_none(projection.estimate),
            lower=_bounded(projection.lower, bounds),
            upper=_bounded(projection.upper, bounds),
            statistic=f"projection_{name}",
            period=str(target.target_year),
            method=projection.method + (f"; {projection.note}" if projection.note else ""),
            n=projection.n,
            display=verdicts.TOO_UNCERTAIN if projection.note else None,
            **common,
        )
        findings.add(
            f"{key}.{short}-verdict",
            None,
            display=projection.verdict,
            statistic=f"projection_{name}_verdict",
            method=projection.method,
            **common,
        )
    reached = projections["constant_rate"].year_reached
    findings.add(
        f"{key}.year-reached",
        reached,
        statistic="year_target_reached",
        display=("never at the current rate" if reached is None else f"{math.floor(reached)}"),
        **{**common, "unit": ""},
    )
    findings.add(  # quoted in running text: "At that rate the target {{< var ....when-reached >}}."
        f"{key}.when-reached",
        reached,
        statistic="year_target_reached",
        display=(
            "would never be reached"
            if reached is None
            else f"would be reached in {math.floor(reached)}"
        ),
        **{**common, "unit": ""},
    )
    return TrajectorySummary(
        observed, linear, constant_rate, required, progress, projections, level, target.target_year
    )


def constant_rate_label(summary: TrajectorySummary) -> str:
    """Legend text for a trajectory's constant-rate line that says what the line really is.

    The rate runs from the observation nearest to five years before the latest
    (:func:`levelup.stats.project_to_target`); when the series is shorter the window is shorter,
    and "the rate of the last five years" would misdescribe it. Returns "at the rate of the last
    five years" only when the window spans at least 4.5 years, else "at the growth rate since
    <first period of the window>".
    """
    obs = summary.observed.dropna(subset=["value"])
    t = obs["time"].to_numpy(float)
    if len(t) < 2:
        return "at the recent growth rate"
    earlier = t[:-1]
    i = int(np.argmin(np.abs(earlier - (t[-1] - LAST_K_YEARS)) + 1e-9 * earlier))
    if t[-1] - earlier[i] >= LAST_K_YEARS - 0.5:
        return "at the rate of the last five years"
    return f"at the growth rate since {period_label(str(obs['period'].iat[i]))}"


def growth_path(series: pd.DataFrame, rate: float, target_year: int) -> pd.DataFrame:
    """A series' latest value carried on at a constant annual ``rate`` to ``target_year``:
    y(t) = y_last (1 + rate)^(t - t_last), yearly from the latest observation (``time``,
    ``value``; empty if the rate is not finite). Shares are the caller's to cap."""
    rows = series.dropna(subset=["value"])
    if rows.empty or not np.isfinite(rate):
        return pd.DataFrame(columns=["time", "value"])
    t_last, y_last = float(rows["time"].iat[-1]), float(rows["value"].iat[-1])
    horizon = target_time(target_year)
    times = np.concatenate([[t_last], np.arange(math.floor(t_last) + 1.5, horizon + 0.01, 1.0)])
    return pd.DataFrame({"time": times, "value": y_last * (1 + rate) ** (times - t_last)})


def _rate(cagr: float) -> str:
    if cagr is None or not np.isfinite(cagr):
        return "n/a"
    return f"{100 * cagr:+.1f}% a year".replace("-", "−")


# -------------------------------------------------------------------------------------------
def area_progress(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    which: str = "target",
    indicator: str | None = None,
) -> pd.DataFrame:
    """Progress in every area: the progress status against a quantified target, or for a
    directional one ("risen in every area") the polarity-read trend of each area.

    Returns one row per area (area_code, area_name, status, ...) and records the number of
    areas in each status under ``<key>.<status>`` plus ``<key>.n-areas``.
    """
    table = area_statuses(md, md.panel(geography, indicator), which=which, indicator=indicator)
    counts = table["status"].value_counts()
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    findings.add(f"{key}.n-areas", len(table), statistic="n_areas", decimals=0, **common)
    for status, count in counts.items():
        findings.add(
            f"{key}.{status.replace(' ', '-')}",
            count,
            statistic=f"areas_{status}",
            decimals=0,
            **common,
        )
    return table


def area_statuses(
    md: MetricData, panel: pd.DataFrame, *, which: str = "target", indicator: str | None = None
) -> pd.DataFrame:
    """Each area's status in a long panel (``area_code``, ``area_name``, ``time``, ``value``,
    intervals): against the quantified target (:func:`levelup.stats.panel_progress_status`,
    baselines per area), or for a directional one the polarity-read OLS trend
    (:func:`levelup.stats.panel_trends`, overlapping periods thinned). One row per area with
    ``status``; records nothing (:func:`area_progress` and the area profiles do)."""
    lengths = period_years(panel)
    panel = panel.dropna(subset=["value"])
    spec = md.target_spec(which) if md.target_applies(indicator, which) else None
    names = panel.drop_duplicates("area_code").set_index("area_code")["area_name"]
    if spec is not None:
        table = stats.panel_progress_status(panel, spec).frame
        table["status"] = table["status"].astype(str)
    else:
        overlap = None
        if len(lengths) and lengths.max() > 1.01:
            overlap = float(lengths.max())
        table = stats.panel_trends(panel, period_years=overlap).frame
        table["status"] = [direction_verdict(v, md.higher_is_better) for v in table["ols_verdict"]]
    table["area_name"] = table["area_code"].map(names)
    return table


# -------------------------------------------------------------------------------------------
def markdown_table(
    frame: pd.DataFrame, columns: dict[str, str] | None = None, *, decimals: int = 1
):
    """A pipe table (pandoc and Quarto read it for HTML and PDF) as an IPython Markdown output."""
    from IPython.display import Markdown

    from levelup.safe_output import markdown_cell

    frame = frame[list(columns)] if columns else frame
    headers = [markdown_cell(h) for h in (columns.values() if columns else frame.columns)]

    def cell(value) -> str:
        if isinstance(value, float):
            return "" if not np.isfinite(value) else f"{value:,.{decimals}f}"
        return markdown_cell(value)

    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join("---:" if n else ":---" for n in numeric) + "|",
    ]
    lines += [
        "| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)
    ]
    return Markdown("\n".join(lines))
