"""The published ConvergenceClubs example, reproduced to 4 decimals.

R package ConvergenceClubs 2.2.5 on its ``filteredGDP`` data (152 countries, 1970-2003, log GDP
per capita, HP-filtered with lambda = 400): ``findClubs(cstar = 0, HACmethod = "FQSB")`` and
``mergeClubs(mergeMethod = "PS")``; Sichera & Pizzuto (2019), The R Journal 11(2). The reference
files are read in place from ``../shared/reference/phillips-sul-example`` beside the repository
(GPL-3 example data, not copied into the project).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from levelup.stats import club_clustering, hp_filter_trend, log_t_test

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared/reference/phillips-sul-example"

pytestmark = pytest.mark.skipif(
    not (REFERENCE / "expected.json").exists(),
    reason=f"the ConvergenceClubs reference example is not at {REFERENCE} (shared/reference "
    "beside the repository)",
)

DECIMALS = 1e-4 / 2  # agreement to 4 decimals


@pytest.fixture(scope="module")
def expected() -> dict:
    return json.loads((REFERENCE / "expected.json").read_text())


@pytest.fixture(scope="module")
def filtered_gdp() -> pd.DataFrame:
    wide = pd.read_csv(REFERENCE / "filteredGDP.csv")
    long = wide.melt(id_vars="Countries", var_name="year", value_name="value")
    return pd.DataFrame(
        {
            "area_code": long["Countries"],
            "time": long["year"].str.removeprefix("Y").astype(float),
            "value": long["value"],
        }
    )


@pytest.fixture(scope="module")
def clubs(filtered_gdp):
    return club_clustering(filtered_gdp, take_log=False)


def assert_model(test, model: dict):
    assert test.estimate == pytest.approx(model["beta"], abs=DECIMALS)
    assert test.se == pytest.approx(model["std_err"], abs=DECIMALS)
    assert test.t_stat == pytest.approx(model["tvalue"], abs=DECIMALS)
    assert test.p_value == pytest.approx(model["pvalue"], abs=DECIMALS)


def test_overall_log_t(filtered_gdp, expected):
    res = log_t_test(filtered_gdp, take_log=False)
    assert_model(res, expected["overall"])
    assert res.n == 152 and res.n_periods == 34
    assert res.n_regression == 34 - 12 + 1  # t = round(34/3) + 1 = 12, ..., 34
    assert res.verdict == "convergence rejected"


def test_find_clubs_members_and_tests(clubs, expected):
    ref = expected["findClubs"]
    assert len(clubs.initial_clubs) == ref["n_clubs"] == 7
    for got, test, club in zip(
        clubs.initial_clubs, clubs.initial_club_tests, ref["clubs"], strict=True
    ):
        assert got == club["units"]  # members, in the package's order
        assert_model(test, club)
    assert clubs.cstars == [club["cstar"] for club in ref["clubs"]]


def test_merged_clubs(clubs, expected):
    ref = expected["mergeClubs_PS"]
    assert clubs.estimate == ref["n_clubs"] == 6
    assert clubs.divergent == ref["divergent"]["units"] == []
    for got, test, merged_from, club in zip(
        clubs.clubs, clubs.club_tests, clubs.merged_from, ref["clubs"], strict=True
    ):
        assert got == club["units"]
        assert_model(test, club)
        origin = club["merged_from"]
        origin = [origin] if isinstance(origin, str) else origin
        assert [f"club{k}" for k in merged_from] == origin


def test_merge_divergent_changes_nothing_without_divergent_units(filtered_gdp, clubs):
    res = club_clustering(filtered_gdp, take_log=False, merge_divergent=True)
    assert res.clubs == clubs.clubs and res.joined_from_divergent == []


def test_hp_filter_reproduces_filtered_gdp():
    """filteredGDP is mFilter::hpfilter(log(GDP), freq = 400)$trend, row by row."""
    gdp = pd.read_csv(REFERENCE / "GDP.csv").set_index("Countries")
    filtered = pd.read_csv(REFERENCE / "filteredGDP.csv").set_index("Countries")
    trend = hp_filter_trend(np.log(gdp.to_numpy(float)), 400)
    np.testing.assert_allclose(trend, filtered.loc[gdp.index].to_numpy(), atol=1e-9)


def test_paper_conventions_give_other_numbers(filtered_gdp, expected):
    """The alternatives are selectable and are not the package's numbers."""
    paper = log_t_test(filtered_gdp, take_log=False, r=0.3, start="floor", lrv="andrews")
    assert paper.n_regression == 34 - 10 + 1
    assert abs(paper.estimate - expected["overall"]["beta"]) > 1e-3
