"""An estimate with its interval as a reader sees it: "90% (89 to 91)".

Published bounds are often rounded (the Participation Survey's to whole points), and a rounded
interval can collapse onto one number or even exclude its own estimate ("89% (88 to 88)"), which
reads as an error. :func:`estimate_with_interval` adds decimals (up to ``max_decimals``) while the
printed bounds do not bracket the printed estimate, and shows the estimate alone, marked, when no
precision the data carry makes the interval informative.
"""

from __future__ import annotations

import math

#: Appended to an estimate whose published interval cannot be shown meaningfully.
UNINFORMATIVE_MARK = "†"


def estimate_with_interval(
    value: float,
    lower: float | None,
    upper: float | None,
    *,
    decimals: int = 0,
    max_decimals: int = 2,
    unit: str = "%",
) -> str:
    """``value`` with ``(lower to upper)`` when, at some number of decimals from ``decimals`` to
    ``max_decimals``, the printed bounds differ from each other and bracket the printed value
    (lower < value < upper, or equal to one bound but not both). Otherwise the value alone with
    :data:`UNINFORMATIVE_MARK` (no mark when there is no interval at all)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if lower is None or upper is None or math.isnan(lower) or math.isnan(upper):
        return f"{value:.{decimals}f}{unit}"
    for places in range(decimals, max_decimals + 1):
        v, lo, hi = (round(x, places) for x in (value, lower, upper))
        if lo < hi and lo <= v <= hi:
            return f"{v:.{places}f}{unit} ({lo:.{places}f} to {hi:.{places}f})"
    return f"{value:.{decimals}f}{unit}{UNINFORMATIVE_MARK}"
