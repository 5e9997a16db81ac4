"""Less common Quarto features, in one render of an extended copy of the fixture book."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from levelup.report.render import render_book

from .helpers import NOTEBOOK, SITE_META, VARIABLES, copy_book, parse_html, tiny_png

EXTRA = r"""# Extras {#sec-extras}

Escaped shortcodes stay literal: `{{{< var edition >}}}` and {{</* var edition */>}}.

{{< include _snippet.qmd >}}

- A bullet whose second line starts with a number that ends a sentence in
{{< var edition >}}. It stays one bullet: no list starts inside it.

![A prose chart caption](chart.png){#fig-prose fig-alt="A solid blue square"}

::: {#fig-div fig-alt="Another solid square"}
![](chart.png)

A div figure caption.
:::

| Area | Value |
|------|------:|
| A    | 1     |
| B    | 2     |

: A prose table {#tbl-prose}

See -@fig-prose, @Fig-div, @tbl-prose and [the health chapter](02-health.qmd), or
[its trend section](02-health.qmd#sec-health-trend). Chapter: @sec-pay.

{{< pagebreak >}}

## Sub-section {#sec-extras-sub}

### Deeper {#sec-extras-deeper}

Inline math $x^2$ and a footnote.[^1] The trend model is

$$ y_t = \alpha + \beta t + \varepsilon_t $$ {#eq-trend}

and @eq-trend is fitted by least squares.

::: {.content-visible when-format="html"}
Only on the web.
:::

::: {.content-hidden when-format="html"}
Only in print.
:::

::: {.content-visible when-profile="draft"}
Only in drafts.
:::

[^1]: The footnote text.

## Notes

Same heading text as in the appendix; [this link](#notes) stays on this page.
"""

APPENDIX = """# Data sources {#sec-sources}

See @fig-appendix.

![Appendix chart](chart.png){#fig-appendix fig-alt="Appendix square"}

## Notes

[Back to these notes](#notes).
"""


@pytest.fixture(scope="module")
def extended(tmp_path_factory, executed_notebook):
    import os

    tmp = tmp_path_factory.mktemp("features")
    book = copy_book(tmp / "book")
    (book / "chapters" / "chart.png").write_bytes(tiny_png())
    (book / "chapters" / "_snippet.qmd").write_text(
        "Included paragraph with {{< var pay.growth >}}.\n"
    )
    (book / "chapters" / "03-extras.qmd").write_text(EXTRA)
    (book / "chapters" / "a1-sources.qmd").write_text(APPENDIX)
    cfg = (book / "_quarto.yml").read_text()
    cfg = cfg.replace(
        "        - chapters/02-health.qmd\n",
        "        - chapters/02-health.qmd\n        - chapters/03-extras.qmd\n",
    )
    cfg = cfg.replace(
        "  chapters:\n    - index.qmd",
        "  appendices:\n    - chapters/a1-sources.qmd\n  chapters:\n    - index.qmd",
    )
    (book / "_quarto.yml").write_text(cfg)
    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = "1767225600"
    try:
        result = render_book(
            book,
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            tmp / "out",
            site_meta=SITE_META,
        )
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH")
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return result, tmp / "out" / "site"


def _norm(s):
    return " ".join(s.replace("\u00a0", " ").split())


def test_chapter_order_and_appendix_letters(extended):
    result, _ = extended
    assert [(c.number, c.title) for c in result.chapters] == [
        (None, "Preface"),
        ("1", "Living standards"),
        ("2", "Health"),
        ("3", "Extras"),
        (None, "References"),
        ("A", "Data sources"),
    ]


def test_extras_page(extended):
    _, site = extended
    html = (site / "chapters" / "03-extras.html").read_text()
    doc = parse_html(html)
    main = doc.find("main")
    text = _norm(main.text())
    assert "{{< var edition >}}" in text  # both escapes give the literal shortcode
    assert text.count("{{< var edition >}}") == 2
    assert "Included paragraph with 4.2." in text
    assert "sentence in 2026. It stays one bullet" in text
    assert all(ol.parent.attrs.get("id") == "footnotes" for ol in main.find_all("ol"))
    captions = [_norm(f.find("figcaption").text()) for f in main.find_all("figure")]
    assert captions == ["Figure 3.1: A prose chart caption", "Figure 3.2: A div figure caption."]
    alts = [img.attrs["alt"] for img in main.find_all("img")]
    assert alts == ["A solid blue square", "Another solid square"]
    assert (
        _norm(main.find("table", id="tbl-prose").find("caption").text())
        == "Table 3.1: A prose table"
    )
    links = {_norm(a.text()): a.attrs["href"] for a in main.find_all("a")}
    assert links["3.1"] == "#fig-prose"  # -@ suppresses the prefix
    assert links["Figure 3.2"] == "#fig-div"
    assert links["Table 3.1"] == "#tbl-prose"
    assert links["the health chapter"] == "../chapters/02-health.html#sec-health"
    assert links["its trend section"] == "../chapters/02-health.html#sec-health-trend"
    assert links["Chapter 1"] == "../chapters/01-living-standards.html#sec-pay"
    assert links["this link"] == "#notes"  # an id used on two pages stays local
    assert _norm(main.find("h3", id="sec-extras-deeper").text()) == "3.1.1 Deeper"
    assert main.find("math") is not None  # MathML, no external script
    assert "The footnote text." in text
    eq = main.find("span", id="eq-trend")
    assert "equation" in eq.attrs["class"] and eq.find("math") is not None
    assert _norm(eq.find("span", cls="eq-number").text()) == "(3.1)"
    assert links["Equation 3.1"] == "#eq-trend"
    assert (
        "Only on the web." in text
        and "Only in print." not in text
        and "Only in drafts." not in text
    )
    toc = doc.find("nav", cls="page-toc")
    assert [_norm(a.text()) for a in toc.find_all("a")] == [
        "3.1 Sub-section",
        "3.1.1 Deeper",
        "3.2 Notes",
    ]


def test_appendix_numbering(extended):
    _, site = extended
    main = parse_html((site / "chapters" / "a1-sources.html").read_text()).find("main")
    assert _norm(main.find("h1").text()) == "A Data sources"
    assert _norm(main.find("figcaption").text()) == "Figure A.1: Appendix chart"
    assert "Figure A.1" in _norm(main.text())


def test_pdf_of_extended_book(extended):
    result, _ = extended
    text = _norm(" ".join(p.extract_text() for p in PdfReader(result.pdf_path).pages))
    for needle in (
        "3 Extras",
        "Figure 3.2: A div figure caption.",
        "A Data sources",
        "Figure A.1: Appendix chart",
        "3.1.1 Deeper",
        "The footnote text.",
    ):
        assert needle in text, needle
