"""Hex cartogram maps of local authorities in the house style.

Every UK local authority is one equal hexagon (Open Innovations' layout,
:mod:`levelup.data.hexjson`), so a small district counts as much as a large rural one; regions
and nations are outlined. Two kinds of map:

* :func:`value_map` — a sequential Analysis Function palette (light = low, dark = high) in five
  classes of equal counts (quintiles), with a legend giving each class's range;
* :func:`category_map` — one colour per category (e.g. the trend verdict), colour-blind safe
  (the AF duo pair, dark blue and orange, with greys), with a legend.

Each is drawn once on fixed margins (no constrained layout: one draw per map). Hexes with no
value are drawn white with a grey edge and counted in the legend. :func:`pattern_text` states the
map's pattern for the alt text ("highest in London, lowest in Wales"), computed from the region
medians. :func:`locator_svg` draws the small locator map of an area page as plain SVG (361 pages:
no matplotlib per page).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from levelup.charts.style import (
    MUTED,
    SEQUENTIAL,
    TEXT,
    WIDTH_IN,
    add_source,
    apply_house_style,
    chart_title,
)
from levelup.data.hexjson import HexLayout
from levelup.report.render.areas import LOCATOR_LABEL, LOCATOR_MARK

NO_DATA_COLOUR = "#FFFFFF"
EDGE = "#FFFFFF"
OUTLINE = TEXT
#: Category colours, best first: AF dark blue, light blue, light grey, AF orange.
CATEGORY_COLOURS = ["#12436D", "#6BACE6", "#BFBFBF", "#F46A25"]
MAP_HEIGHT_IN = 7.2


def _figure(height: float):
    import matplotlib.pyplot as plt

    apply_house_style()
    fig = plt.figure(figsize=(WIDTH_IN, height))
    fig.set_layout_engine("none")  # fixed margins: one draw, no layout solver
    # fixed margins: map on the left two thirds, legend on the right, title and source outside
    ax = fig.add_axes((0.0, 0.09, 0.64, 0.83))
    ax.set_aspect("equal")
    ax.axis("off")
    return fig, ax


def _draw(ax, layout: HexLayout, colours: list[str], hatch_missing: list[bool]) -> None:
    from matplotlib.collections import LineCollection, PolyCollection

    centres = layout.centres()
    corners = np.array(layout.corners())
    polys = [corners + (x, y) for x, y in zip(centres["x"], centres["y"], strict=True)]
    edges = ["#B1B4B6" if missing else EDGE for missing in hatch_missing]
    ax.add_collection(PolyCollection(polys, facecolors=colours, edgecolors=edges, linewidths=0.4))
    ax.add_collection(LineCollection(layout.region_edges(), colors=OUTLINE, linewidths=0.9))
    ax.set_xlim(centres["x"].min() - 1, centres["x"].max() + 1)
    ax.set_ylim(centres["y"].min() - 1, centres["y"].max() + 1)


def _legend(fig, handles: list[tuple[str, str, bool]], title: str) -> None:
    from matplotlib.patches import Patch

    patches = [
        Patch(facecolor=c, edgecolor="#B1B4B6" if edge else c, label=label)
        for label, c, edge in handles
    ]
    fig.legend(
        handles=patches,
        title=title,
        loc="upper left",
        bbox_to_anchor=(0.64, 0.88),
        frameon=False,
        alignment="left",
        fontsize=8.5,
        title_fontsize=9,
    )


def _finish(fig, title: str, source: str, notes: list[str]) -> None:
    fig.suptitle(chart_title(title), x=0.02, y=0.985, ha="left", fontsize=11, fontweight="bold")
    text = source + (" " + " ".join(notes) if notes else "")
    add_source(fig, text)


def classes(values: pd.Series, k: int = 5) -> tuple[pd.Series, list[float]]:
    """Quintile classes (0 = lowest) of the non-missing values, and the class breaks."""
    finite = values.dropna()
    breaks = list(np.quantile(finite, np.linspace(0, 1, k + 1))) if len(finite) else []
    if not breaks:
        return pd.Series(np.nan, index=values.index), []
    inner = breaks[1:-1]
    cls = pd.Series(
        np.searchsorted(inner, values.to_numpy(float), side="right"), index=values.index
    )
    return cls.where(values.notna()), breaks


def value_map(
    layout: HexLayout,
    values: pd.Series,
    *,
    title: str,
    legend_title: str,
    source: str,
    formatter=lambda v: f"{v:,.1f}",
    notes: list[str] | None = None,
    height: float = MAP_HEIGHT_IN,
):
    """Hex map of a value per area code (``values`` indexed by code): five quantile classes of
    the AF sequential palette (light = lowest fifth, dark = highest)."""
    by_hex = layout.hexes["code"].map(values)
    cls, breaks = classes(values.reindex(pd.Index(layout.hexes["code"].unique())))
    cls = layout.hexes["code"].map(cls)
    palette = list(reversed(SEQUENTIAL))  # light to dark
    colours = [palette[int(c)] if pd.notna(c) else NO_DATA_COLOUR for c in cls]
    fig, ax = _figure(height)
    _draw(ax, layout, colours, list(by_hex.isna()))
    handles = [
        (f"{formatter(breaks[i])} to {formatter(breaks[i + 1])}", palette[i], False)
        for i in range(len(breaks) - 1)
    ][::-1]
    missing = int(by_hex.isna().sum())
    if missing:
        handles.append((f"no data ({missing})", NO_DATA_COLOUR, True))
    _legend(fig, handles, legend_title)
    _finish(fig, title, source, notes or [])
    return fig


def category_map(
    layout: HexLayout,
    categories: pd.Series,
    order: list[str],
    *,
    title: str,
    legend_title: str,
    source: str,
    colours: list[str] | None = None,
    notes: list[str] | None = None,
    height: float = MAP_HEIGHT_IN,
):
    """Hex map of a category per area code, one colour per category of ``order`` (best first),
    each labelled with its count in the legend; other values count as no data."""
    colours = colours or CATEGORY_COLOURS
    if len(order) > len(colours):
        raise ValueError(f"{len(order)} categories, {len(colours)} colours")
    by_hex = layout.hexes["code"].map(categories)
    known = by_hex.where(by_hex.isin(order))
    palette = dict(zip(order, colours, strict=False))
    fill = [palette.get(c, NO_DATA_COLOUR) if isinstance(c, str) else NO_DATA_COLOUR for c in known]
    fig, ax = _figure(height)
    _draw(ax, layout, fill, list(known.isna()))
    counts = known.value_counts()
    handles = [(f"{c} ({int(counts.get(c, 0))})", palette[c], False) for c in order]
    missing = int(known.isna().sum())
    if missing:
        handles.append((f"no data ({missing})", NO_DATA_COLOUR, True))
    _legend(fig, handles, legend_title)
    _finish(fig, title, source, notes or [])
    return fig


def pattern_text(
    values: pd.Series, regions: pd.Series, region_names: dict[str, str], *, label: str = ""
) -> str:
    """Where a map is highest and lowest, from the median of each region's (or nation's)
    areas: "highest in London, lowest in Wales" (names as running text puts them, "the South
    East"). ``values`` and ``regions`` are indexed by area code."""
    from levelup.findings.labels import area_in_text

    frame = pd.DataFrame({"value": values, "region": regions}).dropna()
    if frame.empty:
        return "no area has a value"
    medians = frame.groupby("region")["value"].median().sort_values()
    high = area_in_text(region_names.get(medians.index[-1], medians.index[-1]))
    low = area_in_text(region_names.get(medians.index[0], medians.index[0]))
    prefix = f"{label} " if label else ""
    return f"{prefix}highest in {high}, lowest in {low} (median of each region's areas)"


def map_data(layout: HexLayout, **columns: pd.Series) -> pd.DataFrame:
    """The data behind a map, one row per hex: code, name, region, the given columns and the
    note for a hex whose area changed boundaries."""
    notes = {n["layout_code"]: n["note"] for n in layout.notes}
    frame = layout.hexes[["code", "name", "region", "layout_code", "q", "r"]].copy()
    for name, series in columns.items():
        frame[name] = frame["code"].map(series)
    frame["boundary_note"] = frame["layout_code"].map(notes).fillna("")
    return frame


# ----------------------------------------------------------------------------- locator
LOCATOR_SIZE = 6.0


def locator_positions(layout: HexLayout, size: float = LOCATOR_SIZE) -> pd.DataFrame:
    """Each hex's position on the locator map (SVG units): code, name, x, y."""
    centres = layout.centres()
    return pd.DataFrame(
        {
            "code": centres["code"],
            "name": centres["name"],
            "x": centres["x"] * size,
            "y": -centres["y"] * size,  # SVG y grows downwards
        }
    )


def locator_svg(layout: HexLayout, size: float = LOCATOR_SIZE) -> str:
    """A small map of every hex in light grey with regions outlined, as plain SVG, with two
    placeholders an area page fills in: :data:`LOCATOR_LABEL` (the accessible name) and
    :data:`LOCATOR_MARK` (where the area page puts the area's hexes, dark blue:
    :func:`levelup.report.render.areas.locator_mark`)."""
    pos = locator_positions(layout, size)
    corners = np.array(layout.corners()) * size
    x0, y0 = pos["x"].min() - size, pos["y"].min() - size
    width, height = pos["x"].max() - x0 + size, pos["y"].max() - y0 + size
    hexagon = " ".join(f"{cx:.2f},{-cy:.2f}" for cx, cy in corners)
    uses = "".join(
        f'<use href="#hx" x="{x:.1f}" y="{y:.1f}"/>'
        for x, y in zip(pos["x"], pos["y"], strict=True)
    )
    lines = " ".join(
        f"M{a[0] * size:.1f} {-a[1] * size:.1f}L{b[0] * size:.1f} {-b[1] * size:.1f}"
        for a, b in layout.region_edges()
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="locator" viewBox="{x0:.1f} {y0:.1f} '
        f'{width:.1f} {height:.1f}" role="img" aria-label="{LOCATOR_LABEL}">'
        f'<defs><polygon id="hx" points="{hexagon}"/></defs>'
        f'<g fill="#DEE0E2">{uses}</g>'
        f'<path d="{lines}" fill="none" stroke="{MUTED}" stroke-width="0.6"/>'
        f'<g fill="#12436D" stroke="#0b0c0c" stroke-width="0.8">{LOCATOR_MARK}</g></svg>'
    )
