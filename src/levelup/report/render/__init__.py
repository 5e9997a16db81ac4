"""The report's rendering engines.

``render_book`` renders the Quarto book sources with the built-in engine (pandoc + Typst, no
Quarto needed); ``render_with_quarto`` hands the same sources to ``quarto render --profile``;
``choose_engine`` picks one. ``check_book`` lints the sources without executing anything and
``serve_and_watch`` serves a rendered site and rebuilds it on change (``levelup preview``).
"""

from .check import check_book
from .engine import ChapterResult, RenderResult, render_book
from .errors import Problem, RenderError, format_problems
from .quarto import choose_engine, render_with_quarto
from .serve import PortInUseError, PreviewServer, serve_and_watch

__all__ = [
    "ChapterResult",
    "PortInUseError",
    "PreviewServer",
    "Problem",
    "RenderError",
    "RenderResult",
    "check_book",
    "choose_engine",
    "format_problems",
    "render_book",
    "render_with_quarto",
    "serve_and_watch",
]
