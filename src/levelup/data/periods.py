"""Parse the period labels official publishers use into one ISO 8601 form.

Every label becomes ``(period, start, end, type)``: ``period`` is a normalised ISO 8601 string
(an interval ``start/duration`` or a date), ``start``/``end`` are the first and last day covered
(inclusive) and ``type`` one of :data:`levelup.data.schema.PERIOD_TYPES`.

Encodings handled (see the mirror's ``els/INVENTORY.md``)::

    2011-01-01/P3Y, 2011-01-01T00:00:00/P3Y     interval: start + duration (years, months)
    2024-04-17, 2019-10-01T00:00:00              point in time
    2018                                         a year (calendar unless the dataset says otherwise)
    2001-2002, 2011/12                           a split year (financial unless the dataset says otherwise)
    2025-01                                      a month label (a snapshot month unless configured)
    2000 Q1                                      a calendar quarter

The anchor day of a one-year interval says what kind of year it is: 1 January = calendar year,
1 April = financial year, 1 August / 1 September = academic year, anything else = another
12-month year (Active Lives from 16 November, meter years from 1 February or 15 May).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

_INTERVAL = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?Z?)?/P(\d+)([YMQ])$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:T00:00:00(?:\.0+)?Z?)?$")
_YEAR = re.compile(r"^(\d{4})$")
_SPLIT_YEAR = re.compile(r"^(\d{4})\s*(?:[-/]\s*(\d{4})|/\s*(\d{2}))$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})\s*Q([1-4])$")


class PeriodError(ValueError):
    """A period label that cannot be parsed under the dataset's conventions."""


@dataclass(frozen=True)
class PeriodConvention:
    """How a dataset's ambiguous labels are read.

    year_anchor: ``MM-DD`` the year starts on for plain ``YYYY`` labels (default 1 January).
    year_span: number of years a plain ``YYYY`` label covers (e.g. 3 for pooled periods).
    year_offset: years from the label to the start (-1: English Housing Survey "2020" pools
        2019-20 and 2020-21, i.e. starts 2019-04-01 with a span of 2).
    split_year_anchor: ``MM-DD`` the first year of a ``YYYY-YYYY`` label starts on (1 April).
    month_label: ``point`` (a snapshot taken in that month) or ``month`` (the month as a period).
    """

    year_anchor: str = "01-01"
    year_span: int = 1
    year_offset: int = 0
    split_year_anchor: str = "04-01"
    month_label: str = "point"


DEFAULT_CONVENTION = PeriodConvention()


@dataclass(frozen=True)
class Period:
    period: str
    start: date
    end: date
    type: str

    @property
    def time(self) -> float:
        """Decimal year of the period midpoint."""
        mid = self.start + (self.end - self.start) / 2
        year_start = date(mid.year, 1, 1)
        days = (date(mid.year + 1, 1, 1) - year_start).days
        return mid.year + (mid - year_start).days / days


def _add_months(day: date, months: int) -> date:
    month0 = day.month - 1 + months
    year = day.year + month0 // 12
    month = month0 % 12 + 1
    return date(year, month, day.day)


def _year_type(start: date, years: int) -> str:
    if years > 1:
        return "multi_year"
    anchor = (start.month, start.day)
    if anchor == (1, 1):
        return "calendar_year"
    if anchor == (4, 1):
        return "financial_year"
    if anchor in ((8, 1), (9, 1)):
        return "academic_year"
    return "other_year"


def _interval(start: date, count: int, unit: str) -> Period:
    if unit == "Y":
        end = date(start.year + count, start.month, start.day) - timedelta(days=1)
        kind = _year_type(start, count)
    elif unit == "Q":
        end = _add_months(start, 3 * count) - timedelta(days=1)
        kind = "quarter" if count == 1 else "multi_year"
    else:  # months
        end = _add_months(start, count) - timedelta(days=1)
        kind = "month" if count == 1 else ("quarter" if count == 3 else "other_year")
    return Period(f"{start.isoformat()}/P{count}{unit}", start, end, kind)


def _anchored(year: int, anchor: str) -> date:
    month, day = (int(x) for x in anchor.split("-"))
    return date(year, month, day)


def parse_period(label: str, convention: PeriodConvention = DEFAULT_CONVENTION) -> Period:
    """Parse one period label. Raises :class:`PeriodError` with the label when it cannot."""
    text = str(label).strip()
    try:
        if m := _INTERVAL.match(text):
            start = date(int(m[1]), int(m[2]), int(m[3]))
            return _interval(start, int(m[4]), m[5])
        if m := _DATE.match(text):
            day = date(int(m[1]), int(m[2]), int(m[3]))
            return Period(day.isoformat(), day, day, "point")
        if m := _YEAR.match(text):
            start = _anchored(int(m[1]) + convention.year_offset, convention.year_anchor)
            return _interval(start, convention.year_span, "Y")
        if m := _SPLIT_YEAR.match(text):
            first = int(m[1])
            second = int(m[2]) if m[2] else (first // 100) * 100 + int(m[3])
            if not m[2] and second < first:  # 1999/00
                second += 100
            if second != first + 1:
                raise PeriodError(f"split year {text!r} does not span consecutive years")
            return _interval(_anchored(first, convention.split_year_anchor), 1, "Y")
        if m := _MONTH.match(text):
            start = date(int(m[1]), int(m[2]), 1)
            if convention.month_label == "month":
                return _interval(start, 1, "M")
            return Period(start.isoformat(), start, start, "point")
        if m := _QUARTER.match(text):
            start = date(int(m[1]), 3 * (int(m[2]) - 1) + 1, 1)
            return _interval(start, 1, "Q")
    except ValueError as exc:  # impossible calendar dates such as 2021-02-30
        if isinstance(exc, PeriodError):
            raise
        raise PeriodError(f"invalid date in period {text!r}: {exc}") from exc
    raise PeriodError(
        f"unrecognised period {text!r} (expected an ISO 8601 date or interval, YYYY, YYYY-YYYY, YYYY-MM or YYYY Qn)"
    )


#: month names in English, whatever the locale (calendar.month_name follows it)
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def period_label(period: str) -> str:
    """A period as a reader expects it: 2023, 2021/22, 2022-2024, January 2026, July 2023."""
    parsed = parse_period(period)
    start, kind = parsed.start, parsed.type
    if kind == "point":
        return (
            f"{start.day} {MONTHS[start.month - 1]} {start.year}"
            if start.day != 1
            else f"{MONTHS[start.month - 1]} {start.year}"
        )
    if kind == "calendar_year":
        return str(start.year)
    if kind in ("financial_year", "academic_year", "other_year"):
        return f"{start.year}/{(start.year + 1) % 100:02d}"
    if kind == "multi_year":
        last = parsed.end.year
        if start.month == 1:
            return f"{start.year}-{last}"
        return f"{start.year}/{(start.year + 1) % 100:02d} to {last - 1}/{last % 100:02d}"
    if kind == "month":
        return f"{MONTHS[start.month - 1]} {start.year}"
    if kind == "quarter":
        return f"{start.year} Q{(start.month - 1) // 3 + 1}"
    return period


def span_label(text: str) -> str:
    """A findings-table period as a reader expects it: one period (see :func:`period_label`), a
    comparison of two ("2017/18 to 2023/24" from ``2017-04-01/P1Y/2023-04-01/P1Y``), a date range,
    or a decimal year on the time axis ("2022.7"); empty stays empty."""
    if not text:
        return ""
    try:
        return period_label(text)
    except PeriodError:
        pass
    parts = text.split("/")
    halves = ("/".join(parts[:2]), "/".join(parts[2:])) if len(parts) == 4 else tuple(parts)
    if len(halves) == 2:
        try:
            return f"{period_label(halves[0])} to {period_label(halves[1])}"
        except PeriodError:
            pass
    try:
        return f"{float(text):.1f}"
    except ValueError:
        return text
