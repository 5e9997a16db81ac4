import math

import pandas as pd
import pytest

from levelup.data.smc import SmcFormatError, ks2_england, read_ks2_england


def _raw(rows):
    columns = ["area_code", "primary_split_type", "primary_split_value", "time_period", "value"]
    return pd.DataFrame(
        [dict(zip(columns + ["sample_size"], r, strict=True)) for r in rows], dtype=str
    )


def test_the_cancelled_years_are_missing_not_zero():
    raw = _raw(
        [
            ("E92000001", "seb", "Total", "2018/19", "65", "644580"),
            ("E92000001", "seb", "Total", "2019/20", "0", "x"),
            ("E92000001", "seb", "Disadvantaged", "2018/19", "51", "200000"),
            ("E92000001", "seb", "Total", "2021/22", "59", "664182"),
        ]
    )
    out = ks2_england(raw)
    assert list(out["label"]) == ["2018/19", "2019/20", "2021/22"]
    assert list(out["period"]) == ["2018-09-01/P1Y", "2019-09-01/P1Y", "2021-09-01/P1Y"]
    assert out["value"].iat[0] == 65 and out["value"].iat[2] == 59
    assert math.isnan(out["value"].iat[1]) and math.isnan(out["pupils"].iat[1])


@pytest.mark.parametrize(
    "rows, message",
    [
        ([("E92000001", "seb", "Disadvantaged", "2018/19", "51", "1")], "no all-pupils rows"),
        (
            [
                ("E92000001", "seb", "Total", "2018/19", "65", "1"),
                ("E92000001", "seb", "Total", "2018/19", "64", "1"),
            ],
            "more than one",
        ),
    ],
)
def test_bad_files_are_refused(rows, message):
    with pytest.raises(SmcFormatError, match=message):
        ks2_england(_raw(rows))


def test_missing_columns_are_named():
    with pytest.raises(SmcFormatError, match="sample_size"):
        ks2_england(
            _raw([("E92000001", "seb", "Total", "2018/19", "65", "1")]).drop(columns="sample_size")
        )


def test_the_reprint_prints_62_for_2024_25_and_no_results_for_the_pandemic_years(store):
    out = read_ks2_england(store).set_index("label")
    assert out.loc["2024/25", "value"] == 62  # ELS (DfE revised release) gives 63
    assert out.loc["2018/19", "value"] == 65
    assert out.loc["2017/18", "value"] == 64
    assert out.loc[["2019/20", "2020/21"], "value"].isna().all()
    assert out["value"].notna().sum() == 8
