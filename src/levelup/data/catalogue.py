"""The catalogue: which pinned files make up each dataset in each edition, and how to read them.

Sources of truth (all committed, all reviewed by people):

* ``data/editions.toml`` — per edition: data vintages, boundary year, Quarto profile;
* ``data/datasets.yaml`` — per dataset: reader options and the quirks to handle;
* ``data/crosswalks/els-<vintage>.csv`` — for an ELS vintage whose folder names and indicator
  labels differ from the current ones, the explicit mapping onto current dataset/indicator ids;
* ``data/sources.toml`` — the pins (see :mod:`levelup.data.sources`).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from levelup import config_files
from levelup.data.periods import DEFAULT_CONVENTION, PeriodConvention
from levelup.data.sources import Manifest
from levelup.paths import PROJECT_ROOT

DATA_DIR = PROJECT_ROOT / "data"


def slugify(text: str) -> str:
    """Lower-case ASCII slug: 'Level 3+ (GB)' -> 'level-3-gb'."""
    text = text.lower().replace("&", " and ").replace("+", " plus ")
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


@dataclass(frozen=True)
class Edition:
    year: str
    title: str
    els_vintage: str
    history_cutoff: str
    sdg_vintage: str
    sdg_legacy_vintage: str
    boundaries: int
    dwelling_stock_source: str
    previous: str = ""


@dataclass(frozen=True)
class DatasetFile:
    """One pinned file of a dataset, with what is needed to read it."""

    path: str  # pin path (relative to a mirror root)
    vintage: str
    reader: str  # "tidy", "sdg", or a source reader of levelup.data.load.SOURCE_READERS
    label_map: tuple[tuple[str, str], ...] = ()  # raw label -> current label (crosswalked vintages)
    convention: PeriodConvention = DEFAULT_CONVENTION
    period_map: tuple[tuple[str, str], ...] = ()
    source_id: str = ""  # keep only rows of this source_id (files holding several vintages)
    sdg: tuple = ()  # frozen SDG selection options


@dataclass(frozen=True)
class DatasetSpec:
    id: str
    title: str
    kind: str  # els, els-history, tidy, sdg
    files: tuple[DatasetFile, ...]
    unit: str | None = None
    measure: str | None = None
    allow_negative: bool = False
    key_includes_name: bool = False
    undated: str = "error"
    note: str = ""
    #: reader-facing "Publisher, publication (release date)" (``source:`` in datasets.yaml);
    #: for ELS datasets the publication named by a reviewed ``publication:`` override, if any
    source: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def indicator_id(self, label: str) -> str:
        return f"{self.id}/{slugify(label)}"


class CatalogueError(ValueError):
    pass


class UnknownEditionError(CatalogueError):
    """An edition year that data/editions.toml does not list (a usage error)."""


class Catalogue:
    def __init__(self, manifest: Manifest | None = None, data_dir: Path = DATA_DIR):
        self.data_dir = data_dir
        self.manifest = manifest or Manifest.load(data_dir / "sources.toml")

    # ------------------------------------------------------------------ configuration files
    @cached_property
    def editions(self) -> dict[str, Edition]:
        document = config_files.read_toml(self.data_dir / "editions.toml")
        return {year: Edition(year=year, **cfg) for year, cfg in document["edition"].items()}

    def edition(self, year: str | int) -> Edition:
        key = str(year)
        if key not in self.editions:
            raise UnknownEditionError(
                f"unknown edition {key}; editions are {sorted(self.editions)} (data/editions.toml)"
            )
        return self.editions[key]

    @property
    def latest_edition(self) -> Edition:
        return self.editions[max(self.editions)]

    @cached_property
    def config(self) -> dict:
        return config_files.read_yaml(self.data_dir / "datasets.yaml")

    def crosswalk(self, vintage: str) -> list[dict] | None:
        path = self.data_dir / "crosswalks" / f"els-{vintage}.csv"
        if not path.exists():
            return None
        with path.open(encoding="utf-8") as handle:
            return list(csv.DictReader(handle))

    def corrections(self, dataset_id: str) -> list[dict]:
        """Reviewed corrections of publisher errors for one dataset (datasets.yaml `corrections`)."""
        return [c for c in self.config.get("corrections") or [] if c["dataset"] == dataset_id]

    # ------------------------------------------------------------------ datasets
    def datasets(self, edition: str | int) -> dict[str, DatasetSpec]:
        return self._datasets(str(edition))

    def dataset(self, dataset_id: str, edition: str | int) -> DatasetSpec:
        specs = self.datasets(edition)
        if dataset_id not in specs:
            raise CatalogueError(
                f"dataset {dataset_id!r} is not available in edition {edition} "
                f"(known: {len(specs)} datasets; see `levelup data list --edition {edition}`)"
            )
        return specs[dataset_id]

    _cache: dict

    def _datasets(self, year: str) -> dict[str, DatasetSpec]:
        if not hasattr(self, "_cache"):
            self._cache = {}
        if year not in self._cache:
            edition = self.edition(year)
            specs: dict[str, DatasetSpec] = {}
            specs.update(self._els(edition))
            specs.update(self._history(edition))
            specs.update(self._tidy(edition))
            specs.update(self._sdg(edition))
            self._cache[year] = dict(sorted(specs.items()))
        return self._cache[year]

    def _els(self, edition: Edition) -> dict[str, DatasetSpec]:
        cfg = self.config["els"]
        overrides = cfg.get("overrides", {})
        crosswalk = self.crosswalk(edition.els_vintage)
        by_folder: dict[str, list[dict]] = {}
        if crosswalk is not None:
            for row in crosswalk:
                by_folder.setdefault(row["from_folder"], []).append(row)
        grouped: dict[str, list[DatasetFile]] = {}
        for pin in self.manifest.select(collection="els", vintage=edition.els_vintage, kind="els"):
            folder = pin.slug
            if crosswalk is None:
                target, label_map, convention = folder, (), DEFAULT_CONVENTION
            else:
                rows = by_folder.get(folder)
                if not rows:
                    raise CatalogueError(
                        f"ELS {edition.els_vintage} folder {folder!r} has no entry in "
                        f"data/crosswalks/els-{edition.els_vintage}.csv; map it explicitly"
                    )
                targets = {r["to_dataset"] for r in rows}
                if len(targets) != 1:
                    raise CatalogueError(
                        f"crosswalk maps folder {folder!r} to several datasets {sorted(targets)}"
                    )
                target = targets.pop()
                label_map = tuple((r["from_label"].strip(), r["to_label"].strip()) for r in rows)
                anchors = {r["year_anchor"] for r in rows if r["year_anchor"]}
                convention = (
                    PeriodConvention(year_anchor=anchors.pop()) if anchors else DEFAULT_CONVENTION
                )
            grouped.setdefault(target, []).append(
                DatasetFile(
                    path=pin.path,
                    vintage=edition.els_vintage,
                    reader="tidy",
                    label_map=label_map,
                    convention=convention,
                )
            )
        specs = {}
        for folder, files in grouped.items():
            opts = overrides.get(folder, {})
            dataset_id = f"els/{folder}"
            specs[dataset_id] = DatasetSpec(
                id=dataset_id,
                title=self._els_title(folder, edition),
                kind="els",
                files=tuple(sorted(files, key=lambda f: f.path)),
                unit=opts.get("unit"),
                measure=opts.get("measure"),
                allow_negative=opts.get("allow_negative", False),
                key_includes_name=opts.get("key_includes_name", False),
                note=opts.get("note", ""),
                source=opts.get("publication", ""),
            )
        return specs

    def _els_title(self, folder: str, edition: Edition) -> str:
        for pin in self.manifest.select(collection="els", vintage=edition.els_vintage, kind="els"):
            if pin.slug == folder and pin.description:
                return pin.description.split(":")[0]
        return folder.replace("-", " ").capitalize()

    def _history(self, edition: Edition) -> dict[str, DatasetSpec]:
        cfg = self.config["els_history"]
        excluded = cfg.get("exclude", {})
        specs = {}
        for slug, opts in cfg["datasets"].items():
            files = []
            for pin in self.manifest.select(collection="els", kind="els-history"):
                if pin.slug != slug:
                    continue
                rel = f"{slug}/{Path(pin.path).name}"
                if rel in excluded or pin.vintage > edition.history_cutoff:
                    continue
                files.append(DatasetFile(path=pin.path, vintage=pin.vintage, reader="history"))
            dataset_id = f"els-history/{slug}"
            specs[dataset_id] = DatasetSpec(
                id=dataset_id,
                title=f"{opts['indicator']}: every published version (time series)",
                kind="els-history",
                files=tuple(sorted(files, key=lambda f: f.path)),
                source=opts.get("publication", cfg.get("publication", "")),
                extra={
                    "indicator": opts["indicator"],
                    "current_indicator_id": f"els/{slug}/{slugify(opts['indicator'])}",
                },
            )
        return specs

    def _tidy(self, edition: Edition) -> dict[str, DatasetSpec]:
        specs = {}
        for dataset_id, opts in self.config.get("tidy", {}).items():
            files = []
            for path in opts["files"]:
                pin = self.manifest.get(path)
                source_id = ""
                vintage = opts.get("vintage", pin.vintage or "")
                if opts.get("split_by_source"):
                    source_id = edition.dwelling_stock_source
                    vintage = source_id
                files.append(
                    DatasetFile(
                        path=pin.path,
                        vintage=vintage or Path(pin.path).stem,
                        reader=opts.get("reader", "tidy"),
                        source_id=source_id,
                    )
                )
            specs[dataset_id] = DatasetSpec(
                id=dataset_id,
                title=opts["title"],
                kind="tidy",
                files=tuple(files),
                allow_negative=opts.get("allow_negative", False),
                undated=opts.get("undated", "error"),
                note=opts.get("note", ""),
                source=opts.get("source", ""),
            )
        return specs

    def _sdg(self, edition: Edition) -> dict[str, DatasetSpec]:
        specs = {}
        for dataset_id, opts in (self.config.get("sdg") or {}).items():
            vintage = edition.sdg_legacy_vintage if opts.get("legacy") else edition.sdg_vintage
            path = f"sdg/{vintage}/data/{opts['file']}"
            self.manifest.get(path)
            selection = (
                ("filters", tuple(sorted(opts.get("filters", {}).items()))),
                ("areas", tuple(opts.get("areas", []))),
                ("default_area", tuple(opts.get("default_area", ["K02000001", "United Kingdom"]))),
                ("label", opts.get("label", "")),
            )
            convention = PeriodConvention(
                year_anchor=opts.get("year_anchor", "01-01"),
                year_span=opts.get("year_span", 1),
                year_offset=opts.get("year_offset", 0),
                split_year_anchor=opts.get("split_year_anchor", "04-01"),
            )
            specs[dataset_id] = DatasetSpec(
                id=dataset_id,
                title=opts["title"],
                kind="sdg",
                files=(
                    DatasetFile(
                        path=path,
                        vintage=vintage,
                        reader="sdg",
                        convention=convention,
                        sdg=selection,
                    ),
                ),
                allow_negative=opts.get("allow_negative", False),
                note=opts.get("note", ""),
                source=opts.get("source", ""),
            )
        return specs
