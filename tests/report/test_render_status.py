"""A status of the report's scale renders with its colour and icon in HTML (CSS classes, icon
hidden from screen readers) and in the PDF (a Typst function drawing the icon), words always
present."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader

from levelup.report.render import render_book

from .helpers import NOTEBOOK, SITE_META, VARIABLES, copy_book

CHAPTER = """# Statuses {#sec-statuses}

| Metric | Status |
|:---|:---|
| Journey time | [off track — data to 2019]{.lu-status .lu-status-off-track} |
| Pay | [some progress]{.lu-status .lu-status-some-progress} |

: Two statuses {#tbl-statuses}

Inline too: [worsening]{.lu-status .lu-status-worsening}.
"""


def test_status_spans_in_html_and_pdf(tmp_path, executed_notebook):
    book = copy_book(tmp_path / "book")
    (book / "chapters" / "03-statuses.qmd").write_text(CHAPTER)
    cfg = (book / "_quarto.yml").read_text()
    cfg = cfg.replace(
        "        - chapters/02-health.qmd\n",
        "        - chapters/02-health.qmd\n        - chapters/03-statuses.qmd\n",
    )
    (book / "_quarto.yml").write_text(cfg)
    cache = tmp_path / "cache"
    result = render_book(
        book,
        "2026",
        {Path(NOTEBOOK): executed_notebook},
        VARIABLES,
        tmp_path / "out",
        site_meta=SITE_META,
        cache_dir=cache,
    )
    page = (result.site_dir / "chapters" / "03-statuses.html").read_text()
    assert '<span class="lu-status lu-status-off-track">off track — data to 2019</span>' in page
    css = next(result.site_dir.rglob("levelup.css")).read_text()
    for level in ("on-track", "some-progress", "off-track", "worsening", "not-assessable"):
        assert f".lu-status-{level} {{ color:" in css
        assert f'.lu-status-{level}::before {{ content: "' in css and '/ ""' in css
    typst = "".join(p.read_text() for p in cache.rglob("chapter-*.typ"))
    assert '#lu-status("off-track")[off track --- data to 2019]' in typst  # typst's em dash
    assert '#lu-status("worsening")[worsening]' in typst
    text = " ".join(page.extract_text() for page in PdfReader(result.pdf_path).pages)
    assert "off track — data to 2019" in " ".join(text.split())
