from __future__ import annotations

import copy
from datetime import date
from pathlib import Path

import pytest

from levelup.gates.numbers import (
    Revisions,
    changes_by_kind,
    compare_findings,
    current_from,
    period_bounds,
    read_findings,
    update_ground_truth,
)

from .helpers import BASE_FINDINGS, finding, write_findings


@pytest.fixture
def truth(tmp_path: Path) -> Path:
    return write_findings(tmp_path / "ground_truth" / "findings-2026.csv", BASE_FINDINGS)


def _new(tmp_path: Path, rows: list[dict[str, str]]) -> Path:
    return write_findings(tmp_path / "build" / "findings.csv", rows)


def _rows(**changes: dict[str, str]) -> list[dict[str, str]]:
    rows = copy.deepcopy(BASE_FINDINGS)
    for row in rows:
        row.update(changes.get(row["key"].replace(".", "_"), {}))
    return rows


def test_identical_findings_pass_and_write_a_diff(tmp_path: Path, truth: Path) -> None:
    result = compare_findings(_new(tmp_path, BASE_FINDINGS), truth, out_dir=tmp_path / "out")
    assert result.passed, result.failures
    diff = tmp_path / "out" / "numbers-diff.md"
    assert result.artifacts["diff"] == diff
    text = diff.read_text()
    assert "**passed**" in text and "No differences." in text
    assert result.details["unchanged"] == len(BASE_FINDINGS)


def test_within_tolerance_and_missing_markers_are_equal(tmp_path: Path, truth: Path) -> None:
    rows = _rows(
        pay_ne_2019={"value": "28000.500000000004", "n": "120.0"},  # 1.5e-16 relative
        gva_ne_2019={"value": "NA"},  # empty vs NA: both missing
        hle_ne_trend={"value": "0.1200000000001"},  # 1e-13 absolute
    )
    result = compare_findings(_new(tmp_path, rows), truth)
    assert result.passed, result.failures


def test_changed_historic_value_fails(tmp_path: Path, truth: Path) -> None:
    new = _new(tmp_path, _rows(pay_ne_2020={"value": "28600.25"}))
    result = compare_findings(new, truth, out_dir=tmp_path / "out")
    assert not result.passed
    assert result.failures == [
        "findings.csv:3: key 'pay.ne.2020': value 28500.25 -> 28600.25 (abs +100, rel +0.3509%) "
        "— historic period 2020 with no data revision"
    ]
    text = (tmp_path / "out" / "numbers-diff.md").read_text()
    assert "**FAILED**" in text
    assert "## FAILED: changed historic findings with no data revision: 1" in text
    assert "| pay.ne.2020 | value | 28500.25 | 28600.25 | +100 | +0.3509% |" in text


def test_changed_string_column_fails_exactly(tmp_path: Path, truth: Path) -> None:
    result = compare_findings(_new(tmp_path, _rows(hle_ne_2018={"unit": "Years"})), truth)
    assert len(result.failures) == 1
    assert "unit years -> Years" in result.failures[0]


def test_value_appearing_where_there_was_none_fails(tmp_path: Path, truth: Path) -> None:
    result = compare_findings(_new(tmp_path, _rows(gva_ne_2019={"value": "1.5"})), truth)
    assert len(result.failures) == 1
    assert "value (empty) -> 1.5" in result.failures[0]


def test_change_on_revised_metric_period_is_only_listed(tmp_path: Path, truth: Path) -> None:
    rows = _rows(pay_ne_2020={"value": "28600.25"}, hle_ne_trend={"value": "0.13"})
    revisions = tmp_path / "revisions.csv"
    # hle 2019 was revised: it overlaps the 2011/2020 trend, so the trend may move too
    revisions.write_text("metric,period\npay,2020\nhle,2019\n")
    result = compare_findings(
        _new(tmp_path, rows), truth, revisions=revisions, out_dir=tmp_path / "out"
    )
    assert result.passed, result.failures
    revised = changes_by_kind(result)["revised"]
    assert {c.key for c in revised} == {"pay.ne.2020", "hle.ne.trend"}
    text = (tmp_path / "out" / "numbers-diff.md").read_text()
    assert "## Changed on revised data (listed): 2" in text
    assert "revised input pay 2020" in text and "revised input hle 2019" in text
    # the same revision does not excuse another period of the metric
    rows = _rows(pay_ne_2019={"value": "1"})
    assert not compare_findings(_new(tmp_path, rows), truth, revisions=revisions).passed


@pytest.mark.parametrize(
    "revisions",
    [
        {("pay", "2020")},
        {"pay.ne.2020"},
        {("pay", "*")},
        lambda row: row["metric"] == "pay",
        Revisions(pairs={("pay", "2020-01-01/P1Y")}),
    ],
    ids=["pair", "key", "whole-metric", "predicate", "iso-interval"],
)
def test_revisions_as_python_objects(tmp_path: Path, truth: Path, revisions: object) -> None:
    new = _new(tmp_path, _rows(pay_ne_2020={"value": "0"}))
    assert compare_findings(new, truth, revisions=revisions).passed


def test_new_and_removed_keys_are_listed(tmp_path: Path, truth: Path) -> None:
    rows = [r for r in BASE_FINDINGS if r["key"] != "gva.ne.2019"]
    rows.append(finding("pay.ne.2025", "pay", "2025", "32000"))
    result = compare_findings(_new(tmp_path, rows), truth, out_dir=tmp_path / "out")
    assert result.passed, result.failures
    kinds = changes_by_kind(result)
    assert [c.key for c in kinds["new"]] == ["pay.ne.2025"]
    assert [c.key for c in kinds["removed"]] == ["gva.ne.2019"]
    text = (tmp_path / "out" / "numbers-diff.md").read_text()
    assert (
        "## New keys (listed): 1" in text and "| pay.ne.2025 | pay | TLC | 2025 | 32000 |" in text
    )
    assert "## Removed keys (listed): 1" in text and "| gva.ne.2019 |" in text


def test_moved_period_and_current_period_are_listed(tmp_path: Path, truth: Path) -> None:
    rows = _rows(
        pay_ne_latest={"period": "2025", "value": "32000"},  # "latest" rolled forward
        hle_ne_2018={"value": "59.3"},
    )
    new = _new(tmp_path, rows)
    assert not compare_findings(new, truth).passed  # hle 2018-2020 is historic by default
    result = compare_findings(new, truth, historic=current_from("2018"))
    assert result.passed, result.failures
    kinds = changes_by_kind(result)
    assert [c.key for c in kinds["period"]] == ["pay.ne.latest"]
    assert [c.key for c in kinds["current"]] == ["hle.ne.2018"]


def test_missing_ground_truth_explains_how_to_create_it(tmp_path: Path) -> None:
    new = _new(tmp_path, BASE_FINDINGS)
    result = compare_findings(new, tmp_path / "nope.csv")
    assert not result.passed
    assert "no such file" in result.failures[0] and "--accept" in result.failures[0]


def test_duplicate_keys_fail(tmp_path: Path, truth: Path) -> None:
    new = _new(tmp_path, [*BASE_FINDINGS, BASE_FINDINGS[0]])
    result = compare_findings(new, truth)
    assert not result.passed
    assert "duplicate key 'pay.ne.2019'" in result.failures[0]


def test_update_ground_truth_accepts_the_numbers(tmp_path: Path, truth: Path) -> None:
    rows = list(reversed(_rows(pay_ne_2020={"value": "28600.25"})))
    new = _new(tmp_path, rows)
    assert not compare_findings(new, truth).passed
    update_ground_truth(new, truth)
    assert compare_findings(new, truth).passed
    keys = list(read_findings(truth).rows)
    assert keys == sorted(keys)  # stable, reviewable order
    assert truth.read_bytes().count(b"\r") == 0


def test_update_ground_truth_from_a_dataframe(tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.DataFrame(BASE_FINDINGS)
    frame["value"] = pd.to_numeric(frame["value"])
    path = update_ground_truth(frame, tmp_path / "gt.csv")
    assert compare_findings(_new(tmp_path, BASE_FINDINGS), path).passed


@pytest.mark.parametrize(
    ("period", "bounds"),
    [
        ("2019", (date(2019, 1, 1), date(2019, 12, 31))),
        ("2023-07", (date(2023, 7, 1), date(2023, 7, 31))),
        ("2024-04-17", (date(2024, 4, 17), date(2024, 4, 17))),
        ("2019-01-01/P3Y", (date(2019, 1, 1), date(2021, 12, 31))),
        ("2023-07-01/P1M", (date(2023, 7, 1), date(2023, 7, 31))),
        ("2015-04-01/2016-03-31", (date(2015, 4, 1), date(2016, 3, 31))),
        ("2011/2020", (date(2011, 1, 1), date(2020, 12, 31))),
        ("latest", None),
    ],
)
def test_period_bounds(period: str, bounds: tuple[date, date] | None) -> None:
    assert period_bounds(period) == bounds
