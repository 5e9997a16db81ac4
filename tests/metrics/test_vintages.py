"""Vintage check on the real homicide data: the 2026 vintage's South Yorkshire rates are about
2.4 times the 2025 vintage's in every common period (Barnsley and Sheffield, recoded in 2025,
missing from the denominator); ordinary revisions are not flagged."""

import pytest

from levelup.metrics import vintages
from levelup.metrics.analysis import MetricData


def test_flags_a_consistent_large_factor(loader_2026):
    md = MetricData.load("m11-homicide", loader_2026)
    check = vintages.vintage_check(md, "police_force_area")
    assert vintages.flagged_areas(check) == ["E23000011"]
    row = check.set_index("area_code").loc["E23000011"]
    assert row["median_ratio"] == pytest.approx(2.4, abs=0.05)
    assert "South Yorkshire" in vintages.describe(check)


def test_first_edition_has_nothing_to_compare(loader_2025):
    md = MetricData.load("m11-homicide", loader_2025)
    check = vintages.vintage_check(md, "police_force_area")
    assert check.empty and vintages.describe(check) == "none"
