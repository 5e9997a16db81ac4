"""The ONS generator reader: the pinned GDP deflator and malformed files."""

from __future__ import annotations

import pytest

from levelup.data.deflators import DeflatorFormatError, gdp_deflator, read_ons_generator_series

HEADER = (
    '"Title","Gross domestic product at market prices:Implied deflator:SA"\n'
    '"CDID","YBGB"\n"Source dataset ID","UKEA"\n"PreUnit","£"\n"Unit","m"\n'
    '"Release date","30-06-2025"\n"Next release","30 September 2025"\n"Important notes",\n'
)


def write(tmp_path, body: str, header: str = HEADER):
    path = tmp_path / "series.csv"
    path.write_text(header + body, encoding="utf-8")
    return path


def test_reads_annual_and_quarterly_blocks(tmp_path):
    index = read_ons_generator_series(
        write(tmp_path, '"2021","94.8"\n"2022","100.0"\n"2022 Q1","97.0"\n"2022 Q2","99.5"\n')
    )
    assert index.cdid == "YBGB"
    assert index.annual.to_dict() == {2021: 94.8, 2022: 100.0}
    assert index.quarterly.to_dict() == {(2022, 1): 97.0, (2022, 2): 99.5}
    assert index.base_year == 2022 and index.last_complete_year == 2022
    assert index.description.endswith("(YBGB, released 30 June 2025)")


@pytest.mark.parametrize(
    ("body", "header", "problem"),
    [
        ('"2022","100"\n', '"Title","x"\n"CDID","YBGB"\n', "metadata lines"),
        ('"2022","100"\n', HEADER.replace('"Unit","m"', '"Units","m"'), "should be 'Unit'"),
        ('"2022","abc"\n', HEADER, "is not a number"),
        ('"2022","-1"\n', HEADER, "not positive"),
        ('"2022/23","100"\n', HEADER, "is not a year"),
        ('"2022","100"\n"2022","101"\n', HEADER, "appears twice"),
        ('"2022 Q1","100"\n"2022","101"\n', HEADER, "comes after a later block"),
        ('"2022 Q1","100"\n', HEADER, "no annual values"),
        ('"2022","100","x"\n', HEADER, "expected 2 columns"),
    ],
)
def test_malformed_files_raise_a_specific_error(tmp_path, body, header, problem):
    with pytest.raises(DeflatorFormatError, match=problem) as caught:
        read_ons_generator_series(write(tmp_path, body, header))
    assert "series.csv, line" in str(caught.value)


def test_pinned_gdp_deflator(store):
    """The pinned vintage as SOURCES.md describes it: 2022 = 100, annual to 2024, quarters to 2025 Q1."""
    index = gdp_deflator(store)
    assert index.base_year == 2022
    assert index.last_complete_year == 2024
    assert index.quarterly.index.max() == (2025, 1)
    assert index.annual[2019] == 90.3 and index.annual[2024] == 111.2
    assert index.quarterly[(2020, 2)] == 98.8
    assert index.release_date == "30-06-2025"
