"""Area profiles: the comparison set in words, similar areas, the generated summary (plurals,
no empty lists), and one metric's rows for every area on the real data, checked against the
published source file."""

from __future__ import annotations

import csv

import numpy as np
import pandas as pd
import pytest

from levelup.metrics import areas as AR


def _rows(area: str, **metrics) -> pd.DataFrame:
    """Profile rows of one area: metric -> (tenth, trend verdict, progress status or "")."""
    return pd.DataFrame(
        [
            {
                "area_code": "X1",
                "area_name": area,
                "metric": m,
                "metric_title": m.replace("-", " ").capitalize(),
                "latest_display": "1.0",
                "tenth": float(t),
                "trend_verdict": v,
                "every_area_target": bool(s),
                "progress_status": s,
            }
            for m, (t, v, s) in metrics.items()
        ]
    )


def test_comparison_set_says_how_many_areas_and_where():
    assert AR.comparison_set(361, "lad", ["E92000001", "N92000002", "S92000003", "W92000004"]) == (
        "361 local authorities in the UK"
    )
    assert AR.comparison_set(1, "utla", ["E92000001"]) == "1 upper-tier authority in England"
    assert AR.comparison_set(300, "lad", ["E92000001", "S92000003", "W92000004"]) == (
        "300 local authorities in Great Britain"
    )


def test_summary_counts_tenths_trends_and_statuses_in_plain_words():
    rows = _rows(
        "Testford",
        pay=(1, "improving", "some progress"),
        jobs=(10, "worsening", "worsening"),
        homes=(10, "no significant change", ""),
        health=(5, "insufficient data", ""),
    )
    text = AR.summary_text(rows)
    assert text.startswith(
        "Of 4 mission metrics with local data for Testford, it is in the top tenth"
    )
    assert "on 1 (Pay)" in text and "bottom tenth of areas on 2 (Jobs and Homes)" in text
    assert (
        "1 of the 3 metrics with enough data for a trend has improved and 1 has worsened; 1 "
        "shows no significant change." in text
    )
    assert (
        "Where the mission aims for progress in every area (2 metrics), its status is some "
        "progress on 1 and worsening on 1." in text
    )
    assert "(s)" not in text and "in 0" not in text
    none = AR.summary_text(_rows("Nowhere", pay=(5, "insufficient data", "")))
    assert "in the top tenth of areas on none, and in the bottom tenth of areas on none" in none
    many = AR.summary_text(_rows("Many", **{f"m{i}": (10, "", "") for i in range(6)}))
    assert "bottom tenth of areas on 6 (M0, M1, M2 and 3 others)" in many
    assert "trend" not in none  # no trend sentence without a tested trend


def test_gaps_read_as_words():
    assert AR.gap_text(-4.32, "£ per week", "the UK", relative=True) == "4.3% below the UK"
    assert AR.gap_text(3.5, "% of premises", "the UK") == "3.5 percentage points above the UK"
    assert AR.gap_text(-0.11, "minutes", "England") == "0.11 minutes below England"
    assert AR.gap_text(0.0, "%", "England") == "level with England"


def test_similar_areas_are_the_nearest_on_standardised_values():
    metrics = ("a", "b", "c", "d")
    values = {"P": (0, 0, 0, 0), "Q": (0.1, 0, 0, 0), "R": (5, 5, 5, 5), "S": (5, 5.2, 5, 5)}
    profiles = pd.DataFrame(
        [
            {"area_code": code, "area_name": code, "metric": m, "latest_value": v}
            for code, vs in values.items()
            for m, v in zip(metrics, vs, strict=True)
        ]
    )
    similar = AR.similar_areas(profiles, metrics, k=2)
    nearest = similar[similar["similar_rank"] == 1].set_index("area_code")["similar_code"]
    assert nearest.to_dict() == {"P": "Q", "Q": "P", "R": "S", "S": "R"}
    # an area sharing fewer than MIN_SHARED metrics with the others has no similar area
    sparse = profiles[~((profiles["area_code"] == "P") & (profiles["metric"] != "a"))]
    assert "P" not in set(AR.similar_areas(sparse, metrics, k=2)["area_code"])


@pytest.fixture(scope="module")
def gigabit_rows(loader_2026):
    from levelup.data.geography import Geography
    from levelup.metrics.analysis import MetricData

    geo = Geography(loader_2026.store, 2025, loader_2026.succession_register())
    md = MetricData.load("m04-gigabit", loader_2026)
    return AR.metric_areas(md, geo)


def test_every_area_gets_a_row_that_matches_the_published_file(gigabit_rows, store):
    rows = gigabit_rows.set_index("area_code")
    assert len(rows) == 361 and rows.index.is_unique
    path = store.path("els/2026-06-26/gigabit-capable-broadband/gigabit-capable-broadband.csv")
    with path.open(encoding="utf-8-sig", newline="") as handle:
        published = {
            (r["areacd"], r["period"]): float(r["observation"])
            for r in csv.DictReader(handle)
            if r["observation"]
        }
    for code in ("E08000038", "S12000049", "W06000015", "N09000003", "E07000106"):
        row = rows.loc[code]
        assert row["latest_value"] == published[(code, row["latest_period"])], code
        assert row["national_value"] == published[("K02000001", row["latest_period"])]
        assert row["gap"] == pytest.approx(row["latest_value"] - row["national_value"])
    # ranks: 1 = highest coverage, tenths 1..10
    best = rows.loc[rows["rank"] == 1, "latest_value"].iat[0]
    assert best == rows["latest_value"].max()
    assert set(rows["tenth"].dropna().astype(int)) == set(range(1, 11))
    assert rows["comparison_set"].iat[0] == "361 local authorities in the UK"
    assert set(rows["progress_status"]) <= {
        "on track",
        "some progress",
        "off track",
        "worsening",
        "not assessable",
    }


def test_two_tier_districts_take_their_county_figure(loader_2026):
    from levelup.data.geography import Geography
    from levelup.metrics.analysis import MetricData

    geo = Geography(loader_2026.store, 2025, loader_2026.succession_register())
    rows = AR.metric_areas(MetricData.load("m07-hle", loader_2026), geo).set_index("area_code")
    canterbury = rows.loc["E07000106"]  # a Kent district
    assert canterbury["level"] == "utla" and canterbury["source_area_name"] == "Kent"
    assert canterbury["comparison_set"].endswith("upper-tier authorities in the UK")
    assert np.isfinite(canterbury["latest_value"])


def test_every_mission_metric_with_local_data_is_profiled(loader_2026):
    """Proxies registered without a geography list (first-time buyers) are profiled too."""
    from levelup.metrics.registry import Registry

    ids = {md.metric.id for md in AR.local_metrics(loader_2026, Registry())}
    assert {"m10-first-time-buyers", "m04-gigabit", "m07-hle", "m05-ks2-rwm"} <= ids
    assert not ids & {"m02-berd", "m11-homicide"}  # no local data
