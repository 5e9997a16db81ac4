"""Findings in words: labels of statistics, geography levels and area names for readers.

A finding row names its quantity by ``statistic`` (``gap_to_leader``, ``sigma_verdict``) and its
areas by ``area``/``area_name`` or, for a statistic over many areas, by ``geography`` (a level
such as ``itl1`` or a ``+``-joined set of levels). The tables of the "what changed" chapter show
these as words; a statistic without a label reads as its name with spaces.
"""

from __future__ import annotations

import re

import pandas as pd

from levelup.data.geography import ITL1, ITL1_NAMES
from levelup.data.schema import LOWER_TIER, UPPER_TIER

#: Statistics (findings ``statistic``) in words; verdicts name the test they summarise.
STATISTIC_LABELS: dict[str, str] = {
    # levels, gaps and spreads
    "gap_to_leader": "gap to the leading area",
    "relative_gap_to_leader": "gap to the leading area (% of its level)",
    "share_outside_gse": "share outside the Greater South East",
    "share_of_total": "share of the total",
    "cv": "coefficient of variation across areas",
    "decile_gap": "gap between the top and bottom tenth of areas",
    "rest_mean": "average of the other areas",
    "rest_median": "median of the other areas",
    "theil_between_share": "share of the inequality between regions (Theil)",
    "ols_slope_per_year": "trend (change a year)",
    "n_areas": "number of areas",
    # statuses and verdicts
    "progress_status": "progress towards the target",
    "direction_status": "direction of change (no quantified target)",
    "trend_verdict": "trend",
    "sigma_verdict": "spread across areas: trend (sigma convergence)",
    "beta_verdict": "beta convergence",
    "cv_change_verdict": "spread across areas: change",
    "gap_verdict": "gap between the top and bottom tenth: trend",
    "gap_trend_verdict": "gap between areas: trend",
    "gap_change_verdict": "gap between areas: change",
    "gap_projection_verdict": "gap between areas: projection",
    "change_verdict": "change since the baseline",
    "projection_linear_verdict": "linear projection to the target year",
    "projection_constant_rate_verdict": "projection at the current rate",
    "verdict": "difference between groups of areas",
}

#: Geography levels (findings ``geography``) as a table names the areas a statistic covers.
GEOGRAPHY_LABELS: dict[str, str] = {
    "uk": "United Kingdom",
    "gb": "Great Britain",
    "england_wales": "England and Wales",
    "country": "the four nations",
    "region": "English regions",
    "region_group": "groups of regions",
    "itl1": "ITL1 regions",
    "itl2": "ITL2 areas",
    "itl3": "ITL3 areas",
    "combined_authority": "combined authorities",
    "police_force_area": "police force areas",
    "county": "counties",
    "health_board": "Welsh health boards",
}

#: Area names that take the definite article in running text ("in the United Kingdom", "in the
#: North East", but "in England", "in London", "in Yorkshire and The Humber").
NAMES_WITH_ARTICLE = frozenset(
    {
        "United Kingdom",
        "North East",
        "North West",
        "East Midlands",
        "West Midlands",
        "East of England",
        "South East",
        "South West",
        "Greater South East",
    }
)


def area_in_text(name: str) -> str:
    """An area's name as running text quotes it: "the United Kingdom", "England"."""
    return f"the {name}" if name in NAMES_WITH_ARTICLE else name


def statistic_label(statistic: str) -> str:
    """``statistic`` in words (:data:`STATISTIC_LABELS`), else its name with spaces."""
    statistic = str(statistic)
    return STATISTIC_LABELS.get(statistic, statistic.replace("_", " "))


def geography_label(geography: str) -> str:
    """A geography level, or a ``+``-joined set of levels, in words ("" for none).

    The sets of the lower-tier and upper-tier local authority levels read as "local authority
    districts" and "upper-tier local authorities"; other sets list their levels.
    """
    levels = [g for g in str(geography).split("+") if g]
    if not levels:
        return ""
    if set(levels) == set(LOWER_TIER):
        return "local authority districts"
    if set(levels) == set(UPPER_TIER):
        return "upper-tier local authorities"
    return ", ".join(GEOGRAPHY_LABELS.get(g, g.replace("_", " ")) for g in levels)


def finding_label(key: str) -> str:
    """A finding key in words, without its leading notebook part (the table names the metric):
    ``m01-living-standards.gva.gap-since-baseline.verdict`` -> ``gva: gap since baseline: verdict``."""
    parts = [p.replace("-", " ") for p in key.split(".")[1:]] or [key]
    return ": ".join(parts)


def with_labels(frame: pd.DataFrame, titles: dict[str, str]) -> pd.DataFrame:
    """``frame`` (rows of findings) with labels for tables readers can follow.

    Adds ``metric_title`` (the registry title, else the metric id), ``statistic_label``
    (:func:`~levelup.findings.labels.statistic_label`), ``area_label`` (the area's name, else
    the geography level in words, else the area code, else "all areas") and ``finding``: the
    statistic in words, followed by the distinguishing part of the key in brackets where two
    rows of the same metric and area would otherwise read the same.
    """

    def column(name: str) -> pd.Series:
        if name not in frame:
            return pd.Series("", index=frame.index)
        return frame[name].fillna("").astype(str)

    metric = column("metric")
    statistic = column("statistic").map(statistic_label)
    area = [
        name or geography_label(geo) or code or "all areas"
        for name, geo, code in zip(
            column("area_name"), column("geography"), column("area"), strict=True
        )
    ]
    finding = statistic.where(statistic != "", [finding_label(k) for k in frame["key"]])
    same = pd.DataFrame({"m": metric, "a": area, "f": finding}).duplicated(keep=False)
    # area codes as key parts ("...since-baseline.e12000006.verdict") read as names: the regions
    # and nations, then any area this table names
    names = {code.lower(): ITL1_NAMES[itl] for code, itl in ITL1.items()}
    names |= {
        c.lower(): n for c, n in zip(column("area"), column("area_name"), strict=True) if c and n
    }
    detail = [_key_detail(k, names) for k in frame["key"]]
    finding = [
        f"{f} ({d})" if dup and d else f for f, d, dup in zip(finding, detail, same, strict=True)
    ]
    return frame.assign(
        metric_title=[titles.get(m, m) or "" for m in metric],
        statistic_label=statistic,
        area_label=area,
        finding=finding,
    )


_AREA_CODE = re.compile(r"^[a-z]\d{8}$")


def _key_detail(key: str, names: dict[str, str] | None = None) -> str:
    """The middle of a finding key in words (without notebook, metric part and last part):
    ``m01-living-standards.gva.gap-since-baseline.verdict`` -> ``gap since baseline``. An area
    code among the parts reads as the area's name (from ``names``), never as the code."""
    middle = str(key).split(".")[2:-1]
    words = []
    for part in middle:
        if _AREA_CODE.match(part):
            if names and part in names:
                words.append(names[part])
            continue
        words.append(part.replace("-", " "))
    return " ".join(words)
