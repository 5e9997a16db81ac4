"""Published editions as records (``editions/<year>/``): ``levelup publish`` archives the record,
the next edition's "what changed" reads it (no notebook of the previous edition runs), and a
rebuild of a published edition is compared with it, every difference listed."""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

import pytest

from levelup.report.build import BuildError
from levelup.report.publish import mark_published
from levelup.report.record import RECORD_FILES, archive_record, record_dir

from .build_support import (
    COMMUNITY,
    KS2,
    MIRROR,
    copy_project,
    make_project,
    run_build,
    statuses,
    tree_bytes,
)

pytestmark = pytest.mark.usefixtures("mirror")


@pytest.fixture(scope="module")
def built(tmp_path_factory, cache) -> Path:
    """Edition 2025 of the fixture project, built (not published)."""
    project = make_project(tmp_path_factory.mktemp("p") / "project")
    run_build(project, cache)
    return project


def publish(project: Path, year: str = "2025") -> Path:
    out = project / "_output" / year
    mark_published(out, year, "0" * 40, "2026-01-01")
    return archive_record(out, project, year)


def edit_notebook(project: Path) -> None:
    nb = project / "analysis" / "missions" / "m07-health.ipynb"
    nb.write_text(nb.read_text().replace("10.3]", "10.6]"))


def test_publish_archives_the_record_and_refuses_to_replace_it(built, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    done = cli("publish", "--project", str(project), "--edition", "2025")
    assert done.exit_code == 0, done.output
    assert "Its record is in editions/2025/: commit it." in done.output
    record = record_dir(project, "2025")
    out = project / "_output" / "2025"
    for name in RECORD_FILES:
        assert (record / name).read_bytes() == (out / name).read_bytes(), name
    marker = tomllib.loads((record / "PUBLISHED").read_text())
    assert marker["edition"] == "2025" and len(marker["checksums_sha256"]) == 64
    assert cli("publish", "--project", str(project), "--edition", "2025").exit_code == 0  # same

    # another output of the same edition does not replace the record, unless forced
    edit_notebook(project)
    run_build(project, tmp_path / "cache", force=True)
    before = (record / "findings.csv").read_bytes()
    refused = cli("publish", "--project", str(project), "--edition", "2025")
    assert refused.exit_code == 1
    assert "already has a published record in editions/2025/" in refused.output
    assert "--force" in refused.output and "Traceback" not in refused.output
    assert (record / "findings.csv").read_bytes() == before
    assert not (out / "PUBLISHED").exists()  # refused before marking the output published
    forced = cli("publish", "--project", str(project), "--edition", "2025", "--force")
    assert forced.exit_code == 0, forced.output
    assert b"10.6 years" in (record / "findings.csv").read_bytes()


def test_next_edition_reads_the_previous_editions_record_and_runs_none_of_its_notebooks(
    built, cache, tmp_path
):
    project = copy_project(built, tmp_path / "project")
    with pytest.raises(BuildError, match=r"no complete published record in editions/2025/"):
        run_build(project, cache, edition="2026")
    record = publish(project)
    (project / "_output" / "2025" / "findings.csv").unlink()  # the record is what is read
    result = run_build(project, cache, edition="2026")
    assert {r.job.edition for r in result.notebooks} == {"2026"}  # no 2025 notebook executed
    assert set(statuses(result)) == {"m05-education", "m07-health", "social", "what-changed"}
    assert result.record is None  # 2026 is not published
    what_changed = next(r for r in result.notebooks if r.job.stem == "what-changed")
    assert what_changed.job.parameters["previous_findings_path"] == str(record / "findings.csv")
    findings = (project / "_output" / "2026" / "findings.csv").read_text()
    assert "what-changed.previous-edition" in findings and ",2025\n" in findings
    assert "what-changed.count.new" in findings

    # a corrected record (republished) is what the next build compares with
    path = record / "findings.csv"
    path.write_text(path.read_text().replace(",10.3 years", ",10.1 years"))
    again = run_build(project, cache, edition="2026")
    assert statuses(again)["what-changed"] == "ran"
    assert statuses(again)["m07-health"] == "cached"


def test_a_rebuild_of_a_published_edition_is_compared_with_its_record(built, cache, tmp_path):
    project = copy_project(built, tmp_path / "project")
    record = publish(project)
    shutil.rmtree(project / "_output")  # a fresh clone: the record is committed, outputs are not
    same = run_build(project, cache)
    assert same.record is not None and same.record.identical, same.record.lines()

    edit_notebook(project)
    manifest = record / "data-manifest.toml"  # as if the record had been made from other data
    text = manifest.read_text()
    first = tomllib.loads(text)["file"][0]
    sha = first["sha256"]
    manifest.write_text(text.replace(sha, "0" * 64))
    changed = run_build(project, cache).record
    assert not changed.reproduces
    assert "m07-health.hle.gap display: '10.3 years' -> '10.6 years'" in changed.findings
    assert "m07-health.hle.gap value: '10.3' -> '10.6'" in changed.findings
    assert first["path"] in (KS2, COMMUNITY)
    assert changed.data == [f"{first['path']}: sha256 000000000000… -> {sha[:12]}…"]
    assert "findings.csv" in changed.files.changed
    assert "site/chapters/health.html" in changed.files.changed
    lines = changed.lines()
    assert "findings: 2 difference(s)" in lines and "data read: 1 difference(s)" in lines


def test_edition_verify_builds_afresh_and_fails_on_any_difference(built, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    publish(project)
    args = ("edition", "verify", "2025", "--project", str(project), "--mirror", str(MIRROR))
    published = tree_bytes(project / "_output")
    ok = cli(*args, "--engine", "builtin")
    assert ok.exit_code == 0, ok.output
    assert "Reproduces the published record editions/2025/" in ok.output
    edit_notebook(project)
    bad = cli(*args, "--engine", "builtin")
    assert bad.exit_code == 1
    assert "does not reproduce its published record editions/2025/" in bad.output
    assert "m07-health.hle.gap value: '10.3' -> '10.6'" in bad.output
    assert tree_bytes(project / "_output") == published  # the verification built elsewhere
    missing = cli("edition", "verify", "2026", "--project", str(project), "--mirror", str(MIRROR))
    assert missing.exit_code == 1 and "no published record" in missing.output
