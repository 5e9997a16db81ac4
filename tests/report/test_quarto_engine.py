"""The Quarto path (with a fake ``quarto`` executable first on PATH) and engine selection."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from levelup.report.render import RenderError, choose_engine, render_with_quarto

from .helpers import FIXTURE_BOOK, NOTEBOOK, VARIABLES, install_fake_quarto

FAKE_QUARTO = """\
#!{python}
import json, os, pathlib, sys
cwd = pathlib.Path.cwd()
record = {{
    "argv": sys.argv[1:],
    "cwd": str(cwd),
    "profile_env": os.environ.get("QUARTO_PROFILE"),
    "files": sorted(p.relative_to(cwd).as_posix() for p in cwd.rglob("*") if p.is_file()),
    "variables": (cwd / "_variables.yml").read_text() if (cwd / "_variables.yml").exists() else None,
    "notebook": json.loads((cwd / "analysis/missions/health.ipynb").read_text()),
}}
pathlib.Path(os.environ["FAKE_QUARTO_RECORD"]).write_text(json.dumps(record))
if os.environ.get("FAKE_QUARTO_FAIL"):
    print("ERROR: something went wrong", file=sys.stderr)
    sys.exit(1)
out = cwd / "_book"
(out / "chapters").mkdir(parents=True)
(out / "index.html").write_text("<html lang='en-GB'>quarto</html>")
(out / "chapters" / "02-health.html").write_text("<html>health</html>")
(out / "levelup-progress-report-2026.pdf").write_bytes(b"%PDF-1.7 fake")
print("Output created: _book/index.html")
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    script = FAKE_QUARTO.format(python=sys.executable)
    return install_fake_quarto(tmp_path, monkeypatch, script, "quarto-record.json")


def test_choose_engine(tmp_path, monkeypatch, fake_quarto):
    assert choose_engine("auto") == "quarto"
    assert choose_engine("quarto") == "quarto"
    assert choose_engine("builtin") == "builtin"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert choose_engine("auto") == "builtin"
    with pytest.raises(RenderError, match="no quarto executable"):
        choose_engine("quarto")
    with pytest.raises(ValueError):
        choose_engine("latex")


def test_render_with_quarto_stages_sources_and_runs_quarto(
    tmp_path, fake_quarto, executed_notebook
):
    out = tmp_path / "out"
    result = render_with_quarto(
        FIXTURE_BOOK, "2026", {Path(NOTEBOOK): executed_notebook}, VARIABLES, out
    )
    record = json.loads(fake_quarto.read_text())
    assert record["argv"] == ["render", "--profile", "2026"]
    assert record["profile_env"] == "2026"
    files = set(record["files"])
    for f in (
        "_quarto.yml",
        "_quarto-2026.yml",
        "_variables.yml",
        "index.qmd",
        "references.qmd",
        "references.bib",
        "chapters/01-living-standards.qmd",
        "chapters/02-health.qmd",
        NOTEBOOK,
    ):
        assert f in files, f
    assert yaml.safe_load(record["variables"]) == VARIABLES
    # the staged notebook is the executed one (it has outputs), not the source
    outputs = [
        o for c in record["notebook"]["cells"] if c["cell_type"] == "code" for o in c["outputs"]
    ]
    assert any("image/png" in o.get("data", {}) for o in outputs)
    # results moved into place; staging cleaned up
    assert result.engine == "quarto"
    assert result.site_dir == out / "site"
    assert (out / "site" / "index.html").read_text().startswith("<html lang='en-GB'>")
    assert (out / "site" / "chapters" / "02-health.html").exists()
    assert result.pdf_path == out / "levelup-progress-report-2026.pdf"
    assert result.pdf_path.read_bytes().startswith(b"%PDF")
    assert not (out / ".quarto-staging").exists()
    assert {"stage", "quarto", "total"} <= set(result.timings)


def test_quarto_failure_is_a_render_error_and_keeps_the_old_site(
    tmp_path, monkeypatch, fake_quarto, executed_notebook
):
    out = tmp_path / "out"
    (out / "site").mkdir(parents=True)
    (out / "site" / "index.html").write_text("previous")
    monkeypatch.setenv("FAKE_QUARTO_FAIL", "1")
    with pytest.raises(RenderError, match="something went wrong"):
        render_with_quarto(
            FIXTURE_BOOK, "2026", {Path(NOTEBOOK): executed_notebook}, VARIABLES, out
        )
    assert (out / "site" / "index.html").read_text() == "previous"


def test_staging_does_not_copy_unrelated_project_files(tmp_path, fake_quarto, executed_notebook):
    import shutil

    book = tmp_path / "book"
    shutil.copytree(FIXTURE_BOOK, book)
    (book / ".venv").mkdir()
    (book / ".venv" / "big.bin").write_bytes(b"x" * 10)
    (book / "src").mkdir()
    (book / "src" / "code.py").write_text("print(1)")
    (book / "_output").mkdir()
    (book / "_output" / "old.html").write_text("old")
    render_with_quarto(
        book, "2026", {Path(NOTEBOOK): executed_notebook}, VARIABLES, tmp_path / "out"
    )
    files = json.loads(fake_quarto.read_text())["files"]
    assert not [f for f in files if f.startswith((".venv/", "src/", "_output/"))]
