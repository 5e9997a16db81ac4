"""Measurements of a built PDF and its Typst layout, shared by the layout tests.

* :func:`table_fits` — every table as the template laid it out (``typst query`` for the
  ``<lu-table-fit>`` metadata of ``levelup.typ``): its columns' widths against the text width.
* :func:`words_outside_text_block` — every word of the PDF (``pdftotext -bbox``) that runs past
  the left or right margin of its page (A4 with 2.5 cm margins, as ``levelup.typ`` sets them).
* :func:`search_ranking` — the site's own search ranking (``levelup.js`` under node).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

from levelup.report.render.html import TEMPLATES

MARGIN_PT = 2.5 / 2.54 * 72  # levelup.typ: 2.5 cm left and right
_PAGE_RE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
_WORD_RE = re.compile(
    r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">(.*?)</word>'
)


def table_fits(book_typ: Path) -> list[dict]:
    """The ``<lu-table-fit>`` record of every table of the Typst book (laid out by typst)."""
    import typst

    root = book_typ.parent
    fonts = [str(root / "fonts")] if (root / "fonts").is_dir() else []
    out = typst.query(
        str(book_typ),
        "<lu-table-fit>",
        root=str(root),
        font_paths=fonts,
        ignore_system_fonts=True,
    )
    return [r["value"] for r in json.loads(out)]


def _pt(value: str) -> float:
    assert value.endswith("pt"), value
    return float(value.removesuffix("pt"))


def tables_wider_than_text(records: list[dict], tolerance: float = 0.5) -> list[str]:
    """Tables whose columns add up to more than the text width, or whose longest words do not
    fit their columns (each record: ``width``, ``available``, ``min-content``, ``cells``)."""
    bad = []
    for r in records:
        width, avail = _pt(r["width"]), _pt(r["available"])
        short = [c for c in r["cells"] if _pt(c) < -tolerance]
        if width > avail + tolerance or _pt(r["min-content"]) > avail + tolerance or short:
            bad.append(
                f"table starting {r['first-cell']!r}: {width:.1f}pt of {avail:.1f}pt, "
                f"longest words need {_pt(r['min-content']):.1f}pt, "
                f"{len(short)} column(s) narrower than their longest word"
            )
    return bad


def words_outside_text_block(pdf: Path, pdftotext: str, tolerance: float = 2.5) -> list[str]:
    """Words of the PDF beyond the left or right margin of their page (``pdftotext -bbox``, the
    executable given by the ``pdftotext`` fixture: pypdf gives no word extents).

    The tolerance lets through Typst's hanging punctuation: a line-end hyphen or comma of
    justified text hangs about 2 pt into the margin by design (``text(overhang: true)``)."""
    out = subprocess.run(
        [pdftotext, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    bad = []
    for number, (width, _height, body) in enumerate(_PAGE_RE.findall(out), start=1):
        right = float(width) - MARGIN_PT + tolerance
        for x0, x1, word in _WORD_RE.findall(body):
            if float(x0) < MARGIN_PT - tolerance or float(x1) > right:
                bad.append(
                    f"page {number}: {html.unescape(word)!r} at x {x0}..{x1} (text block {MARGIN_PT:.1f}..{right:.1f})"
                )
    return bad


def search_ranking(index: list[dict], query: str) -> list[dict]:
    """The entries the site's search shows for ``query``, best first (``levelup.js`` run by
    node: the ranking the reader gets, not a copy of it)."""
    node = shutil.which("node")
    if node is None:  # pragma: no cover - node is needed for npm ci anyway
        raise RuntimeError("node is needed to run the site's search")
    script = (
        "const r = require(process.argv[1]);"
        "const idx = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
        "process.stdout.write(JSON.stringify(r.rank(idx, process.argv[2]).map(h => h.e)));"
    )
    out = subprocess.run(
        [node, "-e", script, str(TEMPLATES / "levelup.js"), query],
        input=json.dumps(index),
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)
