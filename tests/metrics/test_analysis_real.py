"""MetricData on the real editions: coverage differs between vintages."""

import pytest

from levelup.metrics.analysis import MetricData, MetricUnavailable

FEMALE_HLE = "els/healthy-life-expectancy/female-healthy-life-expectancy"
UK, ENGLAND = "K02000001", "E92000001"


def test_reference_area_falls_back_where_a_vintage_lacks_the_uk(loader_2025, loader_2026):
    # the 2025 vintage publishes HLE for England and Wales only; the 2026 one adds the UK
    hle_2025 = MetricData.load("m07-hle", loader_2025)
    hle_2026 = MetricData.load("m07-hle", loader_2026)
    assert hle_2025.series(UK, FEMALE_HLE).empty
    assert hle_2025.first_area_with_data([UK, ENGLAND], FEMALE_HLE) == ENGLAND
    assert hle_2026.first_area_with_data([UK, ENGLAND], FEMALE_HLE) == UK


def test_no_candidate_area_is_a_clear_error(loader_2025):
    hle = MetricData.load("m07-hle", loader_2025)
    with pytest.raises(MetricUnavailable, match="no value for any of S92000003"):
        hle.first_area_with_data(["S92000003"], FEMALE_HLE)
