"""Back tests on the real mirror: every dataset of both editions loads, validates and keeps the
published figures, quirks handled as INVENTORY.md describes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from levelup.data.schema import CANONICAL_COLUMNS, FLAGS, GEOGRAPHIES, PERIOD_TYPES


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_every_dataset_of_each_edition_loads_and_validates(edition, request):
    loader = request.getfixturevalue(f"loader_{edition}")
    datasets = loader.datasets()
    assert len(datasets) > 65
    for dataset_id in datasets:
        frame = loader.load(dataset_id)
        assert list(frame.columns) == CANONICAL_COLUMNS, dataset_id
        assert len(frame) > 0, dataset_id
        assert not frame.duplicated(["indicator_id", "area_code", "period", "source_id"]).any(), (
            dataset_id
        )
        assert set(frame["period_type"]) <= set(PERIOD_TYPES), dataset_id
        assert set(frame["geography"]) <= set(GEOGRAPHIES), dataset_id
        flags = {f for cell in frame["flags"] for f in cell.split(";") if f}
        assert flags <= set(FLAGS), (dataset_id, flags - set(FLAGS))
        assert frame["vintage"].ne("").all() and frame["source_file"].ne("").all()


def test_suppressed_values_are_missing_with_their_flag_never_zero(loader_2026):
    claimant = loader_2026.load("els/claimant-count")
    suppressed = claimant[claimant["flags"].str.contains("suppressed")]
    assert (
        len(suppressed) > 100
    )  # INVENTORY: 132 rows with status x, some dropped by boundary harmonisation
    assert suppressed["value"].isna().all()
    homicide = loader_2026.load("els/homicide-offences")
    assert homicide["flags"].str.contains("suppressed").sum() == 9  # status u with blank value
    # unreliable values keep their value and say so (flag in notes, not status)
    employment = loader_2026.load("els/employment-rate")
    unreliable = employment[
        employment["flags"].str.contains("unreliable") & employment["value"].notna()
    ]
    assert len(unreliable) > 0


def test_published_figures_survive_loading(loader_2026, loader_2025):
    hle = loader_2026.indicator("els/healthy-life-expectancy/male-healthy-life-expectancy")
    england = hle[(hle["area_code"] == "E92000001")].set_index("period")
    assert england.loc["2011-01-01/P3Y", "value"] == pytest.approx(63.02, abs=0.2)
    assert england.loc["2011-01-01/P3Y", "period_type"] == "multi_year"
    hle25 = loader_2025.indicator("els/healthy-life-expectancy/male-healthy-life-expectancy")
    assert (
        hle25.set_index(["area_code", "period"]).loc[("E92000001", "2011-01-01/P3Y"), "value"]
        == 63.02
    )
    # 2025 schema with Observation/Period upper case; the indicator id is the 2026 one
    claim25 = loader_2025.indicator("els/claimant-count/claimant-count")
    assert claim25["period_type"].eq("calendar_year").all()


def test_housing_affordability_is_a_ratio_not_a_percentage(loader_2026):
    frame = loader_2026.load("els/housing-affordability-ratio")
    assert set(frame["unit"]) == {"ratio"}
    ew = frame[(frame["area_code"] == "K04000001") & (frame["period"] == "2025-04-01")]
    assert ew["value"].iat[0] == pytest.approx(7.56, abs=0.01)


def test_foreign_direct_investment_na_codes_keep_their_names(loader_2026):
    frame = loader_2026.load("els/foreign-direct-investment")
    na = frame[frame["area_code"].str.startswith("na:")]
    assert {"na:Aberdeen City Region"} <= set(na["area_code"]) or len(na["area_code"].unique()) == 3


def test_boundaries_2026_recode_barnsley_and_sheffield(loader_2026, loader_2025):
    pay26 = loader_2026.load("els/gross-median-weekly-pay")
    assert "E08000016" not in set(pay26["area_code"]) and "E08000038" in set(pay26["area_code"])
    barnsley = pay26[pay26["area_code"] == "E08000038"]
    assert barnsley["period_start"].dt.year.min() <= 2010  # history carried over from the old code
    report = pd.DataFrame(loader_2026.reports["els/gross-median-weekly-pay"].boundaries)
    assert "recoded" in set(report["action"])
    pay25 = loader_2025.load("els/gross-median-weekly-pay")
    assert "E08000016" in set(pay25["area_code"]) and "E08000038" not in set(pay25["area_code"])


def test_old_districts_are_superseded_or_reported_never_double_counted(loader_2026):
    frame = loader_2026.load("els/personal-wellbeing-estimates")
    for code in ("E07000026", "E07000163", "E10000006"):  # Allerdale, Craven, Cumbria CC
        assert code not in set(frame["area_code"])
    report = pd.DataFrame(loader_2026.reports["els/personal-wellbeing-estimates"].boundaries)
    assert {"E07000026", "E07000163", "E10000006"} <= set(report["area_code"])
    allerdale = report[report["area_code"] == "E07000026"]
    assert (
        set(allerdale["action"]) <= {"superseded", "unmapped"}
        and allerdale["successors"].iat[0] == "E06000063"
    )
    # each region's districts plus unitaries are listed once per period
    assert not frame.duplicated(["indicator_id", "area_code", "period"]).any()


def test_connectivity_history_builds_a_series_from_published_versions(loader_2026, loader_2025):
    gig26 = loader_2026.load("els-history/gigabit-capable-broadband")
    periods = sorted(gig26["period"].unique())
    assert periods == [
        "2022-09-01",
        "2023-01-01",
        "2023-05-01",
        "2023-09-01",
        "2024-01-01",
        "2024-07-01",
        "2025-01-01",
        "2025-07-01",
        "2026-01-01",
    ]
    # one indicator id shared with the current ELS snapshot
    assert set(gig26["indicator_id"]) == {"els/gigabit-capable-broadband/gigabit-capable-broadband"}
    uk = gig26[gig26["area_code"] == "K02000001"].set_index("period")["value"]
    assert uk["2026-01-01"] == pytest.approx(87.8) and uk["2024-01-01"] == pytest.approx(78.5)
    # the 2025 edition sees only versions published by 2025-06-24
    gig25 = loader_2025.load("els-history/gigabit-capable-broadband")
    assert max(gig25["period"]) == "2025-01-01"
    # the later relabelling of January 2025 as 2025-01-15 gives the same period, not a new one
    fourg = loader_2026.load("els-history/network-coverage-4g")
    assert "2025-01-15" not in set(fourg["period"]) and len(fourg["period"].unique()) == 9


def test_curated_tables_keep_disagreeing_sources_side_by_side(loader_2026):
    ehs = loader_2026.load("curated/ehs-non-decent-homes")
    assert ehs["source_id"].ne("").all()
    report = loader_2026.reports["curated/ehs-non-decent-homes"]
    assert sum(len(d["lines"]) for d in report.dropped) == 5  # the undated Fabian figures
    stock26 = loader_2026.load("curated/dwelling-stock-by-tenure")
    assert set(stock26["source_id"]) == {"mhclg_lt104_dse2025"}


def test_corrections_are_applied_and_reported(loader_2025):
    frame = loader_2025.load("els/preventable-cardiovascular-mortality-ni")
    report = loader_2025.reports["els/preventable-cardiovascular-mortality-ni"]
    assert [c["line"] for c in report.corrections] == [184]
    assert not (frame["lower_ci"] > frame["upper_ci"]).any()


def test_2025_definitions_map_onto_2026_ids(loader_2026, loader_2025):
    for dataset in (
        "els/personal-wellbeing-estimates",
        "els/average-travel-time",
        "els/early-years",
    ):
        ids26 = set(loader_2026.load(dataset)["indicator_id"])
        ids25 = set(loader_2025.load(dataset)["indicator_id"])
        assert ids25 == ids26, dataset
    assert np.isclose(
        loader_2025.indicator("els/average-travel-time/cycle-to-work")
        .query("area_code == 'E92000001' and period == '2014-01-01/P1Y'")["value"]
        .iat[0],
        10.9,
    )


KS2 = "els/pupils-at-expected-standards-by-end-of-primary-school"


def _ks2_regions(frame):
    rwm = frame[frame["indicator_id"].str.endswith("reading-writing-and-maths")]
    return rwm[rwm["area_code"].str.startswith("E12")].set_index(["area_code", "period"])["value"]


def test_inconsistent_2025_regional_ks2_values_are_dropped(loader_2025, loader_2026):
    # the 2025 vintage has South West 2021/22 at 42% (DfE and the 2026 vintage: 57%)
    regions_25 = _ks2_regions(loader_2025.load(KS2))
    regions_26 = _ks2_regions(loader_2026.load(KS2))
    assert ("E12000009", "2021-09-01/P1Y") not in regions_25.index
    assert len(loader_2025.reports[KS2].corrections) == 8
    # what is kept agrees with the later vintage everywhere
    common = regions_25.index.intersection(regions_26.index)
    assert len(common) == 36 - 8
    assert (regions_25[common] == regions_26[common]).all()


def test_the_table_cache_follows_the_corrections(store, tmp_path, monkeypatch):
    from levelup.data.load import DataLoader

    first = DataLoader(2025, store=store, cache_dir=tmp_path)
    assert ("E12000009", "2021-09-01/P1Y") not in _ks2_regions(first.load(KS2)).index
    again = DataLoader(2025, store=store, cache_dir=tmp_path)
    monkeypatch.setattr(again.catalogue, "corrections", lambda dataset_id: [])
    assert _ks2_regions(again.load(KS2))["E12000009", "2021-09-01/P1Y"] == 42


def test_concurrent_writers_of_one_table_cache_entry_do_not_collide(store, tmp_path):
    # the build's kernels load the same dataset at the same time into one cache
    import threading

    from levelup.data.load import DataLoader

    loaders = [DataLoader(2026, store=store, cache_dir=tmp_path) for _ in range(6)]
    value = {"rows": list(range(200_000))}
    errors = []

    def write(loader):
        try:
            for _ in range(15):
                loader._cache_put("same-key", value)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(loader,)) for loader in loaders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert loaders[0]._cache_get("same-key") == value
    assert not list((tmp_path / "tables").glob(".*.tmp"))  # no temporary file left behind


def test_a_table_needed_by_two_kernels_at_once_is_parsed_once(store, tmp_path, monkeypatch):
    # on a first build both kernels ask for the same tables at the same time: one parses, the
    # other waits for the cache entry instead of parsing the same files again
    import threading
    import time

    from levelup.data.load import DataLoader, LoadReport

    parsed = []

    def slow_parse(self, spec):
        parsed.append(spec.id)
        time.sleep(0.5)
        return pd.DataFrame(columns=CANONICAL_COLUMNS), LoadReport(spec.id)

    monkeypatch.setattr(DataLoader, "_load", slow_parse)
    loaders = [DataLoader(2026, store=store, cache_dir=tmp_path) for _ in range(3)]
    threads = [
        threading.Thread(target=loader.load, args=(KS2,), kwargs={"harmonise_boundaries": False})
        for loader in loaders
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert parsed == [KS2]
    assert all(KS2 in loader.reports for loader in loaders)
