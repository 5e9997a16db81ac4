"""Metrics computed from several pinned inputs, each labelled ``derived`` wherever it appears.

* :func:`participation_rate` — 100 minus the published economic inactivity rate (16-64).
* :func:`non_decent_rented_homes` — Mission 10's headline: non-decent private and social rented
  homes in England, from English Housing Survey percentages and counts and the Live Table 104
  dwelling stock.
* :func:`devolution_coverage` — Mission 12's headline: the share of England's population living
  where a directly elected mayor (a mayoral combined authority or the Greater London Authority)
  holds office.

Each returns a frame in the canonical column layout (plus extra columns that explain the
derivation) so the statistics engine treats it like any published series.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from levelup.data.geography import ITL1, Geography
from levelup.data.load import DataLoader
from levelup.data.periods import parse_period
from levelup.data.schema import CANONICAL_COLUMNS, geography_of

EHS = "curated/ehs-non-decent-homes"
STOCK = "curated/dwelling-stock-by-tenure"
EHS_PRS_PCT = (
    f"{EHS}/non-decent-homes-of-private-rented-dwellings-failing-the-decent-homes-standard"
)
EHS_SOCIAL_PCT = (
    f"{EHS}/non-decent-homes-of-social-rented-dwellings-failing-the-decent-homes-standard"
)
EHS_PRS_COUNT = f"{EHS}/non-decent-homes-private-rented-dwellings-failing-the-decent-homes-standard"
EHS_SOCIAL_COUNT = (
    f"{EHS}/non-decent-homes-social-rented-dwellings-failing-the-decent-homes-standard"
)
STOCK_PRS = f"{STOCK}/dwelling-stock-rented-privately-or-with-a-job-or-business"
STOCK_LA = f"{STOCK}/dwelling-stock-rented-from-local-authorities"
STOCK_PRP = f"{STOCK}/dwelling-stock-rented-from-private-registered-providers-housing-associations"
ENGLAND = ("E92000001", "England")


def _frame(
    rows: pd.DataFrame,
    *,
    indicator_id: str,
    indicator: str,
    unit: str,
    dataset_id: str,
    vintage: str,
    source_file: str,
) -> pd.DataFrame:
    """Complete ``rows`` (area_code, area_name, period, value, ...) to the canonical layout."""
    out = rows.copy()
    parsed = [parse_period(p) for p in out["period"]]
    out["period_start"] = pd.to_datetime([p.start for p in parsed])
    out["period_end"] = pd.to_datetime([p.end for p in parsed])
    out["period_type"] = [p.type for p in parsed]
    out["time"] = [p.time for p in parsed]
    out["geography"] = out["area_code"].map(geography_of)
    out["indicator_id"] = indicator_id
    out["indicator"] = indicator
    out["unit"] = unit
    out["measure"] = out.get("measure", "")
    for column in ("lower_ci", "upper_ci"):
        if column not in out:
            out[column] = np.nan
    out["flags"] = out.get("flags", "derived")
    out["dataset_id"] = dataset_id
    out["source_id"] = out.get("source_id", "")
    out["vintage"] = vintage
    out["source_file"] = source_file
    out["source_row"] = 0
    extra = [c for c in out.columns if c not in CANONICAL_COLUMNS]
    return out[CANONICAL_COLUMNS + extra].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
def participation_rate(loader: DataLoader) -> pd.DataFrame:
    """Economic activity (participation) rate of 16-64-year olds = 100 - inactivity rate.

    The 95% interval maps the same way: (100 - upper, 100 - lower).
    """
    inactive = loader.indicator("els/employment-rate/economically-inactive")
    rows = inactive[
        [
            "area_code",
            "area_name",
            "period",
            "value",
            "lower_ci",
            "upper_ci",
            "flags",
            "vintage",
            "source_file",
        ]
    ].copy()
    rows["value"] = 100 - inactive["value"]
    rows["lower_ci"] = 100 - inactive["upper_ci"]
    rows["upper_ci"] = 100 - inactive["lower_ci"]
    rows["flags"] = rows["flags"].map(
        lambda f: ";".join(sorted({*filter(None, f.split(";")), "derived"}))
    )
    out = _frame(
        rows.drop(columns=["vintage", "source_file"]),
        indicator_id="derived/participation-rate",
        indicator="Participation rate, 16-64 (100 minus the inactivity rate)",
        unit="%",
        dataset_id="derived/participation-rate",
        vintage=inactive["vintage"].iat[0],
        source_file=inactive["source_file"].iat[0],
    )
    return out


# ---------------------------------------------------------------------------------------------
def _pick(frame: pd.DataFrame, indicator_id: str) -> pd.DataFrame:
    """One value per EHS period: published rows before secondary ones, then the most precise."""
    rows = frame[
        (frame["indicator_id"] == indicator_id)
        & (frame["area_code"] == ENGLAND[0])
        & frame["value"].notna()
    ].copy()
    rows["secondary"] = rows["flags"].str.contains("secondary")
    rows["decimals"] = rows["value"].map(
        lambda v: len(f"{v:g}".split(".")[1]) if "." in f"{v:g}" else 0
    )
    rows = rows.sort_values(["period", "secondary", "decimals"], ascending=[True, True, False])
    return rows.drop_duplicates("period")


def non_decent_rented_homes(loader: DataLoader) -> pd.DataFrame:
    """Non-decent rented homes in England: number and share, private and social rented together.

    For each English Housing Survey year with both a private-rented (PRS) and a social-rented
    non-decency rate::

        count_t = sum over tenures of  published count      (where the EHS published one)
                                       or rate x stock       (Live Table 104 at 31 March; derived)
        share_t = count_t / (PRS + LA + housing-association stock)

    The EHS year Y pools survey years Y-1/Y and Y/Y+1 (period ``(Y-1)-04-01/P2Y``); the stock is
    taken at 31 March of the second survey year's start (``Y-03-31``). Social rented = local
    authority + private registered providers (the EHS definition); LT104's "other public sector"
    dwellings are excluded. Columns ``prs_basis``/``social_basis`` say, per year, whether the count
    was published or derived. References: MHCLG English Housing Survey; Live Table 104.
    """
    ehs = loader.load(EHS)
    stock = loader.load(STOCK)
    prs_pct, social_pct = _pick(ehs, EHS_PRS_PCT), _pick(ehs, EHS_SOCIAL_PCT)
    counts = {
        "prs": _pick(ehs, EHS_PRS_COUNT),
        "social": _pick(ehs, EHS_SOCIAL_COUNT),
    }
    stock_year = stock.assign(year=stock["period_start"].dt.year)
    stock_year = stock_year[stock["period_start"].dt.month == 3]
    by_year = stock_year.pivot_table(
        index="year", columns="indicator_id", values="value", aggfunc="first"
    )

    rows = []
    for period in sorted(set(prs_pct["period"]) & set(social_pct["period"])):
        start = parse_period(period).start
        year = start.year + 1  # EHS "year" label, stock on 31 March of that year
        if year not in by_year.index:
            continue
        stocks = {
            "prs": by_year.at[year, STOCK_PRS],
            "social": by_year.at[year, STOCK_LA] + by_year.at[year, STOCK_PRP],
        }
        pct = {
            "prs": prs_pct.set_index("period").at[period, "value"],
            "social": social_pct.set_index("period").at[period, "value"],
        }
        row = {"area_code": ENGLAND[0], "area_name": ENGLAND[1], "period": period, "ehs_year": year}
        total = 0.0
        for tenure in ("prs", "social"):
            published = counts[tenure].set_index("period")
            if period in published.index and published.at[period, "unit"] == "thousands dwellings":
                count = published.at[period, "value"] * 1000
                basis = "published"
            else:
                count = pct[tenure] / 100 * stocks[tenure]
                basis = "derived"
            row.update(
                {
                    f"{tenure}_pct": pct[tenure],
                    f"{tenure}_stock": stocks[tenure],
                    f"{tenure}_count": count,
                    f"{tenure}_basis": basis,
                }
            )
            total += count
        row["value"] = total
        row["share_pct"] = 100 * total / (stocks["prs"] + stocks["social"])
        row["flags"] = "derived" if "derived" in (row["prs_basis"], row["social_basis"]) else ""
        rows.append(row)
    frame = pd.DataFrame(rows)
    provenance = {
        "dataset_id": "derived/non-decent-rented-homes",
        "vintage": stock["vintage"].iat[0],
        "source_file": "curated/ehs_non_decent_homes.csv + curated/dwelling_stock_by_tenure.csv",
    }
    count = _frame(
        frame,
        indicator_id="derived/non-decent-rented-homes",
        indicator="Non-decent rented homes (private and social), England",
        unit="dwellings",
        **provenance,
    )
    share = _frame(
        frame.assign(value=frame["share_pct"]),
        indicator_id="derived/non-decent-rented-homes-share",
        indicator="Non-decent rented homes as a share of rented homes, England",
        unit="%",
        **provenance,
    )
    return pd.concat([count, share], ignore_index=True)


# ---------------------------------------------------------------------------------------------
def mayoral_areas(geography: Geography) -> pd.DataFrame:
    """Each lower-tier authority under a directly elected mayor, with the date the mayor took office.

    The Greater London Authority's first mayor was elected in May 2000 (the date is taken from the
    curated table); a combined authority counts from its first mayoral election. Members named as
    counties are expanded to their districts. An abolished authority (North of Tyne) stops counting
    when its successor (North East) starts, so no area is counted twice.
    """
    members = geography.combined_authorities.copy()
    hierarchy = geography.hierarchy
    london = hierarchy.loc[hierarchy["region_code"] == "E12000007", "lad_code"]
    gla_date = members.loc[members["cauthnm"] == "Greater London Authority", "first_mayor"].dropna()
    rows = []
    for member in members.itertuples(index=False):
        start = (
            member.first_mayor
            if isinstance(member.first_mayor, str) and member.first_mayor
            else None
        )
        if member.cauthnm == "Greater London Authority":
            continue
        lads = hierarchy.loc[
            (hierarchy["lad_code"] == member.ladcd)
            | (hierarchy["county_code"] == member.ladcd)
            | (hierarchy["utla_code"] == member.ladcd),
            "lad_code",
        ]
        for lad in lads:
            rows.append(
                {
                    "lad_code": lad,
                    "authority": member.cauthnm,
                    "authority_code": member.cauthcd,
                    "mayor_from": start,
                    "abolished": "abolished" in member.cauthnm,
                }
            )
    start = gla_date.iat[0] if len(gla_date) else "2000"
    rows += [
        {
            "lad_code": lad,
            "authority": "Greater London Authority",
            "authority_code": "E61000001",
            "mayor_from": start,
            "abolished": False,
        }
        for lad in london
    ]
    frame = pd.DataFrame(rows)
    frame["mayor_from"] = pd.to_datetime(frame["mayor_from"].map(_date_or_none), errors="coerce")
    # an area moving from an abolished authority to its successor keeps the earliest start
    frame = frame.sort_values("mayor_from").drop_duplicates("lad_code", keep="first")
    return frame.reset_index(drop=True)


def _date_or_none(text):
    if not isinstance(text, str) or not text:
        return None
    if len(text) == 4:  # a year only (the GLA: May 2000)
        return f"{text}-05-04"
    if len(text) == 7:  # year and month only
        return f"{text}-01"
    return text


def devolution_coverage(
    loader: DataLoader, dates: list[str] | None = None, population_year: int = 2022
) -> pd.DataFrame:
    """Share of England's (and each region's) population living under a directly elected mayor.

    coverage_t = sum of population of districts whose mayor took office on or before t
                 / population of England (or the region),

    with mid-``population_year`` populations on the edition's boundaries held fixed, so the series
    moves only when devolution does. ``dates`` default to each 1 January from 2000 plus every
    date a new mayor took office.
    """
    geography = Geography(loader.store, loader.edition.boundaries, loader.succession_register())
    areas = mayoral_areas(geography)
    population = geography.population_weights(population_year)
    hierarchy = geography.hierarchy
    england = hierarchy[hierarchy["country_code"] == "E92000001"].copy()
    england["population"] = england["lad_code"].map(population)
    missing = england.loc[england["population"].isna(), "lad_code"].tolist()
    if missing:
        raise ValueError(f"no mid-{population_year} population for {missing}")
    england = england.merge(
        areas[["lad_code", "mayor_from", "authority"]], on="lad_code", how="left"
    )
    if dates is None:
        starts = sorted({d.date().isoformat() for d in areas["mayor_from"].dropna()})
        dates = sorted(
            {f"{y}-01-01" for y in range(2000, int(loader.edition.year) + 1)} | set(starts)
        )
    groups = [("E92000001", "England", england)] + [
        (code, group["region_name"].iat[0], group) for code, group in england.groupby("region_code")
    ]
    population = england["population"].to_numpy(dtype=float)
    positions = [(code, name, england.index.get_indexer(g.index)) for code, name, g in groups]
    totals = {code: population[pos].sum() for code, _, pos in positions}
    mayor_from = england["mayor_from"]
    rows = []
    for date in dates:
        covered = (mayor_from.notna() & (mayor_from <= pd.Timestamp(date))).to_numpy()
        covered_population = np.where(covered, population, 0.0)
        for code, name, pos in positions:
            people = covered_population[pos].sum()
            rows.append(
                {
                    "area_code": code,
                    "area_name": name,
                    "period": date,
                    "value": 100 * people / totals[code],
                    "population_covered": people,
                    "population_total": totals[code],
                }
            )
    return _frame(
        pd.DataFrame(rows),
        indicator_id="derived/devolution-coverage",
        indicator="Population living under a directly elected mayor (% of England / region)",
        unit="%",
        dataset_id="derived/devolution-coverage",
        vintage=f"mid-{population_year} population; curated devolution register",
        source_file="curated/devolution_constituent_councils.csv + curated/devolution_combined_authorities.csv + data/devolution/register_supplement.csv + population/mye_uk_mid2011_mid2022_2023geog.csv",
    )


def neighbourhood_crime_police_recorded(loader: DataLoader) -> pd.DataFrame:
    """Police-recorded neighbourhood crime per 1,000 population by police force area, region and
    country, twelve months ending March 2018 to December 2019 (rolling, overlapping), from ONS's
    police force area data tables: residential burglary + theft from the person + vehicle
    offences + robbery (which includes business robbery), over Table P3's population. An
    approximation of the Crime Survey measure; see :mod:`levelup.metrics.neighbourhood_crime`.
    Cells the tables do not publish (Greater Manchester, September and December 2019) are left out.
    """
    from levelup.metrics import neighbourhood_crime

    frame = neighbourhood_crime.load(loader.store).dropna(subset=["rate"])
    rows = frame.rename(columns={"areacd": "area_code", "areanm": "area_name", "rate": "value"})
    return _frame(
        rows[["area_code", "area_name", "period", "value", "count", "population"]],
        indicator_id="derived/neighbourhood-crime-police-recorded",
        indicator="Police-recorded neighbourhood crime per 1,000 population (approximation)",
        unit="offences per 1,000 population",
        dataset_id="derived/neighbourhood-crime-police-recorded",
        vintage="ONS police force area data tables, years ending March 2018 to December 2019",
        source_file="curated/ons_pfa_crime_tables/pfa_table_p1_counts.csv + Table P3 of each workbook",
    )


def civic_participation(loader: DataLoader) -> pd.DataFrame:
    """Adults who took part in civic participation in the last 12 months (%), England (survey
    years 2013/14 to 2020/21, intervals for the last two) and English regions (the file's years
    2014 to 2021 read as 2013/14 to 2020/21, an inference; no intervals), DCMS Community Life
    Survey as reprinted by the Social Mobility Commission. Nothing is computed but the periods."""
    from levelup.data import smc_social_capital as smc

    england = smc.read_civic_participation_england(loader.store.path(smc.CIVIC_ENGLAND))
    regions = smc.read_civic_participation_regions(loader.store.path(smc.CIVIC_REGIONS))
    regions = regions.assign(flags="period inferred")
    return _frame(
        pd.concat([england.assign(flags=""), regions], ignore_index=True),
        indicator_id="derived/civic-participation",
        indicator="Adults who took part in civic participation in the last 12 months (%)",
        unit="%",
        dataset_id="derived/civic-participation",
        vintage="Social Mobility Commission, State of the Nation data (DR41, April 2023 reprint)",
        source_file=f"{smc.CIVIC_ENGLAND} + {smc.CIVIC_REGIONS}",
    )


def _uk_index(rows: pd.DataFrame, column: str, **meta) -> pd.DataFrame:
    uk = rows[rows["code"] == "GBR"]
    if uk.empty:
        raise ValueError(f"no United Kingdom (GBR) rows in {meta['source_file']}")
    out = pd.DataFrame(
        {
            "area_code": "K02000001",
            "area_name": "United Kingdom",
            "period": uk["year"].astype(str) + "-01-01/P1Y",
            "value": uk[column].to_numpy(),
        }
    )
    return _frame(out, **meta)


def regional_authority_index(loader: DataLoader) -> pd.DataFrame:
    """The UK's Regional Authority Index (self-rule + shared rule, country level), 1950-2018, as
    published (April 2021 release); nothing is computed."""
    from levelup.data import authority_indices as ai

    rows = ai.read_rai_country(loader.store.path(ai.RAI_FILE))
    return _uk_index(
        rows,
        "rai",
        indicator_id="derived/regional-authority-index",
        indicator="Regional Authority Index, United Kingdom (country score)",
        unit="index",
        dataset_id="derived/regional-authority-index",
        vintage="RAI country file, April 2021",
        source_file=ai.RAI_FILE,
    )


def local_autonomy_index(loader: DataLoader) -> pd.DataFrame:
    """The UK's Local Autonomy Index (composite score, 0-100) for 1990, 2000, 2010 and 2014, as
    published (release 1.0, third-party extract); nothing is computed."""
    from levelup.data import authority_indices as ai

    rows = ai.read_lai(loader.store.path(ai.LAI_FILE))
    return _uk_index(
        rows,
        "lai",
        indicator_id="derived/local-autonomy-index",
        indicator="Local Autonomy Index, United Kingdom (composite score)",
        unit="index (0-100)",
        dataset_id="derived/local-autonomy-index",
        vintage="LAI 1.0 (2015), third-party extract",
        source_file=ai.LAI_FILE,
    )


def generalised_trust(loader: DataLoader) -> pd.DataFrame:
    """Mean generalised trust score (0-10: "most people can be trusted"), United Kingdom, European
    Social Survey rounds 2002-2023, with 95% intervals, as reprinted by the Social Mobility
    Commission (DR42); nothing is computed."""
    from levelup.data import smc_social_capital as smc

    trust = smc.read_trust(loader.store.path(smc.TRUST))
    trust = trust[(trust["question"] == "Trust") & (trust["area_code"] == "K02000001")]
    rows = pd.DataFrame(
        {
            "area_code": "K02000001",
            "area_name": "United Kingdom",
            "period": trust["period"].to_numpy(),
            "value": trust["value"].to_numpy(),
            "lower_ci": trust["lower_ci"].to_numpy(),
            "upper_ci": trust["upper_ci"].to_numpy(),
        }
    )
    return _frame(
        rows,
        indicator_id="derived/generalised-trust",
        indicator="Generalised trust, mean score (0-10), United Kingdom",
        unit="mean score (0-10)",
        dataset_id="derived/generalised-trust",
        vintage="Social Mobility Commission, State of the Nation data (DR42, 2025)",
        source_file=smc.TRUST,
    )


# ---------------------------------------------------------------------------------------------
GFCF_ALL_ASSETS = "curated/regional-gfcf/gross-fixed-capital-formation-all-assets"
POPULATION = "population/mye-2021geog/mid-year-population-estimate-all-persons"


def gfcf_per_head(loader: DataLoader) -> pd.DataFrame:
    """Regional GFCF per head: GFCF(all assets, £m, year Y) × 10^6 / mid-Y population.

    ITL1 regions and nations, for the years both inputs cover (2001–2020: GFCF is 1997–2020,
    the mid-year estimates on 2021 boundaries start in 2001). Current prices, like its input; the
    registry marks it for deflation. ITL codes are kept (TLC ... TLN).
    """
    gfcf = loader.indicator(GFCF_ALL_ASSETS)
    population = loader.indicator(POPULATION)
    population = population[population["area_code"].isin(ITL1)].assign(
        area_code=lambda f: f["area_code"].map(ITL1),
        year=lambda f: f["period_start"].dt.year,
    )
    people = population.set_index(["area_code", "year"])["value"]
    rows = gfcf.assign(year=gfcf["period_start"].dt.year)
    rows["population"] = [
        people.get((a, y), np.nan) for a, y in zip(rows["area_code"], rows["year"], strict=True)
    ]
    rows = rows.dropna(subset=["population"])
    rows["gfcf_gbp_m"] = rows["value"]
    rows["value"] = rows["gfcf_gbp_m"] * 1e6 / rows["population"]
    return _frame(
        rows[["area_code", "area_name", "period", "value", "gfcf_gbp_m", "population"]],
        indicator_id="derived/gfcf-per-head",
        indicator="Gross fixed capital formation per head, all assets (experimental)",
        unit="£ per head",
        dataset_id="derived/gfcf-per-head",
        vintage=f"{gfcf['vintage'].iat[0]}; {population['vintage'].iat[0]}",
        source_file=f"{gfcf['source_file'].iat[0]} + {population['source_file'].iat[0]}",
    )


DERIVATIONS: dict[str, Callable[[DataLoader], pd.DataFrame]] = {
    "gfcf_per_head": gfcf_per_head,
    "civic_participation": civic_participation,
    "generalised_trust": generalised_trust,
    "regional_authority_index": regional_authority_index,
    "local_autonomy_index": local_autonomy_index,
    "participation_rate": participation_rate,
    "non_decent_rented_homes": non_decent_rented_homes,
    "devolution_coverage": devolution_coverage,
    "neighbourhood_crime_police_recorded": neighbourhood_crime_police_recorded,
}
