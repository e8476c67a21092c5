"""Diagnostics: located, coded user-facing problems, and the one error type that carries them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Location:
    """A 1-based position in a file; line/column 0 means "the whole file"."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        return f"{self.path}:1:1"


@dataclass(frozen=True)
class Diagnostic:
    """One problem: where, a stable code, a message and an optional hint."""

    location: Location
    code: str
    message: str
    hint: str = ""
    level: str = "error"

    def render(self) -> str:
        text = f"{self.location}: {self.level}: {self.code}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.location.path,
            "line": self.location.line or 1,
            "column": self.location.column or 1,
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "hint": self.hint or None,
        }


class FollowupError(Exception):
    """User mistakes: one or more diagnostics. The CLI prints them and exits 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.location, d.code, d.message))
        super().__init__("\n".join(d.render() for d in self.diagnostics))


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A "did you mean X?" hint from difflib, or the list of choices when nothing is close."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + ", ".join(str(c) for c in choices)
