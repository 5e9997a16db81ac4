"""Money in real terms: cash values deflated by a price index to the prices of one base year.

    real(t) = cash(t) × D(base) / D(t)

where D is the price index (the ONS GDP deflator, YBGB, for this report) and ``base`` a calendar
year. D(t) for a row's period:

* a calendar year: the annual index of that year;
* any other span (a financial year April–March, a quarter, a multi-year period): the mean of the
  quarterly indices of the quarters the period overlaps, so a financial year 2020-21 uses the mean
  of 2020 Q2, Q3, Q4 and 2021 Q1 (the GDP deflator is a calendar index; HM Treasury's
  financial-year deflator is a different series, and the mean of the four quarters is the
  calendar-index equivalent);
* a single date (ASHE pay refers to a week in April): the index of the quarter containing it.

A period the index does not cover (e.g. 2025 in a vintage that ends at 2025 Q1) is not deflated:
``on_missing="drop"`` drops those rows and lists them in ``frame.attrs["not_deflated"]``,
``"error"`` raises :class:`RealTermsError`. Only money rows (unit starting with "£") are
deflated; others pass through unchanged. The cash value stays in ``cash_value`` so downloads keep
it. Reference: ONS, "A guide to interpreting GDP deflators" / HM Treasury, "GDP deflators at
market prices, and money GDP: user guide".
"""

from __future__ import annotations

import math

import pandas as pd

from levelup.data.deflators import PriceIndex


class RealTermsError(ValueError):
    """A period or base year the price index does not cover."""


def is_money(unit: str) -> bool:
    return str(unit).strip().startswith("£")


def prices_label(index: PriceIndex, base_year: int) -> str:
    """'2024 prices, GDP deflator': what a chapter and a unit say about real-terms values."""
    return f"{base_year} prices, GDP deflator"


def real_unit(unit: str, base_year: int) -> str:
    """'£ per week (nominal)' -> '£ per week (2024 prices)' (reads '£620 per week (2024 prices)')."""
    text = str(unit)
    for cash in (" (nominal)", " (current prices)", ", current prices", " current prices"):
        text = text.replace(cash, "")
    return f"{text.strip()} ({base_year} prices)"


def _quarters(start: pd.Timestamp, end: pd.Timestamp) -> list[tuple[int, int]]:
    first = (start.year, (start.month - 1) // 3 + 1)
    last = (end.year, (end.month - 1) // 3 + 1)
    out, (y, q) = [], first
    while (y, q) <= last:
        out.append((y, q))
        y, q = (y + 1, 1) if q == 4 else (y, q + 1)
    return out


def index_for_period(
    index: PriceIndex, start: pd.Timestamp, end: pd.Timestamp, period_type: str = ""
) -> float:
    """D(t) for one period (NaN when the index does not cover it); see the module docstring."""
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    whole_year = (
        start.month == 1 and start.day == 1 and end.month == 12 and end.day == 31
    ) and start.year == end.year
    if period_type == "calendar_year" or whole_year:
        return float(index.annual.get(start.year, math.nan))
    values = [index.quarterly.get(q, math.nan) for q in _quarters(start, end)]
    if not values or any(math.isnan(v) for v in values):
        return math.nan
    return float(sum(values) / len(values))


def to_real_terms(
    frame: pd.DataFrame,
    deflator: PriceIndex,
    base_year: int,
    *,
    on_missing: str = "drop",
) -> pd.DataFrame:
    """Deflate the money rows of a canonical frame to ``base_year`` prices (see module docstring).

    Adds ``cash_value`` (the published value), ``deflator`` (D(t)) and ``price_base``; rescales
    ``value``, ``lower_ci`` and ``upper_ci``; relabels ``unit`` (``real_unit``).
    """
    if on_missing not in ("drop", "error"):
        raise ValueError(f"on_missing must be 'drop' or 'error', not {on_missing!r}")
    if base_year not in deflator.annual.index:
        raise RealTermsError(
            f"base year {base_year} has no annual {deflator.cdid} value "
            f"(annual values {int(deflator.annual.index.min())}-{deflator.last_complete_year})"
        )
    missing_cols = [
        c for c in ("value", "unit", "period", "period_start", "period_end") if c not in frame
    ]
    if missing_cols:
        raise RealTermsError(f"frame lacks column(s) {missing_cols} needed to deflate it")
    base = float(deflator.annual[base_year])
    out = frame.copy()
    money = out["unit"].map(is_money)
    if "cash_value" not in out:
        out["cash_value"] = out["value"]
    out["deflator"] = math.nan
    out["price_base"] = ""
    types = out["period_type"] if "period_type" in out else pd.Series("", index=out.index)
    # D(t) once per distinct period (a few dozen), not per row (tens of thousands)
    rows = out.loc[money]
    keys = list(zip(rows["period_start"], rows["period_end"], types[money], strict=True))
    per_period = {key: index_for_period(deflator, *key) for key in dict.fromkeys(keys)}
    out.loc[money, "deflator"] = [per_period[key] for key in keys]
    uncovered = money & out["deflator"].isna()
    periods = sorted(out.loc[uncovered, "period"].astype(str).unique())
    if uncovered.any():
        if on_missing == "error":
            raise RealTermsError(
                f"{deflator.cdid} (released {deflator.release_date}) does not cover period(s) "
                f"{periods}: it is annual to {deflator.last_complete_year} and quarterly to "
                f"{deflator.quarterly.index.max()[0]} Q{deflator.quarterly.index.max()[1]}"
            )
        out = out.loc[~uncovered]
        money = money.loc[out.index]
    factor = base / out.loc[money, "deflator"]
    for column in ("value", "lower_ci", "upper_ci"):
        if column in out:
            out.loc[money, column] = out.loc[money, column] * factor
    out.loc[money, "unit"] = out.loc[money, "unit"].map(lambda u: real_unit(u, base_year))
    out.loc[money, "price_base"] = prices_label(deflator, base_year)
    out.attrs = dict(frame.attrs)
    out.attrs["not_deflated"] = periods
    return out
