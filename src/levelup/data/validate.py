"""Validation of every loaded table: nothing downstream runs on a table that breaks a rule.

Rules (each issue names dataset, file, line, column and rule):

* schema — required canonical columns present with the right types;
* unparseable period, non-numeric value / confidence limit (reported by the readers);
* duplicate key — two rows for the same (indicator, area, period);
* unknown area code — a code that is neither a GSS/ITL code of a known entity type nor a project
  code, or whose entity type contradicts the publisher's geography label;
* impossible value — a percentage outside 0–100, a negative value where negatives are impossible
  (changes may be negative), a lower confidence limit above the upper one;
* suppressed as zero — a value the publisher flagged as suppressed must be missing, never 0.

A value outside its own published interval is a *warning*, not an error: ONS's research-based
population intervals, and intervals rounded to whole numbers, legitimately do that.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup.data.schema import CANONICAL_COLUMNS, PROJECT_AREA_CODES

MAX_LISTED = 25

# ELS geography labels -> entity types they may hold (codes decide the level; labels are checked).
_LABEL_LEVELS = {
    "country": {"uk", "gb", "england_wales", "country"},
    "nation": {"country"},
    "region": {"region", "inner_outer_london"},
    # ELS files also list Inner/Outer London (E13) and metropolitan counties (E11) under these
    "combined authority or city region": {"combined_authority", "inner_outer_london"},
    "county or unitary authority": {
        "county",
        "unitary_authority",
        "metropolitan_county",
        "inner_outer_london",
        "combined_lad",
    },
    "local authority district": {
        "non_metropolitan_district",
        "metropolitan_district",
        "london_borough",
        "welsh_authority",
        "scottish_council_area",
        "ni_district",
        "unitary_authority",
    },
    "itl level 1": {"itl1"},
    "itl level 2": {"itl2", "combined_authority"},
    "itl level 3": {"itl3"},
    "police force area": {"police_force_area"},
    "welsh health board": {"health_board"},
}


@dataclass(frozen=True)
class Issue:
    dataset: str
    file: str
    line: int | None
    column: str
    rule: str
    detail: str

    def __str__(self) -> str:
        where = f"{self.file} line {self.line}" if self.line else self.file
        return f"{self.dataset}: {where}, column '{self.column}': {self.rule}: {self.detail}"


class DataValidationError(ValueError):
    """A loaded table broke one or more rules; the message lists each with file/line/column/rule."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        shown = issues[:MAX_LISTED]
        lines = [f"{len(issues)} validation error(s); nothing was published:"]
        lines += [f"  - {issue}" for issue in shown]
        if len(issues) > len(shown):
            lines.append(f"  ... and {len(issues) - len(shown)} more")
        super().__init__("\n".join(lines))


def _issues_from_mask(frame, mask, dataset, column, rule, detail_fn) -> list[Issue]:
    rows = frame.loc[mask]
    return [
        Issue(dataset, row.source_file, int(row.source_row), column, rule, detail_fn(row))
        for row in rows.head(MAX_LISTED * 4).itertuples(index=False)
    ]


def validate_table(
    frame: pd.DataFrame,
    dataset_id: str,
    *,
    allow_negative: bool = False,
    key_columns: tuple[str, ...] = ("indicator_id", "area_code", "period", "source_id"),
    warnings: list[Issue] | None = None,
    geography_labels: pd.Series | None = None,
    parse_problems: list[dict] | None = None,
    source_file: str = "",
) -> list[Issue]:
    """Every rule violation in a canonical table (empty list when it is valid)."""
    issues: list[Issue] = []
    for problem in parse_problems or []:
        issues.append(
            Issue(
                dataset_id,
                problem.get("file", source_file),
                problem["line"],
                problem["column"],
                problem["rule"],
                problem["detail"],
            )
        )

    missing = [c for c in CANONICAL_COLUMNS if c not in frame.columns]
    if missing:
        issues.append(
            Issue(
                dataset_id,
                source_file,
                None,
                ",".join(missing),
                "schema",
                "required column(s) missing",
            )
        )
        return issues
    if not pd.api.types.is_float_dtype(frame["value"]):
        issues.append(
            Issue(
                dataset_id,
                source_file,
                None,
                "value",
                "schema",
                f"expected float values, got {frame['value'].dtype}",
            )
        )
        return issues

    # duplicate keys
    dup = frame.duplicated(list(key_columns), keep=False)
    if dup.any():
        first_line = frame.loc[dup].groupby(list(key_columns))["source_row"].transform("min")
        issues += _issues_from_mask(
            frame,
            dup,
            dataset_id,
            "areacd",
            "duplicate key",
            lambda r: f"({r.indicator_id}, {r.area_code}, {r.period}) appears more than once",
        )
        del first_line

    # unknown area codes
    unknown = frame["geography"].eq("other") & ~frame["area_code"].isin(PROJECT_AREA_CODES)
    unknown &= ~frame["area_code"].str.startswith("na:")
    issues += _issues_from_mask(
        frame,
        unknown,
        dataset_id,
        "areacd",
        "unknown area code",
        lambda r: f"{r.area_code!r} ({r.area_name}) is not a recognised GSS, ITL or project code",
    )
    if geography_labels is not None:
        labels = geography_labels.str.strip().str.lower()
        allowed = labels.map(_LABEL_LEVELS)
        known_label = allowed.notna()
        # statistical residuals (K99) and combined pairs (E67) sit under whatever label the row has
        mismatch = known_label & ~frame["geography"].isin(["other", "unallocated", "combined_lad"])
        mismatch &= np.array(
            [
                isinstance(a, set) and g not in a
                for g, a in zip(frame["geography"], allowed, strict=True)
            ],
            dtype=bool,
        )
        issues += _issues_from_mask(
            frame,
            mismatch,
            dataset_id,
            "geography",
            "geography label contradicts area code",
            lambda r: f"{r.area_code} is a {r.geography} code",
        )

    # impossible values
    value = frame["value"]
    is_change = frame["measure"].str.lower().str.contains("change", na=False) | frame[
        "indicator"
    ].str.lower().str.contains("change", na=False)
    is_pct = frame["unit"].str.strip().eq("%") & ~is_change
    out_of_range = is_pct & value.notna() & ((value < 0) | (value > 100))
    issues += _issues_from_mask(
        frame,
        out_of_range,
        dataset_id,
        "observation",
        "percentage outside 0–100",
        lambda r: f"value {r.value}",
    )
    if not allow_negative:
        negative = value.notna() & (value < 0) & ~is_pct & ~is_change
        issues += _issues_from_mask(
            frame,
            negative,
            dataset_id,
            "observation",
            "negative value",
            lambda r: f"value {r.value} for {r.unit or 'a quantity'} that cannot be negative",
        )
    lo, hi = frame["lower_ci"], frame["upper_ci"]
    inverted = lo.notna() & hi.notna() & (lo > hi)
    issues += _issues_from_mask(
        frame,
        inverted,
        dataset_id,
        "lci_95",
        "lower confidence limit above upper",
        lambda r: f"{r.lower_ci} > {r.upper_ci}",
    )
    tol = 1e-6 * np.maximum(1.0, value.abs())
    outside = (
        value.notna()
        & lo.notna()
        & hi.notna()
        & ~inverted
        & ((value < lo - tol) | (value > hi + tol))
    )
    if warnings is not None:
        warnings += _issues_from_mask(
            frame,
            outside,
            dataset_id,
            "observation",
            "value outside its confidence interval",
            lambda r: f"{r.value} not in [{r.lower_ci}, {r.upper_ci}]",
        )

    # suppressed values must be missing, never zero
    suppressed = frame["flags"].str.contains("suppressed|confidential|not_applicable", regex=True)
    as_number = suppressed & value.notna()
    issues += _issues_from_mask(
        frame,
        as_number,
        dataset_id,
        "observation",
        "suppressed value published as a number",
        lambda r: f"value {r.value} with flags {r.flags}",
    )
    return issues
