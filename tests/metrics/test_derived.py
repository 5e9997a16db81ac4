"""Derived metrics, checked against published figures and hand computation."""

import numpy as np
import pandas as pd
import pytest

from levelup.metrics import derived


def test_devolution_coverage_matches_the_ons_published_share(loader_2026, loader_2025):
    published = loader_2025.indicator(
        "els/population-under-devolution-deal-in-england/population-under-devolution-deal-in-england"
    )
    england = published[published["area_code"] == "E92000001"].iloc[0]
    ours = derived.devolution_coverage(
        loader_2025, dates=[england["period_start"].date().isoformat()]
    )
    value = ours.loc[ours["area_code"] == "E92000001", "value"].iat[0]
    assert england["value"] == pytest.approx(41.06, abs=0.01)
    assert value == pytest.approx(
        england["value"], abs=0.25
    )  # fixed mid-2022 population vs ONS's own
    # regional shares agree too (London is 100%, the South West only the West of England)
    regions = published[published["geography"] == "region"].set_index("area_code")["value"]
    mine = ours.set_index("area_code")["value"]
    for code, share in regions.items():
        assert mine[code] == pytest.approx(share, abs=1.5), code


def test_devolution_coverage_only_rises_with_new_mayors(loader_2026):
    frame = derived.devolution_coverage(loader_2026)
    england = frame[frame["area_code"] == "E92000001"].sort_values("period")
    assert england["value"].is_monotonic_increasing
    assert england["value"].iat[0] == 0  # 1 January 2000: no directly elected mayor yet
    in_2001 = england.set_index("period").at["2001-01-01", "value"]
    assert in_2001 == pytest.approx(
        100 * 8_866_180 / england["population_total"].iat[0], abs=0.01
    )  # London only


def test_participation_rate_is_the_complement_of_inactivity(loader_2026):
    rate = derived.participation_rate(loader_2026)
    inactive = loader_2026.indicator("els/employment-rate/economically-inactive")
    merged = rate.merge(inactive, on=["area_code", "period"], suffixes=("", "_in"))
    both = merged.dropna(subset=["value", "upper_ci_in"])
    assert len(both) > 1000
    assert np.allclose(both["value"] + both["value_in"], 100)
    assert np.allclose(both["lower_ci"], 100 - both["upper_ci_in"])
    assert rate["flags"].str.contains("derived").all()


def test_non_decent_rented_homes_by_hand(loader_2026):
    both = derived.non_decent_rented_homes(loader_2026)
    frame = both[both["indicator_id"] == "derived/non-decent-rented-homes"].set_index("period")
    share = both[both["indicator_id"] == "derived/non-decent-rented-homes-share"].set_index(
        "period"
    )["value"]
    # EHS 2010: both counts published (1,381k private, 759k social)
    assert frame.at["2009-04-01/P2Y", "value"] == 1_381_000 + 759_000
    assert (
        frame.at["2009-04-01/P2Y", "prs_basis"],
        frame.at["2009-04-01/P2Y", "social_basis"],
    ) == ("published", "published")
    # EHS 2023: 21% of private and 10% of social rented stock at 31 March 2023
    stock = loader_2026.load("curated/dwelling-stock-by-tenure")
    at = stock[stock["period"] == "2023-03-31"].set_index("indicator_id")["value"]
    prs = at[derived.STOCK_PRS]
    social = at[derived.STOCK_LA] + at[derived.STOCK_PRP]
    row = frame.loc["2022-04-01/P2Y"]
    assert row["value"] == pytest.approx(0.21 * prs + 0.10 * social)
    assert row["share_pct"] == pytest.approx(100 * (0.21 * prs + 0.10 * social) / (prs + social))
    assert row["flags"] == "derived"
    assert share["2022-04-01/P2Y"] == pytest.approx(row["share_pct"])
    assert pd.Series(frame["value"]).is_monotonic_decreasing
