"""Poisson tests of rate changes against textbook values and a hand-made panel."""

import math

import pandas as pd
import pytest
from _synthetic import synthetic_metric
from scipy import stats as sps

from levelup.findings.table import Findings
from levelup.metrics import rates


def test_exact_poisson_rate_ratio():
    rr = rates.poisson_rate_ratio(20, 10)
    assert rr.ratio == pytest.approx(0.5)
    # conditional test: 10 of 30 events in the later period, H0 p = 1/2
    assert rr.p_value == pytest.approx(sps.binomtest(10, 30, 0.5).pvalue)
    ci = sps.binomtest(10, 30, 0.5).proportion_ci(method="exact")
    assert rr.lower == pytest.approx(ci.low / (1 - ci.low))
    assert rr.upper == pytest.approx(ci.high / (1 - ci.high))
    assert math.isnan(rates.poisson_rate_ratio(0, 0).ratio)


def test_ratio_of_rate_ratios_woolf():
    rrr, lo, hi, p = rates.ratio_of_rate_ratios(100, 50, 100, 100)
    assert rrr == pytest.approx(0.5)
    se = math.sqrt(1 / 100 + 1 / 50 + 1 / 100 + 1 / 100)
    assert lo == pytest.approx(math.exp(math.log(0.5) - 1.959964 * se), rel=1e-5)
    assert p < 0.01


def test_area_rate_changes_and_groups(tmp_path):
    findings = Findings("test-rates", tmp_path)
    values = {"big": [20, 20, 10], "small": [10, 10, 10], "x": [5, 5, 5]}
    md = synthetic_metric("m11-homicide", values, geography="police_force_area")
    pop = pd.Series({"big": 1_000_000, "small": 1_000_000, "x": 200_000})
    table = rates.area_rate_changes(
        md, "police_force_area", findings, "f", population=pop, years=3, per=1e6
    )
    big = table.set_index("area_code").loc["big"]
    assert (big["count0"], big["count1"]) == (60, 30)
    assert big["status"] == "improved"  # lower is better, a significant fall
    assert table.set_index("area_code").loc["small", "status"] == "no significant change"
    out = rates.group_rate_change(table, ["big"], findings, "g", metric="m11-homicide")
    assert out.set_index("group").loc["group", "ratio"] == pytest.approx(0.5)
    keys = {r["key"]: r["display"] for r in findings.rows}
    assert keys["test-rates.g.group-change"] == "−50%"
    assert keys["test-rates.f.improved"] == "1"


def test_police_force_populations_add_up(loader_2026):
    from levelup.data.geography import Geography

    geo = Geography(
        loader_2026.store, loader_2026.edition.boundaries, loader_2026.succession_register()
    )
    pop = rates.population_by_police_force_area(geo)
    assert len(pop) == 43  # 39 English forces (with the City of London) and 4 Welsh
    total = geo.population_weights(2022)["K04000001"]
    assert pop.sum() == pytest.approx(total, rel=1e-6)
