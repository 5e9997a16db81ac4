"""The one house chart style: Analysis Function colours (``afcharts``), legible on screen and on an
A4 page, source and vintage under every chart, targets and projection fans where they matter.

Rules this module enforces so notebooks cannot forget them:

* every chart function takes ``source`` and prints it under the plot;
* no rainbow maps and no bare league tables: areas are shown as distributions (dots, ranges),
  with named areas only when they are the point (a region, London, a decile);
* the data behind each chart can be saved next to it with :func:`save_chart_data` for the
  report's "download the data" link.
"""

from levelup.charts.cited import CITED_COLUMN, add_cited_points, cited_points
from levelup.charts.plots import (
    club_chart,
    dispersion_chart,
    distribution_chart,
    dot_range_chart,
    gap_chart,
    line_chart,
    trajectory_chart,
)
from levelup.charts.style import (
    COLOURS,
    FOCUS,
    apply_house_style,
    new_figure,
    png_bytes,
    save_chart_data,
    source_text,
    svg_bytes,
)

__all__ = [
    "CITED_COLUMN",
    "COLOURS",
    "FOCUS",
    "add_cited_points",
    "apply_house_style",
    "cited_points",
    "club_chart",
    "dispersion_chart",
    "distribution_chart",
    "dot_range_chart",
    "gap_chart",
    "line_chart",
    "new_figure",
    "png_bytes",
    "save_chart_data",
    "source_text",
    "svg_bytes",
    "trajectory_chart",
]
