"""Numbers gate: back test of the findings table against a committed ground truth.

A build's ``findings.csv`` is compared with ``tests/ground_truth/findings-<edition>.csv``
(same columns), rows matched on ``key``:

* numeric columns (``value``, ``lower``, ``upper``, ``n``) are equal within a relative
  *or* absolute tolerance (1e-7 relative, 1e-9 absolute: room for the last-bit differences
  of linear-algebra kernels between CPUs, far below any published precision; empty/NA on
  both sides is equal); every other column must match exactly;
* a changed row **fails** when it is *historic and untouched*: same period as in the ground
  truth, not a current period, and no data revision touches its ``(metric, period)``;
* changes on revised rows, on current (non-historic) periods, rows whose period moved,
  new keys and removed keys are **listed**, not failed.

Everything, failed or listed, goes to a readable Markdown diff (``numbers-diff.md``).
``update_ground_truth`` is the explicit "I accept these numbers" step.

Revisions come from the data layer's data-change report as ``revisions.csv`` with columns
``metric,period`` (``period`` empty or ``*``: every period of the metric; an optional
``key`` column names single findings), or as a Python set of keys / ``(metric, period)``
pairs, or a predicate on a row. A revised period touches every finding of that metric
whose period overlaps it (so a trend over 2015-2023 is touched by a 2019 revision).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from levelup.gates.result import GateResult
from levelup.safe_output import neutralise_row, restore
from levelup.stats.results import FINDINGS_COLUMNS

GATE = "numbers"
NUMERIC_COLUMNS = ("value", "lower", "upper", "n")
MISSING = {"", "na", "nan", "none", "null", "n/a"}
REL_TOL = 1e-7
ABS_TOL = 1e-9

Row = dict[str, str]


class FindingsError(ValueError):
    """A findings file is missing, malformed, or has duplicate keys."""


# -- reading ---------------------------------------------------------------------------------
@dataclass
class Findings:
    path: Path | None
    rows: dict[str, Row]
    lines: dict[str, int]  # key -> line number in the file
    columns: list[str]


def read_findings(path: Path | str) -> Findings:
    """Read a findings CSV keyed by ``key``; raises :class:`FindingsError` on problems."""
    path = Path(path)
    if not path.is_file():
        raise FindingsError(f"{path}: no such file")
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        columns = list(reader.fieldnames or [])
        if "key" not in columns:
            raise FindingsError(f"{path}:1: no 'key' column (columns: {', '.join(columns)})")
        rows: dict[str, Row] = {}
        lines: dict[str, int] = {}
        duplicates = []
        for row in reader:
            key = (row.get("key") or "").strip()
            clean = {
                k: restore(v if v is not None else "") for k, v in row.items() if k is not None
            }
            if not key:
                raise FindingsError(f"{path}:{reader.line_num}: empty key")
            if key in rows:
                duplicates.append(f"{path}:{reader.line_num}: duplicate key '{key}'")
                continue
            rows[key] = clean
            lines[key] = reader.line_num
    if duplicates:
        raise FindingsError("; ".join(duplicates[:10]))
    return Findings(path, rows, lines, columns)


def _as_findings(obj: Findings | Path | str | Any) -> Findings:
    if isinstance(obj, Findings):
        return obj
    if isinstance(obj, (str, Path)):
        return read_findings(obj)
    if hasattr(obj, "to_dict") and hasattr(obj, "columns"):  # a pandas DataFrame
        records = obj.to_dict(orient="records")
        columns = [str(c) for c in obj.columns]
        rows = {}
        for i, rec in enumerate(records, start=2):
            row = {str(k): _cell(v) for k, v in rec.items()}
            if row["key"] in rows:
                raise FindingsError(f"row {i}: duplicate key '{row['key']}'")
            rows[row["key"]] = row
        return Findings(None, rows, {k: i for i, k in enumerate(rows, start=2)}, columns)
    raise TypeError(f"cannot read findings from {type(obj).__name__}")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return str(value)


# -- periods ---------------------------------------------------------------------------------
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$")


def _parse_date(text: str, end: bool = False) -> date | None:
    m = _DATE.match(text.strip())
    if not m:
        return None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    try:
        if month is None:
            return date(year, 12, 31) if end else date(year, 1, 1)
        if day is None:
            if not end:
                return date(year, month, 1)
            nxt = date(year + month // 12, month % 12 + 1, 1)
            return nxt - timedelta(days=1)
        return date(year, month, day)
    except ValueError:
        return None


def _add_duration(start: date, text: str) -> date | None:
    m = _DURATION.match(text.strip())
    if not m or not any(m.groups()):
        return None
    years, months, weeks, days = (int(g) if g else 0 for g in m.groups())
    total_months = start.month - 1 + months + 12 * years
    try:
        shifted = date(start.year + total_months // 12, total_months % 12 + 1, start.day)
    except ValueError:
        return None
    return shifted + timedelta(weeks=weeks, days=days) - timedelta(days=1)


def period_bounds(period: str) -> tuple[date, date] | None:
    """First and last day of an ISO 8601 period string, or None when it cannot be parsed.

    Accepts ``2024``, ``2024-04``, ``2024-04-17``, ``2019-01-01/P3Y``, ``2015/2023`` and
    ``2015-04-01/2016-03-31``.
    """
    text = (period or "").strip()
    if not text:
        return None
    if "/" in text:
        left, right = text.split("/", 1)
        start = _parse_date(left)
        if start is None:
            return None
        end = _add_duration(start, right) if right.startswith("P") else _parse_date(right, end=True)
        return (start, end) if end is not None and end >= start else None
    start, end = _parse_date(text), _parse_date(text, end=True)
    return (start, end) if start is not None and end is not None else None


def _overlaps(a: str, b: str) -> bool:
    if a == b:
        return True
    pa, pb = period_bounds(a), period_bounds(b)
    if pa is None or pb is None:
        return False
    return pa[0] <= pb[1] and pb[0] <= pa[1]


# -- revisions -------------------------------------------------------------------------------
@dataclass
class Revisions:
    """Which findings a data revision touched (see the module docstring)."""

    keys: set[str] = field(default_factory=set)
    pairs: set[tuple[str, str]] = field(default_factory=set)  # (metric, period)
    whole_metrics: set[str] = field(default_factory=set)
    predicate: Callable[[Row], bool] | None = None
    source: str = "none"

    def __len__(self) -> int:
        return len(self.keys) + len(self.pairs) + len(self.whole_metrics)

    def reason(self, row: Row) -> str | None:
        """Why ``row`` counts as revised, or None when no revision touches it."""
        key, metric, period = row.get("key", ""), row.get("metric", ""), row.get("period", "")
        if key in self.keys:
            return f"revised finding '{key}'"
        if metric in self.whole_metrics:
            return f"revised metric '{metric}' (all periods)"
        for rev_metric, rev_period in self.pairs:
            if rev_metric == metric and _overlaps(rev_period, period):
                return f"revised input {rev_metric} {rev_period}"
        if self.predicate is not None and self.predicate(row):
            return "revised (data-change report)"
        return None

    @classmethod
    def from_csv(cls, path: Path | str) -> Revisions:
        path = Path(path)
        rev = cls(source=str(path))
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            columns = set(reader.fieldnames or [])
            if not ({"metric", "period"} <= columns or "key" in columns):
                raise FindingsError(
                    f"{path}:1: a revisions file needs columns 'metric,period' (or 'key'); "
                    f"found {', '.join(sorted(columns)) or 'none'}"
                )
            for row in reader:
                key = (row.get("key") or "").strip()
                metric = (row.get("metric") or "").strip()
                period = (row.get("period") or "").strip()
                if key:
                    rev.keys.add(key)
                elif metric and period in ("", "*"):
                    rev.whole_metrics.add(metric)
                elif metric:
                    rev.pairs.add((metric, period))
        return rev

    @classmethod
    def coerce(cls, obj: Any) -> Revisions:
        """Accept None, a path, a Revisions, a predicate, or an iterable of keys/pairs."""
        if obj is None:
            return cls()
        if isinstance(obj, Revisions):
            return obj
        if isinstance(obj, (str, Path)):
            return cls.from_csv(obj)
        if callable(obj):
            return cls(predicate=obj, source="predicate")
        rev = cls(source="python set")
        for item in obj:
            if isinstance(item, str):
                rev.keys.add(item)
            else:
                metric, period = item
                if period in (None, "", "*"):
                    rev.whole_metrics.add(metric)
                else:
                    rev.pairs.add((metric, period))
        return rev


# -- comparing -------------------------------------------------------------------------------
def _number(text: str) -> float | None:
    """float of a cell; NaN for missing markers; None when not a number."""
    t = (text or "").strip()
    if t.lower() in MISSING:
        return math.nan
    try:
        return float(t)
    except ValueError:
        return None


@dataclass
class FieldChange:
    column: str
    old: str
    new: str
    abs_change: float | None = None
    rel_change: float | None = None


@dataclass
class RowChange:
    key: str
    kind: str  # "historic" (fails), "revised", "current", "period", "new", "removed"
    reason: str
    old: Row | None
    new: Row | None
    fields: list[FieldChange] = field(default_factory=list)
    line: int | None = None  # line in the new findings file (old file for removed keys)

    @property
    def fails(self) -> bool:
        return self.kind == "historic"


def _diff_rows(old: Row, new: Row, columns: Iterable[str], rel_tol: float, abs_tol: float):
    changes = []
    for col in columns:
        a, b = (old.get(col) or "").strip(), (new.get(col) or "").strip()
        if a == b:
            continue
        if col in NUMERIC_COLUMNS:
            x, y = _number(a), _number(b)
            if x is not None and y is not None:
                if math.isnan(x) and math.isnan(y):
                    continue
                if not (math.isnan(x) or math.isnan(y)):
                    if math.isclose(x, y, rel_tol=rel_tol, abs_tol=abs_tol):
                        continue
                    diff = y - x
                    rel = diff / abs(x) if x != 0 else None
                    changes.append(FieldChange(col, a, b, diff, rel))
                    continue
        changes.append(FieldChange(col, a, b))
    return changes


HistoricPredicate = Callable[[Row], bool]


def current_from(cutoff: str) -> HistoricPredicate:
    """A ``historic`` predicate: a period is historic when it ends before ``cutoff``.

    ``cutoff`` is a year or ISO date (``2025`` means 2025-01-01). Unparseable periods count
    as historic, so they stay guarded.
    """
    start = _parse_date(cutoff)
    if start is None:
        raise ValueError(f"not a year or ISO date: {cutoff!r}")

    def historic(row: Row) -> bool:
        bounds = period_bounds(row.get("period", ""))
        return bounds is None or bounds[1] < start

    return historic


def compare_findings(
    findings: Findings | Path | str | Any,
    ground_truth: Findings | Path | str | Any,
    *,
    revisions: Any = None,
    historic: HistoricPredicate | None = None,
    out_dir: Path | str | None = None,
    rel_tol: float = REL_TOL,
    abs_tol: float = ABS_TOL,
) -> GateResult:
    """Back-test ``findings`` against ``ground_truth``; writes ``<out_dir>/numbers-diff.md``.

    ``revisions``: see :meth:`Revisions.coerce`. ``historic``: predicate on the new row
    telling whether its period is historic (default: every period is; see
    :func:`current_from`).
    """
    result = GateResult(GATE)
    try:
        new = _as_findings(findings)
    except FindingsError as exc:
        result.fail(f"findings: {exc}")
        return result
    try:
        old = _as_findings(ground_truth)
    except FindingsError as exc:
        where = getattr(ground_truth, "name", str(ground_truth))
        result.fail(
            f"ground truth: {exc}. Review the findings, then accept them with "
            f"`levelup gates numbers --accept` (writes {where})"
        )
        return result
    try:
        revs = Revisions.coerce(revisions)
    except (OSError, FindingsError) as exc:
        result.fail(f"revisions: {exc}")
        return result

    missing = [c for c in FINDINGS_COLUMNS if c not in new.columns]
    if missing:
        result.note(f"findings lack column(s) {', '.join(missing)}")
    columns = [c for c in dict.fromkeys([*old.columns, *new.columns]) if c != "key"]
    is_historic = historic or (lambda row: True)

    changes: list[RowChange] = []
    unchanged = 0
    for key, new_row in new.rows.items():
        old_row = old.rows.get(key)
        line = new.lines.get(key)
        if old_row is None:
            changes.append(RowChange(key, "new", "new key", None, new_row, line=line))
            continue
        fields = _diff_rows(old_row, new_row, columns, rel_tol, abs_tol)
        if not fields:
            unchanged += 1
            continue
        old_period, new_period = old_row.get("period", ""), new_row.get("period", "")
        revised = revs.reason(new_row) or revs.reason(old_row)
        if old_period != new_period:
            kind, reason = "period", f"period moved {old_period} -> {new_period}"
        elif revised:
            kind, reason = "revised", revised
        elif not is_historic(new_row):
            kind, reason = "current", f"current period {new_period}"
        else:
            kind = "historic"
            reason = f"historic period {new_period or '(none)'} with no data revision"
        changes.append(RowChange(key, kind, reason, old_row, new_row, fields, line))
    for key, old_row in old.rows.items():
        if key not in new.rows:
            changes.append(
                RowChange(key, "removed", "key removed", old_row, None, line=old.lines.get(key))
            )

    name = new.path.name if new.path else "findings"
    for ch in changes:
        if ch.fails:
            what = "; ".join(_describe(f) for f in ch.fields)
            result.fail(f"{name}:{ch.line}: key '{ch.key}': {what} — {ch.reason}")

    counts = {k: sum(1 for c in changes if c.kind == k) for k in _SECTIONS}
    result.note(
        f"{len(new.rows)} finding(s) vs {len(old.rows)} in ground truth: {unchanged} unchanged, "
        + ", ".join(f"{n} {_SECTIONS[k][0]}" for k, n in counts.items() if n)
    )
    if len(revs):
        result.note(f"{len(revs)} revision(s) from {revs.source}")
    result.details.update(changes=changes, unchanged=unchanged, counts=counts)

    if out_dir is not None:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "numbers-diff.md"
        path.write_text(
            render_diff(changes, unchanged, new=new, old=old, revisions=revs), encoding="utf-8"
        )
        result.artifacts["diff"] = path
        listed = sum(1 for c in changes if not c.fails)
        if listed:
            result.note(f"{listed} listed change(s), see {path}")
    return result


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None:
        return ""
    return f"{x:+.4%}" if pct else f"{x:+.10g}"


def _describe(f: FieldChange) -> str:
    text = f"{f.column} {f.old or '(empty)'} -> {f.new or '(empty)'}"
    if f.abs_change is not None:
        text += f" (abs {_fmt(f.abs_change)}"
        text += f", rel {_fmt(f.rel_change, pct=True)})" if f.rel_change is not None else ")"
    return text


# kind -> (label, heading)
_SECTIONS = {
    "historic": (
        "FAILED",
        "FAILED: changed historic findings with no data revision",
    ),
    "revised": ("changed on revised data", "Changed on revised data (listed)"),
    "current": ("changed in current periods", "Changed in current periods (listed)"),
    "period": ("period moved", "Period moved (listed)"),
    "new": ("new", "New keys (listed)"),
    "removed": ("removed", "Removed keys (listed)"),
}


def _md(text: Any) -> str:
    return str(text if text is not None else "").replace("|", "\\|").replace("\n", " ")


def render_diff(
    changes: list[RowChange],
    unchanged: int,
    *,
    new: Findings,
    old: Findings,
    revisions: Revisions,
) -> str:
    """The readable Markdown diff of a back test."""
    fails = sum(1 for c in changes if c.fails)
    lines = [
        "# Numbers back test",
        "",
        f"- findings: `{new.path or 'in memory'}` ({len(new.rows)} rows)",
        f"- ground truth: `{old.path or 'in memory'}` ({len(old.rows)} rows)",
        f"- revisions: {len(revisions)} from {revisions.source}",
        f"- result: **{'FAILED' if fails else 'passed'}** — {unchanged} unchanged, "
        + ", ".join(
            f"{sum(1 for c in changes if c.kind == k)} {label}"
            for k, (label, _) in _SECTIONS.items()
        ),
        "",
    ]
    if fails:
        lines += [
            "Historic findings changed although no data revision touched them. Find the code",
            "change responsible; if the new numbers are right, accept them with",
            "`levelup gates numbers --edition YEAR --accept` and commit the ground truth.",
            "",
        ]
    for kind, (_, heading) in _SECTIONS.items():
        group = [c for c in changes if c.kind == kind]
        if not group:
            continue
        lines += [f"## {heading}: {len(group)}", ""]
        if kind in ("new", "removed"):
            lines += ["| key | metric | area | period | value | lower | upper |", "|---" * 7 + "|"]
            for c in group:
                r = c.new if kind == "new" else c.old
                assert r is not None
                cells = [c.key, *(r.get(k, "") for k in ("metric", "area", "period", "value"))]
                cells += [r.get("lower", ""), r.get("upper", "")]
                lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
        else:
            lines += [
                "| key | column | old | new | abs change | rel change | reason |",
                "|---" * 7 + "|",
            ]
            for c in group:
                for f in c.fields:
                    cells = [
                        c.key,
                        f.column,
                        f.old,
                        f.new,
                        _fmt(f.abs_change),
                        _fmt(f.rel_change, pct=True),
                        c.reason,
                    ]
                    lines.append("| " + " | ".join(_md(x) for x in cells) + " |")
        lines.append("")
    if not changes:
        lines += ["No differences.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# -- accepting -------------------------------------------------------------------------------
def update_ground_truth(findings: Findings | Path | str | Any, path: Path | str) -> Path:
    """Write ``findings`` as the new ground truth at ``path`` (sorted by key, ``\\n`` endings).

    This is the explicit "I accept these numbers" step: run it after reviewing the diff,
    then commit the file.
    """
    data = _as_findings(findings)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(data.columns) or list(FINDINGS_COLUMNS)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        for key in sorted(data.rows):
            writer.writerow(neutralise_row(data.rows[key]))
    tmp.replace(path)
    return path


def read_revisions_if_present(path: Path | str | None) -> Revisions | None:
    if path is None:
        return None
    p = Path(path)
    return Revisions.from_csv(p) if p.is_file() else None


def changes_by_kind(result: GateResult) -> Mapping[str, list[RowChange]]:
    """Group a numbers result's changes by kind (for tests and reports)."""
    grouped: dict[str, list[RowChange]] = {k: [] for k in _SECTIONS}
    for c in result.details.get("changes", []):
        grouped[c.kind].append(c)
    return grouped
