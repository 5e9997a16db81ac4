"""Readers: one per input layout, each returning rows in the canonical tidy form.

* :func:`read_tidy_csv` — the ELS family: ONS Explore Local Statistics CSVs of every vintage and
  schema (12-column lower case, 14/16-column upper case, ``Value`` for ``Observation``...), the
  population extracts and the curated transcriptions, which use the same layout.
* :func:`read_sdg_csv` — UK SDG platform CSVs: wide, one column per disaggregation.

Readers do no validation beyond what they must to parse; :mod:`levelup.data.validate` checks the
result and names file, line, column and rule for every problem.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.periods import PeriodConvention, PeriodError, parse_period
from levelup.data.schema import CANONICAL_COLUMNS, geography_of

# Column names seen across ELS vintages and schemas, mapped to one internal name.
_COLUMN_ALIASES = {
    "areacd": "area_code",
    "areanm": "area_name",
    "geography": "geography_label",
    "indicator": "indicator",
    "variable name": "variable_name",
    "period": "period",
    "observation": "value",
    "value": "value",
    "measure": "measure",
    "unit": "unit",
    "lci_95": "lower_ci",
    "uci_95": "upper_ci",
    "lower confidence interval (95%)": "lower_ci",
    "upper confidence interval (95%)": "upper_ci",
    "lower_confidence_interval_95": "lower_ci",
    "upper_confidence_interval_95": "upper_ci",
    "status": "status",
    "observation status": "status",
    "observation_status": "status",
    "notes": "notes",
    "source_id": "source_id",
}

REQUIRED_TIDY = ("area_code", "area_name", "period", "value")


#: The header name a file of the ELS layout uses for each required internal column (what an error
#: about a missing column names: the file's own vocabulary, not ours).
FILE_HEADER_NAMES = {
    "area_code": "areacd",
    "area_name": "areanm",
    "period": "period",
    "value": "value",
}


class ReadError(ValueError):
    """A file whose layout cannot be read at all (missing columns, not a CSV, not UTF-8, a row
    with the wrong number of fields); ``line`` and ``column`` say where (line 1 is the header)."""

    def __init__(self, message: str, column: str = "", line: int = 1):
        super().__init__(message)
        self.column = column
        self.line = line


def normalise_columns(columns) -> dict[str, str]:
    """Map a file's header to internal names; unknown columns keep a lower-case name."""
    mapping = {}
    for col in columns:
        key = str(col).strip().lower()
        mapping[col] = _COLUMN_ALIASES.get(key, key.replace(" ", "_").replace("-", "_"))
    return mapping


def read_csv_strings(path: Path) -> pd.DataFrame:
    """Read a CSV as strings: BOM stripped, CRLF tolerated, blank lines skipped, nothing coerced.

    Refused with a :class:`ReadError` naming line and column: an empty file (0 bytes), a file
    that is not UTF-8 (with the byte offset of the first bad byte), and a record with more or
    fewer fields than the header (a truncated or split row).
    """
    try:
        frame = pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            encoding="utf-8-sig",
            skip_blank_lines=True,
        )
    except pd.errors.EmptyDataError:
        raise ReadError("empty file (0 bytes): no header and no data rows") from None
    except UnicodeDecodeError:
        raise _not_utf8(Path(path)) from None
    except pd.errors.ParserError as exc:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if not found:
            raise ReadError(f"not a readable CSV: {exc}") from None
        expected, line, saw = (int(x) for x in found.groups())
        raise ReadError(
            f"wrong field count: {saw} fields, the header has {expected}", line=line
        ) from None
    if len(frame.columns) and (frame.iloc[:, -1] == "").any():
        _check_short_records(Path(path), len(frame.columns))  # pandas pads short rows silently
    # line number in the file of each record (header is line 1); exact for files without
    # embedded newlines, which holds for every pinned file.
    frame["source_row"] = np.arange(2, len(frame) + 2)
    return frame


def _not_utf8(path: Path) -> ReadError:
    data = path.read_bytes()
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        return ReadError(
            f"not UTF-8: byte 0x{data[exc.start]:02x} at byte offset {exc.start} (line {line}, "
            f"character {column}) is not valid UTF-8; save the file as UTF-8 "
            "(it looks like Latin-1 or Windows-1252)",
            line=line,
        )
    return ReadError("not UTF-8")


def _check_short_records(path: Path, n_fields: int) -> None:
    """Refuse a record with fewer fields than the header (a truncated row)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        for record in reader:
            if record and len(record) != n_fields:
                raise ReadError(
                    f"wrong field count: {len(record)} field(s), the header has {n_fields} "
                    "(a truncated row?)",
                    line=reader.line_num,
                )


# ---------------------------------------------------------------------------------------- flags
_STATUS_FLAGS = {
    "x": "suppressed",
    "u": "unreliable",
    "c": "confidential",
    "z": "not_applicable",
    "low": "low_base",
    "provisional": "provisional",
    "secondary": "secondary",
    "estimated value": "estimated",
}

_NOTE_PATTERNS = [
    (re.compile(r"obsolete code", re.I), "obsolete_code"),
    (re.compile(r"unreliable", re.I), "unreliable"),
    (re.compile(r"fewer than 5", re.I), "low_base"),
    (re.compile(r"aggregated", re.I), "aggregated"),
    (re.compile(r"combined", re.I), "combined_area"),
    (re.compile(r"provisional", re.I), "provisional"),
]


def flags_for(status: str, notes: str, has_value: bool) -> str:
    """Observation flags from a publisher's status code and notes (see INVENTORY.md).

    A blank value always carries a reason: the status code's meaning, ``suppressed`` for
    ``u``/``low`` without a value, or ``missing`` when the publisher gave none.
    """
    flags: list[str] = []
    code = status.strip().lower()
    if code in _STATUS_FLAGS:
        flag = _STATUS_FLAGS[code]
        if not has_value and flag in ("unreliable", "low_base"):
            flags.append("suppressed")
        flags.append(flag)
    elif code.startswith("value for") and "combined" in code:
        flags.append("combined_area")
    for pattern, flag in _NOTE_PATTERNS:
        if notes and pattern.search(notes) and flag not in flags:
            flags.append(flag)
    if not has_value and not {"suppressed", "confidential", "not_applicable"} & set(flags):
        flags.append("missing")
    return ";".join(sorted(set(flags)))


# ---------------------------------------------------------------------------------------- tidy
def to_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Numeric values and a mask of non-blank cells that are not numbers."""
    text = series.str.strip().str.replace(",", "", regex=False)
    numbers = pd.to_numeric(text, errors="coerce")
    bad = text.ne("") & numbers.isna()
    return numbers, bad


def canonical_frame(
    raw: pd.DataFrame,
    *,
    dataset_id: str,
    vintage: str,
    source_file: str,
    indicator_id: Callable[[pd.Series], pd.Series],
    convention: PeriodConvention,
    unit: str | None = None,
    measure: str | None = None,
    period_map: Mapping[str, str] | None = None,
) -> tuple[pd.DataFrame, list[dict]]:
    """Turn a normalised raw frame into canonical rows plus a list of parse problems.

    ``indicator_id`` maps the raw indicator labels to stable ids. ``period_map`` relabels
    periods before parsing (e.g. a relabelled snapshot month). Problems are dicts with
    ``line, column, rule, detail`` for :mod:`levelup.data.validate` to report.
    """
    problems: list[dict] = []
    frame = pd.DataFrame(index=raw.index)
    frame["area_code"] = raw["area_code"].str.strip()
    frame["area_name"] = raw["area_name"].str.strip()
    frame["geography"] = frame["area_code"].map(geography_of)
    frame["indicator"] = raw["indicator"].str.strip()
    frame["indicator_id"] = indicator_id(raw)

    labels = raw["period"].str.strip()
    if period_map:
        labels = labels.replace(dict(period_map))
    parsed = {}
    for label in labels.unique():
        try:
            parsed[label] = parse_period(label, convention)
        except PeriodError as exc:
            parsed[label] = None
            for line in raw.loc[labels == label, "source_row"].head(5):
                problems.append(
                    {
                        "line": int(line),
                        "column": "period",
                        "rule": "unparseable period",
                        "detail": str(exc),
                    }
                )
    frame["period"] = labels.map(lambda x: parsed[x].period if parsed[x] else x)
    frame["period_start"] = pd.to_datetime(
        labels.map(lambda x: parsed[x].start if parsed[x] else None)
    )
    frame["period_end"] = pd.to_datetime(labels.map(lambda x: parsed[x].end if parsed[x] else None))
    frame["period_type"] = labels.map(lambda x: parsed[x].type if parsed[x] else "")
    frame["time"] = labels.map(lambda x: parsed[x].time if parsed[x] else np.nan).astype(float)

    values, bad_values = to_number(raw["value"])
    for line, text in zip(
        raw.loc[bad_values, "source_row"].head(20),
        raw.loc[bad_values, "value"].head(20),
        strict=True,
    ):
        problems.append(
            {
                "line": int(line),
                "column": "value",
                "rule": "non-numeric value",
                "detail": f"{text!r} is not a number",
            }
        )
    frame["value"] = values.astype(float)
    for side in ("lower_ci", "upper_ci"):
        if side in raw:
            numbers, bad = to_number(raw[side])
            for line, text in zip(
                raw.loc[bad, "source_row"].head(20), raw.loc[bad, side].head(20), strict=True
            ):
                problems.append(
                    {
                        "line": int(line),
                        "column": side,
                        "rule": "non-numeric confidence limit",
                        "detail": f"{text!r}",
                    }
                )
            frame[side] = numbers.astype(float)
        else:
            frame[side] = np.nan
    frame["unit"] = (
        unit if unit is not None else raw.get("unit", pd.Series("", index=raw.index)).str.strip()
    )
    frame["measure"] = (
        measure
        if measure is not None
        else raw.get("measure", pd.Series("", index=raw.index)).str.strip()
    )

    status = raw.get("status", pd.Series("", index=raw.index)).fillna("")
    notes = raw.get("notes", pd.Series("", index=raw.index)).fillna("")
    has_value = frame["value"].notna()
    combos = pd.DataFrame({"s": status, "n": notes, "v": has_value})
    unique = combos.drop_duplicates()
    lookup = {(s, n, v): flags_for(s, n, v) for s, n, v in unique.itertuples(index=False)}
    frame["flags"] = [lookup[key] for key in zip(status, notes, has_value, strict=True)]

    frame["dataset_id"] = dataset_id
    frame["source_id"] = raw["source_id"].str.strip() if "source_id" in raw else ""
    frame["vintage"] = vintage
    frame["source_file"] = source_file
    frame["source_row"] = raw["source_row"].astype(int)
    frame = frame[CANONICAL_COLUMNS].copy()
    # raw status / notes travel along for validation and boundary handling
    frame["status_raw"] = status.values
    frame["notes_raw"] = notes.values
    return frame, problems


def read_tidy_csv(path: Path) -> pd.DataFrame:
    """Read an ELS-layout CSV (any vintage/schema) into internally named string columns."""
    raw = read_csv_strings(path)
    header = [c for c in raw.columns if c != "source_row"]
    raw = raw.rename(columns=normalise_columns(header))
    missing = [FILE_HEADER_NAMES[c] for c in REQUIRED_TIDY if c not in raw.columns]
    if missing:
        raise ReadError(
            f"missing required column(s) {', '.join(map(repr, missing))}; the file's header is "
            f"{', '.join(header)}",
            column=",".join(missing),
        )
    if raw.empty:
        raise ReadError("no data rows: the file has a header only", line=2)
    raw = raw.loc[:, ~raw.columns.duplicated()]
    if "indicator" not in raw:
        raw["indicator"] = ""
    return raw


# ---------------------------------------------------------------------------------------- SDG
_SDG_SERVICE_COLUMNS = {
    "year",
    "value",
    "observation status",
    "unit multiplier",
    "units",
    "unit measure",
    "geocode",
}


def read_sdg_csv(
    path: Path,
    *,
    filters: Mapping[str, str],
    area_columns: list[str],
    area_codes: Mapping[str, str],
    default_area: tuple[str, str],
) -> pd.DataFrame:
    """Select one headline series from a wide SDG CSV and return it in the ELS layout.

    ``filters``: column -> required value ("" = must be blank). Every other disaggregation column
    (not a service column, not an area column) must be blank: the headline. The area is the most
    specific non-blank of ``area_columns``; its code comes from ``GeoCode`` when published, else
    from ``area_codes`` (name -> code), else the row is the ``default_area`` (code, name).
    """
    raw = read_csv_strings(path)
    columns = [c for c in raw.columns if c != "source_row"]
    missing = [c for c in list(filters) + area_columns if c not in columns]
    if missing:
        raise ReadError(
            f"SDG file has no column(s) {missing}; header is {columns}", column=",".join(missing)
        )
    if raw.empty:
        raise ReadError("no data rows: the file has a header only", line=2)
    mask = pd.Series(True, index=raw.index)
    for column, wanted in filters.items():
        mask &= raw[column].str.strip() == wanted
    others = [
        c
        for c in columns
        if c.lower() not in _SDG_SERVICE_COLUMNS and c not in filters and c not in area_columns
    ]
    for column in others:
        mask &= raw[column].str.strip() == ""
    sel = raw.loc[mask].copy()
    names = pd.Series(default_area[1], index=sel.index)
    codes = pd.Series(default_area[0], index=sel.index)
    for column in area_columns:  # least to most specific
        named = sel[column].str.strip() != ""
        names[named] = sel.loc[named, column].str.strip()
        codes[named] = (
            sel.loc[named, column].str.strip().map(lambda n: area_codes.get(n.lower(), ""))
        )
    if "GeoCode" in sel:
        geo = sel["GeoCode"].str.strip()
        codes[geo != ""] = geo[geo != ""]
    status = sel.get("Observation status", pd.Series("", index=sel.index)).str.strip()
    status = status.replace({"Normal value": "", "Undefined": ""})
    return pd.DataFrame(
        {
            "area_code": codes,
            "area_name": names,
            "indicator": filters.get("Series", ""),
            "period": sel["Year"].str.strip(),
            "value": sel["Value"],
            "unit": sel.get("Units", sel.get("Unit measure", pd.Series("", index=sel.index))),
            "measure": "",
            "status": status,
            "notes": "",
            "source_row": sel["source_row"],
        }
    )
