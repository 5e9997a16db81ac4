"""Typed results of the statistics engine and their findings rows.

Every statistic the engine computes is returned as a dataclass holding the estimate, a confidence
interval (95 % unless the ``method`` string says otherwise), the number of observations it rests on
and a ``method`` string naming the method and its options. ``to_frame()`` turns a result into rows
of the findings table (:data:`FINDINGS_COLUMNS`, see ``docs/ARCHITECTURE.md``): one row for the
headline estimate and one row per secondary number (standard error, p-value, ...), so that every
number the report quotes can be traced to one row.

Labels that the engine cannot know (metric, geography, area name, notebook...) live in a
:class:`Context`, attached with :meth:`Result.with_context`. The findings ``key`` is the context's
``key`` when the caller supplies one, otherwise ``metric.statistic.area.period``; secondary rows
append ``.<suffix>`` to the caller's key or use their own statistic name in the built key.

Vectorised functions (one row per series, or per period) return a :class:`ResultTable`, which also
provides ``to_frame()``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Self

import numpy as np
import pandas as pd

from levelup.stats.verdicts import INSUFFICIENT  # noqa: F401  (re-exported)

FINDINGS_COLUMNS: list[str] = [
    "key",
    "metric",
    "statistic",
    "geography",
    "area",
    "area_name",
    "period",
    "value",
    "lower",
    "upper",
    "unit",
    "n",
    "method",
    "notebook",
]

NAN = float("nan")


@dataclass(frozen=True, kw_only=True)
class Context:
    """Labels of a result that the statistics do not determine (all optional)."""

    key: str = ""
    metric: str = ""
    geography: str = ""
    area: str = ""
    area_name: str = ""
    period: str = ""
    unit: str = ""
    notebook: str = ""


def format_period(start: float, end: float | None = None) -> str:
    """Findings ``period`` label from decimal years: ``"2019"`` or ``"2015/2022"``."""
    if start is None or not np.isfinite(start):
        return ""
    label = f"{start:g}"
    if end is not None and np.isfinite(end) and end != start:
        label = f"{label}/{end:g}"
    return label


def build_key(metric: str, statistic: str, area: str, period: str) -> str:
    """The default findings key, ``metric.statistic.area.period`` (empty parts skipped)."""
    return ".".join(part for part in (metric, statistic, area, period) if part)


def _num(x: Any) -> float:
    return NAN if x is None else float(x)


@dataclass(kw_only=True)
class Result:
    """Base result: one headline estimate with its interval.

    Attributes:
        statistic: name of the estimated quantity (findings ``statistic``).
        estimate: point estimate.
        lower, upper: confidence interval (95 % unless ``method`` says otherwise), NaN if none.
        n: number of observations (time points, or areas) the estimate rests on.
        method: the method and its options, e.g. ``"OLS, HAC Bartlett 1 lag, t(3)"``.
        context: labels for the findings table.
    """

    statistic: str
    estimate: float
    lower: float = NAN
    upper: float = NAN
    n: int = 0
    method: str = ""
    context: Context = field(default_factory=Context, repr=False)

    def secondary(self) -> dict[str, tuple[float, float, float]]:
        """Further numbers of this result as ``{suffix: (value, lower, upper)}``."""
        return {}

    def default_period(self) -> str:
        """Period label used when the context gives none."""
        return ""

    def with_context(self, **labels: str) -> Self:
        """A copy with the given :class:`Context` labels set (``metric=``, ``area=``, ...)."""
        return dataclasses.replace(self, context=dataclasses.replace(self.context, **labels))

    def to_frame(self) -> pd.DataFrame:
        """Findings rows (:data:`FINDINGS_COLUMNS`): the headline row, then secondary rows."""
        ctx = self.context
        period = ctx.period or self.default_period()
        rows = []
        numbers = {"": (self.estimate, self.lower, self.upper), **self.secondary()}
        for suffix, (value, lower, upper) in numbers.items():
            statistic = f"{self.statistic}_{suffix}" if suffix else self.statistic
            if ctx.key:
                key = f"{ctx.key}.{suffix}" if suffix else ctx.key
            else:
                key = build_key(ctx.metric, statistic, ctx.area, period)
            rows.append(
                {
                    "key": key,
                    "metric": ctx.metric,
                    "statistic": statistic,
                    "geography": ctx.geography,
                    "area": ctx.area,
                    "area_name": ctx.area_name,
                    "period": period,
                    "value": _num(value),
                    "lower": _num(lower),
                    "upper": _num(upper),
                    "unit": ctx.unit,
                    "n": int(self.n),
                    "method": self.method,
                    "notebook": ctx.notebook,
                }
            )
        return pd.DataFrame(rows, columns=FINDINGS_COLUMNS)


@dataclass(kw_only=True)
class PeriodResult(Result):
    """A result estimated over a span of time.

    Attributes (besides :class:`Result`): ``time_start``, ``time_end``, the first and last time
    used (decimal years); the findings ``period`` defaults to ``"start/end"``.
    """

    time_start: float = NAN
    time_end: float = NAN

    def default_period(self) -> str:
        return format_period(self.time_start, self.time_end)


@dataclass(kw_only=True)
class ResultTable:
    """Vectorised results: one row per series (e.g. per area) in ``frame``.

    ``statistics`` maps a findings statistic name to its ``(value, lower, upper)`` columns of
    ``frame`` (``lower``/``upper`` may be ``None``); ``id_columns`` are the grouping columns.
    Columns ``time_start``/``time_end`` (or ``time``), ``n`` and, if present, ``metric`` /
    ``indicator_id`` and ``area_code`` / ``area_name`` / ``geography`` label the findings rows.
    Keys are ``<context key or metric>.statistic.area.period`` (empty parts skipped).
    """

    frame: pd.DataFrame
    statistics: Mapping[str, tuple[str, str | None, str | None]]
    id_columns: Sequence[str]
    method: Mapping[str, str] | str = ""
    context: Context = field(default_factory=Context)

    def with_context(self, **labels: str) -> ResultTable:
        """A copy with default labels for columns the frame does not carry."""
        return dataclasses.replace(self, context=dataclasses.replace(self.context, **labels))

    def _labels(self) -> dict[str, pd.Series]:
        f, ctx, n = self.frame, self.context, len(self.frame)

        def column(*names: str, default: str) -> pd.Series:
            for name in names:
                if name in f.columns:
                    return f[name].astype(str).reset_index(drop=True)
            return pd.Series([default] * n, dtype=object)

        if "time_start" in f.columns:
            start, end = f["time_start"].to_numpy(float), f["time_end"].to_numpy(float)
        elif "time" in f.columns:
            start = end = f["time"].to_numpy(float)
        else:
            start = end = np.full(n, NAN)
        period = pd.Series(
            [ctx.period or format_period(a, b) for a, b in zip(start, end, strict=True)],
            dtype=object,
        )
        return {
            "metric": column("metric", "indicator_id", default=ctx.metric),
            "geography": column("geography", default=ctx.geography),
            "area": column("area_code", "area", default=ctx.area),
            "area_name": column("area_name", default=ctx.area_name),
            "period": period,
            "unit": column("unit", default=ctx.unit),
            "notebook": column("notebook", default=ctx.notebook),
        }

    def to_frame(self) -> pd.DataFrame:
        """Findings rows: one per series and statistic (rows with a NaN value are kept)."""
        if self.frame.empty:
            return pd.DataFrame(columns=FINDINGS_COLUMNS)
        labels = self._labels()
        f = self.frame.reset_index(drop=True)
        n = f["n"].astype(int) if "n" in f.columns else pd.Series(0, index=f.index)
        parts = []
        for statistic, (value, lower, upper) in self.statistics.items():
            method = self.method if isinstance(self.method, str) else self.method[statistic]
            part = pd.DataFrame(
                {
                    **labels,
                    "statistic": statistic,
                    "value": f[value].astype(float),
                    "lower": f[lower].astype(float) if lower else NAN,
                    "upper": f[upper].astype(float) if upper else NAN,
                    "n": n,
                    "method": method,
                }
            )
            prefix = self.context.key or part["metric"]
            part["key"] = (
                (prefix + "." + statistic + "." + part["area"] + "." + part["period"])
                .str.replace(r"\.{2,}", ".", regex=True)
                .str.strip(".")
            )
            parts.append(part)
        return pd.concat(parts, ignore_index=True)[FINDINGS_COLUMNS]


def findings_frame(results: Iterable[Result | ResultTable]) -> pd.DataFrame:
    """Concatenate the findings rows of results, collections and tables into one table.

    Raises ``ValueError`` if two rows share a key, since keys must identify numbers uniquely.
    """
    frames = [r.to_frame() for r in results]
    frames = [f for f in frames if not f.empty]
    if not frames:
        return pd.DataFrame(columns=FINDINGS_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[FINDINGS_COLUMNS]
    duplicated = out["key"][out["key"].duplicated()]
    if not duplicated.empty:
        raise ValueError(f"duplicate findings keys: {sorted(set(duplicated))[:5]}")
    return out
