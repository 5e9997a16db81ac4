"""Rendering with the real Quarto CLI, and choosing between Quarto and the built-in engine.

``render_with_quarto`` stages the book sources, the *executed* notebooks (at their source paths, so
``{{< embed >}}`` finds their outputs) and ``_variables.yml`` into a staging directory, runs
``quarto render --profile PROFILE`` there and moves the result to ``out_dir/site`` (and the PDF to
``out_dir``), swapping atomically like the built-in engine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path

import yaml

from .config import load_book_config
from .engine import RenderResult, _normalise_executed, swap_into_place
from .errors import Problem, RenderError
from .sources import read_lines

ENGINES = ("auto", "quarto", "builtin")
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


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    if src.is_dir():
        shutil.copytree(
            src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(*_SKIP_DIRS, "*.pyc")
        )
    else:
        shutil.copy2(src, dst)


def stage_sources(
    project_dir: Path,
    profile: str,
    executed_notebooks: Mapping[Path, Path] | None,
    variables: Mapping | None,
    staging: Path,
    resources: Iterable[str | Path] = (),
) -> list[str]:
    """Copy what ``quarto render`` needs into ``staging``; returns the staged paths (posix, sorted)."""
    project_dir = Path(project_dir).resolve()
    cfg = load_book_config(project_dir, profile)
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
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
        parts = Path(ch.source).parts
        if not (project_dir / ch.source).exists():
            problems.append(Problem("_quarto.yml", 0, f"chapter {ch.source} does not exist"))
            continue
        wanted.add(parts[0])  # the chapter file, or its top-level directory (images, includes)
        for ln in read_lines(project_dir, ch.source, problems):
            wanted.add(Path(ln.file).parts[0])
        if ch.part and ch.part.endswith(".qmd"):
            wanted.add(Path(ch.part).parts[0])
    for p in [*cfg.bibliography, *([cfg.csl] if cfg.csl else [])]:
        if p.exists():
            wanted.add(
                p.relative_to(project_dir).parts[0] if p.is_relative_to(project_dir) else str(p)
            )
    for r in resources:
        wanted.add(Path(r).as_posix())
    if problems:
        raise RenderError(problems)
    for rel in sorted(wanted):
        src = project_dir / rel
        if src.exists() and rel not in _SKIP_DIRS:
            _copy(src, staging / rel)
    # executed notebooks replace the source notebooks at the same paths
    for rel, executed in sorted(_normalise_executed(project_dir, executed_notebooks).items()):
        _copy(Path(executed), staging / rel)
    if variables is not None:
        (staging / "_variables.yml").write_text(
            yaml.safe_dump(dict(variables), sort_keys=True, allow_unicode=True), encoding="utf-8"
        )
    return sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*") if p.is_file())


def render_with_quarto(
    project_dir: Path,
    profile: str,
    executed_notebooks: Mapping[Path, Path] | None,
    variables: Mapping | None,
    out_dir: Path,
    *,
    quarto: str = "quarto",
    staging_dir: Path | None = None,
    extra_args: Iterable[str] = (),
    resources: Iterable[str | Path] = (),
    keep_staging: bool = False,
    timeout: float | None = None,
) -> RenderResult:
    """Render with ``quarto render --profile PROFILE`` on a staged copy of the sources."""
    t0 = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(staging_dir) if staging_dir is not None else out_dir / ".quarto-staging"
    stage_sources(project_dir, profile, executed_notebooks, variables, staging, resources)
    t_stage = time.perf_counter() - t0
    exe = shutil.which(quarto) or quarto
    cmd = [exe, "render", "--profile", profile, *extra_args]
    try:
        proc = subprocess.run(
            cmd,
            cwd=staging,
            capture_output=True,
            text=True,
            timeout=timeout,
            env={**os.environ, "QUARTO_PROFILE": profile},
        )
    except FileNotFoundError as exc:
        raise RenderError(f"cannot run {quarto}: {exc}", file="<quarto>") from exc
    t_quarto = time.perf_counter() - t0 - t_stage
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout or "")[-3000:]
        raise RenderError(
            f"quarto render failed (exit {proc.returncode}):\n{tail}", file="<quarto>"
        )
    cfg = load_book_config(staging, profile)
    output_dir = staging / str((cfg.config.get("project") or {}).get("output-dir") or "_book")
    if not output_dir.is_dir():
        raise RenderError(
            f"quarto render produced no {output_dir.name}/ directory", file="<quarto>"
        )
    result = RenderResult(engine="quarto")
    pdfs = sorted(output_dir.rglob("*.pdf"))
    if pdfs:
        target = out_dir / (cfg.output_file + ".pdf")
        shutil.copy2(pdfs[0], target)
        result.pdf_path = target
        result.written.append(target)
    tmp_site = out_dir / f".site.tmp-quarto-{os.getpid()}"
    if tmp_site.exists():
        shutil.rmtree(tmp_site)
    shutil.move(str(output_dir), str(tmp_site))
    swap_into_place(tmp_site, out_dir / "site")
    result.site_dir = out_dir / "site"
    result.written.extend(sorted(p for p in result.site_dir.rglob("*") if p.is_file()))
    if not keep_staging:
        shutil.rmtree(staging, ignore_errors=True)
    for line in (proc.stderr or "").splitlines():
        if "WARN" in line.upper():
            result.warnings.append(line.strip())
    result.timings = {
        "stage": round(t_stage, 4),
        "quarto": round(t_quarto, 4),
        "total": round(time.perf_counter() - t0, 4),
    }
    return result
