"""Progress status against sdg-build's own progress-calculation test cases.

Open SDG's ``ProgressMeasure`` (open-sdg/sdg-build, ``tests/ProgressMeasure_test.py`` and its
fixtures ``tests/assets/progress-calculation``) works in integer years: a ``Year`` such as
``2015-16`` is read as 2015 and the target year is 2030. This project times every observation at
its period's midpoint (``time``: 2015.5 for the calendar year 2015) and the target at the middle
of the target year (``target_time(2030) = 2030.5``). For calendar-year data every difference of
times, and so every compound growth rate and status, is the same; the fixtures are checked in
both conventions below. For financial or academic years the baseline moves by about a quarter of
a year against Open SDG's first-year label, which changes the required rate slightly
(docs/methods/statistics.md, section 4).
"""

from __future__ import annotations

import pytest

from levelup.metrics.analysis import target_time
from levelup.stats import TargetSpec, progress_status

# tests/assets/progress-calculation/data/indicator_3-3-3.csv, the aggregate rows (Sex empty)
CASE_333 = dict(
    zip(range(2010, 2020), [1.51, 1.51, 1.38, 1.4, 1.27, 1.55, 1.69, 1.65, 1.62, 1.82], strict=True)
)


def open_sdg_methodology_2(values: dict[int, float], base: int, target: float, target_year: int):
    """sdg-build ``methodology_2`` written out: the growth ratio and its category."""
    current_year = max(values)
    cagr_o = (values[current_year] / values[base]) ** (1 / (current_year - base)) - 1
    cagr_r = (target / values[base]) ** (1 / (target_year - base)) - 1
    ratio = cagr_o / cagr_r
    if ratio >= 0.95:
        return ratio, "substantial_progress"
    if ratio >= 0.6:
        return ratio, "moderate_progress"
    if ratio >= 0:
        return ratio, "negligible_progress"
    return ratio, "negative_progress"


#: Open SDG's methodology-2 categories and this project's statuses (same thresholds 0.95, 0.6, 0)
CATEGORY = {
    "substantial_progress": "on track",
    "moderate_progress": "acceleration needed",
    "negligible_progress": "limited progress",
    "negative_progress": "deteriorating",
}


@pytest.mark.parametrize("offset", [0.0, 0.5])  # integer years (Open SDG) and period midpoints
def test_case_333_negative_direction_target_zero(offset):
    """3-3-3: direction negative, target 0 (Open SDG replaces 0 by 0.001), base year 2015 (the
    default, present in the data), current year 2019: the rate rose, ratio 0.0410 / -0.3872 = -0.1058."""
    ratio, category = open_sdg_methodology_2(CASE_333, 2015, 0.001, 2030)
    assert category == "negative_progress" and ratio == pytest.approx(-0.1058, abs=1e-4)
    target = TargetSpec(
        direction="decrease",
        baseline_year=2015 + offset,
        target_year=2030 + offset,
        target_level=0.001,
    )
    times = [year + offset for year in CASE_333]
    res = progress_status(times, list(CASE_333.values()), target)
    assert res.baseline_value == 1.55 and res.current_value == 1.82
    assert res.estimate == pytest.approx(ratio, rel=1e-12)
    assert res.status == CATEGORY[category] == "deteriorating"


def test_midpoints_and_integer_years_agree_for_calendar_years():
    """The report's convention: observations at midpoints, target at target_time(year)."""
    spec = dict(direction="decrease", target_level=0.001)
    integer = progress_status(
        list(CASE_333),
        list(CASE_333.values()),
        TargetSpec(baseline_year=2015, target_year=2030, **spec),
    )
    midpoint = progress_status(
        [y + 0.5 for y in CASE_333],
        list(CASE_333.values()),
        TargetSpec(baseline_year=2015.5, target_year=target_time(2030), **spec),
    )
    assert midpoint.estimate == pytest.approx(integer.estimate, rel=1e-12)
    assert midpoint.required_cagr == pytest.approx(integer.required_cagr, rel=1e-12)


def test_target_zero_is_not_replaced():
    """Open SDG sets a target of 0 to 0.001; here a zero target has no compound rate, so the
    status is "insufficient data" rather than a ratio resting on an arbitrary constant."""
    target = TargetSpec(direction="decrease", baseline_year=2015, target_year=2030, target_level=0)
    res = progress_status(list(CASE_333), list(CASE_333.values()), target)
    assert res.status == "insufficient data"


def test_case_111_one_change_is_not_assessable():
    """1-1-1: aggregate 100 in 2020 and 120 in 2021, no target. Open SDG moves the base year to
    the first year after 2015 in the data and, without a target, grades the one change
    (methodology 1: growth 20% in the default negative direction, 'significant_deterioration').
    Evidence rule 1 gives no status from one change, whatever the target."""
    target = TargetSpec(direction="decrease", baseline_year=2015, target_year=2030, target_level=50)
    res = progress_status([2020, 2021], [100, 120], target)
    assert res.baseline_time == 2020  # the first observation at or after the baseline year
    assert res.status == "not assessable: one change only"


@pytest.mark.parametrize(
    "current,category",
    [(0.2, "substantial_progress"), (0.4, "moderate_progress"), (1.5, "negligible_progress")],
)
def test_thresholds_match_methodology_2(current, category):
    """The same series graded by both: base 1.55 in 2015 falling towards 0.001 by 2030."""
    values = {**{y: v for y, v in CASE_333.items() if y < 2019}, 2019: current}
    ratio, expected = open_sdg_methodology_2(values, 2015, 0.001, 2030)
    assert expected == category
    target = TargetSpec(
        direction="decrease", baseline_year=2015, target_year=2030, target_level=0.001
    )
    res = progress_status(list(values), list(values.values()), target)
    assert res.estimate == pytest.approx(ratio) and res.status == CATEGORY[category]
