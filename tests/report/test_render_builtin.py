"""The built-in engine on the fixture book: HTML site and PDF (one shared render)."""

from __future__ import annotations

import io
import json
import re

import pytest

from .helpers import SITE_META, parse_html

PAGES = [
    "index.html",
    "chapters/01-living-standards.html",
    "chapters/02-health.html",
    "references.html",
]
NBSP = "\u00a0"


def _page(rendered, rel):
    _, out = rendered
    return (out / "site" / rel).read_text(encoding="utf-8")


def _doc(rendered, rel):
    return parse_html(_page(rendered, rel))


def _norm(s: str) -> str:
    return " ".join(s.replace(NBSP, " ").split())


def test_result_lists_every_chapter_with_numbers(rendered):
    result, out = rendered
    assert result.engine == "builtin"
    assert [c.page for c in result.chapters] == PAGES
    assert [c.number for c in result.chapters] == [None, "1", "2", None]
    assert [c.title for c in result.chapters] == [
        "Preface",
        "Living standards",
        "Health",
        "References",
    ]
    assert result.site_dir == out / "site"
    assert result.pdf_path == out / "levelup-progress-report-2026.pdf"
    assert {"expand", "pandoc-read", "transform", "pandoc-write", "html", "pdf", "total"} <= set(
        result.timings
    )
    assert result.warnings == []


def test_every_page_exists_parses_and_has_landmarks(rendered):
    titles = set()
    for rel in PAGES:
        doc = _doc(rendered, rel)
        html = doc.find("html")
        assert html.attrs["lang"] == "en-GB"
        for tag in ("header", "nav", "main", "footer"):
            assert doc.find(tag) is not None, f"{rel}: no <{tag}>"
        skip = doc.find("a", cls="skip-link")
        assert skip is not None and skip.attrs["href"] == "#main"
        assert doc.find("main").attrs["id"] == "main"
        titles.add(doc.find("title").text())
        h1s = doc.find("main").find_all("h1")
        assert len(h1s) == 1, rel
        # heading levels never jump (h1 -> h3)
        levels = [
            int(el.tag[1]) for el in doc.find("main").iter() if re.fullmatch(r"h[1-6]", el.tag)
        ]
        assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), (rel, levels)
    assert len(titles) == len(PAGES), "page titles are not unique"


def test_nav_lists_every_chapter_grouped_by_part(rendered):
    for rel in PAGES:
        nav = _doc(rendered, rel).find("nav", id="sidebar")
        texts = [_norm(a.text()) for a in nav.find_all("a")]
        assert texts == ["Preface", "1 Living standards", "2 Health", "References"], rel
        current = nav.find_all("a", aria_current="page")
        assert len(current) == 1
        assert "Missions" in nav.text()
    # prev/next
    pager = _doc(rendered, "chapters/02-health.html").find("nav", cls="pager")
    assert [a.attrs["rel"] for a in pager.find_all("a")] == ["prev", "next"]


def test_no_unresolved_markers_or_external_requests(rendered):
    for rel in PAGES:
        text = _page(rendered, rel)
        for marker in ("{{<", "?@", "lu-root:", "lu-image:", "lu-embed", "lu-html-only"):
            assert marker not in text, f"{rel}: {marker}"
        assert not re.search(r'<(script|link|img|iframe)[^>]+(src|href)="(https?:)?//', text), rel


def test_images_have_alt_and_content_hashed_files(rendered):
    _, out = rendered
    imgs = []
    for rel in PAGES:
        for img in _doc(rendered, rel).find_all("img"):
            assert img.attrs.get("alt", "").strip(), f"{rel}: img without alt"
            path = (out / "site" / rel).parent / img.attrs["src"]
            assert path.is_file()
            assert re.fullmatch(r"[0-9a-f]{20}\.png", path.name)
            assert not img.attrs["src"].startswith("data:")
            imgs.append(img)
    assert len(imgs) == 1
    assert imgs[0].attrs["alt"].startswith("Line chart: the gap in healthy life expectancy")


def test_cross_references_are_numbered_per_chapter_and_linked(rendered):
    health = _doc(rendered, "chapters/02-health.html")
    fig = health.find("figure", id="fig-hle-gap")
    assert _norm(fig.find("figcaption").text()).startswith(
        "Figure 2.1: Gap in healthy life expectancy"
    )
    links = {_norm(a.text()): a.attrs["href"] for a in health.find("main").find_all("a")}
    assert links["Figure 2.1"] == "#fig-hle-gap"
    assert links["Table 2.1"] == "#tbl-hle-regions"
    assert links["Section 1.1"] == "../chapters/01-living-standards.html#sec-pay-method"
    assert _norm(health.find("h2", id="sec-health-trend").text()) == "2.1 Trend"
    assert _norm(health.find("h1").text()) == "2 Health"
    living = _doc(rendered, "chapters/01-living-standards.html")
    links = {_norm(a.text()): a.attrs["href"] for a in living.find("main").find_all("a")}
    assert links["Figure 2.1"] == "../chapters/02-health.html#fig-hle-gap"
    assert links["Table 1.1"] == "#tbl-pay-summary"
    index = _doc(rendered, "index.html")
    links = {_norm(a.text()): a.attrs["href"] for a in index.find("main").find_all("a")}
    assert links["Chapter 1"] == "chapters/01-living-standards.html#sec-pay"
    assert links["Chapter 2"] == "chapters/02-health.html#sec-health"


def test_tables_have_captions_and_scoped_headers(rendered):
    for rel, tid, caption in [
        (
            "chapters/02-health.html",
            "tbl-hle-regions",
            "Table 2.1: Healthy life expectancy by region, 2023",
        ),
        (
            "chapters/01-living-standards.html",
            "tbl-pay-summary",
            "Table 1.1: Median weekly pay by country, 2024",
        ),
    ]:
        table = _doc(rendered, rel).find("table", id=tid)
        assert _norm(table.find("caption").text()) == caption
        ths = table.find_all("th")
        assert ths and all(th.attrs.get("scope") in ("col", "row") for th in ths)
        assert {th.attrs["scope"] for th in table.find("thead").find_all("th")} == {"col"}
    rows = (
        _doc(rendered, "chapters/02-health.html").find("table", id="tbl-hle-regions").find("tbody")
    )
    assert "London" in rows.text() and "63.9" in rows.text()


def test_citations_link_to_the_references_page(rendered):
    living = _doc(rendered, "chapters/01-living-standards.html")
    cites = living.find_all("span", cls="citation")
    assert cites
    a = cites[0].find("a")
    assert a.attrs["href"] == "../references.html#ref-ons2024ashe"
    assert "Office for National Statistics 2024a" in _norm(cites[0].text())
    refs = _doc(rendered, "references.html")
    ids = [d.attrs["id"] for d in refs.find_all("div", cls="csl-entry")]
    assert ids == ["ref-ons2024ashe", "ref-ons2024hle", "ref-smith2020convergence"]
    assert "Regional Convergence in the United Kingdom" in refs.text()


def test_variables_and_meta_are_substituted(rendered):
    assert "differs by 10.3 years between regions" in _norm(
        _doc(rendered, "chapters/02-health.html").text()
    )
    assert "grew by 4.2 per cent" in _norm(
        _doc(rendered, "chapters/01-living-standards.html").text()
    )
    assert "This is the 2026 edition of Levelling Up missions: progress report." in _norm(
        _doc(rendered, "index.html").text()
    )


def test_callouts_are_rendered_with_titles(rendered):
    index = _doc(rendered, "index.html")
    note = index.find("div", cls="callout-note")
    assert "callout" in note.attrs["class"].split() and note.attrs["role"] == "note"
    assert _norm(note.find("div", cls="callout-title").text()) == "About the numbers"
    assert "10.3 years" in note.find("div", cls="callout-body").text()
    warning = _doc(rendered, "chapters/01-living-standards.html").find("div", cls="callout-warning")
    assert _norm(warning.find("div", cls="callout-title").text()) == "Warning"
    health = _doc(rendered, "chapters/02-health.html")
    assert (
        _norm(health.find("div", cls="callout-tip").find("div", cls="callout-title").text())
        == "Reading the chart"
    )
    assert health.find("div", cls="callout-important") is not None


def test_download_the_data_link_beside_the_chart(rendered):
    _, out = rendered
    health = _doc(rendered, "chapters/02-health.html")
    box = health.find("div", cls="figure-data")
    a = box.find("a")
    assert _norm(a.text()).startswith("Download the data (CSV)")
    assert a.attrs["href"] == "../data/fig-hle-gap.csv"
    assert (out / "site" / "data" / "fig-hle-gap.csv").read_text().startswith("year,gap")


def test_every_table_is_a_csv_download_beside_the_charts(rendered):
    """Each numbered table: the same header and cells as on the page, in site/data/<label>.csv,
    linked under the table (HTML only)."""
    import csv

    _, out = rendered
    health = _doc(rendered, "chapters/02-health.html")
    boxes = health.find_all("div", cls="figure-data")
    links = {box.find("a").attrs["href"]: _norm(box.find("a").text()) for box in boxes}
    assert links["../data/tbl-hle-regions.csv"].startswith("Download the table (CSV)")
    rows = list(csv.reader((out / "site" / "data" / "tbl-hle-regions.csv").open()))
    table = health.find("table")
    header = [_norm(th.text()) for th in table.find("thead").find_all("th")]
    assert [c for c in rows[0] if c] == header == ["Region", "HLE (years)"]
    assert len(rows) == 1 + len(table.find("tbody").find_all("tr"))
    assert (out / "site" / "data" / "tbl-pay-summary.csv").is_file()


def test_search_index_and_assets_are_local(rendered):
    _, out = rendered
    site = out / "site"
    entries = json.loads((site / "search.json").read_text())
    assert {e["u"].split("#")[0] for e in entries} == set(PAGES)
    assert any(e["u"] == "chapters/02-health.html#sec-health-trend" for e in entries)
    assert (site / "search-index.js").read_text().startswith("window.LEVELUP_SEARCH=")
    assert (site / "assets" / "levelup.css").exists() and (site / "assets" / "levelup.js").exists()
    css = (site / "assets" / "levelup.css").read_text()
    assert "@media print" in css and "@import" not in css and "url(" not in css


def test_colophon_and_edition_switcher(rendered):
    for rel in PAGES:
        doc = _doc(rendered, rel)
        footer = _norm(doc.find("footer").text())
        for key in ("version", "commit", "lockfile_sha256", "data_manifest_sha256"):
            assert SITE_META[key] in footer, (rel, key)
        assert "2026-01-01" in footer  # from SOURCE_DATE_EPOCH
        switcher = doc.find("nav", cls="edition-switcher")
        hrefs = [a.attrs["href"] for a in switcher.find_all("a")]
        assert any(h.endswith("2025/index.html") for h in hrefs)
    assert (rendered[1] / "site" / "levelup-progress-report-2026.pdf").exists()


def test_pdf_has_every_chapter_and_the_edition_stamp(rendered):
    from pypdf import PdfReader

    result, _ = rendered
    data = result.pdf_path.read_bytes()
    reader = PdfReader(io.BytesIO(data))
    pages = [p.extract_text() for p in reader.pages]
    text = _norm(" ".join(pages))
    for title in ("Preface", "1 Living standards", "2 Health", "References", "Contents"):
        assert title in text, title
    for needle in (
        "Figure 2.1: Gap in healthy life expectancy",
        "Table 2.1: Healthy life expectancy by region",
        "Section 1.1",
        "Office for National Statistics 2024a",
        "10.3 years",
        "Reading the chart",
    ):
        assert needle in text, needle
    stamp = "2026 edition · version 2026.1.0"
    assert all(stamp in _norm(p) for p in pages), "edition/version stamp missing from a page footer"
    # running header: report title on pages that do not open a chapter is checked by layout;
    # fonts: every font is embedded
    fonts = set()
    for page in reader.pages:
        for f in (page.get("/Resources", {}).get("/Font") or {}).values():
            f = f.get_object()
            desc = f.get("/FontDescriptor") or (f.get("/DescendantFonts") or [None])[0]
            if desc is not None and "/DescendantFonts" in f:
                desc = desc.get_object().get("/FontDescriptor")
            assert desc is not None and any(
                k in desc.get_object() for k in ("/FontFile", "/FontFile2", "/FontFile3")
            )
            fonts.add(str(f.get("/BaseFont")))
    assert any("Libertinus" in f for f in fonts)
    assert reader.pages[0].mediabox.width == pytest.approx(595.28, abs=1)  # A4


def test_the_pdf_text_is_extractable(rendered):
    from pypdf import PdfReader

    result, _ = rendered
    text = "\n".join(page.extract_text() for page in PdfReader(result.pdf_path).pages)
    assert "Living standards" in text and "2026 edition" in text


def test_only_the_provenance_page_lists_commit_and_checksums():
    """With a provenance page, other pages' footers carry no hash and link to it; a development
    version (which carries the commit id) is left to the provenance page too."""
    import re

    from levelup.report.render.html import colophon_html

    meta = {
        **SITE_META,
        "version": "0.1.0+0123456",
        "build_date": "2026-01-01",
        "provenance_page": "chapters/data-sources.html",
    }
    full = colophon_html("Report", meta, None, "chapters/data-sources.html")
    for key in ("version", "commit", "lockfile_sha256", "data_manifest_sha256"):
        assert meta[key] in full, key
    short = colophon_html("Report", meta, "../report.pdf", "chapters/mission-01.html")
    assert not re.search(r"[0-9a-f]{7,}", short)
    assert '<a href="../chapters/data-sources.html">the data sources appendix</a>' in short
    assert "2026-01-01" in short and "2026" in short and "../report.pdf" in short
    release = colophon_html("Report", {**meta, "version": "2026.1.0"}, None, "index.html")
    assert "2026.1.0" in release and 'href="chapters/data-sources.html"' in release
