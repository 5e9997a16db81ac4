"""Content-addressed cache of executed notebooks, with data dependencies discovered at run time.

A cache entry is found in two steps, like ``make`` with discovered dependencies:

1. the **static key** -- sha256 of everything known before running the notebook: its source (code
   and markdown, cell types and tags; not outputs, execution counts, ids or execution metadata),
   its path, the injected parameters (those that describe *what* to compute; ``output_dir`` and
   input-file paths are left out and the input files' own hashes are put in), the library version
   (every ``src/levelup/**/*.py``), ``uv.lock``, the small data configuration files
   (``data/*.toml`` but ``sources.toml``, ``data/*.yaml``, ``data/crosswalks/*.csv``,
   ``data/geography/*.csv``, ``data/devolution/*.csv``) and the *shape* of the data manifest (pinned paths and their
   collection/kind/vintage; adding or removing a pin changes what a dataset is made of);
2. the **reads** -- the pinned input files the notebook actually read when it ran, each with its
   sha256 (logged by the data layer, see :mod:`levelup.report._kernel`). Entries live under
   ``<static key>/<hash of the reads>/``; one is valid while every pin it read still has the same
   sha256 in ``data/sources.toml``.

So a changed input re-runs exactly the notebooks that read it, whatever else changed in the
manifest, and switching the manifest back finds the old entries again (Quarto's ``freeze``
ignores data changes; this does not).

An entry holds ``entry.json`` (notebook, edition, reads, seconds), ``executed.ipynb`` (the
executed, normalised notebook), ``out/`` (everything the notebook wrote to its ``output_dir``:
``findings/<stem>.csv``, ``figure-data/<label>.csv``) and ``boundaries.csv`` (what boundary
harmonisation did to the datasets it loaded).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

CACHE_VERSION = "1"
DATA_CONFIG_PATTERNS = (
    "*.toml",
    "*.yaml",
    "*.yml",
    "crosswalks/*.csv",
    "geography/*.csv",
    "devolution/*.csv",
)


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_path(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _digest(obj) -> str:
    return sha256_bytes(json.dumps(obj, sort_keys=True, separators=(",", ":")).encode())


@cache
def library_version() -> str:
    """Hash of every ``.py`` file of the installed ``levelup`` package (paths and contents)."""
    import levelup

    root = Path(levelup.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def lockfile(project_dir: Path) -> Path | None:
    """The project's ``uv.lock``, else the lockfile of the environment's checkout."""
    from levelup.paths import PROJECT_ROOT

    for candidate in (Path(project_dir) / "uv.lock", PROJECT_ROOT / "uv.lock"):
        if candidate.is_file():
            return candidate
    return None


def lockfile_sha256(project_dir: Path) -> str:
    path = lockfile(project_dir)
    return sha256_path(path) if path else ""


def data_config_sha256(data_dir: Path, manifest) -> str:
    """The small configuration files under ``data/`` and the shape of the manifest (no shas)."""
    data_dir = Path(data_dir)
    parts: list = []
    seen = set()
    for pattern in DATA_CONFIG_PATTERNS:
        for path in sorted(data_dir.glob(pattern)):
            if path.name == "sources.toml" or path in seen or not path.is_file():
                continue
            seen.add(path)
            parts.append([path.relative_to(data_dir).as_posix(), sha256_path(path)])
    shape = sorted([p.path, p.kind, p.collection, p.slug, p.vintage] for p in manifest)
    return _digest({"files": sorted(parts), "manifest_shape": shape})


def notebook_source_sha256(nb: Mapping) -> str:
    """Hash of what a notebook *computes*: cell types, sources and tags (no outputs or ids)."""
    cells = []
    for cell in nb.get("cells", []):
        source = cell.get("source", "")
        source = "".join(source) if isinstance(source, list) else str(source)
        tags = sorted((cell.get("metadata") or {}).get("tags") or [])
        if "injected-parameters" in tags:
            continue
        cells.append([cell.get("cell_type", ""), source, tags])
    language = ((nb.get("metadata") or {}).get("kernelspec") or {}).get("language", "python")
    return _digest({"cells": cells, "language": language})


@dataclass(frozen=True)
class KeyContext:
    """What every notebook's static key shares (computed once per build)."""

    library: str
    lockfile: str
    data_config: str
    python: str

    def static_key(
        self,
        notebook: str,
        source_sha256: str,
        parameters: Mapping,
        inputs: Mapping[str, str] | None = None,
    ) -> str:
        return _digest(
            {
                "v": CACHE_VERSION,
                "notebook": notebook,
                "source": source_sha256,
                "parameters": dict(parameters),
                "inputs": dict(inputs or {}),
                "library": self.library,
                "lockfile": self.lockfile,
                "data_config": self.data_config,
                "python": self.python,
            }
        )


def read_reads_log(path: Path) -> list[tuple[str, str]]:
    """``<pin>\\t<sha256>`` lines -> sorted unique pairs."""
    pairs = set()
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        pin, _, sha = line.partition("\t")
        if pin and sha:
            pairs.add((pin, sha))
    return sorted(pairs)


@dataclass
class Entry:
    """One cached execution."""

    dir: Path
    meta: dict

    @property
    def id(self) -> str:
        return f"{self.dir.parent.name}/{self.dir.name}"

    @property
    def executed(self) -> Path:
        return self.dir / "executed.ipynb"

    @property
    def out(self) -> Path:
        return self.dir / "out"

    @property
    def boundaries(self) -> Path:
        return self.dir / "boundaries.csv"

    @property
    def reads(self) -> list[tuple[str, str]]:
        return [tuple(r) for r in self.meta.get("reads", [])]

    @property
    def seconds(self) -> float:
        return float(self.meta.get("seconds", 0.0))

    def findings(self, stem: str) -> Path:
        return self.out / "findings" / f"{stem}.csv"

    def files(self) -> list[Path]:
        return sorted(p for p in self.out.rglob("*") if p.is_file()) if self.out.is_dir() else []


class NotebookCache:
    """``<root>/<key[:2]>/<key>/<reads hash>/``; see the module docstring."""

    def __init__(self, root: Path):
        self.root = Path(root)

    def _dir(self, static_key: str) -> Path:
        return self.root / static_key[:2] / static_key

    def lookup(self, static_key: str, pins: Mapping[str, str]) -> Entry | None:
        """The newest entry whose every read pin still has the same sha256 in ``pins``."""
        base = self._dir(static_key)
        if not base.is_dir():
            return None
        candidates = []
        for sub in base.iterdir():
            meta_path = sub / "entry.json"
            try:
                meta = json.loads(meta_path.read_text())
                candidates.append((meta_path.stat().st_mtime_ns, sub, meta))
            except (OSError, ValueError):
                continue
        for _, sub, meta in sorted(candidates, key=lambda c: c[0], reverse=True):
            if all(pins.get(pin) == sha for pin, sha in meta.get("reads", [])):
                entry = Entry(sub, meta)
                if entry.executed.exists():
                    return entry
        return None

    def store(
        self,
        static_key: str,
        executed: Path,
        out_dir: Path,
        boundaries: Path | None,
        reads: Iterable[tuple[str, str]],
        meta: Mapping,
    ) -> Entry:
        reads = sorted({tuple(r) for r in reads})
        base = self._dir(static_key)
        base.mkdir(parents=True, exist_ok=True)
        final = base / _digest(reads)[:24]
        tmp = Path(tempfile.mkdtemp(prefix=".tmp-", dir=base))
        shutil.copy2(executed, tmp / "executed.ipynb")
        if Path(out_dir).is_dir():
            shutil.copytree(out_dir, tmp / "out")
        else:
            (tmp / "out").mkdir()
        if boundaries is not None and Path(boundaries).is_file():
            shutil.copy2(boundaries, tmp / "boundaries.csv")
        full = {**meta, "static_key": static_key, "reads": [list(r) for r in reads]}
        (tmp / "entry.json").write_text(json.dumps(full, indent=1, sort_keys=True))
        if final.exists():
            shutil.rmtree(final, ignore_errors=True)
        os.replace(tmp, final)
        return Entry(final, full)

    def touch(self, entry: Entry) -> None:
        """Mark an entry as used (``levelup`` prunes entries unused for long)."""
        now = time.time()
        os.utime(entry.dir / "entry.json", (now, now))

    def prune(self, older_than_days: float = 30.0) -> int:
        """Delete entries not used for ``older_than_days``; return how many."""
        cutoff = time.time() - older_than_days * 86400
        removed = 0
        for meta_path in self.root.glob("*/*/*/entry.json"):
            try:
                if meta_path.stat().st_mtime < cutoff:
                    shutil.rmtree(meta_path.parent, ignore_errors=True)
                    removed += 1
            except OSError:
                continue
        return removed
