"""An answer + its scenario + the templates -> the drafted message (Draft), or None.

A draft goes with an answer that sends something: for `yes` the message to send today, for
`not_yet` the message to send on `earliest`. There is none for `move_on` and `stop` (no channel),
for the answer given when no rule matched, and where messages.yaml has no template for the
answer's contact and channel (`followup lint` reports such a gap).

Values come from the scenario's wording-only fields; one the scenario does not give is shown as
its bracketed prompt and listed in `missing` (by scenario field), in the order the draft uses them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from followup.core.model import Recommendation, Scenario
from followup.core.wording import fill, joined

if TYPE_CHECKING:  # pragma: no cover
    from .templates import Messages

CONTACT_NAMES = {1: "thank-you note", 2: "status follow-up", 3: "final follow-up"}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
NUMBERS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")  # then digits


class Draft:
    """A drafted message (read-only once made; a plain class, see templates.Placeholder)."""

    __slots__ = ("contact", "channel", "subject", "body", "send_on", "missing", "template", "sources")

    def __init__(
        self,
        contact: int,
        channel: str,
        subject: str | None,
        body: str,
        send_on: dt.date,
        missing: tuple[str, ...],
        template: str,
        sources: tuple[str, ...],
    ):
        self.contact, self.channel, self.subject, self.body = contact, channel, subject, body
        self.send_on = send_on
        self.missing = missing  # scenario fields whose absence left a bracketed prompt
        self.template = template  # the template's id in messages.yaml
        self.sources = sources  # the claims the template cites

    def to_json(self) -> dict[str, Any]:
        return {
            "contact": self.contact,
            "channel": self.channel,
            "subject": self.subject,
            "body": self.body,
            "send_on": self.send_on.isoformat(),
            "missing": list(self.missing),
        }


def send_day(rec: Recommendation) -> dt.date | None:
    """The day the answer's next contact goes out (today for `yes`, `earliest` for `not_yet`), or
    None when the answer sends nothing: move_on/stop (no channel), `no`, or no rule matched."""
    if "action" not in rec.decided_by or rec.contact is None or rec.channel is None:
        return None
    if rec.verdict == "yes":
        return rec.as_of
    if rec.verdict == "not_yet":
        return rec.earliest
    return None


def make_draft(rec: Recommendation, scenario: Scenario, messages: Messages) -> Draft | None:
    """The drafted message for an answer, or None when it sends nothing or has no template."""
    send_on = send_day(rec)
    if send_on is None or rec.contact is None or rec.channel is None:
        return None
    from .templates import PLACEHOLDERS, placeholders_in

    template = messages.template(rec.contact, rec.channel)
    if template is None:
        return None
    known = values(scenario, send_on)
    shown = {name: known.get(name) or messages.prompts.get(name, f"[{name}]") for name in PLACEHOLDERS}
    missing: list[str] = []
    for name in placeholders_in(template.subject or "") + placeholders_in(template.body):
        spec = PLACEHOLDERS[name]
        if known.get(name) is None and spec.field is not None and spec.field not in missing:
            missing.append(spec.field)
    return Draft(
        contact=rec.contact,
        channel=rec.channel,
        subject=fill(template.subject, shown) if template.subject is not None else None,
        body=fill(template.body, shown),
        send_on=send_on,
        missing=tuple(missing),
        template=template.id,
        sources=template.sources,
    )


def values(scenario: Scenario, send_on: dt.date) -> dict[str, str | None]:
    """Each placeholder's text from the scenario (None where it gives none). Free text is put on
    one line with single spaces, so a pasted name cannot break the message's layout."""
    from .templates import PLACEHOLDERS

    def one_line(value: Any) -> str | None:
        text = " ".join(str(value).split()) if isinstance(value, str) else ""
        return text or None

    topics = [t for t in (one_line(t) for t in scenario.topics) if t]
    out: dict[str, str | None] = {
        name: one_line(scenario.fields.get(name)) for name, spec in PLACEHOLDERS.items() if spec.field == name
    }
    out["interview.topic"] = topics[0] if topics else None
    out["interview.topics"] = joined(topics) if topics else None
    out["interview.date"] = day_in_words(scenario.interview_date)
    out["time_since_interview"] = span_in_words((send_on - scenario.interview_date).days)
    return out


def day_in_words(day: dt.date) -> str:
    """'Thursday 5 November' (English whatever the locale)."""
    return f"{WEEKDAYS[day.weekday()]} {day.day} {MONTHS[day.month - 1]}"


def span_in_words(days: int) -> str:
    """'a day', 'nine days', '10 days', 'a week', 'two weeks', '15 days'."""
    if days % 7 == 0 and days >= 7:
        weeks = days // 7
        return "a week" if weeks == 1 else f"{_number(weeks)} weeks"
    return "a day" if days == 1 else f"{_number(days)} days"


def _number(n: int) -> str:
    return NUMBERS[n] if 0 <= n < len(NUMBERS) else str(n)
