"""The data manifest: every input file pinned by upstream URL, sha256 and size (``data/sources.toml``)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from levelup import config_files
from levelup.paths import PROJECT_ROOT

DEFAULT_MANIFEST = PROJECT_ROOT / "data" / "sources.toml"


@dataclass(frozen=True)
class PinnedFile:
    """One input file as pinned in the manifest."""

    path: str  # relative to a mirror root, e.g. els/2026-06-26/claimant-count/claimant-count.csv
    kind: str  # els, els-history, sdg, population, curated, raw, metadata
    collection: str
    slug: str
    vintage: str
    url: str
    sha256: str
    bytes: int
    licence: str
    publisher: str
    description: str
    origin: str  # "upstream" (fetchable from url) or "mirror" (a transcription only a mirror holds)
    upstream_repo: str = ""
    upstream_commit: str = ""
    upstream_path: str = ""

    @property
    def id(self) -> str:
        return self.path


_LOOPBACK = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:", "http://[::1]:")


def unsafe_pin(path: str, url: str) -> str:
    """Why a pin's path or URL is unsafe ("" when safe): a path must stay inside the mirror or
    cache (relative, no ``..``, no backslash) and an upstream URL must be https (or plain http
    to this machine's loopback address, which no one else can intercept: the download tests)."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith(("/", "\\")) or ":" in parts[0] or ".." in parts:
        return f"path {path!r} is absolute or contains '..' (it must stay inside the data folder)"
    if url and not url.startswith(("https://", *_LOOPBACK)):
        return f"url {url!r} is not https"
    return ""


class ManifestError(ValueError):
    """A manifest row that is unsafe to fetch (see :func:`unsafe_pin`)."""


class Manifest:
    """The set of pinned files, with lookups by path and by (collection, vintage, slug)."""

    def __init__(self, files: list[PinnedFile], path: Path | None = None):
        self.files = files
        self.path = path
        self._by_path = {f.path: f for f in files}

    @classmethod
    def load(cls, path: Path = DEFAULT_MANIFEST) -> Manifest:
        document = config_files.read_toml(path)
        fields = PinnedFile.__dataclass_fields__
        files = [
            PinnedFile(**{k: v for k, v in entry.items() if k in fields})
            for entry in document["file"]
        ]
        unsafe = [f"{f.path}: {why}" for f in files if (why := unsafe_pin(f.path, f.url))]
        if unsafe:
            raise ManifestError(f"{path}: unsafe pin(s), nothing fetched: " + "; ".join(unsafe))
        return cls(files, path)

    def __iter__(self):
        return iter(self.files)

    def __len__(self) -> int:
        return len(self.files)

    def __contains__(self, path: str) -> bool:
        return path in self._by_path

    def get(self, path: str) -> PinnedFile:
        try:
            return self._by_path[path]
        except KeyError:
            raise KeyError(f"{path} is not pinned in {self.path or 'the data manifest'}") from None

    def select(
        self, collection: str | None = None, vintage: str | None = None, kind: str | None = None
    ):
        return [
            f
            for f in self.files
            if (collection is None or f.collection == collection)
            and (vintage is None or f.vintage == vintage)
            and (kind is None or f.kind == kind)
        ]

    @cached_property
    def sha256(self) -> str:
        """Hash of the manifest file itself: identifies the whole pinned data set."""
        if self.path is None:
            text = "\n".join(f"{f.path} {f.sha256}" for f in self.files)
            return hashlib.sha256(text.encode()).hexdigest()
        return hashlib.sha256(self.path.read_bytes()).hexdigest()
