"""Start a new edition from a newly published data vintage, safely.

``levelup edition new YEAR --vintage DIR`` (a folder of the new ELS vintage inside a data mirror,
e.g. ``../shared/data/els/2026-06-26``):

1. pins every file of the new vintage (upstream URL at its commit, sha256, bytes — from the
   mirror's own listing, never typed) and the connectivity versions published up to it;
2. loads and validates **every** dataset of the new edition before anything is written — a
   vintage with schema drift, unparseable periods, impossible values, duplicate keys or unknown
   codes is refused with errors naming dataset, file, line, column and rule, and the previous
   editions and their pins are untouched;
3. compares the new edition's data with the previous edition's (:mod:`levelup.data.changes`)
   and writes the data-change report to ``data/changes/<YEAR>/`` (Markdown + CSV), which the
   "what changed" chapter reads, plus ``revisions.csv`` for the numbers gate;
4. only then writes the new pins into ``data/sources.toml``, the edition into
   ``data/editions.toml`` and its Quarto profile ``_quarto-<YEAR>.yml``.

Folders renamed by the publisher are mapped by an explicit, reviewed crosswalk
(``data/crosswalks/els-<vintage>.csv``); without one, unmatched folders are reported as added or
removed, never matched by name similarity.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from levelup.data import pinning
from levelup.data.catalogue import Catalogue
from levelup.data.changes import DataChangeReport, compare_editions, revised_metric_periods
from levelup.data.fetch import DataStore
from levelup.data.load import DataLoader
from levelup.data.readers import read_csv_strings
from levelup.data.schema import LOWER_TIER, geography_of
from levelup.data.sources import Manifest
from levelup.data.validate import DataValidationError, Issue
from levelup.paths import PROJECT_ROOT

_OBSOLETE_SINCE = re.compile(r"Obsolete code since (\d{4})")


class EditionError(ValueError):
    pass


@dataclass
class NewEdition:
    year: str
    vintage: str
    new_pins: list[dict]
    report: DataChangeReport
    boundaries: int
    written: list[Path]


def _vintage_of(directory: Path) -> tuple[Path, str]:
    """(mirror root, vintage name) of an ELS vintage folder ``<mirror>/els/<vintage>``."""
    directory = directory.resolve()
    if directory.parent.name != "els" or not (directory.parent / "MANIFEST.csv").exists():
        raise EditionError(
            f"{directory} is not an ELS vintage folder of a data mirror (expected <mirror>/els/<vintage>/ "
            "with <mirror>/els/MANIFEST.csv listing its upstream URLs and checksums)"
        )
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", directory.name):
        raise EditionError(
            f"vintage folder {directory.name!r} is not named by its date (YYYY-MM-DD)"
        )
    return directory.parent.parent, directory.name


def boundary_year_of(loader: DataLoader) -> int:
    """The latest local-authority reorganisation the vintage's own notes record (codes obsolete
    since Y); combined-authority and ITL recodes do not move the local boundary set."""
    years = [
        s.since
        for code, s in loader.succession_register().successions.items()
        if geography_of(code) in (*LOWER_TIER, "county")
    ]
    vintage_year = int(loader.edition.els_vintage[:4])
    years = [y for y in years if y <= vintage_year]
    return max(years) if years else vintage_year


def new_edition(
    year: str | int,
    vintage_dir: Path,
    *,
    data_dir: Path | None = None,
    project_dir: Path | None = None,
    cache_dir: Path | None = None,
    boundaries: int | None = None,
    title: str | None = None,
    metrics_by_input: Mapping[str, Iterable[str]] | None = None,
) -> NewEdition:
    """Pin, validate and compare a new vintage; write the edition only if everything is valid.

    ``metrics_by_input`` (indicator id -> metrics reading it, from the metric registry) decides
    which metric periods the numbers gate treats as revised (``data/changes/YEAR/revisions.csv``).
    """
    year = str(year)
    project_dir = project_dir or PROJECT_ROOT
    data_dir = data_dir or project_dir / "data"
    mirror, vintage = _vintage_of(Path(vintage_dir))
    catalogue = Catalogue(Manifest.load(data_dir / "sources.toml"), data_dir=data_dir)
    if year in catalogue.editions:
        raise EditionError(
            f"edition {year} already exists in {data_dir / 'editions.toml'}; editions are never overwritten"
        )
    previous = catalogue.latest_edition
    if vintage <= previous.els_vintage:
        raise EditionError(
            f"vintage {vintage} is not newer than edition {previous.year}'s {previous.els_vintage}"
        )

    # 1. pins for the new vintage, from the mirror's listing
    current = {f.path for f in catalogue.manifest}
    entries = [
        e
        for e in pinning.els_entries(mirror)
        if e["path"] not in current
        and (e["vintage"] == vintage or (e["kind"] == "els-history" and e["vintage"] <= vintage))
    ]
    if not any(e["vintage"] == vintage and e["kind"] == "els" for e in entries):
        raise EditionError(
            f"no ELS files of vintage {vintage} are listed in {mirror / 'els' / 'MANIFEST.csv'}"
        )
    with open(data_dir / "sources.toml", "rb") as handle:
        document = tomllib.load(handle)
    for entry in entries:
        entry["id"] = entry["path"]
    document["file"] = sorted(document["file"] + entries, key=lambda e: e["path"])

    with tempfile.TemporaryDirectory(prefix="levelup-edition-") as tmp:
        staged = Path(tmp) / "data"
        shutil.copytree(data_dir, staged)
        (staged / "sources.toml").write_text(pinning.dumps(document))
        manifest = Manifest.load(staged / "sources.toml")
        store = DataStore(manifest, mirror=mirror, cache_dir=cache_dir)
        store.fetch([manifest.get(e["path"]) for e in entries], progress=False)
        stock_source = latest_dwelling_stock_source(store)
        editions_before = (data_dir / "editions.toml").read_text(encoding="utf-8")
        (staged / "editions.toml").write_text(
            editions_before
            + _edition_block(
                year, vintage, previous, boundaries or previous.boundaries, title, stock_source
            ),
            encoding="utf-8",
        )

        # 2. validate every dataset of the new edition before writing anything
        staged_catalogue = Catalogue(manifest, data_dir=staged)
        loader = DataLoader(year, store=store, catalogue=staged_catalogue, cache_dir=cache_dir)
        issues: list[Issue] = []
        for dataset_id in loader.datasets():
            try:
                loader.load(dataset_id, harmonise_boundaries=False)
            except DataValidationError as exc:
                issues += exc.issues
        if issues:
            raise DataValidationError(issues)
        detected = boundary_year_of(loader)
        if boundaries is None and detected != previous.boundaries:
            (staged / "editions.toml").write_text(
                editions_before
                + _edition_block(year, vintage, previous, detected, title, stock_source),
                encoding="utf-8",
            )
            staged_catalogue = Catalogue(manifest, data_dir=staged)
            loader = DataLoader(year, store=store, catalogue=staged_catalogue, cache_dir=cache_dir)

        # 3. the data-change report against the previous edition
        previous_loader = DataLoader(
            previous.year, store=store, catalogue=staged_catalogue, cache_dir=cache_dir
        )
        report = compare_editions(previous_loader, loader)

        # 4. write: change report, pins, edition, profile
        written = report.write(data_dir / "changes" / year)
        revisions = data_dir / "changes" / year / "revisions.csv"
        revised_metric_periods(report, metrics_by_input or {}).to_csv(
            revisions, index=False, lineterminator="\n"
        )
        written.append(revisions)
        shutil.copyfile(staged / "sources.toml", data_dir / "sources.toml")
        shutil.copyfile(staged / "editions.toml", data_dir / "editions.toml")
        written += [data_dir / "sources.toml", data_dir / "editions.toml"]
        profile = project_dir / f"_quarto-{year}.yml"
        profile.write_text(_profile(year, vintage, previous.year), encoding="utf-8")
        written.append(profile)
        boundary_year = staged_catalogue.edition(year).boundaries
    return NewEdition(year, vintage, entries, report, boundary_year, written)


def latest_dwelling_stock_source(store: DataStore) -> str:
    """The newest Live Table 104 edition in the curated stock table (its source ids name the year)."""
    ids = set(read_csv_strings(store.path("curated/dwelling_stock_by_tenure.csv"))["source_id"])
    return max(i for i in ids if i.startswith("mhclg_lt104_dse"))


def _edition_block(
    year: str, vintage: str, previous, boundaries: int, title: str | None, stock_source: str
) -> str:
    return (
        f"\n[edition.{year}]\n"
        f'title = "{title or f"Levelling Up missions: progress report {year}"}"\n'
        f'els_vintage = "{vintage}"\n'
        f'history_cutoff = "{vintage}"\n'
        f'sdg_vintage = "{previous.sdg_vintage}"\n'
        f'sdg_legacy_vintage = "{previous.sdg_legacy_vintage}"\n'
        f"boundaries = {boundaries}\n"
        f'dwelling_stock_source = "{stock_source}"\n'
        f'previous = "{previous.year}"\n'
    )


def _profile(year: str, vintage: str, previous: str) -> str:
    return (
        f'book:\n  subtitle: "{year} edition"\n  output-file: "levelup-progress-report-{year}"\n'
        f"project:\n  output-dir: _output/quarto/{year}\n"
        f'levelup:\n  edition: "{year}"\n  data-vintage: "{vintage}"\n  previous-edition: "{previous}"\n'
    )
