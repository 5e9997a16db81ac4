"""The reconciled devolution register: ONS's combined authority layer, the curated register and
the reviewed supplement, on the real files and on small hand-made malformed ones."""

import json

import pandas as pd
import pytest

from levelup.data import devolution_register as R


def _topo(tmp_path, layer):
    path = tmp_path / "topo.json"
    path.write_text(json.dumps({"type": "Topology", "objects": layer}), encoding="utf-8")
    return path


def test_cauth_layer_reads_years(tmp_path):
    path = _topo(
        tmp_path,
        {
            "cauth": {
                "geometries": [
                    {"properties": {"areacd": "E47000001", "areanm": "Greater Manchester"}},
                    {"properties": {"areacd": "E47000017", "areanm": "X", "start": 2025}},
                ]
            }
        },
    )
    layer = R.read_cauth_layer(path)
    assert layer["code"].tolist() == ["E47000001", "E47000017"]
    assert pd.isna(layer["start"].iat[0]) and layer["start"].iat[1] == 2025


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        (json.dumps({"type": "Topology"}), "no 'objects'"),
        (json.dumps({"objects": {"rgn": {}}}), "no 'cauth' layer \\(layers: rgn\\)"),
        (json.dumps({"objects": {"cauth": {"geometries": []}}}), "has no areas"),
        (
            json.dumps({"objects": {"cauth": {"geometries": [{"properties": {"areanm": "A"}}]}}}),
            "geometry 0 has no areacd",
        ),
        (
            json.dumps(
                {
                    "objects": {
                        "cauth": {
                            "geometries": [
                                {"properties": {"areacd": "E1", "areanm": "A", "start": "2025"}}
                            ]
                        }
                    }
                }
            ),
            "non-integer 'start'",
        ),
    ],
)
def test_malformed_topojson_is_refused(tmp_path, content, message):
    path = tmp_path / "topo.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(R.RegisterError, match=message):
        R.read_cauth_layer(path)


def _supplement(tmp_path, rows, columns=R.SUPPLEMENT_COLUMNS):
    path = tmp_path / "supplement.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["E1", "A", "maybe", "code", "E1", "x", "y"], "'mayoral' must be yes or no"),
        (["E1", "A", "yes", "abolished", "2024", "x", "y"], "'field' must be one of"),
        (["E1", "A", "yes", "first_mayor", "May 2025", "x", "y"], "is not a year"),
        (["E1", "A", "yes", "first_mayor", "2025-13", "x", "y"], "is not a year"),
        (["E1", "A", "no", "", "", "x", ""], "without a source: E1"),
    ],
)
def test_malformed_supplement_is_refused(tmp_path, row, message):
    with pytest.raises(R.RegisterError, match=message):
        R.read_supplement(_supplement(tmp_path, [row]))


def test_supplement_without_a_column_is_refused(tmp_path):
    path = _supplement(tmp_path, [["E1", "A"]], columns=["code", "name"])
    with pytest.raises(R.RegisterError, match="missing column\\(s\\) mayoral"):
        R.read_supplement(path)


def _register():
    return pd.DataFrame(
        {
            "cauthcd": ["E47000001", "", "", "E47000017"],
            "cauthnm": ["GM", "NE", "Greater London Authority", "GL"],
            "established": ["2011-04-01", "2024-05-07", None, None],
            "first_mayor": ["2017-05-04", "2024-05", "2000", None],
            "established_status": ["Published", "Published", "Not found", "Not found"],
            "first_mayor_status": ["Secondary", "Secondary", "Secondary", "Not found"],
        }
    )


def _hand_supplement():
    return pd.DataFrame(
        [
            ["", "NE", "yes", "code", "E47000014", "ONS boundary files", "s"],
            ["E47000017", "GL", "yes", "first_mayor", "2025-05-01", "secondary", "s"],
            ["E47000017", "GL", "yes", "established", "2025", "ONS boundary files", "s"],
            ["E47000001", "GM", "yes", "first_mayor", "1999-01-01", "secondary", "s"],
            ["E47000015", "Devon", "no", "", "", "secondary", "non-mayoral"],
        ],
        columns=R.SUPPLEMENT_COLUMNS,
    )


def test_supplement_fills_blanks_only_and_records_sources():
    out = R.apply_supplement(_register(), _hand_supplement()).set_index("cauthnm")
    assert out.at["NE", "cauthcd"] == "E47000014"
    assert out.at["GL", "first_mayor"] == "2025-05-01"
    assert out.at["GL", "first_mayor_source"] == "secondary"
    assert out.at["GL", "established_source"] == "ONS boundary files (year only)"
    # a date the register has is never overwritten
    assert out.at["GM", "first_mayor"] == "2017-05-04"
    assert out.at["GM", "established_source"] == "legislation"
    assert out.at["NE", "first_mayor_source"] == "secondary (month only)"
    assert out.at["Greater London Authority", "first_mayor_source"] == "secondary (year only)"


def test_supplement_naming_an_unknown_authority_is_refused():
    bad = _hand_supplement()
    bad.loc[0, "name"] = "Nowhere"
    with pytest.raises(R.RegisterError, match="'Nowhere', which is not an authority"):
        R.apply_supplement(_register(), bad)


def test_reconcile_flags_an_unexplained_area():
    register = R.apply_supplement(_register(), _hand_supplement())
    layer = pd.DataFrame(
        {
            "code": ["E47000001", "E47000014", "E47000017", "E47000015"],
            "name": ["GM", "NE", "GL", "Devon"],
            "start": pd.array([None, 2024, 2025, 2025], dtype="Int64"),
            "end": pd.array([None, None, None, None], dtype="Int64"),
        }
    )
    table = R.reconcile(register, layer, _hand_supplement()).set_index("code")
    assert table.at["E47000015", "mayoral"] is False or not table.at["E47000015", "mayoral"]
    assert table.at["E47000017", "ons_years"] == "from 2025"
    assert table.at["E47000001", "ons_years"] == "all years"
    assert "Greater London Authority" in set(table["name"])
    extra = pd.concat(
        [
            layer,
            pd.DataFrame({"code": ["E47000099"], "name": ["New"], "start": [2026], "end": [None]}),
        ]
    )
    with pytest.raises(R.RegisterError, match="E47000099 \\(New, from 2026\\) is neither"):
        R.reconcile(register, extra, _hand_supplement())
    with pytest.raises(R.RegisterError, match="'GL' has code 'E47000017'"):
        R.reconcile(register, layer[layer["code"] != "E47000017"], _hand_supplement())


def test_real_layer_reconciles_with_the_register(loader_2026):
    """Every area in ONS's boundary files is accounted for; Greater Lincolnshire and the North
    East are in the register with codes and dates; the non-mayoral authorities are not counted."""
    from levelup.metrics import devolution

    table = devolution.reconciliation(loader_2026).set_index("code")
    assert table.at["E47000017", "mayoral"] and table.at["E47000014", "mayoral"]
    assert not table.loc[["E47000015", "E47000018", "E47000010", "E47000005"], "mayoral"].any()
    layer = R.read_cauth_layer(loader_2026.store.path(R.TOPOJSON))
    assert set(layer["code"]) <= set(table.index)
    assert len(layer) == 20
    mayors = devolution.mayoral_authorities(loader_2026).set_index("authority")
    lincs = mayors.loc["Greater Lincolnshire Combined County Authority"]
    assert lincs["first_mayor"] == "2025-05-01" and lincs["first_mayor_source"] == "secondary"
    assert lincs["established_source"] == "ONS boundary files (year only)"
    assert mayors.at["North East Mayoral Combined Authority", "code"] == "E47000014"
