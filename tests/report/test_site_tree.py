"""The site tree (``_output/site/``): every built edition's site, the page of every edition, and
the edition switcher that links only to what the tree holds."""

from __future__ import annotations

import re
from pathlib import Path

from levelup.gates.accessibility_static import check_accessibility_static
from levelup.gates.links import check_links
from levelup.report.render.html import editions_html
from levelup.report.site_tree import assemble_site_tree, switcher_editions

TITLES = {"2025": "Progress report 2025", "2026": "Progress report 2026"}


def _built(output: Path, edition: str) -> Path:
    site = output / edition / "site"
    (site / "chapters").mkdir(parents=True)
    (site / "index.html").write_text(f"<html><body>{edition}</body></html>")
    (site / "chapters" / "a.html").write_text("<html><body>a</body></html>")
    return site


def test_the_switcher_lists_built_editions_and_names_unbuilt_published_ones(tmp_path):
    output = tmp_path / "_output"
    editions = ["2024", "2025", "2026", "2027"]
    _built(output, "2024")
    (tmp_path / "editions" / "2025").mkdir(parents=True)
    (tmp_path / "editions" / "2025" / "PUBLISHED").write_text("published")  # its record only
    # 2027 is neither built nor published: left out
    entries = switcher_editions(editions, "2026", tmp_path, output)
    assert entries == [
        {"edition": "2026", "href": "../2026/index.html"},
        {"edition": "2025", "built": False},
        {"edition": "2024", "href": "../2024/index.html"},
    ]
    meta = {"edition": "2026", "editions": entries, "editions_page": "../index.html"}
    nav = editions_html(meta, "chapters/a.html")
    assert re.findall(r"<li>.*?</li>", nav) == [
        '<li><a href="../index.html" aria-current="page">2026 (this edition)</a></li>',
        "<li>2025 (not in this copy of the site)</li>",
        '<li><a href="../../2024/index.html">2024</a></li>',
        '<li><a href="../../index.html">Every edition</a></li>',
    ]


def test_the_tree_holds_every_built_edition_and_a_page_of_them_all(tmp_path):
    output = tmp_path / "_output"
    _built(output, "2025")
    tree = assemble_site_tree(output, TITLES, "Progress report")
    assert sorted(p.name for p in tree.iterdir()) == ["2025", "index.html"]
    first = (tree / "index.html").read_text()
    assert "This is the first edition." in first

    site_2026 = _built(output, "2026")
    assemble_site_tree(output, TITLES, "Progress report")
    page = (tree / "index.html").read_text()
    assert re.findall(r'href="([^"]+)"', page) == ["2026/index.html", "2025/index.html"]
    assert "Latest edition: <a" in page and "Earlier editions" in page
    # the same files, linked, not copied
    assert (tree / "2026" / "chapters" / "a.html").samefile(site_2026 / "chapters" / "a.html")
    assert check_links(tree / "2026", tree).passed
    # the editions page itself passes the static accessibility gate (the fake sites do not)
    assert [
        f for f in check_accessibility_static(tree).failures if f.startswith("index.html")
    ] == []

    # nothing changed: nothing is written
    stamp = (tree / "index.html").stat().st_mtime_ns
    assemble_site_tree(output, TITLES, "Progress report")
    assert (tree / "index.html").stat().st_mtime_ns == stamp
    # an edition whose output is gone leaves the tree; no debris beside it
    (site_2026 / "index.html").unlink()
    assemble_site_tree(output, TITLES, "Progress report")
    assert sorted(p.name for p in tree.iterdir()) == ["2025", "index.html"]
    assert sorted(p.name for p in output.iterdir()) == ["2025", "2026", "site"]
