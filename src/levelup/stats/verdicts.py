"""Every verdict and status string the statistics engine and the metric analyses can emit.

One place, so that the report's status scale can map each of them (a test checks that every
verdict in the built findings of both editions is one of :data:`ALL_VERDICTS`, read through
:func:`base`). Modules import these constants; they never spell a verdict themselves.

Composite verdicts are built by functions here: :func:`not_assessable` ("not assessable: <reason>")
and :func:`no_quantified_target` ("<verdict> (no quantified target)"); :func:`base` recovers the
constant a composite was built from.

The evidence rules behind some of them are in ``docs/methods/statistics.md`` ("Evidence rules").
"""

from __future__ import annotations

# --- shared ---------------------------------------------------------------------------------------
#: Too few data for any number-based verdict (every family).
INSUFFICIENT = "insufficient data"
#: A difference or change whose interval includes zero.
NO_CHANGE = "no significant change"

# --- trends (stats.trend) -------------------------------------------------------------------------
INCREASING, DECREASING, NO_TREND = "increasing", "decreasing", "no significant trend"
#: A trend read through the metric's polarity (metrics.analysis.direction_verdict).
IMPROVING, WORSENING = "improving", "worsening"

# --- dispersion and convergence (stats.convergence, stats.phillips_sul) ---------------------------
CONVERGING, DIVERGING = "converging", "diverging"
BETA_CONVERGENCE = "beta convergence"
BETA_DIVERGENCE = "beta divergence"
NO_RELATIONSHIP = "no significant relationship"
PS_REJECTED, PS_NOT_REJECTED = "convergence rejected", "convergence not rejected"

# --- progress against a target (stats.projection, Open SDG / Statistics Canada) -------------------
TARGET_MET = "target met"
ON_TRACK = "on track"
ACCELERATION = "acceleration needed"
LIMITED = "limited progress"
DETERIORATING = "deteriorating"
#: Prefix of every "not assessable: <reason>" status (see :func:`not_assessable`).
NOT_ASSESSABLE = "not assessable"
#: Evidence rule 1: a progress status needs at least two changes (three observations).
ONE_CHANGE_ONLY = "not assessable: one change only"

# --- projections (stats.projection) ---------------------------------------------------------------
ON_COURSE, OFF_COURSE = "on course", "off course"
#: Evidence rule 4: the projection leaves the metric's bounds or its interval is uninformative.
TOO_UNCERTAIN = "too uncertain to project"

# --- comparisons (stats.compare, metrics.rates, metrics.places) -----------------------------------
SIGNIFICANTLY_HIGHER, SIGNIFICANTLY_LOWER = "significantly higher", "significantly lower"
SIGNIFICANTLY_BETTER, SIGNIFICANTLY_WORSE = "significantly better", "significantly worse"
NOT_SIGNIFICANTLY_DIFFERENT = "not significantly different"
NO_SIGNIFICANT_DIFFERENCE = "no significant difference"
WORSE_AND_WORSENING, NOT_FLAGGED = "worse and worsening", "not flagged"
FELL_MORE, ROSE_MORE = "fell more than the rest", "rose more than the rest"
FASTER_IN_GROUP, SLOWER_IN_GROUP = "faster in the group", "slower in the group"
#: A rate ratio test read as a fall or a rise (mission 11, homicide since the baseline).
SIGNIFICANT_FALL, SIGNIFICANT_RISE = "significant fall", "significant rise"

# --- changes between two periods with a test (metrics.change, metrics.outlook) -------------------
IMPROVED, WORSENED = "improved", "worsened"
NOT_TESTED = "not tested (no published interval)"
RISEN, FALLEN = "risen", "fallen"

# --- gaps (metrics.gaps, metrics.places) ----------------------------------------------------------
NARROWING, WIDENING, CLOSING = "narrowing", "widening", "closing"
NARROWER_THAN_BASELINE = "narrower than at the baseline"
WIDER_THAN_BASELINE = "wider than at the baseline"
NOT_DISTINGUISHABLE = "not distinguishable from the baseline"

# --- outlook for directional targets (metrics.outlook) --------------------------------------------
IMPROVEMENT_PROJECTED = "improvement projected"
DETERIORATION_PROJECTED = "deterioration projected"
UNCLEAR_PROJECTED = "no clear change projected"

# --- beta convergence speed and half-life (evidence rule 2) ---------------------------------------
NO_CONVERGENCE = "no convergence"
SPEED_NOT_SIGNIFICANT = "not reported: beta convergence not significant"
SPEED_TOO_FEW_PERIODS = "not reported: too few periods"
SPEED_TOO_SHORT = "not reported: too short a span"

_NO_QUANTIFIED_TARGET = " (no quantified target)"

#: Verdicts of a trend or progress: each says something moved (or did not) over time.
TREND_VERDICTS = frozenset(
    {
        INCREASING,
        DECREASING,
        IMPROVING,
        WORSENING,
        ON_TRACK,
        ACCELERATION,
        LIMITED,
        DETERIORATING,
    }
)

#: Every verdict string, composites read through :func:`base`.
ALL_VERDICTS = frozenset(
    value
    for name, value in dict(globals()).items()
    if name.isupper() and isinstance(value, str) and not name.startswith("_")
)


def not_assessable(reason: str) -> str:
    """``"not assessable: <reason>"`` (a status the evidence cannot support, with the reason)."""
    if not reason:
        raise ValueError("a 'not assessable' status needs its reason")
    return f"{NOT_ASSESSABLE}: {reason}"


def no_quantified_target(verdict: str) -> str:
    """A direction-of-travel verdict where the target has no number: ``"<verdict> (no ...)"``."""
    if verdict not in ALL_VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}")
    return verdict + _NO_QUANTIFIED_TARGET


def base(verdict: str) -> str:
    """The constant a (possibly composite) verdict was built from.

    ``"improving (no quantified target)"`` -> ``"improving"``; ``"not assessable: <reason>"`` ->
    ``"not assessable"`` unless the whole string is a constant (``ONE_CHANGE_ONLY``).
    """
    text = str(verdict)
    if text in ALL_VERDICTS:
        return text
    if text.endswith(_NO_QUANTIFIED_TARGET):
        return text[: -len(_NO_QUANTIFIED_TARGET)]
    if text.startswith(NOT_ASSESSABLE + ":"):
        return NOT_ASSESSABLE
    return text


def is_verdict(text: str) -> bool:
    """Whether ``text`` is an engine verdict (composites included)."""
    return base(text) in ALL_VERDICTS
