"""Mission 11's neighbourhood crime by police force area, approximated from police recorded crime
(ONS police force area data tables, Table P1 counts and Table P3 populations, 2018-2019).

The annex's metric is the Crime Survey for England and Wales (CSEW) measure of neighbourhood crime
(domestic burglary, theft from the person, vehicle-related theft and robbery of personal
property), which is not published by force. The police-recorded stand-in sums the four matching
Table P1 columns::

    neighbourhood_t,a = residential burglary + theft from the person + vehicle offences + robbery

and divides by the Table P3 population of the same edition (rate per 1,000). It is an
approximation: P1's robbery includes business robbery, and police recorded crime counts only
crimes reported to and recorded by the police.
"""

from __future__ import annotations

import pandas as pd

from levelup.data import pfa_crime_tables as T
from levelup.data.fetch import DataStore

COMPONENTS = ("Residential burglary", "Theft from the person", "Vehicle offences", "Robbery")
PER = 1_000


def neighbourhood_crime(counts: pd.DataFrame, populations: pd.DataFrame) -> pd.DataFrame:
    """Police-recorded neighbourhood crime by area and edition.

    ``counts`` is :func:`levelup.data.pfa_crime_tables.read_p1_counts`; ``populations`` has
    ``period_end``, ``areacd``, ``population``, ``population_year``. Returns ``period_end``,
    ``period``, ``areacd``, ``areanm``, ``count`` (NaN when any component is not published),
    ``population``, ``population_year``, ``rate`` (per 1,000). Raises if a component is absent.
    """
    absent = [c for c in COMPONENTS if c not in set(counts["offence"])]
    if absent:
        raise T.PfaTableError(f"Table P1 has no column(s) {', '.join(absent)}")
    parts = counts[counts["offence"].isin(COMPONENTS) & (counts["areacd"] != "")]
    out = (
        parts.groupby(["period_end", "period", "areacd", "areanm"], sort=False)["value"]
        .agg(lambda v: v.sum() if v.notna().all() and len(v) == len(COMPONENTS) else float("nan"))
        .rename("count")
        .reset_index()
    )
    out = out.merge(
        populations[["period_end", "areacd", "population", "population_year"]],
        on=["period_end", "areacd"],
        how="left",
        indicator=True,
    )
    unmatched = out.loc[out.pop("_merge") == "left_only", ["areanm", "period_end"]]
    if len(unmatched):
        row = unmatched.iloc[0]
        raise T.PfaTableError(f"no Table P3 population for {row['areanm']} ({row['period_end']})")
    out["rate"] = PER * out["count"] / out["population"]
    return out


def load(store: DataStore) -> pd.DataFrame:
    """:func:`neighbourhood_crime` from the pinned tidy P1 and every edition's P3 populations."""
    counts = T.read_p1_counts(store.path(T.P1_COUNTS))
    populations = []
    for period_end, source_file in (
        counts[["period_end", "source_file"]].drop_duplicates().itertuples(index=False)
    ):
        p3 = T.read_p3_population(store.path(f"{T.FOLDER}/{source_file}"))
        populations.append(p3.assign(period_end=period_end))
    return neighbourhood_crime(counts, pd.concat(populations, ignore_index=True))


def compare(
    frame: pd.DataFrame, start: str, end: str, geography_prefix: str = "E23"
) -> pd.DataFrame:
    """Rates per 1,000 in two editions (``start``, ``end`` as ``YYYY-MM``) for the areas whose
    codes start with ``geography_prefix`` (E23/W15 forces: pass "E23|W15"), with the change in the
    rate in per cent; areas missing in either edition are dropped and listed in ``attrs``."""
    areas = frame[frame["areacd"].str.match(geography_prefix)]
    # names vary between editions ("London, City of" / "City of London"): key on codes
    names = areas.sort_values("period_end").groupby("areacd")["areanm"].last()
    wide = areas.pivot_table(index="areacd", columns="period_end", values="rate", dropna=False)
    for period in (start, end):
        if period not in wide.columns:
            raise T.PfaTableError(f"no edition ending {period} in the police force area tables")
    pair = wide[[start, end]]
    dropped = names[pair[pair.isna().any(axis=1)].index].tolist()
    pair = pair.dropna().rename(columns={start: "rate0", end: "rate1"}).reset_index()
    pair.insert(1, "areanm", pair["areacd"].map(names))
    pair["change_pct"] = 100 * (pair["rate1"] / pair["rate0"] - 1)
    pair = pair.sort_values("rate1", ascending=False, kind="stable").reset_index(drop=True)
    pair.attrs["dropped"] = dropped
    return pair


def year_ending(period_end: str) -> str:
    """'2019-03' -> 'year ending March 2019' (the tables' own wording)."""
    stamp = pd.Timestamp(f"{period_end}-01")
    return f"year ending {stamp.strftime('%B')} {stamp.year}"
