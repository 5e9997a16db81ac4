"""Regional Authority Index and Local Autonomy Index readers: the real files and hand-made
malformed ones."""

import pytest

from levelup.data import authority_indices as I

RAI_HEADER = (
    "cowcode,iso3166,country_ID,country_name,abbr_country,year,n_instdepth,n_policyautonomy,"
    "n_fiscalautonomy,n_borrowautonomy,n_representation,n_lawmaking,n_execcontrol,n_fiscalcontrol,"
    "n_borrowcontrol,n_constitutional,n_selfrule,n_sharedrule,n_RAI,COMPONENTS,n_representation,"
    "n_assembly,n_executive,n_lawmaking"
)


def _rai_row(code="GBR", year="2018", self_rule="8.48", shared="1.11", rai="9.59"):
    values = ["200", "826", "41", "United Kingdom", code, year] + ["0"] * 10
    return ",".join([*values, self_rule, shared, rai, "", "0", "0", "0", "0"])


def _write(tmp_path, lines, name="f.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_real_rai_uk(store):
    rai = I.read_rai_country(store.path(I.RAI_FILE))
    uk = rai[rai["code"] == "GBR"].set_index("year")
    assert len(uk) == 69 and uk.index.min() == 1950 and uk.index.max() == 2018
    # devolution to Scotland, Wales and Northern Ireland (1999) more than doubles the score
    assert uk.at[1997, "rai"] == pytest.approx(5.53) and uk.at[1999, "rai"] == pytest.approx(10.52)
    assert uk.at[2018, "rai"] == pytest.approx(9.59)
    assert rai.attrs["identity_mismatches"] == ["IND 1970", "IND 2018"]


def test_real_lai_uk(store):
    lai = I.read_lai(store.path(I.LAI_FILE))
    uk = lai[lai["code"] == "GBR"].set_index("year")["lai"]
    assert uk.to_dict() == pytest.approx({1990: 45.89, 2000: 45.87, 2010: 44.72, 2014: 44.71})
    assert lai["code"].nunique() == 39


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([RAI_HEADER.replace("n_RAI", "rai")], "column 19 should be 'n_RAI', found 'rai'"),
        ([RAI_HEADER, _rai_row(year="2018a")], "line 2 is not a country-year"),
        (
            [RAI_HEADER, _rai_row(rai="19.59")],
            "RAI 19.59 is not self-rule 8.48 \\+ shared rule 1.11",
        ),
        ([RAI_HEADER, _rai_row(), _rai_row()], "two rows for GBR 2018"),
        ([], "empty file"),
    ],
)
def test_malformed_rai_is_refused(tmp_path, lines, message):
    path = tmp_path / "rai.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(I.IndexFileError, match=message):
        I.read_rai_country(path)


def test_rai_rounding_gap_is_listed_not_refused(tmp_path):
    rai = I.read_rai_country(_write(tmp_path, [RAI_HEADER, _rai_row(rai="9.66")]))
    assert rai.attrs["identity_mismatches"] == ["GBR 2018"]


LAI_HEADER = (
    "country_name,country_code,municipalities_no_2014,D_LAI_1990,D_LAI_2000,D_LAI_2010,D_LAI_2014"
)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["country_name,country_code,D_LAI_1990", "UK,GBR,45"], "missing column\\(s\\) D_LAI_2000"),
        ([LAI_HEADER, "UK,GBR,400,45,46,x,44"], "GBR D_LAI_2010 score 'x' is not a number"),
        ([LAI_HEADER, "UK,GBR,400,45,46,101,44"], "GBR D_LAI_2010 score '101'"),
    ],
)
def test_malformed_lai_is_refused(tmp_path, lines, message):
    with pytest.raises(I.IndexFileError, match=message):
        I.read_lai(_write(tmp_path, lines))


def test_lai_with_bom_reads(tmp_path):
    path = tmp_path / "lai.csv"
    path.write_text("\ufeff" + LAI_HEADER + "\nUK,GBR,400,45,46,44,44\n", encoding="utf-8")
    lai = I.read_lai(path)
    assert lai["year"].tolist() == [1990, 2000, 2010, 2014] and lai["lai"].iat[0] == 45
