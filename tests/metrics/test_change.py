"""Per-area change since a baseline: z-tested with published intervals, read by polarity."""

import pytest
from _synthetic import synthetic_metric

from levelup.findings.table import Findings
from levelup.metrics import change


@pytest.fixture
def findings(tmp_path):
    return Findings("test-change", tmp_path)


def test_polarity_and_significance(findings):
    values = {
        "up": [7.0, 7.5],  # +0.5, SE of the change 0.1/1.96*sqrt(2): significant
        "flat": [7.0, 7.05],  # +0.05: not significant
        "down": [7.0, 6.5],
    }
    md = synthetic_metric("m08-anxiety", values, ci=0.1)  # lower is better
    table = change.area_change(
        md, "non_metropolitan_district", findings, "c", since="2015-04-01/P1Y"
    )
    status = dict(zip(table["area_code"], table["status"], strict=True))
    assert status == {"up": "worsened", "flat": "no significant change", "down": "improved"}
    up = table.set_index("area_code").loc["up"]
    half = 1.96 * (0.1 / 1.96) * 2**0.5
    assert up["lower"] == pytest.approx(0.5 - half) and up["upper"] == pytest.approx(0.5 + half)
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-change.c.improved"] == "1"
    assert keys["test-change.c.insufficient-data"] == "none"  # zeros are recorded, in words
    assert keys["test-change.c.tested"] == "yes"
    assert keys["test-change.c.baseline-period"] == "2015/16"


def test_without_intervals_the_sign_decides_and_is_flagged(findings):
    md = synthetic_metric(
        "m10-net-additions", {"a": [8.0, 9.0, 10.0], "b": [8.0, 7.0, 6.0], "c": [1.0]}
    )
    table = change.area_change(
        md, "non_metropolitan_district", findings, "n", since="2016-04-01/P1Y"
    )
    status = dict(zip(table["area_code"], table["status"], strict=True))
    assert status == {"a": "improved", "b": "worsened", "c": "insufficient data"}
    assert not table["tested"].any()
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-change.n.tested"].startswith("no (2 changes")
    assert keys["test-change.n.share-improved"] == "50%"
