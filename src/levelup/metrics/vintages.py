"""Does this edition's data agree with the previous edition's for the periods both publish?

Publishers revise figures between vintages, usually by a few per cent (late-recorded events,
reclassifications). A series that moves by the same large factor in *every* overlapping period is
more likely a processing error than a revision: for example a rate whose population denominator
lost part of the area when its codes changed. :func:`vintage_check` lines up a metric's rows in
this edition and the previous one (``previous`` in ``data/editions.toml``) and flags such areas,
so a notebook can leave them out of comparisons between areas and say why, instead of reporting
an artefact as a finding. Nothing is corrected or replaced: the published values stay as they are.
"""

from __future__ import annotations

import pandas as pd

from levelup.data.load import DataLoader
from levelup.metrics.analysis import MetricData, MetricUnavailable

COLUMNS = ["area_code", "area_name", "periods", "min_ratio", "max_ratio", "median_ratio", "flagged"]


def vintage_check(
    md: MetricData,
    geography: str | tuple[str, ...],
    *,
    threshold: float = 1.5,
    indicator: str | None = None,
) -> pd.DataFrame:
    """Ratio of this edition's values to the previous edition's, per area, over common periods.

    An area is ``flagged`` when every common period differs by more than ``threshold`` in the
    same direction (all ratios > threshold, or all < 1 / threshold). Returns an empty frame when
    the edition has no previous edition or the metric has no data there.
    """
    previous = md.loader.edition.previous
    if not previous:
        return pd.DataFrame(columns=COLUMNS)
    try:
        old = MetricData.load(
            md.metric.id, DataLoader(previous, store=md.loader.store, catalogue=md.loader.catalogue)
        )
    except MetricUnavailable:
        return pd.DataFrame(columns=COLUMNS)
    new_rows = md.rows(geography, indicator)
    old_rows = old.rows(geography, indicator or old.indicators()[0])
    both = new_rows.merge(
        old_rows[["area_code", "period", "value"]],
        on=["area_code", "period"],
        suffixes=("", "_previous"),
    )
    both = both[(both["value_previous"] > 0) & both["value"].notna()]
    both = both.assign(ratio=both["value"] / both["value_previous"])
    out = (
        both.groupby(["area_code", "area_name"])["ratio"]
        .agg(periods="size", min_ratio="min", max_ratio="max", median_ratio="median")
        .reset_index()
    )
    out["flagged"] = (out["min_ratio"] > threshold) | (out["max_ratio"] < 1 / threshold)
    return (
        out[COLUMNS]
        .sort_values(["flagged", "area_code"], ascending=[False, True])
        .reset_index(drop=True)
    )


def flagged_areas(check: pd.DataFrame) -> list[str]:
    """Codes of the areas :func:`vintage_check` flagged."""
    if check.empty:
        return []
    return check.loc[check["flagged"].astype(bool), "area_code"].tolist()


def describe(check: pd.DataFrame) -> str:
    """One sentence for the findings table: which areas, by what factor (or "none")."""
    flagged = check[check["flagged"].astype(bool)] if len(check) else check
    if flagged.empty:
        return "none"
    return "; ".join(
        f"{r.area_name} (x{r.median_ratio:.2f} in all {r.periods} common periods)"
        for r in flagged.itertuples()
    )


__all__ = ["COLUMNS", "describe", "flagged_areas", "vintage_check"]
