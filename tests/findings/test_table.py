"""The findings table: one row per quoted number, verdicts beside their estimates."""

import math
from types import SimpleNamespace

import pytest

from levelup.findings.table import Findings


def test_add_estimate_records_the_estimate_and_its_verdict(tmp_path):
    findings = Findings("m99-test", tmp_path)
    result = SimpleNamespace(
        estimate=-0.25, lower=-0.4, upper=math.inf, n=12, method="OLS, HAC", verdict="narrowing"
    )
    text = findings.add_estimate(
        "gap.trend",
        result,
        statistic="gap_trend",
        verdict_key="gap.trend-verdict",
        verdict_statistic="gap_trend_verdict",
        verdict_n=False,
        unit="years",
        area="E92000001",
    )
    estimate, verdict = findings.rows
    assert text == estimate["display"]
    assert estimate["key"] == "m99-test.gap.trend" and estimate["value"] == -0.25
    assert estimate["lower"] == -0.4 and estimate["upper"] is None  # non-finite limit: missing
    assert (estimate["n"], estimate["method"], estimate["area"]) == (12, "OLS, HAC", "E92000001")
    assert verdict["key"] == "m99-test.gap.trend-verdict" and verdict["value"] is None
    assert verdict["display"] == "narrowing" and verdict["statistic"] == "gap_trend_verdict"
    assert verdict["n"] is None and verdict["area"] == "E92000001"
    findings.add_estimate(
        "x", result, statistic="s", verdict_key="x-v", verdict_statistic="v", verdict="closing"
    )
    assert findings.rows[-1]["display"] == "closing" and findings.rows[-1]["n"] == 12


def test_add_period_quotes_the_period_as_a_reader_expects_it(tmp_path):
    findings = Findings("m99-test", tmp_path)
    assert findings.add_period("ks2.latest-period", "2023-09-01/P1Y", area="E92000001") == "2023/24"
    row = findings.rows[0]
    assert (row["period"], row["statistic"], row["value"]) == ("2023-09-01/P1Y", "period", None)
    assert row["area"] == "E92000001"


def test_derived_counts_are_shown_rounded_and_kept_exact(tmp_path):
    from levelup.findings.table import format_rounded

    assert format_rounded(1_450_565, 10_000) == "1,450,000"
    assert format_rounded(-689_435, 10_000) == "−690,000"
    assert format_rounded(1_455_000, 1_000) == "1,455,000"
    assert format_rounded(float("nan"), 10_000) == "n/a"
    with pytest.raises(ValueError, match="positive step"):
        format_rounded(1.0, 0)
    f = Findings("m10-housing", tmp_path)
    f.add("non-decent.england.latest", 1_450_565, unit="dwellings")
    f.add("non-decent.england.trend", -54_164, unit="dwellings", display="−54,164 a year")
    f.add("non-decent.share-latest", 15.98, unit="%")
    f.add("non-decent.england.status", None, unit="dwellings", display="limited progress")
    f.add("other.count", 1_450_565, unit="dwellings")
    assert f.round_displays("non-decent", 10_000, unit="dwellings") == 2
    shown = f.frame().set_index("key")
    assert shown.at["m10-housing.non-decent.england.latest", "display"] == "1,450,000"
    assert shown.at["m10-housing.non-decent.england.latest", "value"] == 1_450_565
    assert shown.at["m10-housing.non-decent.england.trend", "display"] == "−50,000 a year"
    assert shown.at["m10-housing.non-decent.share-latest", "display"] == "16.0%"
    assert shown.at["m10-housing.non-decent.england.status", "display"] == "limited progress"
    assert shown.at["m10-housing.other.count", "display"] == "1,450,565"


def test_rounding_leaves_test_statistics_and_ratios_alone(tmp_path):
    f = Findings("m10-housing", tmp_path)
    f.add("non-decent.england.mk-p", 0.0028, unit="dwellings", display="p = 0.003")
    f.add("non-decent.england.ratio", 0.37, unit="dwellings")
    assert f.round_displays("non-decent", 10_000, unit="dwellings") == 0
    assert list(f.frame()["display"]) == ["p = 0.003", "0.37"]


def test_a_key_segment_of_digits_only_is_refused(tmp_path):
    """Quarto's var shortcode reads an all-digit segment as a list index, so such a key could
    never be quoted; 'y2018' (or '2018-rank') is fine."""
    from levelup.findings.table import FindingsError

    findings = Findings("m02-research-development", tmp_path)
    findings.add("intensity.noe.y2018", 2.6)
    findings.add("rai.uk.2018-rank", None, display="5th of 98")
    with pytest.raises(FindingsError, match="all-digit segment '2018'.*'y2018'"):
        findings.add("intensity.noe.2018", 2.6)
