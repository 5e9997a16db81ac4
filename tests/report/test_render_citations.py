"""Citations: one citeproc run for the book (render/citations.py), the same text as pandoc gives
one chapter at a time, cached, and the per-chapter fallback when there is no references page."""

from __future__ import annotations

import re
from pathlib import Path

import pypandoc
import pytest
import yaml

from levelup.report.render import engine, render_book

from .helpers import EPOCH, NOTEBOOK, SITE_META, VARIABLES, copy_book, parse_html

# bibliographic citations of the fixture chapters (cross-references @fig-/@tbl-/@sec- excluded)
_CITE = re.compile(
    r"\[[^\]]*@(?!(?:fig|tbl|sec)-)[A-Za-z][^\]]*\]|(?<![\w\[])@(?!(?:fig|tbl|sec)-)[a-z]\w+"
)


@pytest.fixture
def counted_jobs(monkeypatch):
    """Every pandoc job the engine runs, by op."""
    jobs: list[dict] = []
    real = engine.run_jobs

    def run_jobs(batch, *args, **kwargs):
        jobs.extend(batch)
        return real(batch, *args, **kwargs)

    monkeypatch.setattr(engine, "run_jobs", run_jobs)
    return jobs


def _render(book: Path, out: Path, notebook: Path, cache: Path | None):
    return render_book(
        book,
        "2026",
        {Path(NOTEBOOK): notebook},
        VARIABLES,
        out,
        site_meta=SITE_META,
        cache_dir=cache,
        formats=("html",),
    )


def _citation_texts(html: str) -> list[str]:
    doc = parse_html(html)
    return [" ".join(s.text().split()) for s in doc.find_all("span", cls="citation")]


def _book_keys(book: Path) -> list[str]:
    keys = set()
    for qmd in sorted((book / "chapters").glob("*.qmd")):
        for group in _CITE.findall(qmd.read_text()):
            keys.update(re.findall(r"@([A-Za-z][\w:.-]*\w)", group))
    return sorted(k for k in keys if not k.startswith(("fig-", "tbl-", "sec-")))


def test_book_wide_citeproc_gives_the_text_pandoc_gives_each_chapter(
    tmp_path, monkeypatch, executed_notebook
):
    """Independent check: pandoc alone, one chapter at a time, told every work the book cites
    (``nocite``, as for disambiguation across the book) renders the same citation text."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = copy_book(tmp_path / "book")
    _render(book, tmp_path / "out", executed_notebook, None)
    front = "---\nnocite: |\n  " + ", ".join("@" + k for k in _book_keys(book)) + "\n---\n\n"
    checked = 0
    for qmd in sorted((book / "chapters").glob("*.qmd")):
        groups = _CITE.findall(qmd.read_text())
        alone = pypandoc.convert_text(
            front + "\n\n".join(groups),
            "html",
            format="markdown",
            extra_args=[
                "--citeproc",
                f"--bibliography={book / 'references.bib'}",
                "--metadata=link-citations=true",
                "--metadata=lang=en-GB",
                "--metadata=suppress-bibliography=true",
            ],
        )
        page = (tmp_path / "out" / "site" / "chapters" / qmd.with_suffix(".html").name).read_text()
        assert _citation_texts(page) == _citation_texts(alone), qmd.name
        checked += len(groups)
    assert checked >= 3
    refs = parse_html((tmp_path / "out" / "site" / "references.html").read_text())
    ids = sorted(d.attrs["id"] for d in refs.find_all("div", cls="csl-entry"))
    assert ids == sorted("ref-" + k for k in _book_keys(book))


def test_citeproc_runs_once_per_book_and_is_cached(
    tmp_path, monkeypatch, executed_notebook, counted_jobs
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = copy_book(tmp_path / "book")
    cache = tmp_path / "cache"
    _render(book, tmp_path / "out", executed_notebook, cache)
    assert [j["op"] for j in counted_jobs].count("cite") == 1
    assert not any("citeproc" in j for j in counted_jobs if j["op"] == "write")

    counted_jobs.clear()  # prose edit without a citation: citations come from the cache
    chapter = book / "chapters" / "02-health.qmd"
    chapter.write_text(chapter.read_text() + "\nOne more sentence.\n")
    _render(book, tmp_path / "out", executed_notebook, cache)
    assert [j["op"] for j in counted_jobs].count("cite") == 0
    assert [j["id"] for j in counted_jobs if j["op"] == "write"] == ["chapters/02-health.qmd"]

    counted_jobs.clear()  # a new citation: citeproc runs again
    chapter.write_text(chapter.read_text() + "\nSee @ons2024ashe.\n")
    _render(book, tmp_path / "out", executed_notebook, cache)
    assert [j["op"] for j in counted_jobs].count("cite") == 1
    page = (tmp_path / "out" / "site" / "chapters" / "02-health.html").read_text()
    assert _citation_texts(page)[-1] == "Office for National Statistics (2024a)"


def test_without_a_references_page_each_chapter_lists_its_own(
    tmp_path, monkeypatch, executed_notebook, counted_jobs
):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    book = copy_book(tmp_path / "book")
    config = yaml.safe_load((book / "_quarto.yml").read_text())
    config["book"]["chapters"] = [c for c in config["book"]["chapters"] if c != "references.qmd"]
    (book / "_quarto.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    result = _render(book, tmp_path / "out", executed_notebook, None)
    assert any("no references page" in w for w in result.warnings)
    assert "cite" not in [j["op"] for j in counted_jobs]
    page = parse_html((tmp_path / "out" / "site" / "chapters" / "02-health.html").read_text())
    ids = sorted(d.attrs["id"] for d in page.find_all("div", cls="csl-entry"))
    assert ids == ["ref-ons2024hle", "ref-smith2020convergence"]
