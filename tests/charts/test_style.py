"""House style: charts leave the notebook as PNG at the A4-column size, byte-identical run to run,
with the source line inside the figure."""

import struct

import pandas as pd

from levelup import charts
from levelup.charts.style import DPI, HEIGHT_IN, WIDTH_IN


def _chart():
    data = pd.DataFrame(
        {"time": [2019.5, 2020.5, 2021.5] * 2, "value": [1, 2, 3, 2, 3, 5], "label": list("aaabbb")}
    )
    return charts.line_chart(data, title="A title", ylabel="units", source="ONS, vintage 2026")


def test_png_has_the_a4_column_size_and_is_deterministic():
    first, second = charts.png_bytes(_chart()), charts.png_bytes(_chart())
    assert first[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", first[16:24])  # IHDR
    assert (width, height) == (int(WIDTH_IN * DPI), int(HEIGHT_IN * DPI))  # 1008 x 561 px
    assert first == second


def test_a_long_source_line_wraps_within_the_chart_and_keeps_every_word():
    source = "; ".join(
        f"Publisher {i}, dataset-{i} (vintage 2026-06-26, sha256 587fcf0{i})" for i in range(4)
    )
    data = pd.DataFrame({"time": [2019.5, 2020.5], "value": [1, 2], "label": ["a", "a"]})
    fig = charts.line_chart(data, title="T", ylabel="u", source=source)
    text = fig.get_supxlabel()
    lines = text.split("\n")
    assert len(lines) > 1 and max(map(len, lines)) <= 120
    assert " ".join(lines) == f"Source: {source}"
    fig.canvas.draw()
    label = fig._supxlabel.get_window_extent()
    assert label.x1 <= fig.bbox.x1 + 1  # inside the figure


def test_long_titles_are_wrapped_to_fit_over_the_plot():
    title = "Travel time by public transport or walking: median authority by region"
    lines = charts.style.chart_title(title).splitlines()
    assert len(lines) == 2 and all(len(x) <= charts.style.TITLE_CHARS for x in lines)
    assert charts.style.chart_title("Short title") == "Short title"


def test_a_legend_of_long_labels_takes_fewer_columns():
    long = ["10th to 90th percentile of areas", "median area", "England and Wales",
            "stand-in worst-affected forces"]  # fmt: skip
    assert charts.style.legend_columns(long) < 4
    assert charts.style.legend_columns(["a", "b", "c", "d"]) == 4
    assert charts.style.legend_columns(["only"]) == 1


def test_svg_keeps_text_as_text():
    svg = charts.svg_bytes(_chart()).decode("utf-8")
    assert "<text" in svg and "DejaVu Sans" in svg
    assert charts.svg_bytes(_chart()) == charts.svg_bytes(_chart())  # deterministic
