"""Changes in rates of rare events (homicide) between two periods, tested as Poisson counts.

Published rates of rare events carry no confidence interval, but their uncertainty is that of a
count: a police force with 10 homicides in three years has a rate whose "true" value could easily
be half or double. The functions here rebuild the approximate count behind each published rate
(rate x population x years / per) and test the change in the rate between two non-overlapping
periods with the exact conditional test for two Poisson counts (the later count is binomial given
the total), which is valid for small counts.

* :func:`implied_counts` -- counts implied by published rates and a population.
* :func:`poisson_rate_ratio` -- rate ratio later/earlier, exact 95% CI and p-value.
* :func:`ratio_of_rate_ratios` -- did one group's rate change more than another's? (log-normal
  approximation, Woolf).
* :func:`area_rate_changes` -- every area of a metric: implied counts, rate ratio, verdict.
* :func:`group_rate_change` -- a group of areas against the rest, on summed counts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from levelup.data.geography import Geography
from levelup.findings.table import Findings
from levelup.metrics.analysis import MetricData
from levelup.metrics.change import IMPROVED, NO_CHANGE, WORSENED, record_status_counts
from levelup.stats import verdicts
from levelup.stats.distributions import norm_ppf, norm_sf
from levelup.stats.verdicts import INSUFFICIENT


def implied_counts(rate, population, years: float, per: float) -> np.ndarray:
    """Events implied by a rate per ``per`` people a year over ``years`` years."""
    return np.asarray(rate, float) * np.asarray(population, float) * years / per


@dataclass
class RateRatio:
    """Later rate / earlier rate with an exact interval (``count0``/``count1`` as tested)."""

    count0: int
    count1: int
    ratio: float
    lower: float
    upper: float
    p_value: float


def poisson_rate_ratio(
    count0: float,
    count1: float,
    exposure0: float = 1.0,
    exposure1: float = 1.0,
    *,
    alpha: float = 0.05,
) -> RateRatio:
    """Exact conditional test of two Poisson rates.

    Given n = c0 + c1 events, c1 ~ Binomial(n, pi) with pi = R e1 / (e0 + R e1) under a rate
    ratio R = (c1/e1)/(c0/e0); H0: R = 1. The Clopper-Pearson interval (pi_L, pi_U) of pi maps
    to R = pi / (1 - pi) x e0 / e1. Counts are rounded to whole events first.
    Reference: Breslow, N. E. & Day, N. E. (1987) Statistical Methods in Cancer Research II, IARC.
    """
    c0, c1 = int(round(float(count0))), int(round(float(count1)))
    n = c0 + c1
    if n == 0:
        return RateRatio(c0, c1, math.nan, math.nan, math.nan, math.nan)
    ratio = (c1 / exposure1) / (c0 / exposure0) if c0 > 0 else math.inf
    from scipy.stats import binomtest  # here: importing scipy.stats costs 0.45 s

    test = binomtest(c1, n, exposure1 / (exposure0 + exposure1))
    ci = test.proportion_ci(confidence_level=1 - alpha, method="exact")

    def to_ratio(pi: float) -> float:
        return math.inf if pi >= 1 else pi / (1 - pi) * exposure0 / exposure1

    return RateRatio(c0, c1, ratio, to_ratio(ci.low), to_ratio(ci.high), float(test.pvalue))


def ratio_of_rate_ratios(
    a0: float, a1: float, b0: float, b1: float, *, alpha: float = 0.05
) -> tuple[float, float, float, float]:
    """(a1/a0) / (b1/b0) with a log-normal 95% CI and two-sided p (Woolf):
    SE(log) = sqrt(1/a0 + 1/a1 + 1/b0 + 1/b1) on the counts (equal exposures in each group)."""
    counts = np.array([a0, a1, b0, b1], float)
    if np.any(counts <= 0):
        return math.nan, math.nan, math.nan, math.nan
    log_rrr = math.log(a1 / a0) - math.log(b1 / b0)
    se = math.sqrt(float(np.sum(1 / counts)))
    z = norm_ppf(1 - alpha / 2)
    p = float(2 * norm_sf(abs(log_rrr) / se))
    return math.exp(log_rrr), math.exp(log_rrr - z * se), math.exp(log_rrr + z * se), p


def _verdict(rr: RateRatio, higher_is_better: bool, alpha: float) -> str:
    if not np.isfinite(rr.p_value):
        return INSUFFICIENT
    if rr.p_value >= alpha:
        return NO_CHANGE
    rose = rr.ratio > 1
    return IMPROVED if rose == higher_is_better else WORSENED


def area_rate_changes(
    md: MetricData,
    geography: str | tuple[str, ...],
    findings: Findings,
    key: str,
    *,
    population: pd.Series,
    years: float,
    per: float,
    start: float | None = None,
    end: float | None = None,
    areas: list[str] | tuple[str, ...] | None = None,
    alpha: float = 0.05,
) -> pd.DataFrame:
    """Every area's rate in period ``start`` (default: first) against ``end`` (default: latest).

    ``areas`` restricts the comparison to those area codes (e.g. England and Wales, not NI).

    Counts are implied by the published rates and ``population`` (by area code; the same
    population for both periods, so the rate ratio is exactly the published one and the
    population only sets the size of the counts). Returns one row per area with ``rate0``,
    ``rate1``, ``population``, ``count0``, ``count1``, ``ratio``, ``lower``, ``upper``,
    ``p_value`` and ``status`` (read through the metric's polarity). Records the number of areas
    in each status under ``<key>.<status>``, ``.n-areas``, ``.first-period``, ``.latest-period``.
    """
    panel = md.panel(geography).dropna(subset=["value"])
    if areas is not None:
        panel = panel[panel["area_code"].isin(set(areas))]
    times = sorted(panel["time"].unique())
    t0 = times[0] if start is None else min(times, key=lambda t: abs(t - start))
    t1 = times[-1] if end is None else min(times, key=lambda t: abs(t - end))
    a = panel[panel["time"] == t0].set_index("area_code")
    b = panel[panel["time"] == t1].set_index("area_code")
    codes = sorted(set(a.index) & set(b.index))
    rows = []
    hib = bool(md.higher_is_better)
    for code in codes:
        pop = float(population.get(code, np.nan))
        r0, r1 = float(a.at[code, "value"]), float(b.at[code, "value"])
        if not np.isfinite(pop):
            rows.append(
                {
                    "area_code": code,
                    "area_name": b.at[code, "area_name"],
                    "rate0": r0,
                    "rate1": r1,
                    "status": INSUFFICIENT,
                }
            )
            continue
        c0, c1 = implied_counts([r0, r1], pop, years, per)
        rr = poisson_rate_ratio(c0, c1)
        rows.append(
            {
                "area_code": code,
                "area_name": b.at[code, "area_name"],
                "rate0": r0,
                "rate1": r1,
                "population": pop,
                "count0": rr.count0,
                "count1": rr.count1,
                "ratio": rr.ratio,
                "lower": rr.lower,
                "upper": rr.upper,
                "p_value": rr.p_value,
                "status": _verdict(rr, hib, alpha),
            }
        )
    table = pd.DataFrame(rows)
    table.attrs["period0"] = a["period"].iat[0]
    table.attrs["period1"] = b["period"].iat[0]
    common = {
        "metric": md.metric.id,
        "geography": "+".join((geography,) if isinstance(geography, str) else geography),
    }
    method = (
        f"exact conditional Poisson test of counts implied by the published rates and population "
        f"({years:g} years per period)"
    )
    record_status_counts(findings, key, table, common, method)
    for name, period in (
        ("first-period", table.attrs["period0"]),
        ("latest-period", table.attrs["period1"]),
    ):
        findings.add_period(
            f"{key}.{name}",
            period,
            **common,
        )
    return table


def population_by_police_force_area(geography: Geography, year: int = 2022) -> pd.Series:
    """Mid-``year`` population of each police force area (England and Wales), summed over its
    lower-tier authorities on the edition's boundaries."""
    lookup = geography.police_force_areas
    population = geography.population_weights(year)
    return (
        lookup.assign(population=lookup["lad_code"].map(population))
        .groupby("pfa_code")["population"]
        .sum(min_count=1)
    )


def group_rate_change(
    table: pd.DataFrame,
    members: list[str] | set[str],
    findings: Findings,
    key: str,
    *,
    metric: str = "",
    unit: str = "",
    alpha: float = 0.05,
) -> pd.DataFrame:
    """A group of areas against the rest, on the summed implied counts of :func:`area_rate_changes`.

    Returns rows for "group" and "rest": summed ``count0``/``count1``, aggregate ``rate0``/``rate1``
    (population weighted), ``ratio`` with its exact CI and p-value. Records ``<key>.group-change``
    and ``.rest-change`` (% changes with exact CIs), ``.group-first``/``-latest``,
    ``.rest-first``/``-latest`` (aggregate rates), ``.group-p``/``.rest-p``, ``.difference``
    (ratio of the two rate ratios, Woolf CI), ``.difference-p`` and ``.difference-verdict``
    ("fell more than the rest", "rose more than the rest" or "no significant difference").
    """
    usable = table.dropna(subset=["count0", "count1"])
    inside = usable["area_code"].isin(set(members))
    rows = []
    for name, part in (("group", usable[inside]), ("rest", usable[~inside])):
        c0, c1 = part["count0"].sum(), part["count1"].sum()
        rr = poisson_rate_ratio(c0, c1)
        pop = part["population"]
        rows.append(
            {
                "group": name,
                "areas": len(part),
                "rate0": float((part["rate0"] * pop).sum() / pop.sum()),
                "rate1": float((part["rate1"] * pop).sum() / pop.sum()),
                "count0": rr.count0,
                "count1": rr.count1,
                "ratio": rr.ratio,
                "lower": rr.lower,
                "upper": rr.upper,
                "p_value": rr.p_value,
            }
        )
    out = pd.DataFrame(rows)
    g, r = out.iloc[0], out.iloc[1]
    common = {"metric": metric}
    for name, row in (("group", g), ("rest", r)):
        findings.add(
            f"{key}.{name}-change",
            100 * (row["ratio"] - 1),
            lower=100 * (row["lower"] - 1),
            upper=100 * (row["upper"] - 1),
            statistic="rate_change_pct",
            method="exact conditional Poisson test on summed implied counts",
            unit="%",
            display=f"{100 * (row['ratio'] - 1):+.0f}%".replace("-", "−"),
            **common,
        )
        findings.add(f"{key}.{name}-first", row["rate0"], statistic="rate", unit=unit, **common)
        findings.add(f"{key}.{name}-latest", row["rate1"], statistic="rate", unit=unit, **common)
        findings.add(
            f"{key}.{name}-p",
            row["p_value"],
            statistic="p_value",
            decimals=3,
            display="p < 0.001" if row["p_value"] < 0.001 else f"p = {row['p_value']:.3f}",
            **common,
        )
    rrr, lo, hi, p = ratio_of_rate_ratios(
        g["count0"], g["count1"], r["count0"], r["count1"], alpha=alpha
    )
    if not np.isfinite(p):
        verdict = INSUFFICIENT
    elif p >= alpha:
        verdict = verdicts.NO_SIGNIFICANT_DIFFERENCE
    else:
        verdict = verdicts.FELL_MORE if rrr < 1 else verdicts.ROSE_MORE
    findings.add(
        f"{key}.difference",
        rrr,
        lower=lo,
        upper=hi,
        statistic="ratio_of_rate_ratios",
        method="ratio of rate ratios, log-normal (Woolf) 95% CI",
        decimals=2,
        **common,
    )
    findings.add(
        f"{key}.difference-p",
        p,
        statistic="p_value",
        decimals=3,
        display="n/a" if not np.isfinite(p) else ("p < 0.001" if p < 0.001 else f"p = {p:.3f}"),
        **common,
    )
    findings.add(f"{key}.difference-verdict", None, display=verdict, statistic="verdict", **common)
    out.attrs["difference"] = (rrr, lo, hi, p, verdict)
    return out
