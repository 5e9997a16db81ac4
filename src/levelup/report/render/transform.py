"""The book semantics, in one place, as passes over pandoc's JSON AST.

``prepare`` (per chapter): chapter title, embedded notebook outputs -> captioned figures/tables,
Quarto div figures, images (content-addressed), alt text, callouts; collects numberable items.
``number_book`` (whole book): chapter numbers (1, 2, ... / A, B for appendices), section, figure
and table numbers per chapter like Quarto books, and the cross-reference index.
``resolve`` (per chapter): section numbers and caption prefixes, ``@fig-``/``@tbl-``/``@sec-``
references -> links, citation keys checked against the bibliography, links to ``.qmd`` files,
"Download the data (CSV)" links, accessible table wrappers.

Format-specific writing (Typst callouts, image widths) is in templates/runner.lua.
"""

from __future__ import annotations

import base64
import copy
import re
import string
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from . import ast as A
from .config import CALLOUT_TITLES, BookConfig, ChapterSpec
from .errors import Problem
from .sources import (
    SUPPORTED_CROSSREF,
    EmbedSpec,
    Expanded,
    ImageStore,
    SrcLine,
    _normalise,
    find_token_line,
    is_crossref_key,
)

NBSP = "\u00a0"
IMAGE_EXTENSIONS = ("png", "jpg", "jpeg", "gif", "svg", "webp")


@dataclass
class LabelInfo:
    label: str
    kind: str  # fig | tbl | sec
    number: str | None
    page: str
    chapter: str  # source
    level: int = 0  # headers only
    title: str = ""


@dataclass
class Numberable:
    node: dict
    kind: str  # header | fig | tbl
    label: str
    level: int = 0
    unnumbered: bool = False
    number: str | None = None


@dataclass
class Chapter:
    spec: ChapterSpec
    expanded: Expanded
    ast: dict
    title_inlines: list = field(default_factory=list)
    title: str = ""
    unnumbered: bool = False
    number: str | None = None  # "2", "A"
    title_id: str = ""
    items: list[Numberable] = field(default_factory=list)
    cited: set[str] = field(default_factory=set)
    has_refs: bool = False
    ids: set[str] = field(default_factory=set)

    @property
    def lines(self) -> list[SrcLine]:
        return self.expanded.lines

    @property
    def source(self) -> str:
        return self.spec.source

    def where(self, token: str) -> tuple[str, int]:
        ln = find_token_line(self.lines, token)
        return (ln.file, ln.line) if ln else (self.source, 0)


@dataclass
class BookContext:
    config: BookConfig
    images: ImageStore
    html_asts: dict[str, list]  # sha -> blocks read from notebook HTML outputs
    figure_data: dict[str, Path]  # label -> csv file
    bib_keys: set[str] | None
    table_data: dict[str, str] = field(default_factory=dict)  # label -> the table as CSV text
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def problem(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))


# ============================================================================== prepare


def _classes(node: dict) -> list[str]:
    a = A.get_attr(node)
    return a[1] if a else []


_CLEAN_TYPES = frozenset({"RawBlock", "RawInline", "Table", "Div", "Plain"})
_RESOLVE_TYPES = frozenset({"Cite", "Header", "Figure", "Table", "Link", "Span"})
_ATTR_TYPES = frozenset(
    {"Div", "Span", "Figure", "Table", "CodeBlock", "Code", "Header", "Image", "Link"}
)


def _clean_html_blocks(blocks: list) -> list:
    """Notebook HTML (pandas) read by pandoc: drop raw HTML/style, table classes and row styles."""

    def fn(node: dict) -> Any:
        t = node["t"]
        if t in ("RawBlock", "RawInline"):
            return []
        if t == "Table":
            node["c"][0] = A.attr()
            for body in node["c"][4]:
                for row in body[2] + body[3]:
                    row[0] = A.attr()
            for row in node["c"][3][1]:
                row[0] = A.attr()
            return None
        if t == "Div":
            return node["c"][1]  # unwrap pandas' wrapper <div>
        if t == "Plain" and not node["c"]:
            return []
        return None

    return A.walk(blocks, fn, _CLEAN_TYPES)


def _embed_blocks(ctx: BookContext, ch: Chapter, spec: EmbedSpec, div: dict) -> list:
    caption: list = []
    body: list = []
    for b in div["c"][1]:
        cls = _classes(b)
        if b["t"] == "Div" and "lu-caption" in cls:
            for cb in b["c"][1]:
                if cb["t"] in ("Para", "Plain"):
                    caption.extend(([A.Space()] if caption else []) + cb["c"])
        elif b["t"] == "Div" and "lu-body" in cls:
            body.extend(b["c"][1])

    def splice_html(node: dict) -> Any:
        if node["t"] == "Div" and "lu-html" in _classes(node):
            sha = A.kv(node["c"][0]).get("lu-ref", "")
            return _clean_html_blocks(copy.deepcopy(ctx.html_asts.get(sha, [])))
        return None

    body = A.walk(body, splice_html, {"Div"})
    code = [b for b in body if b["t"] == "CodeBlock" and "python" in b["c"][0][1]]
    rest = [b for b in body if b not in code]
    where = f"embed {spec.notebook}#{spec.label}"
    if spec.kind == "figure":
        images = [n for n in A.iter_nodes(rest) if n["t"] == "Image"]
        if not images:
            ctx.problem(spec.file, spec.line, f"{where}: no image in the cell output")
            return code + rest
        alt = str(spec.cell.options.get("fig-alt") or "").strip()
        figure_images = []
        for img in images:
            figure_images.append({"t": "Image", "c": [A.attr(), A.text_inlines(alt), img["c"][2]]})
            if len(images) > 1:
                figure_images.append(A.Space())
        # a missing fig-alt was already reported at the embed line
        kvs = {"fig-alt": alt} if alt else {"lu-noalt": "1"}
        fig = A.Figure(A.attr(spec.label, [], kvs), caption, [A.Plain(figure_images)])
        return code + [fig]
    if spec.kind == "table":
        tables = [n for n in A.iter_nodes(rest) if n["t"] == "Table"]
        if not tables:
            ctx.problem(spec.file, spec.line, f"{where}: the cell output contains no table")
            return code + rest
        table = tables[0]
        table["c"][0] = A.attr(spec.label)
        if caption:
            A.set_caption(table, caption)
        others = [
            b for b in rest if b is not table and not any(n is table for n in A.iter_nodes(b))
        ]
        return code + [table] + others
    return code + rest


def _div_figure(ctx: BookContext, ch: Chapter, div: dict) -> Any:
    a, blocks = div["c"]
    ident = a[0]
    if ident.startswith("fig-"):
        if len(blocks) < 2 or blocks[-1]["t"] not in ("Para", "Plain"):
            file, line = ch.where("#" + ident)
            ctx.problem(
                file, line, f"figure div {ident} needs its content then a caption paragraph"
            )
            return None
        caption = blocks[-1]["c"]
        content = [A.Plain(b["c"]) if b["t"] == "Para" else b for b in blocks[:-1]]
        return A.Figure(a, caption, content)
    if ident.startswith("tbl-"):
        tables = [b for b in blocks if b["t"] == "Table"]
        if not tables:
            return None
        table = tables[0]
        table["c"][0][0] = ident
        paras = [b for b in blocks if b["t"] in ("Para", "Plain")]
        if paras and not A.caption_inlines(table):
            A.set_caption(table, paras[-1]["c"])
        return [table]
    return None


_EQ_LABEL_RE = re.compile(r"^\{#(eq-[\w:.-]*\w)\}")
_FORMAT_ALIASES = {"html": {"html", "html5", "html4"}, "typst": {"typst", "pdf", "latex"}}


def _conditional(ctx: BookContext, div: dict) -> Any:
    """Quarto's ``.content-visible`` / ``.content-hidden`` with ``when-``/``unless-format|profile``."""
    a, blocks = div["c"]
    kvs = A.kv(a)
    hidden = "content-hidden" in a[1]
    profiles = {p for p in ctx.config.profile.split(",") if p}
    visible = {"html": True, "typst": True}
    for fmt, names in _FORMAT_ALIASES.items():
        cond = True
        if "when-format" in kvs:
            cond = cond and kvs["when-format"] in names
        if "unless-format" in kvs:
            cond = cond and kvs["unless-format"] not in names
        if "when-profile" in kvs:
            cond = cond and kvs["when-profile"] in profiles
        if "unless-profile" in kvs:
            cond = cond and kvs["unless-profile"] not in profiles
        visible[fmt] = (not cond) if hidden else cond
    if visible["html"] and visible["typst"]:
        return blocks
    if not visible["html"] and not visible["typst"]:
        return []
    only = "lu-html-only" if visible["html"] else "lu-typst-only"
    return A.Div(A.attr(a[0], [only]), blocks)


def _callout(div: dict, kind: str) -> dict:
    a, blocks = div["c"]
    kvs = A.kv(a)
    title: list = []
    if kvs.get("title"):
        title = A.text_inlines(kvs["title"])
    elif blocks and blocks[0]["t"] == "Header":
        title = blocks[0]["c"][2]
        blocks = blocks[1:]
    if not title:
        title = [A.Str(CALLOUT_TITLES[kind])]
    classes = ["callout", f"callout-{kind}"] + [c for c in a[1] if c != f"callout-{kind}"]
    new_attr = A.attr(a[0], classes, {"data-callout": kind, "role": "note"})
    return A.Div(
        new_attr,
        [
            A.Div(A.attr("", ["callout-title"]), [A.Plain(title)]),
            A.Div(A.attr("", ["callout-body"]), blocks),
        ],
    )


def _resolve_image(ctx: BookContext, ch: Chapter, src: str) -> str | None:
    if src.startswith("lu-image:"):
        return "lu-root:/images/" + src.removeprefix("lu-image:")
    if src.startswith("lu-root:/"):
        return src
    if re.match(r"^[a-z][a-z0-9+.-]*://", src, re.I) or src.startswith("//"):
        file, line = ch.where(src)
        ctx.problem(file, line, f"image {src} is remote; the site must not make external requests")
        return None
    if src.startswith("data:"):
        m = re.match(r"data:image/(\w+)(?:\+xml)?;base64,(.*)$", src, re.S)
        if not m:
            return None
        ext = {"jpeg": "jpg", "svg": "svg"}.get(m.group(1), m.group(1))
        return "lu-root:/images/" + ctx.images.add(base64.b64decode(m.group(2)), ext)
    path_part = src.split("#", 1)[0].split("?", 1)[0]
    line_file = ch.where(src)
    origin = PurePosixPath(line_file[0] if line_file[1] else ch.source)
    rel = _normalise(
        PurePosixPath(path_part.lstrip("/"))
        if path_part.startswith("/")
        else origin.parent / path_part
    )
    path = ctx.config.project_dir / rel
    if not path.is_file():
        ctx.problem(line_file[0], line_file[1], f"image {src} not found ({rel})")
        return None
    ext = path.suffix.lstrip(".").lower()
    if ext not in IMAGE_EXTENSIONS:
        ctx.problem(
            line_file[0],
            line_file[1],
            f"image {src}: unsupported format (use {', '.join(IMAGE_EXTENSIONS)})",
        )
        return None
    return "lu-root:/images/" + ctx.images.add(path.read_bytes(), ext)


def prepare(ctx: BookContext, ch: Chapter) -> None:
    """Per-chapter pass before numbering (see module docstring)."""
    doc = ch.ast
    blocks = doc["blocks"]

    # --- chapter title ---------------------------------------------------------------------
    first_h1 = next((b for b in blocks if b["t"] == "Header" and b["c"][0] == 1), None)
    if first_h1 is None:
        meta_title = (doc.get("meta") or {}).get("title")
        title_inlines: list = []
        if meta_title and meta_title.get("t") == "MetaInlines":
            title_inlines = meta_title["c"]
        elif meta_title and meta_title.get("t") == "MetaString":
            title_inlines = A.text_inlines(meta_title["c"])
        unnumbered = False
        if not title_inlines and ch.spec.page == "index.html":
            title_inlines = A.text_inlines(ctx.config.title)
            unnumbered = True
        if not title_inlines:
            ctx.problem(ch.source, 1, "chapter has no title (no '# Heading' and no YAML title)")
            title_inlines = A.text_inlines(PurePosixPath(ch.source).stem)
        slug = re.sub(r"[^\w]+", "-", A.stringify(title_inlines).lower()).strip("-") or ch.spec.key
        first_h1 = A.Header(1, A.attr(slug, ["unnumbered"] if unnumbered else []), title_inlines)
        blocks.insert(0, first_h1)
    h1_attr = first_h1["c"][1]
    ch.title_inlines = first_h1["c"][2]
    ch.title = A.stringify(ch.title_inlines)
    ch.unnumbered = "unnumbered" in h1_attr[1]
    ch.title_id = h1_attr[0]

    # --- embeds, div figures, callouts (bottom-up) ----------------------------------------
    def structural(node: dict) -> Any:
        t = node["t"]
        if t == "Div":
            a = node["c"][0]
            cls = a[1]
            if "lu-embed" in cls:
                spec = ch.expanded.embeds.get(A.kv(a).get("lu-id", ""))
                if spec is None:
                    return []
                return _embed_blocks(ctx, ch, spec, node)
            if a[0].startswith(("fig-", "tbl-")):
                return _div_figure(ctx, ch, node)
            for c in cls:
                if c.startswith("callout-") and c.removeprefix("callout-") in CALLOUT_TITLES:
                    return _callout(node, c.removeprefix("callout-"))
            if a[0] == "refs":
                ch.has_refs = True
            if "content-visible" in cls or "content-hidden" in cls:
                return _conditional(ctx, node)
        return None

    doc["blocks"] = A.walk(blocks, structural, A.BlocksOnly({"Div"}))

    # --- equations: $$ ... $$ {#eq-label} ----------------------------------------------------
    def equations(node: dict) -> Any:
        inl = node["c"]
        if not any(x["t"] == "Math" for x in inl):
            return None
        out: list = []
        i = 0
        while i < len(inl):
            x = inl[i]
            if x["t"] == "Math" and x["c"][0]["t"] == "DisplayMath":
                j = i + 1
                while j < len(inl) and inl[j]["t"] in ("Space", "SoftBreak"):
                    j += 1
                m = (
                    _EQ_LABEL_RE.match(inl[j]["c"])
                    if j < len(inl) and inl[j]["t"] == "Str"
                    else None
                )
                if m:
                    out.append(A.Span(A.attr(m.group(1), ["equation"]), [x]))
                    rest = inl[j]["c"][m.end() :]
                    if rest:
                        out.append(A.Str(rest))
                    i = j + 1
                    continue
            out.append(x)
            i += 1
        node["c"] = out
        return None

    A.walk(doc["blocks"], equations, {"Para", "Plain"})

    # --- images and alt text --------------------------------------------------------------
    original_src: dict[int, str] = {}
    in_figure: set[int] = set()

    def images(node: dict) -> Any:
        t = node["t"]
        if t == "Image":
            src = node["c"][2][0]
            new = _resolve_image(ctx, ch, src)
            if new:
                original_src[id(node)] = src
                node["c"][2][0] = new
        elif t == "Figure":
            fa = node["c"][0]
            alt = A.kv(fa).get("fig-alt")
            imgs = [n for n in A.iter_nodes(node["c"][2]) if n["t"] == "Image"]
            in_figure.update(id(i) for i in imgs)
            for img in imgs:
                ia = img["c"][0]
                alt_here = alt or A.kv(ia).get("fig-alt")
                A.set_kv(ia, "fig-alt", None)
                if alt_here and alt_here.strip():
                    img["c"][1] = A.text_inlines(alt_here.strip())
                    img["c"][0][2].append(["data-lu-alt", "1"])
            A.set_kv(fa, "fig-alt", None)
            reported = A.kv(fa).get("lu-noalt")
            A.set_kv(fa, "lu-noalt", None)
            if imgs and not reported and not all(A.kv(i["c"][0]).get("data-lu-alt") for i in imgs):
                src0 = original_src.get(id(imgs[0]), imgs[0]["c"][2][0])
                label = fa[0] or src0
                file, line = ch.where("#" + fa[0] if fa[0] else src0)
                ctx.problem(file, line, f"figure {label} has no fig-alt (alternative text)")
            for img in imgs:
                A.set_kv(img["c"][0], "data-lu-alt", None)
        return None

    doc["blocks"] = A.walk(doc["blocks"], images, {"Image", "Figure"})

    # images outside figures need their own alt text; numberable items in document order
    for n in A.iter_nodes(doc["blocks"]):
        t = n["t"]
        if t == "Image" and id(n) not in in_figure and not A.stringify(n["c"][1]).strip():
            file, line = ch.where(original_src.get(id(n), n["c"][2][0]))
            ctx.problem(file, line, f"image {n['c'][2][0]} has no alternative text")
        elif t == "Header":
            a = n["c"][1]
            ch.items.append(Numberable(n, "header", a[0], n["c"][0], "unnumbered" in a[1]))
            if n["c"][0] == 1 and n is not first_h1:
                file, line = ch.where("# " + A.stringify(n["c"][2]))
                ctx.warnings.append(
                    f"{file}:{line}: a second level-1 heading; only the first is the chapter title"
                )
        elif t == "Figure" and n["c"][0][0].startswith("fig-"):
            ch.items.append(Numberable(n, "fig", n["c"][0][0]))
        elif t == "Table" and n["c"][0][0].startswith("tbl-"):
            ch.items.append(Numberable(n, "tbl", n["c"][0][0]))
        elif t == "Span" and "equation" in n["c"][0][1] and n["c"][0][0].startswith("eq-"):
            ch.items.append(Numberable(n, "eq", n["c"][0][0]))


# ============================================================================== numbering


def _letters(n: int) -> str:
    out = ""
    while n > 0:
        n, r = divmod(n - 1, 26)
        out = string.ascii_uppercase[r] + out
    return out


def number_book(ctx: BookContext, chapters: list[Chapter]) -> dict[str, LabelInfo]:
    """Assign chapter/section/figure/table numbers; return the cross-reference index."""
    cfg = ctx.config
    main_n = appendix_n = 0
    index: dict[str, LabelInfo] = {}
    depth = cfg.number_depth
    for ch in chapters:
        if not ch.unnumbered:
            if ch.spec.appendix:
                appendix_n += 1
                ch.number = _letters(appendix_n)
            else:
                main_n += 1
                ch.number = str(main_n)
        counters = [0] * 7
        fig_n = tbl_n = eq_n = 0
        for item in ch.items:
            if item.kind == "header":
                if item.level == 1 and item.node["c"][1][0] == ch.title_id and item is ch.items[0]:
                    item.number = ch.number
                elif item.level >= 2 and ch.number and not item.unnumbered:
                    counters[item.level] += 1
                    for deeper in range(item.level + 1, 7):
                        counters[deeper] = 0
                    if item.level <= depth and cfg.number_sections:
                        item.number = ".".join(
                            [ch.number] + [str(counters[lv]) for lv in range(2, item.level + 1)]
                        )
            elif item.kind == "fig":
                fig_n += 1
                item.number = f"{ch.number}.{fig_n}" if ch.number else str(fig_n)
            elif item.kind == "tbl":
                tbl_n += 1
                item.number = f"{ch.number}.{tbl_n}" if ch.number else str(tbl_n)
            elif item.kind == "eq":
                eq_n += 1
                item.number = f"{ch.number}.{eq_n}" if ch.number else str(eq_n)
            label = item.label
            kind = {"header": "sec", "fig": "fig", "tbl": "tbl", "eq": "eq"}[item.kind]
            if label and label.startswith(SUPPORTED_CROSSREF):
                if label in index:
                    file, line = ch.where("#" + label)
                    ctx.problem(
                        file,
                        line,
                        f"label {label} is defined more than once (also in {index[label].chapter})",
                    )
                    continue
                title = A.stringify(item.node["c"][2]) if item.kind == "header" else ""
                index[label] = LabelInfo(
                    label, kind, item.number, ch.spec.page, ch.source, item.level, title
                )
    return index


# ============================================================================== resolve


def _ref_inlines(ctx: BookContext, info: LabelInfo, citation: dict, cfg: BookConfig) -> list:
    mode = citation["citationMode"]["t"]
    xref = cfg.crossref
    if info.number is None:
        text = info.title or info.label
        return [A.Link(A.text_inlines(text), "#" + info.label)]
    if info.kind == "fig":
        prefix = xref["fig-prefix"]
    elif info.kind == "tbl":
        prefix = xref["tbl-prefix"]
    elif info.kind == "eq":
        prefix = xref["eq-prefix"]
    elif info.level == 1:
        prefix = xref["ch-prefix"]
    else:
        prefix = xref["sec-prefix"]
    text = info.number if mode == "SuppressAuthor" else f"{prefix}{NBSP}{info.number}"
    return [A.Link([A.Str(text)], "#" + info.label)]


def resolve(
    ctx: BookContext, ch: Chapter, index: dict[str, LabelInfo], chapters: list[Chapter]
) -> None:
    cfg = ctx.config
    xref = cfg.crossref
    numbers = {id(item.node): item.number for item in ch.items}
    by_source = {c.source: c for c in chapters}

    def fn(node: dict) -> Any:
        t = node["t"]
        if t == "Cite":
            citations = node["c"][0]
            keys = [c["citationId"] for c in citations]
            xrefs = [is_crossref_key(k[:1].lower() + k[1:]) for k in keys]
            if any(xrefs) and not all(xrefs):
                file, line = ch.where("@" + keys[0])
                ctx.problem(
                    file, line, "cross-references and citations cannot be mixed in one [...] group"
                )
                return None
            if not any(xrefs):
                for k in keys:
                    if ctx.bib_keys is None:
                        file, line = ch.where("@" + k)
                        ctx.problem(file, line, f"citation @{k}: the book has no bibliography")
                    elif k not in ctx.bib_keys:
                        file, line = ch.where("@" + k)
                        ctx.problem(file, line, f"citation @{k}: no such key in the bibliography")
                    else:
                        ch.cited.add(k)
                return None
            out: list = []
            for i, c in enumerate(citations):
                key = c["citationId"]
                label = key[:1].lower() + key[1:]
                info = index.get(label)
                if info is None:
                    file, line = ch.where("@" + key)
                    if not label.startswith(SUPPORTED_CROSSREF):
                        ctx.problem(
                            file,
                            line,
                            f"cross-reference @{key}: only fig-, tbl-, sec- and eq- "
                            "references are supported",
                        )
                    else:
                        ctx.problem(
                            file,
                            line,
                            f"cross-reference @{key}: no figure, table, section or equation labelled {label}",
                        )
                    return None
                if i:
                    out.extend([A.Str(","), A.Space()])
                if c.get("citationPrefix"):
                    out.extend([*c["citationPrefix"], A.Space()])
                out.extend(_ref_inlines(ctx, info, c, cfg))
                out.extend(c.get("citationSuffix") or [])
            return out
        if t == "Span":
            num = numbers.get(id(node))
            if num:
                node["c"][1] = [
                    *node["c"][1],
                    A.Space(),
                    A.Span(A.attr("", ["eq-number"]), [A.Str(f"({num})")]),
                ]
            return None
        if t == "Header":
            num = numbers.get(id(node))
            if num and node["c"][0] == 1 and A.number_in_title(num, A.stringify(node["c"][2])):
                num = None  # "Mission 10: Housing", not "10 Mission 10: Housing"
            if num:
                node["c"][2] = [
                    A.Span(A.attr("", ["header-section-number"]), [A.Str(num)]),
                    A.Space(),
                ] + node["c"][2]
            return None
        if t == "Figure":
            a = node["c"][0]
            num = numbers.get(id(node))
            if num:
                cap = A.caption_inlines(node)
                prefix = f"{xref['fig-title']}{NBSP}{num}"
                A.set_caption(
                    node,
                    [A.Str(prefix + xref["title-delim"]), A.Space(), *cap]
                    if cap
                    else [A.Str(prefix)],
                )
                csv = ctx.figure_data.get(a[0])
                if csv is not None:
                    link = A.Link(
                        [
                            *A.text_inlines("Download the data (CSV)"),
                            A.Span(A.attr("", ["visually-hidden"]), [A.Str(f" for {prefix}")]),
                        ],
                        f"lu-root:/data/{a[0]}.csv",
                        A.attr("", [], {"download": f"{a[0]}.csv"}),
                    )
                    return [
                        node,
                        A.Div(A.attr("", ["figure-data", "lu-html-only"]), [A.Plain([link])]),
                    ]
            return None
        if t == "Table":
            a = node["c"][0]
            num = numbers.get(id(node))
            cap = A.caption_inlines(node)
            if num:
                prefix = f"{xref['tbl-title']}{NBSP}{num}"
                cap = (
                    [A.Str(prefix + xref["title-delim"]), A.Space(), *cap]
                    if cap
                    else [A.Str(prefix)]
                )
                A.set_caption(node, cap)
            label = A.stringify(cap)
            if not label:
                file, line = ch.where("|") if not a[0] else ch.where("#" + a[0])
                ctx.warnings.append(
                    f"{file}:{line}: table without a caption (add ': Caption' or tbl-cap)"
                )
                label = "Table"
            wrap = A.Div(
                A.attr(
                    "", ["table-wrap"], {"tabindex": "0", "role": "region", "aria-label": label}
                ),
                [node],
            )
            if not (a[0].startswith("tbl-") and num):
                return wrap
            # the table's data for download, beside the charts' (site/data/<label>.csv)
            ctx.table_data[a[0]] = A.table_csv(node)
            link = A.Link(
                [
                    *A.text_inlines("Download the table (CSV)"),
                    A.Span(A.attr("", ["visually-hidden"]), [A.Str(f" for {prefix}")]),
                ],
                f"lu-root:/data/{a[0]}.csv",
                A.attr("", [], {"download": f"{a[0]}.csv"}),
            )
            return [wrap, A.Div(A.attr("", ["figure-data", "lu-html-only"]), [A.Plain([link])])]
        if t == "Link":
            target = node["c"][2][0]
            if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
                return None
            path, _, anchor = target.partition("#")
            if path.endswith((".qmd", ".ipynb", ".md")):
                rel = _normalise(PurePosixPath(ch.source).parent / path)
                other = by_source.get(rel)
                if other is None:
                    file, line = ch.where(path)
                    ctx.problem(file, line, f"link to {path}: not a chapter of this book")
                    return None
                node["c"][2][0] = "#" + (anchor or other.title_id)
        return None

    ch.ast["blocks"] = A.walk(ch.ast["blocks"], fn, _RESOLVE_TYPES)
    ch.ids = {
        a[0]
        for n in A.iter_nodes(ch.ast["blocks"])
        if n["t"] in _ATTR_TYPES and (a := A.get_attr(n)) and a[0]
    }
