"""Reading _quarto.yml and merging profiles with Quarto's semantics."""

from __future__ import annotations

import pytest

from levelup.report.render import RenderError
from levelup.report.render.config import load_book_config, quarto_merge

from .helpers import FIXTURE_BOOK, copy_book


def test_merge_maps_deeply_scalars_win_arrays_concatenate_without_duplicates():
    base = {
        "book": {"title": "A", "chapters": ["index.qmd", "a.qmd"], "author": "x"},
        "lang": "en-GB",
    }
    over = {
        "book": {"title": "B", "chapters": ["a.qmd", "b.qmd"]},
        "format": {"html": {"toc": True}},
    }
    merged = quarto_merge(base, over)
    assert merged == {
        "book": {"title": "B", "chapters": ["index.qmd", "a.qmd", "b.qmd"], "author": "x"},
        "lang": "en-GB",
        "format": {"html": {"toc": True}},
    }
    assert base["book"]["chapters"] == ["index.qmd", "a.qmd"]  # inputs are not modified
    # a scalar merged with an array is coerced to an array; null in the profile wins over scalars
    assert quarto_merge({"bibliography": "a.bib"}, {"bibliography": ["b.bib"]}) == {
        "bibliography": ["a.bib", "b.bib"]
    }
    assert quarto_merge({"x": 1}, {"x": None}) == {"x": None}
    # project 'contents' given as a string is replaced, not merged
    assert quarto_merge({"contents": "*.qmd"}, {"contents": ["a.qmd"]}) == {"contents": ["a.qmd"]}


def test_fixture_book_with_profile():
    cfg = load_book_config(FIXTURE_BOOK, "2026")
    assert cfg.title == "Levelling Up missions: progress report"
    assert cfg.subtitle == "2026 edition"
    assert cfg.output_file == "levelup-progress-report-2026"
    assert cfg.files == ["_quarto.yml", "_quarto-2026.yml"]
    assert [(c.source, c.page, c.part) for c in cfg.chapters] == [
        ("index.qmd", "index.html", None),
        ("chapters/01-living-standards.qmd", "chapters/01-living-standards.html", "Missions"),
        ("chapters/02-health.qmd", "chapters/02-health.html", "Missions"),
        ("references.qmd", "references.html", None),
    ]
    assert cfg.lang == "en-GB"
    assert cfg.crossref["fig-prefix"] == "Figure"
    assert (
        load_book_config(FIXTURE_BOOK, "nonexistent").subtitle is None
    )  # missing profiles are ignored


def test_several_profiles_first_listed_wins(tmp_path):
    book = copy_book(tmp_path / "book")
    (book / "_quarto-draft.yml").write_text(
        "book:\n  subtitle: Draft\n  appendices: [appendix.qmd]\n"
    )
    cfg = load_book_config(book, "draft,2026")
    assert cfg.subtitle == "Draft"
    assert cfg.chapters[-1].source == "appendix.qmd" and cfg.chapters[-1].appendix
    assert load_book_config(book, "2026,draft").subtitle == "2026 edition"


def test_profile_default_from_config(tmp_path):
    book = copy_book(tmp_path / "book")
    (book / "_quarto.yml").write_text(
        (book / "_quarto.yml").read_text() + "\nprofile:\n  default: 2026\n"
    )
    assert load_book_config(book, None).subtitle == "2026 edition"


def test_bad_config_is_a_render_error(tmp_path):
    book = copy_book(tmp_path / "book")
    (book / "_quarto.yml").write_text("book:\n  chapters: [\n")
    with pytest.raises(RenderError, match="invalid YAML"):
        load_book_config(book, "2026")
    (book / "_quarto.yml").write_text("book:\n  title: x\n")
    with pytest.raises(RenderError, match="lists no chapters"):
        load_book_config(book, "2026")
