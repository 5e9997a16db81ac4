"""Area pages from the profiles table: the index groups areas by nation and region and can be
filtered, each page shows its rows, summary, similar areas and downloads, and search finds areas
by part of a name or by code."""

from __future__ import annotations

import csv
import json
import subprocess

import pandas as pd
import pytest

from levelup.data.hexjson import read_hexjson
from levelup.metrics import areas as AR
from levelup.report.render import areas as R
from levelup.report.render.html import NavEntry

AREAS = [
    ("E08000038", "Barnsley", "Yorkshire and The Humber", "England"),
    ("E08000039", "Sheffield", "Yorkshire and The Humber", "England"),
    ("W06000015", "Cardiff", "Wales", "Wales"),
]


@pytest.fixture
def folder(tmp_path):
    rows = []
    for code, name, region, country in AREAS:
        rows.append(
            {
                **{c: "" for c in AR.PROFILE_COLUMNS},
                "area_code": code,
                "area_name": name,
                "region_name": region,
                "country_name": country,
                "metric": "m04-gigabit",
                "metric_title": "Gigabit broadband",
                "missions": "4",
                "role": "headline",
                "unit": "%",
                "latest_value": 91.3,
                "latest_period_label": "January 2026",
                "latest_display": "91.3%",
                "rank": 148,
                "tenth": 5,
                "comparison_set": "361 local authorities in the UK",
                "gap_display": "3.5 percentage points above the UK",
                "progress_status": "on track",
                "progress_verdict": "on track",
                "similar_median_display": "90.0%",
                "similar_median": 90.0,
            }
        )
    profiles = pd.DataFrame(rows)
    similar = pd.DataFrame(
        [
            {
                "area_code": "E08000038",
                "similar_rank": 1,
                "similar_code": "E08000039",
                "similar_name": "Sheffield",
                "distance": 0.3,
                "shared": 6,
            }
        ]
    )
    hexes = {
        code: {"n": name, "q": i, "r": 0, "region": "R"} for i, (code, name, *_) in enumerate(AREAS)
    }
    layout = read_hexjson(json.dumps({"layout": "odd-r", "hexes": hexes}))
    metrics = pd.DataFrame(
        [
            {
                "metric": "m04-gigabit",
                "metric_title": "Gigabit broadband",
                "unit": "%",
                "comparison_set": "361 local authorities in the UK",
                "method": "rank",
                "source": "Ofcom",
            }
        ]
    )
    AR.write_profile_files(
        tmp_path,
        profiles,
        similar,
        layout,
        "The 5 closest areas.",
        metrics,
        {"E08000038": "Of 1 mission metric with local data for Barnsley, ..."},
    )
    return tmp_path


def test_index_groups_by_nation_and_region_and_links_every_area(folder):
    book = R.load_profiles(folder)
    pages = {page: (title, content, entry) for page, title, content, entry in R.site_pages(book)}
    assert set(pages) == {"areas/index.html", *(f"areas/{c}.html" for c, *_ in AREAS)}
    index = pages["areas/index.html"][1]
    assert (
        index.index(">England</h2>")
        < index.index(">Yorkshire and The Humber</h3>")
        < index.index(">Wales</h2>")
    )
    assert 'data-search="barnsley e08000038"' in index and 'href="E08000038.html"' in index
    assert '<label for="area-filter-input">' in index


def test_area_page_shows_rows_summary_similar_areas_and_downloads(folder):
    book = R.load_profiles(folder)
    page = dict((p, c) for p, _, c, _ in R.site_pages(book))["areas/E08000038.html"]
    assert "91.3%" in page and "148 of 361 local authorities in the UK" in page
    assert "3.5 percentage points above the UK" in page
    assert 'class="lu-status lu-status-on-track">on track' in page
    assert "Of 1 mission metric with local data for Barnsley" in page
    assert 'href="E08000039.html">Sheffield' in page and "90.0%" in page
    assert 'aria-label="Map locating Barnsley in the UK"' in page and R.LOCATOR_MARK not in page
    files = R.downloads(book)
    with_rows = list(csv.DictReader(files["data/areas/E08000038.csv"].splitlines()))
    assert len(with_rows) == 1 and with_rows[0]["latest_value"] == "91.3"
    assert R.ALL_PROFILES in files and R.METRICS_FILE in files


def test_the_index_follows_the_glance_chapter_in_the_navigation():
    entries = [
        NavEntry("a.html", "A", None, "About", "chapters/a.qmd"),
        NavEntry("g.html", "Glance", None, "About", R.GLANCE_CHAPTER),
        NavEntry("r.html", "References", None, None, "references.qmd"),
    ]
    nav = R.nav_with_index(entries)
    assert [e.page for e in nav] == ["a.html", "g.html", R.INDEX_PAGE, "r.html"]
    assert nav[2].part == "About"


def test_site_search_finds_an_area_by_part_of_its_name_and_by_code(folder):
    """The site's own ranking (levelup.js, run under node) on the area pages' search entries."""
    from levelup.report.render.html import TEMPLATES

    book = R.load_profiles(folder)
    index = [entry for *_, entry in R.site_pages(book)]
    script = (
        (TEMPLATES / "levelup.js").read_text(encoding="utf-8")
        + f"\nvar idx = {json.dumps(index)};"
        + "\nconsole.log(JSON.stringify(['barns', 'sheff', 'w06000015'].map(function (q) {"
        + " return LEVELUP_SEARCH_RANK.rank(idx, q)[0].e.u; })));"
    )
    try:
        out = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    except FileNotFoundError:
        pytest.skip("node is not installed")
    assert json.loads(out.stdout) == [
        "areas/E08000038.html",
        "areas/E08000039.html",
        "areas/W06000015.html",
    ]
