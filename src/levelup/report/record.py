"""Published editions as records: ``editions/<year>/`` in the repository.

``levelup publish --edition YEAR`` marks ``_output/YEAR/`` published and archives its record, the
small files that say what was published (``RECORD_FILES``):

* ``findings.csv``: every number the edition quoted;
* ``data-manifest.toml``: the pinned input files its notebooks read (path, sha256, bytes, url);
* ``checksums.sha256``: the sha256 of every published file (site, PDF, downloads);
* ``PUBLISHED``: the sha256 of that checksum list, the code commit and the publication date.

The next edition's "what changed" compares with the record (:func:`previous_findings`), never with
a rebuild of the previous edition by today's code. Building an edition that has a record is a check
that it still reproduces: :func:`compare_with_record` lists every difference (findings key by key
and column by column, data files read, published files).
"""

from __future__ import annotations

import csv
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from levelup.report.publish import (
    CHECKSUMS,
    PUBLISHED,
    OutputDiff,
    PublishError,
    checksums_sha256,
    diff_checksums,
    read_checksums,
    read_published,
)

RECORDS_DIR = "editions"
FINDINGS = "findings.csv"
DATA_MANIFEST = "data-manifest.toml"
RECORD_FILES = (FINDINGS, DATA_MANIFEST, CHECKSUMS, PUBLISHED)


class RecordError(RuntimeError):
    """An edition's record is missing, incomplete or would be replaced."""


def record_dir(root: Path, year: str) -> Path:
    """Where the record of edition ``year`` lives in the project ``root``."""
    return Path(root) / RECORDS_DIR / str(year)


def has_record(root: Path, year: str) -> bool:
    return (record_dir(root, year) / PUBLISHED).is_file()


def previous_findings(root: Path, year: str, previous: str) -> Path:
    """The published findings of ``previous``, the edition ``year`` is compared with."""
    folder = record_dir(root, previous)
    missing = [name for name in RECORD_FILES if not (folder / name).is_file()]
    if missing:
        raise RecordError(
            f"edition {year} is compared with edition {previous}, which has no complete published "
            f"record in {RECORDS_DIR}/{previous}/ (missing {', '.join(missing)}): publish it first "
            f"(`levelup build --edition {previous}`, then `levelup publish --edition {previous}`) "
            f"and commit {RECORDS_DIR}/{previous}/"
        )
    return folder / FINDINGS


def check_archivable(output_dir: Path, root: Path, year: str, *, replace: bool = False) -> None:
    """Refuse to archive ``output_dir`` over a record of other output unless asked (a correction
    of a published edition); checked before the output is marked published."""
    existing = read_published(record_dir(root, year))
    if existing is None or replace or not (Path(output_dir) / CHECKSUMS).is_file():
        return  # (without checksums, marking the output published fails with the reason)
    if existing.get("checksums_sha256") != checksums_sha256(output_dir):
        raise PublishError(
            f"edition {year} already has a published record in {RECORDS_DIR}/{year}/ (published "
            f"{existing.get('published', '?')}, checksums "
            f"{str(existing.get('checksums_sha256'))[:12]}…) and this output differs from it: a "
            f"published edition is not replaced. Check the differences (`levelup build --edition "
            f"{year}` lists them), then use --force to publish a correction."
        )


def archive_record(output_dir: Path, root: Path, year: str, *, replace: bool = False) -> Path:
    """Copy the record of the published ``output_dir`` (``_output/<year>/``, marked ``PUBLISHED``)
    into ``editions/<year>/``. An existing record of other output is replaced only when asked."""
    output_dir = Path(output_dir)
    if read_published(output_dir) is None:
        raise PublishError(f"{output_dir} is not published (no {PUBLISHED})")
    missing = [name for name in RECORD_FILES if not (output_dir / name).is_file()]
    if missing:
        raise PublishError(f"{output_dir} lacks {', '.join(missing)}: rebuild the edition")
    check_archivable(output_dir, root, year, replace=replace)
    target = record_dir(root, year)
    target.mkdir(parents=True, exist_ok=True)
    for name in RECORD_FILES:
        shutil.copyfile(output_dir / name, target / name)
    return target


# ---------------------------------------------------------------------------------- comparison
@dataclass
class RecordComparison:
    """Every difference between a build of an edition and its published record."""

    record: Path
    findings: list[str] = field(default_factory=list)
    data: list[str] = field(default_factory=list)
    files: OutputDiff = field(default_factory=OutputDiff)

    @property
    def reproduces(self) -> bool:
        """The same findings from the same data (published files may still differ, e.g. pages
        that carry the build date or the code version)."""
        return not (self.findings or self.data)

    @property
    def identical(self) -> bool:
        return self.reproduces and self.files.empty

    def lines(self) -> list[str]:
        out = []
        if self.findings:
            out.append(f"findings: {len(self.findings)} difference(s)")
            out += [f"  {line}" for line in self.findings]
        if self.data:
            out.append(f"data read: {len(self.data)} difference(s)")
            out += [f"  {line}" for line in self.data]
        if not self.files.empty:
            d = self.files
            out.append(
                f"published files: {len(d.changed)} changed, {len(d.added)} added, "
                f"{len(d.removed)} removed"
            )
            out += d.lines(limit=10**9)
        return out


def _findings_rows(path: Path) -> tuple[list[str], dict[str, dict[str, str]]]:
    with Path(path).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = {row["key"]: row for row in reader}
        return list(reader.fieldnames or []), rows


def compare_findings_exactly(built: Path, record: Path) -> list[str]:
    """Every finding added, removed or different (each column, as written) in ``built``."""
    columns_new, new = _findings_rows(built)
    columns_old, old = _findings_rows(record)
    out = [f"column {c!r} added" for c in columns_new if c not in columns_old]
    out += [f"column {c!r} removed" for c in columns_old if c not in columns_new]
    out += [f"added {key}: {new[key].get('display', '')!r}" for key in sorted(set(new) - set(old))]
    out += [
        f"removed {key}: {old[key].get('display', '')!r}" for key in sorted(set(old) - set(new))
    ]
    for key in sorted(set(new) & set(old)):
        for column in columns_old:
            before, after = old[key].get(column, ""), new[key].get(column, "")
            if before != after and column in columns_new:
                out.append(f"{key} {column}: {before!r} -> {after!r}")
    return out


def compare_data_manifests(built: Path, record: Path) -> list[str]:
    """Pinned files read by one build and not the other, or read with other contents."""
    new = tomllib.loads(Path(built).read_text(encoding="utf-8"))
    old = tomllib.loads(Path(record).read_text(encoding="utf-8"))
    files_new = {f["path"]: f for f in new.get("file", [])}
    files_old = {f["path"]: f for f in old.get("file", [])}
    out = [f"now read: {p}" for p in sorted(set(files_new) - set(files_old))]
    out += [f"no longer read: {p}" for p in sorted(set(files_old) - set(files_new))]
    for path in sorted(set(files_new) & set(files_old)):
        a, b = files_old[path], files_new[path]
        if a.get("sha256") != b.get("sha256"):
            out.append(f"{path}: sha256 {a.get('sha256', '')[:12]}… -> {b.get('sha256', '')[:12]}…")
        if a.get("read_by") != b.get("read_by"):
            out.append(f"{path}: read by {a.get('read_by')} -> {b.get('read_by')}")
    return out


def compare_with_record(output_dir: Path, record: Path) -> RecordComparison:
    """Compare a built ``_output/<year>/`` with the edition's record ``editions/<year>/``."""
    output_dir, record = Path(output_dir), Path(record)
    missing = [name for name in RECORD_FILES if not (record / name).is_file()]
    if missing:
        raise RecordError(f"the record {record} lacks {', '.join(missing)}")
    return RecordComparison(
        record=record,
        findings=compare_findings_exactly(output_dir / FINDINGS, record / FINDINGS),
        data=compare_data_manifests(output_dir / DATA_MANIFEST, record / DATA_MANIFEST),
        files=diff_checksums(read_checksums(record) or {}, read_checksums(output_dir) or {}),
    )
