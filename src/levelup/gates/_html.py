"""A small, tolerant HTML scanner shared by the static gates (stdlib ``html.parser`` only).

It records, with 1-based line numbers, what the links and accessibility gates need: every
element's attributes, the ids defined on the page, the document title, headings, tables and
their captions, images, ``<style>`` blocks and navigation links.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

_VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "param",
    "source",
    "track",
    "wbr",
}
_WS = re.compile(r"\s+")


def collapse(text: str) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space and strip."""
    return _WS.sub(" ", text.replace("\u00a0", " ")).strip()


@dataclass
class Element:
    tag: str
    attrs: dict[str, str]
    line: int


@dataclass
class Table:
    line: int
    attrs: dict[str, str]
    caption: str | None = None  # text of <caption>, None when there is none


@dataclass
class NavLink:
    href: str
    text: str
    line: int
    chapter_title: str | None = None  # text of a descendant with class "chapter-title"
    marked: bool = False  # the <a> carries a data-chapter attribute


@dataclass
class Page:
    """What the scanner saw in one HTML file."""

    path: Path
    rel: str  # path relative to the site root, with forward slashes
    elements: list[Element] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    html_lang: str | None = None
    html_line: int | None = None
    title: str | None = None  # None: no <title> element at all
    title_line: int | None = None
    h1_lines: list[int] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    styles: list[tuple[int, str]] = field(default_factory=list)  # (line, css text)
    nav_links: list[NavLink] = field(default_factory=list)
    refresh: str | None = None  # <meta http-equiv="refresh"> content

    @property
    def is_redirect(self) -> bool:
        return self.refresh is not None


class _Scanner(HTMLParser):
    def __init__(self, page: Page) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self._stack: list[tuple[str, bool, bool]] = []
        self._svg_depth = 0
        self._in_title = False
        self._title_parts: list[str] = []
        self._tables: list[Table] = []
        self._caption_parts: list[str] | None = None
        self._style_parts: list[str] | None = None
        self._style_line = 0
        self._nav_depth = 0
        self._anchor: NavLink | None = None
        self._anchor_parts: list[str] = []
        self._chapter_title_depth: int | None = None
        self._chapter_title_parts: list[str] = []

    # -- helpers ---------------------------------------------------------------------------
    @property
    def _line(self) -> int:
        return self.getpos()[0]

    def _text_sinks(self) -> list[list[str]]:
        sinks = []
        if self._in_title:
            sinks.append(self._title_parts)
        if self._caption_parts is not None:
            sinks.append(self._caption_parts)
        if self._style_parts is not None:
            sinks.append(self._style_parts)
        if self._anchor is not None:
            sinks.append(self._anchor_parts)
        if self._chapter_title_depth is not None:
            sinks.append(self._chapter_title_parts)
        return sinks

    # -- parser callbacks ------------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs_list, self_closing=False)

    def handle_startendtag(self, tag: str, attrs_list: list[tuple[str, str | None]]) -> None:
        self._start(tag, attrs_list, self_closing=True)

    def _start(
        self, tag: str, attrs_list: list[tuple[str, str | None]], self_closing: bool
    ) -> None:
        attrs = {k.lower(): (v if v is not None else "") for k, v in attrs_list}
        line = self._line
        page = self.page
        page.elements.append(Element(tag, attrs, line))
        if attrs.get("id"):
            page.ids.add(attrs["id"])
        if tag == "a" and attrs.get("name"):
            page.ids.add(attrs["name"])

        if tag == "html" and page.html_line is None:
            page.html_line = line
            page.html_lang = attrs.get("lang", attrs.get("xml:lang"))
        elif tag == "svg":
            self._svg_depth += 1
        elif tag == "title" and self._svg_depth == 0 and page.title is None and not self._in_title:
            self._in_title = True
            self._title_parts = []
            page.title_line = line
        elif tag == "h1":
            page.h1_lines.append(line)
        elif tag == "table":
            table = Table(line, attrs)
            page.tables.append(table)
            self._tables.append(table)
        elif tag == "caption" and self._tables and self._caption_parts is None:
            self._caption_parts = []
        elif tag == "style":
            self._style_parts = []
            self._style_line = line
        elif tag == "meta" and attrs.get("http-equiv", "").lower() == "refresh":
            page.refresh = attrs.get("content", "")
        opens = not self_closing and tag not in _VOID  # has content and an end tag
        is_nav = (tag == "nav" or attrs.get("role") == "navigation") and opens
        if is_nav:
            self._nav_depth += 1
        if tag == "a" and self._nav_depth and "href" in attrs and self._anchor is None:
            self._anchor = NavLink(attrs["href"], "", line, marked="data-chapter" in attrs)
            self._anchor_parts = []
        is_chapter_title = (
            opens
            and self._anchor is not None
            and self._chapter_title_depth is None
            and "chapter-title" in attrs.get("class", "").split()
        )
        if is_chapter_title:
            self._chapter_title_depth = len(self._stack)
            self._chapter_title_parts = []

        if opens:
            self._stack.append((tag, is_nav, is_chapter_title))

    def handle_endtag(self, tag: str) -> None:
        page = self.page
        if tag == "title" and self._in_title:
            self._in_title = False
            page.title = collapse("".join(self._title_parts))
        elif tag == "svg" and self._svg_depth:
            self._svg_depth -= 1
        elif tag == "caption" and self._caption_parts is not None:
            if self._tables:
                self._tables[-1].caption = collapse("".join(self._caption_parts))
            self._caption_parts = None
        elif tag == "table" and self._tables:
            self._tables.pop()
        elif tag == "style" and self._style_parts is not None:
            page.styles.append((self._style_line, "".join(self._style_parts)))
            self._style_parts = None
        elif tag == "a" and self._anchor is not None:
            self._anchor.text = collapse("".join(self._anchor_parts))
            page.nav_links.append(self._anchor)
            self._anchor = None
        # pop the open-element stack up to the matching tag (tolerates unclosed children)
        if any(entry[0] == tag for entry in self._stack):
            while self._stack:
                top, was_nav, was_chapter_title = self._stack.pop()
                if was_nav and self._nav_depth:
                    self._nav_depth -= 1
                if was_chapter_title and self._chapter_title_depth is not None:
                    if self._anchor is not None and self._anchor.chapter_title is None:
                        self._anchor.chapter_title = collapse("".join(self._chapter_title_parts))
                    self._chapter_title_depth = None
                if top == tag:
                    break

    def handle_data(self, data: str) -> None:
        for sink in self._text_sinks():
            sink.append(data)

    def close(self) -> None:
        super().close()
        if self._in_title:
            self.page.title = collapse("".join(self._title_parts))


def scan_html(path: Path, site_root: Path) -> Page:
    """Parse one HTML file. Undecodable bytes are replaced rather than raising."""
    rel = path.relative_to(site_root).as_posix()
    page = Page(path=path, rel=rel)
    text = path.read_text(encoding="utf-8", errors="replace")
    scanner = _Scanner(page)
    scanner.feed(text)
    scanner.close()
    return page


def html_files(site_root: Path) -> list[Path]:
    """Every ``.html``/``.htm`` file under ``site_root``, sorted, skipping hidden directories."""
    files = []
    for path in site_root.rglob("*"):
        if path.suffix.lower() not in (".html", ".htm") or not path.is_file():
            continue
        if any(part.startswith(".") for part in path.relative_to(site_root).parts[:-1]):
            continue
        files.append(path)
    return sorted(files, key=lambda p: p.relative_to(site_root).as_posix())


def scan_site(site_root: Path) -> list[Page]:
    return [scan_html(p, site_root) for p in html_files(site_root)]
