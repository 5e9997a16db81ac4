"""Prose gate: the machinery stays out of what readers see, and generated phrases read naturally.

Sweeps the text a reader sees on every page of a built site (body text, captions, tables, image
alt text and titles; not ``<script>``/``<style>``, not attribute values such as ``href``/``src``)
and any SVG chart text, for

* **machinery**: 64- or 40-hex digests, 7+-hex commit-like tokens, file paths (``.csv``,
  ``.ipynb``, ``curated/``, ``els/``, ``sdg/``), dataset slugs and finding keys (``m07-health.``,
  ``els/…``, ``snake_case_ids``);
* **template slips**: ``(s)``, ``: never``, ``in 0``, doubled words (``the the``),
  ``CSEW total CSEW``, ``highest in:``, ``1 already have``, a raw shortcode ``{{<`` or an
  unresolved variable ``?var:``.

The provenance appendix (``chapters/data-sources``) is exempt but for raw shortcodes and
unresolved variables: it is where the pins (files, sha256, commits) belong (report-writing.md, "Provenance lives in one appendix and in the
downloads"). Failures read ``page: rule: «context»``.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from levelup.gates.result import GateResult
from levelup.paths import PROVENANCE_PAGE

GATE = "prose"

#: Pages where provenance (files, sha256, commits) belongs: the data-sources appendix.
PROVENANCE_PAGES = (PROVENANCE_PAGE,)

_VOID = {"img", "br", "hr", "input", "meta", "link", "source", "wbr", "col", "area", "embed"}
_HEX_WORD = r"(?<![0-9A-Za-z_-]){}(?![0-9A-Za-z_-])"
#: (rule, pattern) pairs; each match is a failure.
RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("sha256 digest", re.compile(_HEX_WORD.format(r"[0-9a-f]{64}"))),
    ("git commit id", re.compile(_HEX_WORD.format(r"[0-9a-f]{40}"))),
    # a 7+ hex token with at least one digit and one letter (not a year, not a word like "defaced")
    (
        "commit-like hex token",
        re.compile(_HEX_WORD.format(r"(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,39}")),
    ),
    ("file path", re.compile(r"\b[\w./-]+\.(?:csv|ipynb|json|toml|yaml|yml|py|md|qmd)\b")),
    ("data folder path", re.compile(r"(?<![\w/-])(?:curated|els|sdg|population|data)/[\w.-]")),
    (
        "finding key",
        re.compile(r"\b(?:m(?:0[1-9]|1[0-2])-[a-z-]+|capital-[a-z]+|cap-[a-z-]+)\.[a-z0-9-]"),
    ),
    ("metric or dataset id", re.compile(r"\b(?:m(?:0[1-9]|1[0-2])|cap|sdg)-[a-z0-9]+-[a-z0-9-]+")),
    ("snake_case identifier", re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]*[a-z0-9]\b")),
    ("'(s)' plural", re.compile(r"\w\(s\)")),
    ("': never'", re.compile(r":\s*never\b")),
    ("'in 0'", re.compile(r"\bin 0\b(?![.,]\d)")),
    (
        "'1 … have/are/were'",
        re.compile(r"(?<![\d.,])\b1 (?:\w+ )?(?:already )?(?:have|are|were)\b"),
    ),
    ("list after a colon", re.compile(r"\b(?:highest|lowest|largest|smallest) in:")),
    (
        "doubled acronym",
        re.compile(r"\b([A-Z]{2,})\b[^.;:()]{0,20}\b\1 \1\b|\b([A-Z]{2,}) \w+ \2\b"),
    ),
    ("raw shortcode", re.compile(r"\{\{<|>\}\}")),
    ("unresolved variable", re.compile(r"\?var:|\?@(?:fig|tbl|sec)-")),
)
#: Rules every page obeys, the provenance appendix too: nothing of the source is left unrendered.
TEMPLATE_LEFTOVERS = tuple(r for r in RULES if r[0] in ("raw shortcode", "unresolved variable"))
_DOUBLED = re.compile(r"\b([A-Za-z]+)[ \t]+\1\b", re.IGNORECASE)  # within one block of text
#: Doubled words that can be right ("that that", "had had"); none is used in the report today.
_DOUBLED_OK = {"that", "had"}


class _Text(HTMLParser):
    """Visible text (and alt/title/aria-label text) of a page, one string per block."""

    _SKIP = {"script", "style", "template", "noscript", "annotation"}  # annotation: TeX of math
    #: Classes whose element is provenance, not prose: the colophon (edition, code commit,
    #: lockfile and data-manifest digests) in every page's footer.
    _SKIP_CLASSES = {"colophon"}
    _BLOCK = {
        "p", "div", "li", "td", "th", "tr", "caption", "figcaption", "h1", "h2", "h3", "h4",
        "h5", "h6", "section", "table", "ul", "ol", "dd", "dt", "br", "nav", "header", "footer",
        "aside", "figure", "blockquote", "pre", "title",
    }  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._skipped_class: list[str | int] = []  # [tag, depth] of a skipped class element

    def handle_starttag(self, tag, attrs):
        if self._skipped_class:
            if tag == self._skipped_class[0]:
                self._skipped_class[1] += 1
            return
        classes = set((dict(attrs).get("class") or "").split())
        if classes & self._SKIP_CLASSES and tag not in _VOID:
            self._skipped_class = [tag, 1]
            return
        if tag in self._SKIP:
            self._skip += 1
        if tag in self._BLOCK:
            self.parts.append("\n")
        for name, value in attrs:
            if name in ("alt", "title", "aria-label") and value:
                self.parts.append(f"\n{value}\n")

    def handle_endtag(self, tag):
        if self._skipped_class:
            if tag == self._skipped_class[0]:
                self._skipped_class[1] -= 1
                if not self._skipped_class[1]:
                    self._skipped_class = []
            return
        if tag in self._SKIP and self._skip:
            self._skip -= 1
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip and not self._skipped_class:
            self.parts.append(data)


def visible_text(html: str) -> str:
    """What a reader sees of an HTML page, blocks separated by newlines, spaces collapsed."""
    parser = _Text()
    parser.feed(html)
    text = "".join(parser.parts).replace("\u00a0", " ")
    return "\n".join(re.sub(r"[ \t]+", " ", line).strip() for line in text.splitlines())


def svg_text(svg: str) -> str:
    """The ``<text>`` content of an SVG chart (empty when its glyphs are paths)."""
    return "\n".join(
        re.sub(r"<[^>]+>", "", m) for m in re.findall(r"<text\b[^>]*>(.*?)</text>", svg, re.S)
    )


def prose_problems(
    text: str, rules: tuple[tuple[str, re.Pattern[str]], ...] = RULES
) -> list[tuple[str, str]]:
    """(rule, context) of every slip in ``text`` (doubled words too, with the full ``RULES``)."""
    found = []
    for rule, pattern in rules:
        for match in pattern.finditer(text):
            found.append((rule, _context(text, match.start(), match.end())))
    if rules is not RULES:
        return found
    for match in _DOUBLED.finditer(text):
        if match.group(1).lower() not in _DOUBLED_OK:
            found.append(("doubled word", _context(text, match.start(), match.end())))
    return found


def _context(text: str, start: int, end: int, width: int = 50) -> str:
    left = " ".join(text[max(0, start - width) : start].split())
    right = " ".join(text[end : end + width].split())
    return f"…{left} «{text[start:end]}» {right}…".replace("… ", "…").replace(" …", "…")


def check_prose(site: Path) -> GateResult:
    """Every page of ``site`` and its SVG charts, swept (:data:`PROVENANCE_PAGES` for
    :data:`TEMPLATE_LEFTOVERS` only)."""
    result = GateResult(GATE)
    pages = sorted(site.rglob("*.html"))
    if not pages:
        result.fail(f"{site}: no HTML pages to check")
        return result
    checked = 0
    for path in [*pages, *sorted(site.rglob("*.svg"))]:
        rel = path.relative_to(site).as_posix()
        raw = path.read_text(encoding="utf-8", errors="replace")
        text = svg_text(raw) if path.suffix == ".svg" else visible_text(raw)
        if rel in PROVENANCE_PAGES:
            result.note(f"{rel}: provenance appendix, swept for template leftovers only")
            problems = prose_problems(text, TEMPLATE_LEFTOVERS)
        else:
            checked += 1
            problems = prose_problems(text)
        for rule, context in problems:
            result.fail(f"{rel}: {rule}: {context}")
    result.details["checked"] = checked
    return result
