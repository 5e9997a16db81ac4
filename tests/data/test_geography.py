"""Geography lookups built from ONS's own table order, checked against independent facts."""

import pandas as pd
import pytest

from levelup.data.geography import ITL1, Geography


@pytest.fixture(scope="module")
def geo(loader_2026):
    return Geography(loader_2026.store, 2025, loader_2026.succession_register())


@pytest.fixture(scope="module")
def geo23(loader_2025):
    return Geography(loader_2025.store, 2023, loader_2025.succession_register())


def test_every_lower_tier_authority_has_a_region_and_country(geo23):
    h = geo23.hierarchy
    assert h["lad_code"].is_unique
    counts = h.groupby("country_code").size().to_dict()
    # April 2023: 296 English districts and unitaries, 22 Welsh, 32 Scottish, 11 NI
    assert counts == {"E92000001": 296, "W92000004": 22, "S92000003": 32, "N92000002": 11}
    england = h[h["country_code"] == "E92000001"]
    assert england["region_code"].str.startswith("E12").all()
    assert england["itl1_code"].isin(list(ITL1.values())).all()


def test_known_memberships(geo23, geo):
    h = geo23.hierarchy.set_index("lad_code")
    assert h.loc["E07000117", "county_code"] == "E10000017"  # Burnley in Lancashire
    assert h.loc["E07000117", "region_code"] == "E12000002"
    assert h.loc["E08000003", "utla_code"] == "E08000003"  # Manchester is its own upper tier
    assert h.loc["E06000065", "region_code"] == "E12000003"  # North Yorkshire UA
    assert h.loc["W06000015", "itl1_code"] == "TLL"
    # 2025 boundaries recode Barnsley
    assert "E08000038" in set(geo.hierarchy["lad_code"]) and "E08000016" not in set(
        geo.hierarchy["lad_code"]
    )


def test_police_force_areas_partition_england_and_wales(geo, loader_2026):
    pfa = geo.police_force_areas
    h = geo.hierarchy
    ew = h[h["country_code"].isin(["E92000001", "W92000004"])]["lad_code"]
    assert set(pfa["lad_code"]) == set(ew)
    assert pfa["lad_code"].is_unique
    homicide = loader_2026.load("els/homicide-offences")
    published = set(homicide.loc[homicide["geography"] == "police_force_area", "area_code"])
    assert set(pfa["pfa_code"]) == published
    assert pfa.set_index("lad_code").loc["E09000001", "pfa_code"] == "E23000034"
    assert pfa.set_index("lad_code").loc["E07000117", "pfa_name"] == "Lancashire"


def test_population_adds_up(geo23):
    pop = geo23.population_weights(2022)
    h = geo23.hierarchy
    england_lads = pop.reindex(h.loc[h["country_code"] == "E92000001", "lad_code"]).sum()
    assert england_lads == pop["E92000001"]
    regions = pop.reindex([f"E1200000{i}" for i in range(1, 10)]).sum()
    assert regions == pop["E92000001"]


def test_combined_authorities_members_are_current_districts(geo):
    ca = geo.combined_authorities
    gm = ca[ca["cauthcd"] == "E47000001"]
    assert len(gm) == 10 and gm["first_mayor"].iat[0] == "2017-05-04"
    known = set(geo.hierarchy["lad_code"]) | set(
        geo.hierarchy["county_code"]
    )  # county councils join combined county authorities
    current = ca[~ca["cauthnm"].str.contains("abolished")]
    assert pd.Series(list(set(current["ladcd"]) - known)).empty


def test_pinned_csvs_are_parsed_once_per_process_and_every_read_is_logged(
    store, tmp_path, monkeypatch
):
    """A kernel runs many notebooks, each with its own Geography: the population tables are
    parsed once (keyed by sha256), each Geography gets its own copy, and every read still reaches
    the build's reads log (the notebook cache keys depend on it)."""
    import levelup.data.geography as geography

    geography._parsed_pinned_csv.cache_clear()
    log = tmp_path / "reads.tsv"
    monkeypatch.setenv("LEVELUP_READS_LOG", str(log))
    first = geography.read_pinned_csv(store, geography.MYE_2023_GEOG)
    first.loc[:, "areanm"] = "changed by the first caller"
    second = geography.read_pinned_csv(store, geography.MYE_2023_GEOG)
    assert geography._parsed_pinned_csv.cache_info().hits == 1
    assert "changed by the first caller" not in set(second["areanm"])
    pin = store.manifest.get(geography.MYE_2023_GEOG)
    assert log.read_text().splitlines() == [f"{pin.path}\t{pin.sha256}"] * 2
