"""ONS *Police force area data tables* (Home Office police recorded crime), eight quarterly
editions, 12 months ending March 2018 to December 2019 (``curated/ons_pfa_crime_tables/``).

* :func:`read_p1_counts` -- the tidy Table P1 (number of offences by offence group and area), one
  row per published cell; ``value`` is blank where the table prints ``..`` (Greater Manchester in
  the September and December 2019 editions).
* :func:`read_p3_population` -- the population column of a workbook's Table P3 (the mid-year
  estimate, rounded to 100, that ONS used for that edition's rates per 1,000).

Caveats (``curated/SOURCES.md``, ons_pfa_tables_2018_2019): the periods are rolling 12 months, so
consecutive editions overlap by nine months; police recorded crime is not National Statistics and
moves with recording practice; "West Midlands" is both a region (E12000005) and a force
(E23000014), so join on codes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

FOLDER = "curated/ons_pfa_crime_tables"
P1_COUNTS = f"{FOLDER}/pfa_table_p1_counts.csv"
P1_COLUMNS = [
    "period_end",
    "period",
    "source_file",
    "areacd",
    "areanm",
    "offence",
    "offence_as_published",
    "value",
    "value_as_published",
]
#: What Table P1 prints where a count is missing.
NOT_AVAILABLE = {"..", ":", "x", ""}


class PfaTableError(ValueError):
    """A police force area table that does not have the expected shape."""


def read_p1_counts(path: str | Path) -> pd.DataFrame:
    """The tidy Table P1 counts, validated: ``value`` as float (NaN where not published)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    missing = [c for c in P1_COLUMNS if c not in frame.columns]
    if missing:
        raise PfaTableError(f"{path}: missing column(s) {', '.join(missing)}")
    bad = frame.loc[~frame["period_end"].str.fullmatch(r"\d{4}-(0[1-9]|1[0-2])"), "period_end"]
    if len(bad):
        raise PfaTableError(f"{path}: period_end must be YYYY-MM, found {bad.iat[0]!r}")
    numeric = pd.to_numeric(frame["value"].str.replace(",", ""), errors="coerce")
    unexplained = numeric.isna() & ~frame["value_as_published"].str.strip().isin(NOT_AVAILABLE)
    if unexplained.any():
        row = frame[unexplained].iloc[0]
        raise PfaTableError(
            f"{path}: {row['areanm']} {row['offence']} ({row['period_end']}) has value "
            f"{row['value']!r} (published {row['value_as_published']!r}), not a count"
        )
    if (numeric < 0).any():
        raise PfaTableError(f"{path}: negative counts")
    key = ["period_end", "areacd", "areanm", "offence"]
    duplicated = frame.duplicated(key)
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise PfaTableError(
            f"{path}: two values for {row['areanm']} {row['offence']} ({row['period_end']})"
        )
    return frame.assign(value=numeric)


def read_p3_population(path: str | Path) -> pd.DataFrame:
    """Population by area from a workbook's Table P3: ``areacd``, ``areanm``, ``population``
    (NaN where the table prints ``..``), ``population_year`` (the mid-year of the estimate, from
    the column heading)."""
    import openpyxl

    path = Path(path)
    # keep_links=False: the workbooks link to other workbooks; reading those links was two thirds
    # of opening one (the values, cached in the file, are the same)
    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True, keep_links=False)
    sheets = [s for s in workbook.sheetnames if s.strip() == "Table P3"]
    if not sheets:
        raise PfaTableError(
            f"{path}: no 'Table P3' sheet (sheets: {', '.join(workbook.sheetnames)})"
        )
    rows = list(workbook[sheets[0]].iter_rows(values_only=True))
    header = next(
        (
            i
            for i, r in enumerate(rows)
            if r and r[0] is not None and str(r[0]).strip() == "Area Code"
        ),
        None,
    )
    if header is None:
        raise PfaTableError(f"{path}: Table P3 has no 'Area Code' header row")
    column = next(
        (j for j, v in enumerate(rows[header]) if v and str(v).startswith("Population")), None
    )
    if column is None:
        raise PfaTableError(f"{path}: Table P3 has no 'Population figures' column")
    year = re.search(r"mid-(\d{4})", str(rows[header][column]))
    if not year:
        raise PfaTableError(
            f"{path}: Table P3 population heading {rows[header][column]!r} names no mid-year"
        )
    out = []
    for row in rows[header + 1 :]:
        code = row[0]
        if code is None or not re.fullmatch(r"[EWK]\d{8}", str(code).strip()):
            continue
        value = row[column]
        if isinstance(value, str) and value.strip() in NOT_AVAILABLE:
            value = float("nan")  # not published (Greater Manchester, late 2019)
        if not isinstance(value, int | float):
            raise PfaTableError(f"{path}: Table P3 population of {code} is {value!r}, not a number")
        out.append(
            {
                "areacd": str(code).strip(),
                "areanm": re.sub(r"[\d,]+$", "", str(row[1])).strip(),
                "population": float(value),
            }
        )
    if not out:
        raise PfaTableError(f"{path}: Table P3 has no rows with an area code")
    return pd.DataFrame(out).assign(population_year=int(year.group(1)))
