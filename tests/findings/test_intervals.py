"""Estimates with intervals that never look as if they exclude their estimate."""

import math

from levelup.findings.intervals import UNINFORMATIVE_MARK, estimate_with_interval


def test_an_informative_interval_is_shown():
    assert estimate_with_interval(90.0, 89.0, 91.0) == "90% (89 to 91)"


def test_more_decimals_when_bounds_round_onto_the_estimate():
    # 89.4 (89.1 to 89.6) would print "89% (89 to 90)"; 89.04 (88.96 to 89.12) needs decimals
    assert estimate_with_interval(89.04, 88.96, 89.12) == "89.0% (89.0 to 89.1)"
    assert estimate_with_interval(89.042, 89.036, 89.049) == "89.04% (89.04 to 89.05)"
    assert estimate_with_interval(89.042, 89.041, 89.043) == f"89%{UNINFORMATIVE_MARK}"


def test_a_collapsed_or_excluding_published_interval_is_not_shown():
    # the Participation Survey prints whole points: "89 (88 to 88)" and "89 (89 to 89)"
    assert estimate_with_interval(89.0, 88.0, 88.0) == f"89%{UNINFORMATIVE_MARK}"
    assert estimate_with_interval(89.0, 89.0, 89.0) == f"89%{UNINFORMATIVE_MARK}"
    # a published interval that does not contain its own estimate
    assert estimate_with_interval(91.0, 92.0, 93.0) == f"91%{UNINFORMATIVE_MARK}"


def test_missing_values():
    assert estimate_with_interval(50.0, math.nan, 52.0) == "50%"
    assert estimate_with_interval(math.nan, 1.0, 2.0) == "n/a"
    assert (
        estimate_with_interval(3.5, 3.0, 4.0, decimals=1, unit=" years") == "3.5 years (3.0 to 4.0)"
    )
