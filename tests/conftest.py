"""Shared fixtures: the real data mirror (``LEVELUP_DATA_MIRROR`` or ``../shared/data``) and the
technical annex beside it (``<mirror>/../reference``)."""

from __future__ import annotations

import os
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
