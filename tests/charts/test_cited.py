"""Cited figures on a chart: drawn apart from the series, labelled, and marked in the data."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest

from levelup import charts
from levelup.metrics.registry import AnnexFigure


def _figure(points):
    return AnnexFigure(
        id="m04-x",
        mission=4,
        quote="q",
        figures=["80%", "92%"],
        period="2017 and 2021",
        computed_by={"metric": "m", "statistic": "s"},
        status="computed",
        points=points,
    )


def test_cited_points_carry_their_period_and_where_they_come_from():
    fig = _figure(
        [
            {"figure": "80%", "value": 80, "period": "2017-01-01/P1Y"},
            {"figure": "92%", "value": 92, "period": "2021-12-01/P1M"},
        ]
    )
    points = charts.cited_points([fig], cited_from="annex figure: the annex")
    assert list(points["value"]) == [80, 92]
    assert list(points["text"]) == ["80% (2017)", "92% (December 2021)"]
    assert points["time"].iat[0] == pytest.approx(2017.5, abs=0.01)
    assert (points[charts.CITED_COLUMN] == "annex figure: the annex").all()
    with pytest.raises(ValueError, match="no chart points"):
        charts.cited_points([_figure([])], cited_from="x")


def test_cited_points_are_drawn_apart_from_the_series_and_named_in_the_legend():
    observed = pd.DataFrame(
        {"time": [2024.0, 2025.0, 2026.0], "value": [93.1, 94.5, 96.2], "period": ["a", "b", "c"]}
    )
    fig = charts.trajectory_chart(
        observed,
        observed.iloc[0:0].rename(columns={"value": "estimate"}),
        title="t",
        ylabel="%",
        source="s",
        reference=(95, "target 95%"),
    )
    ax = fig.axes[0]
    lines_before = len(ax.lines)
    points = pd.DataFrame(
        {"time": [2017.5, 2021.9], "value": [80.0, 92.0], "text": ["80% (2017)", "92%"]}
    )
    artist = charts.add_cited_points(ax, points)
    assert len(ax.lines) == lines_before  # never joined to the series or to each other
    assert artist.get_offsets().shape == (2, 2)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "annex figure" in legend and "observed" in legend
    assert any(t.get_text() == "annex figure: 80% (2017)" for t in ax.texts)
    with pytest.raises(ValueError, match="need columns"):
        charts.add_cited_points(ax, pd.DataFrame({"time": [2017.0]}))


def test_the_constant_rate_line_says_what_window_it_rests_on():
    from levelup.metrics.analysis import TrajectorySummary, constant_rate_label

    def summary(times, periods):
        obs = pd.DataFrame({"time": times, "value": [1.0] * len(times), "period": periods})
        return TrajectorySummary(obs, None, None, None, None, {}, None, None)

    short = summary([2024.04, 2025.04, 2026.04], ["2024-01", "2025-01", "2026-01"])
    assert constant_rate_label(short) == "at the growth rate since January 2024"
    long = summary([2014.5, 2016.5, 2019.5], ["2014-01-01/P1Y", "2016-01-01/P1Y", "2019-01-01/P1Y"])
    assert constant_rate_label(long) == "at the rate of the last five years"


def test_growth_path_carries_the_latest_value_on_at_the_rate():
    from levelup.metrics.analysis import growth_path

    series = pd.DataFrame({"time": [2021.7, 2024.7], "value": [59.0, 63.0]})
    path = growth_path(series, 0.02, 2030)
    assert path["time"].iat[0] == 2024.7 and path["value"].iat[0] == 63.0
    assert path["time"].iat[-1] == pytest.approx(2030.5)
    assert path["value"].iat[-1] == pytest.approx(63 * 1.02 ** (2030.5 - 2024.7))
    assert growth_path(series, float("nan"), 2030).empty
