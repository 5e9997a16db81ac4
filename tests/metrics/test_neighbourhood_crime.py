"""Police-recorded neighbourhood crime by force (ONS police force area tables, 2018-2019): the
readers on hand-made malformed files and the rates on the real tables, checked against the rates
ONS printed in Table P3."""

import openpyxl
import pandas as pd
import pytest

from levelup.data import pfa_crime_tables as T
from levelup.metrics import neighbourhood_crime as N


def _p1(tmp_path, rows, columns=T.P1_COLUMNS):
    path = tmp_path / "p1.csv"
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path


GOOD = ["2019-12", "2019-01-01/P1Y", "f.xlsx", "E23000001", "Met", "Robbery", "Robbery", "10", "10"]


def test_p1_reads_counts_and_missing_cells(tmp_path):
    missing = [*GOOD[:3], "E23000005", "Greater Manchester", "Robbery", "Robbery", "", ".."]
    frame = T.read_p1_counts(_p1(tmp_path, [GOOD, missing]))
    assert frame["value"].iat[0] == 10 and pd.isna(frame["value"].iat[1])


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ([*GOOD[:7], "ten", "ten"], "Met Robbery \\(2019-12\\) has value 'ten'"),
        (["2019-13", *GOOD[1:]], "period_end must be YYYY-MM, found '2019-13'"),
        ([*GOOD[:7], "-4", "-4"], "negative counts"),
    ],
)
def test_malformed_p1_is_refused(tmp_path, row, message):
    with pytest.raises(T.PfaTableError, match=message):
        T.read_p1_counts(_p1(tmp_path, [row]))


def test_p1_with_a_duplicate_or_missing_column_is_refused(tmp_path):
    with pytest.raises(T.PfaTableError, match="two values for Met Robbery"):
        T.read_p1_counts(_p1(tmp_path, [GOOD, GOOD]))
    with pytest.raises(T.PfaTableError, match="missing column\\(s\\) value_as_published"):
        T.read_p1_counts(_p1(tmp_path, [GOOD[:-1]], columns=T.P1_COLUMNS[:-1]))


def _p3(tmp_path, rows, sheet="Table P3"):
    workbook = openpyxl.Workbook()
    ws = workbook.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    path = tmp_path / "p3.xlsx"
    workbook.save(path)
    return path


HEADER = [
    "Area Code",
    "Area Name",
    "Population figures\n (mid-2018)3  rounded to 100",
    "Households",
]


def test_p3_reads_population_and_year(tmp_path):
    path = _p3(
        tmp_path,
        [
            ["Table P3"],
            HEADER,
            [None, None, "Rate"],
            ["E23000001", "Met9,10", 8000000, 1],
            ["E23000005", "GM", "..", 1],
            ["Source"],
        ],
    )
    p3 = T.read_p3_population(path)
    assert p3["areacd"].tolist() == ["E23000001", "E23000005"]
    assert p3["areanm"].iat[0] == "Met" and p3["population"].iat[0] == 8_000_000
    assert pd.isna(p3["population"].iat[1]) and (p3["population_year"] == 2018).all()


@pytest.mark.parametrize(
    ("rows", "sheet", "message"),
    [
        ([HEADER], "Table P1", "no 'Table P3' sheet \\(sheets: Table P1\\)"),
        ([["Code"]], "Table P3", "no 'Area Code' header row"),
        ([["Area Code", "Area Name", "Rate"]], "Table P3", "no 'Population figures' column"),
        ([["Area Code", "Area Name", "Population"]], "Table P3", "names no mid-year"),
        ([HEADER, ["E23000001", "Met", "8m"]], "Table P3", "population of E23000001 is '8m'"),
        ([HEADER, ["Source"]], "Table P3", "no rows with an area code"),
    ],
)
def test_malformed_p3_is_refused(tmp_path, rows, sheet, message):
    with pytest.raises(T.PfaTableError, match=message):
        T.read_p3_population(_p3(tmp_path, rows, sheet))


def test_neighbourhood_crime_sums_the_four_components():
    counts = pd.DataFrame(
        {
            "period_end": "2019-03",
            "period": "2018-04-01/P1Y",
            "areacd": ["A"] * 5 + ["B"] * 4,
            "areanm": ["a"] * 5 + ["b"] * 4,
            "offence": [*N.COMPONENTS, "Homicide", *N.COMPONENTS],
            "value": [1.0, 2.0, 3.0, 4.0, 99.0, 1.0, float("nan"), 1.0, 1.0],
        }
    )
    pops = pd.DataFrame(
        {
            "period_end": "2019-03",
            "areacd": ["A", "B"],
            "population": [1000.0, 10.0],
            "population_year": 2017,
        }
    )
    out = N.neighbourhood_crime(counts, pops).set_index("areacd")
    assert out.at["A", "count"] == 10 and out.at["A", "rate"] == pytest.approx(10.0)
    assert pd.isna(out.at["B", "count"])  # one component not published
    with pytest.raises(T.PfaTableError, match="no Table P3 population for a"):
        N.neighbourhood_crime(counts, pops[pops["areacd"] == "B"])
    with pytest.raises(T.PfaTableError, match="no column\\(s\\) Robbery"):
        N.neighbourhood_crime(counts[counts["offence"] != "Robbery"], pops)


def test_real_rates_match_the_rates_ons_printed(store):
    """Total recorded crime over the P3 population reproduces P3's published rate per 1,000, so
    the populations are read from the right rows; the neighbourhood rates are plausible."""
    counts = T.read_p1_counts(store.path(T.P1_COUNTS))
    path = store.path(f"{T.FOLDER}/pfatablesdec19.xlsx")
    p3 = T.read_p3_population(path).set_index("areacd")
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    printed = {
        r[0]: r[5] for r in wb["Table P3"].iter_rows(values_only=True) if r and r[0] == "E23000014"
    }
    total = counts[
        (counts["period_end"] == "2019-12")
        & (counts["areacd"] == "E23000014")
        & (counts["offence"] == "Total recorded crime (excluding fraud)")
    ]["value"].iat[0]
    population = p3.at["E23000014", "population"]
    # P3 prints the population rounded to 100, ONS divided by the unrounded one
    assert 1000 * total / population == pytest.approx(printed["E23000014"], rel=50 / population)
    frame = N.load(store)
    assert frame["period_end"].nunique() == 8
    gm = frame[frame["areacd"] == "E23000005"].set_index("period_end")["count"]
    assert gm[["2019-09", "2019-12"]].isna().all() and gm.drop(["2019-09", "2019-12"]).notna().all()
    pair = N.compare(frame, "2018-03", "2019-03", "E23|W15")
    assert len(pair) == 43 and pair.attrs["dropped"] == []
    ew = frame[(frame["areacd"] == "K04000001") & (frame["period_end"] == "2019-03")]
    assert 10 < ew["rate"].iat[0] < 25


def test_year_ending_label():
    assert N.year_ending("2019-03") == "year ending March 2019"
    assert N.year_ending("2018-12") == "year ending December 2018"
