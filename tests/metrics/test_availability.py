"""The data-gaps table names missing metrics, proxies and derived metrics with their reasons."""

import pandas as pd

from levelup.metrics import availability
from levelup.metrics.analysis import MetricData, MetricUnavailable
from levelup.metrics.registry import Registry


def test_rows_for_each_kind_of_gap():
    registry = Registry()
    missing = MetricUnavailable(registry.metric("m10-recent-first-time-buyers"), "not pinned")
    proxy = MetricData(
        registry.metric("m11-neighbourhood-crime"), None, pd.DataFrame(), "proxy", "x", "label"
    )  # type: ignore[arg-type]
    derived = MetricData(
        registry.metric("m12-devolution-coverage"),
        None,
        pd.DataFrame(),
        "derived",
        "devolution_coverage",
    )  # type: ignore[arg-type]
    rows = availability.data_gaps_rows(
        [missing],
        [proxy, None, derived, proxy],
        [{"metric": "Town centres", "status": "not measured"}],
    )
    assert rows["status"].tolist() == ["no series", "proxy", "derived", "not measured"]
    assert rows["why"].iat[0] == "not pinned"
    assert "police-recorded neighbourhood crime" in rows["instead"].iat[1]
    assert (
        rows["instead"]
        .iat[2]
        .startswith(  # what the derivation computes, not its name
            "computed by this report from published inputs: share of England's (and each region's) "
            "population living under"
        )
    )
    assert "devolution_coverage" not in rows["instead"].iat[2]  # no internal keys for readers


def test_a_complete_notebook_still_gets_a_row():
    rows = availability.data_gaps_rows([], [])
    assert rows["metric"].tolist() == ["none"]


def test_registry_lists_every_gap_of_a_mission(loader_2026):
    """Mission 1's table names the metrics its notebook never asks for (it said "none" before)."""
    unavailable, resolved = availability.registry_metrics(Registry(), loader_2026, mission=1)
    missing = {m.metric.id for m in unavailable}
    assert {
        "m01-low-paid-jobs",
        "m01-disability-employment-gap",
        "m01-skilled-employment",
    } <= missing
    assert any(md.is_proxy for md in resolved)  # participation rate through its proxy
    rows = availability.data_gaps_rows(unavailable, resolved)
    assert "none" not in rows["metric"].tolist()
