"""Money metrics: real terms through the registry, regional GFCF and EPO patents on real data."""

from __future__ import annotations

import pandas as pd
import pytest

from levelup.data.patents import nuts1_to_itl1, read_epo_patents_itl1
from levelup.data.readers import ReadError
from levelup.metrics.analysis import MetricData
from levelup.metrics.registry import Registry

REAL_TERMS = {
    "m01-median-weekly-pay",
    "m01-gdhi",
    "m01-fdi-inward",
    "m01-fdi-outward",
    "m02-berd",
    "m02-public-rd",
    "m02-gerd",
    "cap-physical-gfcf",
    "cap-intangible-gerd",
    "cap-intangible-berd",
    "cap-intangible-fdi",
    "cap-financial-household-income",
}


def test_money_metrics_are_marked_for_real_terms():
    marked = {m.id for m in Registry().metrics if m.real_terms}
    assert marked == REAL_TERMS
    for metric in Registry().metrics:
        if metric.real_terms:
            assert metric.unit.startswith("£"), metric.id


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_gfcf_and_patents_resolve_in_both_editions(edition, request):
    from levelup.metrics.cli import available_indicators

    loader = request.getfixturevalue(f"loader_{edition}")
    rows = {r["metric"]: r for r in Registry().coverage(edition, available_indicators(loader))}
    assert rows["cap-physical-gfcf"]["status"] == "derived"
    assert rows["cap-intangible-patents"]["status"] == "proxy"
    assert 1 in rows["cap-physical-gfcf"]["missions"]


def test_metric_data_comes_deflated_with_cash_kept(loader_2026):
    pub = MetricData.load("m02-public-rd", loader_2026)
    assert pub.prices == "2024 prices, GDP deflator"
    assert pub.metric.unit == "£ million (2024 prices)"
    uk = pub.rows("uk").set_index("period")
    # FYE 2021 by the mean of 2020 Q2-2021 Q1 (98.8, 94.9, 94.3, 95.3) = 95.825; D(2024) = 111.2
    row = uk.loc["2020-04-01/P1Y"]
    assert row["value"] == pytest.approx(row["cash_value"] * 111.2 / 95.825)
    assert "Real terms: 2024 prices, GDP deflator" in pub.source_line()


def test_gfcf_per_head_by_hand(loader_2026):
    """London 2020: GFCF £79,842.71m (ITL1 file) / mid-2020 population, then × D(2024)/D(2020)."""
    gfcf = MetricData.load("cap-physical-gfcf", loader_2026)
    row = gfcf.frame[
        (gfcf.frame["area_code"] == "TLI") & (gfcf.frame["period_start"].dt.year == 2020)
    ].iloc[0]
    assert row["gfcf_gbp_m"] == pytest.approx(79842.71)
    assert row["cash_value"] == pytest.approx(79842.71e6 / row["population"])
    assert row["value"] == pytest.approx(row["cash_value"] * 111.2 / 94.8)
    years = gfcf.frame["period_start"].dt.year
    assert (years.min(), years.max()) == (2001, 2020)
    assert set(gfcf.frame["area_code"]) == {f"TL{c}" for c in "CDEFGHIJKLMN"}


def test_regional_gfcf_dataset_leaves_out_extra_regio(loader_2026):
    frame = loader_2026.load("curated/regional-gfcf")
    assert "TLZ" not in set(frame["area_code"])
    assert frame["indicator"].nunique() == 6
    assert frame["period"].min() == "1997-01-01/P1Y" and frame["period"].max() == "2020-01-01/P1Y"


def test_epo_patents_sum_nuts2_to_itl1(loader_2026, mirror):
    frame = loader_2026.load("curated/epo-patents")
    raw = pd.read_csv(mirror / "curated/epo_patents_nuts/epo_patent_applications.nuts2.csv")
    london = raw[(raw["nuts_id"].str[:3] == "UKI") & (raw["year"] == 2012)]
    value = frame[(frame["area_code"] == "TLI") & (frame["period"] == "2012-01-01/P1Y")]["value"]
    assert value.iat[0] == london["epo_patent_applications"].sum()
    assert len(frame) == 12 * 7


def test_nuts_codes_map_by_their_region_letter(tmp_path):
    assert nuts1_to_itl1("UKD3") == "TLD" and nuts1_to_itl1("UKN0") == "TLN"
    with pytest.raises(ValueError):
        nuts1_to_itl1("DE11")
    bad = tmp_path / "p.csv"
    bad.write_text("year,nuts_id,nuts_year_spec,epo_patent_applications\n2012,UKC1,2013,4\n")
    with pytest.raises(ReadError, match="NUTS 2010"):
        read_epo_patents_itl1(bad)
    bad.write_text("year,nuts_id,nuts_year_spec,epo_patent_applications\n2012,FR10,2010,4\n")
    with pytest.raises(ReadError, match="line 2: 'FR10'"):
        read_epo_patents_itl1(bad)
