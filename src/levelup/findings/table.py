"""The findings table: every number (or verdict) the report quotes, one row per stable key.

Notebooks collect findings with :class:`Findings` and save them next to their outputs; the build
gathers every notebook's findings into ``findings.csv``/``findings.json`` and writes Quarto's
``_variables.yml`` from them, so a chapter quotes ``{{< var m07-health.hle.gap >}}`` and never
types a number. Keys are dotted paths of lower-case words (``m07-health.hle.gap``); the first part
is the notebook's id (its file name, ``m07-health``) so keys from different notebooks cannot
collide.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.periods import period_label
from levelup.stats.results import FINDINGS_COLUMNS

COLUMNS = [*FINDINGS_COLUMNS, "display"]
KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$")


class FindingsError(ValueError):
    pass


def format_value(value: float | None, unit: str = "", decimals: int | None = None) -> str:
    """A number as a chapter prints it: ``63.2 years``, ``41.1%``, ``£742``, ``1,450,565``."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    unit = unit or ""
    if decimals is None:
        magnitude = abs(value)
        decimals = 0 if magnitude >= 1000 else (1 if magnitude >= 1 or magnitude == 0 else 2)
    number = f"{value:,.{decimals}f}"
    if unit.startswith("£"):
        return f"£{number}{unit[1:].strip() and ' ' + unit[1:].strip()}"
    if unit in (
        "%",
        "% of premises",
        "% of geographic area",
        "% of rented homes",
        "% of England's population",
    ) or unit.startswith("% of "):
        return f"{number}%"
    if unit in ("pp", "percentage points"):
        return f"{number} percentage points"
    if unit in ("years", "minutes"):
        return f"{number} {unit}"
    return number


def format_rounded(value: float | None, nearest: int) -> str:
    """A derived count shown to the precision it deserves: ``1,450,565`` to the nearest 10,000
    is ``1,450,000``; negatives take the typographic minus. The exact value stays in findings."""
    if nearest <= 0:
        raise ValueError(f"round to a positive step, not {nearest}")
    if value is None or not math.isfinite(value):
        return "n/a"
    rounded = round(value / nearest) * nearest
    return f"{rounded:,.0f}".replace("-", "−")


_NUMBER = re.compile(r"[−-]?\d[\d,]*(\.\d+)?")


def slug_key(text: str) -> str:
    """A key part from any label: 'North East' -> 'north-east'."""
    return re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "x"


class Findings:
    """Collects a notebook's findings and writes ``<output_dir>/findings/<notebook>.csv``."""

    def __init__(self, notebook: str, output_dir: str | Path):
        self.notebook = notebook
        self.output_dir = Path(output_dir)
        self.rows: list[dict] = []

    def _key(self, key: str) -> str:
        key = key if key.startswith(self.notebook_key + ".") else f"{self.notebook_key}.{key}"
        if not KEY.match(key):
            raise FindingsError(
                f"{self.notebook}: finding key {key!r} must be dotted lower-case words (a-z, 0-9, - and _)"
            )
        numeric = [part for part in key.split(".") if part.isdigit()]
        if numeric:
            # Quarto's var shortcode reads an all-digit segment as a list index (tonumber(key)),
            # so `{{< var a.2018 >}}` can never reach a map key "2018"
            raise FindingsError(
                f"{self.notebook}: finding key {key!r} has an all-digit segment {numeric[0]!r}, "
                f"which Quarto reads as a list index; write e.g. 'y{numeric[0]}'"
            )
        return key

    @property
    def notebook_key(self) -> str:
        return slug_key(self.notebook)

    def add(
        self,
        key: str,
        value: float | None = None,
        *,
        metric: str = "",
        statistic: str = "",
        geography: str = "",
        area: str = "",
        area_name: str = "",
        period: str = "",
        lower: float | None = None,
        upper: float | None = None,
        unit: str = "",
        n: int | None = None,
        method: str = "",
        display: str | None = None,
        decimals: int | None = None,
    ) -> str:
        """Record one finding and return its display text (so a notebook can print it too).

        ``value`` may be None for a categorical finding (a verdict), given as ``display``.
        """
        numeric = None if value is None else float(value)
        text = display if display is not None else format_value(numeric, unit, decimals)
        self.rows.append(
            {
                "key": self._key(key),
                "metric": metric,
                "statistic": statistic,
                "geography": geography,
                "area": area,
                "area_name": area_name,
                "period": period,
                "value": numeric,
                "lower": None if lower is None else float(lower),
                "upper": None if upper is None else float(upper),
                "unit": unit,
                "n": n,
                "method": method,
                "notebook": self.notebook,
                "display": text,
            }
        )
        return text

    def round_displays(self, prefix: str, nearest: int, *, unit: str) -> int:
        """Show the findings under ``prefix`` with ``unit`` rounded to the nearest ``nearest``
        (e.g. derived counts of dwellings to the nearest 10,000), keeping ``value`` exact.

        The first number of each display is replaced (so "−54,164 a year" becomes "−50,000 a
        year"); categorical findings (no value) are left alone. Returns how many were changed.
        """
        prefix = self._key(prefix + ".x")[:-2]
        changed = 0
        for row in self.rows:
            if row["key"].startswith(prefix + ".") and row["unit"] == unit:
                if row["value"] is None or abs(row["value"]) < nearest:
                    continue  # test statistics, ratios and small counts keep their display
                if not _NUMBER.search(row["display"]):
                    continue
                text = format_rounded(row["value"], nearest)
                row["display"] = _NUMBER.sub(text, row["display"], count=1)
                changed += 1
        return changed

    def add_period(self, key: str, period: str, **context: str) -> str:
        """Record a period as a chapter quotes it ("2021/22", "2022-2024"), keeping the ISO
        period it stands for."""
        return self.add(
            key, None, display=period_label(period), statistic="period", period=period, **context
        )

    def add_estimate(
        self,
        key: str,
        result,
        *,
        statistic: str,
        verdict_key: str,
        verdict_statistic: str,
        verdict: str | None = None,
        verdict_n: bool = True,
        unit: str = "",
        display: str | None = None,
        decimals: int | None = None,
        **context: str,
    ) -> str:
        """Record a statistics result as two findings: its estimate with 95% interval, n and
        method under ``key``, and its verdict (``result.verdict`` unless given) under
        ``verdict_key``. Non-finite interval limits are recorded as missing."""

        def finite(x):
            return None if x is None or not np.isfinite(x) else x

        text = self.add(
            key,
            result.estimate,
            lower=finite(result.lower),
            upper=finite(result.upper),
            statistic=statistic,
            n=result.n,
            method=result.method,
            unit=unit,
            display=display,
            decimals=decimals,
            **context,
        )
        self.add(
            verdict_key,
            None,
            display=result.verdict if verdict is None else verdict,
            statistic=verdict_statistic,
            n=result.n if verdict_n else None,
            method=result.method,
            **context,
        )
        return text

    def extend(
        self, frame: pd.DataFrame, key_prefix: str = "", unit: str = "", decimals: int | None = None
    ) -> None:
        """Add the rows of a statistics result's ``to_frame()`` under ``key_prefix``."""
        for row in frame.to_dict("records"):
            key = ".".join(slug_key(part) for part in str(row["key"]).split(".") if part != "")
            self.add(
                f"{key_prefix}.{key}" if key_prefix else key,
                None if pd.isna(row.get("value")) else row.get("value"),
                metric=row.get("metric", "") or "",
                statistic=row.get("statistic", "") or "",
                geography=row.get("geography", "") or "",
                area=row.get("area", "") or "",
                area_name=row.get("area_name", "") or "",
                period=str(row.get("period", "") or ""),
                lower=None if pd.isna(row.get("lower")) else row.get("lower"),
                upper=None if pd.isna(row.get("upper")) else row.get("upper"),
                unit=row.get("unit", "") or unit,
                n=None if pd.isna(row.get("n")) else int(row.get("n")),
                method=row.get("method", "") or "",
                display=row.get("display") if isinstance(row.get("display"), str) else None,
                decimals=decimals,
            )

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=COLUMNS)
        check_keys(frame["key"], where=self.notebook)
        return frame

    def save(self) -> Path:
        target = self.output_dir / "findings" / f"{self.notebook}.csv"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_findings_csv(self.frame(), target)
        return target


def check_keys(keys: Iterable[str], where: str = "findings") -> None:
    """Keys are unique and none is both a value and a parent of others (Quarto var lookups)."""
    keys = list(keys)
    seen: set[str] = set()
    dupes = sorted({k for k in keys if k in seen or seen.add(k)})
    if dupes:
        raise FindingsError(f"{where}: duplicate finding key(s) {dupes[:10]}")
    as_set = set(keys)
    parents = sorted(k for k in keys if any(other.startswith(k + ".") for other in as_set))
    if parents:
        raise FindingsError(
            f"{where}: key(s) {parents[:10]} are both a value and the parent of other keys"
        )


def write_findings_csv(frame: pd.DataFrame, path: Path) -> None:
    """Deterministic CSV: sorted by key, floats written with full precision (repr)."""
    out = frame.sort_values("key", kind="stable").copy()
    for column in ("value", "lower", "upper"):
        out[column] = out[column].map(
            lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else repr(float(v))
        )
    out.to_csv(path, index=False, lineterminator="\n")


def variables_tree(frame: pd.DataFrame) -> dict:
    """Nested mapping for Quarto's ``_variables.yml``: ``m07.hle.gap`` -> ``{m07: {hle: {gap: text}}}``."""
    tree: dict = {}
    for key, text in zip(frame["key"], frame["display"], strict=True):
        node = tree
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = text
    return tree


def merge_findings(frames: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """All notebooks' findings in one table, keys checked across notebooks."""
    # all-NA columns (a notebook without intervals) must not decide a column's dtype
    columns = list(dict.fromkeys(c for f in frames.values() for c in f.columns)) or COLUMNS
    parts = [f.dropna(axis=1, how="all") for f in frames.values() if len(f)]
    frame = (
        pd.concat(parts, ignore_index=True).reindex(columns=columns)
        if parts
        else pd.DataFrame(columns=columns)
    )
    check_keys(frame["key"])
    return frame.sort_values("key", kind="stable").reset_index(drop=True)
