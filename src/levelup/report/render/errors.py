"""Problems and the one exception type of the rendering engine."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in the book sources, located at ``file:line`` (file relative to the project)."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return (
            f"{self.file}:{self.line}: {self.message}"
            if self.line
            else f"{self.file}: {self.message}"
        )


def format_problems(problems: Iterable[Problem]) -> str:
    """One ``file:line: message`` per line, sorted by file and line, duplicates removed."""
    return "\n".join(str(p) for p in sorted(set(problems)))


class RenderError(RuntimeError):
    """Rendering failed. ``problems`` lists every located problem; ``file``/``line`` is the first."""

    def __init__(
        self, problems: Problem | Iterable[Problem] | str, *, file: str = "", line: int = 0
    ):
        if isinstance(problems, str):
            problems = [Problem(file, line, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = sorted(set(problems))
        first = self.problems[0] if self.problems else Problem(file, line, "render failed")
        self.file = first.file
        self.line = first.line
        self.explanation = first.message
        super().__init__(format_problems(self.problems) or str(first))


class ProblemCollector:
    """Collects problems during a pass; ``raise_if_any`` turns them into one RenderError."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, file: str, line: int, message: str) -> None:
        self.problems.append(Problem(file, line, message))

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise RenderError(self.problems)
