"""``levelup gates ...`` on a hand-made edition layout (``_output/2026/...``)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from levelup.gates.cli import GATE_NAMES, gates_app, resolve_paths, titles_from_nav
from levelup.report.site_tree import assemble_site_tree

from .helpers import BASE_FINDINGS, make_site, write_findings

runner = CliRunner()


@pytest.fixture
def repo(tmp_path: Path, typst_pdf: Path) -> Path:
    """A repository root with a built 2026 edition that passes every gate."""
    edition = tmp_path / "_output" / "2026"
    make_site(edition / "site")
    shutil.copy(typst_pdf, edition / "levelup-2026.pdf")
    write_findings(edition / "findings.csv", BASE_FINDINGS)
    write_findings(tmp_path / "tests" / "ground_truth" / "findings-2026.csv", BASE_FINDINGS)
    assemble_site_tree(tmp_path / "_output", {"2026": "2026 edition"}, "Levelling Up progress")
    return tmp_path


def _run(*args: str):
    return runner.invoke(gates_app, list(args))


def test_titles_from_nav(repo: Path) -> None:
    site = repo / "_output" / "2026" / "site"
    assert titles_from_nav(site) == ["Pay and productivity", "Healthy life expectancy"]


@pytest.mark.usefixtures("chromium", "axe_js", "pdftotext")
def test_all_gates_pass_on_a_good_edition(repo: Path) -> None:
    result = _run("all", "--edition", "2026", "--root", str(repo))
    assert result.exit_code == 0, result.output
    assert "all gates passed" in result.output
    for name in GATE_NAMES:
        assert f"== {name}: passed" in result.output
    out = repo / "_output" / "2026" / "gates"
    assert (out / "screenshots" / "index.png").is_file()
    assert (out / "numbers-diff.md").is_file()
    assert "| links | passed | 0 |" in (out / "gates-report.md").read_text()
    summary = json.loads((out / "gates.json").read_text())
    assert [g["name"] for g in summary] == list(GATE_NAMES)
    assert all(g["passed"] for g in summary)


def test_all_fails_when_one_gate_fails(repo: Path) -> None:
    index = repo / "_output" / "2026" / "site" / "index.html"
    index.write_text(index.read_text().replace("chapters/pay.html#trend", "chapters/gone.html"))
    result = _run("all", "--edition", "2026", "--root", str(repo), "--skip", "browser")
    assert result.exit_code == 1, result.output
    assert "broken link 'chapters/gone.html' (no such file)" in result.output
    assert "== browser: skipped" in result.output
    assert "gates failed: links" in result.output


def test_single_gate_commands_exit_codes(repo: Path) -> None:
    site = repo / "_output" / "2026" / "site"
    assert _run("links", "--site", str(site)).exit_code == 0
    assert _run("a11y", "--edition", "2026", "--root", str(repo)).exit_code == 0
    (site / "img" / "chart.png").unlink()
    result = _run("links", "--site", str(site))
    assert result.exit_code == 1
    assert "FAIL index.html:" in result.output and "'img/chart.png' (no such file)" in result.output


def test_numbers_accept_and_revisions(repo: Path) -> None:
    edition = repo / "_output" / "2026"
    rows = [dict(r) for r in BASE_FINDINGS]
    rows[1]["value"] = "1"  # pay.ne.2020, historic
    write_findings(edition / "findings.csv", rows)
    args = ("numbers", "--edition", "2026", "--root", str(repo))
    result = _run(*args)
    assert result.exit_code == 1
    assert "key 'pay.ne.2020'" in result.output
    # the data layer's revisions.csv next to the findings explains the change
    (edition / "revisions.csv").write_text("metric,period\npay,2020\n")
    result = _run(*args)
    assert result.exit_code == 0, result.output
    assert "changed on revised data" in result.output
    (edition / "revisions.csv").unlink()
    # accepting writes the ground truth; afterwards the back test passes
    result = _run(*args, "--accept")
    assert result.exit_code == 0, result.output
    assert "ground truth written" in result.output
    assert _run(*args).exit_code == 0


@pytest.mark.usefixtures("pdftotext")
def test_pdf_chapters_file_wins_over_nav(repo: Path, tmp_path: Path) -> None:
    chapters = tmp_path / "chapters.json"
    chapters.write_text(json.dumps([{"title": "Pay and productivity"}, {"title": "Missing one"}]))
    result = _run("pdf", "--edition", "2026", "--root", str(repo), "--chapters-file", str(chapters))
    assert result.exit_code == 1
    assert "chapter title 'Missing one' not found" in result.output
    # chapters.json written by the build is used before the nav
    (repo / "_output" / "2026" / "chapters.json").write_text(
        json.dumps(["Healthy life expectancy"])
    )
    result = _run("pdf", "--edition", "2026", "--root", str(repo))
    assert result.exit_code == 0, result.output
    assert "1 chapter title(s) from" in result.output


def test_edition_defaults_to_newest_build(repo: Path) -> None:
    (repo / "_output" / "2025").mkdir()
    paths = resolve_paths(repo, None)
    assert paths.edition == "2026"
    assert paths.site == repo.resolve() / "_output" / "2026" / "site"
    assert paths.ground_truth == repo.resolve() / "tests" / "ground_truth" / "findings-2026.csv"


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("links", "anchors"),
        ("a11y", "alt"),
        ("browser", "axe-core"),
        ("numbers", "ground truth"),
        ("pdf", "fonts embedded"),
        ("all", "every gate"),
    ],
)
def test_help_explains_each_gate(command: str, words: str) -> None:
    result = _run(command, "--help")
    assert result.exit_code == 0
    assert words in " ".join(result.output.split())


def test_numbers_accept_without_findings_fails_cleanly(tmp_path: Path) -> None:
    (tmp_path / "_output" / "2026").mkdir(parents=True)
    result = _run("numbers", "--edition", "2026", "--root", str(tmp_path), "--accept")
    assert result.exit_code == 1
    assert "cannot accept the findings" in result.output and "no such file" in result.output


def test_links_checks_the_edition_in_the_site_tree_and_catches_a_broken_switcher(repo: Path):
    tree = repo / "_output" / "site"
    assert _run("links", "--edition", "2026", "--root", str(repo)).exit_code == 0
    # a switcher linking to an edition that is not in the tree
    index = tree / "2026" / "index.html"
    index.unlink()  # a hard link to the edition's own site: replace it, never edit through it
    switcher = '<nav class="edition-switcher"><a href="../2025/index.html">2025</a></nav></body>'
    page = (repo / "_output" / "2026" / "site" / "index.html").read_text()
    index.write_text(page.replace("</body>", switcher))
    result = _run("links", "--edition", "2026", "--root", str(repo))
    assert result.exit_code == 1
    assert (
        "2026/index.html" in result.output and "broken link '../2025/index.html'" in result.output
    )
    # the tree's editions page is checked too
    (tree / "index.html").write_text('<html><body><a href="2024/">2024</a></body></html>')
    assert (
        "index.html:1: broken link '2024/'"
        in _run("links", "--edition", "2026", "--root", str(repo)).output
    )
