"""Scenario + as_of -> the facts rules match. All date arithmetic happens here, once.

FACTS documents every computed fact: its type and how it is computed. Enumerated facts take their
values from the vocabulary; a fact that does not apply (no thank-you sent, no stated timeline) is
absent, and a test on an absent fact is false (so `not` of it is true).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .model import Scenario
from .records import Frozen


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class FactSpec(Frozen):
    type: str  # enum | int | bool | date | text
    doc: str
    optional: bool = False  # may be absent

    def __init__(self, type: str, doc: str, optional: bool = False):
        self.__dict__.update(type=type, doc=doc, optional=optional)


FACTS: dict[str, FactSpec] = {
    # inputs, by their path in the scenario
    "company.culture": FactSpec("enum", "company culture (default unknown)"),
    "company.size": FactSpec("enum", "company size (default unknown)"),
    "interview.format": FactSpec("enum", "interview format (default unknown)"),
    "interview.medium": FactSpec("enum", "how the interview was held", optional=True),
    "position.level": FactSpec("enum", "position level (default unknown)"),
    "contact.interviewer_channel": FactSpec("enum", "channel the interviewer used most", optional=True),
    "contact.rapport": FactSpec("enum", "rapport with the interviewer (default normal)"),
    "company.name": FactSpec("text", "company name, for wording only", optional=True),
    "candidate.name": FactSpec("text", "the candidate's own name, for wording only", optional=True),
    "interview.interviewer": FactSpec("text", "interviewer's name, for wording only", optional=True),
    "position.title": FactSpec("text", "position title, for wording only", optional=True),
    # dates (usable in earliest/latest and in sentences, not in conditions)
    "as_of": FactSpec("date", "the day the question is asked"),
    "interview_date": FactSpec("date", "interview.date"),
    "decision_by": FactSpec("date", "timeline.decision_by", optional=True),
    "follow_up_after": FactSpec("date", "timeline.follow_up_after", optional=True),
    "thank_you_date": FactSpec("date", "date of the first thank-you in history", optional=True),
    "last_follow_up_date": FactSpec("date", "date of the latest follow_up in history", optional=True),
    "last_contact_date": FactSpec("date", "latest thank_you or follow_up the candidate sent", optional=True),
    "last_reply_date": FactSpec("date", "date of the latest reply in history", optional=True),
    # computed numbers and flags
    "days_since_interview": FactSpec("int", "as_of - interview_date, in days"),
    "thank_you_sent": FactSpec("bool", "history has a thank_you"),
    "days_since_thank_you": FactSpec("int", "as_of - thank_you_date", optional=True),
    "thank_you_delay": FactSpec(
        "int", "thank_you_date - interview_date: how late the thank-you went out", optional=True
    ),
    "follow_ups_sent": FactSpec("int", "number of follow_up entries in history"),
    "days_since_last_follow_up": FactSpec("int", "as_of - last_follow_up_date", optional=True),
    "days_since_last_contact": FactSpec("int", "as_of - last_contact_date", optional=True),
    "last_reply_outcome": FactSpec("enum", "outcome of the latest reply (history.outcome)", optional=True),
    "days_since_last_reply": FactSpec("int", "as_of - last_reply_date", optional=True),
    "replied_since_last_contact": FactSpec(
        "bool", "a reply is dated on or after last_contact_date (true when nothing was sent)", optional=True
    ),
    "days_until_decision_by": FactSpec(
        "int", "decision_by - as_of (0 on the day, negative after)", optional=True
    ),
    "days_until_follow_up_after": FactSpec(
        "int", "follow_up_after - as_of (0 on the day, negative after)", optional=True
    ),
    "timeline_after_last_follow_up": FactSpec(
        "bool",
        "a stated timeline date (decision_by or follow_up_after) is later than last_follow_up_date",
        optional=True,
    ),
}

# Which vocabulary list gives an enum fact its values.
ENUM_SOURCE = {"last_reply_outcome": "history.outcome"}


def compute(
    scenario: Scenario, as_of: dt.date, accounts: bool = True
) -> tuple[dict[str, Any], dict[str, str]]:
    """Return (facts, how): facts by name (absent when they do not apply), and for each computed
    fact a one-line account of how it was computed (only with `accounts`: explanations want them,
    answers do not)."""
    f: dict[str, Any] = {}
    how: dict[str, str] = {}
    for path, value in scenario.fields.items():
        if value is not None:
            f[path] = value
    iday = scenario.interview_date
    f["as_of"] = as_of
    f["interview_date"] = iday

    def days(name: str, later: dt.date, earlier: dt.date, later_name: str, earlier_name: str) -> None:
        f[name] = (later - earlier).days
        if accounts:
            how[name] = f"{later_name} - {earlier_name} = {later} - {earlier} = {f[name]}"

    days("days_since_interview", as_of, iday, "as_of", "interview_date")
    thanks = [e for e in scenario.history if e.kind == "thank_you"]
    follow_ups = [e for e in scenario.history if e.kind == "follow_up"]
    replies = [e for e in scenario.history if e.kind == "reply"]
    sent = [e for e in scenario.history if e.kind in ("thank_you", "follow_up")]
    f["thank_you_sent"] = bool(thanks)
    f["follow_ups_sent"] = len(follow_ups)
    if accounts:
        how["thank_you_sent"] = f"{len(thanks)} thank_you in history"
        how["follow_ups_sent"] = f"{len(follow_ups)} follow_up in history"
    if thanks:
        f["thank_you_date"] = thanks[0].date
        days("days_since_thank_you", as_of, thanks[0].date, "as_of", "thank_you_date")
        days("thank_you_delay", thanks[0].date, iday, "thank_you_date", "interview_date")
    if follow_ups:
        f["last_follow_up_date"] = follow_ups[-1].date
        days("days_since_last_follow_up", as_of, follow_ups[-1].date, "as_of", "last_follow_up_date")
    if sent:
        f["last_contact_date"] = sent[-1].date
        days("days_since_last_contact", as_of, sent[-1].date, "as_of", "last_contact_date")
    if replies:
        last = replies[-1]
        f["last_reply_date"] = last.date
        f["last_reply_outcome"] = last.outcome
        days("days_since_last_reply", as_of, last.date, "as_of", "last_reply_date")
        since = last.date >= sent[-1].date if sent else True
        f["replied_since_last_contact"] = since
        if accounts:
            how["last_reply_outcome"] = f"latest reply, {last.date}: {last.outcome}"
            how["replied_since_last_contact"] = (
                f"last_reply_date {last.date} >= last_contact_date {sent[-1].date}: {since}"
                if sent
                else "a reply and nothing sent: true"
            )
    stated = []
    if scenario.decision_by:
        f["decision_by"] = scenario.decision_by
        days("days_until_decision_by", scenario.decision_by, as_of, "decision_by", "as_of")
        stated.append(scenario.decision_by)
    if scenario.follow_up_after:
        f["follow_up_after"] = scenario.follow_up_after
        days("days_until_follow_up_after", scenario.follow_up_after, as_of, "follow_up_after", "as_of")
        stated.append(scenario.follow_up_after)
    if stated and follow_ups:
        after = max(stated) > follow_ups[-1].date
        f["timeline_after_last_follow_up"] = after
        if accounts:
            how["timeline_after_last_follow_up"] = (
                f"latest stated date {max(stated)} > last_follow_up_date {follow_ups[-1].date}: {after}"
            )
    return f, how
