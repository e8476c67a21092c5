"""Dates typed the way people say them, relative to a reference day (--as-of, else today).

Understood (case and extra spaces do not matter): an ISO date `2026-11-05`; `today`, `yesterday`,
`tomorrow`; `N days ago`, `N weeks ago` (N in digits, or a, an, one ... twelve); `in N days`,
`in N weeks`; a weekday (`thursday`, `thu`): its most recent occurrence, today included, or for a
question about a day still to come (`future=True`) its next occurrence, today included;
`last thursday` is always before today and `next thursday` always after it.
"""

from __future__ import annotations

import datetime as dt
import re

from followup.core.scenario import date_out_of_range, parse_date

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
}
FORMS = "a date like 2026-11-05, or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday"
MAX_COUNT = 3660  # days or weeks back or ahead: far enough for any real answer
_AGO = re.compile(r"^(\d{1,4}|[a-z]+) (day|days|week|weeks) ago$")
_IN = re.compile(r"^in (\d{1,4}|[a-z]+) (day|days|week|weeks)$")


class DateError(ValueError):
    """Text that is not a date this module understands; the message says what would be."""


def parse_day(text: str, today: dt.date, future: bool = False) -> dt.date:
    """The calendar date `text` names, counted from `today`. Raises DateError."""
    words = " ".join(text.lower().replace(",", " ").split())
    day = _parse(words, today, future)
    if day is None:
        raise DateError(f"{text.strip()!r} is not a date I understand; type {FORMS}")
    if date_out_of_range(day):
        raise DateError(str(date_out_of_range(day)))
    return day


def _parse(words: str, today: dt.date, future: bool) -> dt.date | None:
    iso = parse_date(words)
    if iso is not None:
        return iso
    fixed = {"today": 0, "yesterday": -1, "tomorrow": 1}
    if words in fixed:
        return today + dt.timedelta(days=fixed[words])
    for pattern, sign in ((_AGO, -1), (_IN, 1)):
        m = pattern.match(words)
        if m:
            count = _count(m.group(1))
            if count is None:
                return None
            unit = 7 if m.group(2).startswith("week") else 1
            return today + dt.timedelta(days=sign * count * unit)
    return _weekday(words, today, future)


def _count(word: str) -> int | None:
    n = int(word) if word.isdigit() else WORDS.get(word)
    return n if n is not None and n <= MAX_COUNT else None


def _weekday(words: str, today: dt.date, future: bool) -> dt.date | None:
    """`thursday`, `thu`, `last thursday`, `this thursday`, `next thursday`."""
    prefix, _, name = words.rpartition(" ")
    if prefix not in ("", "last", "this", "next"):
        return None
    matches = [i for i, day in enumerate(WEEKDAYS) if len(name) >= 3 and day.startswith(name)]
    if len(matches) != 1:
        return None
    back = (today.weekday() - matches[0]) % 7  # days since its most recent occurrence
    ahead = (matches[0] - today.weekday()) % 7  # days to its next occurrence
    if prefix == "next":
        return today + dt.timedelta(days=ahead or 7)
    if prefix == "last":
        return today - dt.timedelta(days=back or 7)
    if not future:
        return today - dt.timedelta(days=back)
    return today + dt.timedelta(days=ahead)
