import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from levelup.charts.annex_points import ANNEX_LABEL, add_annex_points


def test_annex_points_are_hollow_diamonds_with_a_legend_entry():
    fig, ax = plt.subplots()
    ax.plot([2018, 2020], [1.0, 1.2], label="data")
    add_annex_points(
        ax, pd.DataFrame({"time": [2011.5, 2019.5], "value": [1.4, 1.5], "text": ["1.4%", "1.5%"]})
    )
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert ANNEX_LABEL in labels
    scatter = ax.collections[-1]
    assert scatter.get_offsets().tolist() == [[2011.5, 1.4], [2019.5, 1.5]]
    assert (scatter.get_facecolors()[0][:3] == 1).all()  # hollow (white face)
    assert [t.get_text() for t in ax.texts] == ["1.4%", "1.5%"]
    plt.close(fig)


def test_annex_points_need_time_and_value():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="time"):
        add_annex_points(ax, pd.DataFrame({"value": [1]}))
    plt.close(fig)
