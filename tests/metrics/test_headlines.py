"""Headline statuses: every row of data/headlines.yaml reads from findings both editions have; the
glance table and summary findings put each verdict on the scale and date it."""

from pathlib import Path

import pandas as pd
import pytest

from levelup.findings.table import Findings
from levelup.metrics import headlines as H
from levelup.metrics import status as S
from levelup.report.changes import read_findings

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "ground_truth"


def _row(key, display="", metric="", period="", notebook="m99"):
    return {
        "key": key,
        "display": display,
        "metric": metric,
        "period": period,
        "notebook": notebook,
    }


def _findings() -> pd.DataFrame:
    return pd.DataFrame(
        [
            # mission 3: old data, a trend that says nothing
            _row("m03.x.latest", "11.4 minutes", "m03-travel-time", "2019-01-01/P1Y"),
            _row("m03.x.trend", "no significant change"),
            _row("m03.x.gap", "widening"),
            _row("m03.x.status", "no significant change (no quantified target)"),
            # mission 10: a proxy with recent data
            _row("m10.ftb.latest", "10.6", "m10-first-time-buyers", "2024-01-01/P1Y"),
            _row("m10.ftb.trend", "improving"),
            _row("m10.ftb.status", "improving (no quantified target)"),
            # mission 11: a fall in a lower-is-better metric
            _row("m11.h.latest", "9.1", "m11-homicide", "2022-04-01/P3Y"),
            _row("m11.h.trend", "insufficient data"),
            _row("m11.h.status", "significant fall"),
        ]
    )


SPECS = [
    H.HeadlineSpec(
        3,
        "x",
        "Journey time",
        "m03.x.latest",
        "m03.x.trend",
        "regions: {m03.x.gap}",
        "m03.x.status",
    ),
    H.HeadlineSpec(
        10,
        "ftb",
        "First-time buyers (proxy)",
        "m10.ftb.latest",
        "m10.ftb.trend",
        "",
        "m10.ftb.status",
    ),
    H.HeadlineSpec(
        11, "h", "Homicide", "m11.h.latest", "m11.h.trend", "", "m11.h.status", "(since March 2021)"
    ),
]


def test_statuses_are_on_the_scale_and_dated():
    table = H.headline_table(_findings(), "2026", specs=SPECS).set_index("key")
    assert table.loc["m03.x", "status"] == "off track \u2014 data to 2019"
    assert table.loc["m03.x", "trend"] == "no significant change \u2014 data to 2019"
    assert table.loc["m03.x", "gap"] == "regions: widening \u2014 data to 2019"
    assert table.loc["m03.x", "age"] == 7 and table.loc["m03.x", "dated"]
    assert table.loc["m10.ftb", "status"] == "not assessable: proxy only"
    assert table.loc["m10.ftb", "gap"] == "\u2014"
    assert table.loc["m11.h", "status"] == "some progress (since March 2021)"  # fall is good
    assert not table.loc["m11.h", "dated"]  # 2022/23 to 2024/25 ends in 2025


def test_a_gap_on_another_series_is_dated_by_that_series():
    findings = pd.concat(
        [_findings(), pd.DataFrame([_row("m03.y.latest", "27%", "", "2024-04-01/P1Y")])]
    )
    spec = H.HeadlineSpec(
        3,
        "x",
        "Journey time",
        "m03.x.latest",
        "m03.x.trend",
        "regions: {m03.x.gap}",
        "m03.x.status",
        gap_latest="m03.y.latest",
    )
    row = H.headline_table(findings, "2026", specs=[spec]).iloc[0]
    assert row["gap"] == "regions: widening"  # recent series: not dated
    assert row["status"] == "off track \u2014 data to 2019"  # the headline still is


def test_a_missing_finding_is_an_error_unless_reading_a_previous_edition():
    findings = _findings()
    findings = findings[findings["key"] != "m03.x.status"]
    with pytest.raises(H.HeadlineError, match="m03.x.status"):
        H.headline_table(findings, "2026", specs=SPECS)
    assert H.headline_table(findings, "2026", specs=SPECS, strict=False)["key"].tolist() == [
        "m10.ftb",
        "m11.h",
    ]


def test_a_metric_without_data_is_not_assessable():
    findings = _findings()
    findings.loc[findings["key"] == "m10.ftb.latest", ["period", "display"]] = [
        "",
        "not in this edition's data",
    ]
    table = H.headline_table(findings, "2025", specs=SPECS).set_index("key")
    assert table.loc["m10.ftb", "status"] == "not assessable: no data"


def test_summary_findings_counts_names_and_changes(tmp_path):
    table = H.headline_table(_findings(), "2026", specs=SPECS)
    before = table.copy()
    before.loc[before["key"] == "m11.h", ["level", "reason"]] = [S.OFF_TRACK, ""]
    changes = H.status_changes(table, before)
    assert changes[["key", "previous", "now"]].values.tolist() == [
        ["m11.h", "off track", "some progress"]
    ]
    findings = Findings("summary", tmp_path)
    H.record_findings(findings, table, changes=changes, previous_edition="2025")
    got = findings.frame().set_index("key")["display"]
    assert got["summary.count.off-track"] == "1"
    assert got["summary.names.off-track"] == "Mission 3 (transport infrastructure)"
    assert got["summary.names.not-assessable"] == "Mission 10 (housing, proxy only)"
    assert got["summary.dated.count"] == "1"
    assert got["summary.dated.oldest"] == "2019, for Mission 3 (transport infrastructure)"
    assert got["summary.changes.count"] == "1 headline status"
    assert got["summary.mission.m03.gap"] == "regions, widening"
    assert got["summary.mission.m10.gap"] == "not measured for this metric"
    assert "off track in 2025, some progress now" in got["summary.changes.list"]
    first = Findings("summary", tmp_path)
    H.record_findings(first, table)
    got = first.frame().set_index("key")["display"]
    assert got["summary.changes.list"] == "none (this is the first edition)"


def test_glance_table_styles_every_status():
    table = H.headline_table(_findings(), "2026", specs=SPECS)
    text = H.glance_markdown(table)
    lines = text.splitlines()
    assert len(lines) == 2 + len(SPECS)
    assert "[off track \u2014 data to 2019]{.lu-status .lu-status-off-track}" in text
    assert "[Mission 3: Transport infrastructure](chapters/mission-03.qmd)" in text
    assert "11.4 minutes (2019)" in text


def test_english_list():
    assert H.english_list([]) == "none"
    assert H.english_list(["a"]) == "a"
    assert H.english_list(["a", "b"]) == "a and b"
    assert H.english_list(["a", "b", "c"]) == "a, b and c"


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_every_headline_row_reads_from_the_built_findings(edition):
    findings = read_findings(GROUND_TRUTH / f"findings-{edition}.csv")
    table = H.headline_table(findings, edition)  # strict: raises for a key that is not there
    assert sorted(set(table["mission"])) == list(range(1, 13))
    assert set(table["level"]) <= set(S.SCALE)
