"""Errors a user can act on, kept apart from internal failures.

Every input problem carries its file, line and field so the CLI can print
`file:line: code: message` and exit 2 without a traceback.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


class PathguardError(Exception):
    """Base of every error pathguard raises on purpose."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in an input file."""

    file: str
    line: int | None
    field: str
    code: str
    message: str
    hint: str | None = None
    severity: str = "error"

    @property
    def where(self) -> str:
        """`file:line`, or the file alone when there is no line."""
        return f"{self.file}:{self.line}" if self.line else self.file

    def render(self) -> str:
        field = f" `{self.field}`" if self.field else ""
        text = f"{self.where}: {self.severity}: {self.code}:{field} {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, object]:
        return {"file": self.file, "line": self.line, "field": self.field, "code": self.code,
                "message": self.message, "hint": self.hint, "severity": self.severity}

    def sort_key(self) -> tuple[str, int, str, str]:
        return (self.file, self.line or 0, self.field, self.message)


class InputError(PathguardError):
    """Unusable input: every problem found in the files, sorted by place."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__("\n".join(p.render() for p in self.problems))


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """A `did you mean` hint for a misspelt name, or None."""
    import difflib

    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f"did you mean `{close[0]}`?" if close else None
