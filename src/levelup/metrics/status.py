"""The report's one status scale, and the age of the data a verdict rests on.

Every progress status, projection verdict and trend or gap verdict the engine emits is read onto
one five-level scale, defined once in the methods chapter (@sec-methods-status):

=================  ===================================================================
on track           the target is met, or the observed rate (or projection) meets it on time
some progress      moving the right way, but too slowly to meet the target on time
off track          moving the right way far too slowly, or no clear movement either way
worsening          moving away from the target
not assessable     the data cannot support a status; the reason is always given
=================  ===================================================================

:data:`VERDICT_SCALE` is the mapping table (verdict -> level, and for "not assessable" the
reason). Verdicts that only say which way a number went ("increasing", "significant fall") are in
:data:`DIRECTIONAL` and need the metric's polarity. Test outcomes that describe a relationship
rather than progress (beta convergence, the Phillips-Sul test, comparisons of levels) are listed in
:data:`NOT_A_STATUS`: they are never shown as a status. Any other string is an error, so a new
verdict cannot slip into the report unmapped (``tests/metrics/test_status.py`` checks every
status-like finding of both editions).

Data age (:func:`data_age`, :func:`is_dated`, :func:`dated`): a verdict resting on data whose
latest period ended :data:`DATED_AFTER_YEARS` or more calendar years before the edition's year is
labelled in the same place: "worsening — data to 2019".
"""

from __future__ import annotations

from dataclasses import dataclass

from levelup.data.periods import PeriodError, parse_period, period_label

# --------------------------------------------------------------------------------- the scale
ON_TRACK = "on track"
SOME_PROGRESS = "some progress"
OFF_TRACK = "off track"
WORSENING = "worsening"
NOT_ASSESSABLE = "not assessable"
#: The levels, best first.
SCALE = (ON_TRACK, SOME_PROGRESS, OFF_TRACK, WORSENING, NOT_ASSESSABLE)

#: What each level means, as the methods chapter defines it.
MEANINGS = {
    ON_TRACK: "the target is already met, or the rate observed since the baseline (or the "
    "projection to the target year) meets it on time",
    SOME_PROGRESS: "moving towards the target, but too slowly to meet it on time at the current "
    "rate, or (for a target with only a direction) a significant move the right way",
    OFF_TRACK: "moving the right way far too slowly, or no clear movement either way",
    WORSENING: "moving away from the target",
    NOT_ASSESSABLE: "the data cannot support a status; the reason is given (too few data "
    "points, one change only, proxy only, too uncertain to project, no data)",
}

#: Reasons a status is not assessable (reader-facing).
NO_DATA = "no data"
TOO_FEW_POINTS = "too few data points"
PROXY_ONLY = "proxy only"
NO_TARGET = "no quantified target"
ONE_CHANGE = "one change only"
TOO_UNCERTAIN = "too uncertain to project"
NO_INTERVAL = "no published interval to test the change"

#: A decorative icon per level (the text always says the status; the icon is hidden from screen
#: readers in HTML and drawn as a shape in the PDF).
ICONS = {
    ON_TRACK: "\u2713",  # check mark
    SOME_PROGRESS: "\u25d0",  # circle, left half black
    OFF_TRACK: "\u2715",  # multiplication x
    WORSENING: "\u25bc",  # down-pointing triangle
    NOT_ASSESSABLE: "\u25cb",  # white circle
}

_NO_QUANTIFIED_TARGET = " (no quantified target)"
_NOT_ASSESSABLE_PREFIX = NOT_ASSESSABLE + ":"

#: Every verdict string that is a status or says how a metric moved, with its level on the scale
#: (and the reason, for "not assessable"). Progress statuses (Statistics Canada / Open SDG ratio),
#: projection verdicts, directional outlooks, trend verdicts read through polarity, gap verdicts
#: (the missions aim to narrow gaps) and changes since a baseline.
VERDICT_SCALE: dict[str, tuple[str, str]] = {
    # progress status (stats.projection.progress_status)
    "target met": (ON_TRACK, ""),
    "on track": (ON_TRACK, ""),
    "acceleration needed": (SOME_PROGRESS, ""),
    "limited progress": (OFF_TRACK, ""),
    "deteriorating": (WORSENING, ""),
    # projection to the target year (linear and constant-rate)
    "on course": (ON_TRACK, ""),
    "off course": (OFF_TRACK, ""),
    # outlook for a directional target (metrics.outlook)
    "improvement projected": (ON_TRACK, ""),
    "no clear change projected": (OFF_TRACK, ""),
    "deterioration projected": (WORSENING, ""),
    # a trend read through the metric's polarity
    "improving": (SOME_PROGRESS, ""),
    "no significant change": (OFF_TRACK, ""),
    "no significant trend": (OFF_TRACK, ""),
    "worsening": (WORSENING, ""),
    # a change since the baseline (metrics.change, metrics.outlook)
    "improved": (SOME_PROGRESS, ""),
    "worsened": (WORSENING, ""),
    "significantly better": (SOME_PROGRESS, ""),
    "significantly worse": (WORSENING, ""),
    "no significant difference": (OFF_TRACK, ""),
    "not significantly different": (OFF_TRACK, ""),
    # gaps between places (a narrowing gap is progress)
    "closing": (SOME_PROGRESS, ""),
    "narrowing": (SOME_PROGRESS, ""),
    "converging": (SOME_PROGRESS, ""),
    "widening": (WORSENING, ""),
    "diverging": (WORSENING, ""),
    "narrower than at the baseline": (ON_TRACK, ""),
    "not distinguishable from the baseline": (OFF_TRACK, ""),
    "wider than at the baseline": (WORSENING, ""),
    # no status the data can support
    "insufficient data": (NOT_ASSESSABLE, TOO_FEW_POINTS),
    "not assessable: one change only": (NOT_ASSESSABLE, ONE_CHANGE),
    "too uncertain to project": (NOT_ASSESSABLE, TOO_UNCERTAIN),
    "not tested (no published interval)": (NOT_ASSESSABLE, NO_INTERVAL),
    # the placeholder a notebook prints when the metric has no data in the edition
    "\u2014": (NOT_ASSESSABLE, NO_DATA),
}

#: Verdicts that say only which way a number went: +1 up, -1 down. Read through the metric's
#: polarity (a fall in homicide is progress, a fall in pay is not).
DIRECTIONAL: dict[str, int] = {
    "increasing": +1,
    "decreasing": -1,
    "risen": +1,
    "fallen": -1,
    "significant rise": +1,
    "significant fall": -1,
    "rose more than the rest": +1,
    "fell more than the rest": -1,
    "significantly higher": +1,
    "significantly lower": -1,
}

#: Known verdicts that are test outcomes, not statuses: never shown on the scale.
NOT_A_STATUS = frozenset(
    {
        "beta convergence",
        "beta divergence",
        "no significant relationship",
        "no convergence",
        "convergence rejected",
        "convergence not rejected",
        "worse and worsening",
        "not flagged",
        "faster in the group",
        "slower in the group",
        "not reported: beta convergence not significant",
        "not reported: too few periods",
        "not reported: too short a span",
    }
)


class UnknownVerdict(ValueError):
    """A verdict string the status scale has no mapping for (add it to :data:`VERDICT_SCALE`)."""


@dataclass(frozen=True)
class Status:
    """A level of the scale, the reason when it is not assessable, and the verdict it came from."""

    level: str
    reason: str = ""
    verdict: str = ""

    def __post_init__(self):
        if self.level not in SCALE:
            raise ValueError(f"{self.level!r} is not a level of the status scale {SCALE}")
        if self.level == NOT_ASSESSABLE and not self.reason:
            raise ValueError("a 'not assessable' status needs its reason")

    @property
    def label(self) -> str:
        """As the report prints it: "on track (target met)", "not assessable: proxy only"."""
        if self.level == NOT_ASSESSABLE:
            return f"{NOT_ASSESSABLE}: {self.reason}"
        if self.verdict == "target met":
            return f"{ON_TRACK} (target met)"
        return self.level

    @property
    def slug(self) -> str:
        """The level as a CSS class suffix: ``on-track``, ``not-assessable``."""
        return self.level.replace(" ", "-")

    @property
    def icon(self) -> str:
        return ICONS[self.level]


def scale_table() -> list[tuple[str, str, list[str]]]:
    """(level, meaning, the verdicts that map to it) for every level, best first: the methods
    chapter's table of the scale."""
    out = []
    for level in SCALE:
        verdicts = [v for v, (lv, _) in VERDICT_SCALE.items() if lv == level and v != "\u2014"]
        if level in (SOME_PROGRESS, WORSENING):
            verdicts.append("a significant rise or fall, read through the metric's direction")
        if level == NOT_ASSESSABLE:
            verdicts.append('any other "not assessable", with its reason')
        out.append((level, MEANINGS[level], verdicts))
    return out


def _direction_level(direction: int, higher_is_better: bool | None, verdict: str) -> str:
    if higher_is_better is None:
        raise UnknownVerdict(
            f"{verdict!r} says only which way the number moved; give the metric's polarity "
            "(higher_is_better) to read it as progress"
        )
    return SOME_PROGRESS if (direction > 0) == higher_is_better else WORSENING


def scale_status(verdict: str, higher_is_better: bool | None = None) -> Status:
    """The status of an engine verdict on the report's scale.

    ``"improving (no quantified target)"`` is read as ``"improving"``; ``"not assessable: <reason>"``
    keeps its reason. Directional verdicts need ``higher_is_better``. Raises :class:`UnknownVerdict`
    for a string the scale does not know, or for a test outcome that is not a status.
    """
    text = str(verdict).strip()
    base = text[: -len(_NO_QUANTIFIED_TARGET)] if text.endswith(_NO_QUANTIFIED_TARGET) else text
    if base in VERDICT_SCALE:
        level, reason = VERDICT_SCALE[base]
        return Status(level, reason, text)
    if base in DIRECTIONAL:
        return Status(_direction_level(DIRECTIONAL[base], higher_is_better, text), "", text)
    if base == NOT_ASSESSABLE:  # the bare prefix: no reason was given
        return Status(NOT_ASSESSABLE, NO_DATA, text)
    if base.startswith(_NOT_ASSESSABLE_PREFIX):
        reason = base[len(_NOT_ASSESSABLE_PREFIX) :].strip()
        return Status(NOT_ASSESSABLE, reason or NO_DATA, text)
    if base in NOT_A_STATUS:
        raise UnknownVerdict(f"{text!r} is a test outcome, not a status")
    raise UnknownVerdict(
        f"no level of the status scale for the verdict {text!r}: add it to "
        "levelup.metrics.status.VERDICT_SCALE (and the methods chapter)"
    )


def is_known_verdict(verdict: str) -> bool:
    """Whether a verdict string is mapped to the scale or listed as a test outcome."""
    text = str(verdict).strip()
    base = text[: -len(_NO_QUANTIFIED_TARGET)] if text.endswith(_NO_QUANTIFIED_TARGET) else text
    return (
        base in VERDICT_SCALE
        or base in DIRECTIONAL
        or base in NOT_A_STATUS
        or base == NOT_ASSESSABLE
        or base.startswith(_NOT_ASSESSABLE_PREFIX)
    )


def is_status_key(key: str) -> bool:
    """Whether a finding key holds a status or verdict (its last part ends in status, verdict or
    outlook)."""
    return str(key).rsplit(".", 1)[-1].endswith(("status", "verdict", "outlook"))


def headline_status(
    verdict: str | None,
    *,
    higher_is_better: bool | None = None,
    proxy: bool = False,
    has_target: bool = True,
) -> Status:
    """The status of a headline metric: :func:`scale_status` of its verdict, except that a
    metric shown only through a proxy, a metric without any target, or one with no verdict at all
    is not assessable (with that reason)."""
    if proxy:
        return Status(NOT_ASSESSABLE, PROXY_ONLY, verdict or "")
    if not has_target:
        return Status(NOT_ASSESSABLE, NO_TARGET, verdict or "")
    if not verdict:
        return Status(NOT_ASSESSABLE, NO_DATA, "")
    return scale_status(verdict, higher_is_better)


def markup(text: str, status: Status) -> str:
    """Pandoc Markdown for a status shown with its colour and icon: a span with the classes
    ``lu-status lu-status-<level>`` (styled by the renderer: CSS in HTML, a Typst function in the
    PDF). The icon is added by the style, hidden from screen readers; the text says it all."""
    return f"[{text}]{{.lu-status .lu-status-{status.slug}}}"


# ------------------------------------------------------------------------------------ data age
#: A verdict is *dated* when the edition's year minus the year its latest period ends is at least
#: this many years.
DATED_AFTER_YEARS = 3


def period_end_year(period: str) -> int:
    """The calendar year in which a findings period ends (the later one of a comparison
    ``a/b``): "2020-04-01/P1Y" (2020/21) -> 2021, "2019-01-01/P1Y" -> 2019."""
    text = str(period).strip()
    if not text:
        raise ValueError("no period to date")
    try:
        return parse_period(text).end.year
    except PeriodError:
        parts = text.split("/")
        if len(parts) == 4:
            return parse_period("/".join(parts[2:])).end.year
        raise


def data_age(period: str, edition: str | int) -> int:
    """Whole years between the end of the data and the edition: edition year minus the year the
    latest period ends."""
    return int(edition) - period_end_year(period)


def is_dated(period: str, edition: str | int) -> bool:
    """Whether a verdict resting on data to ``period`` is dated in ``edition`` (age >= 3)."""
    return data_age(period, edition) >= DATED_AFTER_YEARS


def data_to(period: str) -> str:
    """The latest period as a reader reads it: "2019", "2020/21", "2022-2024"."""
    text = str(period)
    parts = text.split("/")
    if len(parts) == 4:
        text = "/".join(parts[2:])
    return period_label(text)


def dated(text: str, period: str, edition: str | int) -> str:
    """``text`` with "— data to <period>" appended when the data are dated, else ``text``."""
    if not period or not is_dated(period, edition):
        return text
    return f"{text} \u2014 data to {data_to(period)}"
