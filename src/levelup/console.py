"""One rich console for every command: readable in a terminal, unwrapped in logs and CI."""

from __future__ import annotations

import sys

from rich.console import Console

console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
