"""Fixtures for the gate tests (builders live in helpers.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from levelup.gates.browser import AxeNotFound, find_axe

from .helpers import REPORT_TYP, make_site


@pytest.fixture
def good_site(tmp_path: Path) -> Path:
    return make_site(tmp_path / "site")


@pytest.fixture(scope="session")
def good_site_session(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_site(tmp_path_factory.mktemp("good") / "site")


# -- tools: chromium, axe-core ---------------------------------------------------------------


def _missing_tool(message: str) -> None:
    """Skip when a tool is genuinely absent on a developer machine; fail under CI."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must install it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    _missing_tool("chromium is not installed (apt-get install -y chromium)")
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if not found:
        _missing_tool("pdftotext is not installed (apt-get install -y poppler-utils)")
    return found or ""


@pytest.fixture(scope="session")
def axe_js() -> Path:
    try:
        return find_axe()
    except AxeNotFound as exc:
        pytest.fail(f"{exc}: the browser tests need axe-core (run `npm ci`)")
        raise


@pytest.fixture(scope="session")
def typst_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import typst

    base = tmp_path_factory.mktemp("pdf")
    source = base / "report.typ"
    source.write_text(REPORT_TYP)
    out = base / "report.pdf"
    typst.compile(str(source), output=str(out))
    return out
