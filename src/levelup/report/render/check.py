"""``check_book``: lint the book sources without executing or rendering anything.

Reports, as ``file:line: message``: chapters listed in the config that do not exist, unresolved
``{{< embed >}}`` (notebook missing, or no cell with that ``#| label:`` in the *source* notebook),
unknown ``{{< var >}}`` keys (when ``variables`` is given) and ``{{< meta >}}`` keys, unresolved
``@fig-``/``@tbl-``/``@sec-`` cross-references, duplicate labels, unknown citation keys, and
figures without ``fig-alt``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from .bibliography import bib_keys
from .config import load_book_config
from .errors import Problem, RenderError, format_problems
from .sources import (
    SUPPORTED_CROSSREF,
    ExpandContext,
    ImageStore,
    NotebookCache,
    SrcLine,
    code_mask,
    expand_chapter,
    is_crossref_key,
    scan_citations,
)

__all__ = ["check_book", "format_problems"]

_LABEL_ATTR_RE = re.compile(r"\{[^{}]*?#((?:fig|tbl|sec|eq)-[\w:.\-]*\w)")
_IMAGE_ATTR_RE = re.compile(r"!\[[^\]]*\]\([^)]*\)\{([^}]*)\}")
_DIV_FIG_RE = re.compile(r"^\s*:{3,}\s*\{([^}]*#fig-[^}]*)\}")


def _config_line(project_dir: Path, files: list[str], needle: str) -> tuple[str, int]:
    for name in files:
        try:
            for i, line in enumerate(
                (project_dir / name).read_text(encoding="utf-8").splitlines(), 1
            ):
                if needle in line:
                    return name, i
        except OSError:
            continue
    return (files[0] if files else "_quarto.yml"), 0


def check_book(
    project_dir: Path, profile: str | None, variables: Mapping | None = None
) -> list[Problem]:
    """Every problem found in the book sources (empty list: the book is clean)."""
    project_dir = Path(project_dir).resolve()
    try:
        cfg = load_book_config(project_dir, profile)
    except RenderError as exc:
        return exc.problems
    problems: list[Problem] = []
    try:
        keys = bib_keys(cfg.bibliography, project_dir)
    except RenderError as exc:
        problems.extend(exc.problems)
        keys = set()
    ctx = ExpandContext(
        project_dir, cfg, variables, None, ImageStore(), NotebookCache(), check_only=True
    )
    defined: dict[str, tuple[str, int]] = {}
    uses: list[tuple[SrcLine, str]] = []

    def define(label: str, file: str, line: int) -> None:
        if label in defined and defined[label] != (file, line):
            f0, l0 = defined[label]
            problems.append(
                Problem(file, line, f"label {label} is defined more than once (also at {f0}:{l0})")
            )
        else:
            defined[label] = (file, line)

    for spec in cfg.chapters:
        if not (project_dir / spec.source).is_file():
            file, line = _config_line(project_dir, cfg.files, spec.source)
            problems.append(Problem(file, line, f"chapter {spec.source} does not exist"))
            continue
        exp = expand_chapter(ctx, spec.source)
        problems.extend(exp.problems)
        for emb in exp.embeds.values():
            define(emb.label, emb.file, emb.line)
        mask = code_mask(exp.lines)
        for ln, masked in zip(exp.lines, mask, strict=True):
            if masked:
                continue
            for m in _LABEL_ATTR_RE.finditer(ln.text):
                define(m.group(1), ln.file, ln.line)
            for m in _IMAGE_ATTR_RE.finditer(ln.text):
                if "#fig-" in m.group(1) and "fig-alt" not in m.group(1):
                    label = re.search(r"#(fig-[\w:.\-]*\w)", m.group(1)).group(1)  # type: ignore[union-attr]
                    problems.append(
                        Problem(
                            ln.file, ln.line, f"figure {label} has no fig-alt (alternative text)"
                        )
                    )
            m = _DIV_FIG_RE.match(ln.text)
            if m and "fig-alt" not in m.group(1):
                label = re.search(r"#(fig-[\w:.\-]*\w)", m.group(1)).group(1)  # type: ignore[union-attr]
                problems.append(
                    Problem(ln.file, ln.line, f"figure {label} has no fig-alt (alternative text)")
                )
        for ln, key in scan_citations(exp.lines):
            if is_crossref_key(key[:1].lower() + key[1:]):
                uses.append((ln, key))
            elif keys is None:
                problems.append(
                    Problem(ln.file, ln.line, f"citation @{key}: the book has no bibliography")
                )
            elif key not in keys:
                problems.append(
                    Problem(ln.file, ln.line, f"citation @{key}: no such key in the bibliography")
                )

    for ln, key in uses:
        label = key[:1].lower() + key[1:]
        if not label.startswith(SUPPORTED_CROSSREF):
            problems.append(
                Problem(
                    ln.file,
                    ln.line,
                    f"cross-reference @{key}: only fig-, tbl-, sec- and eq- references are supported",
                )
            )
        elif label not in defined:
            problems.append(
                Problem(
                    ln.file,
                    ln.line,
                    f"cross-reference @{key}: no figure, table, section or equation labelled {label}",
                )
            )
    return sorted(set(problems))
