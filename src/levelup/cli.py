"""The ``levelup`` command line: one entry point for data, metrics, statistics and the report.

Each area of the library owns a typer sub-application; this module only mounts them.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="levelup",
    help=(
        "Reproducible progress report on the UK Government's twelve Levelling Up missions.\n\n"
        "Typical use: `levelup build` (verify data, run the analysis notebooks, render the "
        "HTML site and PDF of the current edition) and `levelup check` (lint the chapters)."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)


def main() -> None:  # pragma: no cover - console entry point
    """Run the CLI; known input problems print as readable messages, not tracebacks."""
    import sys

    from levelup.console import console
    from levelup.data.fetch import DataFetchError
    from levelup.data.validate import DataValidationError
    from levelup.metrics.registry import RegistryError

    try:
        app()
    except (DataFetchError, DataValidationError, RegistryError) as exc:
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


def _mount() -> None:
    from levelup.data.cli import data_app, edition_app
    from levelup.gates.cli import gates_app
    from levelup.metrics.cli import metrics_app

    app.add_typer(data_app, name="data")
    app.add_typer(edition_app, name="edition")
    app.add_typer(metrics_app, name="metrics")
    app.add_typer(gates_app, name="gates")
    from levelup.report.cli import build

    app.command("build")(build)


_mount()
