"""Social Mobility Commission, State of the Nation 2026: the key stage 2 input (measure ``in12``).

The SMC reprints DfE's share of pupils meeting the expected standard in reading, writing and
maths at the end of key stage 2, England, 2015/16 to 2024/25 (state-funded schools, whole
percentages). It is a secondary source: where it and Explore Local Statistics disagree (2024/25:
62 here, 63 in ELS, which republishes DfE's revised release), the report shows the ELS figure and
notes this one. 2019/20 and 2020/21 are printed as value 0 with sample size ``x``: no assessments
took place (COVID-19), so they are read as missing, never as zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from levelup.data.fetch import DataStore
from levelup.data.geography import read_pinned_csv
from levelup.data.periods import parse_period, period_label

SMC_KS2_FILE = "curated/ks2_smc_in12/2026-01-01-in12-full-dataset.csv"
SOURCE = (
    "Social Mobility Commission, State of the Nation 2026 (attainment at age 11, reprinting DfE)"
)


class SmcFormatError(ValueError):
    pass


def ks2_england(raw: pd.DataFrame) -> pd.DataFrame:
    """England's KS2 series from the SMC file: all pupils (``seb`` = ``Total``), one row a year.

    Returns ``period`` (ISO academic year ``YYYY-09-01/P1Y``), ``label`` ("2024/25"), ``time``,
    ``value`` (%; NaN where the sample size is ``x``, i.e. no assessment) and ``pupils``.
    Raises :class:`SmcFormatError` when the file lacks the columns or the all-pupils rows.
    """
    needed = {
        "area_code",
        "primary_split_type",
        "primary_split_value",
        "time_period",
        "value",
        "sample_size",
    }
    missing = needed - set(raw.columns)
    if missing:
        raise SmcFormatError(f"SMC KS2 file: missing columns {sorted(missing)}")
    rows = raw[
        (raw["area_code"] == "E92000001")
        & (raw["primary_split_type"] == "seb")
        & (raw["primary_split_value"] == "Total")
    ]
    if rows.empty:
        raise SmcFormatError("SMC KS2 file: no all-pupils rows for England (seb = Total)")
    if rows["time_period"].duplicated().any():
        raise SmcFormatError("SMC KS2 file: more than one all-pupils row for a year")
    assessed = rows["sample_size"].astype(str).str.strip().str.lower() != "x"
    value = pd.to_numeric(rows["value"], errors="coerce").where(assessed)
    pupils = pd.to_numeric(rows["sample_size"], errors="coerce")
    periods = [f"{str(label)[:4]}-09-01/P1Y" for label in rows["time_period"]]
    out = pd.DataFrame(
        {
            "period": periods,
            "label": [period_label(p) for p in periods],
            "time": [parse_period(p).time for p in periods],
            "value": value.to_numpy(float),
            "pupils": pupils.to_numpy(float),
        }
    )
    out.loc[~np.isfinite(out["value"]), "pupils"] = np.nan
    return out.sort_values("time").reset_index(drop=True)


def read_ks2_england(store: DataStore) -> pd.DataFrame:
    """:func:`ks2_england` of the pinned SMC file (read and checksum-verified by the store)."""
    return ks2_england(read_pinned_csv(store, SMC_KS2_FILE))
