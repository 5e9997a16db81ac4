"""ONS experimental regional gross fixed capital formation (GFCF), ITL1, 1997–2020.

Reads the tidy ITL1 file of the May 2022 edition (curated SOURCES.md, ons_regional_gfcf_2022:
``date, geography_type, geography_code, geography_name, asset, industry_code, industry_name,
value_gbp_m``) into the internal tidy layout of :mod:`levelup.data.readers`: the all-industry
total (``industry_code == "Total"``) of each asset for the twelve ITL1 regions and nations, one
indicator per asset ("Gross fixed capital formation: All assets", ...), calendar years, £ million
at current prices.

Kept out: Extra-Regio (``TLZ``, investment not allocated to any region; there is no UK total row,
so a UK figure would be the ITL1 sum plus TLZ). Blank cells are the workbook's ``[w]``/``[low]``
markers, whose reason was lost upstream: they stay blank, flagged ``missing``.
"""

from __future__ import annotations

from pathlib import Path

from levelup.data.readers import ReadError, read_csv_strings

COLUMNS = (
    "date",
    "geography_type",
    "geography_code",
    "geography_name",
    "asset",
    "industry_code",
    "industry_name",
    "value_gbp_m",
)
EXTRA_REGIO = "TLZ"
INDICATOR = "Gross fixed capital formation: {asset}"


def read_regional_gfcf(path: Path):
    """The ITL1 all-industry GFCF rows of the curated file, in the internal tidy layout."""
    raw = read_csv_strings(path)
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise ReadError(
            f"not the curated regional GFCF layout: missing column(s) {missing}; "
            f"header is {[c for c in raw.columns if c != 'source_row']}",
            column=",".join(missing),
        )
    rows = raw[
        (raw["industry_code"] == "Total")
        & (raw["geography_type"] == "ITL1")
        & (raw["geography_code"] != EXTRA_REGIO)
    ]
    if rows.empty:
        raise ReadError("no ITL1 all-industry ('Total') rows", column="industry_code")
    return rows.assign(
        area_code=rows["geography_code"],
        area_name=rows["geography_name"].str.replace(r" \(England\)$", "", regex=True),
        indicator=rows["asset"].map(lambda a: INDICATOR.format(asset=a)),
        period=rows["date"],
        value=rows["value_gbp_m"],
        unit="£ million",
        measure="current prices, not seasonally adjusted (experimental)",
        status="",
        notes="",
        geography_label="",
    )[
        [
            "area_code",
            "area_name",
            "indicator",
            "period",
            "value",
            "unit",
            "measure",
            "status",
            "notes",
            "geography_label",
            "source_row",
        ]
    ].reset_index(drop=True)
