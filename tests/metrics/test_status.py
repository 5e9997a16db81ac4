"""The one status scale: every engine verdict maps to a level (or is a known test outcome), and a
verdict on data three or more years old is labelled as dated."""

from pathlib import Path

import pandas as pd
import pytest

from levelup.metrics import status as S
from levelup.metrics.registry import Registry

GROUND_TRUTH = Path(__file__).resolve().parents[1] / "ground_truth"


@pytest.mark.parametrize(
    ("verdict", "level"),
    [
        ("target met", S.ON_TRACK),
        ("on track", S.ON_TRACK),
        ("acceleration needed", S.SOME_PROGRESS),
        ("limited progress", S.OFF_TRACK),
        ("deteriorating", S.WORSENING),
        ("on course", S.ON_TRACK),
        ("off course", S.OFF_TRACK),
        ("improvement projected", S.ON_TRACK),
        ("no clear change projected", S.OFF_TRACK),
        ("deterioration projected", S.WORSENING),
        ("improving (no quantified target)", S.SOME_PROGRESS),
        ("no significant change (no quantified target)", S.OFF_TRACK),
        ("worsening (no quantified target)", S.WORSENING),
        ("closing", S.SOME_PROGRESS),
        ("widening", S.WORSENING),
        ("diverging", S.WORSENING),
        ("not distinguishable from the baseline", S.OFF_TRACK),
        ("significantly worse", S.WORSENING),
    ],
)
def test_engine_verdicts_map_to_the_scale(verdict, level):
    assert S.scale_status(verdict).level == level


@pytest.mark.parametrize(
    ("verdict", "reason"),
    [
        ("insufficient data", S.TOO_FEW_POINTS),
        ("insufficient data (no quantified target)", S.TOO_FEW_POINTS),
        ("not assessable: one change only", S.ONE_CHANGE),
        ("too uncertain to project", S.TOO_UNCERTAIN),
        ("not tested (no published interval)", S.NO_INTERVAL),
        (
            "not assessable: this release has no counts for the 2018/19 baseline",
            "this release has no counts for the 2018/19 baseline",
        ),
    ],
)
def test_not_assessable_keeps_its_reason(verdict, reason):
    status = S.scale_status(verdict)
    assert status.level == S.NOT_ASSESSABLE
    assert status.reason == reason
    assert status.label == f"not assessable: {reason}"


def test_a_direction_is_read_through_the_polarity():
    # a fall in homicide is progress; a fall in pay is not
    assert S.scale_status("significant fall", higher_is_better=False).level == S.SOME_PROGRESS
    assert S.scale_status("significant fall", higher_is_better=True).level == S.WORSENING
    assert S.scale_status("increasing", higher_is_better=True).level == S.SOME_PROGRESS
    with pytest.raises(S.UnknownVerdict, match="polarity"):
        S.scale_status("decreasing")


def test_unknown_strings_and_test_outcomes_are_refused():
    with pytest.raises(S.UnknownVerdict, match="VERDICT_SCALE"):
        S.scale_status("somewhat better")
    with pytest.raises(S.UnknownVerdict, match="not a status"):
        S.scale_status("beta convergence")
    assert S.is_known_verdict("beta convergence")
    assert not S.is_known_verdict("somewhat better")


def test_labels_classes_and_icons():
    met = S.scale_status("target met")
    assert (met.label, met.slug) == ("on track (target met)", "on-track")
    assert S.markup("worsening", S.scale_status("deteriorating")) == (
        "[worsening]{.lu-status .lu-status-worsening}"
    )
    assert set(S.ICONS) == set(S.SCALE) == set(S.MEANINGS)
    with pytest.raises(ValueError, match="reason"):
        S.Status(S.NOT_ASSESSABLE)


def test_headline_status_proxy_target_and_no_verdict():
    assert S.headline_status("improving", proxy=True).label == "not assessable: proxy only"
    assert (
        S.headline_status("improving", has_target=False).label
        == "not assessable: no quantified target"
    )
    assert S.headline_status("").label == "not assessable: no data"
    assert S.headline_status("deteriorating").level == S.WORSENING


def test_the_scale_table_lists_every_mapped_verdict_once():
    listed = [v for _, _, verdicts in S.scale_table() for v in verdicts]
    assert set(S.VERDICT_SCALE) - {"\u2014"} <= set(listed)
    assert [level for level, _, _ in S.scale_table()] == list(S.SCALE)


# ------------------------------------------------------------------------------------ data age
@pytest.mark.parametrize(
    ("period", "end_year"),
    [
        ("2019-01-01/P1Y", 2019),
        ("2020-04-01/P1Y", 2021),  # 2020/21 ends in March 2021
        ("2020-08-01/P1Y", 2021),  # academic year 2020/21
        ("2022-01-01/P3Y", 2024),
        ("2026-01-01", 2026),
        ("2011-01-01/P3Y/2021-01-01/P3Y", 2023),  # a comparison: the later period
    ],
)
def test_period_end_year(period, end_year):
    assert S.period_end_year(period) == end_year


def test_the_dated_rule_is_three_years_or_more():
    assert S.data_age("2019-01-01/P1Y", 2026) == 7
    assert not S.is_dated("2023-04-01/P1Y", 2026)  # ends 2024: two years
    assert S.is_dated("2022-04-01/P1Y", 2026)  # ends 2023: three years
    assert S.dated("worsening", "2019-01-01/P1Y", "2026") == "worsening \u2014 data to 2019"
    assert S.dated("worsening", "2020-04-01/P1Y", 2026) == "worsening \u2014 data to 2020/21"
    assert S.dated("on track", "2026-01-01", 2026) == "on track"
    with pytest.raises(ValueError, match="no period"):
        S.period_end_year("")


# ----------------------------------------------------- every verdict the report prints is mapped
def _status_findings(edition: str) -> pd.DataFrame:
    frame = pd.read_csv(GROUND_TRUTH / f"findings-{edition}.csv", dtype=str, keep_default_na=False)
    return frame[frame["key"].map(S.is_status_key) & (frame["display"] != "")]


@pytest.mark.parametrize("edition", ["2025", "2026"])
def test_every_status_like_finding_of_both_editions_maps(edition):
    findings = _status_findings(edition)
    assert len(findings) > 100, "the built findings should hold many verdicts"
    metrics = Registry().by_id
    unknown = []
    for row in findings.itertuples():
        text = row.display
        if row.notebook == "summary":  # already on the scale: a level, then detail
            if row.key.endswith(".status") and not text.startswith(S.SCALE):
                unknown.append(f"{row.key}: {text!r}")
            continue
        if not S.is_known_verdict(text):
            unknown.append(f"{row.key}: {text!r}")
            continue
        base = text.removesuffix(" (no quantified target)")
        if base in S.NOT_A_STATUS or row.notebook == "what-changed":
            continue
        metric = metrics.get(row.metric)
        polarity = metric.higher_is_better if metric else None
        if base in S.DIRECTIONAL and polarity is None:
            continue  # a neutral metric's direction is reported, never as a status
        S.scale_status(text, polarity)  # raises for an unmapped verdict
    assert not unknown, "verdicts with no level on the status scale:\n" + "\n".join(unknown)


def test_every_engine_verdict_constant_is_known():
    verdicts = pytest.importorskip("levelup.stats.verdicts")
    unknown = sorted(v for v in verdicts.ALL_VERDICTS if not S.is_known_verdict(v))
    assert not unknown, f"engine verdicts missing from levelup.metrics.status: {unknown}"
