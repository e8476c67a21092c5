"""One question at a time: printed with why it matters, read as a line of text, checked, and asked
again with the reason when the answer does not fit. Choices are numbered (type the number or the
word; a typo gets "did you mean"); Enter takes the default, "not sure" where there is one. Dates
are read by dates.py and echoed back as a calendar date to confirm.

Plain numbered choices over input() rather than an arrow-key prompt library: they work the same
in every terminal, screen reader, pipe-less ssh session and pseudo-terminal, need no dependency,
and what is typed is what the transcript shows.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable
from typing import TypeVar

from followup.core.questions import NOT_SURE, Question
from followup.core.wording import show_date

from .dates import FORMS, DateError, parse_day

T = TypeVar("T")
PROMPT = "> "


class Prompter:
    """Asks through `read` (a line, without its newline; input() in a terminal) and `write`."""

    def __init__(self, read: Callable[[str], str], write: Callable[[str], None]):
        self.read = read
        self.write = write

    def say(self, text: str = "") -> None:
        self.write(text + "\n")

    def _ask(self, question: Question, note: str = "") -> None:
        self.say()
        self.say(question.text)
        self.say(f"  Why it matters: {question.why}.")
        if note:
            self.say(f"  {note}")

    def _line(self) -> str:
        """The reply on one line: spaces collapsed, control characters dropped."""
        return " ".join("".join(c for c in self.read(PROMPT) if c.isprintable() or c.isspace()).split())

    def choice(self, question: Question, values: list[str], default: str | None = NOT_SURE) -> str | None:
        """One of `values` (or None for the default "not sure")."""
        options = [*values, default] if default else list(values)
        self._ask(question)
        for n, value in enumerate(options, 1):
            label = question.labels.get(value, value.replace("_", " "))
            mark = "  (Enter)" if value == default else ""
            self.say(f"  {n}. {label}{mark}")
        while True:
            text = self._line().lower()
            if not text and default is None:
                self.say(f"  Please pick one: type a number from 1 to {len(options)}.")
                continue
            picked = _pick(text, options, question) if text else default
            if picked is not None:
                return None if picked == NOT_SURE else picked
            words = [question.labels.get(v, v) for v in options]
            close = difflib.get_close_matches(text, options + words, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            self.say(f"  {text!r} is not one of the choices; {hint}type a number from 1 to {len(options)}.")

    def yes_no(self, question: Question, default: bool = False) -> bool:
        self._ask(question, "[y/N]" if not default else "[Y/n]")
        while True:
            text = self._line().lower()
            if not text:
                return default
            if text in ("y", "yes"):
                return True
            if text in ("n", "no"):
                return False
            self.say("  Please answer y (yes) or n (no).")

    def text(self, question: Question, limit: int, optional: bool = True) -> str | None:
        """A line of free text of at most `limit` characters; Enter skips it."""
        self._ask(question, "(press Enter to skip)" if optional else "")
        while True:
            text = self._line()
            if not text and optional:
                return None
            if text and len(text) <= limit:
                return text
            self.say(f"  Please keep it to {limit} characters." if text else "  Please type an answer.")

    def day(
        self,
        question: Question,
        today: dt.date,
        check: Callable[[dt.date], str | None],
        future: bool = False,
        default: dt.date | None = None,
    ) -> dt.date:
        """A date typed as people say it, echoed back as a calendar date to confirm; `check` gives
        the reason a date does not fit (before the interview, after today...), or None."""
        note = f"(Enter for today, {show_date(today)})" if default == today else f"(type {FORMS})"
        self._ask(question, note)
        while True:
            text = self._line()
            try:
                picked = parse_day(text, today, future) if text else default
            except DateError as exc:
                self.say(f"  {exc}.")
                continue
            if picked is None:
                self.say(f"  Please type {FORMS}.")
                continue
            problem = check(picked)
            if problem:
                self.say(f"  {problem}; please type another day.")
                continue
            if text and text != picked.isoformat() and not self.confirm(f"  = {show_date(picked)}. Right?"):
                self.say("  Then type the date again (2026-11-05 is always understood).")
                continue
            if not text or text == picked.isoformat():
                self.say(f"  = {show_date(picked)}")
            return picked

    def confirm(self, text: str) -> bool:
        """A yes/no on one line, yes by default."""
        while True:
            reply = " ".join(self.read(f"{text} [Y/n] ").split()).lower()
            if reply in ("", "y", "yes"):
                return True
            if reply in ("n", "no"):
                return False


def _pick(text: str, options: list[str], question: Question) -> str | None:
    """The option a reply names: its number, its value, its label, or the start of exactly one."""
    if text.isdigit():
        n = int(text)
        return options[n - 1] if 1 <= n <= len(options) else None
    names = {v: {v.lower(), v.replace("_", " ").lower(), question.labels.get(v, v).lower()} for v in options}
    exact = [v for v, words in names.items() if text in words]
    if exact:
        return exact[0]
    starts = [v for v, words in names.items() if any(w.startswith(text) for w in words)]
    return starts[0] if len(starts) == 1 and len(text) >= 2 else None
