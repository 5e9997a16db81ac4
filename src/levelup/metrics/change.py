"""Has each area improved since a baseline period? The test behind "improved in every area".

:func:`area_change` compares every area's latest value with its value in a baseline period. Where
the publisher gives 95% confidence intervals for both, the change is tested with a z-test whose
standard errors come from the intervals (as :func:`levelup.stats.compare_to_comparator`); the verdict
is read through the metric's polarity: "improved", "worsened" or "no significant change".
Without intervals (administrative counts, survey tables without CIs) the change is reported by its
sign only and flagged as untested, never as significant.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from levelup import stats
from levelup.data.periods import period_label
from levelup.findings.table import Findings
from levelup.metrics.analysis import MetricData
from levelup.stats.distributions import norm_ppf, norm_sf
from levelup.stats.verdicts import IMPROVED, NO_CHANGE, WORSENED
from levelup.wording import number_or_none

#: Every status :func:`area_change` can give, in reading order (all are recorded, zeros included).
CHANGE_STATUSES = (IMPROVED, NO_CHANGE, WORSENED, stats.INSUFFICIENT)


def _status(diff: float, p: float, tested: bool, higher_is_better: bool, alpha: float) -> str:
    if not np.isfinite(diff):
        return stats.INSUFFICIENT
    better = diff > 0 if higher_is_better else diff < 0
    worse = diff < 0 if higher_is_better else diff > 0
    if tested and not p < alpha:
        return NO_CHANGE
    if better:
        return IMPROVED
    if worse:
        return WORSENED
    return NO_CHANGE


def area_change(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    since: str,
    indicator: str | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Each area's latest value against its value in period ``since`` (an ISO period label).

    Returns one row per area: ``area_code``, ``area_name``, ``baseline``, ``latest``,
    ``baseline_period``, ``latest_period``, ``change``, ``lower``/``upper`` (95% CI of the
    change, when tested), ``p_value``, ``tested`` and ``status`` (one of :data:`CHANGE_STATUSES`).
    Areas without a value in ``since`` or without a later value are "insufficient data".

    Records under ``<key>``: ``.n-areas``, a count for every status (``.improved``,
    ``.no-significant-change``, ``.worsened``, ``.insufficient-data``), ``.share-improved`` (% of
    areas with a verdict), ``.baseline-period``, ``.latest-period`` and ``.tested`` ("yes" when
    every verdict rests on a test, else how many were untested).
    """
    hib = md.higher_is_better
    if hib is None:
        raise ValueError(f"{md.metric.id}: a change verdict needs the metric's polarity")
    panel = md.panel(geography, indicator)
    names = panel.drop_duplicates("area_code").set_index("area_code")["area_name"]
    values = panel.dropna(subset=["value"])
    base = values[values["period"] == since].drop_duplicates("area_code").set_index("area_code")
    latest = values.sort_values("time").groupby("area_code").tail(1).set_index("area_code")
    table = pd.DataFrame({"area_code": names.index, "area_name": names.to_numpy()})
    table["baseline_period"] = since
    b = base.reindex(names.index)
    c = latest.reindex(names.index)
    later = (c["time"] > b["time"]).to_numpy()
    table["baseline"] = b["value"].to_numpy()
    table["latest"] = np.where(later, c["value"].to_numpy(), np.nan)
    table["latest_period"] = np.where(later, c["period"].to_numpy(), None)
    table["change"] = table["latest"] - table["baseline"]
    # z-test of the change with SEs from the published intervals (both estimates independent)
    se = np.sqrt(
        stats.se_from_ci(b["lower_ci"], b["upper_ci"]) ** 2
        + stats.se_from_ci(c["lower_ci"], c["upper_ci"]) ** 2
    )
    tested = np.isfinite(se) & (se > 0) & later
    z = norm_ppf(1 - alpha / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = 2 * norm_sf(np.abs(table["change"].to_numpy() / se))
    table["lower"] = np.where(tested, table["change"] - z * se, np.nan)
    table["upper"] = np.where(tested, table["change"] + z * se, np.nan)
    table["p_value"] = np.where(tested, p, np.nan)
    table["tested"] = tested
    table["status"] = [
        _status(d, pv, t, hib, alpha)
        for d, pv, t in zip(table["change"], table["p_value"], table["tested"], strict=True)
    ]
    _record(md, geography, findings, key, table, since)
    return table


def record_status_counts(
    findings: Findings, key: str, table: pd.DataFrame, common: dict, method: str = ""
) -> pd.Series:
    """Record ``<key>.n-areas`` and, for each of :data:`CHANGE_STATUSES`, how many areas of
    ``table`` (one row per area, column ``status``) have it; returns the counts."""
    counts = table["status"].value_counts()
    findings.add(f"{key}.n-areas", len(table), statistic="n_areas", decimals=0, **common)
    for status in CHANGE_STATUSES:
        findings.add(
            f"{key}.{status.replace(' ', '-')}",
            int(counts.get(status, 0)),
            statistic=f"areas_{status.replace(' ', '_')}",
            method=method,
            decimals=0,
            display=number_or_none(int(counts.get(status, 0))),
            **common,
        )
    return counts


def _record(md, geography, findings: Findings, key: str, table: pd.DataFrame, since: str) -> None:
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    counts = record_status_counts(findings, key, table, common)
    judged = int(len(table) - counts.get(stats.INSUFFICIENT, 0))
    findings.add(
        f"{key}.share-improved",
        100 * counts.get(IMPROVED, 0) / judged if judged else None,
        statistic="share_of_areas_improved",
        unit="%",
        decimals=0,
        **common,
    )
    findings.add_period(
        f"{key}.baseline-period",
        since,
        **common,
    )
    latest = table["latest_period"].dropna()
    latest_period = latest.mode().iat[0] if len(latest) else ""
    findings.add(
        f"{key}.latest-period",
        None,
        display=period_label(latest_period) if latest_period else "n/a",
        statistic="period",
        period=latest_period,
        **common,
    )
    with_verdict = table[table["status"] != stats.INSUFFICIENT]
    untested = int((~with_verdict["tested"].astype(bool)).sum())
    findings.add(
        f"{key}.tested",
        None,
        display="yes" if untested == 0 else f"no ({untested} changes without a published interval)",
        statistic="tested",
        method="z-test of the change, SEs from published 95% CIs",
        **common,
    )


def status_counts(table: pd.DataFrame, statuses: tuple[str, ...] = CHANGE_STATUSES) -> pd.Series:
    """Areas in each status, in reading order, zeros included (for a summary table)."""
    counts = table["status"].value_counts()
    return pd.Series({s: int(counts.get(s, 0)) for s in statuses})
