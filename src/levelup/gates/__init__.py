"""CI preview quality gates: links, static accessibility, browser (console + axe), numbers, PDF.

Every gate is a plain function returning a :class:`GateResult`, so tests and the CLI
(``levelup gates ...``, see :mod:`levelup.gates.cli`) share one implementation.
What each gate checks, and how to run it locally, is described in ``docs/ci.md``.
"""

from __future__ import annotations

from levelup.gates.result import GateResult

__all__ = ["GateResult"]
