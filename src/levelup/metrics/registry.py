"""The metric registry (``data/metrics.yaml``): what is measured for each mission and capital.

Validated on load by pydantic models, so a typo in an indicator id, a target without its annex
sentence or a metric with neither data nor a reason for its absence stops everything early.
:meth:`Registry.coverage` says, per edition, which metrics resolve to data.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from levelup import config_files
from levelup.paths import PROJECT_ROOT

REGISTRY_PATH = PROJECT_ROOT / "data" / "metrics.yaml"
CAPITALS = ("physical", "intangible", "human", "financial", "social", "institutional")


#: Derivation inputs named as pinned files (read directly) rather than as indicator ids.
FILE_SUFFIXES = (".csv", ".xlsx", ".json")


def is_file_input(item: str) -> bool:
    """A derivation input that is a pinned file path (``curated/x/y.csv``), not an indicator."""
    return item.endswith(FILE_SUFFIXES)


class RegistryError(ValueError):
    """The registry file breaks its schema; the message lists each problem by location."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Target(_Model):
    """A quantified (or directional) ambition, with the annex sentence it comes from.

    kind: ``level`` (reach ``value``), ``change_abs`` (baseline + ``value``), ``change_rel``
    (baseline x (1 + ``value``)), or ``direction`` (move in ``direction``, no number given).
    """

    kind: Literal["level", "change_abs", "change_rel", "direction"]
    direction: Literal["increase", "decrease"]
    target_year: int
    scope: str
    quote: str
    value: float | None = None
    baseline_period: str | None = None
    gap: Literal["closing"] | None = None
    series: str | None = (
        None  # a different indicator the target is counted on (e.g. England counts)
    )

    @model_validator(mode="after")
    def _value_when_quantified(self):
        if self.kind != "direction" and self.value is None:
            raise ValueError(f"a {self.kind} target needs a value")
        if self.kind in ("change_abs", "change_rel") and not self.baseline_period:
            raise ValueError(f"a {self.kind} target needs a baseline_period")
        if self.kind == "change_rel" and self.direction == "decrease" and (self.value or 0) > 0:
            raise ValueError("a relative decrease is written as a negative change (e.g. -0.5)")
        return self


class DataMapping(_Model):
    """Where a metric's numbers come from: a pinned indicator, or a derivation from several."""

    indicator: str | None = None
    dataset: str | None = (
        None  # when the indicator is read from another dataset (e.g. the history series)
    )
    breakdown: list[str] = Field(default_factory=list)
    derived: str | None = None
    inputs: list[str] = Field(default_factory=list)
    published: str | None = None  # a published value of the derived figure to check against
    geography: list[str] = Field(default_factory=list)
    editions: list[str] | None = None

    @model_validator(mode="after")
    def _one_source(self):
        if bool(self.indicator) == bool(self.derived):
            raise ValueError("data needs exactly one of `indicator` or `derived`")
        return self

    @property
    def dataset_id(self) -> str | None:
        if self.dataset:
            return self.dataset
        return self.indicator.rsplit("/", 1)[0] if self.indicator else None


class Proxy(DataMapping):
    label: str
    reason: str


class Metric(_Model):
    id: str
    title: str
    missions: list[int] = Field(default_factory=list)
    capitals: list[
        Literal["physical", "intangible", "human", "financial", "social", "institutional"]
    ] = Field(default_factory=list)
    role: Literal["headline", "supporting", "capital_proxy"]
    polarity: Literal["higher_is_better", "lower_is_better", "neutral"]
    unit: str
    annex_geography: str
    exploratory: bool = False
    data: DataMapping | None = None
    unavailable: str | None = None
    proxy: Proxy | None = None
    target: Target | None = None
    area_target: Target | None = None
    gap_target: Target | None = None
    real_terms: bool = False  # money in cash: analysed deflated by the GDP deflator
    note: str = ""
    #: values the metric can take, when its unit does not say (see ``value_bounds``)
    bounds: tuple[float | None, float | None] | None = None

    @model_validator(mode="after")
    def _data_or_reason(self):
        if (self.data is None) == (self.unavailable is None):
            raise ValueError(
                f"{self.id}: give exactly one of `data` or `unavailable` (with the reason)"
            )
        if not self.missions and not self.capitals:
            raise ValueError(f"{self.id}: a metric belongs to at least one mission or capital")
        if any(m not in range(1, 13) for m in self.missions):
            raise ValueError(f"{self.id}: missions are numbered 1-12")
        return self

    @property
    def higher_is_better(self) -> bool | None:
        return {"higher_is_better": True, "lower_is_better": False}.get(self.polarity)

    @property
    def value_bounds(self) -> tuple[float, float]:
        """The values the metric can take: ``bounds`` if given, else from its unit (shares
        0-100, counts and money at least 0, ...; :func:`levelup.stats.unit_bounds`)."""
        from levelup.stats.projection import unit_bounds

        if self.bounds is None:
            return unit_bounds(self.unit)
        lo, hi = self.bounds
        return (-float("inf") if lo is None else lo, float("inf") if hi is None else hi)

    @property
    def in_annex(self) -> bool:
        """Listed in annex Figures 15-16 (mission metrics), as opposed to added context."""
        return (
            self.role in ("headline", "supporting")
            and "not an annex metric" not in self.note
            and "not in Figure 15" not in self.note
        )


class Mission(_Model):
    short: str
    statement: str
    objective: str
    capitals: list[str]


class Capital(_Model):
    title: str
    definition: str
    measurement: dict[str, Literal["green", "orange", "red"]]


class AnnexPoint(_Model):
    """One printed annex figure placed on a chart: its value, as printed, and the period it
    describes (ISO 8601, e.g. ``2017-06-01/P1M``)."""

    figure: str
    value: float
    period: str
    what: str = ""  # what the figure is of, where a chart holds several ("outside the GSE")


class AnnexFigure(_Model):
    """A figure the annex prints about a metric, quoted verbatim with its period.

    ``withheld`` marks figures the project's working copy of the annex replaces with "[…]"
    (the published annex prints them): the report computes those and never says the annex
    left them out.
    """

    id: str
    mission: int
    quote: str
    figures: list[str] = []
    withheld: bool = False
    period: str
    computed_by: dict[str, str]
    status: Literal["computed", "partial", "unavailable"]
    reason: str = ""
    points: list[AnnexPoint] = []

    @model_validator(mode="after")
    def _figures_printed(self):
        if self.withheld == bool(self.figures):
            raise ValueError(
                f"annex figure {self.id}: give the printed figures, or mark it withheld (not both)"
            )
        for point in self.points:
            if point.figure not in self.figures:
                raise ValueError(
                    f"annex figure {self.id}: point {point.figure!r} is not one of its printed "
                    f"figures {self.figures}"
                )
            printed = re.sub(r"[^0-9.]", "", point.figure)
            if not printed or float(printed) != point.value:
                raise ValueError(
                    f"annex figure {self.id}: point value {point.value:g} does not match the "
                    f"printed {point.figure!r}"
                )
        return self


class RegistryDocument(_Model):
    source: dict
    capitals: dict[str, Capital]
    missions: dict[int, Mission]
    metrics: list[Metric]
    annex_figures: list[AnnexFigure]

    @model_validator(mode="after")
    def _complete(self):
        if sorted(self.missions) != list(range(1, 13)):
            raise ValueError("the registry must define all 12 missions")
        if sorted(self.capitals) != sorted(CAPITALS):
            raise ValueError(f"the registry must define the six capitals {CAPITALS}")
        ids = [m.id for m in self.metrics]
        if len(ids) != len(set(ids)):
            raise ValueError(
                f"duplicate metric ids: {sorted({i for i in ids if ids.count(i) > 1})}"
            )
        known = set(ids)
        for figure in self.annex_figures:
            if figure.computed_by["metric"] not in known:
                raise ValueError(
                    f"annex figure {figure.id} names unknown metric {figure.computed_by['metric']}"
                )
        for number in self.missions:
            if not any(m.role == "headline" and number in m.missions for m in self.metrics):
                raise ValueError(f"mission {number} has no headline metric")
        for capital in CAPITALS:
            if not any(capital in m.capitals for m in self.metrics):
                raise ValueError(f"capital {capital} has no metric")
        return self


Status = Literal["data", "derived", "proxy", "not in this edition", "unavailable"]


class Registry:
    """The validated registry plus resolution of metrics to an edition's data."""

    def __init__(self, path: Path = REGISTRY_PATH):
        self.path = path
        try:
            self.document = RegistryDocument.model_validate(config_files.read_yaml(path))
        except ValidationError as exc:
            lines = [f"{path}: {exc.error_count()} problem(s) in the metric registry:"]
            for error in exc.errors():
                where = ".".join(str(p) for p in error["loc"])
                lines.append(f"  - {where}: {error['msg']}")
            raise RegistryError("\n".join(lines)) from None

    @property
    def metrics(self) -> list[Metric]:
        return self.document.metrics

    @cached_property
    def by_id(self) -> dict[str, Metric]:
        return {m.id: m for m in self.metrics}

    def metric(self, metric_id: str) -> Metric:
        try:
            return self.by_id[metric_id]
        except KeyError:
            raise KeyError(f"unknown metric {metric_id!r} (see `levelup metrics list`)") from None

    def metrics_by_input(self) -> dict[str, set[str]]:
        """Indicator id -> the metrics that read it (as data, proxy, breakdown or input)."""
        by_input: dict[str, set[str]] = {}
        for metric in self.metrics:
            for mapping in (metric.data, metric.proxy):
                if mapping is None:
                    continue
                inputs = (
                    [mapping.indicator, *mapping.breakdown, *mapping.inputs]
                    if mapping.indicator
                    else list(mapping.inputs)
                )
                for indicator in inputs:
                    by_input.setdefault(indicator, set()).add(metric.id)
        return by_input

    def for_mission(self, number: int) -> list[Metric]:
        return [m for m in self.metrics if number in m.missions]

    def for_capital(self, capital: str) -> list[Metric]:
        return [m for m in self.metrics if capital in m.capitals]

    def mission(self, number: int) -> Mission:
        return self.document.missions[number]

    def capital(self, name: str) -> Capital:
        return self.document.capitals[name]

    def annex_figures(self, mission: int | None = None) -> list[AnnexFigure]:
        return [f for f in self.document.annex_figures if mission is None or f.mission == mission]

    def annex_figure(self, figure_id: str) -> AnnexFigure:
        for figure in self.document.annex_figures:
            if figure.id == figure_id:
                return figure
        raise KeyError(f"unknown annex figure {figure_id!r} (see annex_figures in {self.path})")

    # ------------------------------------------------------------------ resolution
    def status(
        self, metric: Metric, edition: str, available_indicators: set[str], derivations: set[str]
    ) -> tuple[Status, str]:
        """How a metric resolves in an edition, and the source it resolves to."""

        def usable(mapping: DataMapping | None) -> tuple[bool, str]:
            if mapping is None:
                return False, ""
            if mapping.editions is not None and edition not in mapping.editions:
                return False, "edition"
            if mapping.derived:
                return mapping.derived in derivations and all(
                    i in available_indicators or is_file_input(i) for i in mapping.inputs
                ), mapping.derived
            return mapping.indicator in available_indicators, mapping.indicator

        ok, source = usable(metric.data)
        if ok:
            return ("derived" if metric.data.derived else "data"), source
        ok_proxy, proxy_source = usable(metric.proxy)
        if ok_proxy:
            return "proxy", proxy_source
        if metric.data is not None:
            return "not in this edition", source if source != "edition" else ""
        return "unavailable", ""

    def coverage(self, edition: str, available_indicators: set[str]) -> list[dict]:
        """One row per metric: mission(s), capital(s), role, status and source in ``edition``."""
        from levelup.metrics import derived

        derivations = set(derived.DERIVATIONS)
        rows = []
        for metric in self.metrics:
            status, source = self.status(metric, edition, available_indicators, derivations)
            rows.append(
                {
                    "metric": metric.id,
                    "title": metric.title,
                    "missions": metric.missions,
                    "capitals": metric.capitals,
                    "role": metric.role,
                    "in_annex": metric.in_annex,
                    "status": status,
                    "source": source,
                    "reason": metric.unavailable or "",
                }
            )
        return rows


def coverage_summary(rows: list[dict]) -> dict[str, int]:
    """Counts behind the coverage figure: annex mission metrics with data / in the annex."""
    annex = [r for r in rows if r["in_annex"]]
    with_data = [r for r in annex if r["status"] in ("data", "derived")]
    with_proxy = [r for r in annex if r["status"] == "proxy"]
    return {
        "annex_metrics": len(annex),
        "with_data": len(with_data),
        "with_proxy_only": len(with_proxy),
        "all_metrics": len(rows),
    }
