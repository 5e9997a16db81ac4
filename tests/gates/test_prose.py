"""Prose gate: machinery and template slips in what readers see, on hand-made pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from levelup.gates.prose import check_prose, prose_problems, visible_text

PAGE = """<!doctype html><html lang="en-GB"><head><title>T</title>
<style>.x {{ color: #a1b2c3d }}</style><script>var key = "m07-health.hle.latest";</script></head>
<body><main><h1>Mission</h1>{body}</main>
<footer class="site-footer"><div class="colophon"><dl><div><dt>Code commit</dt>
<dd><code>655593c41da49774e2f3e9c1716656ad8b534ca0</code></dd></div></dl></div></footer>
</body></html>"""


def _site(tmp_path: Path, pages: dict[str, str]) -> Path:
    for rel, body in pages.items():
        path = tmp_path / "site" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(PAGE.format(body=body), encoding="utf-8")
    return tmp_path / "site"


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("sha256 " + "ab12" * 16, "sha256 digest"),
        ("commit 655593c41da49774e2f3e9c1716656ad8b534ca0", "git commit id"),
        ("as of commit 4972c588 (June 2026)", "commit-like hex token"),
        ("see gross-value-added.csv for the rows", "file path"),
        ("the notebook m07-health.ipynb", "file path"),
        ("listed in curated/SOURCES.md", "file path"),
        ("read from els/2026-06-26 files", "data folder path"),
        ("the value m07-health.hle.latest", "finding key"),
        ("metric m04-gigabit-coverage here", "metric or dataset id"),
        ("Source: hansard_2022_reducing_crime", "snake_case identifier"),
        ("1 region(s) had no mayor", "'(s)' plural"),
        ("the target is reached: never at the current rate", "': never'"),
        ("significantly downward in 0.", "'in 0'"),
        ("Of 361 local authorities, 1 already have gigabit", "'1 … have/are/were'"),
        ("it was highest in: London", "list after a colon"),
        ("CSEW total CSEW crime", "doubled acronym"),
        ("the the report", "doubled word"),
        ("quoted as {{< var x >}}", "raw shortcode"),
        ("a value ?var:m01.x here", "unresolved variable"),
    ],
)
def test_each_rule_catches_its_slip(text, rule):
    assert rule in [r for r, _ in prose_problems(text)], prose_problems(text)


@pytest.mark.parametrize(
    "text",
    [
        "Gigabit coverage reached 87.9% of premises in January 2026, up from 78.5% in 2024.",
        "Source: Ofcom, Connected Nations, via ONS Explore Local Statistics (June 2026)",
        "It fell in none of the 12 regions; 1 region (the South East) had no mayor.",
        "Coverage rose in 2 areas, fell in 10 and in 0.5% of cases ... 2010 to 2020",
        "GSS code E12000006 is the East of England; GitHub repository open-sdg/sdg-build.",
        "The decade 2020s; deface; café; had had; that that",
    ],
)
def test_ordinary_prose_passes(text):
    assert prose_problems(text) == []


def test_visible_text_skips_scripts_styles_colophon_and_reads_alt_text():
    text = visible_text(PAGE.format(body='<p>Words</p><img alt="Chart of m07-health.x">'))
    assert "Words" in text and "Chart of m07-health.x" in text
    assert "655593c" not in text and "var key" not in text and "color" not in text


def test_the_gate_sweeps_every_page_but_the_provenance_appendix(tmp_path):
    site = _site(
        tmp_path,
        {
            "index.html": "<p>Fine words.</p>",
            "chapters/mission-12.html": "<p>1 region(s) had no mayor.</p>",
            "chapters/data-sources.html": "<td>els/2026-06-26/x.csv</td><td>" + "ab" * 32 + "</td>",
        },
    )
    result = check_prose(site)
    assert result.details["checked"] == 2  # the appendix is exempt: pins belong there
    assert len(result.failures) == 1
    assert result.failures[0].startswith("chapters/mission-12.html: '(s)' plural: …")
    assert result.failures[0].endswith("1 regio «n(s)» had no mayor.…")
    assert any("data-sources.html" in n for n in result.notes)


def test_a_literal_shortcode_fails_on_every_page_the_appendix_too(tmp_path):
    site = _site(
        tmp_path,
        {
            "index.html": "<p>Growth was {{&lt; var pay.growth}} per cent.</p>",
            "chapters/data-sources.html": "<td>els/x.csv</td><td>{{< var pins.count >}}</td>",
        },
    )
    result = check_prose(site)
    assert {tuple(f.split(": ")[:2]) for f in result.failures} == {
        ("chapters/data-sources.html", "raw shortcode"),
        ("index.html", "raw shortcode"),
    }


def test_the_gate_reads_svg_chart_text(tmp_path):
    site = _site(tmp_path, {"index.html": "<p>Fine.</p>"})
    (site / "chart.svg").write_text(
        '<svg><text x="0">Source: x, sha256 587fcf01</text></svg>', encoding="utf-8"
    )
    result = check_prose(site)
    assert [f.split(": ")[1] for f in result.failures] == ["commit-like hex token"]


def test_an_empty_site_fails(tmp_path):
    (tmp_path / "site").mkdir()
    assert not check_prose(tmp_path / "site").passed
