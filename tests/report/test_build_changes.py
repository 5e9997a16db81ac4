"""`levelup.report.changes` on hand-made findings tables; the build's findings merge."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

from levelup.data.schema import LOWER_TIER, UPPER_TIER
from levelup.findings.labels import (
    area_in_text,
    finding_label,
    geography_label,
    statistic_label,
    with_labels,
)
from levelup.findings.table import Findings, merge_findings, variables_tree, write_findings_csv
from levelup.report.build import BuildError, merge_findings_files, merge_findings_rows
from levelup.report.changes import compare_findings, read_findings


def table(rows):
    columns = ["key", "period", "value", "lower", "upper", "unit", "notebook", "display"]
    return pd.DataFrame([dict(zip(columns, r, strict=True)) for r in rows], columns=columns)


PREVIOUS = table(
    [
        ("m01.pay.2019", "2019", 600.0, np.nan, np.nan, "£", "m01", "£600"),
        ("m01.pay.2020", "2020", 610.0, np.nan, np.nan, "£", "m01", "£610"),
        ("m01.pay.latest", "2020", 610.0, np.nan, np.nan, "£", "m01", "£610"),
        ("m07.hle.gap", "2017-01-01/P3Y", 10.30, 9.9, 10.7, "years", "m07", "10.3 years"),
        ("m07.hle.rounding", "2018", 5.0, np.nan, np.nan, "", "m07", "5.0"),
        ("m07.hle.trend", "", np.nan, np.nan, np.nan, "", "m07", "narrowing"),
        ("m07.hle.status", "", np.nan, np.nan, np.nan, "", "m07", "on track"),
        ("m09.pride.latest", "2021", 55.0, np.nan, np.nan, "%", "m09", "55.0%"),
        ("m09.pride.series", "2021", 56.0, np.nan, np.nan, "%", "m09", "56.0%"),
        ("m12.devolution.old", "2022", 0.5, np.nan, np.nan, "", "m12", "0.50"),
    ]
)
NEW = table(
    [
        ("m01.pay.2019", "2019", 602.5, np.nan, np.nan, "£", "m01", "£602"),  # revised
        ("m01.pay.2020", "2020", 610.0, np.nan, np.nan, "£", "m01", "£610"),  # unchanged
        ("m01.pay.2021", "2021", 640.0, np.nan, np.nan, "£", "m01", "£640"),  # new period
        ("m01.pay.latest", "2021", 640.0, np.nan, np.nan, "£", "m01", "£640"),  # rolled forward
        ("m07.hle.gap", "2017-01-01/P3Y", 10.42, 10.0, 10.8, "years", "m07", "10.4 years"),
        ("m07.hle.rounding", "2018", 5.0 + 1e-12, np.nan, np.nan, "", "m07", "5.0"),  # noise
        ("m07.hle.trend", "", np.nan, np.nan, np.nan, "", "m07", "no significant trend"),
        ("m07.hle.status", "", np.nan, np.nan, np.nan, "", "m07", "on track"),
        ("m09.pride.latest", "2021", np.nan, np.nan, np.nan, "%", "m09", "n/a"),  # withdrawn
        ("m09.pride.series", "2021", 56.0, np.nan, np.nan, "%", "m09", "56.0%"),
    ]
)


def test_compare_findings_classifies_every_kind_of_change():
    changes = compare_findings(NEW, PREVIOUS)
    assert list(changes.revised["key"]) == ["m01.pay.2019", "m07.hle.gap"]  # largest first
    pay = changes.revised.iloc[0]
    assert pay["value_previous"] == 600.0 and pay["value"] == 602.5
    assert pay["revision"] == pytest.approx(2.5)
    assert pay["relative_revision"] == pytest.approx(2.5 / 600)
    assert bool(pay["visible"]) is True
    gap = changes.revised.iloc[1]
    assert gap["revision"] == pytest.approx(0.12) and gap["lower_previous"] == 9.9
    assert list(changes.rolled_forward["key"]) == ["m01.pay.latest"]
    assert changes.rolled_forward.iloc[0]["period_previous"] == "2020"
    assert list(changes.availability["key"]) == ["m09.pride.latest"]
    assert changes.availability.iloc[0]["now"] == "unavailable"
    assert list(changes.changed_text["key"]) == ["m07.hle.trend"]
    assert changes.changed_text.iloc[0]["display_previous"] == "narrowing"
    assert list(changes.new["key"]) == ["m01.pay.2021"]
    assert list(changes.dropped["key"]) == ["m12.devolution.old"]
    s = changes.summary
    assert (s["revised"], s["rolled_forward"], s["availability"], s["changed_text"]) == (2, 1, 1, 1)
    assert (s["new"], s["dropped"], s["unchanged"], s["compared"]) == (1, 1, 4, 9)
    assert s["revised_visible"] == 2
    assert s["largest_revisions"][0]["key"] == "m01.pay.2019"
    assert s["by_notebook"]["m07"] == {"revised": 1, "changed_text": 1}
    assert changes.any
    frame = changes.summary_frame()
    assert frame.iloc[0].tolist() == ["Historical figures revised", 2]
    assert any("revised m01.pay.2019 (2019): £600 -> £602" in line for line in changes.lines())


def test_revised_figures_rank_single_period_figures_by_relative_size():
    trend = table(
        [("m07.hle.slope", "2011-01-01/P3Y/2017-01-01/P3Y", 0.1, np.nan, np.nan, "", "m07", "0.1")]
    )
    trend = pd.concat(
        [
            trend.assign(statistic="ols_slope_per_year"),
            table([("m07.hle.to-2035", "2035", 60.0, np.nan, np.nan, "", "m07", "60.0")]).assign(
                statistic="projection_linear"
            ),
        ]
    )
    changed = trend.assign(value=0.5, display="0.5")
    changes = compare_findings(pd.concat([NEW, changed]), pd.concat([PREVIOUS, trend]))
    assert "m07.hle.slope" in set(changes.revised["key"])  # a revision, but of a series statistic
    # 0.12 / 10.30 = 1.2% beats 2.5 / 600 = 0.4%; the slope over a span and the projection to
    # 2035 are left out
    assert list(changes.revised_figures()["key"]) == ["m07.hle.gap", "m01.pay.2019"]


def test_the_what_changed_findings_of_a_published_edition_are_not_compared():
    own = table([("what-changed.count.new", "", 3.0, np.nan, np.nan, "", "what-changed", "3")])
    rebuilt = compare_findings(NEW, PREVIOUS)
    published = compare_findings(NEW, pd.concat([PREVIOUS, own]))
    assert published.summary == rebuilt.summary


def test_tables_name_metrics_by_their_registry_title_and_findings_in_words():
    from levelup.metrics.registry import Registry

    titles = {m.id: m.title for m in Registry().metrics}
    lower_tier = "+".join(LOWER_TIER)
    rows = pd.DataFrame(
        {
            "key": [
                "m02-research-development.berd.gse.level",
                "m01-living-standards.gva.gap-since-baseline.verdict",
                "m01-living-standards.gva.gap.verdict",
                "m01-living-standards.pay.local.gap-trend-verdict",
                "m01-living-standards.gva.itl1.cv-verdict",
                "capitals.share",
            ],
            "metric": [
                "m02-berd",
                "m01-gva-per-hour",
                "m01-gva-per-hour",
                "m01-median-weekly-pay",
                "m01-gva-per-hour",
                "not-in-the-registry",
            ],
            "statistic": [
                "level",
                "gap_trend_verdict",
                "gap_trend_verdict",
                "gap_verdict",
                "sigma_verdict",
                "",
            ],
            "geography": ["region_group", "", "", lower_tier, "itl1", ""],
            "area": ["E99999999", "", "", "", "", ""],
            "area_name": ["Greater South East", "", "", "", "", ""],
        }
    )
    out = with_labels(rows, titles)
    assert list(out["metric_title"]) == [
        "Business expenditure on R&D",
        titles["m01-gva-per-hour"],
        titles["m01-gva-per-hour"],
        titles["m01-median-weekly-pay"],
        titles["m01-gva-per-hour"],
        "not-in-the-registry",  # no title: the id, never a blank
    ]
    assert titles["m01-gva-per-hour"] != "m01-gva-per-hour"
    assert list(out["area_label"]) == [
        "Greater South East",  # the area's name first
        "all areas",
        "all areas",
        "local authority districts",  # the lower-tier set of levels in words
        "ITL1 regions",
        "all areas",
    ]
    assert list(out["finding"]) == [
        "level",
        "gap between areas: trend (gap since baseline)",  # same metric, area and statistic:
        "gap between areas: trend (gap)",  # the key tells them apart
        "gap between the top and bottom tenth: trend",
        "spread across areas: trend (sigma convergence)",
        "share",  # no statistic: the key in words
    ]
    assert finding_label("single") == "single"
    assert statistic_label("share_outside_gse") == "share outside the Greater South East"
    assert statistic_label("not_a_known_statistic") == "not a known statistic"
    assert geography_label("england_wales+region") == "England and Wales, English regions"
    assert geography_label("+".join(UPPER_TIER)) == "upper-tier local authorities"


@pytest.mark.parametrize(
    ("name", "in_text"),
    [
        ("United Kingdom", "the United Kingdom"),
        ("North East", "the North East"),
        ("East of England", "the East of England"),
        ("England", "England"),
        ("England and Wales", "England and Wales"),
        ("London", "London"),
        ("Yorkshire and The Humber", "Yorkshire and The Humber"),
    ],
)
def test_area_names_in_running_text(name, in_text):
    assert area_in_text(name) == in_text


def test_tolerance_and_invisible_revisions():
    strict = compare_findings(NEW, PREVIOUS, rtol=0.0, atol=0.0)
    assert "m07.hle.rounding" in set(strict.revised["key"])
    row = strict.revised.set_index("key").loc["m07.hle.rounding"]
    assert bool(row["visible"]) is False  # not visible at the published precision
    loose = compare_findings(NEW, PREVIOUS, atol=0.2)
    assert list(loose.revised["key"]) == ["m01.pay.2019"]


def test_identical_tables_have_no_changes_and_inputs_are_checked():
    changes = compare_findings(PREVIOUS, PREVIOUS.sample(frac=1, random_state=1))
    assert not changes.any and changes.unchanged == len(PREVIOUS)
    with pytest.raises(ValueError, match="duplicate"):
        compare_findings(pd.concat([NEW, NEW.head(1)]), PREVIOUS)
    with pytest.raises(ValueError, match="key"):
        compare_findings(NEW.drop(columns="key"), PREVIOUS)
    # columns the older edition did not have are tolerated
    minimal = PREVIOUS[["key", "value", "display"]]
    assert compare_findings(minimal, minimal).unchanged == len(minimal)


def test_read_findings_round_trips_the_build_csv(tmp_path):
    f = Findings("m07-health", tmp_path)
    f.add("hle.gap", 10.3, unit="years", period="2019", lower=9.9, upper=10.7)
    f.add("hle.verdict", None, display="NA")  # text that pandas would read as missing
    path = f.save()
    frame = read_findings(path)
    assert frame.loc[0, "value"] == 10.3 and frame.loc[1, "display"] == "NA"
    assert math.isnan(frame.loc[1, "value"])


def _notebook_findings(tmp_path):
    a = Findings("m01-pay", tmp_path)
    a.add("pay.median", 728.123456789, unit="£", period="2024", n=12)
    a.add("pay.trend", None, display='rising, "significant"')
    a.add("pay.gap", 0.1 + 0.2, unit="%", lower=-1e-7, upper=1e20)
    b = Findings("m07-health", tmp_path)
    b.add("hle.gap", 10.3, unit="years")
    b.add("hle.nations.w92000004", float("nan"), display="suppressed")
    b.add("hle.ratio", float("inf"), display="undefined")
    return {"m01-pay": a, "m07-health": b}


def test_build_merge_is_byte_identical_to_the_findings_module(tmp_path):
    """The build merges with the standard library; the result must equal the pandas contract."""
    notebooks = _notebook_findings(tmp_path)
    paths = {name: f.save() for name, f in notebooks.items()}
    expected = tmp_path / "expected.csv"
    write_findings_csv(merge_findings({n: f.frame() for n, f in notebooks.items()}), expected)
    out = tmp_path / "merged"
    variables = merge_findings_files(paths, out, tmp_path / "cache", {"edition": "2026"})
    assert (out / "findings.csv").read_bytes() == expected.read_bytes()
    merged = merge_findings({n: f.frame() for n, f in notebooks.items()})
    assert variables == {**variables_tree(merged), "edition": "2026"}
    assert "m01-pay:\n  pay:\n" in (out / "_variables.yml").read_text()
    records = {r["key"]: r for r in json.loads((out / "findings.json").read_text())}
    assert records["m07-health.hle.ratio"]["value"] is None  # inf is not JSON; the CSV keeps it
    assert records["m01-pay.pay.median"]["value"] == 728.123456789
    # cached: a second merge reads nothing but the inputs' hashes
    (tmp_path / "cache").rename(tmp_path / "cache2")
    assert merge_findings_files(paths, out, tmp_path / "cache2", {"edition": "2026"}) == variables


def test_build_merge_rejects_duplicate_and_parent_keys(tmp_path):
    a = Findings("m01-pay", tmp_path / "a")
    a.add("pay.median", 1.0)
    b = tmp_path / "b.csv"
    b.write_text(a.save().read_text())
    with pytest.raises(BuildError, match="written by both"):
        merge_findings_rows({"m01-pay": a.save(), "copy": b})
    c = Findings("m01-pay", tmp_path / "c")
    c.add("pay.median.north", 2.0)
    with pytest.raises(BuildError, match="parent of other keys"):
        merge_findings_rows({"a": a.save(), "c": c.save()})
