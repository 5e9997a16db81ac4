"""The structured result every gate returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class GateResult:
    """Outcome of one gate.

    ``failures`` are human-readable lines (``page:line: message`` where a location exists);
    any failure makes the gate fail. ``notes`` are informational lines that never fail it.
    ``artifacts`` names files the gate wrote (screenshots, diffs, reports) and ``details``
    holds gate-specific structured data for tests and reports.
    """

    name: str
    failures: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    artifacts: dict[str, Path] = field(default_factory=dict)
    details: dict[str, Any] = field(default_factory=dict)
    skipped: bool = False

    @property
    def passed(self) -> bool:
        return not self.failures

    @property
    def status(self) -> str:
        if self.skipped:
            return "skipped"
        return "passed" if self.passed else "FAILED"

    def fail(self, message: str) -> None:
        self.failures.append(message)

    def note(self, message: str) -> None:
        self.notes.append(message)

    def summary(self) -> str:
        """One line: status and counts."""
        if self.skipped:
            return f"{self.name}: skipped ({'; '.join(self.notes) or 'not run'})"
        return f"{self.name}: {self.status} ({len(self.failures)} failure(s), {len(self.notes)} note(s))"

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "passed": self.passed,
            "failures": list(self.failures),
            "notes": list(self.notes),
            "artifacts": {k: str(v) for k, v in self.artifacts.items()},
        }
