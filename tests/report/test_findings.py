"""The findings table: one row per quoted number, verdicts beside their estimates."""

import math
from types import SimpleNamespace

from levelup.report.findings import Findings


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
