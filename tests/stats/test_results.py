"""Result objects and the findings table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.stats import (
    FINDINGS_COLUMNS,
    PeriodResult,
    Result,
    ResultTable,
    findings_frame,
    mann_kendall,
    ols_trend,
    panel_trends,
)

from .helpers import make_panel


def test_findings_columns_are_the_architecture_columns():
    assert FINDINGS_COLUMNS == [
        "key",
        "metric",
        "statistic",
        "geography",
        "area",
        "area_name",
        "period",
        "value",
        "lower",
        "upper",
        "unit",
        "n",
        "method",
        "notebook",
    ]


def test_result_rows_and_built_keys():
    res = ols_trend([2015, 2016, 2017, 2018, 2019], [1.0, 2.1, 2.9, 4.2, 5.0]).with_context(
        metric="gva_per_hour", geography="region", area="E12000001", unit="GBP"
    )
    rows = res.to_frame()
    assert list(rows.columns) == FINDINGS_COLUMNS
    assert list(rows["statistic"]) == ["ols_slope", "ols_slope_se", "ols_slope_p_value"]
    assert rows["key"].iloc[0] == "gva_per_hour.ols_slope.E12000001.2015/2019"
    assert rows["value"].iloc[0] == pytest.approx(res.estimate)
    assert rows["lower"].iloc[0] == pytest.approx(res.lower)
    assert (rows["n"] == 5).all() and (rows["unit"] == "GBP").all()
    assert rows["method"].iloc[0].startswith("OLS, Newey-West")


def test_supplied_key_and_period_override():
    res = mann_kendall([1, 2, 3, 4, 5, 6], [1, 2, 3, 5, 4, 6]).with_context(
        key="m7.hle.trend", period="2015-17 to 2020-22", notebook="m07"
    )
    rows = res.to_frame()
    assert list(rows["key"]) == ["m7.hle.trend", "m7.hle.trend.p_value", "m7.hle.trend.tau"]
    assert (rows["period"] == "2015-17 to 2020-22").all() and (rows["notebook"] == "m07").all()


@pytest.mark.parametrize(
    ("start", "end", "period"),
    [
        (2015.0, 2022.0, "2015/2022"),
        (2019.0, 2019.0, "2019"),
        (2020.5, np.nan, "2020.5"),
        (np.nan, np.nan, ""),
    ],
)
def test_period_result_labels_its_span(start, end, period):
    res = PeriodResult(statistic="cv_change", estimate=-0.01, time_start=start, time_end=end)
    assert res.default_period() == period
    assert res.with_context(metric="gdhi").to_frame()["period"].iloc[0] == period


def test_findings_frame_concatenates_and_rejects_duplicate_keys():
    a = Result(statistic="x", estimate=1.0, n=3, method="m").with_context(metric="a")
    b = Result(statistic="x", estimate=2.0, n=3, method="m").with_context(metric="b")
    table = panel_trends(make_panel(n_areas=3))
    frame = findings_frame([a, b, table])
    assert list(frame.columns) == FINDINGS_COLUMNS
    assert len(frame) == 2 + len(table.to_frame())
    with pytest.raises(ValueError, match="duplicate"):
        findings_frame([a, a])
    assert findings_frame([]).empty


def test_result_table_labels_from_context_and_columns():
    frame = pd.DataFrame({"time": [2020.0, 2021.0], "n": [10, 11], "gap": [1.0, np.nan]})
    table = ResultTable(
        frame=frame, statistics={"gap": ("gap", None, None)}, id_columns=["time"], method="m"
    ).with_context(metric="pay", area="E92000001", geography="country")
    rows = table.to_frame()
    assert list(rows["key"]) == ["pay.gap.E92000001.2020", "pay.gap.E92000001.2021"]
    assert list(rows["n"]) == [10, 11] and np.isnan(rows["value"].iloc[1])


def test_result_table_keys_are_unique_per_period_with_a_supplied_key():
    frame = pd.DataFrame({"time": [2020.0, 2021.0], "n": [10, 11], "gap": [1.0, 2.0]})
    table = ResultTable(
        frame=frame, statistics={"gap": ("gap", None, None)}, id_columns=["time"], method="m"
    ).with_context(key="m7.hle")
    assert list(table.to_frame()["key"]) == ["m7.hle.gap.2020", "m7.hle.gap.2021"]
