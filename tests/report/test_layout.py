"""Layout of the report: PDF tables that fit the text block, chapter titles, title page, charts
inlined as SVG, tables that stack on a phone, the search ranking. Small hand-made cases; the
same checks run on the real build in ``test_real_report.py``."""

from __future__ import annotations

import re
import shutil

import pytest

from levelup.report.render import ast as A
from levelup.report.render import html as H
from levelup.report.render.pdf import (
    TEMPLATE,
    chart_fonts,
    compose_book,
    is_release_version,
    publication_date,
)

from .layout_checks import (
    search_ranking,
    table_fits,
    tables_wider_than_text,
    words_outside_text_block,
)


# ---- chapter titles ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("number", "title", "label"),
    [
        ("10", "Mission 10: Housing", "Mission 10: Housing"),
        ("1", "Mission 1: Living standards", "Mission 1: Living standards"),
        ("1", "Mission 10: Housing", "1 Mission 10: Housing"),  # 1 is not 10
        ("13", "Physical capital", "13 Physical capital"),
        (None, "References", "References"),
        ("2", "Levels in 2.5 areas", "2 Levels in 2.5 areas"),  # 2.5 is not chapter 2
    ],
)
def test_a_chapter_number_is_not_printed_twice(number, title, label):
    assert A.chapter_label(number, title) == label


def test_the_title_page_has_no_development_version_and_names_the_publisher():
    assert is_release_version("2026.1.0") and not is_release_version("0.1.0+5058778")
    assert not is_release_version("1.0.dev3")
    assert publication_date("2026-12-02") == "2 December 2026"
    assert publication_date("autumn 2026") == "autumn 2026"
    book = compose_book(
        title="Report",
        subtitle="2026 edition",
        authors=["levelup contributors"],
        lang="en-GB",
        site_meta={"edition": "2026", "version": "0.1.0+5058778"},
        date="2026-12-02",
        chapters=[(None, "= Chapter\n")],
        publisher="The levelup project",
    )
    assert 'publisher: "The levelup project"' in book
    assert 'date: "2 December 2026"' in book
    assert 'stamp: "Report · 2026 edition"' in book  # no development version in the footers
    assert 'version: "0.1.0+5058778"' in book  # ... but the colophon has it


# ---- PDF tables --------------------------------------------------------------------------------
WORDS = ["converging", "no significant relationship", "beta convergence", "46.7% (2004)"]


def _wide_table(columns: int) -> str:
    """A pandoc-style Typst table: equal percentage columns, long unbreakable words."""
    share = f"{100 / columns:.2f}%"
    head = ", ".join(f"[heading number {i}]" for i in range(columns))
    row = ", ".join(f"[{WORDS[i % len(WORDS)]}]" for i in range(columns))
    return (
        "#figure(\n  align(center)[#table(\n"
        f"    columns: ({', '.join([share] * columns)}),\n"
        f"    table.header({head},),\n    table.hline(),\n"
        + f"    {row},\n" * 3
        + "  )]\n  , caption: [Table~1.1: A wide table]\n  , kind: table\n  )\n"
    )


@pytest.fixture(scope="module")
def wide_book(tmp_path_factory):
    """A book with tables of 4, 10 and 13 columns, compiled with the report's template."""
    import typst

    from levelup.report.render.pdf import compile_pdf

    build = tmp_path_factory.mktemp("typst")
    chapters = [(None, "= Tables\n" + "".join(_wide_table(n) for n in (4, 10, 13)))]
    main = compose_book(
        title="T", subtitle=None, authors=[], lang="en-GB", site_meta={}, date=None,
        chapters=chapters,
    )  # fmt: skip
    pdf, _ = compile_pdf(build, main, {}, 0)
    (build / "book.pdf").write_bytes(pdf)
    assert typst  # the package compiled it
    return build


def test_every_table_fits_the_text_width(wide_book):
    records = table_fits(wide_book / "book.typ")
    assert [r["columns"] for r in records] == [4, 10, 13]
    assert tables_wider_than_text(records) == []
    assert [r["scale"] for r in records][0] == 1  # a narrow table keeps the table type size
    assert records[2]["scale"] < 1  # thirteen long columns: smaller type


def test_no_word_of_a_wide_table_runs_past_the_margin(wide_book, pdftotext):
    assert words_outside_text_block(wide_book / "book.pdf", pdftotext) == []


def test_the_margin_check_finds_a_table_that_runs_past_the_margin(tmp_path, pdftotext):
    """Without the template's fit the same table overflows: the check can fail."""
    import typst

    src = tmp_path / "plain.typ"
    src.write_text(
        "#set page(paper: \"a4\", margin: 2.5cm)\n"
        "#table(columns: (10%,) * 10, ..([no-significant-relationship],) * 20)\n",
        encoding="utf-8",
    )  # fmt: skip
    (tmp_path / "plain.pdf").write_bytes(typst.compile(str(src)))
    assert words_outside_text_block(tmp_path / "plain.pdf", pdftotext)


def test_the_template_and_chart_fonts_exist():
    assert TEMPLATE.is_file()
    assert all(f.is_file() for f in chart_fonts())


# ---- HTML -------------------------------------------------------------------------------------
GLANCE = """<div class="table-wrap" tabindex="0" role="region" aria-label="Table 1">
<table id="tbl-missions-at-a-glance" style="width:100%;">
<caption>Table 1</caption>
<colgroup>
<col style="width: 50%" />
<col style="width: 50%" />
</colgroup>
<thead>
<tr><th scope="col">Mission</th><th scope="col">Latest <em>value</em></th></tr>
</thead>
<tbody>
<tr><td>Mission 1</td><td>41.1%</td></tr>
<tr><td>Mission 2</td><td>£6,744m</td></tr>
</tbody>
</table>
</div>"""


def test_marked_tables_get_header_labels_for_phone_cards():
    out = H.layout_tables(GLANCE)
    assert "<colgroup>" not in out  # pandoc's equal widths are dropped
    assert 'class="stack-phone"' in out
    assert out.count('data-label="Mission"') == 2
    assert out.count('data-label="Latest value"') == 2
    marked = GLANCE.replace('id="tbl-missions-at-a-glance"', 'class="stack-phone"')
    assert H.layout_tables(marked).count("data-label=") == 4
    other = GLANCE.replace('id="tbl-missions-at-a-glance"', 'id="tbl-other"')
    assert "data-label" not in H.layout_tables(other)


SVG = b"""<?xml version="1.0" encoding="utf-8" standalone="no"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">
<svg xmlns:xlink="http://www.w3.org/1999/xlink" width="504pt" height="280.8pt" viewBox="0 0 504 280.8" xmlns="http://www.w3.org/2000/svg" version="1.1">
 <metadata>x</metadata>
 <defs><clipPath id="p1"><rect x="0" y="0" width="5" height="5"/></clipPath></defs>
 <g id="patch_1" clip-path="url(#p1)"><text style="font-family: 'DejaVu Sans'">2030</text></g>
</svg>
"""


def test_charts_are_inlined_as_svg_with_their_alt_text():
    fragment = '<figure id="fig-x">\n<img src="../images/0123abcd.svg" alt="Line chart of pay" />\n</figure>'
    out = H.inline_svg_images(fragment, {"0123abcd.svg": SVG})
    assert "<img" not in out and "<?xml" not in out and "<metadata>" not in out
    assert re.search(r'<svg[^>]* role="img" aria-label="Line chart of pay"', out)
    assert 'width="504pt"' not in out and 'viewBox="0 0 504 280.8"' in out
    assert 'id="c0123abcd-p1"' in out and "url(#c0123abcd-p1)" in out
    assert ">2030</text>" in out  # text stays text
    assert 'class="chart-wrap" tabindex="0" role="region"' in out
    png = '<img src="../images/0123abcd.png" alt="x" />'
    assert H.inline_svg_images(png, {}) == png


# ---- search -----------------------------------------------------------------------------------
@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_search_ranks_the_chapter_about_the_words_first():
    index = [
        {"u": "a.html", "c": "15 Human capital", "s": "15.3 Are places converging?",
         "x": "healthy life expectancy " * 6},
        {"u": "b.html", "c": "Mission 7: Health", "s": "7.1 Level and trend",
         "x": "Healthy life expectancy at birth rose."},
        {"u": "c.html", "c": "Mission 10: Housing", "s": "", "x": "homes"},
    ]  # fmt: skip
    hits = search_ranking(index, "healthy life")
    assert [h["u"] for h in hits] == ["b.html", "a.html"]
    assert [h["u"] for h in search_ranking(index, "housing")] == ["c.html"]
    assert search_ranking(index, "h") == []
