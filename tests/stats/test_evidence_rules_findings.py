"""Sweep of the built findings of both editions against the evidence rules.

The built findings are ``tests/ground_truth/findings-<edition>.csv``: the numbers gate keeps them
identical to ``_output/<edition>/findings.csv``, so a rule broken in a build fails here as soon as
its ground truth is accepted. Rules: docs/methods/statistics.md, "Evidence rules".
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from levelup.metrics.analysis import is_share_unit
from levelup.metrics.registry import Registry
from levelup.stats import (
    MIN_N_TREND,
    MIN_PERIODS_SPEED,
    MIN_POINTS_PROGRESS,
    MIN_YEARS_SPEED,
    unit_bounds,
    verdicts,
)

GROUND_TRUTH = Path(__file__).parents[1] / "ground_truth"
EDITIONS = ("2025", "2026")
#: statistics of rows whose display is a verdict (capital ratings are colours, not verdicts)
VERDICT_SUFFIXES = ("_verdict", "_status", "_outlook")
NOT_VERDICTS = {"measurement_status"}
PROJECTIONS = {"projection_linear", "projection_constant_rate", "gap_projection_linear"}


@pytest.fixture(scope="module", params=EDITIONS)
def findings(request) -> pd.DataFrame:
    path = GROUND_TRUTH / f"findings-{request.param}.csv"
    frame = pd.read_csv(path, dtype={"display": str, "unit": str, "period": str})
    frame["unit"] = frame["unit"].fillna("")
    frame.attrs["edition"] = request.param
    return frame


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry()


def _breaches(rows: pd.DataFrame, what: str) -> str:
    shown = rows[["key", "display"]].head(10).to_string(index=False)
    return f"{len(rows)} findings break the rule ({what}):\n{shown}"


def _verdict_rows(f: pd.DataFrame) -> pd.DataFrame:
    statistic = f["statistic"].fillna("")
    is_verdict = (statistic.str.endswith(VERDICT_SUFFIXES) | (statistic == "verdict")) & ~(
        statistic.isin(NOT_VERDICTS)
    )
    # summary.* rows restate, on the status scale and with their data age, verdicts of the
    # notebooks' own findings, which are swept here with their evidence
    restated = f["key"].str.startswith("summary.")
    return f[is_verdict & f["display"].notna() & ~restated]


def test_every_verdict_is_defined_in_the_library(findings):
    rows = _verdict_rows(findings)
    assert len(rows) > 100  # the sweep reads real findings
    unknown = rows[~rows["display"].map(verdicts.is_verdict)]
    assert unknown.empty, _breaches(unknown, "verdict not in levelup.stats.verdicts")


def test_no_direction_of_travel_from_too_few_points(findings):
    rows = _verdict_rows(findings)
    base = rows["display"].map(verdicts.base)
    progress = rows[
        (rows["statistic"] == "progress_status")
        & base.isin(
            {verdicts.ON_TRACK, verdicts.ACCELERATION, verdicts.LIMITED, verdicts.DETERIORATING}
        )
    ]
    assert len(progress) > 10
    few = progress[~(progress["n"] >= MIN_POINTS_PROGRESS)]
    assert few.empty, _breaches(few, f"progress status on fewer than {MIN_POINTS_PROGRESS} points")
    trends = rows[
        rows["statistic"].isin({"trend_verdict", "direction_status"})
        & base.isin(
            {verdicts.IMPROVING, verdicts.WORSENING, verdicts.INCREASING, verdicts.DECREASING}
        )
    ]
    assert len(trends) > 10
    few = trends[~(trends["n"] >= MIN_N_TREND)]
    assert few.empty, _breaches(few, f"trend verdict on fewer than {MIN_N_TREND} points")


def _span(period: str) -> float:
    start, _, end = str(period).partition("/")
    try:
        return float(end) - float(start)
    except ValueError:
        return math.nan


def test_half_lives_only_for_significant_convergence_over_enough_periods(findings):
    by_key = findings.set_index("key")
    half = findings[(findings["statistic"] == "half_life") & findings["value"].notna()]
    assert len(findings[findings["statistic"] == "half_life"]) > 10
    bad = []
    for row in half.itertuples():
        prefix = row.key.rsplit(".", 1)[0]
        verdict = by_key.at[f"{prefix}.beta-verdict", "display"]
        if (
            verdict != verdicts.BETA_CONVERGENCE
            or not row.n >= MIN_PERIODS_SPEED
            or not _span(row.period) >= MIN_YEARS_SPEED - 0.01
        ):
            bad.append(row.Index)
    assert not bad, _breaches(findings.loc[bad], "half-life without the evidence")
    unreported = findings[(findings["statistic"] == "half_life") & findings["value"].isna()]
    assert unreported["display"].map(verdicts.is_verdict).all()


def test_gap_changes_are_measured_on_the_same_areas(findings):
    by_key = findings.set_index("key")
    changes = findings[
        findings["statistic"].isin({"decile_gap_change", "group_gap_change", "cv_change"})
        & findings["value"].notna()
    ]
    assert len(changes) > 10
    bad, checked = [], 0
    for row in changes.itertuples():
        prefix, _, name = row.key.rpartition(".")
        measure = "cv" if name == "cv-change" else "gap"
        ends = [f"{prefix}.{measure}-first", f"{prefix}.{measure}-latest"]
        if not all(k in by_key.index for k in ends):
            continue
        checked += 1
        n = by_key.loc[ends, "n"]
        if not (n == row.n).all():
            bad.append(row.Index)
        # the change is the difference of the two ends it is quoted with
        first, latest = by_key.loc[ends, "value"]
        if not np.isclose(latest - first, row.value, rtol=1e-6, atol=1e-9):
            bad.append(row.Index)
    assert checked > 10
    assert not bad, _breaches(findings.loc[bad], "gap change not on a balanced panel")


def _bounds(row, registry: Registry) -> tuple[float, float]:
    if row.statistic == "gap_projection_linear":
        return unit_bounds("")  # a gap may take either sign
    try:
        metric = registry.metric(row.metric)
    except (KeyError, LookupError, ValueError):
        return unit_bounds(row.unit)
    return metric.value_bounds if row.unit == metric.unit else unit_bounds(row.unit)


def test_projections_stay_within_the_metric_bounds(findings, registry):
    rows = findings[findings["statistic"].isin(PROJECTIONS)]
    assert len(rows) > 10
    bad = []
    for row in rows.itertuples():
        lo, hi = _bounds(row, registry)
        if math.isnan(row.value):
            if row.display != verdicts.TOO_UNCERTAIN and not math.isnan(row.lower):
                bad.append(row.Index)  # an interval without its value
            continue
        limits = [x for x in (row.value, row.lower, row.upper) if not math.isnan(x)]
        if (
            any(x < lo - 1e-9 or x > hi + 1e-9 for x in limits)
            or np.isfinite(lo)
            and np.isfinite(hi)
            and row.lower <= lo
            and row.upper >= hi
        ):
            bad.append(row.Index)
    assert not bad, _breaches(findings.loc[bad], "projection outside the metric's bounds")


def test_targets_are_applied_in_their_own_unit(findings, registry):
    rows = findings[
        findings["statistic"].isin(
            {
                "progress_status",
                "progress_ratio",
                "target_level",
                "projection_linear",
                "projection_constant_rate",
            }
        )
    ]
    assert len(rows) > 10
    bad = []
    for row in rows.itertuples():
        try:
            metric = registry.metric(row.metric)
        except (KeyError, LookupError, ValueError):
            continue
        if row.statistic == "progress_ratio" or metric.target is None:
            continue
        if is_share_unit(row.unit) != is_share_unit(metric.unit) and not metric.target.series:
            bad.append(row.Index)
    assert not bad, _breaches(findings.loc[bad], "target applied in another unit")


def test_levels_in_a_share_unit_are_shares(findings):
    rows = findings[
        (findings["statistic"] == "level")
        & findings["unit"].map(is_share_unit)
        & findings["value"].notna()
    ]
    assert len(rows) > 10
    bad = rows[(rows["value"] < 0) | (rows["value"] > 100)]
    assert bad.empty, _breaches(bad, "a level labelled as a share outside 0-100")
