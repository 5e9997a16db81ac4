"""Hex maps: quintile classes, the pattern stated in the alt text, legends that count every
hex (no data included), and the locator map an area page fills in."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from levelup.charts import maps as M
from levelup.charts.style import svg_bytes
from levelup.data.hexjson import read_hexjson
from levelup.report.render.areas import LOCATOR_LABEL, LOCATOR_MARK, locator_mark


def _layout(n: int = 10):
    hexes = {
        f"A{i}": {"n": f"Area {i}", "q": i % 5, "r": i // 5, "region": "R1" if i < 5 else "R2"}
        for i in range(n)
    }
    return read_hexjson(json.dumps({"layout": "odd-r", "hexes": hexes}))


def test_classes_are_fifths_of_the_areas():
    values = pd.Series(np.arange(10.0), index=[f"A{i}" for i in range(10)])
    cls, breaks = M.classes(values)
    assert cls.value_counts().to_dict() == {0: 2, 1: 2, 2: 2, 3: 2, 4: 2}
    assert breaks[0] == 0 and breaks[-1] == 9
    with_gap = values.copy()
    with_gap["A3"] = np.nan
    assert np.isnan(M.classes(with_gap)[0]["A3"])


def test_pattern_names_the_regions_with_the_highest_and_lowest_median():
    values = pd.Series([1, 2, 10, 11], index=list("abcd"))
    regions = pd.Series(["E12000001", "E12000001", "E12000008", "E12000008"], index=list("abcd"))
    names = {"E12000001": "North East", "E12000008": "South East"}
    text = M.pattern_text(values, regions, names)
    assert text.startswith("highest in the South East, lowest in the North East")


def test_maps_count_every_hex_in_the_legend_and_keep_the_source():
    layout = _layout()
    values = pd.Series(np.arange(9.0), index=[f"A{i}" for i in range(9)])  # A9 has no value
    fig = M.value_map(layout, values, title="Test", legend_title="unit", source="Publisher (2026)")
    svg = svg_bytes(fig).decode()
    assert "no data (1)" in svg and "Source: Publisher (2026)" in svg
    cats = pd.Series(["improving"] * 6 + ["worsening"] * 3, index=[f"A{i}" for i in range(9)])
    fig = M.category_map(
        layout, cats, ["improving", "worsening"], title="T", legend_title="L", source="S"
    )
    svg = svg_bytes(fig).decode()
    assert "improving (6)" in svg and "worsening (3)" in svg and "no data (1)" in svg


def test_locator_marks_only_the_area():
    layout = _layout()
    base = M.locator_svg(layout)
    pos = M.locator_positions(layout)
    here = pos[pos["code"] == "A7"]
    page = locator_mark(base, "Map locating Area 7", list(zip(here["x"], here["y"], strict=False)))
    assert 'aria-label="Map locating Area 7"' in page
    assert LOCATOR_MARK not in page and LOCATOR_LABEL not in page
    filled = page.split('fill="#12436D"', 1)[1]
    assert filled.count("<use") == 1
    assert page.count("<use") == 11  # every hex in grey, plus the area's in blue
