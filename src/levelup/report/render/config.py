"""Reading a Quarto book project: ``_quarto.yml`` merged with its profile files.

Merging follows Quarto itself (``mergeProjectMetadata`` in quarto-cli): maps merge deeply, scalars
from the profile win, and *arrays are concatenated with duplicates removed* (lodash ``uniqBy`` on the
JSON form) -- not replaced. Several profiles (``"2026,draft"``) are merged with the first listed taking
priority, then ``_quarto.yml.local`` if present, exactly as ``quarto render --profile`` does.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from levelup import config_files, quarto_vars

from .errors import Problem, RenderError

DEFAULT_CROSSREF = {
    "fig-title": "Figure",
    "tbl-title": "Table",
    "fig-prefix": "Figure",
    "tbl-prefix": "Table",
    "sec-prefix": "Section",
    "eq-prefix": "Equation",
    "ch-prefix": "Chapter",
    "title-delim": ":",
}

CALLOUT_TITLES = {
    "note": "Note",
    "warning": "Warning",
    "tip": "Tip",
    "important": "Important",
    "caution": "Caution",
}


def _js_falsy(value: Any) -> bool:
    return value is None or value is False or value == "" or (isinstance(value, int) and value == 0)


def _json_key(value: Any) -> str:
    return json.dumps(value, sort_keys=False, default=str, ensure_ascii=False)


def quarto_merge(base: Any, over: Any, key: str | None = None) -> Any:
    """Merge ``over`` onto ``base`` with Quarto's project-metadata semantics (see module docstring)."""
    if key == "contents" and isinstance(base, str):
        return copy.deepcopy(over)
    if isinstance(base, list) or isinstance(over, list):
        if _js_falsy(base):
            return copy.deepcopy(over)
        if _js_falsy(over):
            return copy.deepcopy(base)
        combined = (base if isinstance(base, list) else [base]) + (
            over if isinstance(over, list) else [over]
        )
        seen: set[str] = set()
        out = []
        for item in combined:
            k = _json_key(item)
            if k not in seen:
                seen.add(k)
                out.append(copy.deepcopy(item))
        return out
    if isinstance(base, dict) and isinstance(over, dict):
        merged = copy.deepcopy(base)
        for k, v in over.items():
            merged[k] = quarto_merge(merged.get(k), v, k) if k in merged else copy.deepcopy(v)
        return merged
    return copy.deepcopy(over)


def _read_yaml(path: Path) -> dict:
    try:
        data = config_files.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise RenderError(
            Problem(path.name, (mark.line + 1) if mark else 0, f"invalid YAML: {exc}")
        ) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise RenderError(Problem(path.name, 1, "expected a YAML mapping"))
    return data


def _find_config(project_dir: Path, stem: str) -> Path | None:
    for ext in (".yml", ".yaml"):
        p = project_dir / f"{stem}{ext}"
        if p.exists():
            return p
    return None


@dataclass
class ChapterSpec:
    """One page of the book, in reading order."""

    source: str  # posix path relative to the project, e.g. "chapters/02-health.qmd"
    page: str  # output page relative to the site root, e.g. "chapters/02-health.html"
    part: str | None = None
    appendix: bool = False
    position: int = 0

    @property
    def key(self) -> str:
        """A short identifier usable in labels and file names."""
        return re.sub(
            r"[^A-Za-z0-9]+", "-", PurePosixPath(self.source).with_suffix("").as_posix()
        ).strip("-")


@dataclass
class BookConfig:
    project_dir: Path
    profile: str
    config: dict
    files: list[str]
    chapters: list[ChapterSpec]
    warnings: list[str] = field(default_factory=list)

    @property
    def book(self) -> dict:
        return self.config.get("book") or {}

    @property
    def title(self) -> str:
        return str(self.book.get("title") or self.config.get("title") or "Untitled book")

    @property
    def subtitle(self) -> str | None:
        v = self.book.get("subtitle") or self.config.get("subtitle")
        return str(v) if v else None

    @property
    def authors(self) -> list[str]:
        a = self.book.get("author") or self.config.get("author") or []
        items = a if isinstance(a, list) else [a]
        return [str(x.get("name", "")) if isinstance(x, dict) else str(x) for x in items if x]

    @property
    def publisher(self) -> str | None:
        """The organisation that publishes the book (Quarto's ``publisher``), for the title page."""
        v = self.book.get("publisher") or self.config.get("publisher")
        return str(v) if v else None

    @property
    def date(self) -> str | None:
        v = self.book.get("date") or self.config.get("date")
        return str(v) if v else None

    @property
    def lang(self) -> str:
        return str(self.config.get("lang") or "en-GB")

    @property
    def bibliography(self) -> list[Path]:
        b = self.config.get("bibliography") or self.book.get("bibliography") or []
        items = b if isinstance(b, list) else [b]
        return [self.project_dir / str(x) for x in items]

    @property
    def csl(self) -> Path | None:
        c = self.config.get("csl") or self.book.get("csl")
        return self.project_dir / str(c) if c else None

    @property
    def crossref(self) -> dict:
        merged = dict(DEFAULT_CROSSREF)
        merged.update({k: str(v) for k, v in (self.config.get("crossref") or {}).items()})
        return merged

    def format_options(self, fmt: str) -> dict:
        formats = self.config.get("format") or {}
        opts = formats.get(fmt) if isinstance(formats, dict) else None
        return opts if isinstance(opts, dict) else {}

    @property
    def number_depth(self) -> int:
        for src in (self.format_options("html"), self.config):
            if "number-depth" in src:
                return int(src["number-depth"])
        return 3

    @property
    def number_sections(self) -> bool:
        v = self.config.get("number-sections", self.format_options("html").get("number-sections"))
        return True if v is None else bool(v)

    @property
    def output_file(self) -> str:
        name = self.book.get("output-file") or self.config.get("output-file")
        if name:
            return str(name).removesuffix(".pdf")
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "book"

    def meta_lookup(self, dotted: str) -> tuple[bool, Any]:
        """Look up ``book.title``-style keys in the merged project config (then under ``book:``)."""
        for root in (self.config, self.book):
            found, value = dotted_get(root, dotted)
            if found:
                return True, value
        return False, None


def dotted_get(mapping: Any, dotted: str) -> tuple[bool, Any]:
    """``(found, value)`` for a ``{{< var >}}``/``{{< meta >}}`` path, by Quarto's rules: a
    numeric segment indexes a list from 1 and never reaches a map key (``levelup.quarto_vars``)."""
    return quarto_vars.resolve(mapping, dotted)


def page_for(source: str) -> str:
    p = PurePosixPath(source)
    return p.with_suffix(".html").as_posix()


def _chapter_entries(
    entries: Any, part: str | None, appendix: bool, out: list[ChapterSpec], where: str
):
    if entries is None:
        return
    if not isinstance(entries, list):
        raise RenderError(Problem("_quarto.yml", 0, f"{where} must be a list"))
    for entry in entries:
        if isinstance(entry, str):
            out.append(
                ChapterSpec(
                    source=PurePosixPath(entry).as_posix(),
                    page=page_for(entry),
                    part=part,
                    appendix=appendix,
                )
            )
        elif isinstance(entry, dict) and "part" in entry:
            _chapter_entries(entry.get("chapters") or [], str(entry["part"]), appendix, out, where)
        elif isinstance(entry, dict) and "href" in entry:
            src = str(entry["href"])
            out.append(ChapterSpec(source=src, page=page_for(src), part=part, appendix=appendix))
        else:
            raise RenderError(Problem("_quarto.yml", 0, f"unsupported entry in {where}: {entry!r}"))


def _dotenv_profile(project_dir: Path) -> str | None:
    """``QUARTO_PROFILE`` from ``_environment.local`` or ``_environment``, which Quarto prefers to
    ``profile: default:`` (``dotenvQuartoProfile``, quarto-cli ``src/quarto-core/dotenv.ts``)."""
    for name in ("_environment.local", "_environment"):
        path = project_dir / name
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                key, sep, value = line.partition("=")
                if sep and key.strip() == "QUARTO_PROFILE":
                    return value.strip().strip("\"'")
    return None


def load_book_config(project_dir: Path, profile: str | None) -> BookConfig:
    """Read ``_quarto.yml`` and merge the active profile(s) the way ``quarto render --profile`` does."""
    project_dir = Path(project_dir)
    base_path = _find_config(project_dir, "_quarto")
    if base_path is None:
        raise RenderError(Problem("_quarto.yml", 0, f"no _quarto.yml in {project_dir}"))
    config = _read_yaml(base_path)
    files = [base_path.name]
    warnings: list[str] = []
    profile_cfg = config.pop("profile", None)
    if not profile:
        profile = _dotenv_profile(project_dir)
    if not profile and isinstance(profile_cfg, dict):
        default = profile_cfg.get("default")
        profile = ",".join(map(str, default)) if isinstance(default, list) else str(default or "")
    active = [p.strip() for p in str(profile or "").split(",") if p.strip()]
    for name in reversed(active):
        path = _find_config(project_dir, f"_quarto-{name}")
        if path is not None:
            config = quarto_merge(config, _read_yaml(path))
            files.append(path.name)
    for ext in (".yml", ".yaml"):
        local = project_dir / f"_quarto{ext}.local"
        if local.exists():
            config = quarto_merge(config, _read_yaml(local))
            files.append(local.name)
            warnings.append(f"merged local configuration {local.name}")
    project = config.get("project") or {}
    if project.get("type") not in (None, "book"):
        warnings.append(f"project type is {project.get('type')!r}; rendering it as a book")
    book = config.get("book") or {}
    chapters: list[ChapterSpec] = []
    _chapter_entries(book.get("chapters"), None, False, chapters, "book.chapters")
    _chapter_entries(book.get("appendices"), None, True, chapters, "book.appendices")
    if not chapters:
        raise RenderError(Problem(base_path.name, 0, "book.chapters lists no chapters"))
    seen: set[str] = set()
    for i, ch in enumerate(chapters):
        if ch.source in seen:
            raise RenderError(Problem(base_path.name, 0, f"chapter {ch.source} is listed twice"))
        seen.add(ch.source)
        ch.position = i
        if ch.source in ("index.qmd", "index.md", "index.ipynb"):
            ch.page = "index.html"
    return BookConfig(project_dir, ",".join(active), config, files, chapters, warnings)
