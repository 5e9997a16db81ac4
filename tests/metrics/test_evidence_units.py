"""Evidence rule 5: a finding carries the unit of the indicator it was computed from, and a
target is applied only to the series and unit it is counted in (hand-made count + share)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.findings.table import Findings
from levelup.metrics import analysis
from levelup.metrics.analysis import MetricData, is_share_unit
from levelup.metrics.registry import Registry

COUNT, SHARE = "derived/non-decent-rented-homes", "derived/non-decent-rented-homes-share"


def _rows(indicator: str, unit: str, values: list[float]) -> list[dict]:
    rows = []
    for i, v in enumerate(values):
        start = pd.Timestamp(f"{2016 + i}-04-01")
        rows.append(
            {
                "area_code": "E92000001",
                "area_name": "England",
                "geography": "country",
                "indicator_id": indicator,
                "period": f"{2016 + i}-04-01/P1Y",
                "period_start": start,
                "period_end": start + pd.DateOffset(years=1) - pd.Timedelta(days=1),
                "time": 2016 + i + 0.75,
                "value": v,
                "lower_ci": np.nan,
                "upper_ci": np.nan,
                "unit": unit,
            }
        )
    return rows


@pytest.fixture
def non_decent() -> MetricData:
    counts = [1_600_000, 1_500_000, 1_450_000, 1_400_000, 1_380_000, 1_350_000, 1_300_000]
    shares = [25.0, 23.5, 22.0, 21.0, 20.5, 20.0, 19.0]
    frame = pd.DataFrame(_rows(COUNT, "dwellings", counts) + _rows(SHARE, "%", shares))
    metric = Registry().metric("m10-non-decent-rented")  # unit dwellings, target -50% of the count
    return MetricData(metric, None, frame, "derived", "test")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "unit,share",
    [
        ("%", True),
        ("% of premises", True),
        ("Percentage (%)", True),
        ("dwellings", False),
        ("percentage points", False),
        ("% a year", False),
        ("Rate per 100,000 population", False),
    ],
)
def test_share_units(unit, share):
    assert is_share_unit(unit) is share


def test_each_indicator_has_its_own_unit_and_only_the_count_its_target(non_decent):
    assert non_decent.unit_of(COUNT) == "dwellings" == non_decent.unit_of()
    assert non_decent.unit_of(SHARE) == "%"
    assert non_decent.bounds_of(SHARE) == (0, 100)
    assert non_decent.target_applies(COUNT) and not non_decent.target_applies(SHARE)


def test_headline_of_the_share_is_in_percent_and_gets_no_count_target(non_decent, tmp_path):
    findings = Findings("test-units", tmp_path)
    analysis.headline(non_decent, "E92000001", findings, "share", indicator=SHARE)
    rows = {r["key"].rsplit(".", 1)[-1]: r for r in findings.rows}
    assert rows["latest"]["unit"] == "%" and rows["latest"]["display"] == "19.0%"
    assert rows["change"]["display"] == "−6.0 percentage points"
    assert "status" not in rows and "ratio" not in rows
    count = Findings("test-units", tmp_path)
    analysis.headline(non_decent, "E92000001", count, "count", indicator=COUNT)
    statuses = [r for r in count.rows if r["key"].endswith(".status")]
    assert statuses and statuses[0]["unit"] == "dwellings"


def test_trajectory_refuses_a_series_in_another_unit(non_decent, tmp_path):
    findings = Findings("test-units", tmp_path)
    with pytest.raises(ValueError, match="counted in 'dwellings'"):
        analysis.trajectory(
            non_decent, "E92000001", findings, "t", series=non_decent.series("E92000001", SHARE)
        )
