"""Academic indices of sub-national authority the annex names for institutional capital.

* :func:`read_rai_country` -- Regional Authority Index (RAI), country-level file, April 2021
  release (Hooghe, Marks, Schakel, Shair-Rosenfield, Niedzwiecki et al.), country-years 1950-2018:
  self-rule, shared rule and their sum, the RAI. The CSV repeats two column names
  (``n_representation``, ``n_lawmaking``), so it is read by position and the header is checked.
* :func:`read_lai` -- Local Autonomy Index (LAI) 1.0 (Ladner, Keuffer and Baldersheim, 2015),
  a third-party extract of the composite score for 39 countries in 1990, 2000, 2010 and 2014.

Both score a country as a whole: they cannot show differences between places within the UK.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

RAI_FILE = "curated/regional_authority_index/RAI_country-april-2021.csv"
LAI_FILE = "curated/local_autonomy_index/LAI_2014.csv"
#: The leading RAI columns this reader uses, by position (the file repeats later names).
RAI_HEADER = {
    3: "country_name",
    4: "abbr_country",
    5: "year",
    16: "n_selfrule",
    17: "n_sharedrule",
    18: "n_RAI",
}
LAI_YEARS = (1990, 2000, 2010, 2014)
#: RAI = self-rule + shared rule holds to rounding except in two published rows (India 1970 and
#: 2018, off by up to 0.14); a larger gap means the columns were misread.
MAX_IDENTITY_GAP = 0.5


class IndexFileError(ValueError):
    """An RAI or LAI file that does not have the expected shape."""


def read_rai_country(path: str | Path) -> pd.DataFrame:
    """Country-years: ``country``, ``code`` (ISO3), ``year``, ``self_rule``, ``shared_rule``,
    ``rai``. Raises when a header position is wrong or RAI differs from self-rule + shared rule by
    more than :data:`MAX_IDENTITY_GAP`; smaller published inconsistencies are listed in
    ``attrs["identity_mismatches"]``."""
    path = Path(path)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows:
        raise IndexFileError(f"{path}: empty file")
    header = rows[0]
    for position, name in RAI_HEADER.items():
        found = header[position] if position < len(header) else None
        if found != name:
            raise IndexFileError(
                f"{path}: column {position + 1} should be {name!r}, found {found!r}"
            )
    out, mismatches = [], []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        try:
            year = int(row[5])
            self_rule, shared, rai = (float(row[i]) for i in (16, 17, 18))
        except (ValueError, IndexError) as err:
            raise IndexFileError(f"{path}: line {number} is not a country-year ({err})") from err
        gap = abs(self_rule + shared - rai)
        if gap > 0.011:  # published to two decimals
            mismatches.append(f"{row[4]} {year}")
        if gap > MAX_IDENTITY_GAP:  # columns misread, not rounding
            raise IndexFileError(
                f"{path}: line {number} ({row[4]} {year}): RAI {rai} is not self-rule {self_rule} "
                f"+ shared rule {shared}"
            )
        out.append(
            {
                "country": row[3],
                "code": row[4],
                "year": year,
                "self_rule": self_rule,
                "shared_rule": shared,
                "rai": rai,
            }
        )
    frame = pd.DataFrame(out)
    duplicated = frame.duplicated(["code", "year"])
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise IndexFileError(f"{path}: two rows for {row['code']} {row['year']}")
    frame.attrs["identity_mismatches"] = mismatches
    return frame


def read_lai(path: str | Path) -> pd.DataFrame:
    """Long format: ``country``, ``code``, ``year``, ``lai`` (composite score, 0-100)."""
    path = Path(path)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    needed = ["country_name", "country_code", *(f"D_LAI_{y}" for y in LAI_YEARS)]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise IndexFileError(f"{path}: missing column(s) {', '.join(missing)}")
    long = frame.melt(
        id_vars=["country_name", "country_code"],
        value_vars=[f"D_LAI_{y}" for y in LAI_YEARS],
        var_name="year",
        value_name="lai",
    )
    values = pd.to_numeric(long["lai"], errors="coerce")
    bad = values.isna() | (values < 0) | (values > 100)
    if bad.any():
        row = long[bad].iloc[0]
        raise IndexFileError(
            f"{path}: {row['country_code']} {row['year']} score {row['lai']!r} is not a number in 0-100"
        )
    return pd.DataFrame(
        {
            "country": long["country_name"],
            "code": long["country_code"],
            "year": long["year"].str[-4:].astype(int),
            "lai": values,
        }
    )
