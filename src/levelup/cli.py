"""The ``levelup`` command line: one entry point for data, metrics, statistics and the report.

Each area of the library owns a typer sub-application; this module only mounts them.
"""

from __future__ import annotations

import importlib

import typer
from typer.core import TyperGroup

# Sub-applications imported only when used: `levelup build` must not pay for pandas (imported
# by the data CLI) before it even starts, or a no-op rebuild could not take half a second.
_LAZY = {
    "data": ("levelup.data.cli", "data_app"),
    "edition": ("levelup.data.cli", "edition_app"),
    "metrics": ("levelup.metrics.cli", "metrics_app"),
    "gates": ("levelup.gates.cli", "gates_app"),
}


class _LazyGroup(TyperGroup):
    def list_commands(self, ctx) -> list[str]:
        return [*super().list_commands(ctx), *(n for n in _LAZY if n not in self.commands)]

    def get_command(self, ctx, cmd_name: str):
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _LAZY:
            module, attr = _LAZY[cmd_name]
            sub_app = getattr(importlib.import_module(module), attr)
            if cmd_name == "edition":  # `edition verify` belongs to the report
                from levelup.report.cli import register_edition

                register_edition(sub_app)
            command = typer.main.get_group(sub_app)
            command.name = cmd_name
            self.commands[cmd_name] = command
        return command


app = typer.Typer(
    name="levelup",
    cls=_LazyGroup,
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

    try:
        app()
    except Exception as exc:
        from levelup.console import console
        from levelup.data.fetch import DataFetchError
        from levelup.data.validate import DataValidationError
        from levelup.metrics.registry import RegistryError

        if not isinstance(exc, DataFetchError | DataValidationError | RegistryError):
            raise
        console.print(f"[red]error:[/red] {exc}")
        sys.exit(1)


def _mount() -> None:
    from levelup.report.cli import register

    register(app)  # build, check, preview, publish, kernels; data, edition, metrics, gates: _LAZY


_mount()
