"""House style: Analysis Function palette and typography sized for a 16 cm A4 text column."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable
from pathlib import Path

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from afcharts.af_colours import get_af_colours

COLOURS: list[str] = get_af_colours(
    "categorical"
)  # dark blue, turquoise, dark pink, orange, dark grey, light purple
FOCUS: list[str] = get_af_colours("focus")  # dark blue for the point, grey for context
SEQUENTIAL: list[str] = get_af_colours("sequential", number_of_colours=5)
TARGET_COLOUR = COLOURS[3]  # orange: targets and required paths
TEXT = "#0b0c0c"  # GOV.UK text colour
MUTED = "#505a5f"

WIDTH_IN = 7.0  # prints at 16 cm on A4 and ~800 px on screen
HEIGHT_IN = 3.9
DPI = 144


def apply_house_style() -> None:
    """Matplotlib settings for every chart (idempotent; deterministic output)."""
    style = Path(__import__("afcharts").__file__).with_name("afcharts.mplstyle")
    plt.style.use(str(style))
    mpl.rcParams.update(
        {
            "font.size": 10,
            "axes.titlesize": 11,
            "axes.titleweight": "bold",
            "axes.labelsize": 9.5,
            "xtick.labelsize": 9,
            "ytick.labelsize": 9,
            "legend.fontsize": 9,
            "font.family": "sans-serif",
            "font.sans-serif": [
                "DejaVu Sans"
            ],  # shipped with matplotlib: identical on every machine
            "figure.dpi": DPI,
            "savefig.dpi": DPI,
            "figure.figsize": (WIDTH_IN, HEIGHT_IN),
            "figure.constrained_layout.use": True,
            "axes.titlepad": 10,
            "svg.hashsalt": "levelup",
            "path.simplify": True,
        }
    )


def new_figure(
    height: float = HEIGHT_IN, width: float = WIDTH_IN, ncols: int = 1, sharey: bool = False
):
    """A figure in the house style (``fig, ax`` or ``fig, axes``)."""
    apply_house_style()
    fig, axes = plt.subplots(1, ncols, figsize=(width, height), sharey=sharey, squeeze=True)
    return fig, axes


#: Characters of 7.5 pt DejaVu Sans that fit the chart width (about 4.1 pt each, 7 in = 504 pt).
SOURCE_LINE_CHARS = 120


def add_source(fig, source: str) -> None:
    """Print the source line under the plot (provenance on every chart), wrapped to the width.

    Wrapped here by character count: matplotlib's own ``wrap=True`` measures the text word by
    word at every draw, a fifth of the cost of a chart.
    """
    if not source:
        raise ValueError("every chart names its source and vintage")
    width = SOURCE_LINE_CHARS * WIDTH_IN / 7.0
    text = textwrap.fill(f"Source: {source}", width=int(width), break_on_hyphens=False)
    fig.supxlabel(text, x=0.0, ha="left", fontsize=7.5, color=MUTED)


#: Characters of the 11 pt bold title that fit over the plot (about 6.8 pt each, centred over
#: axes that may start a third of the way in, after long area names).
TITLE_CHARS = 52


def chart_title(title: str) -> str:
    """The title wrapped to lines that fit over the plot: a longer line ran past the chart's
    edge (cut off in a PNG, past the page margin in a vector chart)."""
    return textwrap.fill(title, width=TITLE_CHARS, break_on_hyphens=False)


def legend_columns(labels: list[str], width_pt: float = WIDTH_IN * 72 * 0.95) -> int:
    """How many legend entries fit side by side in one row below the plot: each takes its
    8 pt label (about 4.6 pt a character) and 35 pt of handle and spacing; at most four."""
    for ncol in range(min(4, max(len(labels), 1)), 1, -1):
        rows = [labels[i : i + ncol] for i in range(0, len(labels), ncol)]
        widest = max(sum(len(x) * 4.6 + 35 for x in row) for row in rows)
        # matplotlib aligns columns: each column is as wide as its widest label
        cols = [max(len(labels[i]) for i in range(j, len(labels), ncol)) for j in range(ncol)]
        if max(widest, sum(c * 4.6 + 35 for c in cols)) <= width_pt:
            return ncol
    return 1


#: Distinct sources a chart's source line names before it says "and N other sources".
MAX_SOURCES = 4


def source_text(provenance: Iterable[dict], extra: str = "") -> str:
    """The sources of a chart as a reader would cite them, each once: "Ofcom (May 2026), via
    ONS Explore Local Statistics (June 2026)". Sources reached through the same platform share
    one "via": "Ofcom (May 2026) and Office for National Statistics (January 2026), via ONS
    Explore Local Statistics (June 2026)". No files, hashes or ids (those are in the provenance
    appendix and the downloads).

    ``provenance`` are rows of :meth:`levelup.data.load.DataLoader.provenance` (their
    ``source``); a row without one names its publisher.
    """
    from levelup.wording import count, join_names

    names = [row.get("source") or _publisher(row) for row in provenance]
    groups: dict[str, list[str]] = {}
    for name in dict.fromkeys(n for n in names if n):
        head, sep, via = name.rpartition(", via ")
        key = f"via {via}" if sep else ""
        groups.setdefault(key, []).append(head if sep else name)
    parts = [
        f"{join_names(_merge_dates(heads))}, {via}" if via else name
        for via, heads in groups.items()
        for name in ([None] if via else heads)
    ]
    if not parts:
        raise ValueError("a source line needs at least one source")
    if len(parts) > MAX_SOURCES:
        rest = len(parts) - (MAX_SOURCES - 1)
        parts = [*parts[: MAX_SOURCES - 1], f"and {count(rest, 'other source')}"]
    text = "; ".join(parts)
    return f"{text}. {extra}".strip() if extra else text


def _merge_dates(heads: list[str]) -> list[str]:
    """One publisher once, with its release months together: "DfE (March 2026)" and "DfE (April
    2026)" -> "DfE (March 2026 and April 2026)"."""
    from levelup.wording import join_names

    dates: dict[str, list[str]] = {}
    for head in heads:
        name, sep, when = head.partition(" (")
        dates.setdefault(name if sep and when.endswith(")") else head, [])
        if sep and when.endswith(")"):
            dates[name].append(when[:-1])
    return [f"{n} ({join_names(d)})" if d else n for n, d in dates.items()]


def _publisher(row: dict) -> str:
    """A pinned file's publisher in words ("Ofcom via ONS Explore Local Statistics" -> "Ofcom")."""
    publisher = str(row.get("publisher") or "").split(" via ")[0]
    return " and ".join(p.strip() for p in publisher.split("|") if p.strip())


def png_bytes(fig) -> bytes:
    """The chart as PNG at the house resolution, laid out by constrained layout.

    One draw: unlike Jupyter's default ``bbox_inches="tight"`` (a second full draw to measure the
    ink) the figure keeps its fixed A4-column size, which constrained layout already fills.
    """
    import io

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def svg_bytes(fig) -> bytes:
    """The chart as SVG: vector, crisp at any size, on paper and on a phone.

    Text stays text (``svg.fonttype="none"``), so it can be selected and read by assistive
    technology and is drawn in DejaVu Sans (the site serves the font; the PDF compiler is given
    matplotlib's copy). Deterministic: no date, ids salted by ``svg.hashsalt``.
    """
    import io

    buffer = io.BytesIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "levelup"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def save_chart_data(label: str, frame: pd.DataFrame, output_dir: str | Path) -> Path:
    """Write the data behind chart ``label`` to ``<output_dir>/figure-data/<label>.csv``."""
    if not label.startswith("fig-"):
        raise ValueError(f"chart data are named by the figure label (fig-...), not {label!r}")
    target = Path(output_dir) / "figure-data" / f"{label}.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(target, index=False, lineterminator="\n", float_format="%.6g")
    return target
