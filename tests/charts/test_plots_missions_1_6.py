"""Chart options added for Missions 1-6: a named target marker, a target line on the
distribution chart, and publishers joined by "|" printed readably in the source line."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from levelup import charts  # noqa: E402


def _legend_texts(fig) -> list[str]:
    return [t.get_text() for t in fig.axes[0].get_legend().get_texts()]


def test_trajectory_chart_names_the_target_marker():
    observed = pd.DataFrame({"time": [2020.5, 2021.5, 2022.5], "value": [40.0, 42.0, 41.0]})
    fig = charts.trajectory_chart(
        observed,
        pd.DataFrame(columns=["time", "estimate", "lower", "upper"]),
        title="t",
        ylabel="%",
        source="test source",
        target_value=45.0,
        target_year=2030.5,
        target_label="the baseline gap",
    )
    assert "the baseline gap" in _legend_texts(fig)
    plt.close(fig)
    default = charts.trajectory_chart(
        observed,
        observed.iloc[0:0].rename(columns={"value": "estimate"}).assign(lower=[], upper=[]),
        title="t",
        ylabel="%",
        source="s",
        target_value=45.0,
        target_year=2030.5,
    )
    assert "target (2030)" in _legend_texts(default)
    plt.close(default)


def test_distribution_chart_draws_a_target_line():
    data = pd.DataFrame({"time": [2024.0] * 3 + [2025.0] * 3, "value": [80, 90, 95, 85, 93, 98.0]})
    fig = charts.distribution_chart(
        data, title="t", ylabel="%", source="s", target={"value": 99, "label": "target 99%"}
    )
    ax = fig.axes[0]
    assert any(list(line.get_ydata()) == [99, 99] for line in ax.get_lines())
    assert any(t.get_text() == "target 99%" for t in ax.texts)
    plt.close(fig)


def test_source_text_joins_publishers():
    row = {
        "file": "els/2026-06-26/gross-median-weekly-pay/gross-median-weekly-pay.csv",
        "publisher": "Office for National Statistics|Northern Ireland Statistics and Research Agency",
        "vintage": "2026-06-26",
        "sha256": "285a7698aaaa",
    }
    text = charts.source_text([row])  # a row without a citation names its publisher, no file
    assert (
        text == "Office for National Statistics and Northern Ireland Statistics and Research Agency"
    )


def test_distribution_chart_legend_sits_below_the_plot_not_on_the_dots():
    import numpy as np

    rng = np.random.default_rng(0)
    data = pd.DataFrame(
        {"time": np.repeat([2019.5, 2020.5, 2021.5], 300), "value": rng.normal(7.5, 0.3, 900)}
    )
    data["top"] = data.groupby("time")["value"].rank(pct=True) > 0.9
    national = data.groupby("time", as_index=False)["value"].mean()
    fig = charts.distribution_chart(
        data,
        title="t",
        ylabel="score",
        source="ONS, vintage 2026",
        group="top",
        group_label="top tenth",
        national=national,
        national_label="UK",
    )
    fig.canvas.draw()  # constrained layout makes room for the legend
    ax = fig.axes[0]
    legend = ax.get_legend().get_window_extent()
    assert legend.y1 < ax.get_window_extent().y0  # wholly below the axes: no dot is covered
    ticks = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert legend.y1 <= min(t.y0 for t in ticks)  # and below the year labels
    assert legend.y0 >= fig._supxlabel.get_window_extent().y1  # above the source line
    assert legend.x0 >= 0 and legend.x1 <= fig.bbox.x1  # inside the figure
    assert _legend_texts(fig) == [
        "10th to 90th percentile of areas",
        "median area",
        "UK",
        "top tenth",
    ]
    plt.close(fig)
