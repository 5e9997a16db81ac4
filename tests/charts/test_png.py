"""Charts leave the notebook as PNG at the house size and resolution, byte-identical run to run."""

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
