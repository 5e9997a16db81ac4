"""Get every pinned file onto this machine, verified against its sha256 and size.

Two ways in, one rule: nothing is used until its bytes match the pin.

* **mirror** (``--mirror DIR`` / ``LEVELUP_DATA_MIRROR``, else ``../shared/data`` beside the
  project when it exists, as the Makefile resolves it): files are read in place from a local,
  read-only copy of the upstream files.
* **download** (no mirror found, or ``LEVELUP_DATA_MIRROR`` set empty): files are fetched from
  their pinned upstream URL (a fixed commit) into the cache. The first host that cannot be reached
  stops the fetch with one line saying so.

A verified file is remembered in ``<cache>/verified.json`` by what git's index keys on — inode,
ctime, size and mtime — so that rebuilds do not re-hash 100 MB of CSVs. A user can restore a
file's mtime but not its ctime or inode: any write to the file invalidates the stamp. ``rehash``
(``levelup publish``, ``levelup data validate``, ``levelup data fetch --rehash`` in CI) ignores
the stamps and hashes every file in full. See docs/threat-model.md.

A pin whose path could leave the mirror or cache (absolute, or with ``..``) or whose URL is not
https is refused before anything is read or written (:func:`levelup.data.sources.unsafe_pin`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from levelup.data.sources import Manifest, PinnedFile, unsafe_pin
from levelup.paths import default_cache_dir, default_mirror

CHUNK = 1 << 20


#: How to point the commands at a data mirror; ends every "no data source" message.
MIRROR_FIX = (
    "set LEVELUP_DATA_MIRROR to a copy of the data mirror or pass --mirror DIR "
    "(../shared/data beside the project is used when it exists)"
)
MAX_LISTED = 10


class DataFetchError(RuntimeError):
    """One or more pinned files could not be obtained or failed verification.

    ``summary`` replaces the per-file list when one cause explains every failure (no data source,
    an unreachable host); otherwise at most ``MAX_LISTED`` files are listed.
    """

    def __init__(self, problems: list[tuple[str, str]], summary: str | None = None):
        self.problems = problems
        if summary is not None:
            super().__init__(summary)
            return
        if len(problems) == 1:
            path, reason = problems[0]
            super().__init__(f"pinned data file {path}: {reason}; nothing was built")
            return
        lines = [f"{len(problems)} pinned data files could not be verified; nothing was built:"]
        lines += [f"  - {path}: {reason}" for path, reason in problems[:MAX_LISTED]]
        if len(problems) > MAX_LISTED:
            lines.append(f"  ... and {len(problems) - MAX_LISTED} more")
        super().__init__("\n".join(lines))


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class FetchReport:
    verified: list[str] = field(default_factory=list)
    downloaded: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)


class DataStore:
    """Resolves pinned files to verified local paths."""

    def __init__(
        self,
        manifest: Manifest | None = None,
        mirror: Path | None = None,
        cache_dir: Path | None = None,
        allow_download: bool = True,
        timeout: float = 60.0,
        rehash: bool = False,
    ):
        self.manifest = manifest or Manifest.load()
        self.mirror = Path(mirror).resolve() if mirror else default_mirror()
        if self.mirror is not None and not self.mirror.is_dir():
            raise DataFetchError([], f"data mirror {self.mirror} is not a directory; {MIRROR_FIX}")
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.allow_download = allow_download
        self.timeout = timeout
        self.rehash = rehash
        self._hashed: set[str] = set()  # files hashed in full by this store (rehash: once each)
        self._stamps_path = self.cache_dir / "verified.json"
        self._stamps: dict[str, list] | None = None
        self._dirty = False

    # ------------------------------------------------------------------ stamps
    def _load_stamps(self) -> dict[str, list]:
        if self._stamps is None:
            try:
                self._stamps = json.loads(self._stamps_path.read_text())
            except (FileNotFoundError, json.JSONDecodeError):
                self._stamps = {}
        return self._stamps

    def _save_stamps(self) -> None:
        if not self._dirty:
            return
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        merged = {}
        with contextlib.suppress(
            FileNotFoundError, json.JSONDecodeError
        ):  # keep concurrent writers' stamps
            merged = json.loads(self._stamps_path.read_text())
        merged.update(self._stamps or {})
        fd, tmp = tempfile.mkstemp(dir=self.cache_dir, prefix=".verified-")
        with os.fdopen(fd, "w") as handle:
            json.dump(merged, handle, sort_keys=True)
        os.replace(tmp, self._stamps_path)
        self._dirty = False

    @staticmethod
    def _stat_key(local: Path) -> list[int]:
        """What the stamp keys on (as git's index does): what a user cannot restore (inode,
        ctime) as well as what they can (size, mtime)."""
        stat = local.stat()
        return [stat.st_ino, stat.st_ctime_ns, stat.st_size, stat.st_mtime_ns]

    def _verified(self, local: Path, pin: PinnedFile) -> bool:
        if self.rehash and str(local) not in self._hashed:
            return False
        stamp = self._load_stamps().get(str(local))
        return stamp == [*self._stat_key(local), pin.sha256]

    def _stamp(self, local: Path, pin: PinnedFile) -> None:
        self._load_stamps()[str(local)] = [*self._stat_key(local), pin.sha256]
        self._hashed.add(str(local))
        self._dirty = True

    # ------------------------------------------------------------------ verify
    @staticmethod
    def check_bytes(local: Path, pin: PinnedFile) -> str | None:
        """Why ``local`` does not match ``pin`` (None when it matches)."""
        size = local.stat().st_size
        if size != pin.bytes:
            what = "truncated" if size < pin.bytes else "larger than pinned"
            return f"{what}: {size} bytes on disk, {pin.bytes} pinned"
        digest = sha256_file(local)
        if digest != pin.sha256:
            return f"checksum mismatch: sha256 {digest} on disk, {pin.sha256} pinned"
        return None

    def _cache_path(self, pin: PinnedFile) -> Path:
        root = (self.cache_dir / "files").resolve()
        target = (root / pin.path).resolve()
        if not target.is_relative_to(root):  # never written outside the cache
            raise _Problem(f"unsafe pin: {pin.path} resolves outside the cache {root}")
        return self.cache_dir / "files" / pin.path

    def _download(self, pin: PinnedFile, target: Path) -> None:
        if not pin.url:
            raise _Problem(f"no upstream URL (held only in data mirrors): {MIRROR_FIX}")
        target.parent.mkdir(parents=True, exist_ok=True)
        part = target.with_name(target.name + ".part")
        try:
            with (
                urllib.request.urlopen(pin.url, timeout=self.timeout) as response,
                part.open("wb") as out,
            ):
                while block := response.read(CHUNK):
                    out.write(block)
        except urllib.error.HTTPError as exc:
            part.unlink(missing_ok=True)
            raise _Problem(f"HTTP {exc.code} {exc.reason} from {pin.url}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            part.unlink(missing_ok=True)
            reason = getattr(exc, "reason", exc)
            host = urllib.parse.urlsplit(pin.url).hostname
            raise _Unreachable(
                f"cannot download the pinned data: {host} cannot be reached ({reason}); "
                f"check the network, or {MIRROR_FIX}"
            ) from None
        problem = self.check_bytes(part, pin)
        if problem:
            part.unlink(missing_ok=True)
            raise _Problem(f"downloaded file rejected ({problem}) from {pin.url}")
        os.replace(part, target)

    def _resolve(self, pin: PinnedFile, report: FetchReport | None = None) -> Path:
        unsafe = unsafe_pin(pin.path, pin.url)
        if unsafe:
            raise _Problem(f"unsafe pin: {unsafe}")
        if self.mirror is not None:
            local = self.mirror / pin.path
            if not local.exists():
                raise _Problem(f"missing from mirror {self.mirror}")
        else:
            local = self._cache_path(pin)
            if not local.exists():
                if not self.allow_download:
                    raise _Problem("not in the cache; run `levelup data fetch` first")
                self._download(pin, local)
                if report is not None:
                    report.downloaded.append(pin.path)
                self._stamp(local, pin)
                return local
        if self._verified(local, pin):
            return local
        problem = self.check_bytes(local, pin)
        if problem:
            raise _Problem(
                problem
                + (
                    f" (in mirror {self.mirror})"
                    if self.mirror
                    else " (in cache; delete it to re-download)"
                )
            )
        self._stamp(local, pin)
        return local

    # ------------------------------------------------------------------ API
    def verified_sha256(self, file: str | PinnedFile) -> str:
        """The sha256 of one pinned file's bytes as verified on this machine (raises
        DataFetchError when they do not match the pin): the key for anything parsed from them."""
        return self._load_stamps()[str(self.path(file))][-1]

    def path(self, file: str | PinnedFile) -> Path:
        """The verified local path of one pinned file; raises DataFetchError naming the file."""
        pin = file if isinstance(file, PinnedFile) else self.manifest.get(file)
        try:
            local = self._resolve(pin)
        except _Problem as exc:
            raise DataFetchError([(pin.path, str(exc))]) from None
        finally:
            self._save_stamps()
        reads_log = os.environ.get("LEVELUP_READS_LOG")
        if reads_log:  # the build records which pinned inputs each notebook read (its cache key)
            with open(reads_log, "a", encoding="utf-8") as handle:
                handle.write(f"{pin.path}\t{pin.sha256}\n")
        return local

    def fetch(
        self, files: Iterable[PinnedFile] | None = None, progress: bool = True
    ) -> FetchReport:
        """Verify (and download where needed) every pinned file; raise listing all failures."""
        pins = list(files) if files is not None else list(self.manifest)
        report = FetchReport()
        if self.mirror is None and self.allow_download:
            mirror_only = [p for p in pins if not p.url and not self._cache_path(p).exists()]
            if mirror_only:
                raise DataFetchError(
                    [(p.path, "no upstream URL") for p in mirror_only],
                    f"no data mirror found and {len(mirror_only)} pinned files (e.g. "
                    f"{mirror_only[0].path}) have no upstream URL: {MIRROR_FIX}",
                )
        iterator = pins
        if progress:
            from rich.progress import track

            source = f"mirror {self.mirror}" if self.mirror else "upstream"
            iterator = track(
                pins, description=f"Verifying {len(pins)} pinned files ({source})", transient=True
            )
        for pin in iterator:
            try:
                self._resolve(pin, report)
                report.verified.append(pin.path)
            except _Unreachable as exc:
                self._save_stamps()
                raise DataFetchError([(pin.path, str(exc))], str(exc)) from None
            except _Problem as exc:
                report.problems.append((pin.path, str(exc)))
        self._save_stamps()
        if report.problems:
            raise DataFetchError(report.problems)
        return report


class _Problem(Exception):
    """Internal: why one file failed; collected into DataFetchError."""


class _Unreachable(_Problem):
    """Internal: a host could not be reached; no point trying the other files."""
