"""The calendar reminder for an answer that sends something: one RFC 5545 file with one all-day
event on the day the next message is due (today for `yes`, `earliest` for `not_yet`), titled in
words, with the summary, the window, the channel and the draft in its description, and an alarm
at 09:00 that morning. The only module that imports icalendar (loaded only when a reminder is
written). calendar_ics puts the reminders of many applications in one calendar.

Deterministic: the same answer gives the same bytes. DTSTAMP is the answer's as_of at 00:00 UTC
(never the clock), SEQUENCE counts the days from 1900-01-01 to as_of (so a reminder made later
is a later revision of the same event), and the UID is stable for one application and contact:
a hash of the scenario's `id` and the contact when the scenario has an id, else of company.name,
interview.date and the contact. Importing an updated file therefore replaces the event rather
than adding a second one; a new contact (the final follow-up after the status follow-up) is a
new event. Two applications with no id, no company name and the same interview day share UIDs:
give the scenario an `id` to keep them apart.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from followup.core.model import Recommendation, Scenario
from followup.core.wording import show_date

from .draft import CONTACT_NAMES, Draft, send_day

PRODID = "-//followup-advisor//follow-up reminder//EN"
UID_DOMAIN = "followup-advisor"
ALARM_AT = dt.timedelta(hours=9)  # after the start of the all-day event: 09:00 that morning
SEQUENCE_FROM = dt.date(1900, 1, 1)  # the first date the advisor works with


def reminder_uid(scenario: Scenario, contact: int) -> str:
    """Stable for the same application and contact (see the module docstring)."""
    if scenario.id is not None:
        parts = ["id", scenario.id]
    else:
        parts = [
            "company",
            scenario.fields.get("company.name") or "",
            "interview",
            str(scenario.interview_date),
        ]
    key = "\x1f".join([*parts, "contact", str(contact)])
    return f"{hashlib.sha256(key.encode('utf-8')).hexdigest()[:32]}@{UID_DOMAIN}"


def reminder_title(contact: int, channel: str, scenario: Scenario) -> str:
    """'Send the status follow-up to Acme'; 'Call Acme for the status follow-up' for a phone call."""
    what = CONTACT_NAMES.get(contact, f"contact {contact}")
    whom = " ".join(
        str(scenario.fields.get("company.name") or scenario.fields.get("interview.interviewer") or "").split()
    )
    if channel == "phone":
        return f"Call {whom} for the {what}" if whom else f"Make the {what} call"
    return f"Send the {what} to {whom}" if whom else f"Send the {what}"


def reminder_text(rec: Recommendation, draft: Draft | None) -> str:
    """The event's description: summary, window (as the text answer words it), channel, draft."""
    start = show_date(rec.earliest) if rec.earliest else "now"
    window = f"{start} to {show_date(rec.latest)}" if rec.latest else f"from {start} (no last day)"
    lines = [rec.summary, "", f"Window: {window}"]
    if rec.window_note:
        lines.append(rec.window_note)
    lines.append(f"Channel: {rec.channel}")
    if draft is not None:
        lines += ["", f"Draft (template {draft.template}):", ""]
        if draft.subject is not None:
            lines += [f"Subject: {draft.subject}", ""]
        lines.append(draft.body)
        if draft.missing:
            lines += ["", f"Fill in before sending: {', '.join(draft.missing)} (the [bracketed] parts)"]
    return "\n".join(lines)


def reminder_ics(rec: Recommendation, scenario: Scenario, draft: Draft | None) -> bytes:
    """The .ics file's bytes (CRLF lines, folded at 75 octets by icalendar). Raises ValueError
    for an answer that sends nothing: there is nothing to remind of."""
    return calendar_ics([(rec, scenario, draft)])


def calendar_ics(answers: list[tuple[Recommendation, Scenario, Draft | None]]) -> bytes:
    """One calendar with one reminder event per answer, in the order given (`followup track ics`:
    every application at once; each event's UID is that application's, so importing a newer file
    updates the events). Raises ValueError for an answer that sends nothing."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    for rec, scenario, draft in answers:
        cal.add_component(_event(rec, scenario, draft))
    data: bytes = cal.to_ical()
    return data


def _event(rec: Recommendation, scenario: Scenario, draft: Draft | None) -> Any:  # an icalendar Event
    from icalendar import Alarm, Event

    day = send_day(rec)
    if day is None or rec.contact is None or rec.channel is None:
        raise ValueError(f"nothing is to be sent ({rec.action}): no reminder")
    title = reminder_title(rec.contact, rec.channel, scenario)
    event = Event()
    event.add("uid", reminder_uid(scenario, rec.contact))
    event.add("dtstamp", dt.datetime.combine(rec.as_of, dt.time(0, 0), tzinfo=dt.UTC))
    event.add("sequence", (rec.as_of - SEQUENCE_FROM).days)
    event.add("dtstart", day)
    event.add("dtend", day + dt.timedelta(days=1))
    event.add("summary", title)
    event.add("description", reminder_text(rec, draft))
    event.add("transp", "TRANSPARENT")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    alarm.add("trigger", ALARM_AT, parameters={"RELATED": "START"})
    event.add_component(alarm)
    return event
