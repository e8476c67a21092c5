"""Diagnostics: located, coded user-facing problems, and the one error type that carries them."""

from __future__ import annotations

from dataclasses import dataclass, field

from .records import Frozen, Ordered


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Ordered (a frozen dataclass with order)
class Location(Ordered):
    """A 1-based position in a file; line/column 0 means "the whole file". A value given as a
    Python mapping or a JSON request body has no lines: its place is a JSON pointer (RFC 6901,
    `/company/culture`, `/history/0/date`; "" for the whole value), shown as `path#pointer`."""

    path: str
    line: int = 0
    column: int = 0
    pointer: str | None = field(default=None, compare=False)

    def __init__(self, path: str, line: int = 0, column: int = 0, pointer: str | None = None):
        self.__dict__.update(path=path, line=line, column=column, pointer=pointer)

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
        if self.pointer is not None:
            return f"{self.path}#{self.pointer}"
        return f"{self.path}:1:1"

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.column, self.pointer or "")


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen
class Diagnostic(Frozen):
    """One problem: where, a stable code, a message and an optional hint."""

    location: Location
    code: str
    message: str
    hint: str = ""
    level: str = "error"

    def __init__(self, location: Location, code: str, message: str, hint: str = "", level: str = "error"):
        self.__dict__.update(location=location, code=code, message=message, hint=hint, level=level)

    def render(self) -> str:
        text = f"{self.location}: {self.level}: {self.code}: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    @property
    def pointer(self) -> str | None:
        """The JSON pointer to the value concerned, for a mapping or JSON body (else None)."""
        return self.location.pointer

    def to_json(self) -> dict[str, object]:
        """`path`, `line`, `column` (null for a place given only by a pointer), `level`, `code`,
        `message`, `hint`, and `pointer` when the value had one."""
        loc = self.location
        by_pointer = loc.pointer is not None and not loc.line
        out: dict[str, object] = {
            "path": loc.path,
            "line": None if by_pointer else loc.line or 1,
            "column": None if by_pointer else loc.column or 1,
            "level": self.level,
            "code": self.code,
            "message": self.message,
            "hint": self.hint or None,
        }
        if loc.pointer is not None:
            out["pointer"] = loc.pointer
        return out


class FollowupError(Exception):
    """User mistakes: one or more diagnostics. The CLI prints them and exits 2."""

    def __init__(self, diagnostics: list[Diagnostic]):
        self.diagnostics = sorted(diagnostics, key=lambda d: (d.location.sort_key(), d.code, d.message))
        super().__init__("\n".join(d.render() for d in self.diagnostics))


def did_you_mean(word: str, choices: list[str] | tuple[str, ...]) -> str:
    """A "did you mean X?" hint from difflib, or the list of choices when nothing is close."""
    import difflib

    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    if close:
        return f"did you mean {close[0]!r}?"
    return "expected one of: " + ", ".join(str(c) for c in choices)
