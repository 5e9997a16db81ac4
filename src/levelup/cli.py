"""The ``levelup`` command line: one entry point for data, metrics, statistics and the report.

Each area of the library owns a typer sub-application; this module only mounts them.
"""

from __future__ import annotations

import importlib
import sys

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

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """Run, printing ordinary mistakes as one ``error:`` line instead of a panel or traceback.

        Usage errors (bad option values, unknown editions or dataset ids) exit with status 2,
        known input problems (data that cannot be fetched or does not validate) with status 1.
        """
        try:
            rv = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as exc:  # typer's (vendored) click usage errors
            ctx = getattr(exc, "ctx", None)
            if type(exc).__name__ == "NoArgsIsHelpError":
                typer.echo(ctx.get_help())
            else:
                where = f" (see `{ctx.command_path} --help`)" if ctx is not None else ""
                _error(exc.format_message().replace("\n", " ") + where)
            sys.exit(getattr(exc, "exit_code", 2))
        except typer.Abort:
            _error("aborted")
            sys.exit(1)
        except Exception as exc:
            status = _known_error_status(exc)
            if status is None:
                raise
            _error(str(exc))
            sys.exit(status)
        if not standalone_mode:
            return rv
        sys.exit(rv if isinstance(rv, int) else 0)


def _error(message: str) -> None:
    from levelup.console import console

    console.print("[red]error:[/red] ", end="")
    console.print(message, markup=False, highlight=False)


def _known_error_status(exc: Exception) -> int | None:
    """Exit status of an error the user can fix (2: usage, 1: input data), None for a bug."""
    from levelup.data.catalogue import UnknownEditionError
    from levelup.data.fetch import DataFetchError
    from levelup.data.sources import ManifestError
    from levelup.data.validate import DataValidationError
    from levelup.metrics.registry import RegistryError

    if isinstance(exc, UnknownEditionError):
        return 2
    if "levelup.report.build" in sys.modules:  # not imported by the data commands
        from levelup.report.build import ParameterError

        if isinstance(exc, ParameterError):
            return 2
    if isinstance(exc, DataFetchError | DataValidationError | RegistryError | ManifestError):
        return 1
    return None


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
    rich_markup_mode=None,
)


def main() -> None:  # pragma: no cover - console entry point
    """Run the CLI (errors are handled by the group, see ``_LazyGroup.main``)."""
    app()


def _mount() -> None:
    from levelup.report.cli import register

    register(app)  # build, check, preview, publish, kernels; data, edition, metrics, gates: _LAZY


_mount()
