from __future__ import annotations

from pathlib import Path

from levelup.gates.links import check_links


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_good_site_passes(good_site: Path) -> None:
    result = check_links(good_site)
    assert result.passed, result.failures
    assert result.name == "links"
    # external links are listed, not fetched and not failed
    assert "https://www.gov.uk/government/statistics" in result.details["external_links"]
    assert any("external link(s)" in n for n in result.notes)
    assert result.details["pages"] == ["chapters/health.html", "chapters/pay.html", "index.html"]


def test_dead_internal_link_fails_with_page_and_line(good_site: Path) -> None:
    index = good_site / "index.html"
    _edit(index, 'href="chapters/pay.html#trend"', 'href="chapters/wages.html"')
    result = check_links(good_site)
    assert not result.passed
    line = next(i for i, t in enumerate(index.read_text().splitlines(), 1) if "wages.html" in t)
    assert result.failures == [
        f"index.html:{line}: broken link 'chapters/wages.html' (no such file)"
    ]


def test_missing_anchor_fails_same_and_other_page(good_site: Path) -> None:
    _edit(good_site / "index.html", "pay.html#trend", "pay.html#trends")
    _edit(good_site / "chapters" / "health.html", 'href="#trend"', 'href="#nowhere"')
    result = check_links(good_site)
    assert len(result.failures) == 2, result.failures
    joined = "\n".join(result.failures)
    assert "index.html:" in joined
    assert (
        "broken link 'chapters/pay.html#trends' (no element with id 'trends' in chapters/pay.html)"
        in joined
    )
    assert "chapters/health.html:" in joined
    assert "'#nowhere' (no element with id 'nowhere' in chapters/health.html)" in joined


def test_missing_image_css_js_csv_fail(good_site: Path) -> None:
    (good_site / "img" / "bg.png").unlink()  # referenced from css/style.css
    (good_site / "js" / "search.js").unlink()  # <script src> on every page
    (good_site / "data" / "findings.csv").unlink()  # download link
    result = check_links(good_site)
    joined = "\n".join(result.failures)
    assert "css/style.css:1: broken link '../img/bg.png' (no such file)" in joined
    assert "index.html:" in joined and "'js/search.js' (no such file)" in joined
    assert "chapters/pay.html:" in joined and "'../js/search.js' (no such file)" in joined
    assert "'data/findings.csv' (no such file)" in joined


def test_root_relative_and_directory_links(good_site: Path) -> None:
    index = good_site / "index.html"
    (good_site / "docs").mkdir()
    (good_site / "docs" / "index.html").write_text(
        '<html lang="en"><head><title>Docs</title></head><body><h1 id="x">Docs</h1></body></html>'
    )
    (good_site / "empty").mkdir()
    _edit(
        index,
        '<ul id="results"></ul>',
        '<a href="/chapters/pay.html#trend">a</a> <a href="docs/">b</a> <a href="docs#x">c</a>'
        ' <a href="empty/">d</a> <a href="../outside.html">e</a> <a href="#top">f</a>'
        ' <a href="javascript:void(0)">g</a> <img alt="x" src="data:image/png;base64,AAAA">'
        ' <img alt="y" srcset="img/chart.png 1x, img/chart@2x.png 2x">',
    )
    result = check_links(good_site)
    joined = "\n".join(result.failures)
    assert "'empty/' (directory has no index.html)" in joined
    assert "'../outside.html' (points outside the site)" in joined
    assert "'img/chart@2x.png' (no such file)" in joined
    assert len(result.failures) == 3, result.failures
    assert any("root-relative" in n for n in result.notes)


def test_external_resource_is_a_failure_but_external_link_is_not(good_site: Path) -> None:
    _edit(
        good_site / "index.html",
        "</head>",
        '<script src="https://cdn.example.com/lib.js"></script>\n'
        '<link rel="canonical" href="https://example.org/levelup/">\n</head>',
    )
    result = check_links(good_site)
    assert len(result.failures) == 1, result.failures
    assert "'https://cdn.example.com/lib.js' (external script resource" in result.failures[0]
    assert "https://example.org/levelup/" in result.details["external_links"]


def test_missing_site_dir_fails(tmp_path: Path) -> None:
    result = check_links(tmp_path / "nope")
    assert not result.passed
    assert "does not exist" in result.failures[0]


def test_links_between_editions_resolve_in_the_site_tree(good_site: Path, tmp_path):
    # editions are published side by side in one tree: <tree>/2025/, <tree>/2026/, <tree>/index.html
    tree = tmp_path / "tree"
    tree.mkdir()
    edition = good_site.rename(tree / "2026")
    chapter = edition / "chapters" / "pay.html"
    _edit(chapter, "</body>", '<a href="../../2025/chapters/pay.html">2025 edition</a></body>')
    # checked on its own, a link out of the edition's site points outside it
    assert any("points outside the site" in f for f in check_links(edition).failures)
    # in the tree, to an edition that is not there: broken
    result = check_links(edition, tree)
    assert result.failures == [
        f"2026/chapters/pay.html:{_line(chapter, '../../2025/')}: broken link "
        "'../../2025/chapters/pay.html' (no such file)"
    ]
    # the other edition is in the tree, but not that page: broken; with it: passes
    (tree / "2025" / "chapters").mkdir(parents=True)
    (tree / "2025" / "index.html").write_text("<html><body></body></html>")
    assert "'../../2025/chapters/pay.html' (no such file)" in check_links(edition, tree).failures[0]
    (tree / "2025" / "chapters" / "pay.html").write_text("<html><body></body></html>")
    assert check_links(edition, tree).passed
    # the tree's own pages are checked too; nothing may leave the tree
    (tree / "index.html").write_text('<html><body><a href="2024/index.html">2024</a></body></html>')
    result = check_links(edition, tree)
    assert result.failures == ["index.html:1: broken link '2024/index.html' (no such file)"]
    (tree / "index.html").write_text('<html><body><a href="../x.html">x</a></body></html>')
    assert "(points outside the site)" in check_links(edition, tree).failures[0]


def _line(path: Path, text: str) -> int:
    return next(i for i, t in enumerate(path.read_text().splitlines(), 1) if text in t)
