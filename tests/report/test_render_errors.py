"""Unresolved vars, embeds, cross-references and citations are hard errors naming file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from levelup.report.render import RenderError, render_book

from .helpers import NOTEBOOK, VARIABLES, copy_book, tiny_png

CHAPTER = "chapters/01-living-standards.qmd"


@pytest.fixture
def book(tmp_path):
    return copy_book(tmp_path / "book")


def _append(book: Path, text: str, rel: str = CHAPTER) -> int:
    """Append lines to a chapter; return the 1-based line number of the first appended line."""
    path = book / rel
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines + ["", *text.splitlines()]) + "\n")
    return len(lines) + 2


def _render(book, executed, out, **kw):
    return render_book(
        book, "2026", {Path(NOTEBOOK): executed}, VARIABLES, out, formats=("html",), **kw
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Growth was {{< var pay.nope >}} per cent.", "var pay.nope: no such key"),
        ("Edition {{< meta book.nope >}}.", "meta book.nope: no such metadata key"),
        (
            "{{< embed ../analysis/missions/health.ipynb#fig-missing >}}",
            "no cell with '#| label: fig-missing'",
        ),
        (
            "{{< embed ../analysis/missions/other.ipynb#fig-x >}}",
            "notebook analysis/missions/other.ipynb was not executed",
        ),
        (
            "As @fig-nope shows.",
            "cross-reference @fig-nope: no figure, table, section or equation labelled fig-nope",
        ),
        ("See @sec-nowhere.", "cross-reference @sec-nowhere"),
        ("As argued by @nobody2020.", "citation @nobody2020: no such key in the bibliography"),
        ("Known [@ons2024hle; @ghost1999].", "citation @ghost1999"),
        ('![Cap](../references.bib){#fig-local fig-alt="x"}', "unsupported format"),
        ('![Cap](missing.png){#fig-local fig-alt="x"}', "image missing.png not found"),
        ('![Cap](https://example.org/x.png){#fig-local fig-alt="x"}', "is remote"),
        ("```{python}\nprint(1)\n```", "executable code cells are not run"),
        ("Growth was {{< var pay.growth}} per cent.", "malformed shortcode '{{< var pay.growth}}"),
        ("Growth was {{< var pay.growth per cent.", "malformed shortcode '{{< var pay.growth"),
        ("Growth was {{<>}} per cent.", "malformed shortcode '{{<>}}'"),
        ("A {{< var pay.growth >}} then {{< meta", "malformed shortcode '{{< meta'"),
        ("{{< include-not-a-shortcode x >}}", "unknown shortcode {{< include-not-a-shortcode >}}"),
    ],
)
def test_problem_is_a_render_error_at_file_line(book, executed_notebook, tmp_path, text, message):
    line = _append(book, text)
    with pytest.raises(RenderError) as info:
        _render(book, executed_notebook, tmp_path / "out")
    err = info.value
    assert (err.file, err.line) == (CHAPTER, line), str(err)
    assert message in err.explanation
    assert f"{CHAPTER}:{line}: " in str(err)


def test_all_problems_are_reported_together(book, executed_notebook, tmp_path):
    first = _append(book, "A {{< var nope.one >}} and\n{{< var nope.two >}}.")
    with pytest.raises(RenderError) as info:
        _render(book, executed_notebook, tmp_path / "out")
    assert [(p.file, p.line) for p in info.value.problems] == [
        (CHAPTER, first),
        (CHAPTER, first + 1),
    ]


def test_failed_render_leaves_the_existing_site_untouched(book, executed_notebook, tmp_path):
    out = tmp_path / "out"
    site = out / "site"
    site.mkdir(parents=True)
    (site / "index.html").write_text("previous edition")
    _append(book, "See @fig-nope.")
    with pytest.raises(RenderError):
        _render(book, executed_notebook, out)
    assert (site / "index.html").read_text() == "previous edition"
    assert sorted(p.name for p in out.iterdir()) == ["site"]  # no temporary directories left behind


def test_successful_render_replaces_the_site_atomically(book, executed_notebook, tmp_path):
    out = tmp_path / "out"
    (out / "site").mkdir(parents=True)
    (out / "site" / "stale.html").write_text("old")
    result = _render(book, executed_notebook, out)
    assert not (out / "site" / "stale.html").exists()
    assert (out / "site" / "index.html").exists()
    assert result.site_dir == out / "site"
    assert sorted(p.name for p in out.iterdir()) == ["site"]


def test_include_shortcode_reports_the_included_file(book, executed_notebook, tmp_path):
    (book / "chapters" / "_snippet.qmd").write_text("Included text.\n\nBad {{< var nope >}}.\n")
    _append(book, "{{< include _snippet.qmd >}}")
    with pytest.raises(RenderError) as info:
        _render(book, executed_notebook, tmp_path / "out")
    assert (info.value.file, info.value.line) == ("chapters/_snippet.qmd", 3)


def test_figure_without_alt_text_is_an_error(book, executed_notebook, tmp_path):
    (book / "chapters" / "chart.png").write_bytes(tiny_png())
    line = _append(book, "![A chart](chart.png){#fig-local}")
    with pytest.raises(RenderError) as info:
        _render(book, executed_notebook, tmp_path / "out")
    assert (info.value.file, info.value.line) == (CHAPTER, line)
    assert info.value.explanation == "figure fig-local has no fig-alt (alternative text)"


def test_notebook_captions_may_quote_variables(book, executed_notebook, tmp_path):
    import json

    nb = json.loads(executed_notebook.read_text())
    for cell in nb["cells"]:
        src = "".join(cell["source"])
        if "#| label: fig-hle-gap" in src:
            cell["source"] = src.replace('#| fig-cap: "Gap', '#| fig-cap: "{{< var edition >}} gap')
    changed = tmp_path / "nb.ipynb"
    changed.write_text(json.dumps(nb))
    _render(book, changed, tmp_path / "out")
    page = (tmp_path / "out" / "site" / "chapters" / "02-health.html").read_text()
    assert "Figure\u00a02.1: 2026 gap in healthy life expectancy" in page
