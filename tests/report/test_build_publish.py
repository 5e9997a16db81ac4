"""Published editions are immutable; `levelup build/check/publish` from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from levelup.report.publish import PUBLISHED, PublishedEditionError, read_published

from .build_support import MIRROR, copy_project, make_project, run_build, statuses, tree_bytes

pytestmark = pytest.mark.usefixtures("mirror")


@pytest.fixture(scope="module")
def built(tmp_path_factory, cache) -> Path:
    project = make_project(tmp_path_factory.mktemp("p") / "project")
    run_build(project, cache)
    return project


def test_publish_then_build_refuses_and_force_lists_differences(built, cache, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    out = project / "_output" / "2025"
    published = cli("publish", "--project", str(project), "--edition", "2025")
    assert published.exit_code == 0, published.output
    assert "Edition 2025 published" in published.output
    marker = read_published(out)
    assert marker["edition"] == "2025" and len(marker["checksums_sha256"]) == 64
    again = cli("publish", "--project", str(project), "--edition", "2025")
    assert "already published" in again.output

    before = tree_bytes(out)
    refused = cli(
        "build", "--project", str(project), "--edition", "2025", "--mirror", str(MIRROR),
        "--engine", "builtin",
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "edition 2025 is published" in refused.output and "--force" in refused.output
    assert "Traceback" not in refused.output
    assert tree_bytes(out) == before
    with pytest.raises(PublishedEditionError):
        run_build(project, cache)

    # --force without any change: identical output, still published
    same = run_build(project, cache, force=True)
    assert same.status == "unchanged" and (out / PUBLISHED).exists()

    # --force after a change: replaced, differences listed, no longer marked published
    nb = project / "analysis" / "missions" / "m07-health.ipynb"
    nb.write_text(nb.read_text().replace("10.3]", "10.6]"))
    forced = cli(
        "build", "--project", str(project), "--edition", "2025", "--mirror", str(MIRROR),
        "--engine", "builtin", "--force", "--jobs", "1",
    )  # fmt: skip
    assert forced.exit_code == 0, forced.output
    text = forced.output
    assert "Replaced the published edition 2025" in text
    assert "changed: findings.csv" in text and "changed: site/chapters/health.html" in text
    assert "revised m07-health.hle.gap (2019): 10.3 years -> 10.6 years" in text
    assert not (out / PUBLISHED).exists()
    assert "10.6 years" in (out / "site/chapters/health.html").read_text()


def test_publish_refuses_an_output_that_does_not_match_its_checksums(built, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    (project / "_output/2025/findings.csv").write_text("tampered\n")
    result = cli("publish", "--project", str(project), "--edition", "2025")
    assert result.exit_code == 1
    assert (
        "does not match its checksums.sha256" in result.output
        and "changed: findings.csv" in result.output
    )
    missing = cli("publish", "--project", str(project), "--edition", "2026")
    assert missing.exit_code == 1 and "build the edition first" in missing.output


def test_failing_notebook_on_the_command_line_is_a_readable_error(built, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    nb = project / "analysis" / "missions" / "m05-education.ipynb"
    nb.write_text(nb.read_text().replace("findings.save()", "raise ValueError('no such metric')"))
    result = cli(
        "build", "--project", str(project), "--edition", "2025", "--mirror", str(MIRROR),
        "--engine", "builtin", "--jobs", "1",
    )  # fmt: skip
    assert result.exit_code == 1
    out = result.output
    assert "error:" in out and "1 notebook(s) failed; nothing was published" in out
    assert "analysis/missions/m05-education.ipynb (edition 2025), cell 4" in out
    assert "ValueError: no such metric" in out and "cell source:" in out
    assert "Traceback (most recent call last)" not in out.split("traceback:")[0]


def test_check_uses_the_last_builds_variables(built, cli, tmp_path):
    project = copy_project(built, tmp_path / "project")
    ok = cli("check", "--project", str(project), "--edition", "2025")
    assert ok.exit_code == 0, ok.output
    assert "variables from" in ok.output and "No problems found" in ok.output
    chapter = project / "chapters" / "health.qmd"
    chapter.write_text(
        chapter.read_text() + "\nSee {{< var m07-health.hle.nope >}} and @fig-missing.\n"
    )
    bad = cli("check", "--project", str(project), "--edition", "2025")
    assert bad.exit_code == 1
    lines = len(chapter.read_text().splitlines())
    assert f"chapters/health.qmd:{lines}:" in bad.output and "m07-health.hle.nope" in bad.output
    (project / "_output/2025/_variables.yml").unlink()
    unverified = cli("check", "--project", str(project), "--edition", "2025")
    assert "keys not verified" in unverified.output


def test_cached_results_survive_a_refused_build(built, cache):
    result = run_build(built, cache)
    assert set(statuses(result).values()) == {"cached"} and result.status == "unchanged"


def test_preview_builds_apart_reloads_and_shows_a_failed_rebuild(built, cache, tmp_path):
    """`levelup preview` as a person runs it: it never touches _output/EDITION (the PDF stays),
    serves pages with the live-reload script, and a save with a broken shortcode is shown on
    the page while the previous site is served."""
    import json
    import os
    import signal
    import subprocess
    import sys
    import time
    import urllib.request

    project = copy_project(built, tmp_path / "project")
    out = project / "_output" / "2025"
    assert list(out.glob("*.pdf"))
    before = tree_bytes(out)
    env = {**os.environ, "LEVELUP_CACHE": str(cache), "LEVELUP_KEEP_KERNELS": "0"}
    command = [str(Path(sys.executable).with_name("levelup")), "preview", "--project"]
    command += [str(project), "--edition", "2025", "--port", "0", "--engine", "builtin"]
    command += ["--mirror", str(MIRROR), "--jobs", "1"]
    proc = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines: list[str] = []
    try:
        while not any("Serving" in line for line in lines):
            line = proc.stdout.readline()
            assert line, "preview stopped:\n" + "".join(lines)
            lines.append(line)
        url = lines[-1].split(" at ")[1].split()[0]
        site = Path(lines[-1].split("Serving ")[1].split(" at ")[0])
        assert site.is_relative_to(cache / "build" / "preview")
        page = urllib.request.urlopen(url + "chapters/health.html", timeout=10).read().decode()
        assert "levelup-live-reload" in page

        def status() -> dict:
            return json.loads(urllib.request.urlopen(url + "__levelup/status", timeout=10).read())

        assert status() == {"version": 0, "error": None}
        chapter = project / "chapters" / "health.qmd"
        chapter.write_text(chapter.read_text() + "\nBroken {{< var m07-health.hle.gap}}.\n")
        deadline = time.time() + 300
        while status()["version"] == 0 and time.time() < deadline:
            time.sleep(0.5)
        error = status()["error"]
        assert "chapters/health.qmd" in error and "malformed shortcode" in error
        assert "levelup-live-reload" in urllib.request.urlopen(url, timeout=10).read().decode()
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            proc.kill()
    assert tree_bytes(out) == before  # the edition's own output, PDF included, untouched
