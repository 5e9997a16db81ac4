"""Additive chart options: step lines, shaded periods, a reference line on a trajectory."""

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from levelup import charts


def test_step_line_with_shaded_period():
    data = pd.DataFrame(
        {"label": ["a"] * 3, "time": [2000.0, 2010.0, 2020.0], "value": [0, 15, 40]}
    )
    fig = charts.line_chart(
        data,
        title="t",
        ylabel="%",
        source="test",
        lower=None,
        upper=None,
        step=True,
        shade=[(2020.0, 2022.0, "pandemic")],
    )
    ax = fig.axes[0]
    assert ax.lines[0].get_drawstyle() == "steps-post"
    assert any(t.get_text() == "pandemic" for t in ax.texts)
    assert len(ax.patches) >= 1


def test_trajectory_reference_line():
    observed = pd.DataFrame(
        {"time": [2015.5, 2016.5], "value": [7.0, 7.1], "lower": [6.9, 7.0], "upper": [7.1, 7.2]}
    )
    projection = pd.DataFrame(
        {"time": [2017.5, 2018.5], "estimate": [7.2, 7.3], "lower": [7.0, 7.0], "upper": [7.4, 7.6]}
    )
    fig = charts.trajectory_chart(
        observed,
        projection,
        title="t",
        ylabel="score",
        source="test",
        reference=(7.0, "baseline level"),
    )
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "baseline level" in labels


def test_trajectory_tick_format():
    observed = pd.DataFrame({"time": [2015.5, 2020.5], "value": [2_000_000, 1_500_000]})
    projection = pd.DataFrame(
        {"time": [2021.5], "estimate": [1_400_000], "lower": [1_300_000], "upper": [1_500_000]}
    )
    fig = charts.trajectory_chart(
        observed, projection, title="t", ylabel="dwellings", source="test", ytick_format="{:,.0f}"
    )
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert any("," in text for text in labels)


def test_club_chart_orders_and_colours_clubs():
    data = pd.DataFrame(
        {
            "area_name": ["a", "b", "c", "d"],
            "value": [1.0, 4.0, 3.0, 2.0],
            "club": [2, 1, 1, 0],
        }
    )
    fig = charts.club_chart(data, title="t", ylabel="£", source="test")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["b", "c", "d", "a"]
    assert ax.get_legend_handles_labels()[1] == ["club 1", "club 2", "divergent"]
    many = pd.DataFrame(
        {"area_name": [f"x{i}" for i in range(40)], "value": range(40), "club": [1] * 40}
    )
    strip = charts.club_chart(many, title="t", ylabel="£", source="test").axes[0]
    heights = [p.get_height() for p in strip.patches]
    assert heights == sorted(heights, reverse=True) and len(heights) == 40
