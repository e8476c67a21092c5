"""Answers for stored applications, computed as of a day, never stored.

An application's answer is exactly what `followup advise` gives for its document (the scenario
`track export` writes) as of that day: the same validation, evaluation and drafted message
(core.advisor, audit.answer). An application that can no longer be answered (the rules changed
their vocabulary, or the day asked is before a logged event) carries its diagnostics instead,
and every other application is still answered.

Status, for sorting and for "what today?":
  due       something is to be sent today (verdict yes); due since `earliest` when that is past
  upcoming  the next message has a day (verdict not_yet): `send_on`
  none      nothing to send: move on, stop, a `no`, or no rule matched
  error     no answer (see `problems`)
Sorted by what is due first: due (longest due first), upcoming (soonest first), none, error;
ties by id (numbers in numeric order, then other ids).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from followup.audit.answer import answer_json, draft_for
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.schema_version import versioned
from followup.messages.draft import send_day

from .documents import NUMBER, Application, label, node_of

if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor
    from followup.core.model import Recommendation, Scenario
    from followup.messages.draft import Draft

STATUSES = ("due", "upcoming", "none", "error")
WEEK = 7  # `track today` also shows what becomes due in the next WEEK days


@dataclass(eq=False)
class Answer:
    """One application's answer as of a day (rec and draft), or the problems that prevent one."""

    app: Application
    as_of: dt.date
    scenario: Scenario | None = None
    rec: Recommendation | None = None
    draft: Draft | None = None
    problems: list[Diagnostic] = field(default_factory=list)

    @property
    def send_on(self) -> dt.date | None:
        return send_day(self.rec) if self.rec is not None else None

    @property
    def status(self) -> str:
        if self.rec is None:
            return "error"
        day = self.send_on
        if day is None:
            return "none"
        return "due" if day <= self.as_of else "upcoming"

    @property
    def due_since(self) -> dt.date | None:
        """For a due answer: the first day of its window when that is past, else today."""
        if self.status != "due" or self.rec is None:
            return None
        earliest = self.rec.earliest
        return earliest if earliest is not None and earliest < self.as_of else self.as_of

    def sort_key(self) -> tuple[Any, ...]:
        status = self.status
        day = self.due_since if status == "due" else self.send_on if status == "upcoming" else None
        return (STATUSES.index(status), day or dt.date.min, id_key(self.app.id))

    def answer_json(self) -> dict[str, Any] | None:
        """The object `advise --format json` prints, or None when there is no answer."""
        if self.rec is None:
            return None
        return answer_json(self.rec, self.draft)

    def to_json(self) -> dict[str, Any]:
        """One application in a JSON list: who, the status and the whole answer (or the error)."""
        error = None
        if self.problems:
            first = self.problems[0]
            error = {
                "code": first.code,
                "message": first.message,
                "diagnostics": [d.to_json() for d in self.problems],
            }
        send_on = self.send_on
        return {
            "id": self.app.id,
            "company": self.app.company,
            "role": self.app.title,
            "archived": self.app.archived,
            "status": self.status,
            "send_on": send_on.isoformat() if send_on else None,
            "answer": self.answer_json(),
            "error": error,
        }


def id_key(app_id: str) -> tuple[int, int, str]:
    """Numbers in numeric order first, then other ids alphabetically."""
    return (0, int(app_id), "") if NUMBER.fullmatch(app_id) else (1, 0, app_id)


def damaged(app: Application) -> Diagnostic:
    """An application whose stored scenario was changed outside followup and cannot be read."""
    hint = f"replace it: followup track edit {app.id} --file FILE"
    return Diagnostic(Location(label(app.id)), "damaged-record", str(app.damaged), hint)


def scenario_of(advisor: Advisor, app: Application, as_of: dt.date) -> Scenario:
    """The application's scenario as of a day, validated as advise validates a file: by the fast
    path for a clean one (core/plain.py), else located, for the validator's diagnostics."""
    from followup.core.plain import scenario_from_plain

    fast = scenario_from_plain(app.document(), advisor.ruleset, label(app.id), as_of=as_of)
    return fast if fast is not None else advisor.scenario(node_of(app), as_of=as_of)


def answer(advisor: Advisor, app: Application, as_of: dt.date) -> Answer:
    """The application's answer as of `as_of` (its problems when it has none)."""
    if app.damaged:
        return Answer(app, as_of, problems=[damaged(app)])
    try:
        scenario = scenario_of(advisor, app, as_of)
        rec = advisor.evaluate(scenario)
        draft = draft_for(rec, scenario, advisor.ruleset)
    except FollowupError as exc:
        return Answer(app, as_of, problems=exc.diagnostics)
    # kept: the answer, not the evaluation's working data (facts, firings: explain's business);
    # a list holds a thousand of these, and the garbage collector scans what is kept
    return Answer(app, as_of, scenario, replace(rec, facts={}, firings=[], how={}), draft)


def answers(advisor: Advisor, apps: list[Application], as_of: dt.date) -> list[Answer]:
    """Every application's answer, sorted by what is due first."""
    return sorted((answer(advisor, app, as_of) for app in apps), key=Answer.sort_key)


def today(all_answers: list[Answer], as_of: dt.date) -> dict[str, list[Answer]]:
    """What to do today: `due` (to send today, or overdue), `this_week` (due in the next WEEK
    days) and `errors` (applications that could not be answered), each sorted."""
    horizon = as_of + dt.timedelta(days=WEEK)
    return {
        "due": [a for a in all_answers if a.status == "due"],
        "this_week": [
            a
            for a in all_answers
            if a.status == "upcoming" and a.send_on is not None and a.send_on <= horizon
        ],
        "errors": [a for a in all_answers if a.status == "error"],
    }


def next_after(all_answers: list[Answer], as_of: dt.date) -> Answer | None:
    """The first application due after this week, if any (sorted answers)."""
    horizon = as_of + dt.timedelta(days=WEEK)
    return next((a for a in all_answers if a.status == "upcoming" and (a.send_on or as_of) > horizon), None)


def list_json(all_answers: list[Answer], as_of: dt.date) -> dict[str, Any]:
    return versioned({"as_of": as_of.isoformat(), "applications": [a.to_json() for a in all_answers]})


def today_json(parts: dict[str, list[Answer]], as_of: dt.date) -> dict[str, Any]:
    return versioned(
        {
            "as_of": as_of.isoformat(),
            "until": (as_of + dt.timedelta(days=WEEK)).isoformat(),
            **{key: [a.to_json() for a in items] for key, items in parts.items()},
        }
    )


def show_json(one: Answer) -> dict[str, Any]:
    """`track show --format json`: the application's document and its answer."""
    return versioned(
        {
            "id": one.app.id,
            "archived": one.app.archived,
            "scenario": one.app.document(),
            "answer": one.answer_json(),
        }
    )
