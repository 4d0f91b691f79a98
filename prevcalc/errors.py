"""One exception family for prevcalc, and the rendering of its messages.

The library raises only these (plus ``ValueError``/``TypeError`` for misuse of the Python
API); the command line turns them into messages and exit codes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a scenario, located in its file.

    ``line`` and ``column`` are 1-based; 0 means "no position" (e.g. a ``--set`` option).
    ``path`` is the dotted field path as ``--set`` accepts it (interventions named by id).
    """

    line: int
    column: int
    path: str
    message: str
    hint: str = field(default="", compare=False)

    def render(self, file: str) -> str:
        where = f"{file}:{self.line}:{self.column}" if self.line else file
        text = f"{where}: {self.path + ': ' if self.path else ''}{self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text


class PrevcalcError(Exception):
    """Base of every error prevcalc raises on purpose; ``exit_code`` is the CLI status."""

    exit_code = 1


class ScenarioError(PrevcalcError):
    """A scenario file (or an override) is invalid: carries every problem found, sorted."""

    def __init__(self, file: str, problems: list[Problem]):
        self.file = str(file)
        self.problems = sorted(problems)
        super().__init__(self.render())

    def render(self) -> str:
        return "\n".join(p.render(self.file) for p in self.problems)


class ModelError(PrevcalcError):
    """A run or comparison that cannot be done as asked (e.g. options not like for like)."""


class OutputError(PrevcalcError):
    """An output could not be written, or would overwrite something without ``--force``."""
