"""The capital summaries shared by the six capital notebooks, on the real pinned data and by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pytest

from levelup import stats
from levelup.data.geography import Geography
from levelup.data.load import DataLoader
from levelup.data.schema import GREATER_SOUTH_EAST, LOWER_TIER, UPPER_TIER
from levelup.findings.table import Findings
from levelup.metrics import capitals as C
from levelup.metrics.analysis import MetricData, MetricUnavailable
from levelup.metrics.registry import Registry


@dataclass
class Context:
    """The parts of a notebook :func:`summarise_capital` uses (levelup.report.notebook.Notebook)."""

    loader: DataLoader
    findings: Findings
    registry: Registry = field(default_factory=Registry)
    unavailable: list = field(default_factory=list)

    @property
    def geography(self) -> Geography:
        return Geography(
            self.loader.store, self.loader.edition.boundaries, self.loader.succession_register()
        )

    def metric(self, metric_id: str):
        try:
            return MetricData.load(metric_id, self.loader, self.registry)
        except MetricUnavailable as missing:
            self.unavailable.append(missing)
            return None


def found(findings: Findings, key: str) -> dict:
    full = f"{findings.notebook_key}.{key}"
    rows = [r for r in findings.rows if r["key"] == full]
    assert rows, f"no finding {full}"
    return rows[-1]


@pytest.fixture(scope="module")
def financial(loader_2026, tmp_path_factory):
    ctx = Context(loader_2026, Findings("financial", tmp_path_factory.mktemp("fin")))
    return C.summarise_capital("financial", ctx), ctx


@pytest.fixture(scope="module")
def intangible(loader_2026, tmp_path_factory):
    ctx = Context(loader_2026, Findings("intangible", tmp_path_factory.mktemp("int")))
    return C.summarise_capital("intangible", ctx), ctx


# ------------------------------------------------------------------ helpers, by hand
def test_proxy_key_drops_the_capital_prefix():
    assert C.proxy_key("cap-physical-digital") == "digital"
    assert C.proxy_key("cap-physical-housing-supply") == "housing-supply"
    assert C.proxy_key("cap-intangible-fdi") == "fdi"
    assert C.proxy_key("m01-gdhi") == "gdhi"


def test_totals_are_amounts_not_rates():
    registry = Registry()
    assert C.is_total(registry.metric("cap-intangible-berd"))  # £ million
    assert C.is_total(registry.metric("cap-intangible-fdi"))
    assert not C.is_total(registry.metric("cap-financial-household-income"))  # £ per head
    assert not C.is_total(registry.metric("cap-physical-digital"))  # % of premises


def _rows(levels: dict[str, int], periods=("2022-01-01/P1Y", "2023-01-01/P1Y")) -> pd.DataFrame:
    out = []
    for level, n in levels.items():
        for i in range(n):
            for j, period in enumerate(periods):
                out.append(
                    {
                        "area_code": f"{level}{i}",
                        "geography": level,
                        "period": period,
                        "time": 2022.5 + j,
                        "value": 1.0,
                    }
                )
    return pd.DataFrame(out)


def test_local_level_is_the_finest_complete_level():
    districts = _rows({"non_metropolitan_district": 3, "unitary_authority": 2, "county": 1})
    assert C.local_level(districts) == ("local authority districts", LOWER_TIER)
    upper = _rows({"county": 2, "unitary_authority": 2, "metropolitan_district": 2})
    assert C.local_level(upper) == ("upper-tier local authorities", UPPER_TIER)
    assert C.local_level(_rows({"itl2": 4, "itl1": 2})) == ("ITL2 areas", ("itl2",))
    assert C.local_level(_rows({"region": 9})) is None


def test_join_names_lists_ties():
    assert C.join_names(["London"]) == "London"
    assert C.join_names(["London", "North East"]) == "London and North East"
    assert C.join_names(["A", "B", "C", "B"]) == "A, B and C"


def test_describe_coverage_in_words():
    rows = _rows({"non_metropolitan_district": 3, "region": 2})
    rows = pd.concat(
        [
            rows,
            pd.DataFrame(
                [
                    {
                        "area_code": "K02000001",
                        "geography": "uk",
                        "period": "2022-01-01/P1Y",
                        "time": 2022.5,
                        "value": 1.0,
                    },
                    {
                        "area_code": "W92000004",
                        "geography": "country",
                        "period": "2022-01-01/P1Y",
                        "time": 2022.5,
                        "value": 1.0,
                    },
                ]
            ),
        ]
    )
    text = C.describe_coverage(rows)
    assert text["geography"] == "UK, Wales, 2 English regions, 3 districts"
    assert text["periods"] == "2022 to 2023 (2 periods)"
    one = C.describe_coverage(_rows({"region": 9}, periods=("2024-05-15",)))
    assert one["periods"] == "15 May 2024 only"
    overlapping = pd.Series(["2014-04-01/P3Y", "2022-04-01/P3Y"])
    assert (
        C.span_text(overlapping) == "2 periods, first 2014/15 to 2016/17, latest 2022/23 to 2024/25"
    )


# ------------------------------------------------------------------ on the pinned data
def test_financial_capital_levels_regions_and_dispersion(financial, loader_2026):
    summary, ctx = financial
    gdhi = summary.proxy("cap-financial-household-income")
    assert gdhi.available and gdhi.national_code == "K02000001"
    published = loader_2026.indicator(gdhi.indicator)
    uk = published[published["area_code"] == "K02000001"].sort_values("time")
    # real terms: the published 2023 cash value × D(2024) / D(2023) of the GDP deflator (YBGB)
    assert uk["period"].iat[-1] == "2023-01-01/P1Y"
    assert found(ctx.findings, "household-income.national.latest")["value"] == pytest.approx(
        uk["value"].iat[-1] * 111.2 / 106.9
    )
    assert (
        found(ctx.findings, "household-income.national.area")["display"] == "the United Kingdom"
    )  # as running text quotes it
    # nine English regions then the three devolved nations, in that order
    table = summary.regions_table()
    assert len(table) == 12
    assert table["area"].iat[0] == "North East" and table["area"].iat[-1] == "Northern Ireland"
    # the dispersion is the CV across every local authority district in the latest year, by hand
    latest = published[published["geography"].isin(LOWER_TIER)].dropna(subset=["value"])
    latest = latest[latest["time"] == latest["time"].max()]
    cv = latest["value"].std(ddof=0) / latest["value"].mean()
    assert found(ctx.findings, "household-income.dispersion.cv-latest")["value"] == pytest.approx(
        cv
    )
    assert gdhi.dispersion_level == "local authority districts"
    assert found(ctx.findings, "household-income.dispersion.n-areas")["value"] == len(latest)
    # a long annual regional series gets the Phillips-Sul test; regional trend counts add up
    assert gdhi.log_t is not None and gdhi.log_t.n_periods >= stats.MIN_PERIODS_PS
    counts = sum(
        found(ctx.findings, f"household-income.regions.{v}")["value"]
        for v in ("improving", "worsening", "no-significant-change", "insufficient-data")
    )
    assert counts == 12


def test_relative_regions_index_the_national_value(financial):
    summary, _ = financial
    gdhi = summary.proxy("cap-financial-household-income")
    rel = gdhi.regions_relative()
    uk = gdhi.series()
    uk_latest = uk.set_index("period")["value"][gdhi.regions["period"].iat[0]]
    london = gdhi.regions.set_index("area_code")["value"]["E12000007"]
    assert rel.set_index("area_code")["value"]["E12000007"] == pytest.approx(
        100 * london / uk_latest
    )
    assert np.isfinite(rel["start_value"]).all()


def test_measurement_status_against_figure_2(financial):
    summary, ctx = financial
    figure2 = summary.figure2_table().set_index("")
    assert figure2.at["Annex rating (Figure 2)", "National aggregate"] == "orange"
    assert figure2.at["Annex rating (Figure 2)", "Sub-national distribution"] == "red"
    gdhi = "Gross disposable household income per head (proxy)"
    assert figure2.at[gdhi, "National aggregate"] == "United Kingdom"
    assert figure2.at[gdhi, "Sub-national distribution"] == "local authority districts"
    equity = "Equity deals by region (British Business Bank) (proxy)"
    assert figure2.at[equity, "National aggregate"] == "none"
    assert figure2.at["Proxies with a series in this report", "National aggregate"] == "2 of 4"
    assert found(ctx.findings, "status.annex-subnational")["display"] == "red"
    measures = summary.measures_table().set_index("measure")
    equity = measures.loc["Equity deals by region (British Business Bank) (capital proxy)"]
    assert equity["in this report"].startswith("no: ")
    assert "British Business Bank" in equity["in this report"]
    # the Mission 10 metric reaches this report only through its labelled proxy
    ftb = measures.loc["Number of first time buyers (Mission 10 headline metric)"]
    assert ftb["in this report"].startswith("proxy: ")
    gdhi_row = measures.loc["Gross disposable household income per head (capital proxy)"]
    assert gdhi_row["geography"].startswith("UK, 4 nations, 9 English regions, 12 ITL1 regions")
    assert gdhi_row["periods"].startswith("1997 to ")
    n = found(ctx.findings, "status.proxies")["value"]
    with_data = found(ctx.findings, "status.proxies-with-data")["value"]
    assert n == 4 and with_data == len(summary.with_data) == 2
    assert found(ctx.findings, "equity-deals.in-report")["display"] == "no"


def test_totals_are_shares_of_the_regional_total_without_dispersion(intangible):
    summary, ctx = intangible
    berd = summary.proxy("cap-intangible-berd")
    assert berd.total and berd.dispersion is None
    assert berd.regions["share"].sum() == pytest.approx(100)
    gse = berd.regions[berd.regions["area_code"].isin(GREATER_SOUTH_EAST)]["share"].sum()
    assert found(ctx.findings, "berd.regions.gse-share")["value"] == pytest.approx(gse)
    # GERD is transcribed for eight English regions only: no "share of the total" of a partial set
    gerd = summary.proxy("cap-intangible-gerd")
    assert len(gerd.regions) == 8 and "share" not in gerd.regions
    assert "intangible.gerd.regions.gse-share" not in {r["key"] for r in ctx.findings.rows}
    fdi = summary.proxy("cap-intangible-fdi")
    assert fdi.regions_level == "ITL1 regions"
    assert set(fdi.regions["region_code"]) == {*C.ENGLISH_REGIONS, *C.DEVOLVED_NATIONS}
    gse = fdi.regions[fdi.regions["region_code"].isin(GREATER_SOUTH_EAST)]["share"].sum()
    assert found(ctx.findings, "fdi.regions.gse-share")["value"] == pytest.approx(gse)
    # amounts for a whole region get no dispersion; GFCF per head (a rate) does
    table = summary.dispersion_table().set_index("measure")["areas and periods"]
    assert all("no proxy" in table[t] for t in table.index if "R&D" in t or "FDI" in t.upper())
    assert "12 ITL1 regions" in table[next(t for t in table.index if "GFCF" in t)]


def test_step_series_from_a_date_without_trend_tests(loader_2026, tmp_path):
    ctx = Context(loader_2026, Findings("institutional", tmp_path))
    option = C.ProxyOptions(since="2022-01-01", test_trend=False)
    summary = C.summarise_capital(
        "institutional", ctx, options={"cap-institutional-devolution": option}
    )
    devo = summary.proxy("cap-institutional-devolution")
    assert (devo.data.frame["period_start"] >= pd.Timestamp("2022-01-01")).all()
    assert found(ctx.findings, "devolution.national.first-period")["display"] == "January 2022"
    keys = {r["key"] for r in ctx.findings.rows}
    assert "institutional.devolution.national.trend-verdict" not in keys
    assert devo.dispersion is None and devo.region_verdicts is None
    assert devo.national["trend"].startswith("not tested")
    # every region at the top is named when several are tied (London and the North East at 100%)
    top = devo.regions[devo.regions["value"] == devo.regions["value"].max()]["area_name"]
    named = [C.area_in_text(n) for n in sorted(top)]  # with their article: "the North East"
    assert found(ctx.findings, "devolution.regions.highest")["display"] == C.join_names(named)
    assert "the North East" in found(ctx.findings, "devolution.regions.highest")["display"]


def test_an_edition_without_the_source_says_why(loader_2025, tmp_path):
    ctx = Context(loader_2025, Findings("financial", tmp_path))
    summary = C.summarise_capital("financial", ctx)
    mortgages = summary.proxy("cap-financial-mortgages")
    assert not mortgages.available
    assert "2025 edition" in mortgages.reason
    assert [u.metric.id for u in ctx.unavailable] == [
        "cap-financial-mortgages",
        "cap-financial-equity-deals",
        "cap-financial-household-wealth",
    ]


def test_findings_keys_are_valid_for_the_book(financial, intangible):
    from levelup.findings.table import check_keys

    for _summary, ctx in (financial, intangible):
        check_keys([r["key"] for r in ctx.findings.rows])


def test_unknown_capital_is_refused(loader_2026, tmp_path):
    with pytest.raises(ValueError, match="unknown capital"):
        C.summarise_capital("natural", Context(loader_2026, Findings("x", tmp_path)))
