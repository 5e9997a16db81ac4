"""The report's inputs for one edition, as tables for the "Data sources and vintages" chapter.

Everything here is read from the committed configuration (``data/sources.toml`` pins,
``data/datasets.yaml``, ``data/crosswalks/``) and from what loading the data reported
(:attr:`levelup.data.load.DataLoader.reports`), never typed:

* :func:`report_inputs` -- the datasets (and loose pinned files) the metric registry reads in an
  edition;
* :func:`sources_table` -- one row per dataset: title, publisher, vintage, files, licence and how
  it is pinned; :func:`collections_table` -- the same pins summarised by collection;
* :func:`corrections_table` -- the reviewed corrections of publishers' errors, and whether each
  applied to this edition's files;
* :func:`boundary_table` -- rows recoded, superseded or lost (unmapped) by boundary harmonisation,
  per dataset;
* :func:`curated_table` -- rows of the hand transcriptions by status (published, secondary,
  provisional);
* :func:`crosswalk_table` -- how an older ELS vintage's folders map onto the current ones.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from levelup.data.catalogue import Catalogue, DatasetSpec
from levelup.data.geography import (
    CONSTITUENT_COUNCILS,
    DEVOLUTION_AUTHORITIES,
    MYE_2021_GEOG,
    MYE_2023_GEOG,
)
from levelup.data.load import DataLoader, LoadReport
from levelup.data.schema import BOUNDARY_COLUMNS
from levelup.data.sources import PinnedFile
from levelup.metrics.registry import is_file_input

#: Files the geography lookups read directly (population weights, devolution register).
GEOGRAPHY_FILES = (MYE_2023_GEOG, *MYE_2021_GEOG, CONSTITUENT_COUNCILS, DEVOLUTION_AUTHORITIES)

# licence codes of data/sources.toml (generated from the mirror's listings) in words; curated
# copies carry SOURCES.md's wording ("OGL v3") or, where it names none, a pointer to its section
_EUROSTAT = "Eurostat copyright notice: reuse with acknowledgement"
_LICENCES = {
    "OGL-3.0": "Open Government Licence v3.0",
    "OGL v3": "Open Government Licence v3.0",
    "see curated/SOURCES.md (nesta_epo_patents)": _EUROSTAT,
}
_LICENCE_SHORT = {
    "OGL-3.0": "OGL v3.0",
    "OGL v3": "OGL v3.0",
    "see curated/SOURCES.md (nesta_epo_patents)": _EUROSTAT,
}
#: Pins whose licence is recorded only in the data mirror's notes ("see curated/SOURCES.md (id)"):
#: the reader sees words, not the path.
LICENCE_IN_NOTES = "as stated in the data notes of the copy read"


def licence_text(licence: str, *, short: bool = False) -> str:
    """A pin's licence in words for the reader; never a file path."""
    named = (_LICENCE_SHORT if short else _LICENCES).get(licence)
    if named:
        return named
    return LICENCE_IN_NOTES if licence.startswith("see ") else licence


_KINDS = {
    "els": "ONS Explore Local Statistics",
    "els-history": "ONS Explore Local Statistics, every published version",
    "sdg": "UK SDG data platform",
    "tidy": "levelup tidy file",
    "curated": "Transcriptions (curated)",
    "population": "ONS mid-year population estimates",
}


@dataclass
class ReportInputs:
    """What an edition of the report reads: dataset ids and loose pinned files."""

    edition: str
    datasets: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # pins read outside any dataset


def _dataset_of(indicator: str) -> str:
    return indicator.rsplit("/", 1)[0]


def report_inputs(metrics: Iterable, catalogue: Catalogue, edition: str) -> ReportInputs:
    """Datasets the registry's metrics (data, labelled proxies, derivation inputs, published
    checks and target series) read in ``edition``, plus the files the geography lookups read.

    ``metrics`` are :class:`levelup.metrics.registry.Metric` objects (anything with ``data``,
    ``proxy`` and ``target`` attributes of the same shape).
    """
    edition = str(edition)
    known = catalogue.datasets(edition)
    wanted: list[str] = []
    files: list[str] = list(GEOGRAPHY_FILES)
    for metric in metrics:
        for mapping in (metric.data, metric.proxy):
            if mapping is None or (
                mapping.editions is not None and edition not in mapping.editions
            ):
                continue
            if mapping.derived:
                for item in mapping.inputs:
                    (files if is_file_input(item) else wanted).append(
                        item if is_file_input(item) else _dataset_of(item)
                    )
            else:
                wanted.append(mapping.dataset or _dataset_of(mapping.indicator))
                wanted += [_dataset_of(b) for b in mapping.breakdown]
            if mapping.published:
                wanted.append(_dataset_of(mapping.published))
        for target in (metric.target, getattr(metric, "area_target", None)):
            if target is not None and target.series:
                wanted.append(_dataset_of(target.series))
    datasets = sorted({d for d in wanted if d in known})
    in_datasets = {f.path for d in datasets for f in known[d].files}
    loose = sorted({f for f in files if f not in in_datasets and f in catalogue.manifest})
    return ReportInputs(edition, datasets, loose)


# ------------------------------------------------------------------------------------ editions
def els_commit(catalogue: Catalogue, vintage: str) -> str:
    """Upstream commit of an ELS vintage (from its pins)."""
    commits = {
        p.upstream_commit
        for p in catalogue.manifest.select(collection="els", vintage=vintage, kind="els")
    }
    return commits.pop() if len(commits) == 1 else ""


def _table104(catalogue: Catalogue, source_id: str) -> str:
    """'published 2025-05-22' from the pinned raw workbook of a Live Table 104 edition."""
    stamp = source_id.rsplit("_", 1)[-1]  # e.g. dse2024
    for pin in catalogue.manifest.select(collection="curated", kind="raw"):
        match = re.search(rf"{stamp}_pub(\d{{4}}-\d{{2}}-\d{{2}})", pin.path)
        if match:
            return f"published {match.group(1)}"
    return source_id


def editions_table(catalogue: Catalogue) -> pd.DataFrame:
    """Every edition of ``data/editions.toml``: the vintage of each source and the boundaries."""
    rows = []
    for year, e in sorted(catalogue.editions.items()):
        commit = els_commit(catalogue, e.els_vintage)
        rows.append(
            {
                "edition": year,
                "Explore Local Statistics": f"{e.els_vintage} (commit {commit[:8]})"
                if commit
                else e.els_vintage,
                "connectivity versions up to": e.history_cutoff,
                "UK SDG platform": e.sdg_vintage,
                "dwelling stock (Live Table 104)": _table104(catalogue, e.dwelling_stock_source),
                "local authority boundaries": f"April {e.boundaries}",
            }
        )
    return pd.DataFrame(rows)


# ------------------------------------------------------------------------------------ sources
def _pinned_as(pins: list[PinnedFile]) -> str:
    if all(p.origin == "upstream" and p.upstream_repo for p in pins):
        frame = pd.DataFrame(
            {
                "upstream_repo": [p.upstream_repo for p in pins],
                "upstream_commit": [p.upstream_commit for p in pins],
            }
        )
        return _upstream_summary(frame)
    if any(p.kind == "curated" for p in pins):
        return "transcription held in the data mirror"
    return "tidy extract held in the data mirror; raw file pinned upstream"


def _publisher(pin: PinnedFile) -> str:
    if pin.kind == "curated":
        return "transcribed (sources cited row by row)"
    copy = _COPY.match(pin.publisher)
    if copy:
        known = CURATED_COPIES.get(copy.group(1))
        return known[1] if known else "copied from a public repository (see the data notes)"
    return "; ".join(part.strip() for part in pin.publisher.split("|"))


#: The mirror's pins of copies from public repositories name their source by its id in the mirror's
#: notes ("Copied from a public repository (curated/SOURCES.md, <id>)"); readers see these titles.
_COPY = re.compile(r"Copied from a public repository \(curated/SOURCES\.md, ([\w-]+)\)")
CURATED_COPIES = {
    "ons_pfa_tables_2018_2019": (
        "ONS, Police force area data tables, years ending March 2018 to December 2019",
        "Office for National Statistics (Home Office police recorded crime), copied from a public repository",
    ),
    "smc_son_social_capital": (
        "Social Mobility Commission, State of the Nation data on civic engagement and on trust, fairness and helpfulness",
        "Social Mobility Commission (reprinting DCMS and European Social Survey data), copied from a public repository",
    ),
    "lai_2014_extract": (
        "Local Autonomy Index 1.0, 1990-2014 (extract of the composite score)",
        "Ladner, Keuffer and Baldersheim (European Commission, 2015), copied from a public repository",
    ),
    "rai_country_2021": (
        "Regional Authority Index, country-level file (April 2021 release)",
        "Hooghe, Marks, Schakel, Shair-Rosenfield, Niedzwiecki and others, copied from a public repository",
    ),
    "ons_uk_topojson": (
        "ONS Visual UK TopoJSON boundaries, 2014-2025",
        "Office for National Statistics, copied from a public repository",
    ),
}


def _loose_entries(pins: list[PinnedFile]) -> list[tuple[str, list[PinnedFile], str]]:
    """Loose files as table entries: copies of one source in the mirror become one row titled
    for readers; any other file keeps its description (or its path)."""
    groups: dict[str, list[PinnedFile]] = {}
    for pin in pins:
        copy = _COPY.match(pin.publisher)
        groups.setdefault(copy.group(1) if copy else pin.path, []).append(pin)
    entries = []
    for key, group in groups.items():
        if key in CURATED_COPIES:
            title = CURATED_COPIES[key][0]
        elif _COPY.match(group[0].publisher):
            title = ", ".join(p.path.rsplit("/", 1)[-1] for p in group)
        else:
            title = group[0].description or group[0].path
        entries.append((title, group, group[0].vintage or "as published"))
    return entries


def _vintage(spec: DatasetSpec, catalogue: Catalogue) -> str:
    if any(f.source_id for f in spec.files):  # one of several publications in one file
        return ", ".join(sorted({_table104(catalogue, f.source_id) for f in spec.files}))
    vintages = sorted({f.vintage for f in spec.files if f.vintage})
    if spec.kind == "els-history":
        return f"{len(spec.files)} versions, {vintages[0]} to {vintages[-1]}" if vintages else ""
    if spec.kind == "tidy" and all(
        v == f.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for v, f in zip(vintages, spec.files, strict=False)
    ):
        return "as transcribed"
    return ", ".join(vintages)


def sources_table(loader: DataLoader, inputs: ReportInputs) -> pd.DataFrame:
    """One row per dataset (and loose file) the edition reads: title, publisher, vintage, number
    of files, licence and how it is pinned."""
    manifest = loader.store.manifest
    specs = loader.datasets()
    entries = [
        (
            specs[d].title,
            [manifest.get(f.path) for f in specs[d].files],
            _vintage(specs[d], loader.catalogue),
        )
        for d in inputs.datasets
    ]
    entries += _loose_entries([manifest.get(p) for p in inputs.files])
    rows = [
        {
            "dataset": title.split(" (")[0] if len(title) > 90 else title,
            "publisher": "; ".join(sorted({_publisher(p) for p in pins})),
            "vintage": vintage,
            "files": len(pins),
            "licence": "; ".join(sorted({licence_text(p.licence, short=True) for p in pins})),
            "pinned as": _pinned_as(pins),
        }
        for title, pins, vintage in entries
    ]
    return pd.DataFrame(
        rows, columns=["dataset", "publisher", "vintage", "files", "licence", "pinned as"]
    )


def licence_names(pins: Iterable[PinnedFile]) -> str:
    """The licences of a set of pins, in words ('Open Government Licence v3.0')."""
    return "; ".join(sorted({licence_text(p.licence) for p in pins}))


def pins_read(loader: DataLoader, inputs: ReportInputs) -> list[PinnedFile]:
    """Every pinned file behind the edition's inputs."""
    specs = loader.datasets()
    paths = [f.path for d in inputs.datasets for f in specs[d].files] + list(inputs.files)
    return [loader.store.manifest.get(p) for p in dict.fromkeys(paths)]


def _upstream_summary(group: pd.DataFrame) -> str:
    by_repo: dict[str, set[str]] = {}
    for repo, commit in zip(group["upstream_repo"], group["upstream_commit"], strict=True):
        if repo:
            by_repo.setdefault(repo, set()).add(commit[:8])
    parts = []
    for repo, commits in sorted(by_repo.items()):
        if len(commits) <= 3:
            parts += [f"{repo} @ {c}" for c in sorted(commits)]
        else:
            parts.append(f"{repo}, each version at its own commit ({len(commits)} commits)")
    return "; ".join(parts)


def _size(n: int) -> str:
    return f"{n / 1e6:.1f} MB" if n >= 1e5 else f"{n / 1e3:.0f} kB"


def collections_table(loader: DataLoader, inputs: ReportInputs) -> pd.DataFrame:
    """The pins read, summarised by collection and vintage."""
    rows = []
    frame = pd.DataFrame([p.__dict__ for p in pins_read(loader, inputs)])
    for (collection, kind), group in frame.groupby(["collection", "kind"], sort=True):
        vintages = sorted(v for v in group["vintage"].unique() if v)
        if (group["origin"] == "upstream").all():
            upstream = _upstream_summary(group)
        elif collection == "curated":
            upstream = "none: transcribed by the project, sources cited row by row"
        else:
            upstream = "none: tidy extract of a raw file pinned upstream"
        rows.append(
            {
                "collection": _KINDS.get(kind, collection.capitalize()),
                "files": len(group),
                "vintage": (
                    f"{vintages[0]} to {vintages[-1]}"
                    if kind == "els-history" and vintages
                    else ", ".join(vintages) or "as published"
                ),
                "upstream at a fixed commit": upstream,
                "size": _size(int(group["bytes"].sum())),
            }
        )
    return pd.DataFrame(
        rows, columns=["collection", "files", "vintage", "upstream at a fixed commit", "size"]
    )


# ------------------------------------------------------------------------------------ corrections
def corrections_table(catalogue: Catalogue, reports: dict[str, LoadReport]) -> pd.DataFrame:
    """Every reviewed correction (``data/datasets.yaml: corrections``) and whether it applied to
    a file this edition loaded."""
    applied = {
        (c["file"], int(c["line"])) for report in reports.values() for c in report.corrections
    }
    rows = [
        {
            "dataset": c["dataset"],
            "file": c["file"],
            "line": int(c["line"]),
            "action": {"drop_ci": "interval set to unknown", "drop_row": "row dropped"}.get(
                c["action"], c["action"]
            ),
            "rule broken": c["rule"],
            "reason": c["reason"],
            "in this edition": "applied"
            if (c["file"], int(c["line"])) in applied
            else "file not read in this edition",
        }
        for c in catalogue.config.get("corrections") or []
    ]
    return pd.DataFrame(
        rows,
        columns=["dataset", "file", "line", "action", "rule broken", "reason", "in this edition"],
    )


# ------------------------------------------------------------------------------------ boundaries
BOUNDARY_ACTIONS = ("recoded", "superseded", "unmapped")


def boundary_rows(reports: dict[str, LoadReport]) -> pd.DataFrame:
    """Every boundary action of the loaded datasets (one row per old area and action)."""
    rows = [row for report in reports.values() for row in report.boundaries]
    return pd.DataFrame(rows, columns=BOUNDARY_COLUMNS)


def boundary_table(reports: dict[str, LoadReport]) -> pd.DataFrame:
    """Rows recoded (same area, new code), superseded (merged or split areas whose successors
    carry the data) and unmapped (lost: no successor value for that period), per dataset."""
    rows = boundary_rows(reports)
    columns = [
        "dataset",
        *[f"rows {a}" for a in BOUNDARY_ACTIONS],
        "old areas",
        "areas lost in some period",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    counts = rows.pivot_table(
        index="dataset_id", columns="action", values="n_rows", aggfunc="sum", fill_value=0
    )
    out = pd.DataFrame(index=counts.index)
    for action in BOUNDARY_ACTIONS:
        out[f"rows {action}"] = counts.get(action, 0)
    out["old areas"] = rows.groupby("dataset_id")["area_code"].nunique()
    lost = rows[rows["action"] == "unmapped"].groupby("dataset_id")["area_code"].nunique()
    out["areas lost in some period"] = lost.reindex(out.index).fillna(0).astype(int)
    return out.rename_axis("dataset").reset_index()[columns]


# ------------------------------------------------------------------------------------ curated
def curated_table(loader: DataLoader, inputs: ReportInputs) -> pd.DataFrame:
    """Rows of each transcribed (curated) dataset the edition reads, by status: published,
    secondary (read from a reprint of the official figure) and provisional."""
    rows = []
    for dataset_id in inputs.datasets:
        if not dataset_id.startswith("curated/"):
            continue
        frame = loader.load(dataset_id)
        flags = frame["flags"].fillna("").str.split(";")
        secondary = flags.map(lambda f: "secondary" in f)
        provisional = flags.map(lambda f: "provisional" in f)
        rows.append(
            {
                "dataset": dataset_id,
                "title": loader.datasets()[dataset_id].title,
                "rows": len(frame),
                "published": int((~secondary & ~provisional).sum()),
                "secondary": int(secondary.sum()),
                "provisional": int(provisional.sum()),
            }
        )
    return pd.DataFrame(
        rows, columns=["dataset", "title", "rows", "published", "secondary", "provisional"]
    )


# ------------------------------------------------------------------------------------ crosswalk
CHANGE_KINDS = (
    "dropped from the later vintage",
    "definition changed",
    "absorbed into another dataset",
    "folder renamed",
    "labels or period format only",
)


def _change_kind(folder: str, dataset: str, notes: set[str]) -> str:
    text = " ".join(notes).lower()
    if "dropped" in text:
        return CHANGE_KINDS[0]
    if "definition changed" in text or "measure changed" in text or "different measure" in text:
        return CHANGE_KINDS[1]
    if "absorbed" in text:
        return CHANGE_KINDS[2]
    if folder != dataset:
        return CHANGE_KINDS[3]
    return CHANGE_KINDS[4]


def crosswalk_vintages(catalogue: Catalogue) -> list[str]:
    """ELS vintages read through a reviewed crosswalk (older vintages), oldest first."""
    vintages = sorted({e.els_vintage for e in catalogue.editions.values()})
    return [v for v in vintages if catalogue.crosswalk(v) is not None]


def crosswalk_table(catalogue: Catalogue, vintage: str) -> pd.DataFrame:
    """One row per folder of an older ELS vintage: the current dataset it maps to and what
    changed (dropped, definition changed, absorbed, renamed, or only labels and period formats),
    from the reviewed crosswalk ``data/crosswalks/els-<vintage>.csv``; empty for a vintage read
    without one."""
    out: dict[str, dict] = {}
    for r in catalogue.crosswalk(vintage) or []:
        entry = out.setdefault(
            r["from_folder"],
            {
                "folder in this vintage": r["from_folder"],
                "current dataset": r["to_dataset"],
                "notes": set(),
            },
        )
        if r.get("note"):
            entry["notes"].add(r["note"].strip())
    rows = [
        {
            "folder in this vintage": e["folder in this vintage"],
            "current dataset": e["current dataset"],
            "change": _change_kind(e["folder in this vintage"], e["current dataset"], e["notes"]),
            "note": "; ".join(sorted(e["notes"])),
        }
        for e in out.values()
    ]
    frame = pd.DataFrame(
        rows, columns=["folder in this vintage", "current dataset", "change", "note"]
    )
    order = {kind: i for i, kind in enumerate(CHANGE_KINDS)}
    return frame.sort_values(
        ["change", "folder in this vintage"],
        key=lambda c: c.map(order) if c.name == "change" else c,
    ).reset_index(drop=True)
