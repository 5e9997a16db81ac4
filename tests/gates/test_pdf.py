from __future__ import annotations

from pathlib import Path

import pytest

from levelup.gates.pdf import check_pdf, missing_titles, normalise, unembedded_fonts

from .helpers import unembedded_font_pdf

TITLES = ["Pay and productivity", "Healthy life expectancy", "Office efficiency and well-being"]

pytestmark = pytest.mark.usefixtures("pdftotext")


def test_typst_pdf_passes(typst_pdf: Path) -> None:
    result = check_pdf(typst_pdf, TITLES)
    assert result.passed, result.failures
    assert unembedded_fonts(typst_pdf) == {}
    assert result.details["text_chars"] > 500


def test_missing_chapter_title_fails(typst_pdf: Path) -> None:
    result = check_pdf(typst_pdf, [*TITLES, "Wellbeing and pride in place"])
    assert result.failures == [
        "report.pdf: chapter title 'Wellbeing and pride in place' not found in the text"
    ]


def test_unembedded_font_fails(tmp_path: Path) -> None:
    pdf = unembedded_font_pdf(tmp_path / "plain.pdf")
    assert unembedded_fonts(pdf) == {"Helvetica (/Type1)": [1]}
    result = check_pdf(pdf, ["Pay and productivity"], min_chars=10)
    assert result.failures == ["plain.pdf: font Helvetica (/Type1) is not embedded (page(s) 1)"]


def test_too_little_text_fails(tmp_path: Path) -> None:
    pdf = unembedded_font_pdf(tmp_path / "plain.pdf")
    result = check_pdf(pdf, [], min_chars=200)
    assert any("characters of text extracted" in f for f in result.failures)


def test_missing_pdf_and_missing_pdftotext(tmp_path: Path, typst_pdf: Path) -> None:
    assert "no such PDF" in check_pdf(tmp_path / "none.pdf").failures[0]
    result = check_pdf(typst_pdf, TITLES, pdftotext=str(tmp_path / "no-pdftotext"))
    assert not result.passed
    assert any("pdftotext" in f for f in result.failures)


def test_normalisation_handles_ligatures_hyphenation_and_whitespace() -> None:
    text = "Ofﬁce eﬃciency and well‐\nbeing\n\nHealthy  life\nexpec-\ntancy — “levelling up”"
    assert missing_titles(text, TITLES[1:] + ["Levelling Up"]) == []
    assert normalise("Ofﬁce\u00a0eﬃciency") == "office efficiency"
    # a genuine hyphen at a line end is kept in the non-joined variant
    assert missing_titles("well-\nbeing", ["well-being"]) == []
    assert missing_titles("Pay", ["Pay and productivity"]) == ["Pay and productivity"]
