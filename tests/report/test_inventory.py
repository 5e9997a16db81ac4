"""Tables of the report's inputs (data-sources chapter), from the real pins and load reports."""

from __future__ import annotations

import pandas as pd
import pytest

from levelup.data.load import LoadReport
from levelup.metrics.registry import Registry
from levelup.report import inventory as I


@pytest.fixture(scope="module")
def inputs_2026(loader_2026):
    return I.report_inputs(Registry().metrics, loader_2026.catalogue, "2026")


@pytest.fixture(scope="module")
def inputs_2025(loader_2025):
    return I.report_inputs(Registry().metrics, loader_2025.catalogue, "2025")


def test_report_inputs_follow_the_registry_and_its_edition_limits(inputs_2026, inputs_2025):
    for inputs in (inputs_2026, inputs_2025):
        assert "els/healthy-life-expectancy" in inputs.datasets  # data
        assert "els-history/gigabit-capable-broadband" in inputs.datasets  # dataset override
        assert "curated/dwelling-stock-by-tenure" in inputs.datasets  # input of a derivation
        assert "curated/fe-skills-19plus-england" in inputs.datasets  # a target's series
        assert "sdg/smoking-prevalence" in inputs.datasets  # a labelled proxy
        assert "curated/devolution_constituent_councils.csv" in inputs.files  # loose pin
    # first-time buyer mortgage sales are published from the 2026 vintage only
    assert "els/first-time-buyer-mortgage-sales" in inputs_2026.datasets
    assert "els/first-time-buyer-mortgage-sales" not in inputs_2025.datasets
    # a dataset's own files are not listed again as loose files
    assert "population/mye_uk_mid2011_mid2022_2023geog.csv" not in inputs_2026.files
    assert inputs_2026.datasets == sorted(set(inputs_2026.datasets))


def test_sources_table_names_publisher_licence_and_pin(loader_2026, inputs_2026):
    table = I.sources_table(loader_2026, inputs_2026)
    assert len(table) <= len(inputs_2026.datasets) + len(inputs_2026.files)
    assert table["files"].sum() >= len(inputs_2026.files)
    official = table["dataset"].isin(
        [loader_2026.datasets()[d].title for d in inputs_2026.datasets if d.startswith("els")]
    )
    assert (table.loc[official, "licence"] == "OGL v3.0").all()
    # licences, publishers and titles of copies in the mirror are named in words, never by a path
    for column in ("dataset", "publisher", "licence"):
        assert not table[column].str.contains("SOURCES.md|sha256|git blob").any(), column
    pfa = table[table["dataset"].str.startswith("ONS, Police force area data tables")]
    assert len(pfa) == 1 and pfa["files"].iat[0] == 9  # the tidy P1 table and 8 workbooks
    assert I.licence_text("see curated/SOURCES.md (rai_country_2021)") == I.LICENCE_IN_NOTES
    assert I.licence_text("OGL v3", short=True) == "OGL v3.0"
    rows = dict(zip(inputs_2026.datasets, table.itertuples(index=False), strict=False))
    # the Eurostat patent counts carry Eurostat's own reuse terms, in words
    assert (
        rows["curated/epo-patents"].licence
        == "Eurostat copyright notice: reuse with acknowledgement"
    )
    hle = rows["els/healthy-life-expectancy"]
    assert hle.dataset == loader_2026.datasets()["els/healthy-life-expectancy"].title
    assert hle[5] == "ONSdigital/explore-local-statistics-data @ 4972c588"  # pinned as
    assert hle.vintage == "2026-06-26" and hle.files == 1
    history = rows["els-history/network-coverage-4g"]
    assert history.vintage.endswith("2026-05-19") and "versions" in history.vintage
    assert "each version at its own commit" in history[5]
    assert "|" not in "".join(table["publisher"])  # several publishers are joined with "; "
    assert rows["curated/ehs-non-decent-homes"][5] == "transcription held in the data mirror"
    assert "Open Government Licence v3.0" in I.licence_names(I.pins_read(loader_2026, inputs_2026))
    collections = I.collections_table(loader_2026, inputs_2026)
    assert collections["files"].sum() == len(I.pins_read(loader_2026, inputs_2026))


def test_corrections_say_whether_they_applied(loader_2025, loader_2026):
    loader_2025.load("els/preventable-cardiovascular-mortality-ni")
    table = I.corrections_table(loader_2025.catalogue, loader_2025.reports)
    ni = table[table["dataset"] == "els/preventable-cardiovascular-mortality-ni"].iloc[0]
    assert ni["in this edition"] == "applied" and ni["action"] == "interval set to unknown"
    # the 2026 vintage publishes a different file: the correction is inert there
    loader_2026.load("els/preventable-cardiovascular-mortality-ni")
    table = I.corrections_table(loader_2026.catalogue, loader_2026.reports)
    ni = table[table["dataset"] == "els/preventable-cardiovascular-mortality-ni"].iloc[0]
    assert ni["in this edition"] == "file not read in this edition"


def test_boundary_table_sums_the_load_reports():
    reports = {
        "a": LoadReport(
            "a",
            boundaries=[
                {
                    "dataset_id": "a",
                    "area_code": "E1",
                    "area_name": "x",
                    "action": "recoded",
                    "successors": "E9",
                    "n_rows": 3,
                    "periods": "",
                },
                {
                    "dataset_id": "a",
                    "area_code": "E2",
                    "area_name": "y",
                    "action": "superseded",
                    "successors": "E8",
                    "n_rows": 2,
                    "periods": "",
                },
                {
                    "dataset_id": "a",
                    "area_code": "E2",
                    "area_name": "y",
                    "action": "unmapped",
                    "successors": "E8",
                    "n_rows": 1,
                    "periods": "",
                },
            ],
        ),
        "b": LoadReport("b"),
    }
    table = I.boundary_table(reports).set_index("dataset")
    assert list(table.index) == ["a"]
    row = table.loc["a"]
    assert (row["rows recoded"], row["rows superseded"], row["rows unmapped"]) == (3, 2, 1)
    assert row["old areas"] == 2 and row["areas lost in some period"] == 1
    assert I.boundary_table({"b": LoadReport("b")}).empty


def test_boundary_table_on_real_data_matches_the_report(loader_2026):
    loader_2026.load("els/personal-wellbeing-estimates")
    rows = I.boundary_rows({"w": loader_2026.reports["els/personal-wellbeing-estimates"]})
    table = I.boundary_table({"w": loader_2026.reports["els/personal-wellbeing-estimates"]})
    assert (
        table[["rows recoded", "rows superseded", "rows unmapped"]].to_numpy().sum()
        == rows["n_rows"].sum()
    )


def test_curated_rows_by_status(loader_2026, inputs_2026):
    table = I.curated_table(loader_2026, inputs_2026).set_index("dataset")
    assert set(table.index) == {d for d in inputs_2026.datasets if d.startswith("curated/")}
    assert (table["published"] + table["secondary"] + table["provisional"] >= table["rows"]).all()
    # GERD by region was read from a secondary report (curated/SOURCES.md)
    assert table.loc["curated/rd-expenditure-regional", "secondary"] > 0


def test_crosswalk_classifies_what_changed(loader_2026):
    catalogue = loader_2026.catalogue
    assert I.crosswalk_vintages(catalogue) == ["2025-06-24"]
    table = I.crosswalk_table(catalogue, "2025-06-24").set_index("folder in this vintage")
    assert table.loc["cigarette-smokers", "change"] == "definition changed"
    assert table.loc["4g-coverage", "change"] == "folder renamed"
    assert table.loc["4g-coverage", "current dataset"] == "network-coverage-4g"
    assert table.loc["active-enterprises", "change"] == "absorbed into another dataset"
    assert table.loc["schools-and-nursery-schools-rated-good-or-outstanding", "change"] == (
        "dropped from the later vintage"
    )
    assert list(pd.unique(table["change"])) == [
        k for k in I.CHANGE_KINDS if k in set(table["change"])
    ]
    assert I.crosswalk_table(catalogue, "2026-06-26").empty


def test_editions_table_names_each_vintage(loader_2026):
    table = I.editions_table(loader_2026.catalogue).set_index("edition")
    assert table.loc["2026", "Explore Local Statistics"] == "2026-06-26 (commit 4972c588)"
    assert table.loc["2025", "Explore Local Statistics"] == "2025-06-24 (commit d60c61aa)"
    assert table.loc["2025", "local authority boundaries"] == "April 2023"
    assert table.loc["2025", "dwelling stock (Live Table 104)"] == "published 2025-05-22"
