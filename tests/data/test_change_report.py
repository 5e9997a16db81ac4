"""`levelup edition changes`: compares a fresh data-change report with the committed, reviewed
one in data/changes/<edition>/, writes only with --write, and --check (run by CI) fails when the
committed report is stale."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from levelup.cli import app
from levelup.data.changes import DataChangeReport, report_files
from levelup.metrics.registry import Registry
from levelup.paths import PROJECT_ROOT

runner = CliRunner()


@pytest.mark.slow
def test_the_committed_2026_report_is_current(mirror, tmp_path):
    """The command CI runs, on the real mirror: the committed report is what the data give."""
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("levelup")), "edition", "changes", "--edition", "2026"]
        + ["--check"]
        + ["--mirror", str(mirror), "--cache", str(tmp_path / "cache")],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "is current" in proc.stdout


def _small_report() -> DataChangeReport:
    """A hand-made report: one dataset renamed, one value of the healthy life expectancy revised."""
    return DataChangeReport(
        "2025",
        "2026",
        datasets=pd.DataFrame(
            {"dataset_id": ["els/hle"], "change": ["renamed"], "previous": ["a"], "current": ["b"]}
        ),
        indicators=pd.DataFrame(columns=["indicator_id", "change"]),
        areas=pd.DataFrame(columns=["change", "area_code", "area_name"]),
        periods=pd.DataFrame(columns=["indicator_id", "period"]),
        revisions=pd.DataFrame(
            {
                "dataset_id": ["els/hle"],
                "indicator_id": ["els/healthy-life-expectancy/healthy-life-expectancy-hle"],
                "area_code": ["E06000001"],
                "period": ["2018-01-01/P3Y"],
                "previous_value": [60.0],
                "current_value": [60.5],
                "revision": [0.5],
                "relative_revision": [0.5 / 60],
            }
        ),
    )


@pytest.fixture
def small_report(monkeypatch):
    """The command's comparison replaced by the hand-made report (no data are read)."""
    import levelup.data.changes as changes
    import levelup.data.load as load

    report = _small_report()
    monkeypatch.setattr(changes, "compare_editions", lambda before, current: report)
    monkeypatch.setattr(load, "DataLoader", _FakeLoader)
    return report


class _FakeLoader:
    def __init__(self, edition, store=None):
        self.edition = type("Edition", (), {"year": edition or "2026", "previous": "2025"})()


def _run(*args: str):
    return runner.invoke(app, ["edition", "changes", "--edition", "2026", *args])


def test_without_flags_nothing_is_written(small_report, tmp_path):
    result = _run("--out", str(tmp_path / "report"))
    assert result.exit_code == 0, result.output
    assert "is stale" in result.output and "--write" in result.output
    assert not (tmp_path / "report").exists()


def test_check_fails_on_a_stale_report_with_a_summary_of_the_differences(small_report, tmp_path):
    committed = tmp_path / "report"
    committed.mkdir()
    for name, text in report_files(small_report, Registry().metrics_by_input()).items():
        (committed / name).write_text(text, encoding="utf-8", newline="")
    assert _run("--check", "--out", str(committed)).exit_code == 0

    revisions = committed / "revision-summary.csv"
    revisions.write_text(revisions.read_text().replace(",1,0.5,", ",2,0.5,"), encoding="utf-8")
    (committed / "revisions.csv").unlink()
    result = _run("--check", "--out", str(committed))
    assert result.exit_code == 1, result.output
    assert "2 file(s) differ" in result.output
    assert "revision-summary.csv: 1 line(s) only in the committed file, 1 only in the fresh" in (
        result.output
    )
    assert "revisions.csv: missing from" in result.output
    assert "  - els/hle,els/healthy-life-expectancy/healthy-life-expectancy-hle,2,0.5," in (
        result.output
    )


def test_write_replaces_the_report(small_report, tmp_path):
    committed = tmp_path / "report"
    shutil.copytree(PROJECT_ROOT / "data" / "changes" / "2026", committed)
    result = _run("--write", "--out", str(committed))
    assert result.exit_code == 0, result.output
    assert "wrote 7 files" in result.output
    assert (committed / "datasets.csv").read_text() == (
        "dataset_id,change,previous,current\nels/hle,renamed,a,b\n"
    )
    assert _run("--check", "--out", str(committed)).exit_code == 0
    assert _run("--check", "--write").exit_code == 2
