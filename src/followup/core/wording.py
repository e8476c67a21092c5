"""Sentences from the rules: `{name}` placeholders filled by name lookup, and how values read.

Nothing in a template is interpreted but the name between braces: no attributes, indexes or
format specs (`{a.b}` is just a name no fact has), no expressions, no template engine. Values
read as people write them: dates as `Thu 2026-11-26`, true/false as yes/no, a count of days with
its unit (`1 day`, `15 days`), a derived fact with several values as `a, b and c`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

PLACEHOLDER = re.compile(r"\{([^{}]*)\}")

# facts that count days: they read with their unit
DAY_COUNTS = frozenset(
    {
        "days_since_interview",
        "days_since_thank_you",
        "days_since_last_follow_up",
        "days_since_last_contact",
        "days_since_last_reply",
        "days_until_decision_by",
        "days_until_follow_up_after",
        "thank_you_delay",
    }
)


_DATES: dict[dt.date, str] = {}


def show_date(day: dt.date) -> str:
    """`Thu 2026-11-26` (remembered: a run shows the same few hundred days again and again)."""
    text = _DATES.get(day)
    if text is None:
        if len(_DATES) > 20_000:
            _DATES.clear()
        text = _DATES[day] = day.strftime("%a %Y-%m-%d")
    return text


def days(n: int) -> str:
    """`1 day`, `2 days`, `-3 days`."""
    return f"{n} day" if abs(n) == 1 else f"{n} days"


def joined(items: list[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def show(value: Any, name: str = "") -> str:
    """How one value reads in a sentence."""
    if value is None:
        return "(not given)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dt.date):
        return show_date(value)
    if isinstance(value, int) and name in DAY_COUNTS:
        return days(value)
    if isinstance(value, (list, tuple)):
        return joined([show(v) for v in value])
    return str(value)


_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {}


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace each {name} with how the value of that name reads (see `show`)."""
    parts = _TEMPLATES.get(template)
    if parts is None:
        pieces = PLACEHOLDER.split(template)  # text, name, text, name, ..., text
        parts = tuple(
            (pieces[i], pieces[i + 1] if i + 1 < len(pieces) else "") for i in range(0, len(pieces), 2)
        )
        _TEMPLATES[template] = parts
    out = []
    for text, name in parts:
        out.append(text)
        if name:
            value = values.get(name)
            out.append(value if type(value) is str else show(value, name))
    return "".join(out)
