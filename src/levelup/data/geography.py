"""Geography lookups: local authority -> county/unitary -> region (ITL1) -> country, police force
areas, combined authorities, and the annex's groupings.

The local-authority hierarchy is read from ONS's own mid-year population estimates table (sheet
MYE4), whose rows run in ONS table order: each region is followed by its unitary authorities and
its counties, each county by its districts. Walking that order gives every district's county,
region and country without a separate lookup file. Police force areas come from the committed
definition ``data/geography/police_force_areas.csv``; combined authorities from the curated
devolution tables.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from functools import cache, cached_property, lru_cache
from pathlib import Path

import pandas as pd

from levelup.data import devolution_register
from levelup.data.boundaries import SuccessionRegister
from levelup.data.fetch import DataStore
from levelup.data.readers import read_csv_strings
from levelup.data.schema import GREATER_SOUTH_EAST, LOWER_TIER, geography_of
from levelup.paths import PROJECT_ROOT

MYE_2023_GEOG = "population/mye_uk_mid2011_mid2022_2023geog.csv"
MYE_2021_GEOG = (
    "population/mye_uk_mid2001_mid2020_2021geog_vintage2020.csv",
    "population/mye_uk_mid2021_2021geog_vintage2021.csv",
)
CONSTITUENT_COUNCILS = "curated/devolution_constituent_councils.csv"
DEVOLUTION_AUTHORITIES = "curated/devolution_combined_authorities.csv"
PFA_TABLE = PROJECT_ROOT / "data" / "geography" / "police_force_areas.csv"

#: English regions (E12) and their ITL1 codes; Wales, Scotland and Northern Ireland are ITL1s.
ITL1 = {
    "E12000001": "TLC",
    "E12000002": "TLD",
    "E12000003": "TLE",
    "E12000004": "TLF",
    "E12000005": "TLG",
    "E12000006": "TLH",
    "E12000007": "TLI",
    "E12000008": "TLJ",
    "E12000009": "TLK",
    "W92000004": "TLL",
    "S92000003": "TLM",
    "N92000002": "TLN",
}
ITL1_NAMES = {
    "TLC": "North East",
    "TLD": "North West",
    "TLE": "Yorkshire and The Humber",
    "TLF": "East Midlands",
    "TLG": "West Midlands",
    "TLH": "East of England",
    "TLI": "London",
    "TLJ": "South East",
    "TLK": "South West",
    "TLL": "Wales",
    "TLM": "Scotland",
    "TLN": "Northern Ireland",
}
LONDON = "E12000007"
CITY_OF_LONDON = "E09000001"

_NAME_ALIASES = {
    "uk": "K02000001",
    "united kingdom": "K02000001",
    "great britain": "K03000001",
    "england and wales": "K04000001",
    "east of england": "E12000006",
    "yorkshire and humber": "E12000003",
    "yorkshire and the humber": "E12000003",
}


def _tidy_name(name: str) -> str:
    """ONS prints countries and regions in capitals; give them the usual capitalisation."""
    if not name.isupper():
        return name
    small = {"and", "the", "of"}
    return " ".join(
        w.lower() if w.lower() in small and i else w.capitalize()
        for i, w in enumerate(name.split())
    )


@lru_cache(maxsize=16)
def _parsed_pinned_csv(local: str, sha256: str) -> pd.DataFrame:
    return read_csv_strings(Path(local))


def read_pinned_csv(store: DataStore, file: str) -> pd.DataFrame:
    """``read_csv_strings`` of one pinned file, parsed once per process.

    A build's Jupyter kernel runs many notebooks, and each builds its own :class:`Geography`; the
    pinned files' bytes are fixed by their sha256 (the cache key), so the parse is reused. The
    read is still verified and logged by :meth:`DataStore.path` every time, and each caller gets
    its own copy to modify.
    """
    local = store.path(file)
    return _parsed_pinned_csv(str(local), store.manifest.get(file).sha256).copy()


@dataclass
class Geography:
    """Lookups for one boundary set (an edition's ``boundaries`` year)."""

    store: DataStore
    boundary_year: int
    register: SuccessionRegister | None = None

    # ------------------------------------------------------------------ hierarchy
    @cached_property
    def hierarchy(self) -> pd.DataFrame:
        """One row per lower-tier local authority: its county, upper tier, region, ITL1, country."""
        raw = read_pinned_csv(self.store, MYE_2023_GEOG)
        raw = raw[raw["period"] == raw["period"].max()]
        rows, region, country, county = [], None, None, None
        for code, name in zip(raw["areacd"], raw["areanm"], strict=True):
            level = geography_of(code)
            if level == "country" or level in ("uk", "gb", "england_wales"):
                if level == "country":
                    country, region, county = (code, _tidy_name(name)), None, None
                continue
            if level == "region":
                region, county = (code, _tidy_name(name)), None
                continue
            if level in ("county", "metropolitan_county"):
                county = (code, name.replace(" (Met County)", ""), level)
                continue
            if level not in LOWER_TIER:
                continue
            parent = (
                county if level in ("non_metropolitan_district", "metropolitan_district") else None
            )
            if level == "unitary_authority":
                county = None
            upper = code if level != "non_metropolitan_district" else parent[0]
            upper_name = name if level != "non_metropolitan_district" else parent[1]
            region_code = (
                region[0]
                if region and country and country[0] == "E92000001"
                else (country[0] if country else "")
            )
            rows.append(
                {
                    "lad_code": code,
                    "lad_name": name,
                    "lad_type": level,
                    "county_code": parent[0] if parent else "",
                    "county_name": parent[1] if parent else "",
                    "utla_code": upper,
                    "utla_name": upper_name,
                    "region_code": region_code,
                    "region_name": region[1]
                    if region and country and country[0] == "E92000001"
                    else (country[1] if country else ""),
                    "itl1_code": ITL1.get(region_code, ""),
                    "country_code": country[0] if country else "",
                    "country_name": country[1] if country else "",
                }
            )
        frame = pd.DataFrame(rows)
        if self.register is not None:  # e.g. Barnsley/Sheffield recoded in 2025
            recode = self.register.one_to_one(self.boundary_year)
            for column in ("lad_code", "utla_code"):
                frame[column] = frame[column].replace(recode)
        return frame

    def lad_codes(
        self, countries: tuple[str, ...] = ("E92000001", "W92000004", "S92000003", "N92000002")
    ) -> list[str]:
        h = self.hierarchy
        return h.loc[h["country_code"].isin(countries), "lad_code"].tolist()

    def utla_codes(
        self, countries: tuple[str, ...] = ("E92000001", "W92000004", "S92000003", "N92000002")
    ) -> list[str]:
        h = self.hierarchy
        return sorted(h.loc[h["country_code"].isin(countries), "utla_code"].unique())

    def region_of(self, code: str) -> str:
        """English region (or the nation for Wales, Scotland, NI) of a local authority code."""
        h = self.hierarchy
        for column in ("lad_code", "utla_code", "county_code"):
            hit = h.loc[h[column] == code, "region_code"]
            if len(hit):
                return hit.iat[0]
        raise KeyError(f"{code} is not a local authority on {self.boundary_year} boundaries")

    def region_map(self, level: str = "lad") -> dict[str, str]:
        """Area code -> region code for every lower-tier (``lad``) or upper-tier (``utla``) authority."""
        h = self.hierarchy
        column = "lad_code" if level == "lad" else "utla_code"
        return dict(zip(h[column], h["region_code"], strict=True))

    # ------------------------------------------------------------------ police force areas
    @cached_property
    def police_force_areas(self) -> pd.DataFrame:
        """Lower-tier authority -> police force area (England and Wales)."""
        h = self.hierarchy
        with PFA_TABLE.open(encoding="utf-8") as handle:
            table = list(csv.DictReader(handle))
        rows = []
        for entry in table:
            member = entry["member_code"]
            if member == LONDON:
                lads = h.loc[
                    (h["region_code"] == LONDON) & (h["lad_code"] != CITY_OF_LONDON), "lad_code"
                ]
            else:
                lads = h.loc[
                    (h["lad_code"] == member)
                    | (h["county_code"] == member)
                    | (h["utla_code"] == member),
                    "lad_code",
                ]
            rows += [
                {"lad_code": lad, "pfa_code": entry["pfa_code"], "pfa_name": entry["pfa_name"]}
                for lad in lads
            ]
        return pd.DataFrame(rows).drop_duplicates()

    # ------------------------------------------------------------------ combined authorities
    @cached_property
    def combined_authorities(self) -> pd.DataFrame:
        """Constituent councils of each mayoral authority with its establishment and first-mayor dates."""
        members = read_pinned_csv(self.store, CONSTITUENT_COUNCILS)
        dates = read_pinned_csv(self.store, DEVOLUTION_AUTHORITIES)
        dates = dates[dates["indicator"].str.startswith("Date")]
        names = {
            "Date established (establishing order in force)": "established",
            "Date of first mayoral election": "first_mayor",
        }
        pivot = dates.pivot_table(
            index="areanm", columns="indicator", values="observation", aggfunc="first"
        ).rename(columns=names)
        status = dates.pivot_table(
            index="areanm", columns="indicator", values="status", aggfunc="first"
        ).rename(columns={k: f"{v}_status" for k, v in names.items()})
        out = members.merge(pivot, left_on="cauthnm", right_index=True, how="left")
        out = out.merge(status, left_on="cauthnm", right_index=True, how="left")
        # codes and dates the curated register leaves blank, from the reviewed supplement
        out = devolution_register.apply_supplement(out, devolution_register.read_supplement())
        # members named by a code a reorganisation replaced (e.g. North Yorkshire County Council
        # E10000023 -> North Yorkshire E06000065) take their single successor, which covers the area
        successor = {}
        if self.register is not None:
            successor = {
                code: s.successors[0]
                for code, s in self.register.obsolete_by(self.boundary_year).items()
                if len(s.successors) == 1
            }
        out["ladcd_published"] = out["ladcd"]
        out["ladcd"] = out["ladcd"].replace(successor)
        return out[
            [
                "cauthcd",
                "cauthnm",
                "ladcd",
                "ladnm",
                "ladcd_published",
                "established",
                "first_mayor",
                "status",
                "established_source",
                "first_mayor_source",
            ]
        ]

    # ------------------------------------------------------------------ groupings
    @staticmethod
    def greater_south_east() -> tuple[str, ...]:
        """London, South East and East of England (annex footnote 64)."""
        return GREATER_SOUTH_EAST

    # ------------------------------------------------------------------ population
    @cached_property
    def population(self) -> pd.DataFrame:
        """Mid-year population estimates: area_code, year, population, boundaries, vintage note."""
        frames = []
        for path, boundaries in [
            (MYE_2021_GEOG[0], 2021),
            (MYE_2021_GEOG[1], 2021),
            (MYE_2023_GEOG, 2023),
        ]:
            raw = read_pinned_csv(self.store, path)
            frames.append(
                pd.DataFrame(
                    {
                        "area_code": raw["areacd"],
                        "year": raw["period"].str[:4].astype(int),
                        "population": pd.to_numeric(raw["observation"]),
                        "boundaries": boundaries,
                    }
                )
            )
        frame = pd.concat(frames, ignore_index=True)
        if self.register is not None:
            codes = frame["area_code"]
            frame["area_code"] = codes.map(self.register.one_to_one(self.boundary_year)).fillna(
                codes
            )
        return frame

    def population_weights(self, year: int = 2022) -> pd.Series:
        """Population by area code for one year on the boundary set nearest the edition's."""
        pop = self.population
        pop = pop[pop["year"] == year]
        if pop["boundaries"].nunique() > 1:
            pop = pop[pop["boundaries"] == pop["boundaries"].max()]
        return pop.set_index("area_code")["population"]


def area_name_index(store: DataStore | None = None) -> dict[str, str]:
    """Lower-case area name -> code, for sources that publish names without codes (SDG)."""
    return dict(_area_name_index(store or DataStore()))


@cache
def _area_name_index_cached(path: str) -> tuple[tuple[str, str], ...]:
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    names = {}
    for code, name in zip(raw["areacd"], raw["areanm"], strict=True):
        names.setdefault(_tidy_name(name).lower(), code)
        names.setdefault(name.lower(), code)
    names.update(_NAME_ALIASES)
    return tuple(sorted(names.items()))


def _area_name_index(store: DataStore) -> tuple[tuple[str, str], ...]:
    return _area_name_index_cached(str(store.path(MYE_2023_GEOG)))


def official_area_names(store: DataStore | None = None) -> dict[str, tuple[str, ...]]:
    """Area code -> the names ONS's mid-year estimates give it (every boundary set pinned)."""
    store = store or DataStore()
    return dict(_official_area_names(tuple(str(store.path(f)) for f in OFFICIAL_NAME_FILES)))


#: The files :func:`official_area_names` reads (every table's area names are checked against them).
OFFICIAL_NAME_FILES = (MYE_2023_GEOG, *MYE_2021_GEOG)


@cache
def _official_area_names(paths: tuple[str, ...]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    names: dict[str, list[str]] = {}
    for path in paths:
        raw = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            usecols=["areacd", "areanm"],
        ).drop_duplicates()
        for code, name in zip(raw["areacd"], raw["areanm"], strict=True):
            known = names.setdefault(code, [])
            for variant in (_tidy_name(name), name):
                if variant not in known:
                    known.append(variant)
    for alias, code in _NAME_ALIASES.items():  # names publishers use for the same area
        names.setdefault(code, []).append(alias)
    return tuple(sorted((code, tuple(v)) for code, v in names.items()))


def _name_key(name: str) -> str:
    """A name reduced to its words: case, punctuation, '&'/'and' and a trailing ', City of'
    (ONS's 'Bristol, City of') do not make two names differ."""
    text = name.lower().replace("&", " and ")
    text = re.sub(r",\s*(city|county) of$", "", text.strip())
    text = re.sub(r"\b(city of|county of|the|and)\b", " ", text)
    return "".join(re.findall(r"[a-z0-9]+", text))


def same_area_name(name: str, official: tuple[str, ...]) -> bool:
    """Whether a publisher's area name is one of the official names (see :func:`_name_key`)."""
    key = _name_key(name)
    return any(_name_key(o) == key for o in official)
