"""Mission 12 beyond the headline series: who is covered by the highest level of devolution, and
how the derived coverage compares with the figure ONS published.

* :func:`coverage_by_authority` -- population under each mayoral authority on a date, as a share
  of England and of everyone covered (the annex's "London, Greater Manchester and the West
  Midlands are responsible for [...] of this").
* :func:`mayoral_authorities` -- the register of mayoral authorities with their dates, number of
  constituent councils and population (councils are mapped to the edition's boundaries).
* :func:`reconciliation` -- every area of ONS's combined authority boundaries against the
  register (:func:`levelup.data.devolution_register.reconcile`).
* :func:`published_coverage` -- ONS's published share of England's population under a devolution
  deal with a directly elected mayor (13 January 2023). Explore Local Statistics dropped the file
  after its 2025 vintage, so later editions read it from the latest earlier edition that has it,
  and say so in ``vintage``.
* :func:`compare_with_published` -- the derived coverage on the published date beside the
  published figure, by region.
"""

from __future__ import annotations

import pandas as pd

from levelup.data import devolution_register
from levelup.data.geography import Geography
from levelup.data.load import DataLoader
from levelup.metrics import derived

#: The date the technical annex was presented to Parliament (its "at present").
ANNEX_DATE = "2022-02-02"
PUBLISHED_DATASET = "els/population-under-devolution-deal-in-england"
GLA = "Greater London Authority"


def _geography(loader: DataLoader) -> Geography:
    return Geography(loader.store, loader.edition.boundaries, loader.succession_register())


def coverage_by_authority(
    loader: DataLoader, date: str, population_year: int = 2022
) -> pd.DataFrame:
    """Population under each mayoral authority whose mayor had taken office by ``date``.

    Columns ``authority``, ``mayor_from``, ``population``, ``share_of_england`` (%) and
    ``share_of_covered`` (% of everyone covered on that date), largest first.
    """
    geo = _geography(loader)
    areas = derived.mayoral_areas(geo)
    population = geo.population_weights(population_year)
    england = geo.hierarchy.loc[geo.hierarchy["country_code"] == "E92000001", "lad_code"]
    total = float(england.map(population).sum())
    covered = areas[areas["mayor_from"].notna() & (areas["mayor_from"] <= pd.Timestamp(date))]
    covered = covered.assign(population=covered["lad_code"].map(population))
    out = (
        covered.groupby("authority")
        .agg(mayor_from=("mayor_from", "min"), population=("population", "sum"))
        .reset_index()
        .sort_values("population", ascending=False, kind="stable")
    )
    out["share_of_england"] = 100 * out["population"] / total
    out["share_of_covered"] = 100 * out["population"] / out["population"].sum()
    return out.reset_index(drop=True)


def mayoral_authorities(loader: DataLoader, population_year: int = 2022) -> pd.DataFrame:
    """Every authority in the curated devolution register, one row each.

    Columns ``authority``, ``code``, ``established`` and ``first_mayor`` (ISO dates as recorded,
    blank when no source gave one), ``established_source`` and ``first_mayor_source`` (legislation,
    ONS boundary files (year only), secondary), ``register_status`` (Published / Secondary), ``councils``
    (constituent councils as listed), ``population`` and ``share_of_england`` (%) of the area its
    constituent councils cover on the edition's boundaries (an abolished authority keeps its
    former area), sorted by the first mayoral election.
    """
    geo = _geography(loader)
    members = geo.combined_authorities
    hierarchy = geo.hierarchy
    population = geo.population_weights(population_year)
    england = hierarchy.loc[hierarchy["country_code"] == "E92000001", "lad_code"]
    total = float(england.map(population).sum())
    rows = []
    for name, group in members.groupby("cauthnm", sort=False):
        codes = set(group["ladcd"])
        lads = hierarchy.loc[
            hierarchy["lad_code"].isin(codes)
            | hierarchy["county_code"].isin(codes)
            | hierarchy["utla_code"].isin(codes),
            "lad_code",
        ].unique()
        rows.append(
            {
                "authority": name,
                "code": group["cauthcd"].iat[0] or "",
                "established": group["established"].iat[0] or "",
                "first_mayor": group["first_mayor"].iat[0] or "",
                "register_status": group["status"].iat[0],
                "established_source": group["established_source"].iat[0],
                "first_mayor_source": group["first_mayor_source"].iat[0],
                "councils": len(group),
                "population": float(pd.Series(lads).map(population).sum()),
            }
        )
    if GLA not in {r["authority"] for r in rows}:
        london = hierarchy.loc[hierarchy["region_code"] == "E12000007", "lad_code"]
        first = derived.mayoral_areas(geo)
        first = first.loc[first["authority"] == GLA, "mayor_from"]
        rows.append(
            {
                "authority": GLA,
                "code": "E61000001",
                "established": "",
                "first_mayor": first.min().date().isoformat() if len(first) else "",
                "register_status": "",
                "established_source": "",
                "first_mayor_source": "secondary (year only)",
                "councils": len(london),
                "population": float(london.map(population).sum()),
            }
        )
    out = pd.DataFrame(rows)
    out["share_of_england"] = 100 * out["population"] / total
    out["sort"] = out["first_mayor"].replace("", "9999")
    return out.sort_values(["sort", "authority"]).drop(columns="sort").reset_index(drop=True)


def reconciliation(loader: DataLoader) -> pd.DataFrame:
    """Every combined authority in ONS's boundary files and every authority of the register, one
    row each, with whether it has a directly elected mayor and where that is recorded."""
    geo = _geography(loader)
    layer = devolution_register.read_cauth_layer(loader.store.path(devolution_register.TOPOJSON))
    return devolution_register.reconcile(
        geo.combined_authorities, layer, devolution_register.read_supplement()
    )


def published_coverage(loader: DataLoader) -> pd.DataFrame:
    """ONS's published coverage (England and regions) from this edition or the latest earlier
    edition that has it; empty if none. ``vintage`` names the ELS vintage it came from."""
    catalogue = loader.catalogue
    editions = sorted(catalogue.editions, reverse=True)
    for year in [loader.edition.year, *[e for e in editions if e < loader.edition.year]]:
        other = loader if year == loader.edition.year else DataLoader(year, store=loader.store)
        if PUBLISHED_DATASET in other.datasets():
            frame = other.load(PUBLISHED_DATASET)
            return frame.assign(edition_read=year)
    return pd.DataFrame(columns=["area_code", "area_name", "period", "value", "vintage"])


def compare_with_published(derived_coverage: pd.DataFrame, published: pd.DataFrame) -> pd.DataFrame:
    """Derived coverage on the published date beside the published figure, by area.

    ``derived_coverage`` is :func:`levelup.metrics.derived.devolution_coverage` evaluated on (at
    least) the published date. Columns ``area_code``, ``area_name``, ``published``, ``derived``,
    ``difference`` (derived - published, percentage points).
    """
    if published.empty:
        return pd.DataFrame(
            columns=["area_code", "area_name", "published", "derived", "difference"]
        )
    date = published["period"].iat[0]
    ours = derived_coverage[derived_coverage["period"] == date].set_index("area_code")["value"]
    out = published[["area_code", "area_name", "value"]].rename(columns={"value": "published"})
    out["derived"] = out["area_code"].map(ours)
    out["difference"] = out["derived"] - out["published"]
    order = {"E92000001": 0}
    out["sort"] = out["area_code"].map(lambda c: order.get(c, 1))
    return out.sort_values(["sort", "area_code"]).drop(columns="sort").reset_index(drop=True)
