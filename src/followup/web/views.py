"""My applications in words: an application's history, the choices of "They replied", and the
note a page shows after a change (applications.py).

The note is read from the redirect's query (`logged=ID&event=KIND[&outcome=O]&on=DATE[&again=1]`)
but shown only when that event is in the application's history as the page reads it from the
database: a crafted link cannot make the page claim a change that is not there.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from followup.core import questions as q
from followup.core.wording import show_date

KINDS = {"thank_you": "the thank-you note", "follow_up": "a follow-up", "reply": "their reply"}


def outcomes() -> list[tuple[str, str]]:
    """(value, words) for the reply's outcome, as the form and `followup ask` word them."""
    return [(value, q.OUTCOME.labels[value]) for value in ("pending", "offer", "rejected")]


def _day(text: Any) -> str:
    try:
        return show_date(dt.date.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def event_words(event: Mapping[str, Any]) -> str:
    """'the thank-you note, by email' / 'their reply: they made an offer'."""
    kind = str(event.get("kind", ""))
    words = KINDS.get(kind, kind.replace("_", " "))
    if event.get("outcome"):
        words += ": " + q.OUTCOME.labels.get(str(event["outcome"]), str(event["outcome"]))
    if event.get("channel"):
        words += f", by {event['channel']}"
    return words


def history_words(history: list[dict[str, Any]]) -> list[dict[str, str]]:
    """Each event of a history as {date, day, text} for the page."""
    return [{"date": str(e.get("date")), "day": _day(e.get("date")), "text": event_words(e)} for e in history]


def notice(query: Mapping[str, str], rows: list[dict[str, Any]]) -> dict[str, str] | None:
    """What the change just made was, in words, and the answer now; None when the query names no
    change, or one that is not in that application's history."""
    app_id, kind, on = query.get("logged"), query.get("event"), query.get("on")
    if not app_id or kind not in KINDS or not on:
        return None
    outcome = query.get("outcome") if kind == "reply" else None
    row = next((r for r in rows if r["id"] == app_id), None)
    if row is None or not any(
        e.get("kind") == kind and e.get("date") == on and e.get("outcome") == outcome for e in row["history"]
    ):
        return None
    who, day = row["words"]["who"], _day(on)
    if outcome:
        what = f"their reply on {day}: {q.OUTCOME.labels.get(outcome, outcome)}"
    else:
        what = f"{KINDS[kind]} sent on {day}"
    if query.get("again"):
        text = f"Already in the history of {who}, not logged again: {what}."
    else:
        text = f"Logged for {who}: {what}."
    answer = row.get("answer")
    return {"id": app_id, "text": text, "now": answer["summary"] if answer else ""}
