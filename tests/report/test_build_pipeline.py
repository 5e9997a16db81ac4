"""End to end: `levelup build` on the fixture project (real data layer, real kernels, real renderer).

One module-scoped build of edition 2025 is shared; every test that changes something works on a
copy of the project with the same (content-addressed) cache, so only what changed re-runs.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from levelup.report.build import NotebooksFailed
from levelup.report.publish import mark_published, read_checksums, verify
from levelup.report.record import archive_record

from .build_support import (
    COMMUNITY,
    EPOCH,
    KS2,
    MIRROR,
    copy_project,
    doctored_mirror,
    make_project,
    run_build,
    statuses,
    tree_bytes,
)

pytestmark = pytest.mark.usefixtures("mirror")


@pytest.fixture(scope="module")
def built(tmp_path_factory, cache):
    """Edition 2025 of the fixture project, built once from cold."""
    project = make_project(tmp_path_factory.mktemp("p") / "project")
    result = run_build(project, cache)
    return project, result


def test_cold_build_publishes_site_pdf_findings_and_variables(built):
    project, result = built
    out = project / "_output" / "2025"
    assert result.status == "built" and result.output_dir == out
    assert statuses(result) == {
        "m05-education": "ran",
        "m07-health": "ran",
        "social": "ran",
        "what-changed": "ran",
    }
    for name in (
        "site/index.html",
        "site/chapters/health.html",
        "pipeline-fixture-2025.pdf",
        "site/pipeline-fixture-2025.pdf",
        "site/data/fig-hle-gap.csv",
        "site/data/findings.csv",  # the downloads beside the charts' data
        "findings.csv",
        "findings.json",
        "_variables.yml",
        "chapters.json",
        "data-manifest.toml",
        "boundary-report.csv",
        "build.json",
        "checksums.sha256",
    ):
        assert (out / name).is_file(), name
    assert (out / "pipeline-fixture-2025.pdf").read_bytes().startswith(b"%PDF")
    assert verify(out) == []
    findings = (out / "findings.csv").read_text()
    assert "m07-health.hle.gap" in findings and "what-changed.previous-edition" in findings
    variables = (out / "_variables.yml").read_text()
    assert "edition: '2025'" in variables and "gap: 10.3 years" in variables
    html = (out / "site" / "chapters" / "health.html").read_text()
    assert "10.3 years" in html and "widening" in html
    chapters = json.loads((out / "chapters.json").read_text())
    assert [c["title"] for c in chapters][1:3] == ["Education", "Health"]
    manifest = tomllib.loads((out / "data-manifest.toml").read_text())
    read = {f["path"]: f["read_by"] for f in manifest["file"]}
    # besides its data, a notebook reads the population estimates whose official area names every
    # table's names are checked against (levelup.data.geography)
    data_read = {path: by for path, by in read.items() if not path.startswith("population/")}
    assert data_read == {KS2: ["m05-education"], COMMUNITY: ["social"]}
    assert len(manifest["manifest_sha256"]) == 64
    record = json.loads((out / "build.json").read_text())
    assert record["cache"] == {"hits": 0, "misses": 4}
    assert record["site_meta"]["edition"] == "2025"
    assert record["site_meta"]["editions"] == [{"edition": "2025", "href": "../2025/index.html"}]
    assert result.kernels["started"] >= 1


def test_second_build_is_a_no_op(built, cache):
    project, _ = built
    out = project / "_output" / "2025"
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    result = run_build(project, cache)
    assert result.status == "unchanged"
    assert set(statuses(result).values()) == {"cached"}
    assert result.kernels == {}  # no kernel was started
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == before


def test_identical_output_records_its_inputs_so_the_next_build_renders_nothing(built, cache):
    project, _ = built
    (cache / "build" / "fingerprints" / "2025.json").unlink()  # as after a library change
    first = run_build(project, cache)
    assert first.status == "unchanged" and first.rendered  # rendered, compared, left untouched
    second = run_build(project, cache)
    assert second.status == "unchanged" and not second.rendered


def test_a_changed_renderer_template_renders_again(built, cache, tmp_path, monkeypatch):
    """The templates (CSS, page shell, Typst, pandoc runner) are not Python, so the library hash
    misses them; the build fingerprint covers them (a template edit was once left unrendered)."""
    from levelup.report import build as build_module
    from levelup.report.render.html import TEMPLATES

    templates = tmp_path / "templates"
    shutil.copytree(TEMPLATES, templates)
    same = build_module.renderer_templates_digest(templates)
    assert same == build_module.renderer_templates_digest()
    css = templates / "levelup.css"
    css.write_text(css.read_text() + "\n/* edited */\n")
    edited = build_module.renderer_templates_digest(templates)
    assert edited != same

    project, _ = built
    assert not run_build(project, cache).rendered  # up to date
    monkeypatch.setattr(build_module, "renderer_templates_digest", lambda: edited)
    assert run_build(project, cache).rendered  # a template changed: render again


def test_editing_a_notebook_reruns_only_that_notebook(built, cache, tmp_path):
    project = copy_project(built[0], tmp_path / "project")
    nb = project / "analysis" / "missions" / "m07-health.ipynb"
    nb.write_text(nb.read_text().replace("10.3]", "10.4]"))
    result = run_build(project, cache, jobs=1)
    assert statuses(result) == {
        "m05-education": "cached",
        "m07-health": "ran",
        "social": "cached",
        "what-changed": "ran",  # its input (this edition's findings) changed
    }
    assert "10.4 years" in (project / "_output/2025/site/chapters/health.html").read_text()
    assert "findings.csv" in result.diff.changed


def test_prose_edit_rerenders_without_running_notebooks(built, cache, tmp_path):
    project = copy_project(built[0], tmp_path / "project")
    chapter = project / "chapters" / "social.qmd"
    chapter.write_text(chapter.read_text() + "\nA new closing sentence.\n")
    result = run_build(project, cache)
    assert set(statuses(result).values()) == {"cached"}
    assert result.status == "built"
    assert (
        "A new closing sentence."
        in (project / "_output/2025/site/chapters/social.html").read_text()
    )


def test_prose_rebuild_never_imports_the_analysis_stack(built, cache, tmp_path):
    """Rendering prose needs no pandas, numpy, scipy or matplotlib: importing them would add half
    a second to every edit-and-rebuild (a lazy import once did, through the boundary report)."""
    project = copy_project(built[0], tmp_path / "project")
    chapter = project / "chapters" / "social.qmd"
    chapter.write_text(chapter.read_text() + "\nAnother closing sentence.\n")
    env = {**os.environ, "LEVELUP_CACHE": str(cache), "COLUMNS": "200"}
    env.pop("CI", None)
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", str(Path(sys.executable).parent / "levelup"), "build"]
        + ["--project", str(project), "--edition", "2025", "--engine", "builtin"]
        + ["--mirror", str(MIRROR), "--keep-kernels", "0"],
        env=env,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "0 ran" in proc.stdout
    imported = {line.rsplit("|", 1)[-1].strip() for line in proc.stderr.splitlines() if "|" in line}
    assert "levelup.report.render.engine" in imported  # it did render
    assert not {"pandas", "numpy", "scipy", "matplotlib"} & imported


def test_changed_input_reruns_only_the_notebooks_that_read_it(built, cache, tmp_path):
    project = copy_project(built[0], tmp_path / "project")
    mirror = doctored_mirror(
        tmp_path / "mirror",
        project,
        KS2,
        lambda text: text.replace(",2022-09-01/P1Y,72,", ",2022-09-01/P1Y,71,", 1),
    )
    result = run_build(project, cache, mirror=mirror, jobs=1)
    assert statuses(result) == {
        "m05-education": "ran",  # read the changed file (served from the table cache before)
        "m07-health": "cached",
        "social": "cached",
        "what-changed": "ran",
    }
    findings = (project / "_output/2025/findings.csv").read_text()
    assert "m05-education.ks2.latest,m05-ks2,level,,E92000001,,2022-09-01/P1Y,71.0" in findings

    def ks2_sha(root: Path) -> str:
        manifest = tomllib.loads((root / "_output/2025/data-manifest.toml").read_text())
        return {f["path"]: f["sha256"] for f in manifest["file"]}[KS2]

    assert ks2_sha(project) != ks2_sha(built[0])


def test_reads_are_recorded_when_tables_come_from_the_data_cache(built, cache, tmp_path):
    """A notebook re-run whose dataset is served by the parsed-table cache still records it."""
    project, _ = built
    fresh = tmp_path / "cache"
    shutil.copytree(cache / "tables", fresh / "tables")  # data layer cache warm, notebooks cold
    out_root = tmp_path / "out"
    result = run_build(project, fresh, output_root=out_root)
    assert statuses(result)["m05-education"] == "ran"
    manifest = tomllib.loads((out_root / "2025" / "data-manifest.toml").read_text())
    assert KS2 in {f["path"] for f in manifest["file"]}


def test_failing_notebook_reports_cell_and_traceback_and_publishes_nothing(built, cache, tmp_path):
    project = copy_project(built[0], tmp_path / "project")
    out = project / "_output" / "2025"
    before = tree_bytes(out)
    nb = project / "analysis" / "capitals" / "social.ipynb"
    nb.write_text(nb.read_text().replace("findings.save()", "1 / 0  # broken\\nfindings.save()"))
    ed = project / "analysis" / "missions" / "m07-health.ipynb"
    ed.write_text(ed.read_text().replace("10.3]", "10.5]"))
    with pytest.raises(NotebooksFailed) as info:
        run_build(project, cache)
    message = str(info.value)
    assert "analysis/capitals/social.ipynb (edition 2025), cell 4" in message
    assert "1 / 0  # broken" in message and "ZeroDivisionError" in message
    assert "nothing was published" in message
    assert tree_bytes(out) == before  # the previous output is untouched
    assert not list(out.parent.glob(".2025.tmp-*"))
    # the notebook that succeeded is cached: after the fix only the fixed notebook runs
    nb.write_text(nb.read_text().replace("1 / 0  # broken\\n", ""))
    result = run_build(project, cache, jobs=1)
    assert statuses(result)["m07-health"] == "cached"
    assert statuses(result)["social"] == "cached"  # back to the original source: cached too


def test_source_date_epoch_builds_are_byte_identical(built, tmp_path, monkeypatch):
    """Two cold builds (fresh caches and kernels, different parallelism) give the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    project = built[0]
    cache = tmp_path / "cache"
    first = run_build(project, cache, output_root=tmp_path / "a")
    executed_first = {r.job.rel: r.entry.executed.read_bytes() for r in first.notebooks}
    shutil.rmtree(cache)
    second = run_build(project, cache, output_root=tmp_path / "b", jobs=1)
    assert set(statuses(first).values()) == set(statuses(second).values()) == {"ran"}
    a, b = tmp_path / "a" / "2025", tmp_path / "b" / "2025"
    for name in ("findings.csv", "findings.json", "_variables.yml", "data-manifest.toml"):
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    assert tree_bytes(a / "site") == tree_bytes(b / "site")
    assert (a / "pipeline-fixture-2025.pdf").read_bytes() == (
        b / "pipeline-fixture-2025.pdf"
    ).read_bytes()
    # the checksums leave out the build log (timings), so a rebuild reproduces them exactly
    assert "build.json" not in read_checksums(a)
    assert (a / "checksums.sha256").read_bytes() == (b / "checksums.sha256").read_bytes()
    executed_second = {r.job.rel: r.entry.executed.read_bytes() for r in second.notebooks}
    assert executed_first == executed_second  # executed notebooks too, whichever kernel ran them


def test_build_into_a_temporary_sibling_never_leaves_debris(built):
    project = built[0]
    assert not [p for p in (project / "_output").iterdir() if p.name.startswith(".")]
    # the edition, and the staged Quarto project every build leaves (levelup.report.render.quarto)
    assert sorted(os.listdir(project / "_output")) == ["2025", "site", "stage"]
    assert os.listdir(project / "_output" / "stage") == ["2025"]


def test_next_edition_publishes_downloads_and_one_site_tree_of_both_editions(
    built, cache, tmp_path
):
    project = copy_project(built[0], tmp_path / "project")
    out_2025 = project / "_output" / "2025"
    mark_published(out_2025, "2025", "0" * 40, "2026-01-01")
    archive_record(out_2025, project, "2025")  # what the 2026 build compares with
    result = run_build(project, cache, edition="2026")
    assert set(statuses(result, "2026")) == {
        "m05-education",
        "m07-health",
        "social",
        "what-changed",
    }
    assert not statuses(result, "2025")  # the published record of 2025 was used
    out = project / "_output" / "2026"
    findings = (out / "findings.csv").read_text()
    assert "what-changed.previous-edition" in findings and ",2025\n" in findings
    assert "what-changed.count.new" in findings
    # the reviewed data-change report of data/changes/2026/ feeds what-changed and the gates
    assert "what-changed.data.revised-indicators" in findings
    assert (out / "revisions.csv").read_bytes() == (
        project / "data/changes/2026/revisions.csv"
    ).read_bytes()
    for name, published in (
        ("revisions.csv", "revisions.csv"),
        ("data-changes.md", "data-changes.txt"),
    ):
        assert (out / "site" / "data" / published).read_bytes() == (
            project / "data/changes/2026" / name
        ).read_bytes()  # downloads, as what-changed links them
    assert (out / "site/data/findings.csv").read_bytes() == (out / "findings.csv").read_bytes()
    assert json.loads((out / "build.json").read_text())["site_meta"]["editions"] == [
        {"edition": "2026", "href": "../2026/index.html"},
        {"edition": "2025", "href": "../2025/index.html"},
    ]
    # one site tree holds both editions and a page of every edition; the switcher links within it
    tree = project / "_output" / "site"
    for edition in ("2025", "2026"):
        site = project / "_output" / edition / "site"
        assert sorted(p.relative_to(site) for p in site.rglob("*")) == sorted(
            p.relative_to(tree / edition) for p in (tree / edition).rglob("*")
        )
    editions_page = (tree / "index.html").read_text()
    assert editions_page.index('href="2026/index.html"') < editions_page.index(
        'href="2025/index.html"'
    )
    chapter = (tree / "2026" / "chapters" / "health.html").read_text()
    assert '<a href="../../2025/index.html">2025</a>' in chapter
    assert '<a href="../../index.html">Every edition</a>' in chapter
    gate = subprocess.run(
        [str(Path(sys.executable).with_name("levelup")), "gates", "links", "--edition", "2026"]
        + ["--root", str(project)],
        capture_output=True,
        text=True,
    )
    failures = [line for line in gate.stdout.splitlines() if line.lstrip().startswith("FAIL")]
    # the fixture book has no data-sources appendix, which every footer links to: nothing else
    assert failures and all("data-sources.html' (no such file)" in f for f in failures), failures
    # built elsewhere, 2025 is published (its record) but not in that tree: the switcher lists
    # 2026 alone and the tree holds 2026 only
    run_build(project, cache, edition="2026", output_root=tmp_path / "fresh")
    assert sorted(os.listdir(tmp_path / "fresh" / "site")) == ["2026", "index.html"]
