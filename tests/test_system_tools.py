"""``make test`` on a machine without Chromium or pdftotext skips the tests that need them, saying
what to install; under CI (``CI`` set, as ``.ci/run`` and the workflows do) the same absence fails
them, so CI cannot pass without running every browser and PDF test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from levelup.paths import PROJECT_ROOT

NEEDS_CHROMIUM = "tests/gates/test_browser.py::test_chromium_is_shut_down_cleanly"
NEEDS_PDFTOTEXT = "tests/gates/test_pdf.py::test_typst_pdf_passes"


def _pytest_without_tools(tmp_path: Path, ci: bool) -> subprocess.CompletedProcess:
    """Run the two tests in a fresh pytest whose PATH holds neither chromium nor pdftotext."""
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    env["PATH"] = str(tmp_path)  # an empty directory: no system tools at all
    if ci:
        env["CI"] = "true"
    return subprocess.run(
        [sys.executable, "-m", "pytest", NEEDS_CHROMIUM, NEEDS_PDFTOTEXT]
        + ["-p", "no:cacheprovider", "-p", "no:xdist", "-rs"],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_missing_tool_skips_locally_and_fails_under_ci(tmp_path):
    installs = ("apt-get install -y chromium", "apt-get install -y poppler-utils")
    local = _pytest_without_tools(tmp_path, ci=False)
    assert local.returncode == 0, local.stdout[-2000:]
    assert "2 skipped" in local.stdout and all(i in local.stdout for i in installs)

    ci = _pytest_without_tools(tmp_path, ci=True)
    assert ci.returncode == 1, ci.stdout[-2000:]
    assert "2 errors" in ci.stdout or "2 failed" in ci.stdout, ci.stdout[-2000:]
    assert ci.stdout.count("CI must install it") >= 2 and all(i in ci.stdout for i in installs)
