"""What changed in the data between two editions, for the analysts and for "what changed".

Compares every dataset of a new edition with the previous edition's, both read on their own
publishers' codes (no boundary harmonisation, so a recode shows as a code change), and lists:

* datasets added, removed or renamed (a different source folder for the same dataset id — the
  mapping comes from the reviewed crosswalk, see :mod:`levelup.data.catalogue`);
* indicators added or removed, and indicators whose definition changed (measure or unit text,
  period type, geography levels published);
* area codes that appeared or disappeared (boundary reorganisations and recodes);
* new periods;
* revised historical values: the same indicator, area and period with a different value, with
  the size of each revision.

Periods are matched on their kind (point or interval), start year and length, so the same
academic year anchored on 1 August in one vintage and 1 September in the other is one period.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from levelup.data.load import DataLoader

REL_TOL = 1e-9
ABS_TOL = 1e-9


def period_key(frame: pd.DataFrame) -> pd.Series:
    """A period identity that survives re-anchoring: point/interval, start year, length in years."""
    length = ((frame["period_end"] - frame["period_start"]).dt.days + 1) / 365.25
    kind = np.where(frame["period_type"] == "point", "point", "interval")
    return pd.Series(
        [
            f"{k}:{y}:{round(n)}"
            for k, y, n in zip(kind, frame["period_start"].dt.year, length, strict=True)
        ],
        index=frame.index,
    )


@dataclass
class DataChangeReport:
    previous: str
    current: str
    datasets: pd.DataFrame = field(default_factory=pd.DataFrame)
    indicators: pd.DataFrame = field(default_factory=pd.DataFrame)
    areas: pd.DataFrame = field(default_factory=pd.DataFrame)
    periods: pd.DataFrame = field(default_factory=pd.DataFrame)
    revisions: pd.DataFrame = field(default_factory=pd.DataFrame)

    def revision_summary(self) -> pd.DataFrame:
        """Per indicator: number of revised values, largest absolute and median relative revision."""
        if self.revisions.empty:
            return pd.DataFrame(
                columns=[
                    "dataset_id",
                    "indicator_id",
                    "n_revised",
                    "max_abs_revision",
                    "median_abs_rel_revision",
                    "periods",
                ]
            )
        grouped = self.revisions.groupby(["dataset_id", "indicator_id"])
        return (
            grouped.agg(
                n_revised=("revision", "size"),
                max_abs_revision=("revision", lambda r: float(np.abs(r).max())),
                median_abs_rel_revision=(
                    "relative_revision",
                    lambda r: float(np.nanmedian(np.abs(r))) if r.notna().any() else math.nan,
                ),
                periods=(
                    "period",
                    lambda p: ", ".join(sorted(set(p))[:6]) + (" ..." if p.nunique() > 6 else ""),
                ),
            )
            .reset_index()
            .sort_values("n_revised", ascending=False)
        )

    def summary(self) -> dict[str, int]:
        d = self.datasets
        return {
            "datasets_added": int((d["change"] == "added").sum()) if len(d) else 0,
            "datasets_removed": int((d["change"] == "removed").sum()) if len(d) else 0,
            "datasets_renamed": int(d["change"].str.contains("renamed").sum()) if len(d) else 0,
            "indicators_changed": len(self.indicators),
            "area_code_changes": len(self.areas),
            "new_periods": len(self.periods),
            "revised_values": len(self.revisions),
        }

    def write(self, directory: Path, detailed: bool = False) -> list[Path]:
        """CSV files per table plus a Markdown summary for the analysts.

        ``detailed`` also writes every revised value (``revised-values.csv``, tens of thousands of
        rows); the committed report keeps the per-indicator summary only.
        """
        directory.mkdir(parents=True, exist_ok=True)
        written = []
        tables = {
            "datasets": self.datasets,
            "indicators": self.indicators,
            "areas": self.areas,
            "periods": self.periods,
        }
        if detailed:
            tables["revised-values"] = self.revisions
        for name, frame in tables.items():
            path = directory / f"{name}.csv"
            frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")
            written.append(path)
        summary = directory / "revision-summary.csv"
        self.revision_summary().to_csv(
            summary, index=False, lineterminator="\n", float_format="%.10g"
        )
        written.append(summary)
        markdown = directory / "data-changes.md"
        markdown.write_text(self.markdown(), encoding="utf-8")
        written.append(markdown)
        return written

    def markdown(self) -> str:
        s = self.summary()
        lines = [
            f"# Data changes: edition {self.previous} to edition {self.current}",
            "",
            f"- datasets added: {s['datasets_added']}, removed: {s['datasets_removed']}, renamed: {s['datasets_renamed']}",
            f"- indicators added, removed or redefined: {s['indicators_changed']}",
            f"- area codes that appeared or disappeared: {s['area_code_changes']}",
            f"- new periods: {s['new_periods']}",
            f"- revised historical values: {s['revised_values']}",
            "",
            "## Datasets",
            "",
            _md_table(
                self.datasets[self.datasets["change"] != "unchanged"]
                if len(self.datasets)
                else self.datasets
            ),
            "",
            "## Indicators added, removed or redefined",
            "",
            _md_table(self.indicators),
            "",
            "## Revisions to historical values (by indicator)",
            "",
            _md_table(self.revision_summary()),
            "",
            "## New periods (by indicator)",
            "",
            _md_table(
                self.periods.groupby("indicator_id")["period"]
                .apply(lambda p: ", ".join(sorted(p)))
                .reset_index()
                if len(self.periods)
                else self.periods
            ),
            "",
            "## Area codes that appeared or disappeared",
            "",
            _md_table(
                self.areas.groupby(["change", "area_code", "area_name"])
                .size()
                .reset_index(name="indicators")
                if len(self.areas)
                else self.areas
            ),
            "",
        ]
        return "\n".join(lines)


def _md_table(frame: pd.DataFrame, limit: int = 200) -> str:
    if frame is None or frame.empty:
        return "_none_"
    frame = frame.head(limit)
    head = "| " + " | ".join(map(str, frame.columns)) + " |"
    rule = "|" + "|".join("---" for _ in frame.columns) + "|"
    body = [
        "| "
        + " | ".join(
            "" if (isinstance(v, float) and math.isnan(v)) else str(v).replace("|", "/")
            for v in row
        )
        + " |"
        for row in frame.itertuples(index=False)
    ]
    return "\n".join([head, rule, *body])


def _folders(loader: DataLoader, dataset_id: str) -> str:
    spec = loader.catalogue.dataset(dataset_id, loader.edition.year)
    return ", ".join(
        sorted(
            {
                Path(f.path).parent.name if f.reader != "sdg" else Path(f.path).name
                for f in spec.files
            }
        )
    )


def compare_editions(
    previous: DataLoader, current: DataLoader, datasets: list[str] | None = None
) -> DataChangeReport:
    """Everything that changed between two editions' datasets (ELS, history, SDG, curated)."""
    report = DataChangeReport(previous.edition.year, current.edition.year)
    old_ids, new_ids = set(previous.datasets()), set(current.datasets())
    ids = sorted(old_ids | new_ids) if datasets is None else sorted(datasets)
    dataset_rows, indicator_rows, area_rows, period_rows, revision_rows = [], [], [], [], []
    for dataset_id in ids:
        if dataset_id not in new_ids:
            dataset_rows.append(
                {
                    "dataset_id": dataset_id,
                    "change": "removed",
                    "previous_source": _folders(previous, dataset_id),
                    "current_source": "",
                }
            )
            continue
        if dataset_id not in old_ids:
            dataset_rows.append(
                {
                    "dataset_id": dataset_id,
                    "change": "added",
                    "previous_source": "",
                    "current_source": _folders(current, dataset_id),
                }
            )
            continue
        old_src, new_src = _folders(previous, dataset_id), _folders(current, dataset_id)
        kind = dataset_id.split("/")[0]
        renamed = kind == "els" and old_src != new_src
        new = current.load(dataset_id, harmonise_boundaries=False)
        old = previous.load(dataset_id, harmonise_boundaries=False)
        if old[["dataset_id"]].empty and new.empty:
            continue
        changed_files = {
            f.path for f in current.catalogue.dataset(dataset_id, current.edition.year).files
        } != {f.path for f in previous.catalogue.dataset(dataset_id, previous.edition.year).files}
        dataset_rows.append(
            {
                "dataset_id": dataset_id,
                "change": "renamed" if renamed else ("updated" if changed_files else "unchanged"),
                "previous_source": old_src,
                "current_source": new_src,
            }
        )
        if not changed_files:
            continue
        indicator_rows += _indicator_changes(dataset_id, old, new)
        a, p, r = _row_changes(dataset_id, old, new)
        area_rows += a
        period_rows += p
        revision_rows.append(r)
    report.datasets = pd.DataFrame(
        dataset_rows, columns=["dataset_id", "change", "previous_source", "current_source"]
    )
    report.indicators = pd.DataFrame(
        indicator_rows, columns=["dataset_id", "indicator_id", "change", "previous", "current"]
    )
    report.areas = pd.DataFrame(
        area_rows, columns=["dataset_id", "indicator_id", "change", "area_code", "area_name"]
    )
    report.periods = pd.DataFrame(period_rows, columns=["dataset_id", "indicator_id", "period"])
    revisions = [r for r in revision_rows if len(r)]
    report.revisions = (
        pd.concat(revisions, ignore_index=True)
        if revisions
        else pd.DataFrame(
            columns=[
                "dataset_id",
                "indicator_id",
                "area_code",
                "area_name",
                "period",
                "previous_value",
                "current_value",
                "revision",
                "relative_revision",
            ]
        )
    )
    return report


def _describe_indicator(rows: pd.DataFrame) -> dict[str, str]:
    return {
        "measure/unit": "; ".join(
            sorted({f"{m} [{u}]" for m, u in zip(rows["measure"], rows["unit"], strict=True)})
        ),
        "period types": ", ".join(sorted(set(rows["period_type"]))),
        "geographies": ", ".join(sorted(set(rows["geography"]))),
    }


def _indicator_changes(dataset_id: str, old: pd.DataFrame, new: pd.DataFrame) -> list[dict]:
    rows = []
    old_ids, new_ids = set(old["indicator_id"]), set(new["indicator_id"])
    for indicator in sorted(new_ids - old_ids):
        rows.append(
            {
                "dataset_id": dataset_id,
                "indicator_id": indicator,
                "change": "added",
                "previous": "",
                "current": new.loc[new["indicator_id"] == indicator, "indicator"].iat[0],
            }
        )
    for indicator in sorted(old_ids - new_ids):
        rows.append(
            {
                "dataset_id": dataset_id,
                "indicator_id": indicator,
                "change": "removed",
                "previous": old.loc[old["indicator_id"] == indicator, "indicator"].iat[0],
                "current": "",
            }
        )
    for indicator in sorted(old_ids & new_ids):
        a = _describe_indicator(old[old["indicator_id"] == indicator])
        b = _describe_indicator(new[new["indicator_id"] == indicator])
        for aspect in a:
            if a[aspect] != b[aspect]:
                rows.append(
                    {
                        "dataset_id": dataset_id,
                        "indicator_id": indicator,
                        "change": f"{aspect} changed",
                        "previous": a[aspect],
                        "current": b[aspect],
                    }
                )
    return rows


def _row_changes(dataset_id: str, old: pd.DataFrame, new: pd.DataFrame):
    areas, periods = [], []
    old = old.assign(pkey=period_key(old))
    new = new.assign(pkey=period_key(new))
    for indicator in sorted(set(old["indicator_id"]) & set(new["indicator_id"])):
        o, n = old[old["indicator_id"] == indicator], new[new["indicator_id"] == indicator]
        o_codes = o.drop_duplicates("area_code").set_index("area_code")["area_name"]
        n_codes = n.drop_duplicates("area_code").set_index("area_code")["area_name"]
        for code in sorted(set(n_codes.index) - set(o_codes.index)):
            areas.append(
                {
                    "dataset_id": dataset_id,
                    "indicator_id": indicator,
                    "change": "appeared",
                    "area_code": code,
                    "area_name": n_codes[code],
                }
            )
        for code in sorted(set(o_codes.index) - set(n_codes.index)):
            areas.append(
                {
                    "dataset_id": dataset_id,
                    "indicator_id": indicator,
                    "change": "disappeared",
                    "area_code": code,
                    "area_name": o_codes[code],
                }
            )
        new_keys = set(n["pkey"]) - set(o["pkey"])
        for key in sorted(new_keys):
            periods.append(
                {
                    "dataset_id": dataset_id,
                    "indicator_id": indicator,
                    "period": n.loc[n["pkey"] == key, "period"].iat[0],
                }
            )
    keys = ["indicator_id", "area_code", "pkey", "source_id"]
    merged = old[[*keys, "value"]].merge(
        new[[*keys, "value", "period", "area_name"]], on=keys, suffixes=("_old", "_new")
    )
    both = merged.dropna(subset=["value_old", "value_new"])
    diff = both["value_new"] - both["value_old"]
    tolerance = np.maximum(ABS_TOL, REL_TOL * np.abs(both["value_old"]))
    revised = both[np.abs(diff) > tolerance]
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = (revised["value_new"] - revised["value_old"]) / np.abs(revised["value_old"])
    revisions = pd.DataFrame(
        {
            "dataset_id": dataset_id,
            "indicator_id": revised["indicator_id"],
            "area_code": revised["area_code"],
            "area_name": revised["area_name"],
            "period": revised["period"],
            "previous_value": revised["value_old"],
            "current_value": revised["value_new"],
            "revision": revised["value_new"] - revised["value_old"],
            "relative_revision": relative.replace([np.inf, -np.inf], np.nan),
        }
    )
    return areas, periods, revisions


def revised_metric_periods(
    report: DataChangeReport, metrics_by_input: Mapping[str, Iterable[str]]
) -> pd.DataFrame:
    """``metric,period`` rows for the numbers gate: every metric whose inputs were revised in a
    period (and every period of an indicator whose definition changed).

    ``metrics_by_input`` maps an indicator id to the metrics that read it
    (:meth:`levelup.metrics.registry.Registry.metrics_by_input`).
    """
    rows = set()
    for indicator, period in (
        report.revisions[["indicator_id", "period"]].drop_duplicates().itertuples(index=False)
    ):
        for metric in metrics_by_input.get(indicator, ()):
            rows.add((metric, period))
    for indicator in report.indicators["indicator_id"]:
        for metric in metrics_by_input.get(indicator, ()):
            rows.add((metric, "*"))
    return pd.DataFrame(sorted(rows), columns=["metric", "period"])
