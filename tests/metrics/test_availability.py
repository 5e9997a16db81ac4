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
    assert "devolution_coverage" in rows["instead"].iat[2]


def test_a_complete_notebook_still_gets_a_row():
    rows = availability.data_gaps_rows([], [])
    assert rows["metric"].tolist() == ["none"]
