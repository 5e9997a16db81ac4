"""Pins for input files: build ``data/sources.toml`` entries from a data mirror's own listings.

Nothing is typed by hand: upstream URL, commit, sha256 and size come from the mirror's
``MANIFEST.csv`` files (ELS, SDG) and the file tables of ``SOURCES.md`` (population, curated);
descriptions and publishers come from the ELS metadata JSON next to each CSV. Files a listing
does not hash (the curated transcriptions) are hashed from the mirror and marked
``origin = "mirror"`` because no upstream copy exists.

Used by ``scripts/generate_sources.py`` (the whole mirror) and ``levelup edition new`` (one
new vintage).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from pathlib import Path

import tomli_w

from levelup.data.sources import ManifestError, unsafe_pin

ELS_PUBLISHER = "Office for National Statistics (Explore Local Statistics)"
OGL = "OGL-3.0"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def els_metadata(csv_path: Path) -> tuple[str, str]:
    """(description, publisher) from the ELS metadata JSON beside an indicator CSV."""
    meta_path = csv_path.with_suffix(".json")
    if not meta_path.exists():
        return "", ELS_PUBLISHER
    meta = json.loads(meta_path.read_text(encoding="utf-8-sig"))
    ess = meta.get("ess-beta-metadata", {})
    shared = ess.get("shared", ess)
    labels = [v.get("label") for k, v in ess.items() if k != "shared" and isinstance(v, dict)]
    label = ess.get("label") or meta.get("title") or "; ".join(x for x in labels if x)
    subtitle = ess.get("subtitle") or meta.get("summary") or ""
    org = shared.get("sourceOrg") or ""
    description = f"{label}: {subtitle}".strip(": ") if subtitle else (label or "")
    publisher = f"{org} via ONS Explore Local Statistics" if org else ELS_PUBLISHER
    return description, publisher


def els_entries(mirror: Path) -> list[dict]:
    entries = []
    with (mirror / "els" / "MANIFEST.csv").open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        for row in reader:
            path = row["path"]
            unsafe = unsafe_pin(path, row["upstream_url"])
            if unsafe:  # refused before its path is read or written
                raise ManifestError(
                    f"{mirror / 'els' / 'MANIFEST.csv'} line {reader.line_num}: unsafe pin: {unsafe}"
                )
            vintage = row["vintage"]
            parts = Path(path).parts  # els/<vintage>/<slug>/<file> or els/history/<slug>/<file>
            if parts[1] == "history":
                slug = parts[2]
                vintage = Path(path).stem.split("_")[0]  # commit date of that version
                kind = "els-history"
            else:
                slug = parts[2]
                kind = "els"
            description, publisher = ("", ELS_PUBLISHER)
            if path.endswith(".csv"):
                description, publisher = els_metadata(mirror / path)
            else:
                description = f"ELS metadata for {slug}"
            entries.append(
                {
                    "path": path,
                    "kind": kind if path.endswith(".csv") else "metadata",
                    "collection": "els",
                    "slug": slug,
                    "vintage": vintage,
                    "url": row["upstream_url"],
                    "upstream_repo": row["upstream_repo"],
                    "upstream_commit": row["upstream_commit"],
                    "upstream_path": row["upstream_path"],
                    "sha256": row["sha256"],
                    "bytes": int(row["bytes"]),
                    "licence": row["licence"],
                    "publisher": publisher,
                    "description": description,
                    "origin": "upstream",
                }
            )
    return entries


def sdg_entries(mirror: Path) -> list[dict]:
    entries = []
    for manifest in sorted((mirror / "sdg").glob("*/MANIFEST.csv")):
        vintage = manifest.parent.name
        with manifest.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                path = row["path"]
                code = Path(path).stem.replace("indicator_", "")
                is_data = "/data/" in path
                entries.append(
                    {
                        "path": path,
                        "kind": "sdg" if is_data else "metadata",
                        "collection": "sdg",
                        "slug": code,
                        "vintage": vintage,
                        "url": row["upstream_url"],
                        "upstream_repo": row["upstream_repo"],
                        "upstream_commit": row["upstream_commit"],
                        "upstream_path": row["upstream_path"],
                        "sha256": row["sha256"],
                        "bytes": int(row["bytes"]),
                        "licence": row["licence"],
                        "publisher": "Office for National Statistics (UK SDG data platform)",
                        "description": f"UK SDG indicator {code} ({'data' if is_data else 'metadata'})",
                        "origin": "upstream",
                    }
                )
    return entries


_TABLE_ROW = re.compile(
    r"^\|\s*`(?P<path>[^`]+)`\s*\|\s*`(?P<sha>[0-9a-f]{64})`\s*\|\s*(?P<bytes>\d+)\s*\|\s*(?P<what>[^|]*)\|"
)
_RAW_URL = re.compile(
    r"https://raw\.githubusercontent\.com/(?P<repo>[^/]+/[^/]+)/(?P<commit>[0-9a-f]{40})/(?P<path>\S+)"
)


def _raw_urls(text: str) -> dict[str, re.Match]:
    """Upstream raw URLs named in a SOURCES.md, keyed by file name."""
    return {Path(m.group("path")).name: m for m in _RAW_URL.finditer(text)}


def _github_copy_urls(text: str) -> dict[str, tuple[str, str, str]]:
    """(repo, commit, path) of workbooks SOURCES.md says were found at 'GitHub `repo`, path `p`'.

    The commit is the 'newest stored commit' given in the same bullet.
    """
    found = {}
    pattern = re.compile(
        r"GitHub `(?P<repo>[^`]+)`, path `(?P<path>[^`]+)`(?P<rest>.*?)(?:newest stored commit|HEAD) `(?P<commit>[0-9a-f]{40})`",
        re.S,
    )
    for match in pattern.finditer(text):
        if len(match.group("rest")) > 600:
            continue
        found[Path(match.group("path")).name] = (
            match.group("repo"),
            match.group("commit"),
            match.group("path"),
        )
    return found


def listed_entries(mirror: Path, folder: str, publisher: str) -> list[dict]:
    """Files of a folder whose SOURCES.md lists them with sha256 (population, curated raw)."""
    text = (mirror / folder / "SOURCES.md").read_text(encoding="utf-8")
    raw_urls = _raw_urls(text)
    copies = _github_copy_urls(text)
    entries = []
    seen = set()
    for line in text.splitlines():
        match = _TABLE_ROW.match(line)
        if not match:
            continue
        rel = match.group("path")
        path = rel if rel.startswith(folder + "/") else f"{folder}/{rel}"
        if path in seen:
            continue
        seen.add(path)
        name = Path(path).name
        url = repo = commit = upstream_path = ""
        origin = "mirror"
        if name in raw_urls:
            m = raw_urls[name]
            url, repo, commit, upstream_path = (
                m.group(0),
                m.group("repo"),
                m.group("commit"),
                m.group("path"),
            )
            origin = "upstream"
        elif name in copies:
            repo, commit, upstream_path = copies[name]
            url = f"https://raw.githubusercontent.com/{repo}/{commit}/{upstream_path}"
            origin = "upstream"
        entries.append(
            {
                "path": path,
                "kind": "raw" if "/raw/" in path else folder,
                "collection": folder,
                "slug": Path(path).stem,
                "vintage": "",
                "url": url,
                "upstream_repo": repo,
                "upstream_commit": commit,
                "upstream_path": upstream_path,
                "sha256": match.group("sha"),
                "bytes": int(match.group("bytes")),
                "licence": OGL,
                "publisher": publisher,
                "description": match.group("what").strip(),
                "origin": origin,
            }
        )
    return entries


def curated_entries(mirror: Path) -> list[dict]:
    """Curated transcriptions: listed by name in SOURCES.md, hashed here (no upstream copy)."""
    text = (mirror / "curated" / "SOURCES.md").read_text(encoding="utf-8")
    table = {}
    for line in text.splitlines():
        m = re.match(
            r"^\|\s*`(?P<file>[^`/]+\.csv)`\s*\|\s*(?P<rows>\d+)\s*\|\s*(?P<what>[^|]+)\|", line
        )
        if m:
            table[m.group("file")] = m.group("what").strip()
    # tables added in later passes are introduced by a heading naming the file
    for m in re.finditer(r"^### (?P<what>[^\n(]*?)\s*\(`(?P<file>[^`]+\.csv)`", text, re.M):
        table.setdefault(m.group("file"), m.group("what").split(":", 1)[-1].strip().capitalize())
    listed = set(table)
    on_disk = {p.name for p in (mirror / "curated").glob("*.csv")}
    if on_disk - listed:
        raise SystemExit(
            f"curated files not described in curated/SOURCES.md: {sorted(on_disk - listed)}"
        )
    entries = listed_entries(
        mirror, "curated", "Project curation of official publications (see curated/SOURCES.md)"
    )
    copied = re.compile(
        r"Copied byte-identical to `(?P<path>raw/[^`]+)` \((?P<bytes>[\d,]+) bytes\),\s*sha256 (?P<sha>[0-9a-f]{64})"
    )
    for m in copied.finditer(text):
        entries.append(
            {
                "path": f"curated/{m.group('path')}",
                "kind": "raw",
                "collection": "curated",
                "slug": Path(m.group("path")).stem,
                "vintage": "",
                "url": "",
                "upstream_repo": "",
                "upstream_commit": "",
                "upstream_path": "",
                "sha256": m.group("sha"),
                "bytes": int(m.group("bytes").replace(",", "")),
                "licence": OGL,
                "publisher": "Ministry of Housing, Communities and Local Government",
                "description": "Live Table 104 workbook (source of dwelling_stock_by_tenure.csv)",
                "origin": "mirror",
            }
        )
    for name, what in sorted(table.items()):
        path = mirror / "curated" / name
        entries.append(
            {
                "path": f"curated/{name}",
                "kind": "curated",
                "collection": "curated",
                "slug": Path(name).stem,
                "vintage": "",
                "url": "",
                "upstream_repo": "",
                "upstream_commit": "",
                "upstream_path": "",
                "sha256": sha256_of(path),
                "bytes": path.stat().st_size,
                "licence": OGL,
                "publisher": "Transcribed from official publications cited row by row (curated/SOURCES.md)",
                "description": what,
                "origin": "mirror",
            }
        )
    return entries


_SECTION = re.compile(r"(?m)^(?=### )")
_SHA = re.compile(r"\b([0-9a-f]{64})\b")
_BLOB = re.compile(r"\b([0-9a-f]{8,40})(?:…|\b)")


def git_blob_id(path: Path) -> str:
    """Git's object id of a file (``git hash-object``): sha1 of ``blob <size>\\0`` + content."""
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _mention_spans(text: str, name: str) -> list[str]:
    """The table row or bullet in which ``name`` is mentioned, each from the mention onwards."""
    spans = []
    for match in re.finditer(re.escape(name), text):
        rest = text[match.end() :]
        end = re.search(r"\n\s*(?:- |\||\n)", rest)
        line_start = text.rfind("\n", 0, match.start()) + 1
        spans.append(text[line_start : match.end() + (end.start() if end else len(rest))])
    return spans


def copied_folder_entries(mirror: Path) -> list[dict]:
    """Files of the curated sub-folders (fourth and fifth passes): copies of upstream git blobs.

    Each file is pinned by the sha256 that ``curated/SOURCES.md`` prints in the file's own table
    row or bullet (checked against the bytes: a mismatch stops the generation). A file for which
    SOURCES.md prints only a git blob id is checked against that id and hashed here; files that
    SOURCES.md names without any hash (tidy CSVs and the scripts that made them, schema files)
    are hashed here. Publisher and licence come from the section that describes the folder.
    """
    root = mirror / "curated"
    text = (root / "SOURCES.md").read_text(encoding="utf-8")
    sections = [s for s in _SECTION.split(text) if s.startswith("### ")]
    entries = []
    for path in sorted(p for p in root.glob("*/*") if p.is_file() and p.parent.name != "raw"):
        folder = path.parent.name
        rel = f"{folder}/{path.name}"
        named = re.compile(r"(?<![\w.-])" + re.escape(path.name))
        in_folder = [s for s in sections if f"`{folder}/" in s or f"{folder}/`" in s]
        section = next(
            (s for s in in_folder if named.search(s)),
            next((s for s in sections if named.search(s)), in_folder[0] if in_folder else ""),
        )
        if not section:
            raise SystemExit(f"curated folder not described in curated/SOURCES.md: {folder}/")
        actual = sha256_of(path)
        spans = _mention_spans(text, path.name)
        printed = next((m.group(1) for s in spans for m in [_SHA.search(s)] if m), "")
        note = "sha256 as printed in curated/SOURCES.md"
        if printed and printed != actual:
            raise SystemExit(
                f"curated/{rel}: sha256 {actual} differs from the {printed} curated/SOURCES.md prints"
            )
        if not printed:
            blob = git_blob_id(path)
            prefixes = [m.group(1) for s in spans for m in _BLOB.finditer(s)]
            if any(blob.startswith(p) for p in prefixes if len(p) < 64):
                note = f"git blob {blob} as listed in curated/SOURCES.md; sha256 computed here"
            else:
                note = "no hash printed in curated/SOURCES.md; sha256 computed here"
        section_id = section.split("\n", 1)[0].removeprefix("### ").strip()
        repo = re.search(r"GitHub `([^`/]+/[^`]+)`", section)
        licence = re.search(r"Licence: \**([^.*\n(]+)", section)
        entries.append(
            {
                "path": f"curated/{rel}",
                "kind": "curated-copy",
                "collection": "curated",
                "slug": path.stem,
                "vintage": "",
                "url": "",
                "upstream_repo": repo.group(1) if repo else "",
                "upstream_commit": "",
                "upstream_path": "",
                "sha256": actual,
                "bytes": path.stat().st_size,
                "licence": licence.group(1).strip()
                if licence
                else f"see curated/SOURCES.md ({section_id})",
                "publisher": f"Copied from a public repository (curated/SOURCES.md, {section_id})",
                "description": note,
                "origin": "mirror",
            }
        )
    return entries


def generate(mirror: Path) -> dict:
    """The whole manifest document for a mirror."""
    files = (
        els_entries(mirror)
        + sdg_entries(mirror)
        + listed_entries(
            mirror, "population", "Office for National Statistics (mid-year population estimates)"
        )
        + curated_entries(mirror)
        + copied_folder_entries(mirror)
    )
    files.sort(key=lambda e: e["path"])
    paths = [e["path"] for e in files]
    if len(paths) != len(set(paths)):
        dupes = sorted({p for p in paths if paths.count(p) > 1})
        raise SystemExit(f"duplicate paths in listings: {dupes}")
    for entry in files:
        entry["id"] = entry["path"]
    return {
        "about": {
            "generated_by": "scripts/generate_sources.py",
            "description": "Every input file levelup reads, pinned by sha256 and size, with its upstream URL at a fixed commit.",
        },
        "file": files,
    }


def dumps(document: dict) -> str:
    """The TOML text of a manifest document (stable formatting)."""
    return tomli_w.dumps(document, multiline_strings=False)
