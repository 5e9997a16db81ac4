"""The canonical tidy table every dataset is loaded into, and its controlled vocabularies.

One row per (dataset, indicator, area, period). See ``docs/ARCHITECTURE.md`` for the meaning of
each column. Geography levels are derived from the GSS entity code of the area (the first three
characters), not from publishers' free-text labels, so one vocabulary serves every source.
"""

from __future__ import annotations

import re

CANONICAL_COLUMNS: list[str] = [
    "area_code",
    "area_name",
    "geography",
    "indicator_id",
    "indicator",
    "period",
    "period_start",
    "period_end",
    "period_type",
    "time",
    "value",
    "lower_ci",
    "upper_ci",
    "unit",
    "measure",
    "flags",
    "dataset_id",
    "source_id",
    "vintage",
    "source_file",
    "source_row",
]

#: A row is unique on these (``source_id`` separates publications a curated table keeps side by side).
KEY_COLUMNS = ["indicator_id", "area_code", "period", "source_id"]

PERIOD_TYPES = (
    "calendar_year",
    "financial_year",
    "academic_year",
    "other_year",  # a 12-month year from another anchor (Active Lives Nov-Nov, meter years)
    "multi_year",  # pooled or rolling multi-year periods (3-year HLE, 5-year smoking)
    "quarter",
    "month",
    "point",  # a point in time (a snapshot date)
)

#: Observation flags. A suppressed or unavailable value is NaN with one of the first four flags.
FLAGS = {
    "suppressed": "value withheld by the publisher (status x / u with a blank value)",
    "not_applicable": "not applicable (status z)",
    "confidential": "confidential / disclosive (status c)",
    "missing": "blank value with no status given by the publisher",
    "unreliable": "published with a reliability warning (small sample, status u with a value)",
    "low_base": "publisher notes a base of fewer than 5",
    "provisional": "publisher marks the figure provisional",
    "secondary": "figure read from a secondary report of the official statistic",
    "estimated": "publisher marks the value estimated",
    "combined_area": "value covers a combined area (e.g. Hackney with City of London)",
    "aggregated": "publisher notes the value was aggregated from other geographies",
    "obsolete_code": "area code is obsolete after a boundary reorganisation",
    "recoded": "area code changed to the edition's boundary set (same area)",
    "derived": "computed by levelup from published figures",
}

#: Normalised geography levels.
GEOGRAPHIES = {
    "uk": "United Kingdom (K02)",
    "gb": "Great Britain (K03)",
    "england_wales": "England and Wales (K04)",
    "country": "England, Wales, Scotland, Northern Ireland (E92/W92/S92/N92)",
    "region": "English region (E12), equal to ITL1 in England",
    "region_group": "a group of regions (e.g. the Greater South East)",
    "inner_outer_london": "Inner or Outer London (E13)",
    "itl1": "International Territorial Level 1 (TL?)",
    "itl2": "ITL2 (TL??)",
    "itl3": "ITL3 (TL???)",
    "combined_authority": "combined authority / combined county authority / city region (E47, E61, S11...)",
    "metropolitan_county": "metropolitan county (E11)",
    "county": "non-metropolitan county (E10)",
    "unitary_authority": "English unitary authority (E06)",
    "non_metropolitan_district": "English shire district (E07)",
    "metropolitan_district": "English metropolitan district (E08)",
    "london_borough": "London borough (E09)",
    "welsh_authority": "Welsh principal area (W06)",
    "scottish_council_area": "Scottish council area (S12)",
    "ni_district": "Northern Ireland local government district (N09)",
    "police_force_area": "police force area (E23, W15)",
    "health_board": "Welsh local health board (W11)",
    "combined_lad": "local authorities combined for statistical purposes (E67, e.g. Cornwall with the Isles of Scilly)",
    "unallocated": "a statistical residual (K99: not allocated to a region, extra-regio, unknown)",
    "other": "a code not in the vocabulary (kept, reported by validation)",
}

#: Lower-tier local authorities: the "local authority district" level (every district, UAs included).
LOWER_TIER = (
    "unitary_authority",
    "non_metropolitan_district",
    "metropolitan_district",
    "london_borough",
    "welsh_authority",
    "scottish_council_area",
    "ni_district",
)

#: Upper-tier local authorities (the annex's "local areas" for HLE, Mission 7).
UPPER_TIER = (
    "unitary_authority",
    "county",
    "metropolitan_district",
    "london_borough",
    "welsh_authority",
    "scottish_council_area",
    "ni_district",
)

_PREFIX_LEVEL = {
    "K02": "uk",
    "K03": "gb",
    "K04": "england_wales",
    "E92": "country",
    "W92": "country",
    "S92": "country",
    "N92": "country",
    "E12": "region",
    "E13": "inner_outer_london",
    "E47": "combined_authority",
    "E61": "combined_authority",
    "S11": "combined_authority",
    "W42": "combined_authority",
    "E11": "metropolitan_county",
    "E10": "county",
    "E06": "unitary_authority",
    "E07": "non_metropolitan_district",
    "E08": "metropolitan_district",
    "E09": "london_borough",
    "W06": "welsh_authority",
    "S12": "scottish_council_area",
    "N09": "ni_district",
    "E23": "police_force_area",
    "W15": "police_force_area",
    "W11": "health_board",
    "E67": "combined_lad",
    "K99": "unallocated",
    "N34": "combined_authority",
}

GSS_CODE = re.compile(r"^[EKNSW]\d{8}$")
ITL_CODE = re.compile(r"^TL[A-N][0-9A-Z]{0,3}$")


def geography_of(code: str) -> str:
    """Normalised geography level of an area code (``other`` when not recognised)."""
    if not isinstance(code, str):
        return "other"
    if ITL_CODE.match(code):
        return {3: "itl1", 4: "itl2", 5: "itl3"}.get(len(code), "other")
    if GSS_CODE.match(code):
        return _PREFIX_LEVEL.get(code[:3], "other")
    if code in PROJECT_AREA_CODES:
        return PROJECT_AREA_CODES[code][1]
    return "other"


#: Area groups without a GSS code, given project codes. (name, geography)
PROJECT_AREA_CODES = {
    "GSE": ("Greater South East (London, South East, East of England)", "region_group"),
    "XGSE": ("Outside the Greater South East", "region_group"),
    "NOE": ("North of England (North East, North West, Yorkshire and The Humber)", "region_group"),
    "FABIAN-N": ("North (Fabian Society grouping)", "region_group"),
    "FABIAN-M": ("Midlands (Fabian Society grouping)", "region_group"),
    "FABIAN-S": ("South (Fabian Society grouping)", "region_group"),
}

#: Names publishers give to area groups that have no GSS code -> project code.
PROJECT_AREA_NAMES = {
    "greater south east (london, south east, east of england)": "GSE",
    "outside the greater south east": "XGSE",
    "north of england (ne+nw+yh)": "NOE",
    "north (fabian grouping)": "FABIAN-N",
    "midlands (fabian grouping)": "FABIAN-M",
    "south (fabian grouping)": "FABIAN-S",
}

#: Greater South East, as the annex defines it (footnote 64): London, South East, East of England.
GREATER_SOUTH_EAST = ("E12000007", "E12000008", "E12000006")


#: One row per old area and action taken on it (boundary-report.csv of each edition).
BOUNDARY_COLUMNS = [
    "dataset_id",
    "area_code",
    "area_name",
    "action",
    "successors",
    "n_rows",
    "periods",
]
