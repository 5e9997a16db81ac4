"""Option checks and machine-readable output shared by every ``levelup`` sub-command.

Checks run as typer callbacks, at parse time: an ordinary mistake is refused (one ``error:`` line,
exit status 2) before any data is verified or anything is built.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterable
from typing import Any

import typer


def one_of(choices: Iterable[str]) -> Callable[[str | None], str | None]:
    """A callback accepting only ``choices`` (or no value)."""
    allowed = tuple(choices)

    def check(value: str | None) -> str | None:
        if value is not None and value not in allowed:
            raise typer.BadParameter(f"{value!r} is not one of {', '.join(allowed)}")
        return value

    return check


def print_json(data: Any) -> None:
    """``data`` as indented JSON on standard output (for ``--json``)."""
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


JsonOption = typer.Option(
    "--json", help="Print the result as JSON (machine-readable; nothing else on stdout)."
)
