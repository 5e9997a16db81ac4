"""The HTML site: page assembly around pandoc's fragments, navigation, search index, colophon."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from string import Template

from . import ast as A

TEMPLATES = Path(__file__).parent / "templates"
ASSETS = ("levelup.css", "levelup.js")


@dataclass
class NavEntry:
    page: str
    title: str
    number: str | None
    part: str | None
    source: str


def root_prefix(page: str) -> str:
    depth = len(PurePosixPath(page).parts) - 1
    return "../" * depth


def relative_url(from_page: str, to_page: str) -> str:
    return root_prefix(from_page) + to_page


_HREF_ANCHOR_RE = re.compile(r'href="#([^"]+)"')
_TH_RE = re.compile(r"<th(?=[\s>])(?![^>]*\bscope=)")
_EMPTY_TH_RE = re.compile(r"<th scope=\"col\"([^>]*)>\s*</th>")


def _scope_table_headers(fragment: str) -> str:
    """``<th scope="col">`` in thead, ``<th scope="row">`` in tbody; empty corner cells become td."""
    out: list[str] = []
    pos = 0
    for m in re.finditer(r"<tbody>.*?</tbody>", fragment, re.S):
        out.append(_TH_RE.sub('<th scope="col"', fragment[pos : m.start()]))
        out.append(_TH_RE.sub('<th scope="row"', m.group(0)))
        pos = m.end()
    out.append(_TH_RE.sub('<th scope="col"', fragment[pos:]))
    return _EMPTY_TH_RE.sub(r"<td\1></td>", "".join(out))


def postprocess_fragment(
    fragment: str, page: str, page_ids: set[str], id_pages: Mapping[str, str]
) -> tuple[str, list[str]]:
    """Make pandoc's HTML fragment site-relative; returns (html, unresolved internal anchors)."""
    root = root_prefix(page)
    fragment = fragment.replace('"lu-root:/', '"' + root).replace(" lu-html-only", "")
    missing: list[str] = []

    def anchor(m: re.Match) -> str:
        ident = html.unescape(m.group(1))
        if ident in page_ids:
            return m.group(0)
        target = id_pages.get(ident)
        if target is None:
            if not ident.startswith(("fn", "cb")):
                missing.append(ident)
            return m.group(0)
        return f'href="{html.escape(relative_url(page, target))}#{m.group(1)}"'

    fragment = _HREF_ANCHOR_RE.sub(anchor, fragment)
    fragment = _scope_table_headers(fragment)
    return fragment, missing


#: Tables whose rows become labelled cards on a phone: marked with this class, or by id.
STACK_CLASS = "stack-phone"
STACK_IDS = frozenset({"tbl-missions-at-a-glance"})
_TABLE_RE = re.compile(r"<table\b([^>]*)>(.*?)</table>", re.S)
_CELL_RE = re.compile(r"<(td|th)\b([^>]*)>", re.S)
_PERCENT_COLGROUP_RE = re.compile(
    r"<colgroup>\s*(?:<col style=\"width: [0-9.]+%\" ?/?>\s*)+</colgroup>\s*", re.S
)


def _attr(attrs: str, name: str) -> str | None:
    m = re.search(rf'\b{name}="([^"]*)"', attrs)
    return html.unescape(m.group(1)) if m else None


def _stack_table(m: re.Match) -> str:
    attrs, body = m.group(1), m.group(2)
    classes = (_attr(attrs, "class") or "").split()
    if STACK_CLASS not in classes and _attr(attrs, "id") not in STACK_IDS:
        return m.group(0)
    head = re.search(r"<thead>(.*?)</thead>", body, re.S)
    if head is None:
        return m.group(0)
    labels = [_plain(c) for c in re.findall(r"<th\b[^>]*>(.*?)</th>", head.group(1), re.S)]

    def label_row(row: re.Match) -> str:
        k = iter(range(len(labels) + 100))

        def cell(c: re.Match) -> str:
            i = next(k)
            if i >= len(labels) or "data-label=" in c.group(2) or not labels[i]:
                return c.group(0)
            return f'<{c.group(1)} data-label="{_esc(labels[i])}"{c.group(2)}>'

        return _CELL_RE.sub(cell, row.group(0))

    tbody = re.sub(
        r"<tbody>.*?</tbody>",
        lambda b: re.sub(r"<tr\b.*?</tr>", label_row, b.group(0), flags=re.S),
        body,
        flags=re.S,
    )
    if STACK_CLASS not in classes:
        if "class=" in attrs:
            attrs = re.sub(r'\bclass="', f'class="{STACK_CLASS} ', attrs, count=1)
        else:
            attrs += f' class="{STACK_CLASS}"'
    return f"<table{attrs}>{tbody}</table>"


def layout_tables(fragment: str) -> str:
    """Tables take their columns' widths from their content (pandoc's equal percentages are
    dropped), and marked tables (class ``stack-phone`` or a listed id) get each cell's column
    header as ``data-label``, so that on a phone each row reads as a labelled card (CSS)."""
    fragment = _PERCENT_COLGROUP_RE.sub("", fragment)
    return _TABLE_RE.sub(_stack_table, fragment)


_SVG_IMG_RE = re.compile(
    r'<img\b([^>]*?\bsrc="((?:\.\./)*images/([0-9a-f]+)\.svg)"[^>]*?)/?>', re.S
)
_SVG_ID_RE = re.compile(r'\bid="([^"]+)"')
_SVG_DECIMALS_RE = re.compile(r"(?<![\w#])(\d+\.\d\d)\d+")


def inline_svg_images(fragment: str, images: Mapping[str, bytes]) -> str:
    """Charts (SVG images) are put inline in the page: their text is text (selectable, drawn
    in the page's DejaVu Sans), they stay sharp at any width, and the ``alt`` text becomes the
    accessible name (``role="img"``). Ids inside each chart are prefixed with its name so two
    charts on a page do not share ids. A chart keeps a readable minimum width on a phone, in a
    keyboard-focusable scroll container."""

    def inline(m: re.Match) -> str:
        name = m.group(3)
        data = images.get(f"{name}.svg")
        if data is None:
            return m.group(0)
        svg = data.decode("utf-8")
        start = svg.find("<svg")
        if start < 0:
            return m.group(0)
        svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg[start:], flags=re.S)
        # coordinates to 1/100 pt: a third smaller pages, no visible difference
        svg = _SVG_DECIMALS_RE.sub(r"\1", svg)
        prefix = f"c{name[:8]}-"
        ids = set(_SVG_ID_RE.findall(svg))
        svg = _SVG_ID_RE.sub(lambda i: f'id="{prefix}{i.group(1)}"', svg)
        svg = re.sub(
            r'(url\(#|href="#)([^)"]+)',
            lambda r: r.group(1) + (prefix + r.group(2) if r.group(2) in ids else r.group(2)),
            svg,
        )
        alt = _attr(m.group(1), "alt") or ""
        svg = re.sub(
            r'<svg\b([^>]*?)\swidth="[^"]*"\s+height="[^"]*"',
            rf'<svg\1 class="chart" role="img" aria-label="{_esc(alt)}" focusable="false"',
            svg,
            count=1,
        )
        return (
            f'<div class="chart-wrap" tabindex="0" role="region" '
            f'aria-label="Chart: {_esc(alt[:120])}">{svg.strip()}</div>'
        )

    return _SVG_IMG_RE.sub(inline, fragment)


def toc_entries(blocks: list, max_level: int = 3) -> list[tuple[int, str, str]]:
    """(level, id, text) for the on-page table of contents (levels 2..max_level)."""
    out = []
    for n in A.iter_nodes(blocks):
        if n["t"] == "Header" and 2 <= n["c"][0] <= max_level and n["c"][1][0]:
            out.append((n["c"][0], n["c"][1][0], A.stringify(n["c"][2])))
    return out


_TAG_RE = re.compile(r"<[^>]+>")
_H2_RE = re.compile(r'<h2\b[^>]*\bid="([^"]*)"[^>]*>(.*?)</h2>', re.S)


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(_TAG_RE.sub(" ", fragment)).split())


def search_entries(page: str, chapter_label: str, fragment: str) -> list[dict]:
    """One search entry per level-2 section of the page's HTML (plus the chapter opening)."""
    fragment = re.sub(r"<h1\b.*?</h1>", "", fragment, count=1, flags=re.S)
    chunks = re.split(r"(?=<h2\b)", fragment)
    entries = []
    for i, chunk in enumerate(chunks):
        m = _H2_RE.match(chunk)
        if m:
            url, section, body = f"{page}#{m.group(1)}", _plain(m.group(2)), chunk[m.end() :]
        else:
            url, section, body = page, "", chunk
        text = _plain(body)
        if i == 0 or text or section:
            entries.append({"u": url, "c": chapter_label, "s": section, "x": text[:5000]})
    return entries


def _esc(s: str | None) -> str:
    return html.escape(s or "", quote=True)


def nav_html(entries: list[NavEntry], current: str) -> str:
    root = root_prefix(current)
    lines = ['<ul class="nav-list">']
    open_part: str | None = None
    part_n = 0
    for e in entries:
        if e.part != open_part:
            if open_part is not None:
                lines.append("</ul></li>")
            if e.part is not None:
                part_n += 1
                lines.append(
                    f'<li class="nav-part"><span class="nav-part-title" id="nav-part-{part_n}">{_esc(e.part)}</span>'
                    f'<ul aria-labelledby="nav-part-{part_n}">'
                )
            open_part = e.part
        cur = ' aria-current="page"' if e.page == current else ""
        num = (
            f'<span class="nav-number">{_esc(e.number)}</span> '
            if e.number and not A.number_in_title(e.number, e.title)
            else ""
        )
        lines.append(f'<li><a href="{_esc(root + e.page)}"{cur}>{num}{_esc(e.title)}</a></li>')
    if open_part is not None:
        lines.append("</ul></li>")
    lines.append("</ul>")
    return "\n".join(lines)


def pager_html(entries: list[NavEntry], i: int) -> str:
    page = entries[i].page
    parts = []
    if i > 0:
        p = entries[i - 1]
        label = A.chapter_label(p.number, p.title)
        parts.append(
            f'<a class="pager-prev" rel="prev" href="{_esc(relative_url(page, p.page))}">'
            f'<span class="pager-label">Previous</span> <span class="pager-title">{_esc(label)}</span></a>'
        )
    if i + 1 < len(entries):
        n = entries[i + 1]
        label = A.chapter_label(n.number, n.title)
        parts.append(
            f'<a class="pager-next" rel="next" href="{_esc(relative_url(page, n.page))}">'
            f'<span class="pager-label">Next</span> <span class="pager-title">{_esc(label)}</span></a>'
        )
    if not parts:
        return ""
    return (
        '<nav class="pager" aria-label="Previous and next chapters">\n'
        + "\n".join(parts)
        + "\n</nav>"
    )


def toc_html(entries: list[tuple[int, str, str]]) -> str:
    if not entries:
        return ""
    items = [
        f'<li class="toc-level-{lvl}"><a href="#{_esc(ident)}">{_esc(text)}</a></li>'
        for lvl, ident, text in entries
    ]
    return (
        '<nav class="page-toc" aria-label="On this page">\n<p class="toc-title">On this page</p>\n<ul>\n'
        + "\n".join(items)
        + "\n</ul>\n</nav>"
    )


def editions_html(site_meta: Mapping, page: str) -> str:
    editions = site_meta.get("editions") or []
    current = str(site_meta.get("edition") or "")
    if not editions:
        return ""
    root = root_prefix(page)
    items = []
    for ed in editions:
        if isinstance(ed, Mapping):
            name = str(ed.get("edition") or ed.get("name") or "")
            label = str(ed.get("label") or name)
            href = ed.get("href") or ed.get("url")
        else:
            name = label = str(ed)
            href = None
        if name == current:
            items.append(
                f'<li><a href="{_esc(root)}index.html" aria-current="page">{_esc(label)} (this edition)</a></li>'
            )
        else:
            base = site_meta.get("editions_base_url")
            if not href:
                href = f"{str(base).rstrip('/')}/{name}/" if base else f"{root}../{name}/index.html"
            items.append(f'<li><a href="{_esc(str(href))}">{_esc(label)}</a></li>')
    return (
        '<nav class="edition-switcher" aria-label="Editions">\n<details>\n'
        f"<summary>Edition: {_esc(current) or 'this'}</summary>\n<ul>\n"
        + "\n".join(items)
        + "\n</ul>\n</details>\n</nav>"
    )


COLOPHON_FIELDS = (
    ("edition", "Edition"),
    ("version", "Version"),
    ("commit", "Code commit"),
    ("lockfile_sha256", "Lockfile (uv.lock) SHA-256"),
    ("data_manifest_sha256", "Data manifest SHA-256"),
    ("build_date", "Built"),
)


#: what a page's footer shows when the pins live on a provenance page
_SHORT_COLOPHON = ("edition", "version", "build_date")


def colophon_html(
    title: str, site_meta: Mapping, pdf_href: str | None, page: str = "index.html"
) -> str:
    """The footer's colophon. With ``site_meta["provenance_page"]`` (a site-relative page), only
    that page lists the code commit and checksums; every other page gives the edition, a release
    version and the build date, and links there, so no hash stands where readers read."""
    provenance = site_meta.get("provenance_page")
    short = bool(provenance) and page != provenance
    rows = []
    for key, label in COLOPHON_FIELDS:
        value = site_meta.get(key)
        if short and (key not in _SHORT_COLOPHON or (key == "version" and "+" in str(value))):
            continue  # a development version carries the commit id
        if value in (None, ""):
            value_html = "not recorded"
        elif key in ("commit", "lockfile_sha256", "data_manifest_sha256"):
            value_html = f"<code>{_esc(str(value))}</code>"
        elif key == "build_date":
            value_html = f'<time datetime="{_esc(str(value))}">{_esc(str(value))}</time>'
        else:
            value_html = _esc(str(value))
        rows.append(f"<div><dt>{label}</dt><dd>{value_html}</dd></div>")
    pdf = (
        f'<p class="colophon-pdf"><a href="{_esc(pdf_href)}">Download this report as a PDF</a></p>'
        if pdf_href
        else ""
    )
    if short:
        href = _esc(relative_url(page, str(provenance)))
        pdf = (
            f'<p class="colophon-provenance">The code commit and checksums of this build are in '
            f'<a href="{href}">the data sources appendix</a>.</p>\n{pdf}'
        )
    return (
        f'<div class="colophon">\n<p class="colophon-title">{_esc(title)}</p>\n'
        f'<dl class="colophon-list">\n' + "\n".join(rows) + f"\n</dl>\n{pdf}\n</div>"
    )


def site_parts(title: str, site_meta: Mapping, pdf_name: str | None, page: str) -> dict[str, str]:
    """The edition switcher and the colophon of one page, for both engines: the built-in page
    template places them; the Quarto path writes them for its post-render step (``quarto.py``)."""
    root = root_prefix(page)
    return {
        "editions": editions_html(site_meta, page),
        "colophon": colophon_html(title, site_meta, (root + pdf_name) if pdf_name else None, page),
    }


def page_html(
    *,
    lang: str,
    page: str,
    page_title: str,
    book_title: str,
    content: str,
    nav: str,
    pager: str,
    toc: str,
    editions: str,
    colophon: str,
    edition_label: str,
    generator: str,
) -> str:
    tpl = Template((TEMPLATES / "page.html").read_text(encoding="utf-8"))
    return tpl.substitute(
        lang=_esc(lang),
        root=_esc(root_prefix(page)),
        page_title=_esc(page_title),
        book_title=_esc(book_title),
        content=content,
        nav=nav,
        pager=pager,
        toc=toc,
        editions=editions,
        colophon=colophon,
        edition_label=_esc(edition_label),
        generator=_esc(generator),
        has_toc="has-toc" if toc else "no-toc",
    )


def search_index_files(entries: list[dict]) -> dict[str, str]:
    data = json.dumps(entries, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return {"search.json": data + "\n", "search-index.js": f"window.LEVELUP_SEARCH={data};\n"}
