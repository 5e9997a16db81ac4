"""Figures the technical annex prints, drawn on a chart as cited points, never as data.

An annex figure extends a series back or gives a point the pinned data lack. It is drawn as a
hollow diamond in the house muted colour with a legend entry "annex figure", so a reader never
mistakes it for an observation, and it is never passed to a fitted series.
"""

from __future__ import annotations

import pandas as pd

ANNEX_LABEL = "annex figure (cited, not data)"


def add_annex_points(ax, points: pd.DataFrame, *, label: str = ANNEX_LABEL, text: str = "text"):
    """Draw ``points`` (columns ``time``, ``value`` and optionally ``text``) as annex figures."""
    missing = [c for c in ("time", "value") if c not in points]
    if missing:
        raise ValueError(f"annex points need column(s) {missing}")
    ax.scatter(
        points["time"],
        points["value"],
        marker="D",
        s=42,
        facecolors="white",
        edgecolors="#801650",
        linewidths=1.6,
        zorder=5,
        label=label,
    )
    if text in points:
        for row in points.itertuples():
            ax.annotate(
                str(getattr(row, text)),
                (row.time, row.value),
                xytext=(6, 4),
                textcoords="offset points",
                fontsize=7.5,
                color="#801650",
            )
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    return ax
