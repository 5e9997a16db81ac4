"""Harmonise area codes to one boundary set per edition, never double counting, never losing silently.

ELS files keep pre-reorganisation codes beside the new ones, each flagged in ``notes`` as
"Obsolete code since YYYY (replaced by CODE Name [and CODE Name])". From those notes we build a
register of successions and apply it to every table of an edition:

* **recode** — a one-to-one succession (the same area under a new code, e.g. Barnsley E08000016
  -> E08000038 in 2025): the row moves to the new code, unless the new code already has a value
  for that indicator and period (then the old row is a duplicate and is dropped);
* **superseded** — a merge or split (e.g. the Cumbria districts -> Cumberland and Westmorland and
  Furness): rates cannot be re-aggregated without weights, so the old rows are dropped; publishers
  back-cast the successors, so usually nothing is lost;
* **unmapped** — an old row dropped for a period in which its successor(s) have no value: that
  area-period is genuinely lost, and is listed.

Every action is reported (:class:`BoundaryReport`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from levelup.data.schema import BOUNDARY_COLUMNS

_OBSOLETE = re.compile(r"Obsolete code since (\d{4}) \(replaced by (.+)\)")
_CODE = re.compile(r"\b([EKNSW]\d{8}|TL[A-N][0-9A-Z]{0,3})\b")


@dataclass(frozen=True)
class Succession:
    old: str
    since: int
    successors: tuple[str, ...]


@dataclass
class SuccessionRegister:
    """Old code -> successors, from publishers' notes (union over every file of a vintage)."""

    successions: dict[str, Succession] = field(default_factory=dict)

    def add_notes(self, codes: pd.Series, notes: pd.Series) -> None:
        pairs = pd.DataFrame({"code": codes, "notes": notes})
        pairs = pairs[
            pairs["notes"].str.contains("Obsolete code since", na=False)
        ].drop_duplicates()
        for code, note in pairs.itertuples(index=False):
            match = _OBSOLETE.search(note)
            if not match:
                continue
            successors = tuple(dict.fromkeys(_CODE.findall(match.group(2))))
            if successors:
                self.successions[code] = Succession(code, int(match.group(1)), successors)

    def obsolete_by(self, boundary_year: int) -> dict[str, Succession]:
        return {code: s for code, s in self.successions.items() if s.since <= boundary_year}

    def one_to_one(self, boundary_year: int) -> dict[str, str]:
        """Successions that are pure recodes: one old code, one successor, nobody else merging in."""
        active = self.obsolete_by(boundary_year)
        inbound: dict[str, int] = {}
        for succession in active.values():
            for successor in succession.successors:
                inbound[successor] = inbound.get(successor, 0) + 1
        return {
            code: s.successors[0]
            for code, s in active.items()
            if len(s.successors) == 1 and inbound[s.successors[0]] == 1
        }


@dataclass
class BoundaryReport:
    boundary_year: int
    rows: list[dict] = field(default_factory=list)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=BOUNDARY_COLUMNS)

    @property
    def unmapped(self) -> pd.DataFrame:
        frame = self.frame()
        return frame[frame["action"] == "unmapped"]


def harmonise(
    frame: pd.DataFrame,
    register: SuccessionRegister,
    boundary_year: int,
    report: BoundaryReport | None = None,
) -> pd.DataFrame:
    """Return ``frame`` on the boundary set of ``boundary_year`` and record every change."""
    report = report if report is not None else BoundaryReport(boundary_year)
    obsolete = register.obsolete_by(boundary_year)
    if not obsolete or frame.empty:
        return frame
    is_old = frame["area_code"].isin(obsolete)
    if not is_old.any():
        return frame
    recodes = register.one_to_one(boundary_year)
    keep = frame.loc[~is_old]
    existing = set(zip(keep["indicator_id"], keep["area_code"], keep["period"], strict=True))
    old = frame.loc[is_old]
    moved = []
    for (code, name), group in old.groupby(["area_code", "area_name"], sort=True):
        succession = obsolete[code]
        dataset = group["dataset_id"].iat[0]
        if code in recodes:
            new = recodes[code]
            clash = [
                (i, new, p) in existing
                for i, p in zip(group["indicator_id"], group["period"], strict=True)
            ]
            clash = pd.Series(clash, index=group.index)
            recoded = group.loc[~clash].copy()
            if len(recoded):
                recoded["area_code"] = new
                recoded["flags"] = recoded["flags"].map(
                    lambda f: ";".join(sorted({*filter(None, f.split(";")), "recoded"}))
                )
                moved.append(recoded)
                report.rows.append(_row(dataset, code, name, "recoded", new, recoded))
            if clash.any():
                report.rows.append(_row(dataset, code, name, "superseded", new, group.loc[clash]))
            continue
        covered = [
            all((i, s, p) in existing for s in succession.successors)
            for i, p in zip(group["indicator_id"], group["period"], strict=True)
        ]
        covered = pd.Series(covered, index=group.index)
        successors = " ".join(succession.successors)
        if covered.any():
            report.rows.append(
                _row(dataset, code, name, "superseded", successors, group.loc[covered])
            )
        if (~covered).any():
            report.rows.append(
                _row(dataset, code, name, "unmapped", successors, group.loc[~covered])
            )
    return pd.concat([keep, *moved], ignore_index=True) if moved else keep.reset_index(drop=True)


def _row(
    dataset: str, code: str, name: str, action: str, successors: str, rows: pd.DataFrame
) -> dict:
    periods = sorted(rows["period"].unique())
    span = (
        periods[0]
        if len(periods) == 1
        else f"{periods[0]} .. {periods[-1]} ({len(periods)} periods)"
    )
    return {
        "dataset_id": dataset,
        "area_code": code,
        "area_name": name,
        "action": action,
        "successors": successors,
        "n_rows": len(rows),
        "periods": span,
    }
