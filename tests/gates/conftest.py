"""Fixtures for the gate tests (builders live in helpers.py)."""

from __future__ import annotations

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


# -- tools: axe-core (chromium and pdftotext are in tests/conftest.py) -----------------------


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
