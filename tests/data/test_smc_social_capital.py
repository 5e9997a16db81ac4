"""SMC State of the Nation social capital files (DR41 civic participation, DR42 trust): real files,
the inferred regional periods checked against England's figures, and malformed hand-made files."""

import pandas as pd
import pytest

from levelup.data import smc_social_capital as S

DR41_HEADER = "Ind_code,Ind_name,Area_type,Area_code,Area_name,Time_period,SEB,Age,Sex,Category_type,Category,Value,Sample_size,LCI,UCI,SE,Unit,Value_note"


def _write(tmp_path, text, name="f.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_real_england_and_regions(store):
    england = S.read_civic_participation_england(store.path(S.CIVIC_ENGLAND))
    assert england["period"].tolist()[0] == "2013-04-01/P1Y" and len(england) == 8
    assert england["value"].iat[0] == pytest.approx(38.56, abs=0.01)
    assert england["lower_ci"].notna().sum() == 2  # intervals for 2019/20 and 2020/21 only
    regions = S.read_civic_participation_regions(store.path(S.CIVIC_REGIONS))
    assert regions["area_code"].nunique() == 9 and len(regions) == 72
    assert set(regions["period"]) == set(england["period"])


def test_regional_years_are_survey_years_ending_in_that_year(store, loader_2026):
    """Reading the regional '2014' as 2013/14 is an inference: the population-weighted mean of the
    nine regions must match England's figure for the same survey year better than the year after."""
    from levelup.data.geography import Geography

    england = S.read_civic_participation_england(store.path(S.CIVIC_ENGLAND)).set_index("period")
    regions = S.read_civic_participation_regions(store.path(S.CIVIC_REGIONS))
    geo = Geography(store, 2025, loader_2026.succession_register())
    population = geo.hierarchy.assign(p=geo.hierarchy["lad_code"].map(geo.population_weights(2022)))
    weights = population.groupby("region_code")["p"].sum()
    regions["w"] = regions["area_code"].map(weights)
    regions["vw"] = regions["value"] * regions["w"]
    sums = regions.groupby("period")[["vw", "w"]].sum()
    mean = sums["vw"] / sums["w"]
    same = (mean - england["value"]).abs()
    periods = sorted(mean.index)
    shifted = [
        abs(mean[a] - england.at[b, "value"]) for a, b in zip(periods, periods[1:], strict=False)
    ]
    assert same.max() < 1.5  # same survey year: within survey and weighting noise
    assert sum(shifted) / len(shifted) > 2 * same.mean()


def test_real_trust_drops_repeated_rows(store):
    trust = S.read_trust(store.path(S.TRUST))
    assert set(trust["question"]) == {"Trust", "Fairness", "Helpfulness"}
    assert trust["year"].min() == 2002 and trust["year"].max() == 2023
    assert not trust.duplicated(["question", "year"]).any()
    assert trust["value"].between(0, 10).all()


@pytest.mark.parametrize(
    ("rows", "reader", "message"),
    [
        (
            [
                "DR41,Civic,National,E92000001,England,2013-14,NA,A,T,NA,NA,38,NA,NA,NA,NA,Percent,NA"
            ],
            "england",
            "is not a survey year",
        ),
        (
            [
                "DR41,Civic,National,E92000001,England,2013/14,NA,A,T,NA,NA,abc,NA,NA,NA,NA,Percent,NA"
            ],
            "england",
            "Value 'abc' is not a number",
        ),
        (
            [
                "DR41,Civic,National,E92000001,England,2013/14,NA,A,T,NA,NA,138,NA,NA,NA,NA,Percent,NA"
            ],
            "england",
            "outside 0-100",
        ),
        (
            ["DR41,Civic,ITL1,NA,Northern Powerhouse,2014,NA,A,T,NA,NA,38,NA,NA,NA,NA,Percent,NA"],
            "regions",
            "unknown region name\\(s\\) Northern Powerhouse",
        ),
        (
            ["DR41,Civic,ITL1,NA,London,2013/14,NA,A,T,NA,NA,38,NA,NA,NA,NA,Percent,NA"],
            "regions",
            "is not a year YYYY",
        ),
        (
            [
                "DR41,Civic,ITL1,NA,London,2014,NA,A,T,NA,NA,38,NA,NA,NA,NA,Percent,NA",
                "DR41,Civic,ITL1,NA,London,2014,NA,A,T,NA,NA,39,NA,NA,NA,NA,Percent,NA",
            ],
            "regions",
            "two values for London 2013-04-01/P1Y",
        ),
    ],
)
def test_malformed_dr41_is_refused(tmp_path, rows, reader, message):
    path = _write(tmp_path, "\n".join([DR41_HEADER, *rows]) + "\n")
    read = (
        S.read_civic_participation_england
        if reader == "england"
        else S.read_civic_participation_regions
    )
    with pytest.raises(S.SmcFileError, match=message):
        read(path)


def test_dr41_without_columns_or_rows_is_refused(tmp_path):
    with pytest.raises(S.SmcFileError, match="missing column\\(s\\) Ind_code"):
        S.read_civic_participation_england(_write(tmp_path, "a,b\n1,2\n"))
    with pytest.raises(S.SmcFileError, match="no rows"):
        S.read_civic_participation_england(_write(tmp_path, DR41_HEADER + "\n"))


DR42_HEADER = "area_code,primary_split_value,time_period,value,lci,uci,sample_size"


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["K02000001,Happiness,2002,5,4,6,100"], "unexpected question\\(s\\) Happiness"),
        (["K02000001,Trust,2002,11,4,6,100"], "outside 0-10"),
        (["K02000001,Trust,2002/03,5,4,6,100"], "time_period must be a year"),
        (
            ["K02000001,Trust,2002,5,4,6,100", "K02000001,Trust,2002,5.5,4,6,100"],
            "two different values for Trust 2002",
        ),
    ],
)
def test_malformed_dr42_is_refused(tmp_path, rows, message):
    with pytest.raises(S.SmcFileError, match=message):
        S.read_trust(_write(tmp_path, "\n".join([DR42_HEADER, *rows]) + "\n"))


def test_dr42_repeated_identical_rows_are_read_once(tmp_path):
    row = "K02000001,Trust,2002,5,4,6,100"
    trust = S.read_trust(_write(tmp_path, "\n".join([DR42_HEADER, row, row]) + "\n"))
    assert len(trust) == 1 and trust["period"].iat[0] == "2002-01-01/P1Y"
    assert isinstance(trust, pd.DataFrame)
