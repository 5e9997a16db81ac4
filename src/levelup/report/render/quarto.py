"""Rendering with the real Quarto CLI, and choosing between Quarto and the built-in engine.

Every build leaves the edition's *staged project* in ``_output/stage/<edition>/`` (gitignored), a
Quarto project that has everything ``quarto render`` needs, where Quarto looks for it:

- the book sources and profiles, with the *executed* notebooks at their source paths, so every
  ``{{< embed ../analysis/....ipynb#label >}}`` finds its outputs;
- ``_variables.yml`` (Quarto reads it from the project directory: ``projectVarsFile`` in quarto-cli
  ``src/project/project-context.ts``);
- ``_environment`` with ``QUARTO_PROFILE=<edition>``, so a plain ``quarto render`` or
  ``quarto preview`` there uses the edition's profile and its ``levelup:`` metadata
  (``dotenvQuartoProfile`` in ``src/quarto-core/dotenv.ts``);
- ``_quarto.yml.local`` (merged last: ``src/project/project-profile.ts``) naming the post-render
  step ``_levelup/post_render.py`` that adds the edition switcher and colophon of the built-in
  engine's pages (``html.site_parts``) to every page.

The tree is kept between builds and synchronised (only changed files are written); when only
chapter sources changed since the last successful render, only those chapters are passed to
``quarto render`` (HTML; the PDF, one document, is rendered whole). ``render_with_quarto`` fails on
any unresolved var, metadata key or cross-reference in Quarto's messages or output.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

from .config import load_book_config
from .engine import RenderResult, _normalise_executed, swap_into_place
from .errors import Problem, RenderError
from .html import TEMPLATES, site_parts
from .sources import read_lines

ENGINES = ("auto", "quarto", "builtin")
#: where the build leaves each edition's staged Quarto project, under the output root (``_output``)
STAGE_DIR = "stage"
#: measured on one machine (README "Two engines"): render step of the 2026 edition, cold
ENGINE_COST = {
    "builtin": "about 4 s to render (pandoc + Typst, bundled)",
    "quarto": "about 2 minutes to render the whole book (Quarto re-renders every chapter; an "
    "edit to chapters only re-renders those chapters' HTML)",
}
_ROOT_SUFFIXES = (".qmd", ".md", ".bib", ".csl", ".css", ".scss", ".json", ".yml", ".yaml", ".lua")
_SKIP_DIRS = {
    ".git",
    ".venv",
    "__pycache__",
    "_output",
    ".levelup-cache",
    ".quarto",
    "_book",
    "node_modules",
}
_RENDER_RECORD = ".levelup-render.json"
_POST_RENDER = "_levelup/post_render.py"
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07]*\x07")
#: what Quarto prints for what it could not resolve: shortcodes-handlers.lua (``?var:``,
#: ``?meta:``, ``?invalid var type:``), quarto.shortcode.error_output and crossref (``?@label``)
UNRESOLVED_OUTPUT = re.compile(
    r"\?(?:var|meta|env):[^\s<\]]+|\?invalid \w+ type:[^\s<\]]+|\?@[\w:.\-]*\w"
)
UNRESOLVED_MESSAGE = re.compile(
    r"Unknown (?:var|meta key|variable) |Unable to resolve crossref|Unsupported type '", re.I
)


def stage_dir(output_root: Path, edition: str) -> Path:
    """``<output root>/stage/<edition>`` (``_output/stage/2026``): where plain ``quarto render``
    and ``quarto preview`` work after ``levelup build``."""
    return Path(output_root) / STAGE_DIR / str(edition)


def choose_engine(preference: str = "auto", quarto: str = "quarto") -> str:
    """``"quarto"`` or ``"builtin"``. ``auto`` uses Quarto when a ``quarto`` executable is on PATH."""
    pref = (preference or "auto").strip().lower()
    if pref not in ENGINES:
        raise ValueError(f"unknown engine {preference!r}; choose one of {', '.join(ENGINES)}")
    if pref == "builtin":
        return "builtin"
    found = shutil.which(quarto)
    if pref == "quarto" and not found:
        raise RenderError(
            "the quarto engine was requested but no quarto executable is on PATH", file="<engine>"
        )
    return "quarto" if found else "builtin"


def explain_engine(preference: str, chosen: str) -> str:
    """One line saying which engine renders, why, and what it costs."""
    pref = (preference or "auto").strip().lower()
    if pref == "auto":
        why = "quarto is on PATH" if chosen == "quarto" else "no quarto executable on PATH"
        other = "builtin" if chosen == "quarto" else "quarto"
        return (
            f"engine auto chose {chosen} ({why}): {ENGINE_COST[chosen]}; "
            f"--engine {other}: {ENGINE_COST[other]}"
        )
    return f"engine {chosen}: {ENGINE_COST[chosen]}"


@dataclass
class Stage:
    """The staged project: every file in it (posix, sorted) and those this sync wrote."""

    files: list[str]
    written: list[str]


def _wanted_sources(project_dir: Path, cfg, resources: Iterable[str | Path]) -> set[str]:
    """Top-level files and folders of the project that ``quarto render`` reads."""
    wanted: set[str] = set()
    for p in project_dir.iterdir():
        if p.is_file() and (
            p.name.startswith("_quarto") or p.suffix in _ROOT_SUFFIXES or p.name == "_brand.yml"
        ):
            wanted.add(p.name)
    if (project_dir / "_extensions").is_dir():
        wanted.add("_extensions")
    problems: list[Problem] = []
    for ch in cfg.chapters:
        if not (project_dir / ch.source).exists():
            problems.append(Problem("_quarto.yml", 0, f"chapter {ch.source} does not exist"))
            continue
        wanted.add(Path(ch.source).parts[0])  # the chapter file, or its top-level directory
        for ln in read_lines(project_dir, ch.source, problems):
            wanted.add(Path(ln.file).parts[0])
        if ch.part and ch.part.endswith(".qmd"):
            wanted.add(Path(ch.part).parts[0])
    for p in [*cfg.bibliography, *([cfg.csl] if cfg.csl else [])]:
        if p.exists() and p.is_relative_to(project_dir):
            wanted.add(p.relative_to(project_dir).parts[0])
    for r in resources:
        wanted.add(Path(r).as_posix())
    if problems:
        raise RenderError(problems)
    return {w for w in wanted if w not in _SKIP_DIRS}


def _source_files(project_dir: Path, wanted: set[str]) -> dict[str, Path]:
    files: dict[str, Path] = {}
    for rel in sorted(wanted):
        src = project_dir / rel
        if src.is_file():
            files[rel] = src
        elif src.is_dir():
            for folder, dirs, names in os.walk(src):
                dirs[:] = [d for d in dirs if d not in _SKIP_DIRS]
                for name in names:
                    if not name.endswith((".pyc", ".quarto_ipynb")):
                        path = Path(folder) / name
                        files[path.relative_to(project_dir).as_posix()] = path
    return files


def _post_render_files(cfg, profile: str, site_meta: Mapping) -> dict[str, bytes]:
    """The post-render step and what it inserts: each page's switcher and colophon."""
    output_dir = str((cfg.config.get("project") or {}).get("output-dir") or "_book")
    pdf_name = cfg.output_file + ".pdf"
    pages = {}
    for ch in cfg.chapters:
        parts = site_parts(cfg.title, site_meta, pdf_name, ch.page)
        pages[ch.page] = parts["editions"] + "\n" + parts["colophon"]
    parts_json = json.dumps({"output_dir": output_dir, "pages": pages}, indent=1, sort_keys=True)
    local = {
        "project": {"post-render": [_POST_RENDER]},
        "format": {"typst": {"keep-typ": True}},  # the PDF's source, checked for ?var: and ?@
    }
    return {
        "_levelup/site-parts.json": parts_json.encode() + b"\n",
        _POST_RENDER: (TEMPLATES / "quarto_post_render.py").read_bytes(),
        "_quarto.yml.local": (
            "# written by levelup build: the edition switcher and colophon (see _levelup/)\n"
            + yaml.safe_dump(local, sort_keys=True)
        ).encode(),
    }


def _same(dst: Path, src: Path | bytes) -> bool:
    try:
        st = dst.stat()
    except OSError:
        return False
    if isinstance(src, bytes):
        return st.st_size == len(src) and dst.read_bytes() == src
    s = src.stat()
    return st.st_size == s.st_size and st.st_mtime_ns == s.st_mtime_ns


def stage_sources(
    project_dir: Path,
    profile: str,
    executed_notebooks: Mapping[Path, Path] | None,
    variables: Mapping | Path | None,
    staging: Path,
    resources: Iterable[str | Path] = (),
    site_meta: Mapping | None = None,
) -> Stage:
    """Synchronise ``staging`` into the Quarto project described in the module docstring.

    Only files that differ are written, and files no longer wanted are removed; Quarto's own
    state (``.quarto/``, the output directory, ``*.quarto_ipynb``) is kept, so a later render
    can be incremental.
    """
    project_dir = Path(project_dir).resolve()
    cfg = load_book_config(project_dir, profile)
    desired: dict[str, Path | bytes] = dict(
        _source_files(project_dir, _wanted_sources(project_dir, cfg, resources))
    )
    # executed notebooks replace the source notebooks at the same paths
    for rel, executed in sorted(_normalise_executed(project_dir, executed_notebooks).items()):
        desired[rel] = Path(executed)
    if isinstance(variables, Path):  # the build's own _variables.yml: copied, not re-dumped
        desired["_variables.yml"] = variables
    elif variables is not None:
        desired["_variables.yml"] = yaml.safe_dump(
            dict(variables), sort_keys=True, allow_unicode=True
        ).encode()
    desired["_environment"] = f"QUARTO_PROFILE={profile}\n".encode()
    if site_meta is not None:
        desired.update(_post_render_files(cfg, profile, site_meta))
    staging.mkdir(parents=True, exist_ok=True)
    written = []
    for rel, src in sorted(desired.items()):
        dst = staging / rel
        if _same(dst, src):
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(src, bytes):
            dst.write_bytes(src)
        else:
            shutil.copy2(src, dst)
        written.append(rel)
    output_dir = str((cfg.config.get("project") or {}).get("output-dir") or "_book")
    keep = (".quarto/", output_dir.rstrip("/") + "/", _RENDER_RECORD)
    for path in sorted(staging.rglob("*")):
        rel = path.relative_to(staging).as_posix()
        stale = rel not in desired and not rel.startswith(keep)
        if path.is_file() and stale and not rel.endswith(".quarto_ipynb"):
            path.unlink()
    files = sorted(
        p.relative_to(staging).as_posix()
        for p in staging.rglob("*")
        if p.is_file() and not p.relative_to(staging).as_posix().startswith(keep)
    )
    return Stage(files, written)


def _digests(staging: Path, files: list[str]) -> dict[str, str]:
    return {rel: hashlib.sha256((staging / rel).read_bytes()).hexdigest() for rel in files}


def quarto_commands(
    profile: str, changed: list[str] | None, chapters: set[str], formats: Iterable[str]
) -> list[list[str]]:
    """The ``quarto`` invocations for a render. ``changed`` is None without a previous render
    of this staged project (or when its record is unreadable): the whole book. When only chapter
    sources changed, those chapters' HTML (``quarto render FILE...`` within the project) and, if
    a PDF is wanted, the PDF (one document, rendered whole)."""
    formats = set(formats)
    if changed is None or not changed or not set(changed) <= chapters:
        return [["render", "--profile", profile]]
    commands = []
    if "html" in formats:
        commands.append(["render", *sorted(changed), "--profile", profile, "--to", "html"])
    if "pdf" in formats:
        commands.append(["render", "--profile", profile, "--to", "typst"])
    return commands


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def unresolved_in_output(staging: Path, output_dir: Path) -> list[str]:
    """``file: marker`` for every ``?var:``, ``?meta:``, ``?@label`` ... Quarto left in a page or
    in the Typst source of the PDF (kept by ``keep-typ``, see ``_post_render_files``)."""
    found = []
    paths = [*output_dir.rglob("*.html"), *output_dir.rglob("*.typ"), *staging.glob("*.typ")]
    for path in sorted(set(paths)):
        text = path.read_text(encoding="utf-8", errors="replace")
        for marker in sorted(set(UNRESOLVED_OUTPUT.findall(text))):
            found.append(f"{path.relative_to(staging).as_posix()}: {marker}")
    return found


def render_with_quarto(
    project_dir: Path,
    profile: str,
    executed_notebooks: Mapping[Path, Path] | None,
    variables: Mapping | Path | None,
    out_dir: Path,
    *,
    quarto: str = "quarto",
    staging_dir: Path | None = None,
    extra_args: Iterable[str] = (),
    resources: Iterable[str | Path] = (),
    timeout: float | None = None,
    site_meta: Mapping | None = None,
    formats: Iterable[str] = ("html", "pdf"),
) -> RenderResult:
    """Render the staged project (``staging_dir``, default ``_output/stage/<profile>``)
    with ``quarto render``; the site goes to ``out_dir/site`` and the PDF to ``out_dir``.

    Fails (the previous output untouched) when Quarto fails, when it reports an unknown var or
    metadata key or an unresolved cross-reference, or when its output contains ``?var:``,
    ``?meta:`` or ``?@``; Quarto's messages are relayed without terminal colour codes.
    """
    t0 = time.perf_counter()
    formats = tuple(formats)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = (
        Path(staging_dir)
        if staging_dir is not None
        else stage_dir(Path(project_dir) / "_output", profile)
    )
    stage = stage_sources(
        project_dir, profile, executed_notebooks, variables, staging, resources, site_meta
    )
    cfg = load_book_config(staging, profile)
    output_dir = staging / str((cfg.config.get("project") or {}).get("output-dir") or "_book")
    digests = _digests(staging, stage.files)
    record_path = staging / _RENDER_RECORD
    changed: list[str] | None = None
    try:
        record = json.loads(record_path.read_text())
        if record.get("profile") == profile and output_dir.is_dir():
            before = record.get("files") or {}
            changed = sorted(
                {rel for rel, d in digests.items() if before.get(rel) != d}
                | (set(before) - set(digests))
            )
    except (OSError, ValueError):
        changed = None
    record_path.unlink(missing_ok=True)  # until this render succeeds
    t_stage = time.perf_counter() - t0
    exe = shutil.which(quarto) or quarto
    messages: list[str] = []
    for args in quarto_commands(profile, changed, {c.source for c in cfg.chapters}, formats):
        try:
            proc = subprocess.run(
                [exe, *args, *extra_args],
                cwd=staging,
                capture_output=True,
                text=True,
                timeout=timeout,
                env={**os.environ, "QUARTO_PROFILE": profile},
            )
        except FileNotFoundError as exc:
            raise RenderError(f"cannot run {quarto}: {exc}", file="<quarto>") from exc
        output = strip_ansi((proc.stdout or "") + "\n" + (proc.stderr or ""))
        if proc.returncode != 0:
            raise RenderError(
                f"quarto {' '.join(args)} failed (exit {proc.returncode}):\n{output.strip()[-3000:]}",
                file="<quarto>",
            )
        messages.extend(line.strip() for line in output.splitlines() if line.strip())
    t_quarto = time.perf_counter() - t0 - t_stage
    if not output_dir.is_dir():
        raise RenderError(
            f"quarto render produced no {output_dir.name}/ directory", file="<quarto>"
        )
    unresolved = [m for m in messages if UNRESOLVED_MESSAGE.search(m)]
    unresolved += unresolved_in_output(staging, output_dir)
    if unresolved:
        raise RenderError(
            "Quarto could not resolve every value and reference (nothing was published):\n"
            + "\n".join(dict.fromkeys(unresolved)),
            file="<quarto>",
        )
    if site_meta is not None:
        missing = [
            ch.page
            for ch in cfg.chapters
            if (output_dir / ch.page).is_file()
            and "<!-- levelup:site-parts -->" not in (output_dir / ch.page).read_text()
        ]
        if missing:
            raise RenderError(
                f"the post-render step {_POST_RENDER} did not run: no edition switcher or "
                f"colophon in {', '.join(missing[:5])}",
                file="<quarto>",
            )
    result = RenderResult(engine="quarto")
    pdfs = sorted(output_dir.rglob("*.pdf")) if "pdf" in formats else []
    if pdfs:
        target = out_dir / (cfg.output_file + ".pdf")
        shutil.copy2(pdfs[0], target)
        result.pdf_path = target
        result.written.append(target)
    tmp_site = out_dir / f".site.tmp-quarto-{os.getpid()}"
    if tmp_site.exists():
        shutil.rmtree(tmp_site)
    shutil.copytree(output_dir, tmp_site)  # the staged output stays for incremental renders
    swap_into_place(tmp_site, out_dir / "site")
    result.site_dir = out_dir / "site"
    result.written.extend(sorted(p for p in result.site_dir.rglob("*") if p.is_file()))
    record_path.write_text(json.dumps({"profile": profile, "files": digests}, sort_keys=True))
    result.warnings.extend(m for m in messages if "WARN" in m.upper())
    result.timings = {
        "stage": round(t_stage, 4),
        "quarto": round(t_quarto, 4),
        "total": round(time.perf_counter() - t0, 4),
    }
    return result
