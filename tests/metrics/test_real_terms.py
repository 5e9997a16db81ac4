"""Real terms: cash × D(base) / D(t), checked by hand on the pinned GDP deflator's values."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from levelup.data.deflators import PriceIndex
from levelup.metrics.real_terms import (
    RealTermsError,
    index_for_period,
    real_unit,
    to_real_terms,
)

# values of the pinned YBGB vintage (2022 = 100)
INDEX = PriceIndex(
    cdid="YBGB",
    title="GDP deflator",
    release_date="30-06-2025",
    annual=pd.Series({2019: 90.3, 2020: 94.8, 2022: 100.0, 2024: 111.2}),
    quarterly=pd.Series(
        {
            (2020, 2): 98.8,
            (2020, 3): 94.9,
            (2020, 4): 94.3,
            (2021, 1): 95.3,
            (2024, 2): 110.1,
            (2025, 1): 112.9,
        }
    ),
)


def rows(*specs):
    out = []
    for period, start, end, ptype, value, unit in specs:
        out.append(
            {
                "area_code": "K02000001",
                "period": period,
                "period_start": pd.Timestamp(start),
                "period_end": pd.Timestamp(end),
                "period_type": ptype,
                "value": value,
                "lower_ci": value - 10,
                "upper_ci": value + 10,
                "unit": unit,
            }
        )
    return pd.DataFrame(out)


def test_calendar_financial_and_point_periods_by_hand():
    frame = rows(
        ("2019-01-01/P1Y", "2019-01-01", "2019-12-31", "calendar_year", 100.0, "£ per head"),
        ("2020-04-01/P1Y", "2020-04-01", "2021-03-31", "financial_year", 100.0, "£ million"),
        ("2024-04-30", "2024-04-30", "2024-04-30", "point", 100.0, "£"),
    )
    real = to_real_terms(frame, INDEX, 2024)
    # 2019: 100 × 111.2 / 90.3
    assert real["value"].iat[0] == pytest.approx(123.1451, abs=1e-4)
    # FYE 2021: mean(98.8, 94.9, 94.3, 95.3) = 95.825; 100 × 111.2 / 95.825
    assert real["deflator"].iat[1] == pytest.approx(95.825)
    assert real["value"].iat[1] == pytest.approx(116.0449, abs=1e-4)
    # April 2024 (ASHE): 2024 Q2 = 110.1
    assert real["value"].iat[2] == pytest.approx(100.9991, abs=1e-4)
    # intervals scale with the value; the cash value is kept
    assert real["upper_ci"].iat[0] == pytest.approx(110 * 111.2 / 90.3)
    assert real["cash_value"].tolist() == [100.0, 100.0, 100.0]
    assert real["unit"].tolist() == [
        "£ per head (2024 prices)",
        "£ million (2024 prices)",
        "£ (2024 prices)",
    ]


def test_base_year_value_is_unchanged_and_other_units_pass_through():
    frame = rows(
        ("2024-01-01/P1Y", "2024-01-01", "2024-12-31", "calendar_year", 742.0, "£"),
        ("2019-01-01/P1Y", "2019-01-01", "2019-12-31", "calendar_year", 55.0, "%"),
    )
    real = to_real_terms(frame, INDEX, 2024)
    assert real["value"].tolist() == [742.0, 55.0]
    assert real["unit"].tolist() == ["£ (2024 prices)", "%"]
    assert math.isnan(real["deflator"].iat[1])


def test_uncovered_periods_are_dropped_and_listed_or_raise():
    frame = rows(
        ("2024-01-01/P1Y", "2024-01-01", "2024-12-31", "calendar_year", 1.0, "£"),
        ("2025-04-30", "2025-04-30", "2025-04-30", "point", 1.0, "£"),
    )
    real = to_real_terms(frame, INDEX, 2024)
    assert real["period"].tolist() == ["2024-01-01/P1Y"]
    assert real.attrs["not_deflated"] == ["2025-04-30"]
    with pytest.raises(RealTermsError, match=r"does not cover period\(s\) \['2025-04-30'\]"):
        to_real_terms(frame, INDEX, 2024, on_missing="error")


def test_base_year_must_have_an_annual_value():
    with pytest.raises(RealTermsError, match="base year 2025"):
        to_real_terms(rows(), INDEX, 2025)


def test_period_index_rules():
    assert index_for_period(INDEX, "2020-01-01", "2020-12-31") == 94.8
    # a quarter the index lacks makes the period uncovered
    assert math.isnan(index_for_period(INDEX, "2021-04-01", "2022-03-31", "financial_year"))
    assert real_unit("£ per week (nominal)", 2024) == "£ per week (2024 prices)"
    assert real_unit("£ million, current prices", 2024) == "£ million (2024 prices)"


def test_real_data_pay_series(loader_2026, store):
    """UK median weekly pay on the pinned deflator: April 2019 cash × D(2024)/D(2019 Q2)."""
    from levelup.data.deflators import gdp_deflator

    index = gdp_deflator(store)
    pay = loader_2026.load("els/gross-median-weekly-pay")
    uk = pay[pay["area_code"] == "K02000001"]
    real = to_real_terms(uk, index, 2024)
    row = real[real["period_start"].dt.year == 2019].iloc[0]
    assert row["value"] == pytest.approx(row["cash_value"] * 111.2 / 90.2)
    # the 2025 ASHE week (April 2025, 2025 Q2) is beyond this deflator vintage
    assert any(p.startswith("2025") for p in real.attrs["not_deflated"])
