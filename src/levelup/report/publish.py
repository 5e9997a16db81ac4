"""Published outputs: checksum manifests, the atomic swap into ``_output/<edition>/``, immutability.

``checksums.sha256`` lists every reproducible published file (``sha256sum`` format, sorted, paths
relative to the edition directory); the build log ``build.json`` (timings, cache hits) is not
listed, so rebuilding the same commit on the same data reproduces the checksums exactly. ``levelup publish`` writes ``PUBLISHED`` (the sha256 of that checksum
manifest, the code commit and the date); from then on a build refuses to replace the edition
unless forced, and a forced build reports what differs.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import os
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from levelup.processes import pid_alive
from levelup.report.nbcache import sha256_bytes, sha256_path

CHECKSUMS = "checksums.sha256"
PUBLISHED = "PUBLISHED"
BUILD_RECORD = "build.json"
#: not reproducible outputs: the manifests themselves and the build log (timings differ on every
#: build), so an edition's checksums can be reproduced by rebuilding it
NOT_CHECKSUMMED = {CHECKSUMS, PUBLISHED, BUILD_RECORD}
VOLATILE = {BUILD_RECORD}  # differs on every build (timings): ignored when comparing outputs
DATA_MANIFEST = "data-manifest.toml"


class PublishedEditionError(RuntimeError):
    """The edition is published: it is not rebuilt in place unless forced."""


class PublishError(RuntimeError):
    """The edition cannot be marked published."""


def file_checksums(root: Path) -> dict[str, str]:
    root = Path(root)
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and rel not in NOT_CHECKSUMMED and not rel.startswith("gates/"):
            out[rel] = sha256_path(path)
    return out


def write_checksums(root: Path) -> dict[str, str]:
    sums = file_checksums(root)
    text = "".join(f"{sha}  {rel}\n" for rel, sha in sorted(sums.items()))
    (Path(root) / CHECKSUMS).write_text(text, encoding="utf-8")
    return sums


def read_checksums(root: Path) -> dict[str, str] | None:
    try:
        text = (Path(root) / CHECKSUMS).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    out = {}
    for line in text.splitlines():
        sha, _, rel = line.partition("  ")
        if sha and rel:
            out[rel] = sha
    return out


def checksums_sha256(root: Path) -> str:
    return sha256_path(Path(root) / CHECKSUMS)


def intact(root: Path, sums: dict[str, str]) -> bool:
    """Every listed file exists (a cheap check; ``verify`` re-hashes)."""
    return all((Path(root) / rel).is_file() for rel in sums)


def verify(root: Path) -> list[str]:
    """Files that differ from the checksum manifest (missing, changed, or not listed)."""
    listed = read_checksums(root)
    if listed is None:
        return [f"no {CHECKSUMS}"]
    actual = file_checksums(root)
    problems = [f"missing: {rel}" for rel in sorted(set(listed) - set(actual))]
    problems += [f"not listed: {rel}" for rel in sorted(set(actual) - set(listed))]
    problems += [
        f"changed: {rel}" for rel in sorted(set(listed) & set(actual)) if listed[rel] != actual[rel]
    ]
    return problems


@dataclass
class OutputDiff:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)

    def lines(self, limit: int = 30) -> list[str]:
        out = []
        for label, items in (
            ("added", self.added),
            ("removed", self.removed),
            ("changed", self.changed),
        ):
            for rel in items[:limit]:
                out.append(f"  {label}: {rel}")
            if len(items) > limit:
                out.append(f"  ... {len(items) - limit} more {label}")
        return out


def diff_checksums(old: dict[str, str], new: dict[str, str]) -> OutputDiff:
    old = {k: v for k, v in old.items() if k not in VOLATILE}
    new = {k: v for k, v in new.items() if k not in VOLATILE}
    return OutputDiff(
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        changed=sorted(k for k in set(old) & set(new) if old[k] != new[k]),
    )


def read_published(edition_dir: Path) -> dict | None:
    path = Path(edition_dir) / PUBLISHED
    if not path.exists():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError:
        return {"note": "unreadable PUBLISHED marker"}


def verify_inputs(edition_dir: Path, store) -> int:
    """Hash in full every pinned input file the edition read (its ``data-manifest.toml``)
    against the pin it was built with; raise :class:`PublishError` naming each mismatch.
    Returns the number of files hashed."""
    from levelup.data.fetch import DataFetchError

    path = Path(edition_dir) / DATA_MANIFEST
    if not path.exists():
        return 0
    read = tomllib.loads(path.read_text(encoding="utf-8")).get("file", [])
    problems = []
    for entry in read:
        if entry["path"] not in store.manifest:
            problems.append(f"{entry['path']}: no longer pinned in {store.manifest.path}")
        elif store.manifest.get(entry["path"]).sha256 != entry["sha256"]:
            problems.append(f"{entry['path']}: built from sha256 {entry['sha256']}, pinned now")
    try:
        store.fetch([store.manifest.get(e["path"]) for e in read if e["path"] in store.manifest])
    except DataFetchError as exc:
        problems += [f"{p}: {why}" for p, why in exc.problems]
    if problems:
        raise PublishError(
            f"the pinned input files of {edition_dir} do not verify; nothing was published:\n  "
            + "\n  ".join(problems[:20])
        )
    return len(read)


def mark_published(edition_dir: Path, edition: str, commit: str, date: str | None = None) -> dict:
    """Verify the edition against its checksums and write ``PUBLISHED``."""
    import tomli_w

    edition_dir = Path(edition_dir)
    if not (edition_dir / CHECKSUMS).exists():
        raise PublishError(
            f"{edition_dir} has no {CHECKSUMS}: build the edition first (`levelup build --edition {edition}`)"
        )
    problems = verify(edition_dir)
    if problems:
        raise PublishError(
            f"{edition_dir} does not match its {CHECKSUMS}; rebuild it before publishing:\n  "
            + "\n  ".join(problems[:20])
        )
    marker = {
        "edition": str(edition),
        "checksums_sha256": checksums_sha256(edition_dir),
        "commit": commit,
        "published": date or _dt.datetime.now(_dt.UTC).date().isoformat(),
    }
    (edition_dir / PUBLISHED).write_text(tomli_w.dumps(marker), encoding="utf-8")
    return marker


def swap_into_place(tmp: Path, final: Path) -> None:
    """Replace ``final`` by ``tmp`` atomically (renameat2 exchange where available)."""
    from levelup.report.render.engine import swap_into_place as _swap

    final.parent.mkdir(parents=True, exist_ok=True)
    _swap(tmp, final)


def discard(tmp: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(tmp)


def tmp_sibling(final: Path) -> Path:
    """A fresh staging directory ``.<name>.tmp-<pid>`` beside ``final``; staging directories
    left by killed builds (their pid no longer running) are removed first."""
    final.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_staging(final)
    tmp = final.with_name(f".{final.name}.tmp-{os.getpid()}")
    discard(tmp)
    tmp.mkdir()
    return tmp


@contextlib.contextmanager
def staging(final: Path):
    """A fresh staging directory for ``final`` (see :func:`tmp_sibling`), removed if anything
    fails; a full disk (or quota) is a :class:`PublishError` naming the path that could not be
    written and saying that nothing was published (``final`` is left as it was)."""
    tmp = None
    try:
        tmp = tmp_sibling(final)
        yield tmp
    except OSError as exc:
        if tmp is not None:
            discard(tmp)
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise PublishError(
            f"could not write {exc.filename or tmp or final}: {exc.strerror or exc}; "
            f"nothing was published ({final} is unchanged). Free some disk space and build again."
        ) from exc
    except BaseException:
        if tmp is not None:
            discard(tmp)
        raise


def clean_stale_staging(final: Path) -> list[Path]:
    """Remove ``.<name>.tmp-<pid>`` siblings of ``final`` whose process is gone (a killed
    build); a running build's staging directory is left alone. Returns what was removed."""
    removed = []
    for path in Path(final).parent.glob(f".{final.name}.tmp-*"):
        pid = path.name.rsplit("-", 1)[-1]
        if pid.isdigit() and not pid_alive(int(pid)):
            discard(path) if path.is_dir() else path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def text_sha256(text: str) -> str:
    return sha256_bytes(text.encode("utf-8"))
