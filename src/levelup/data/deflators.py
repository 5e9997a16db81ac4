"""Price indices in the ONS time-series generator layout (the GDP deflator, YBGB).

The ONS website's CSV generator writes one series per file: two quoted columns, **no header**,
eight metadata lines (``Title``, ``CDID``, ``Source dataset ID``, ``PreUnit``, ``Unit``,
``Release date``, ``Next release``, ``Important notes``), then the data rows in blocks: annual
(``"2024"``), quarterly (``"2025 Q1"``) and, for monthly series, monthly (``"2025 JUN"``).

    >>> deflator = gdp_deflator()          # YBGB, 2022 = 100, calendar years and quarters
    >>> deflator.annual[2024], deflator.quarterly[(2025, 1)]

The pinned YBGB vintage (released 30 June 2025) is annual to 2024 and quarterly to 2025 Q1. It is a
calendar-year index: HM Treasury's financial-year GDP deflator is a different series (curated
SOURCES.md, ons_ybgb_l522_deflators). The metadata lines ``PreUnit "£"`` and ``Unit "m"`` are a
generator quirk and are ignored: the series is an index.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

GDP_DEFLATOR_FILE = "curated/uk_deflators/ons_ybgb_gdp_deflator.csv"
METADATA_FIELDS = (
    "Title",
    "CDID",
    "Source dataset ID",
    "PreUnit",
    "Unit",
    "Release date",
    "Next release",
    "Important notes",
)
_ANNUAL = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4}) Q([1-4])$")
_MONTH = re.compile(r"^(\d{4}) (JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)$")


class DeflatorFormatError(ValueError):
    """A file that is not a well-formed ONS generator series; the message names file and line."""

    def __init__(self, path: Path | str, line: int, problem: str):
        super().__init__(f"{path}, line {line}: {problem}")
        self.path, self.line, self.problem = str(path), line, problem


@dataclass(frozen=True)
class PriceIndex:
    """One ONS price index: its metadata and its annual and quarterly values."""

    cdid: str
    title: str
    release_date: str
    annual: pd.Series  # calendar year (int) -> index
    quarterly: pd.Series  # (year, quarter) -> index
    source_file: str = ""

    @property
    def last_complete_year(self) -> int:
        """The latest calendar year with an annual value (the natural price base)."""
        return int(self.annual.index.max())

    @property
    def base_year(self) -> int:
        """The year the index equals 100 (2022 for the pinned YBGB vintage)."""
        hits = [int(y) for y, v in self.annual.items() if math.isclose(v, 100.0, abs_tol=0.05)]
        if not hits:
            raise ValueError(f"{self.cdid}: no year has index 100")
        return hits[-1]

    @property
    def description(self) -> str:
        """Reader-facing name, e.g. 'ONS GDP deflator at market prices (YBGB, released 30 June 2025)'."""
        released = pd.to_datetime(self.release_date, format="%d-%m-%Y")
        return (
            f"ONS GDP implied deflator at market prices ({self.cdid}, released "
            f"{released.day} {released:%B %Y})"
        )


def read_ons_generator_series(path: Path | str) -> PriceIndex:
    """Read an ONS generator CSV; raise :class:`DeflatorFormatError` on any malformed line.

    Checks: the eight metadata fields in order, then only annual, quarterly or monthly labels
    in that block order, every value a positive number, no label twice, at least one annual value.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
    except UnicodeDecodeError as exc:
        raise DeflatorFormatError(path, 1, f"not a UTF-8 text file ({exc.reason})") from None
    if len(records) < len(METADATA_FIELDS):
        raise DeflatorFormatError(
            path, len(records) + 1, "file ends before the 8 metadata lines of the ONS generator"
        )
    meta = {}
    for number, (record, expected) in enumerate(zip(records, METADATA_FIELDS, strict=False), 1):
        if not record or record[0].strip() != expected:
            found = record[0] if record else "(empty line)"
            raise DeflatorFormatError(
                path, number, f"metadata line {number} should be {expected!r}, found {found!r}"
            )
        meta[expected] = record[1].strip() if len(record) > 1 else ""
    annual: dict[int, float] = {}
    quarterly: dict[tuple[int, int], float] = {}
    block = 0  # 0 annual, 1 quarterly, 2 monthly: blocks come in this order
    for number, record in enumerate(records[len(METADATA_FIELDS) :], len(METADATA_FIELDS) + 1):
        if not record or not "".join(record).strip():
            continue
        if len(record) != 2:
            raise DeflatorFormatError(path, number, f"expected 2 columns, found {len(record)}")
        label, text = record[0].strip(), record[1].strip()
        try:
            value = float(text)
        except ValueError:
            raise DeflatorFormatError(path, number, f"value {text!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise DeflatorFormatError(path, number, f"index value {text!r} is not positive")
        if match := _ANNUAL.match(label):
            kind, key, store = 0, int(match[1]), annual
        elif match := _QUARTER.match(label):
            kind, key, store = 1, (int(match[1]), int(match[2])), quarterly
        elif _MONTH.match(label):
            kind, key, store = 2, label, None
        else:
            raise DeflatorFormatError(
                path, number, f"period {label!r} is not a year, 'YYYY Qn' or 'YYYY MON'"
            )
        if kind < block:
            raise DeflatorFormatError(
                path, number, f"{label!r} comes after a later block (annual, quarterly, monthly)"
            )
        block = kind
        if store is None:
            continue
        if key in store:
            raise DeflatorFormatError(path, number, f"period {label!r} appears twice")
        store[key] = value
    if not annual:
        raise DeflatorFormatError(path, len(records), "no annual values")
    return PriceIndex(
        cdid=meta["CDID"],
        title=meta["Title"],
        release_date=meta["Release date"],
        annual=pd.Series(annual, dtype=float).sort_index(),
        quarterly=pd.Series(quarterly, dtype=float).sort_index(),
        source_file=str(path),
    )


def gdp_deflator(store=None) -> PriceIndex:
    """The pinned ONS GDP deflator (YBGB), read from its verified file."""
    from levelup.data.fetch import DataStore

    store = store or DataStore()
    index = read_ons_generator_series(store.path(GDP_DEFLATOR_FILE))
    if index.cdid != "YBGB":
        raise DeflatorFormatError(GDP_DEFLATOR_FILE, 2, f"CDID is {index.cdid!r}, not 'YBGB'")
    return index
