"""Mission 12 on the real register and population: the annex date, the authorities table and the
check against ONS's published figure (13 January 2023)."""

import pytest

from levelup.metrics import derived, devolution


def test_coverage_by_authority_adds_up(loader_2026):
    by = devolution.coverage_by_authority(loader_2026, devolution.ANNEX_DATE)
    total = derived.devolution_coverage(loader_2026, dates=[devolution.ANNEX_DATE])
    england = total.loc[total["area_code"] == "E92000001", "value"].iat[0]
    assert by["share_of_england"].sum() == pytest.approx(england)
    assert by["share_of_covered"].sum() == pytest.approx(100)
    assert by["authority"].iat[0] == "Greater London Authority"
    # no authority whose first mayor came later is counted
    assert (by["mayor_from"] <= "2022-02-02").all()


def test_register_table(loader_2026):
    table = devolution.mayoral_authorities(loader_2026)
    assert "Greater London Authority" in set(table["authority"])
    assert table["first_mayor"].iat[0].startswith("2000")
    assert (table["population"] > 0).all()


def test_published_figure_is_read_from_an_earlier_edition(loader_2026):
    published = devolution.published_coverage(loader_2026)
    assert set(published["edition_read"]) == {"2025"}
    england = published.loc[published["area_code"] == "E92000001", "value"].iat[0]
    assert england == pytest.approx(41.06, abs=0.01)
    cov = derived.devolution_coverage(loader_2026, dates=[published["period"].iat[0]])
    check = devolution.compare_with_published(cov, published)
    assert check["area_code"].iat[0] == "E92000001"
    assert check["difference"].abs().max() < 0.5  # same definition, different population base


def test_greater_lincolnshire_is_counted_from_may_2025(loader_2026):
    """The known error of the first 2026 build: Greater Lincolnshire (about 1.9% of England) was
    left out for want of a first-mayor date."""
    cov = derived.devolution_coverage(loader_2026, dates=["2025-04-30", "2025-05-01"])
    eng = cov[cov["area_code"] == "E92000001"].set_index("period")["value"]
    lincs = devolution.mayoral_authorities(loader_2026).set_index("authority")
    lincs = lincs.at["Greater Lincolnshire Combined County Authority", "share_of_england"]
    hull = devolution.mayoral_authorities(loader_2026).set_index("authority")
    hull = hull.at["Hull and East Yorkshire Combined Authority", "share_of_england"]
    assert lincs == pytest.approx(1.93, abs=0.01)
    assert eng["2025-05-01"] - eng["2025-04-30"] == pytest.approx(lincs + hull)
