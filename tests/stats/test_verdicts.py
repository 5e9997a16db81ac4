"""Every verdict string lives in levelup.stats.verdicts, and the modules use those constants."""

from __future__ import annotations

import pytest

from levelup.metrics import analysis, change, gaps, outlook, places
from levelup.stats import convergence, phillips_sul, projection, results, trend, verdicts


def test_modules_use_the_one_definition():
    assert results.INSUFFICIENT is verdicts.INSUFFICIENT
    assert (trend.INCREASING, trend.DECREASING, trend.NO_TREND) == (
        verdicts.INCREASING,
        verdicts.DECREASING,
        verdicts.NO_TREND,
    )
    assert convergence.CONVERGING is verdicts.CONVERGING
    assert phillips_sul.REJECTED is verdicts.PS_REJECTED
    assert projection.DETERIORATING is verdicts.DETERIORATING
    assert analysis.IMPROVING is verdicts.IMPROVING and analysis.WORSENING is verdicts.WORSENING
    assert change.IMPROVED is verdicts.IMPROVED and gaps.NARROWING is verdicts.NARROWING
    assert places.CLOSING is verdicts.CLOSING and outlook.UNCLEAR is verdicts.UNCLEAR_PROJECTED


def test_every_progress_status_is_a_verdict():
    assert set(projection.STATUSES) <= verdicts.ALL_VERDICTS
    for new in (verdicts.TOO_UNCERTAIN, verdicts.ONE_CHANGE_ONLY, verdicts.SPEED_TOO_FEW_PERIODS):
        assert new in verdicts.ALL_VERDICTS
    assert verdicts.ONE_CHANGE_ONLY == "not assessable: one change only"
    assert verdicts.TOO_UNCERTAIN == "too uncertain to project"


def test_composites_read_back_to_their_constant():
    assert verdicts.base(verdicts.no_quantified_target("improving")) == "improving"
    text = verdicts.not_assessable("this release has no counts for the baseline")
    assert verdicts.base(text) == verdicts.NOT_ASSESSABLE and verdicts.is_verdict(text)
    assert verdicts.base(verdicts.ONE_CHANGE_ONLY) == verdicts.ONE_CHANGE_ONLY
    assert not verdicts.is_verdict("probably fine")
    with pytest.raises(ValueError, match="reason"):
        verdicts.not_assessable("")
    with pytest.raises(ValueError, match="unknown verdict"):
        verdicts.no_quantified_target("better-ish")
