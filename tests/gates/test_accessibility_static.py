from __future__ import annotations

from pathlib import Path

from levelup.gates.accessibility_static import check_accessibility_static


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def _line(path: Path, needle: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if needle in t)


def test_good_site_passes(good_site: Path) -> None:
    result = check_accessibility_static(good_site)
    assert result.passed, result.failures
    assert result.notes == ["3 page(s), 3 image(s), 1 table(s) checked"]


def test_missing_alt_fails_with_page_and_line(good_site: Path) -> None:
    index = good_site / "index.html"
    _edit(index, ' alt="Chart of median pay by region, 2015 to 2025"', "")
    result = check_accessibility_static(good_site)
    assert result.failures == [
        f"index.html:{_line(index, 'img/chart.png')}: <img src='img/chart.png'> has no alt attribute"
    ]


def test_empty_alt_fails_unless_marked_decorative(good_site: Path) -> None:
    pay = good_site / "chapters" / "pay.html"
    _edit(pay, 'alt="Pay and productivity: trend by region"', 'alt=" "')
    result = check_accessibility_static(good_site)
    assert len(result.failures) == 1
    assert result.failures[0].startswith(f"chapters/pay.html:{_line(pay, 'chart.png')}: ")
    assert "empty alt text" in result.failures[0]

    _edit(pay, 'alt=" "', 'alt="" role="presentation"')
    assert check_accessibility_static(good_site).passed


def test_lang_h1_title_and_table_caption(good_site: Path) -> None:
    index = good_site / "index.html"
    _edit(index, '<html lang="en-GB">', "<html>")
    _edit(index, "<caption>Headline findings</caption>", "")
    health = good_site / "chapters" / "health.html"
    _edit(health, "<h1>Healthy life expectancy</h1>", "<p>Healthy life expectancy</p>")
    pay = good_site / "chapters" / "pay.html"
    _edit(
        pay,
        "<title>Pay and productivity — Levelling Up 2026</title>",
        "<title>Levelling Up progress 2026</title>",
    )
    result = check_accessibility_static(good_site)
    joined = "\n".join(result.failures)
    assert "index.html:2: <html> has no lang attribute" in joined
    assert f"index.html:{_line(index, '<table>')}: <table> has no caption or aria-label" in joined
    assert "chapters/health.html:1: page has no <h1>" in joined
    assert "<title> 'Levelling Up progress 2026' is not unique (also on index.html)" in joined


def test_second_h1_and_empty_title(good_site: Path) -> None:
    index = good_site / "index.html"
    _edit(index, '<ul id="results"></ul>', "<h1>Another top heading</h1>")
    _edit(index, "<title>Levelling Up progress 2026</title>", "<title>  </title>")
    result = check_accessibility_static(good_site)
    joined = "\n".join(result.failures)
    assert f"index.html:{_line(index, 'Another top heading')}: page has 2 <h1> elements" in joined
    assert f"index.html:{_line(index, '<title>')}: <title> is empty" in joined


def test_table_aria_label_and_svg_title(good_site: Path) -> None:
    index = good_site / "index.html"
    _edit(index, "<caption>Headline findings</caption>", "")
    _edit(index, "<table>", '<table aria-label="Headline findings">')
    # an inline SVG's <title> is not the document title
    _edit(index, '<ul id="results"></ul>', '<svg role="img"><title>Map</title></svg>')
    assert check_accessibility_static(good_site).passed
