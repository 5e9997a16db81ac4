"""Hex layouts: reading HexJSON (errors name the file and the hex), and putting the pinned layout
on the data's boundaries without dropping a hex (recoded, merged, split)."""

from __future__ import annotations

import json

import pytest

from levelup.data.boundaries import Succession, SuccessionRegister
from levelup.data.hexjson import (
    LAD_LAYOUT,
    HexJSONError,
    harmonise,
    lad_layout,
    match_codes,
    read_hexjson,
    read_layout_file,
    reader_notes,
)


def _doc(hexes: dict, layout: str = "odd-r") -> str:
    return json.dumps({"layout": layout, "hexes": hexes})


def _register(*successions: Succession) -> SuccessionRegister:
    return SuccessionRegister({s.old: s for s in successions})


def test_reads_hexes_and_their_regions():
    layout = read_hexjson(
        _doc(
            {
                "A": {"n": "Alpha", "q": 0, "r": 0, "region": "R1"},
                "B": {"n": "Beta", "q": 1, "r": 0, "region": "R2"},
            }
        )
    )
    assert list(layout.hexes["code"]) == ["A", "B"]
    centres = layout.centres()
    assert centres["x"].tolist() == [0.0, 1.0]  # neighbours in a row are one unit apart
    # two hexes of different regions: their shared edge and the 10 outer edges are outlines
    assert len(layout.region_edges()) == 11


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (_doc({"A": {"q": 0, "r": 0}}, layout="hexagonal"), "layout 'hexagonal'"),
        (_doc({"A": {"q": "0", "r": 0}}), "hex A: 'q' must be an integer"),
        (
            _doc({"A": {"q": 0, "r": 0}, "B": {"q": 0, "r": 0}}),
            "hexes A and B are both at q=0, r=0",
        ),
        ("{not json", "not JSON"),
    ],
)
def test_malformed_hexjson_is_refused_with_the_hex_named(doc, message):
    with pytest.raises(HexJSONError, match=message):
        read_hexjson(doc, "bad.hexjson")


def test_recode_merge_and_split_keep_every_hex_with_a_note():
    layout = read_hexjson(
        _doc(
            {
                "OLD1": {"n": "Old one", "q": 0, "r": 0, "region": "R"},
                "M1": {"n": "Merged one", "q": 1, "r": 0, "region": "R"},
                "M2": {"n": "Merged two", "q": 2, "r": 0, "region": "R"},
                "S1": {"n": "Split", "q": 3, "r": 0, "region": "R"},
                "KEEP": {"n": "Unchanged", "q": 4, "r": 0, "region": "R"},
            }
        )
    )
    register = _register(
        Succession("OLD1", 2025, ("NEW1",)),
        Succession("M1", 2023, ("MERGED",)),
        Succession("M2", 2023, ("MERGED",)),
        Succession("S1", 2024, ("SA", "SB")),
    )
    out = harmonise(layout, register, 2025)
    assert len(out.hexes) == len(layout.hexes)  # never dropped
    assert list(out.hexes["code"]) == ["NEW1", "MERGED", "MERGED", "SA", "KEEP"]
    actions = {n["layout_code"]: n["action"] for n in out.notes}
    assert actions == {"OLD1": "recoded", "M1": "merged", "M2": "merged", "S1": "split"}
    assert reader_notes(out) == [
        "Old one is shown on its new area code.",
        "Merged one and Merged two show the area they merged into.",
        "Split shows the first of the areas it was split into.",
    ]
    # a code retired after the boundary year stays
    assert list(harmonise(layout, register, 2023).hexes["code"])[0] == "OLD1"


def test_pinned_layout_on_2025_boundaries_recodes_barnsley_and_sheffield(loader_2026):
    register = loader_2026.succession_register()
    layout = lad_layout(loader_2026.store, 2025, register)
    assert len(layout.hexes) == 361 and layout.hexes["code"].is_unique
    recoded = {n["layout_code"]: n["code"] for n in layout.notes}
    assert recoded == {"E08000016": "E08000038", "E08000019": "E08000039"}
    assert {n["action"] for n in layout.notes} == {"recoded"}
    # every lower-tier authority of the 2026 edition's panel has exactly one hex
    from levelup.data.geography import Geography

    geo = Geography(loader_2026.store, 2025, register)
    assert match_codes(layout, geo.hierarchy["lad_code"]) == {"missing": [], "unplaced": []}


def test_2021_layout_merges_cumbria_north_yorkshire_and_somerset(loader_2026, store):
    path = store.path(LAD_LAYOUT.replace("2023", "2021"))
    layout = read_layout_file(path)
    out = harmonise(layout, loader_2026.succession_register(), 2023)
    assert len(out.hexes) == 374  # no hex dropped
    merged = [n for n in out.notes if n["action"] == "merged"]
    assert {n["code"] for n in merged} >= {"E06000063", "E06000064", "E06000065", "E06000066"}
    on_map = set(out.hexes["code"])
    assert {"E06000063", "E06000065", "E06000066"} <= on_map
