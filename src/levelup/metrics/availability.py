"""What a mission notebook could not measure directly: one table for its "Data gaps" callout.

:func:`data_gaps_table` lists, for one edition, every registered metric that has no series
(with the registry's reason and any proxy it names), every metric shown through a labelled proxy
(why, and what the proxy measures instead), every derived metric (how it is built), and any
further gap a notebook names that the registry does not hold (e.g. a part of the mission
statement no metric covers). A notebook whose metrics all have direct data still gets a one-row
table saying so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from levelup.metrics.analysis import MetricData, MetricUnavailable, markdown_table

COLUMNS = ["metric", "status", "why", "instead"]
HEADERS = {
    "metric": "Metric",
    "status": "In this edition",
    "why": "Why",
    "instead": "Shown instead",
}


def data_gaps_rows(
    unavailable: Iterable[MetricUnavailable],
    metrics: Iterable[MetricData | None] = (),
    extra: Iterable[Mapping[str, str]] = (),
) -> pd.DataFrame:
    """Rows (``metric``, ``status``, ``why``, ``instead``) for the table, in that order:
    unavailable metrics, proxies, derived metrics, then ``extra`` rows as given."""
    rows = []
    for missing in unavailable:
        proxy = missing.metric.proxy
        rows.append(
            {
                "metric": missing.metric.title,
                "status": "no series",
                "why": missing.reason,
                "instead": f"nothing (the proxy, {proxy.label}, is not in this edition either)"
                if proxy
                else "nothing",
            }
        )
    seen = set()
    for md in metrics:
        if md is None or md.metric.id in seen:
            continue
        seen.add(md.metric.id)
        if md.is_proxy:
            proxy = md.metric.proxy
            rows.append(
                {
                    "metric": md.metric.title,
                    "status": "proxy",
                    "why": md.metric.unavailable or "no direct series in this edition",
                    "instead": f"{proxy.label}: {proxy.reason}" if proxy.reason else proxy.label,
                }
            )
        elif md.status == "derived":
            rows.append(
                {
                    "metric": md.metric.title,
                    "status": "derived",
                    "why": md.metric.note or "computed from several pinned inputs",
                    "instead": "computed by this report from published inputs: "
                    f"{_derivation_summary(md.source)}; labelled derived",
                }
            )
    for row in extra:
        rows.append({column: str(row.get(column, "")) for column in COLUMNS})
    if not rows:
        rows.append(
            {
                "metric": "none",
                "status": "",
                "why": "every registered metric has a direct series in this edition",
                "instead": "",
            }
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def registry_metrics(
    registry, loader, *, mission: int | None = None, capital: str | None = None
) -> tuple[list[MetricUnavailable], list[MetricData]]:
    """Every registered metric of a mission (or capital) resolved in the loader's edition: those
    without a series (with the registry's reason) and those with data (to find proxies and
    derived figures). The data-gaps table is built from this, so it lists every gap of the
    mission, not only the metrics a notebook happened to ask for."""
    if (mission is None) == (capital is None):
        raise ValueError("give exactly one of mission or capital")
    metrics = (
        registry.for_mission(mission) if mission is not None else registry.for_capital(capital)
    )
    unavailable: list[MetricUnavailable] = []
    resolved: list[MetricData] = []
    for metric in metrics:
        try:
            resolved.append(MetricData.load(metric.id, loader, registry))
        except MetricUnavailable as missing:
            unavailable.append(missing)
    return unavailable, resolved


def data_gaps_table(
    unavailable: Iterable[MetricUnavailable],
    metrics: Iterable[MetricData | None] = (),
    extra: Iterable[Mapping[str, str]] = (),
):
    """:func:`data_gaps_rows` as a Markdown table for a ``tbl-...-unavailable`` cell."""
    return markdown_table(data_gaps_rows(unavailable, metrics, extra), HEADERS)


def _derivation_summary(name: str) -> str:
    """What a derivation computes, in words: the first line of its docstring without the final
    full stop ("share of England's population living under a directly elected mayor"), never the
    function's name."""
    from levelup.metrics.derived import DERIVATIONS

    doc = (DERIVATIONS[name].__doc__ or "").strip().split("\n")[0].rstrip(".")
    if not doc:
        raise ValueError(f"derivation {name} has no docstring to describe it to readers")
    return doc[:1].lower() + doc[1:] if not doc[:2].isupper() else doc


def notebook_data_gaps(nb, extra: Iterable[Mapping[str, str]] = ()):
    """The data-gaps table of a mission or capital notebook (``levelup.report.notebook.Notebook``):
    every registered metric of its mission or capital without a series or shown through a proxy
    or derivation (:func:`registry_metrics`), the metrics the notebook asked for that had no data,
    and ``extra`` rows for gaps no registered metric covers."""
    unavailable: list[MetricUnavailable] = []
    resolved: list[MetricData] = []
    if nb.scope:
        unavailable, resolved = registry_metrics(nb.registry, nb.loader, **nb.scope)
    known = {m.metric.id for m in unavailable}
    unavailable += [m for m in nb.unavailable if m.metric.id not in known]
    return data_gaps_table(unavailable, resolved, extra)
