"""Chapter sources: front matter, includes, and Quarto shortcodes (``var``, ``meta``, ``embed``...).

Shortcodes are expanded on the text, line by line, before pandoc parses it, so every problem can
be reported at the ``file:line`` where the author wrote it. Fenced code blocks are left alone and
``{{{< ... >}}}`` or ``{{</* ... */>}}`` are Quarto's escapes for a literal shortcode.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

from levelup import config_files, quarto_vars

from .config import BookConfig, dotted_get
from .errors import Problem
from .notebooks import LabelledCell, labelled_cells, read_notebook


@dataclass(frozen=True)
class SrcLine:
    text: str
    file: str  # relative to the project dir (posix)
    line: int  # 1-based


SHORTCODE_RE = re.compile(r"\{\{<\s*(?P<name>[A-Za-z][\w-]*)(?P<args>(?:\s+[^\n]*?)?)\s*>\}\}")
ESCAPED_RE = re.compile(r"\{\{<\s*/\*(?P<body>.*?)\*/\s*>\}\}|\{\{\{<(?P<body3>.*?)>\}\}\}")
FENCE_RE = re.compile(r"^( {0,3})(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
EXEC_CELL_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})\s*\{\s*(python|r|julia|ojs|bash|sql)\b", re.I)

CROSSREF_PREFIXES = (
    "fig-",
    "tbl-",
    "sec-",
    "eq-",
    "lst-",
    "thm-",
    "lem-",
    "cor-",
    "prp-",
    "cnj-",
    "def-",
    "exm-",
    "exr-",
)
SUPPORTED_CROSSREF = ("fig-", "tbl-", "sec-", "eq-")
_CITE_RE = re.compile(r"(?<![\w@`])(?P<suppress>-?)@(?P<key>[A-Za-z0-9_][\w:.#$%&\-+?<>~/]*)")
_INLINE_CODE_RE = re.compile(r"(`+)(?:(?!\1).)+?\1")
_LINK_DEST_RE = re.compile(r"\]\([^)]*\)")
_AUTOLINK_RE = re.compile(r"<(?:https?|mailto|ftp):[^>]*>")
_URL_RE = re.compile(r"https?://\S+")


def is_crossref_key(key: str) -> bool:
    return key.startswith(CROSSREF_PREFIXES)


def strip_key(key: str) -> str:
    return key.rstrip(".:;,?!/+-~#$%&<>")


def code_mask(lines: list[SrcLine]) -> list[bool]:
    """True for lines inside (or delimiting) fenced code blocks or the YAML front matter."""
    mask = [False] * len(lines)
    fence: str | None = None
    # front matter
    start = 0
    if lines and lines[0].text.strip() == "---":
        for j in range(1, len(lines)):
            if lines[j].text.strip() in ("---", "..."):
                for k in range(j + 1):
                    mask[k] = True
                start = j + 1
                break
    for i in range(start, len(lines)):
        text = lines[i].text
        m = FENCE_RE.match(text)
        if fence is None:
            if m:
                fence = m.group("fence")
                mask[i] = True
        else:
            mask[i] = True
            if (
                m
                and m.group("fence")[0] == fence[0]
                and len(m.group("fence")) >= len(fence)
                and not m.group("info").strip()
            ):
                fence = None
    return mask


def prose_text(text: str) -> str:
    """A line with inline code, link destinations and URLs blanked (for citation scanning)."""
    for rx in (_INLINE_CODE_RE, _LINK_DEST_RE, _AUTOLINK_RE, _URL_RE, ESCAPED_RE):
        text = rx.sub(lambda m: " " * len(m.group(0)), text)
    return text


def scan_citations(lines: list[SrcLine]) -> Iterator[tuple[SrcLine, str]]:
    """(line, key) for every ``@key`` in prose (crossrefs included), outside code and front matter."""
    mask = code_mask(lines)
    for ln, masked in zip(lines, mask, strict=True):
        if masked or "@" not in ln.text:
            continue
        for m in _CITE_RE.finditer(prose_text(ln.text)):
            yield ln, strip_key(m.group("key"))


def find_token_line(lines: list[SrcLine], key: str) -> SrcLine | None:
    for ln, k in scan_citations(lines):
        if k == key:
            return ln
    for ln in lines:
        if key in ln.text:
            return ln
    return None


# --------------------------------------------------------------------------------------- front matter


def front_matter(lines: list[SrcLine]) -> dict:
    if not lines or lines[0].text.strip() != "---":
        return {}
    for j in range(1, len(lines)):
        if lines[j].text.strip() in ("---", "..."):
            try:
                data = config_files.safe_load("\n".join(ln.text for ln in lines[1:j]))
            except yaml.YAMLError:
                return {}
            return data if isinstance(data, dict) else {}
    return {}


def read_lines(
    project_dir: Path, rel: str, problems: list[Problem], depth: int = 0
) -> list[SrcLine]:
    """Lines of a source file with ``{{< include >}}`` expanded (each line keeps its origin)."""
    path = project_dir / rel
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(rel, 0, "file not found"))
        return []
    out: list[SrcLine] = []
    raw = [SrcLine(t, rel, i + 1) for i, t in enumerate(text.splitlines())]
    mask = code_mask(raw)
    for ln, masked in zip(raw, mask, strict=True):
        m = SHORTCODE_RE.search(ln.text) if not masked and "{{<" in ln.text else None
        if m and m.group("name") == "include":
            arg = m.group("args").strip().strip("\"'")
            target = (
                PurePosixPath(arg.lstrip("/"))
                if arg.startswith("/")
                else PurePosixPath(rel).parent / arg
            )
            target_rel = _normalise(target)
            if depth > 10:
                problems.append(Problem(ln.file, ln.line, "include nested too deeply"))
            elif not (project_dir / target_rel).exists():
                problems.append(Problem(ln.file, ln.line, f"include: file {arg} not found"))
            else:
                out.extend(read_lines(project_dir, target_rel, problems, depth + 1))
            continue
        out.append(ln)
    return out


def _normalise(p: PurePosixPath) -> str:
    parts: list[str] = []
    for part in p.parts:
        if part == "..":
            if parts and parts[-1] != "..":
                parts.pop()
            else:
                parts.append(part)
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


# --------------------------------------------------------------------------------------- values


def format_value(value: Any) -> str | None:
    """How Quarto prints a YAML scalar; None for values that cannot be printed inline."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, str):
        return value
    if isinstance(value, _dt.date | _dt.datetime):
        return value.isoformat()
    if isinstance(value, list) and len(value) == 1:
        return format_value(value[0])  # Quarto's processValue prints a one-item list's item
    return None


# --------------------------------------------------------------------------------------- embeds


@dataclass
class ImageStore:
    """Images used by the book, content-addressed: name is ``<sha256[:20]>.<ext>``."""

    images: dict[str, bytes] = field(default_factory=dict)

    def add(self, data: bytes, ext: str) -> str:
        name = f"{hashlib.sha256(data).hexdigest()[:20]}.{ext.lower()}"
        self.images.setdefault(name, data)
        return name


@dataclass
class EmbedSpec:
    id: str
    label: str
    notebook: str  # source notebook path relative to the project
    file: str
    line: int
    cell: LabelledCell
    echo: bool = False
    html_parts: dict[str, str] = field(default_factory=dict)  # sha -> html text to read with pandoc

    @property
    def kind(self) -> str:
        if self.label.startswith("fig-"):
            return "figure"
        if self.label.startswith("tbl-"):
            return "table"
        return "other"


class NotebookCache:
    """Executed notebooks parsed once per render."""

    def __init__(self) -> None:
        self._cells: dict[Path, dict[str, LabelledCell]] = {}

    def cells(self, path: Path) -> dict[str, LabelledCell]:
        key = path.resolve()
        if key not in self._cells:
            self._cells[key] = labelled_cells(read_notebook(path))
        return self._cells[key]


@dataclass
class ExpandContext:
    project_dir: Path
    config: BookConfig
    variables: Mapping | None
    executed: Mapping[str, Path] | None  # source notebook rel path -> executed notebook
    images: ImageStore
    notebooks: NotebookCache
    check_only: bool = False  # check_book: look labels up in the SOURCE notebook, no outputs


@dataclass
class Expanded:
    markdown: str
    lines: list[SrcLine]
    front: dict
    embeds: dict[str, EmbedSpec]
    uses_vars: set[str]
    problems: list[Problem]


def _fence_for(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    return "`" * max(3, longest + 1)


def _embed_markdown(spec: EmbedSpec) -> str:
    cell = spec.cell
    opts = cell.options
    caption = ""
    if spec.kind == "figure":
        caption = str(opts.get("fig-cap") or "")
    elif spec.kind == "table":
        caption = str(opts.get("tbl-cap") or "")
    body: list[str] = []
    if spec.echo and cell.code.strip():
        fence = _fence_for(cell.code)
        body.append(f"{fence} python\n{cell.code.strip()}\n{fence}")
    for out in cell.outputs:
        if out.kind == "image":
            body.append(f"![](lu-image:{out.data})")
        elif out.kind == "markdown":
            body.append(out.data.strip("\n"))
        elif out.kind == "html":
            sha = hashlib.sha256(out.data.encode("utf-8")).hexdigest()
            spec.html_parts[sha] = out.data
            body.append(f'::: {{.lu-html lu-ref="{sha}"}}\n:::')
        else:
            fence = _fence_for(out.data)
            body.append(f"{fence} {{.cell-output}}\n{out.data.rstrip()}\n{fence}")
    return (
        f'\n:::::: {{.lu-embed lu-id="{spec.id}"}}\n'
        f"::: {{.lu-caption}}\n{caption}\n:::\n\n"
        f"::::: {{.lu-body}}\n" + "\n\n".join(body) + "\n:::::\n::::::\n"
    )


def _resolve_embed(
    ctx: ExpandContext, ln: SrcLine, args: str, n: int, problems: list[Problem]
) -> EmbedSpec | None:
    parts = args.split()
    if not parts:
        problems.append(Problem(ln.file, ln.line, "embed: missing notebook path"))
        return None
    target = parts[0].strip("\"'")
    options = dict(p.split("=", 1) for p in parts[1:] if "=" in p)
    if "#" not in target:
        problems.append(
            Problem(ln.file, ln.line, f"embed: {target} names no cell (expected path.ipynb#label)")
        )
        return None
    nb_path, label = target.split("#", 1)
    if not nb_path.endswith(".ipynb"):
        problems.append(
            Problem(ln.file, ln.line, f"embed: only .ipynb notebooks are supported ({nb_path})")
        )
        return None
    rel = _normalise(
        PurePosixPath(nb_path.lstrip("/"))
        if nb_path.startswith("/")
        else PurePosixPath(ln.file).parent / nb_path
    )
    where = f"embed {nb_path}#{label}"
    if ctx.check_only:
        src = ctx.project_dir / rel
        if not src.exists():
            problems.append(Problem(ln.file, ln.line, f"{where}: notebook {rel} not found"))
            return None
        try:
            cells = labelled_cells(read_notebook(src), with_outputs=False)
        except (OSError, ValueError) as exc:
            problems.append(
                Problem(ln.file, ln.line, f"{where}: cannot read notebook {rel}: {exc}")
            )
            return None
        if label not in cells:
            problems.append(
                Problem(ln.file, ln.line, f"{where}: no cell with '#| label: {label}' in {rel}")
            )
            return None
        if label.startswith("fig-") and not str(cells[label].options.get("fig-alt") or "").strip():
            problems.append(
                Problem(ln.file, ln.line, f"{where}: figure has no fig-alt (alternative text)")
            )
        return EmbedSpec(str(n), label, rel, ln.file, ln.line, cells[label])
    executed = (ctx.executed or {}).get(rel)
    if executed is None:
        hint = (
            "" if (ctx.project_dir / rel).exists() else " (and the source notebook does not exist)"
        )
        problems.append(
            Problem(ln.file, ln.line, f"{where}: notebook {rel} was not executed{hint}")
        )
        return None
    try:
        cells = ctx.notebooks.cells(Path(executed))
    except (OSError, ValueError) as exc:
        problems.append(
            Problem(ln.file, ln.line, f"{where}: cannot read executed notebook {executed}: {exc}")
        )
        return None
    cell = cells.get(label)
    if cell is None:
        problems.append(
            Problem(ln.file, ln.line, f"{where}: no cell with '#| label: {label}' in {rel}")
        )
        return None
    if cell.errors:
        problems.append(Problem(ln.file, ln.line, f"{where}: the cell raised {cell.errors[0]}"))
        return None
    if not cell.outputs:
        problems.append(Problem(ln.file, ln.line, f"{where}: the cell has no output"))
        return None
    spec = EmbedSpec(
        str(n), label, rel, ln.file, ln.line, cell, echo=options.get("echo", "").lower() == "true"
    )
    # images: register and replace bytes by their content-addressed names
    for out in cell.outputs:
        if out.kind == "image" and isinstance(out.data, tuple):
            out.data = ctx.images.add(*out.data)
    if spec.kind == "figure":
        if not str(cell.options.get("fig-alt") or "").strip():
            problems.append(
                Problem(ln.file, ln.line, f"{where}: figure has no fig-alt (alternative text)")
            )
        if not any(o.kind == "image" for o in cell.outputs):
            problems.append(Problem(ln.file, ln.line, f"{where}: figure cell produced no image"))
    if spec.kind == "table" and not any(o.kind in ("markdown", "html") for o in cell.outputs):
        problems.append(
            Problem(ln.file, ln.line, f"{where}: table cell produced no markdown or HTML table")
        )
    return spec


def _lookup_meta(ctx: ExpandContext, front: dict, key: str) -> tuple[bool, Any]:
    found, value = dotted_get(front, key)
    if found:
        return True, value
    return ctx.config.meta_lookup(key)


def _numeric_segment_hint(key: str) -> str:
    """Why a path with a numeric segment is not found, in Quarto's terms."""
    numeric = [
        p for p in quarto_vars.path_segments(key)[1:] if quarto_vars.lua_tonumber(p) is not None
    ]
    if not numeric:
        return ""
    return (
        f" (Quarto reads the segment {numeric[0]!r} as a list position counted from 1, "
        f"never as a key; finding keys start such a segment with a letter, e.g. 'y{numeric[0]}')"
    )


class _ShortcodeExpander:
    """Expands the shortcodes of one chapter, line by line (state shared across lines)."""

    def __init__(self, ctx: ExpandContext, front: dict, problems: list[Problem]):
        self.ctx = ctx
        self.front = front
        self.problems = problems
        self.embeds: dict[str, EmbedSpec] = {}
        self.uses: set[str] = set()

    def missing(self, ln: SrcLine, message: str) -> str:
        self.problems.append(Problem(ln.file, ln.line, message))
        return ""

    def line(self, ln: SrcLine, in_front: bool) -> list[str]:
        """The expanded text of one source line (several lines for block shortcodes)."""
        escaped: dict[str, str] = {}

        def escape(m: re.Match) -> str:
            token = f"\x00{len(escaped)}\x00"
            body = m.group("body") if m.group("body") is not None else m.group("body3")
            escaped[token] = "{{<" + body + ">}}"
            return token

        block: list[str] = []
        text = ESCAPED_RE.sub(escape, ln.text)
        text = SHORTCODE_RE.sub(lambda m: self.shortcode(m, ln, block, in_front), text)
        for token, literal in escaped.items():
            text = text.replace(token, literal)
        if not block:
            return [text]
        if text.replace("\x01", "").strip():
            self.missing(ln, "embed/pagebreak shortcodes must be alone on their line")
        return block

    def inline_only(self, text: str, ln: SrcLine, where: str) -> str:
        """Expand var/meta shortcodes in a caption or alt text taken from a notebook."""

        def sub(m: re.Match) -> str:
            if m.group("name") in ("var", "meta"):
                return self.shortcode(m, ln, [], True)
            return self.missing(ln, f"only var/meta shortcodes are allowed in {where}")

        return SHORTCODE_RE.sub(sub, text)

    def shortcode(self, m: re.Match, ln: SrcLine, block: list[str], in_front: bool) -> str:
        ctx = self.ctx
        name, args = m.group("name"), m.group("args").strip()
        if name in ("var", "meta"):
            key = args.strip("\"'")
            if name == "var":
                self.uses.add(key)
                if ctx.variables is None:
                    if ctx.check_only and _numeric_segment_hint(key):
                        # _variables.yml is made of finding keys, which never have such a segment
                        return self.missing(
                            ln, f"var {key}: cannot resolve{_numeric_segment_hint(key)}"
                        )
                    return (
                        m.group(0)
                        if ctx.check_only
                        else self.missing(ln, f"var {key}: no variables were given")
                    )
                found, value = dotted_get(ctx.variables, key)
                where = "no such key in _variables.yml"
            else:
                found, value = _lookup_meta(ctx, self.front, key)
                where = "no such metadata key"
            if not found:
                return self.missing(ln, f"{name} {key}: {where}{_numeric_segment_hint(key)}")
            single, why = quarto_vars.single_value(value)
            if not single:
                return self.missing(ln, f"{name} {key}: {why}")
            s = format_value(value)
            if s is None:
                return self.missing(ln, f"{name} {key}: value {value!r} cannot be printed inline")
            if not m.string[: m.start()].strip():
                s = _escape_block_start(s, m.string[m.end() :])
            return s
        if name == "embed":
            if in_front:
                return self.missing(ln, "embed is not allowed in the front matter")
            spec = _resolve_embed(ctx, ln, args, len(self.embeds) + 1, self.problems)
            if spec is None:
                return ""
            # captions and alt text from the notebook may quote variables too
            for key in ("fig-cap", "tbl-cap", "fig-alt"):
                value = spec.cell.options.get(key)
                if isinstance(value, str) and "{{<" in value:
                    spec.cell.options[key] = self.inline_only(value, ln, key)
            self.embeds[spec.id] = spec
            block.append(_embed_markdown(spec) if not ctx.check_only else "")
            return "\x01"
        if name == "pagebreak":
            block.append("\n```{=typst}\n#pagebreak()\n```\n")
            return "\x01"
        return self.missing(ln, f"unknown shortcode {{{{< {name} >}}}}")


_ORDERED_START_RE = re.compile(r"^(\d+)([.)])(?=\s|$)")


def _escape_block_start(value: str, following: str) -> str:
    """A value expanded at the start of a line must stay text: "2004." there (the full stop may
    follow the shortcode) would start an ordered list, which pandoc nests inside a list item
    without a blank line; "-", "+", "*", "#", ">" or "|" would start another block."""
    m = _ORDERED_START_RE.match(value + following)
    if m:
        digits = m.group(1)
        if len(value) == len(digits):  # the marker comes after the shortcode
            return value + "\\"
        return f"{digits}\\{value[len(digits) :]}"
    if value[:1] in "-+*#>|" and value:
        return "\\" + value
    return value


def expand_chapter(ctx: ExpandContext, rel: str) -> Expanded:
    """Expand includes and shortcodes of one chapter into pandoc markdown."""
    problems: list[Problem] = []
    lines = read_lines(ctx.project_dir, rel, problems)
    front = front_matter(lines)
    mask = code_mask(lines)
    # the front matter itself may hold shortcodes (e.g. a title quoting a var)
    in_front = [False] * len(lines)
    if lines and lines[0].text.strip() == "---":
        for j in range(1, len(lines)):
            in_front[j] = True
            if lines[j].text.strip() in ("---", "..."):
                break
    expander = _ShortcodeExpander(ctx, front, problems)
    out: list[str] = []
    for i, ln in enumerate(lines):
        if mask[i] and not in_front[i]:
            if EXEC_CELL_RE.match(ln.text):
                expander.missing(
                    ln,
                    "executable code cells are not run by the report renderer; "
                    "put the code in an analysis notebook and {{< embed >}} its output",
                )
            out.append(ln.text)
        elif "{{<" not in ln.text:
            out.append(ln.text)
        else:
            out.extend(expander.line(ln, in_front[i]))
    return Expanded("\n".join(out) + "\n", lines, front, expander.embeds, expander.uses, problems)
