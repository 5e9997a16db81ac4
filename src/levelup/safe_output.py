"""Text from input files made harmless in what levelup writes: CSV cells and Markdown table cells.

**CSV** (every CSV levelup writes: findings, chart and table downloads, reports):

A spreadsheet treats a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return as a formula (``=HYPERLINK(...)`` in an area name would become a live link). Every text
cell that starts with one of them is written with a leading apostrophe (``'=HYPERLINK(...)``),
which spreadsheets show as text (OWASP, "CSV Injection"). Numbers are not text: ``-0.5`` or
``-1e-05`` is written as it is, so numeric columns stay numeric. A text cell that already starts
with an apostrophe followed by one of those characters gets a second one, so :func:`restore`
gives back exactly what was written and findings round-trip through their CSV files.

**Markdown** (table cells, and finding values quoted in chapters; pandoc reads them for HTML and
PDF): ``<``, ``>`` and ``&`` become entities, so an area name ``<script>…`` shows as that text
instead of raw HTML (an empty cell, or a script).
"""

from __future__ import annotations

import re

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?|[+-]?(?:inf|nan)", re.I)


def _needs_quote(text: str) -> bool:
    if text.startswith(TRIGGERS):
        return _NUMBER.fullmatch(text) is None
    return text.startswith("'") and text[1:2] != "" and _needs_quote(text[1:])


def neutralise(value):
    """A cell safe to open in a spreadsheet (non-text values are returned unchanged)."""
    if isinstance(value, str) and _needs_quote(value):
        return "'" + value
    return value


def restore(value):
    """The cell as it was before :func:`neutralise` (reading back a CSV levelup wrote)."""
    if isinstance(value, str) and value.startswith("'") and _needs_quote(value[1:]):
        return value[1:]
    return value


def neutralise_row(row: dict) -> dict:
    return {key: neutralise(value) for key, value in row.items()}


def restore_row(row: dict) -> dict:
    return {key: restore(value) for key, value in row.items()}


def neutralise_frame(frame):
    """A copy of a DataFrame with every text cell neutralised; numeric columns stay numeric.

    (pandas is imported here, not at the top: the build process writes CSVs with the standard
    library and must not pay for importing pandas.)"""
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise)
    return out


def html_text(value) -> str:
    """Text for Markdown that pandoc cannot read as HTML: ``<``, ``>``, ``&`` as entities."""
    return str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def markdown_cell(value) -> str:
    """Text for one cell of a pipe table: HTML escaped, pipes escaped, on one line."""
    text = html_text(value).replace("|", "\\|")
    return text.replace("\r", " ").replace("\n", " ")
