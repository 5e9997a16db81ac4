"""Fixtures for the report renderer tests: the fixture book, its notebook executed with nbclient."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from levelup.cli import app

from .helpers import EPOCH, FIXTURE_BOOK, NOTEBOOK, SITE_META, VARIABLES, execute_notebook


@pytest.fixture(scope="session")
def executed_notebook(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("nbexec")
    return execute_notebook(FIXTURE_BOOK / NOTEBOOK, work / "executed" / "health.ipynb", work)


@pytest.fixture(scope="session")
def figure_data(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("figdata")
    (d / "fig-hle-gap.csv").write_text(
        "year,gap\n"
        + "".join(
            f"{y},{g}\n"
            for y, g in zip(
                range(2015, 2024), [9.1, 9.3, 9.4, 9.8, 10.0, 10.6, 10.4, 10.2, 10.3], strict=True
            )
        )
    )
    return d


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, executed_notebook, figure_data):
    """One full render (HTML + PDF) of the fixture book, shared by the read-only tests."""
    from levelup.report.render import render_book

    old = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        out = tmp_path_factory.mktemp("render") / "2026"
        result = render_book(
            FIXTURE_BOOK,
            "2026",
            {Path(NOTEBOOK): executed_notebook},
            VARIABLES,
            out,
            figure_data_dir=figure_data,
            site_meta=SITE_META,
            cache_dir=out.parent / "cache",
        )
    finally:
        if old is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = old
    return result, out


# The build tests of one module share one build cache (a module-scoped fixture: each module
# builds the fixture project once) and invoke the command line with it.
@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("build-cache")


@pytest.fixture
def cli(cache, monkeypatch):
    monkeypatch.setenv("LEVELUP_CACHE", str(cache))
    monkeypatch.setenv("LEVELUP_KEEP_KERNELS", "0")
    runner = CliRunner()

    def invoke(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return invoke
