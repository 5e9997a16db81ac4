"""Reproducibility (SOURCE_DATE_EPOCH) and incremental re-rendering."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from pypdf import PdfReader

from levelup.report.render import render_book

from .helpers import EPOCH, NOTEBOOK, SITE_META, VARIABLES, copy_book, tiny_png


def _files(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_two_renders_are_byte_identical(tmp_path, monkeypatch, executed_notebook, figure_data):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    outs = []
    for i in range(2):
        out = tmp_path / f"out{i}"
        render_book(
            copy_book(tmp_path / f"book{i}"),
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            out,
            figure_data_dir=figure_data,
            site_meta=SITE_META,
            cache_dir=None,
        )
        outs.append(_files(out))
    assert outs[0].keys() == outs[1].keys()
    html = [k for k in outs[0] if k.endswith(".html")]
    assert len(html) == 4
    for name in outs[0]:
        assert outs[0][name] == outs[1][name], f"{name} differs between two renders"


def test_pdf_date_without_source_date_epoch_is_the_build_date(
    tmp_path, monkeypatch, executed_notebook
):
    """Without SOURCE_DATE_EPOCH the PDF is dated 00:00 UTC on the build date (not the second
    it was compiled), so rebuilds on that day are byte-identical."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    pdfs = []
    for i in range(2):
        result = render_book(
            copy_book(tmp_path / f"book{i}"),
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            tmp_path / f"out{i}",
            site_meta={**SITE_META, "build_date": "2026-03-05"},
            formats=("pdf",),
            cache_dir=None,
        )
        pdfs.append(result.pdf_path.read_bytes())
    created = PdfReader(tmp_path / "out0" / result.pdf_path.name).metadata.creation_date
    assert created == datetime(2026, 3, 5, tzinfo=UTC)
    assert pdfs[0] == pdfs[1]


def test_editing_one_chapter_rerenders_only_that_page(tmp_path, monkeypatch, executed_notebook):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = copy_book(tmp_path / "book")
    cache = tmp_path / "cache"

    def render():
        return render_book(
            book,
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            tmp_path / "out",
            site_meta=SITE_META,
            cache_dir=cache,
        )

    first = render()
    assert len(first.rendered_pages) == 4
    assert all(c.parsed and c.rendered == ["html", "typst"] for c in first.chapters)

    again = render()
    assert again.rendered_pages == []
    assert not any(c.parsed for c in again.chapters)
    assert again.pdf_cached

    ch = book / "chapters" / "01-living-standards.qmd"
    ch.write_text(ch.read_text().replace("in the latest year", "in the most recent year"))
    edited = render()
    assert edited.rendered_pages == ["chapters/01-living-standards.html"]
    assert [c.source for c in edited.chapters if c.parsed] == ["chapters/01-living-standards.qmd"]
    assert not edited.pdf_cached
    page = (tmp_path / "out" / "site" / "chapters" / "01-living-standards.html").read_text()
    assert "in the most recent year" in page
    assert "most recent year" in " ".join(
        p.extract_text() for p in PdfReader(edited.pdf_path).pages
    )

    # a new figure number in one chapter changes the text of references to it elsewhere
    (book / "chapters" / "first.png").write_bytes(tiny_png())
    ch2 = book / "chapters" / "02-health.qmd"
    ch2.write_text(
        ch2.read_text().replace(
            "{{< embed ../analysis/missions/health.ipynb#fig-hle-gap >}}",
            '![A first chart](first.png){#fig-first fig-alt="Placeholder"}\n\n'
            "{{< embed ../analysis/missions/health.ipynb#fig-hle-gap >}}",
        )
    )
    renumbered = render()
    assert renumbered.rendered_pages == [
        "chapters/01-living-standards.html",
        "chapters/02-health.html",
    ]
    assert (
        "Figure\u00a02.2"
        in (tmp_path / "out" / "site" / "chapters" / "01-living-standards.html").read_text()
    )


def test_changing_a_variable_rerenders_only_pages_that_use_it(
    tmp_path, monkeypatch, executed_notebook
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = copy_book(tmp_path / "book")
    cache = tmp_path / "cache"
    kwargs = dict(site_meta=SITE_META, cache_dir=cache, formats=("html",))
    render_book(
        book, "2026", {Path(NOTEBOOK): executed_notebook}, VARIABLES, tmp_path / "out", **kwargs
    )
    changed = {**VARIABLES, "pay": {"growth": 5.0}}
    result = render_book(
        book, "2026", {Path(NOTEBOOK): executed_notebook}, changed, tmp_path / "out", **kwargs
    )
    assert result.rendered_pages == ["chapters/01-living-standards.html"]
    assert result.pdf_path is None
