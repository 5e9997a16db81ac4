"""Shared fixtures: the real data mirror (``LEVELUP_DATA_MIRROR`` or ``../shared/data``) and the
technical annex beside it (``<mirror>/../reference``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from levelup.paths import PROJECT_ROOT

MIRROR = Path(
    os.environ.get("LEVELUP_DATA_MIRROR") or PROJECT_ROOT.parent / "shared" / "data"
).resolve()


@pytest.fixture(scope="session")
def mirror() -> Path:
    if not (MIRROR / "els" / "MANIFEST.csv").exists():
        pytest.fail(
            f"data mirror not found at {MIRROR}: set LEVELUP_DATA_MIRROR to a copy of the shared data mirror"
        )
    return MIRROR


@pytest.fixture(scope="session")
def store(mirror, tmp_path_factory):
    from levelup.data.fetch import DataStore

    return DataStore(mirror=mirror, cache_dir=tmp_path_factory.mktemp("cache"))


@pytest.fixture(scope="session")
def loader_2026(store):
    from levelup.data.load import DataLoader

    return DataLoader(2026, store=store)


@pytest.fixture(scope="session")
def loader_2025(store):
    from levelup.data.load import DataLoader

    return DataLoader(2025, store=store)


@pytest.fixture(scope="session")
def annex_text(mirror: Path) -> str:
    """The technical annex of the shared mirror (``../reference/`` beside the data)."""
    return (mirror.parent / "reference" / "levelling-up-technical-annex.md").read_text(
        encoding="utf-8"
    )


# -- system tools: chromium (browser gate), pdftotext (poppler-utils) -------------------------


def _missing_tool(message: str) -> None:
    """Skip, saying what is missing and how to install it, on a machine without the tool (``make
    test`` on a fresh clone); fail under CI (``CI`` set, as ``.ci/run`` and the workflows do), so
    a missing install step cannot hide behind a skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must install it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome-stable", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    _missing_tool(
        "no Chromium for the browser tests: install it with `apt-get install -y chromium`"
    )
    raise AssertionError("unreachable")


@pytest.fixture(scope="session")
def pdftotext() -> str:
    found = shutil.which("pdftotext")
    if not found:
        _missing_tool(
            "no pdftotext for the PDF gate and layout tests: install it with "
            "`apt-get install -y poppler-utils`"
        )
    return found or ""
