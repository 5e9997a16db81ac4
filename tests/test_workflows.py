"""The GitHub workflows run what CI runs (``.ci/run``: tests as ``make test`` does), with the
Makefile's uv, the data mirror the pins need, and publish the site tree of every edition."""

from __future__ import annotations

import re
import tomllib

import pytest
import yaml

from levelup.paths import PROJECT_ROOT

WORKFLOWS = PROJECT_ROOT / ".github" / "workflows"


def _steps(name: str) -> list[dict]:
    workflow = yaml.safe_load((WORKFLOWS / f"{name}.yml").read_text(encoding="utf-8"))
    return workflow["jobs"]["build" if name == "publish" else "preview"]["steps"]


def _uses(steps: list[dict], action: str) -> list[dict]:
    return [s for s in steps if s.get("uses", "").startswith(action)]


@pytest.mark.parametrize("name", ["preview", "publish"])
def test_the_workflow_runs_ci_with_the_makefiles_uv_and_the_data_mirror(name):
    steps = _steps(name)
    makefile = (PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    uv_version = re.search(r"^UV_VERSION := (\S+)$", makefile, re.M).group(1)
    assert [s["with"]["version"] for s in _uses(steps, "astral-sh/setup-uv")] == [uv_version]
    # the project and the mirror side by side, the mirror named, and the pins that need it exist
    checkouts = [s.get("with", {}) for s in _uses(steps, "actions/checkout")]
    assert checkouts[0] == {"path": "levelup"}
    assert checkouts[1]["repository"] == "${{ vars.LEVELUP_DATA_MIRROR_REPO }}"
    assert checkouts[1]["path"] == "shared"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert 'LEVELUP_DATA_MIRROR=$GITHUB_WORKSPACE/shared/data" >> "$GITHUB_ENV"' in runs
    with open(PROJECT_ROOT / "data" / "sources.toml", "rb") as handle:
        without_url = [f for f in tomllib.load(handle)["file"] if not f["url"]]
    assert f"{len(without_url)} pins have no upstream URL" in runs
    # everything CI checks, by the one script
    assert any(s.get("run") == ".ci/run" for s in steps)


def test_ci_runs_the_readme_test_command_and_the_change_report_check():
    script = (PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "\nmake test\n" in script
    assert 'levelup edition changes --edition "$EDITION" --check' in script
    assert 'export CI="${CI:-true}"' in script  # a missing Chromium or pdftotext fails the tests


def test_preview_uploads_and_publish_deploys_the_site_tree():
    (upload,) = _uses(_steps("preview"), "actions/upload-artifact")
    assert "levelup/_output/site/" in upload["with"]["path"].split()
    (pages,) = _uses(_steps("publish"), "actions/upload-pages-artifact")
    assert pages["with"]["path"] == "levelup/_output/site/"
