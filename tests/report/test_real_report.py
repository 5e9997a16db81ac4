"""Back test of the whole report on the real mirror: both editions build from this checkout's
sources (every notebook executed with each edition's parameters), the HTML site has every chapter
with nothing unresolved and alt text on every figure, and the PDF carries every chapter title.

Builds into a temporary output root and cache: the checkout's ``_output/`` is never touched.
"""

from __future__ import annotations

import json
import re

import pytest

from levelup.gates.accessibility_static import check_accessibility_static
from levelup.gates.links import check_links
from levelup.gates.pdf import check_pdf
from levelup.gates.prose import PROVENANCE_PAGES, check_prose
from levelup.paths import PROJECT_ROOT
from levelup.report.build import BuildOptions, build

from .build_support import MIRROR

EDITIONS = ("2025", "2026")
NOTEBOOKS = sorted(
    p.relative_to(PROJECT_ROOT).as_posix()
    for d in ("missions", "capitals", "areas", "editions")
    for p in (PROJECT_ROOT / "analysis" / d).glob("*.ipynb")
)


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    root = tmp_path_factory.mktemp("real-report")
    results = {}
    for year in EDITIONS:  # 2026 compares with the record of 2025 (editions/2025/)
        results[year] = build(
            BuildOptions(
                project_dir=PROJECT_ROOT,
                edition=year,
                engine="builtin",
                cache_dir=root / "cache",
                output_root=root / "_output",
                mirror=MIRROR,
                keep_kernels=0.0,
                jobs=2,
            )
        )
    return results


def test_every_notebook_runs_with_each_editions_parameters(editions):
    # missions, capitals, area profiles, data sources, what changed, summary
    assert len(NOTEBOOKS) == 12 + 6 + 1 + 3
    for year, result in editions.items():
        ran = {r.job.rel for r in result.notebooks if r.job.edition == year}
        assert ran == set(NOTEBOOKS), year
        assert all(r.status in ("ran", "cached") for r in result.notebooks)
        findings = (result.output_dir / "findings.csv").read_text(encoding="utf-8")
        for rel in NOTEBOOKS:  # each notebook wrote findings under its own name
            stem = rel.rsplit("/", 1)[1].removesuffix(".ipynb")
            assert f"\n{stem}." in findings, (year, stem)


@pytest.mark.parametrize("year", EDITIONS)
def test_the_site_has_every_chapter_and_nothing_unresolved(editions, year):
    out = editions[year].output_dir
    site = out / "site"
    chapters = json.loads((out / "chapters.json").read_text(encoding="utf-8"))
    chapters = chapters["chapters"] if isinstance(chapters, dict) else chapters
    assert (
        len(chapters) == 1 + 1 + 12 + 6 + 4 + 1
    )  # front, summary, missions, capitals, about (with every area at a glance), refs
    pages = sorted(site.rglob("*.html"))
    area_pages = sorted((site / "areas").glob("*.html"))
    assert len(area_pages) == 361 + 1  # every area and the index
    assert len(pages) == len(chapters) + len(area_pages)
    for page in pages:
        text = page.read_text(encoding="utf-8")
        visible = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
        assert "{{<" not in visible, page  # a shortcode left unexpanded
        assert not re.search(r"\?@(fig|tbl|sec)-", visible), page  # a cross-reference
        assert "???" not in visible, page  # an unresolved citation
    for gate in (
        check_links(out.parent / "site" / year, out.parent / "site"),  # in the site tree
        check_accessibility_static(site),
    ):
        assert gate.passed, gate.failures[:5]
    assert all('alt=""' not in p.read_text(encoding="utf-8") for p in pages)


@pytest.mark.parametrize("year", EDITIONS)
def test_readers_see_no_machinery_and_no_template_slips(editions, year):
    """The rendered HTML of each edition, swept by the prose gate: no sha256 or commit ids, file
    paths, data folders, finding keys or dataset/metric ids, and no "(s)", ": never", "in 0",
    "1 already have", "highest in:", doubled words, raw shortcodes or unresolved variables.

    Exempt, and only these: the provenance appendix (``chapters/data-sources``), where the pins
    (files, sha256, commits) belong, and the colophon in every page footer (edition, code commit,
    lockfile and data-manifest digests)."""
    assert PROVENANCE_PAGES == ("chapters/data-sources.html",)
    site = editions[year].output_dir / "site"
    charts = sorted(site.rglob("*.svg"))  # the charts are SVG: their text is swept too
    assert len(charts) > 40
    result = check_prose(site)
    pages = sorted(site.rglob("*.html"))
    # every page and chart but the appendix
    assert result.details["checked"] == len(pages) - len(PROVENANCE_PAGES) + len(charts)
    assert result.passed, "\n".join(result.failures[:20])


@pytest.mark.parametrize("year", EDITIONS)
def test_the_pdf_has_every_chapter_title_and_extractable_text(editions, year, pdftotext):
    out = editions[year].output_dir
    chapters = json.loads((out / "chapters.json").read_text(encoding="utf-8"))
    chapters = chapters["chapters"] if isinstance(chapters, dict) else chapters
    titles = [c["title"] if isinstance(c, dict) else c for c in chapters]
    (pdf,) = out.glob("*.pdf")
    result = check_pdf(pdf, titles, pdftotext=pdftotext)
    assert result.passed, result.failures


def test_what_changed_compares_2026_with_the_published_record_of_2025(editions):
    variables = (editions["2026"].output_dir / "_variables.yml").read_text(encoding="utf-8")
    assert re.search(r"previous-edition: ['\"]?2025", variables)
    assert {r.job.edition for r in editions["2026"].notebooks} == {"2026"}  # no 2025 notebook
    post = {r.job.stem: r.job.parameters for r in editions["2026"].notebooks}
    for stem in ("what-changed", "summary"):
        assert post[stem]["previous_findings_path"] == str(
            PROJECT_ROOT / "editions" / "2025" / "findings.csv"
        )
    # the 2025 build is compared with its record (`levelup edition verify 2025` fails on a
    # difference; a method change after publication is one, so it is not asserted here)
    assert editions["2025"].record is not None and editions["2026"].record is None


def test_the_site_tree_links_both_editions_and_the_promised_downloads(editions):
    """One tree holds both editions; the 2026 switcher links to 2025; the what-changed chapter
    links the findings, the data-change report and its revisions, which are in the site."""
    tree = editions["2026"].output_dir.parent / "site"
    assert (tree / "2025" / "index.html").is_file() and (tree / "2026" / "index.html").is_file()
    page = (tree / "2026" / "chapters" / "what-changed.html").read_text(encoding="utf-8")
    assert 'href="../../2025/index.html"' in page and 'href="../../index.html"' in page
    for name in ("findings.csv", "data-changes.txt", "revisions.csv"):
        assert f'href="../data/{name}"' in page, name
        assert (tree / "2026" / "data" / name).is_file(), name
    first = (tree / "2025" / "chapters" / "what-changed.html").read_text(encoding="utf-8")
    assert "there is no data-change report" in first and 'href="../data/findings.csv"' in first
    assert not (tree / "2025" / "data" / "revisions.csv").exists()


@pytest.mark.parametrize("year", EDITIONS)
def test_no_word_of_the_pdf_runs_past_a_margin(editions, year, pdftotext):
    """Every word of the PDF (``pdftotext -bbox``) lies within the text block: Table 1.3 used to
    print "convergingno" past the right margin."""
    from .layout_checks import words_outside_text_block

    (pdf,) = editions[year].output_dir.glob("*.pdf")
    assert words_outside_text_block(pdf, pdftotext) == []


def test_every_pdf_table_fits_the_text_width(editions):
    """Each table of the last-built edition (2026) as Typst laid it out (``typst query``): its
    columns add up to no more than the text width and each column holds its longest word."""
    from .layout_checks import table_fits, tables_wider_than_text

    root = editions["2026"].output_dir.parent.parent
    (book,) = root.rglob("typst-build/book.typ")
    assert 'edition: "2026"' in book.read_text(encoding="utf-8")
    records = table_fits(book)
    assert len(records) > 50
    assert tables_wider_than_text(records) == []


@pytest.mark.parametrize("year", EDITIONS)
def test_search_finds_mission_7_first_for_healthy_life(editions, year):
    """The site's own search ranking (levelup.js, run by node) over the built index."""
    from .layout_checks import search_ranking

    index = json.loads((editions[year].output_dir / "site" / "search.json").read_text("utf-8"))
    hits = search_ranking(index, "healthy life")
    assert hits and hits[0]["c"] == "Mission 7: Health", [h["c"] for h in hits[:5]]
    assert search_ranking(index, "housing")[0]["c"] == "Mission 10: Housing"


@pytest.mark.parametrize("year", EDITIONS)
def test_the_staged_quarto_project_has_everything_quarto_needs(editions, year):
    """After a build, `quarto render` in `_output/stage/<edition>` finds, where Quarto looks for
    them: the edition's profile (named in `_environment`) with its `levelup:` metadata, every var
    in `_variables.yml` by Quarto's rules, every embedded cell executed at the embed's path."""
    import yaml

    from levelup.report.render import check_book
    from levelup.report.render.config import load_book_config
    from levelup.report.render.notebooks import labelled_cells, read_notebook

    stage = editions[year].output_dir.parent / "stage" / year
    cfg = load_book_config(stage, None)
    assert cfg.profile == year and cfg.config["levelup"]["edition"] == year
    variables = yaml.safe_load((stage / "_variables.yml").read_text(encoding="utf-8"))
    assert check_book(stage, None, variables) == []
    embeds = 0
    for spec in cfg.chapters:
        text = (stage / spec.source).read_text(encoding="utf-8")
        for path, label in re.findall(r"\{\{< embed (\S+?)#(\S+) >\}\}", text):
            cells = labelled_cells(read_notebook((stage / spec.source).parent / path))
            assert cells[label].outputs, f"{spec.source}: {path}#{label}"
            embeds += 1
    assert embeds > 100


MAPPED = {  # mission notebook -> (map finding key, profile metric, national finding)
    "m04-digital": ("gigabit", "m04-gigabit", "m04-digital.gigabit.uk.latest"),
    "m07-health": ("hle", "m07-hle", "m07-health.hle.female.reference.latest"),
}


def _profiles(out):
    import csv

    with (out / "site" / "data" / "area-profiles.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _findings(out):
    import csv

    with (out / "findings.csv").open(encoding="utf-8", newline="") as f:
        return {r["key"]: r for r in csv.DictReader(f)}


def test_area_profiles_agree_with_the_findings_and_the_source_files(editions, store):
    """A sample of profile numbers: the national values equal the chapters' findings, the
    counts behind each mission map equal the profile rows, and area values equal the published
    source file's rows."""
    import csv

    out = editions["2026"].output_dir
    rows = _profiles(out)
    findings = _findings(out)
    assert findings["profiles.n-areas"]["value"] == "361.0"
    by = {(r["area_code"], r["metric"]): r for r in rows}
    for stem, (slug, metric, national) in MAPPED.items():
        mine = [r for r in rows if r["metric"] == metric]
        assert len(mine) == 361
        with_value = [r for r in mine if r["latest_value"]]
        assert float(findings[f"{stem}.map.{slug}.n-areas"]["value"]) == len(with_value)
        uk = [r for r in with_value if r["national_code"] == "K02000001"]
        assert uk and all(
            float(r["national_value"]) == float(findings[national]["value"]) for r in uk
        ), metric
    # against the published file: gigabit coverage of a sample of areas in each nation
    path = store.path("els/2026-06-26/gigabit-capable-broadband/gigabit-capable-broadband.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        published = {
            (r["areacd"], r["period"]): float(r["observation"])
            for r in csv.DictReader(handle)
            if r["observation"]
        }
    for code in ("E08000038", "E09000033", "W06000015", "S12000049", "N09000003"):
        row = by[(code, "m04-gigabit")]
        assert float(row["latest_value"]) == published[(code, row["latest_period"])], code
    # the area page shows the same numbers
    page = (out / "site" / "areas" / "E08000038.html").read_text(encoding="utf-8")
    assert by[("E08000038", "m04-gigabit")]["latest_display"] in page
    assert findings["profiles.n-metrics"]["display"] in page


@pytest.mark.parametrize("year", EDITIONS)
def test_search_finds_an_area_by_part_of_its_name(editions, year):
    from .layout_checks import search_ranking

    index = json.loads((editions[year].output_dir / "site" / "search.json").read_text("utf-8"))
    assert search_ranking(index, "barns")[0]["u"].startswith("areas/E08")
    assert search_ranking(index, "tower haml")[0]["u"] == "areas/E09000030.html"
