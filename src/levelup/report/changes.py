"""What changed between two editions' findings tables.

    >>> changes = compare_findings(read_findings("_output/2026/findings.csv"),
    ...                            read_findings("_output/2025/findings.csv"))
    >>> changes.summary          # counts, largest revisions
    >>> changes.revised          # same key, same period, value revised beyond tolerance

Findings are matched on ``key``. For a key present in both editions:

* same ``period``, both values numeric, ``|new - old| > max(atol, rtol * |old|)`` -> **revised**
  (a historical figure the publisher revised), with ``revision = new - old``, the relative
  revision and whether the change shows at the published precision (``display`` differs);
* different ``period`` -> **rolled forward** (a "latest" finding now about a newer period);
* a value on one side only -> **availability** changed (a series appeared or disappeared);
* no value on either side and different ``display`` -> **changed text** (a verdict or status:
  "narrowing" became "no significant trend", "on track" became "off track");

keys only in the new edition are **new** (new periods, new metrics) and keys only in the
previous one are **dropped**.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.periods import PeriodError, parse_period

NUMERIC = ("value", "lower", "upper")
WHAT_CHANGED_NOTEBOOK = "what-changed"
#: Notebooks the build runs after all others, on the edition's findings: their own findings are
#: not compared between editions (a previous edition rebuilt for the comparison lacks them).
POST_NOTEBOOKS = (WHAT_CHANGED_NOTEBOOK, "summary")
CONTEXT = ("metric", "statistic", "geography", "area", "area_name", "unit", "notebook")


def read_findings(path: str | Path) -> pd.DataFrame:
    """A findings CSV as written by the build: text columns as text, value/lower/upper as floats."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[])
    for column in NUMERIC:
        if column in frame:
            frame[column] = pd.to_numeric(frame[column], errors="coerce")  # "" -> NaN
    return frame


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    if "key" not in frame:
        raise ValueError("a findings table needs a 'key' column")
    for column in ("period", "display", *CONTEXT):
        if column not in frame:
            frame[column] = ""
        frame[column] = frame[column].fillna("").astype(str)
    for column in NUMERIC:
        if column not in frame:
            frame[column] = np.nan
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    if frame["key"].duplicated().any():
        dupes = sorted(frame.loc[frame["key"].duplicated(), "key"].unique())[:5]
        raise ValueError(f"duplicate finding keys {dupes}")
    return frame.set_index("key", drop=False)


@dataclass
class FindingsChanges:
    """The differences between a new and a previous findings table (see the module docstring)."""

    revised: pd.DataFrame
    rolled_forward: pd.DataFrame
    availability: pd.DataFrame
    changed_text: pd.DataFrame
    new: pd.DataFrame
    dropped: pd.DataFrame
    unchanged: int
    summary: dict = field(default_factory=dict)

    @property
    def any(self) -> bool:
        return any(
            len(f)
            for f in (
                self.revised,
                self.rolled_forward,
                self.availability,
                self.changed_text,
                self.new,
                self.dropped,
            )
        )

    def revised_figures(self) -> pd.DataFrame:
        """Revisions of figures about one published period (a level, a gap, a dispersion in a
        given year), visible at the published precision, largest relative revision first.

        Statistics of a whole series (trend slopes, test p-values: their period is a span such as
        ``2011-01-01/P3Y/2021-01-01/P3Y``) are re-estimated rather than revised, and projections
        to a target year are forecasts, not figures about a past period: both are left out.
        """
        revised = self.revised[self.revised["visible"]]
        single = revised["period"].map(_is_single_period)
        forecast = revised["statistic"].str.contains("projection|target", regex=True)
        figures = revised[single & ~forecast]
        order = figures["relative_revision"].abs().sort_values(ascending=False, kind="stable")
        return figures.loc[order.index].reset_index(drop=True)

    def summary_frame(self) -> pd.DataFrame:
        """One row per kind of change with its count (for a table in the report)."""
        labels = {
            "revised": "Historical figures revised",
            "revised_visible": "  of which visible at the published precision",
            "rolled_forward": "Findings now about a later period",
            "availability": "Series that appeared or disappeared",
            "changed_text": "Verdicts and statuses that changed",
            "new": "New findings",
            "dropped": "Findings no longer reported",
            "unchanged": "Unchanged findings",
        }
        return pd.DataFrame(
            [{"change": label, "findings": self.summary[k]} for k, label in labels.items()]
        )

    def lines(self, limit: int = 10) -> list[str]:
        """A short plain-text account (for the command line)."""
        s = self.summary
        out = [
            f"{s['revised']} revised ({s['revised_visible']} visible at published precision), "
            f"{s['rolled_forward']} rolled forward, {s['availability']} availability, "
            f"{s['changed_text']} text changes, {s['new']} new, {s['dropped']} dropped, "
            f"{s['unchanged']} unchanged"
        ]
        for row in self.revised.head(limit).itertuples():
            out.append(
                f"  revised {row.key} ({row.period}): {row.display_previous} -> {row.display} "
                f"({row.revision:+.6g})"
            )
        for row in self.changed_text.head(limit).itertuples():
            out.append(f"  changed {row.key}: {row.display_previous!r} -> {row.display!r}")
        for row in self.new.head(limit).itertuples():
            out.append(f"  new {row.key}: {row.display}")
        for row in self.dropped.head(limit).itertuples():
            out.append(f"  dropped {row.key}: {row.display}")
        return out


def compare_findings(
    new: pd.DataFrame,
    previous: pd.DataFrame,
    *,
    rtol: float = 1e-9,
    atol: float = 0.0,
) -> FindingsChanges:
    """Compare a new edition's findings with the previous edition's (see the module docstring).

    The findings of the what-changed and summary notebooks (counts of changes, headline statuses
    read from other findings) are not compared: a previous edition's published table has them, one
    rebuilt for the comparison does not.
    """
    new_f, old_f = _prepare(new), _prepare(previous)
    new_f = new_f[~new_f["notebook"].isin(POST_NOTEBOOKS)]
    old_f = old_f[~old_f["notebook"].isin(POST_NOTEBOOKS)]
    common = new_f.index.intersection(old_f.index, sort=False).sort_values()
    a = new_f.loc[common]
    b = old_f.loc[common]
    same_period = a["period"].to_numpy() == b["period"].to_numpy()
    va, vb = a["value"].to_numpy(dtype=float), b["value"].to_numpy(dtype=float)
    has_a, has_b = ~np.isnan(va), ~np.isnan(vb)
    both = has_a & has_b
    with np.errstate(invalid="ignore"):
        diff = va - vb
        tolerance = np.maximum(atol, rtol * np.abs(vb))
        beyond = both & (np.abs(diff) > tolerance)
    neither = ~has_a & ~has_b
    text_changed = a["display"].to_numpy() != b["display"].to_numpy()

    def pair(mask: np.ndarray) -> pd.DataFrame:
        left = a.loc[mask].reset_index(drop=True)
        right = b.loc[mask].reset_index(drop=True)
        out = left[["key", "period", *CONTEXT, "value", "lower", "upper", "display"]].copy()
        out.insert(2, "period_previous", right["period"].to_numpy())
        for column in ("value", "lower", "upper", "display"):
            out[f"{column}_previous"] = right[column].to_numpy()
        return out

    revised = pair(same_period & beyond)
    revised["revision"] = revised["value"] - revised["value_previous"]
    with np.errstate(divide="ignore", invalid="ignore"):
        revised["relative_revision"] = np.where(
            revised["value_previous"] != 0,
            revised["revision"] / revised["value_previous"].abs(),
            np.nan,
        )
    revised["visible"] = revised["display"] != revised["display_previous"]
    revised = (
        revised.assign(_size=revised["revision"].abs())
        .sort_values(["_size", "key"], ascending=[False, True], kind="stable")
        .drop(columns="_size")
        .reset_index(drop=True)
    )

    rolled = pair(~same_period)
    availability = pair(same_period & (has_a ^ has_b))
    availability["now"] = np.where(availability["value"].notna(), "available", "unavailable")
    changed_text = pair(same_period & neither & text_changed)
    keep = ["key", "period", *CONTEXT, "value", "lower", "upper", "display"]
    new_only = new_f.loc[~new_f.index.isin(old_f.index), keep].sort_index().reset_index(drop=True)
    dropped = old_f.loc[~old_f.index.isin(new_f.index), keep].sort_index().reset_index(drop=True)
    unchanged = int(
        len(common) - len(revised) - len(rolled) - len(availability) - len(changed_text)
    )

    summary = {
        "revised": len(revised),
        "revised_visible": int(revised["visible"].sum()),
        "rolled_forward": len(rolled),
        "availability": len(availability),
        "changed_text": len(changed_text),
        "new": len(new_only),
        "dropped": len(dropped),
        "unchanged": unchanged,
        "compared": len(common),
        "largest_revisions": [
            {
                "key": r.key,
                "period": r.period,
                "previous": _num(r.value_previous),
                "new": _num(r.value),
                "revision": _num(r.revision),
                "relative_revision": _num(r.relative_revision),
            }
            for r in revised.head(5).itertuples()
        ],
        "by_notebook": _by_notebook(revised, changed_text, new_only, dropped),
    }
    return FindingsChanges(
        revised=revised,
        rolled_forward=rolled,
        availability=availability,
        changed_text=changed_text,
        new=new_only,
        dropped=dropped,
        unchanged=unchanged,
        summary=summary,
    )


def _is_single_period(period: str) -> bool:
    try:
        parse_period(period)
    except PeriodError:
        return False
    return True


def _num(value) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def _by_notebook(*frames: pd.DataFrame) -> dict[str, dict[str, int]]:
    names = ("revised", "changed_text", "new", "dropped")
    out: dict[str, dict[str, int]] = {}
    for name, frame in zip(names, frames, strict=True):
        for notebook, count in frame.groupby("notebook").size().items():
            out.setdefault(str(notebook), {})[name] = int(count)
    return dict(sorted(out.items()))
