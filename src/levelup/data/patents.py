"""EPO patent applications by NUTS 2010 region (Eurostat ``pat_ep_rtot`` via Nesta), 2006–2012.

Reads the NUTS2 file (curated SOURCES.md, nesta_epo_patents: ``year, nuts_id, nuts_year_spec,
epo_patent_applications``) and sums it to the twelve ITL1 regions and nations: a NUTS 2010 code's
first three characters are its NUTS1 region (``UKC`` North East ... ``UKN`` Northern Ireland),
whose ITL1 code is the same letter after ``TL`` (``UKC`` -> ``TLC``). ``UKZZ`` (extra-regio) is
left out. Counts are by priority year and fractional (shared between applicants) but stored
rounded, so regional sums carry that rounding; recent years in the source are incomplete.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from levelup.data.geography import ITL1_NAMES
from levelup.data.readers import ReadError, read_csv_strings

COLUMNS = ("year", "nuts_id", "nuts_year_spec", "epo_patent_applications")
NUTS2 = re.compile(r"^UK[C-N][0-9A-Z]$")
INDICATOR = "EPO patent applications (priority year)"


def nuts1_to_itl1(nuts_id: str) -> str:
    """'UKD3' -> 'TLD' (NUTS 2010 region letter to ITL1 code)."""
    if not NUTS2.match(nuts_id):
        raise ValueError(f"{nuts_id!r} is not a UK NUTS2 code UKC.. to UKN..")
    return "TL" + nuts_id[2]


def read_epo_patents_itl1(path: Path) -> pd.DataFrame:
    """ITL1 sums of the NUTS2 counts, in the internal tidy layout (one row per region and year)."""
    raw = read_csv_strings(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ReadError(
            f"not the Nesta EPO patents layout: missing column(s) {missing}",
            column=",".join(missing),
        )
    specs = set(raw["nuts_year_spec"])
    if specs != {"2010"}:
        raise ReadError(
            f"expected NUTS 2010 codes only, found specs {sorted(specs)}", "nuts_year_spec"
        )
    rows = raw[raw["nuts_id"] != "UKZZ"].copy()
    bad = rows[~rows["nuts_id"].str.match(NUTS2)]
    if not bad.empty:
        raise ReadError(
            f"line {int(bad['source_row'].iat[0])}: {bad['nuts_id'].iat[0]!r} is not a UK NUTS2 code",
            "nuts_id",
        )
    rows["area_code"] = rows["nuts_id"].map(nuts1_to_itl1)
    rows["count"] = pd.to_numeric(rows["epo_patent_applications"], errors="raise")
    summed = rows.groupby(["area_code", "year"], as_index=False).agg(
        value=("count", "sum"), source_row=("source_row", "min"), n=("nuts_id", "size")
    )
    return pd.DataFrame(
        {
            "area_code": summed["area_code"],
            "area_name": summed["area_code"].map(ITL1_NAMES),
            "indicator": INDICATOR,
            "period": summed["year"],
            "value": summed["value"].map(lambda v: f"{v:g}"),
            "unit": "applications",
            "measure": "count, sum of NUTS 2010 level 2 regions",
            "status": "",
            "notes": summed["n"].map(lambda n: f"sum of {n} NUTS2 regions"),
            "geography_label": "",
            "source_row": summed["source_row"],
        }
    )
