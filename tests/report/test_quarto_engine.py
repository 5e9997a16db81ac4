"""The Quarto path (with a fake ``quarto`` executable first on PATH) and engine selection.

The fake does what the wiring relies on Quarto doing: it renders into the project's
``output-dir`` and then runs the ``project: post-render:`` scripts of the merged configuration
with ``QUARTO_PROJECT_OUTPUT_DIR`` set (quarto-cli ``src/project/project-scripts.ts``). It can also
print what Quarto prints for what it cannot resolve (``Unknown var ...`` from
``src/resources/filters/quarto-pre/shortcodes-handlers.lua``, with colour codes) and leave
``?var:``/``?@`` markers in a page.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
import yaml

from levelup.report.render import RenderError, choose_engine, render_with_quarto
from levelup.report.render.config import load_book_config
from levelup.report.render.html import site_parts
from levelup.report.render.quarto import explain_engine, quarto_commands, stage_sources

from .helpers import FIXTURE_BOOK, NOTEBOOK, SITE_META, VARIABLES, copy_book, install_fake_quarto

FAKE_QUARTO = """\
#!{python}
import json, os, pathlib, subprocess, sys
import yaml
cwd = pathlib.Path.cwd()
record = {{
    "argv": sys.argv[1:],
    "cwd": str(cwd),
    "profile_env": os.environ.get("QUARTO_PROFILE"),
    "files": sorted(p.relative_to(cwd).as_posix() for p in cwd.rglob("*") if p.is_file()),
    "variables": (cwd / "_variables.yml").read_text() if (cwd / "_variables.yml").exists() else None,
    "notebook": json.loads((cwd / "analysis/missions/health.ipynb").read_text()),
}}
with open(os.environ["FAKE_QUARTO_RECORD"], "a") as f:
    f.write(json.dumps(record) + "\\n")
if os.environ.get("FAKE_QUARTO_FAIL"):
    print("ERROR: something went wrong", file=sys.stderr)
    sys.exit(1)
out = cwd / "_book"
(out / "chapters").mkdir(parents=True, exist_ok=True)
health = "<html><body><main>health " + os.environ.get("FAKE_QUARTO_PAGE_TEXT", "") + "</main></body></html>"
(out / "index.html").write_text("<html lang='en-GB'><body><main>quarto</main></body></html>")
(out / "chapters" / "02-health.html").write_text(health)
(out / "levelup-progress-report-2026.pdf").write_bytes(b"%PDF-1.7 fake")
if os.environ.get("FAKE_QUARTO_WARN"):
    print(os.environ["FAKE_QUARTO_WARN"], file=sys.stderr)
local = cwd / "_quarto.yml.local"
config = yaml.safe_load(local.read_text()) if local.exists() else {{}}
for script in (config.get("project") or {{}}).get("post-render") or []:
    env = {{**os.environ, "QUARTO_PROJECT_OUTPUT_DIR": "_book"}}
    subprocess.run([sys.executable, script], cwd=cwd, env=env, check=True)
print("Output created: _book/index.html")
"""


@pytest.fixture
def fake_quarto(tmp_path, monkeypatch):
    script = FAKE_QUARTO.format(python=sys.executable)
    return install_fake_quarto(tmp_path, monkeypatch, script, "quarto-record.jsonl")


def calls(record: Path) -> list[dict]:
    return [json.loads(line) for line in record.read_text().splitlines()]


def test_choose_engine(tmp_path, monkeypatch, fake_quarto):
    assert choose_engine("auto") == "quarto"
    assert choose_engine("quarto") == "quarto"
    assert choose_engine("builtin") == "builtin"
    assert explain_engine("auto", "quarto").startswith(
        "engine auto chose quarto (quarto is on PATH)"
    )
    assert "--engine builtin: about 4 s" in explain_engine("auto", "quarto")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert choose_engine("auto") == "builtin"
    assert "no quarto executable on PATH" in explain_engine("auto", "builtin")
    with pytest.raises(RenderError, match="no quarto executable"):
        choose_engine("quarto")
    with pytest.raises(ValueError):
        choose_engine("latex")


def test_render_with_quarto_stages_sources_and_runs_quarto(
    tmp_path, fake_quarto, executed_notebook
):
    out, stage = tmp_path / "out", tmp_path / "stage"
    result = render_with_quarto(
        FIXTURE_BOOK,
        "2026",
        {Path(NOTEBOOK): executed_notebook},
        VARIABLES,
        out,
        staging_dir=stage,
        site_meta=SITE_META,
    )
    (record,) = calls(fake_quarto)
    assert record["argv"] == ["render", "--profile", "2026"]
    assert record["profile_env"] == "2026"
    files = set(record["files"])
    for f in (
        "_quarto.yml",
        "_quarto-2026.yml",
        "_quarto.yml.local",
        "_variables.yml",
        "_environment",
        "_levelup/post_render.py",
        "_levelup/site-parts.json",
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
    assert result.engine == "quarto"
    assert result.site_dir == out / "site"
    assert (out / "site" / "index.html").read_text().startswith("<html lang='en-GB'>")
    assert result.pdf_path == out / "levelup-progress-report-2026.pdf"
    assert result.pdf_path.read_bytes().startswith(b"%PDF")
    # the post-render step put the built-in engine's switcher and colophon in every page
    page = (out / "site" / "chapters" / "02-health.html").read_text()
    parts = site_parts(
        "Levelling Up missions: progress report",
        SITE_META,
        "levelup-progress-report-2026.pdf",
        "chapters/02-health.html",
    )
    assert parts["editions"] in page and parts["colophon"] in page
    assert page.index("levelup:site-parts") < page.index("</main>")
    assert 'href="../../2025/index.html"' in page  # links relative to this page
    # the staged project is kept (with Quarto's output) for the next, incremental, render
    assert (stage / "_book" / "index.html").is_file()
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
            FIXTURE_BOOK,
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            out,
            staging_dir=tmp_path / "stage",
        )
    assert (out / "site" / "index.html").read_text() == "previous"


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        (
            "FAKE_QUARTO_WARN",
            "\x1b[33mWARNING (shortcodes-handlers.lua:95) Unknown var "
            "m02.intensity.noe.2018 specified in a var shortcode.\x1b[39m",
            "WARNING (shortcodes-handlers.lua:95) Unknown var m02.intensity.noe.2018 "
            "specified in a var shortcode.",
        ),
        (
            "FAKE_QUARTO_WARN",
            "\x1b[1mWARNING\x1b[0m: Unable to resolve crossref @fig-nope",
            "WARNING: Unable to resolve crossref @fig-nope",
        ),
        (
            "FAKE_QUARTO_PAGE_TEXT",
            "<strong>?var:m02.intensity.noe.2018</strong>",
            "_book/chapters/02-health.html: ?var:m02.intensity.noe.2018",
        ),
        ("FAKE_QUARTO_PAGE_TEXT", "<strong>?@fig-nope</strong>", "?@fig-nope"),
        ("FAKE_QUARTO_PAGE_TEXT", "<strong>?meta:levelup.x</strong>", "?meta:levelup.x"),
    ],
)
def test_anything_quarto_could_not_resolve_fails_the_build(
    tmp_path, monkeypatch, fake_quarto, executed_notebook, env, value, expected
):
    out = tmp_path / "out"
    (out / "site").mkdir(parents=True)
    (out / "site" / "index.html").write_text("previous")
    monkeypatch.setenv(env, value)
    with pytest.raises(RenderError) as info:
        render_with_quarto(
            FIXTURE_BOOK,
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            out,
            staging_dir=tmp_path / "stage",
        )
    message = str(info.value)
    assert "could not resolve" in message and expected in message
    assert "\x1b" not in message
    assert (out / "site" / "index.html").read_text() == "previous"


def test_staging_does_not_copy_unrelated_project_files(tmp_path, fake_quarto, executed_notebook):
    book = copy_book(tmp_path / "book")
    (book / ".venv").mkdir()
    (book / ".venv" / "big.bin").write_bytes(b"x" * 10)
    (book / "src").mkdir()
    (book / "src" / "code.py").write_text("print(1)")
    (book / "_output").mkdir()
    (book / "_output" / "old.html").write_text("old")
    render_with_quarto(
        book, "2026", {Path(NOTEBOOK): executed_notebook}, VARIABLES, tmp_path / "out"
    )
    (record,) = calls(fake_quarto)
    assert Path(record["cwd"]) == book / "_output" / "stage" / "2026"  # the default stage
    assert not [f for f in record["files"] if f.startswith((".venv/", "src/", "_output/"))]


def test_the_stage_is_kept_and_an_edited_chapter_alone_is_rerendered(
    tmp_path, fake_quarto, executed_notebook
):
    book = copy_book(tmp_path / "book")
    stage, out = tmp_path / "stage", tmp_path / "out"
    executed = {Path(NOTEBOOK): executed_notebook}

    def render(formats=("html", "pdf")):
        return render_with_quarto(
            book, "2026", executed, VARIABLES, out, staging_dir=stage, formats=formats
        )

    render()
    (stage / ".quarto" / "xref").mkdir(parents=True)  # Quarto's own state is kept
    (stage / ".quarto" / "xref" / "index.json").write_text("{}")
    chapter = book / "chapters" / "02-health.qmd"
    chapter.write_text(chapter.read_text() + "\nOne more sentence.\n")
    render()
    argvs = [c["argv"] for c in calls(fake_quarto)]
    assert argvs == [
        ["render", "--profile", "2026"],
        ["render", "chapters/02-health.qmd", "--profile", "2026", "--to", "html"],
        ["render", "--profile", "2026", "--to", "typst"],
    ]
    assert (stage / ".quarto" / "xref" / "index.json").exists()
    # anything but a chapter (here the variables) renders the whole book again
    render_with_quarto(
        book, "2026", executed, {**VARIABLES, "edition": "2027"}, out, staging_dir=stage
    )
    assert calls(fake_quarto)[-1]["argv"] == ["render", "--profile", "2026"]
    # a file no longer in the sources leaves the stage
    (book / "chapters" / "extra.png").write_bytes(b"png")
    stage_sources(book, "2026", executed, VARIABLES, stage)
    assert (stage / "chapters" / "extra.png").exists()
    (book / "chapters" / "extra.png").unlink()
    written = stage_sources(book, "2026", executed, VARIABLES, stage).written
    assert not (stage / "chapters" / "extra.png").exists()
    assert written == []  # nothing else differs: nothing rewritten


def test_quarto_commands():
    chapters = {"chapters/a.qmd", "chapters/b.qmd"}
    full = [["render", "--profile", "2026"]]
    assert quarto_commands("2026", None, chapters, ("html", "pdf")) == full
    assert quarto_commands("2026", ["_variables.yml"], chapters, ("html",)) == full
    assert quarto_commands("2026", ["chapters/b.qmd"], chapters, ("html",)) == [
        ["render", "chapters/b.qmd", "--profile", "2026", "--to", "html"]
    ]


def test_after_a_build_plain_quarto_render_finds_everything_it_needs(tmp_path, executed_notebook):
    """By construction, what ``quarto render`` in ``_output/stage/<edition>`` reads is where
    Quarto looks for it: the profile from ``_environment`` (quarto-cli src/quarto-core/dotenv.ts),
    ``_variables.yml`` in the project directory (src/project/project-context.ts), every embedded
    notebook at the path the embed names, executed, with the labelled cell."""
    from levelup.report.render import check_book
    from levelup.report.render.notebooks import labelled_cells, read_notebook

    stage = tmp_path / "stage"
    stage_sources(
        FIXTURE_BOOK,
        "2026",
        {Path(NOTEBOOK): executed_notebook},
        VARIABLES,
        stage,
        site_meta=SITE_META,
    )
    cfg = load_book_config(stage, None)  # no --profile: _environment names it
    assert cfg.profile == "2026" and cfg.subtitle == "2026 edition"
    assert "_quarto.yml.local" in cfg.files
    assert cfg.config["project"]["post-render"] == ["_levelup/post_render.py"]
    assert cfg.config["format"]["typst"]["keep-typ"] is True
    variables = yaml.safe_load((stage / "_variables.yml").read_text())
    assert variables == VARIABLES
    # every var resolves by Quarto's rules, every embed resolves in the staged notebooks
    assert check_book(stage, None, variables) == []
    nb = read_notebook(stage / NOTEBOOK)
    labelled = labelled_cells(nb)
    assert labelled and all(cell.outputs for cell in labelled.values())
    assert not (stage / "src").exists() and not (stage / "tests").exists()


def test_the_post_render_step_is_idempotent():
    """A page rendered again keeps one switcher and colophon, the latest."""
    import importlib.util

    from levelup.report.render.html import TEMPLATES

    spec = importlib.util.spec_from_file_location(
        "quarto_post_render", TEMPLATES / "quarto_post_render.py"
    )
    step = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(step)
    page = "<html><body><main>text</main></body></html>"
    once = step.place(page, "<nav>A</nav>")
    assert once.index("<nav>A</nav>") < once.index("</main>")
    again = step.place(once, "<nav>B</nav>")
    assert again.count("<!-- levelup:site-parts -->") == 1 and "<nav>A</nav>" not in again
    assert "<nav>B</nav>" in again
