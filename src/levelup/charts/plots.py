"""Chart types the report uses. Each returns the matplotlib figure and prints the source under it."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from levelup.charts.style import (
    COLOURS,
    FOCUS,
    MUTED,
    TARGET_COLOUR,
    add_source,
    chart_title,
    legend_columns,
    new_figure,
)


def _years_axis(ax) -> None:
    ax.xaxis.set_major_locator(plt.MaxNLocator(integer=True, nbins=8))
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0f}"))


def _label_line_ends(ax, ends: list[tuple[float, float, str, str]]) -> None:
    """Label each line at its right end (direct labels read better than a legend), nudging
    labels apart vertically so they never overlap."""
    ymin, ymax = ax.get_ylim()
    gap = (ymax - ymin) * 0.055
    previous = -np.inf
    for x, y, text, colour in sorted(ends, key=lambda e: e[1]):
        at = max(y, previous + gap)
        previous = at
        ax.annotate(
            text,
            xy=(x, at),
            xytext=(6, 0),
            textcoords="offset points",
            va="center",
            fontsize=8.5,
            color=colour,
            annotation_clip=False,
        )


def _target_line(ax, target: dict | None) -> None:
    if not target:
        return
    ax.axhline(target["value"], color=TARGET_COLOUR, linestyle="--", linewidth=1.2)
    ax.annotate(
        target.get("label", f"target {target['value']:g}"),
        (ax.get_xlim()[0], target["value"]),
        xytext=(4, 4),
        textcoords="offset points",
        fontsize=8.5,
        color=TARGET_COLOUR,
    )


def line_chart(
    data: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    source: str,
    group: str = "label",
    x: str = "time",
    y: str = "value",
    lower: str | None = "lower",
    upper: str | None = "upper",
    target: dict | None = None,
    highlight: Iterable[str] = (),
    ymin: float | None = None,
    step: bool = False,
    shade: Iterable[tuple[float, float, str]] = (),
):
    """Lines over time, one per ``group``, with 95% bands where intervals are published.

    ``step`` draws each line as a step function (the value holds until the next observation,
    e.g. population covered by a policy). ``shade`` marks periods ``(start, end, label)`` with a
    light band labelled at its top (e.g. pandemic years).
    """
    fig, ax = new_figure()
    for start, end, text in shade:
        ax.axvspan(start, end, color="#f3f2f1", zorder=0, linewidth=0)
        ax.annotate(
            text,
            ((start + end) / 2, 1.0),
            xycoords=("data", "axes fraction"),
            xytext=(0, -3),
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=7.5,
            color=MUTED,
        )
    groups = list(dict.fromkeys(data[group]))
    highlight = set(highlight)
    ends = []
    for i, name in enumerate(groups):
        rows = data[data[group] == name].sort_values(x)
        colour = (
            (FOCUS[0] if name in highlight else FOCUS[1])
            if highlight
            else COLOURS[i % len(COLOURS)]
        )
        width = 2.2 if (not highlight or name in highlight) else 1.2
        ax.plot(
            rows[x],
            rows[y],
            color=colour,
            linewidth=width,
            marker="o" if not step or len(rows) == 1 else None,
            markersize=3 if not step else 5,
            drawstyle="steps-post" if step else "default",
        )
        if lower and upper and lower in rows and rows[lower].notna().any():
            ax.fill_between(
                rows[x], rows[lower], rows[upper], color=colour, alpha=0.15, linewidth=0
            )
        last = rows.dropna(subset=[y]).iloc[-1] if rows[y].notna().any() else None
        if last is not None and (not highlight or name in highlight or len(groups) <= 6):
            ends.append((last[x], last[y], str(name), colour))
    ax.set_title(chart_title(title))
    ax.set_ylabel(ylabel)
    if ymin is not None:
        ax.set_ylim(bottom=ymin)
    _years_axis(ax)
    _target_line(ax, target)
    ax.margins(x=0.02)
    _label_line_ends(ax, ends)
    add_source(fig, source)
    return fig


def trajectory_chart(
    observed: pd.DataFrame,
    projection: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    source: str,
    target_value: float | None = None,
    target_year: float | None = None,
    required: pd.DataFrame | None = None,
    constant_rate: pd.DataFrame | None = None,
    constant_rate_label: str = "at the rate of the last five years",
    target_label: str | None = None,
    reference: tuple[float, str] | None = None,
    ytick_format: str | None = None,
):
    """Observed series, projection fan (95% prediction interval), the required path and the target.

    ``reference`` ``(value, label)`` draws a horizontal dashed line, e.g. the baseline level a
    directional target ("will have improved") has to beat. ``ytick_format`` formats the y tick
    labels (e.g. ``"{:,.0f}"`` for counts in the millions).

    ``observed``: time, value[, lower, upper]. ``projection``: time, estimate, lower, upper.
    ``required``/``constant_rate``: time, value. ``constant_rate_label`` says what the
    constant-rate line is (name the window it really rests on when the series is shorter than
    five years). ``target_label`` names the target marker in the legend (default
    "target (<year>)").
    """
    fig, ax = new_figure()
    ax.plot(
        observed["time"],
        observed["value"],
        color=COLOURS[0],
        marker="o",
        markersize=3.5,
        linewidth=2.2,
        label="observed",
    )
    if "lower" in observed and observed["lower"].notna().any():
        ax.fill_between(
            observed["time"],
            observed["lower"],
            observed["upper"],
            color=COLOURS[0],
            alpha=0.15,
            linewidth=0,
        )
    if len(projection):
        ax.plot(
            projection["time"],
            projection["estimate"],
            color=COLOURS[0],
            linestyle=":",
            linewidth=1.8,
            label="linear trend projection",
        )
        ax.fill_between(
            projection["time"],
            projection["lower"],
            projection["upper"],
            color=COLOURS[0],
            alpha=0.10,
            linewidth=0,
            label="95% prediction interval",
        )
    if constant_rate is not None and len(constant_rate):
        ax.plot(
            constant_rate["time"],
            constant_rate["value"],
            color=COLOURS[1],
            linestyle="-.",
            linewidth=1.6,
            label=constant_rate_label,
        )
    if reference is not None:
        ax.axhline(
            reference[0], color=TARGET_COLOUR, linestyle="--", linewidth=1.2, label=reference[1]
        )
    if required is not None and len(required):
        ax.plot(
            required["time"],
            required["value"],
            color=TARGET_COLOUR,
            linestyle="--",
            linewidth=1.4,
            label="path required to meet the target",
        )
    if target_value is not None and target_year is not None:
        ax.scatter(
            [target_year],
            [target_value],
            marker="D",
            s=40,
            color=TARGET_COLOUR,
            zorder=5,
            label=target_label or f"target ({target_year:.0f})",
        )
    ax.set_title(chart_title(title))
    ax.set_ylabel(ylabel)
    _years_axis(ax)
    if ytick_format:
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: ytick_format.format(v)))
    ax.legend(loc="best", fontsize=8)
    add_source(fig, source)
    return fig


def dot_range_chart(
    data: pd.DataFrame,
    *,
    title: str,
    xlabel: str,
    source: str,
    label: str = "area_name",
    value: str = "value",
    lower: str | None = "lower",
    upper: str | None = "upper",
    start: str | None = None,
    start_label: str = "",
    end_label: str = "",
    highlight: Iterable[str] = (),
    reference: tuple[float, str] | None = None,
):
    """Few named areas (regions, nations): latest value with its interval; optionally a hollow dot
    for an earlier period so the change reads as an arrow from start to end."""
    rows = data.sort_values(value).reset_index(drop=True)
    fig, ax = new_figure(height=max(2.6, 0.32 * len(rows) + 1.2))
    highlight = set(highlight)
    ypos = np.arange(len(rows))
    colours = [FOCUS[0] if (not highlight or n in highlight) else MUTED for n in rows[label]]
    if start and start in rows:
        for yy, a, b in zip(ypos, rows[start], rows[value], strict=True):
            if np.isfinite(a) and np.isfinite(b):
                ax.annotate(
                    "",
                    (b, yy),
                    (a, yy),
                    arrowprops={
                        "arrowstyle": "-|>",
                        "color": "#b1b4b6",
                        "lw": 1.2,
                        "shrinkA": 3,
                        "shrinkB": 4,
                    },
                )
        ax.scatter(
            rows[start],
            ypos,
            facecolors="white",
            edgecolors=MUTED,
            s=28,
            zorder=3,
            label=start_label or "earlier",
        )
    if lower and upper and lower in rows and rows[lower].notna().any():
        ax.hlines(ypos, rows[lower], rows[upper], color="#b1b4b6", linewidth=2.5, zorder=2)
    ax.scatter(rows[value], ypos, color=colours, s=36, zorder=4, label=end_label or "latest")
    if reference:
        ax.axvline(reference[0], color=TARGET_COLOUR, linestyle="--", linewidth=1.1)
        ax.annotate(
            reference[1],
            (reference[0], len(rows) - 0.4),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8.5,
            color=TARGET_COLOUR,
        )
        ax.set_ylim(-0.6, len(rows) - 0.1)  # room for the label above the top row
    ax.set_yticks(ypos, rows[label])
    ax.grid(axis="x")
    ax.grid(axis="y", visible=False)
    ax.set_title(chart_title(title))
    ax.set_xlabel(xlabel)
    if start:
        ax.legend(loc="lower right", fontsize=8)
    add_source(fig, source)
    return fig


def distribution_chart(
    data: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    source: str,
    x: str = "time",
    value: str = "value",
    group: str | None = None,
    group_label: str = "",
    national: pd.DataFrame | None = None,
    national_label: str = "national",
    target: dict | None = None,
):
    """Every area as a faint dot per period, with the median and the 10th-90th percentile band:
    the spread across places over time, without a league table of names.

    ``group`` (bool column) picks out a set of areas (e.g. the worst-performing third) in colour.
    ``target`` (``{"value": ..., "label": ...}``) draws a target level as a dashed line.
    """
    fig, ax = new_figure()
    periods = sorted(data[x].unique())
    rng = np.random.default_rng(0)  # deterministic jitter
    width = 0.12 * (np.median(np.diff(periods)) if len(periods) > 1 else 1)
    for period in periods:
        rows = data[data[x] == period]
        jitter = rng.uniform(-width, width, len(rows))
        colours = np.where(rows[group], FOCUS[0], "#b1b4b6") if group else "#b1b4b6"
        ax.scatter(rows[x] + jitter, rows[value], s=6, c=colours, alpha=0.6, linewidths=0, zorder=2)
    stats = data.groupby(x)[value].describe(percentiles=[0.1, 0.5, 0.9])
    ax.fill_between(
        stats.index,
        stats["10%"],
        stats["90%"],
        color=COLOURS[0],
        alpha=0.12,
        linewidth=0,
        label="10th to 90th percentile of areas",
    )
    ax.plot(stats.index, stats["50%"], color=COLOURS[0], linewidth=2, label="median area")
    if national is not None and len(national):
        ax.plot(
            national["time"],
            national["value"],
            color=COLOURS[2],
            linewidth=1.6,
            linestyle="--",
            label=national_label,
        )
    if group:
        ax.scatter([], [], s=12, color=FOCUS[0], label=group_label)
    ax.set_title(chart_title(title))
    ax.set_ylabel(ylabel)
    _years_axis(ax)
    _target_line(ax, target)
    # below the axes: the dots fill the plot, so no place inside it leaves the data uncovered
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=legend_columns(ax.get_legend_handles_labels()[1]),
        frameon=False,
        fontsize=8,
    )
    add_source(fig, source)
    return fig


def gap_chart(
    data: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    source: str,
    label: str = "gap",
    target_direction: str | None = None,
):
    """A gap between places over time (time, value[, lower, upper]) with its interval."""
    fig, ax = new_figure()
    rows = data.sort_values("time")
    ax.plot(
        rows["time"],
        rows["value"],
        color=COLOURS[2],
        marker="o",
        markersize=3.5,
        linewidth=2.2,
        label=label,
    )
    if "lower" in rows and rows["lower"].notna().any():
        ax.fill_between(
            rows["time"],
            rows["lower"],
            rows["upper"],
            color=COLOURS[2],
            alpha=0.15,
            linewidth=0,
            label="95% interval",
        )
    if target_direction:
        ax.annotate(
            f"mission: gap {target_direction}",
            (0.99, 0.95),
            xycoords="axes fraction",
            ha="right",
            fontsize=8.5,
            color=TARGET_COLOUR,
        )
    ax.set_title(chart_title(title))
    ax.set_ylabel(ylabel)
    ax.set_ylim(bottom=0 if rows["value"].min() >= 0 else None)
    _years_axis(ax)
    ax.legend(loc="lower left", fontsize=8)
    add_source(fig, source)
    return fig


def dispersion_chart(
    sigma: pd.DataFrame, *, title: str, source: str, measures: dict[str, str] | None = None
):
    """Dispersion measures across areas over time, each indexed to its first period = 100."""
    measures = measures or {
        "cv": "coefficient of variation",
        "gini": "Gini coefficient",
        "sd_log": "standard deviation of logs",
    }
    fig, ax = new_figure()
    rows = sigma.sort_values("time")
    ends = []
    for i, (column, name) in enumerate(measures.items()):
        if column not in rows or rows[column].isna().all():
            continue
        series = rows[column]
        base = series.dropna().iloc[0]
        index = 100 * series / base if base else series
        ax.plot(rows["time"], index, color=COLOURS[i], linewidth=2, marker="o", markersize=3)
        ends.append((rows["time"].iloc[-1], index.iloc[-1], name, COLOURS[i]))
    ax.axhline(100, color=MUTED, linewidth=0.8)
    ax.set_title(chart_title(title))
    ax.set_ylabel("index, first period = 100")
    _years_axis(ax)
    _label_line_ends(ax, ends)
    add_source(fig, source)
    return fig


def club_chart(
    data: pd.DataFrame,
    *,
    title: str,
    ylabel: str,
    source: str,
    club: str = "club",
    value: str = "value",
    label: str = "area_name",
    max_labels: int = 30,
):
    """Convergence clubs as an ordered chart: every area's value, highest first, coloured by its
    club (club 0 = divergent, grey). Up to ``max_labels`` areas are named on a horizontal dot
    chart; more areas are drawn as a ranked strip (rank on the x axis, unnamed)."""
    rows = data.sort_values(value, ascending=False, kind="stable").reset_index(drop=True)
    clubs = sorted(k for k in rows[club].unique() if k > 0)
    colour = {k: COLOURS[(k - 1) % len(COLOURS)] for k in clubs} | {0: "#b1b4b6"}
    named = len(rows) <= max_labels
    fig, ax = new_figure(height=max(2.6, 0.32 * len(rows) + 1.2) if named else 3.9)
    position = np.arange(len(rows))
    for k in [*clubs, 0]:
        mask = (rows[club] == k).to_numpy()
        if not mask.any():
            continue
        name = f"club {k}" if k else "divergent"
        if named:
            ax.scatter(rows.loc[mask, value], position[mask], color=colour[k], s=40, label=name)
        else:
            ax.bar(
                position[mask] + 1, rows.loc[mask, value], width=1.0, color=colour[k], label=name
            )
    if named:
        ax.set_yticks(position, rows[label])
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.set_xlabel(ylabel)
    else:
        ax.set_xlim(0.5, len(rows) + 0.5)
        ax.set_xlabel("rank (1 = highest)")
        ax.set_ylabel(ylabel)
        ax.grid(axis="x", visible=False)
    ax.set_title(chart_title(title))
    ax.legend(fontsize=8, loc="lower right" if named else "upper right")
    add_source(fig, source)
    return fig
