"""Social Mobility Commission *State of the Nation* data on social capital
(``curated/smc_social_capital/``, a government reprint of other publishers' statistics).

* :func:`read_civic_participation_england` -- DR41, England, survey years 2013/14 to 2020/21
  (DCMS Community Life Survey): % of adults who took part in civic participation in the last 12
  months; intervals for 2019/20 and 2020/21 only.
* :func:`read_civic_participation_regions` -- DR41 by English region (ITL1), labelled 2014 to
  2021. The file gives a plain year; reading "2014" as the survey year 2013/14 (April 2013 to
  March 2014) is an inference (the England file's labels), checked in the tests by comparing the
  population-weighted regional mean with England's figure for each year.
* :func:`read_trust` -- DR42, UK mean 0-10 scores for trust, fairness and helpfulness (European
  Social Survey rounds, 2002 to 2023), duplicates in the file removed.

Periods are ISO intervals: survey years ``YYYY-04-01/P1Y``; ESS rounds ``YYYY-01-01/P1Y`` (the
fieldwork year the file gives).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

FOLDER = "curated/smc_social_capital"
CIVIC_ENGLAND = f"{FOLDER}/civic_engagement__1.0__DR41_area_england-20230417.csv"
CIVIC_REGIONS = (
    f"{FOLDER}/civic_engagement__1.0__DR41-civic-engagement--by-ITL1-region-and-year--original.csv"
)
TRUST = (
    f"{FOLDER}/level_of_trust_fairness_and_helpfulness__3.1__"
    "DR42-3.1-level-of-trust-fairness-and-helpfulness--full-dataset.csv"
)
DR41_COLUMNS = ["Ind_code", "Area_type", "Area_name", "Time_period", "Value", "LCI", "UCI"]
DR42_COLUMNS = [
    "area_code",
    "primary_split_value",
    "time_period",
    "value",
    "lci",
    "uci",
    "sample_size",
]

#: Region names in the DR41 regional file -> GSS region codes.
REGION_CODES = {
    "North East": "E12000001",
    "North West": "E12000002",
    "Yorkshire and The Humber": "E12000003",
    "East Midlands": "E12000004",
    "West Midlands": "E12000005",
    "East of England": "E12000006",
    "London": "E12000007",
    "South East": "E12000008",
    "South West": "E12000009",
}


class SmcFileError(ValueError):
    """An SMC State of the Nation file that does not have the expected shape."""


def _read(path: Path, columns: list[str]) -> pd.DataFrame:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SmcFileError(f"{path}: missing column(s) {', '.join(missing)}")
    if frame.empty:
        raise SmcFileError(f"{path}: no rows")
    return frame


def _number(frame: pd.DataFrame, column: str, path: Path, *, optional: bool = False) -> pd.Series:
    text = frame[column].str.strip()
    blank = text.isin(["", "NA"])
    values = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = values.isna() & ~blank
    if bad.any() or (not optional and blank.any()):
        row = frame[bad | (blank & (not optional))].iloc[0]
        raise SmcFileError(f"{path}: {column} {row[column]!r} is not a number")
    return values


def _percent(values: pd.Series, path: Path) -> pd.Series:
    if ((values < 0) | (values > 100)).any():
        raise SmcFileError(
            f"{path}: a percentage outside 0-100: {values[(values < 0) | (values > 100)].iat[0]}"
        )
    return values


def read_civic_participation_england(path: str | Path) -> pd.DataFrame:
    """England rows: ``area_code``, ``area_name``, ``period``, ``value``, ``lower_ci``, ``upper_ci``."""
    path = Path(path)
    frame = _read(path, DR41_COLUMNS)
    frame = frame[frame["Area_type"] == "National"]
    years = frame["Time_period"].str.fullmatch(r"(\d{4})/(\d{2})")
    if not years.all():
        raise SmcFileError(
            f"{path}: Time_period {frame.loc[~years, 'Time_period'].iat[0]!r} is not a survey year YYYY/YY"
        )
    period = frame["Time_period"].str[:4] + "-04-01/P1Y"
    return pd.DataFrame(
        {
            "area_code": "E92000001",
            "area_name": "England",
            "period": period.to_numpy(),
            "value": _percent(_number(frame, "Value", path), path).to_numpy(),
            "lower_ci": _number(frame, "LCI", path, optional=True).to_numpy(),
            "upper_ci": _number(frame, "UCI", path, optional=True).to_numpy(),
        }
    )


def read_civic_participation_regions(path: str | Path) -> pd.DataFrame:
    """Regional rows with GSS codes; the plain year ``Y`` is read as the survey year (Y-1)/Y."""
    path = Path(path)
    frame = _read(path, DR41_COLUMNS)
    frame = frame[frame["Area_type"] == "ITL1"]
    unknown = sorted(set(frame["Area_name"]) - set(REGION_CODES))
    if unknown:
        raise SmcFileError(f"{path}: unknown region name(s) {', '.join(unknown)}")
    years = frame["Time_period"].str.fullmatch(r"\d{4}")
    if not years.all():
        raise SmcFileError(
            f"{path}: Time_period {frame.loc[~years, 'Time_period'].iat[0]!r} is not a year YYYY"
        )
    start = frame["Time_period"].astype(int) - 1
    out = pd.DataFrame(
        {
            "area_code": frame["Area_name"].map(REGION_CODES).to_numpy(),
            "area_name": frame["Area_name"].to_numpy(),
            "period": (start.astype(str) + "-04-01/P1Y").to_numpy(),
            "value": _percent(_number(frame, "Value", path), path).to_numpy(),
        }
    )
    duplicated = out.duplicated(["area_code", "period"])
    if duplicated.any():
        row = out[duplicated].iloc[0]
        raise SmcFileError(f"{path}: two values for {row['area_name']} {row['period']}")
    return out


def read_trust(path: str | Path) -> pd.DataFrame:
    """UK trust, fairness and helpfulness: ``question``, ``period``, ``year``, ``value`` (0-10),
    ``lower_ci``, ``upper_ci``, ``sample_size``; rows repeated in the file appear once."""
    path = Path(path)
    frame = _read(path, DR42_COLUMNS)
    questions = set(frame["primary_split_value"])
    if not questions <= {"Trust", "Fairness", "Helpfulness"}:
        raise SmcFileError(
            f"{path}: unexpected question(s) {', '.join(sorted(questions - {'Trust', 'Fairness', 'Helpfulness'}))}"
        )
    if not frame["time_period"].map(lambda t: bool(re.fullmatch(r"\d{4}", t))).all():
        raise SmcFileError(f"{path}: time_period must be a year")
    out = pd.DataFrame(
        {
            "area_code": frame["area_code"],
            "question": frame["primary_split_value"],
            "year": frame["time_period"].astype(int),
            "value": _number(frame, "value", path),
            "lower_ci": _number(frame, "lci", path, optional=True),
            "upper_ci": _number(frame, "uci", path, optional=True),
            "sample_size": _number(frame, "sample_size", path, optional=True),
        }
    ).drop_duplicates()
    if ((out["value"] < 0) | (out["value"] > 10)).any():
        raise SmcFileError(f"{path}: a mean score outside 0-10")
    clash = out.duplicated(["question", "year"])
    if clash.any():
        row = out[clash].iloc[0]
        raise SmcFileError(f"{path}: two different values for {row['question']} {row['year']}")
    out["period"] = out["year"].astype(str) + "-01-01/P1Y"
    return out.sort_values(["question", "year"]).reset_index(drop=True)
