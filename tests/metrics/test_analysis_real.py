"""MetricData on the real editions: coverage differs between vintages."""

import pytest

from levelup.metrics.analysis import MetricData, MetricUnavailable

FEMALE_HLE = "els/healthy-life-expectancy/female-healthy-life-expectancy"
UK, ENGLAND = "K02000001", "E92000001"


def test_reference_area_falls_back_where_a_vintage_lacks_the_uk(loader_2025, loader_2026):
    # the 2025 vintage publishes HLE for England and Wales only; the 2026 one adds the UK
    hle_2025 = MetricData.load("m07-hle", loader_2025)
    hle_2026 = MetricData.load("m07-hle", loader_2026)
    assert hle_2025.series(UK, FEMALE_HLE).empty
    assert hle_2025.first_area_with_data([UK, ENGLAND], FEMALE_HLE) == ENGLAND
    assert hle_2026.first_area_with_data([UK, ENGLAND], FEMALE_HLE) == UK


def test_no_candidate_area_is_a_clear_error(loader_2025):
    hle = MetricData.load("m07-hle", loader_2025)
    with pytest.raises(MetricUnavailable, match="no value for any of S92000003"):
        hle.first_area_with_data(["S92000003"], FEMALE_HLE)


def test_sigma_beta_clubs_on_all_lower_tier_authorities(loader_2026, tmp_path):
    """GVA per hour at every lower-tier authority: the 63 English unitary authorities (filed by ONS
    under "County or Unitary Authority") are in the panel; sigma, beta and clubs rest on the same
    361 areas; every area is in exactly one club or divergent."""
    from levelup.data.geography import Geography
    from levelup.data.schema import LOWER_TIER
    from levelup.findings.table import Findings
    from levelup.metrics.analysis import BETA_COV_TYPE, sigma_beta_clubs

    gva = MetricData.load("m01-gva-per-hour", loader_2026).in_real_terms()
    geo = Geography(loader_2026.store, loader_2026.edition.boundaries)
    findings = Findings("test", tmp_path)
    res = sigma_beta_clubs(gva, LOWER_TIER, findings, "gva.local", groups=geo.region_map("lad"))
    assert res.panel["area_code"].nunique() == 361
    assert res.panel["area_code"].str.startswith("E06").sum() / res.panel["time"].nunique() == 63
    assert (res.sigma["n"] == 361).all() and res.beta.n == 361 and res.clubs.n == 361
    assert "HC3" in res.beta.method and BETA_COV_TYPE == "HC3"
    members = res.clubs.membership()
    assert members["area_code"].is_unique and len(members) == 361
    assert sorted(members["club"].unique()) == list(
        range(int(not res.clubs.divergent), len(res.clubs.clubs) + 1)
    )
    assert "HP filter" in res.clubs.method and "round(rT)+1" in res.clubs.method
    keys = {row["key"] for row in findings.rows}
    assert {
        "test.gva.local.cv-verdict",
        "test.gva.local.theil-between-share-latest",
        "test.gva.local.beta-verdict",
        "test.gva.local.clubs.log-t.t",
        "test.gva.local.clubs.club1.verdict",
    } <= keys
