"""Figures cited from a publication (e.g. the technical annex), drawn on a chart beside a series.

A cited figure is not an observation of the series: it comes from another source, often on a
different basis, and it is never fitted or projected. It is drawn with its own marker (a hollow
square), labelled directly with its value and period, named in the legend ("annex figure"), and
carried in the chart's data download with a column saying where it comes from.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from levelup.charts.style import MUTED
from levelup.data.periods import parse_period, period_label

#: the column of a chart's data download that marks a row as a cited figure (and from where)
CITED_COLUMN = "cited_from"
CITED_MARKER = "s"


def cited_points(figures: Iterable, *, cited_from: str) -> pd.DataFrame:
    """The chart points of registry annex figures (``AnnexFigure`` with ``points``).

    Returns one row per point: ``time`` (decimal year of the period's midpoint), ``value``,
    ``period`` (ISO), ``text`` (the figure as printed with its period, for the direct label) and
    :data:`CITED_COLUMN` (``cited_from``, e.g. "annex figure: HM Government, Levelling Up
    technical annex (February 2022)"). Raises ``ValueError`` if a figure has no points.
    """
    rows = []
    for figure in figures:
        if not figure.points:
            raise ValueError(f"annex figure {figure.id} has no chart points in the registry")
        for point in figure.points:
            rows.append(
                {
                    "time": parse_period(point.period).time,
                    "value": point.value,
                    "period": point.period,
                    "text": f"{point.what} {point.figure} ({period_label(point.period)})".strip(),
                    CITED_COLUMN: cited_from,
                }
            )
    return pd.DataFrame(rows, columns=["time", "value", "period", "text", CITED_COLUMN])


def add_cited_points(ax, points: pd.DataFrame, *, label: str = "annex figure", colour=None):
    """Draw cited figures on ``ax``: hollow squares, each labelled with its ``text`` (if given),
    one legend entry ``label``; an existing legend is redrawn to include it.

    ``points``: ``time``, ``value`` and optionally ``text``. The points are drawn only, never
    joined to the series or to each other. Returns the scatter artist.
    """
    missing = {"time", "value"} - set(points.columns)
    if missing:
        raise ValueError(f"cited points need columns {sorted(missing)}")
    if points.empty:
        return None
    colour = colour or MUTED
    artist = ax.scatter(
        points["time"],
        points["value"],
        marker=CITED_MARKER,
        s=46,
        facecolors="white",
        edgecolors=colour,
        linewidths=1.6,
        zorder=6,
        label=label,
    )
    if "text" in points:
        for _, row in points.iterrows():
            ax.annotate(
                f"{label}: {row['text']}",
                xy=(row["time"], row["value"]),
                xytext=(8, 0),
                textcoords="offset points",
                ha="left",
                va="center",
                fontsize=7.5,
                color=colour,
                annotation_clip=False,
            )
    if ax.get_legend() is not None:
        ax.legend(loc="best", fontsize=8)
    return artist
