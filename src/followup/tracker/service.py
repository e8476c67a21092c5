"""The tracker as `followup serve`'s "My applications" uses it: one object holding the database's
path and the loaded rules, whose methods each open the database for that call only (one Store
per call, so any thread may call them) and return plain JSON values.

cli/serve.py builds one and hands it to the web app, which knows it only by the shape
followup.web.tracking.Applications describes: web and tracker are sibling layers, neither
imports the other. The rows are `followup track list --format json`'s, each with what the page
shows in words (render.py's, so the page and the command line say the same), what "I sent
it today" logs, and a `version` of the history: "I sent it today" logs only while the history
is still the one the page showed (a page left open since, in another tab, could name a message
that is no longer next). The calendar is `followup track ics`'s bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, FollowupError, Location

from . import answers, changes, render, rows, transfer
from .answers import Answer
from .documents import Application
from .store import Store, open_store

if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor

# the history kind that sending an answer's next contact logs (1 thank-you, 2 status, 3 final)
SENT_KINDS = {1: "thank_you", 2: "follow_up", 3: "follow_up"}
# where the values of a log from the web page are located in diagnostics (the form's fields)
WHERE = {k: Location(k) for k in ("id", "kind", "channel", "outcome")} | {"date": Location("as_of")}


def sent(one: Answer) -> dict[str, Any] | None:
    """What "I sent it today" logs for this answer: the next message's kind and channel, and its
    name in words; None when nothing is to be sent (move on, stop, no answer)."""
    rec = one.rec
    if rec is None or one.status not in ("due", "upcoming") or rec.contact not in SENT_KINDS:
        return None
    return {"kind": SENT_KINDS[rec.contact], "channel": rec.channel, "what": render.CONTACTS[rec.contact]}


def version(app: Application) -> str:
    """A short hash of the application's history: a page keeps it to tell, when a button is
    pressed, whether something was logged since the page was shown."""
    text = json.dumps(app.history, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def unchanged(seen: str) -> Callable[[Application], None]:
    """The check `changes.log` makes for "I sent it today": the history is still the one the
    page showed (else `changed-meanwhile`: the page's next message may be out of date)."""

    def check(app: Application) -> None:
        if version(app) != seen:
            message = f"application {app.id} changed since the page was shown (something was logged)"
            hint = "nothing was logged; see its answer again and press the button if it still applies"
            raise FollowupError([Diagnostic(WHERE["id"], "changed-meanwhile", message, hint)])

    return check


def row_json(one: Answer) -> dict[str, Any]:
    """One row of the list: track list's JSON object, its history and `version`, the page's
    words, and `sent`."""
    rec = one.rec
    return {
        **one.to_json(),
        "history": [dict(e) for e in one.app.history],
        "version": version(one.app),
        "words": {
            "who": render.who(one.app),
            "company": render.one_line(one.app.company) or f"(interview of {one.app.interview_date})",
            "role": render.one_line(one.app.title) or "-",
            "next": render.next_action(one),
            "today": render.VERDICTS.get(rec.verdict, rec.verdict) if rec else "-",
            "window": render.window(one),
            "channel": (rec.channel if rec else None) or "-",
            "problems": [d.render() for d in one.problems],
        },
        "sent": sent(one),
    }


@dataclass(frozen=True)
class TrackerService:
    """The tracker at `database` (a path, as store.database_path resolves it), answered with
    `advisor`'s rules; a write waits `timeout` seconds for another writer (None: the store's)."""

    database: str
    advisor: Advisor
    timeout: float | None = None

    def _open(self) -> Store:
        return open_store(self.database, create=False, timeout=self.timeout)  # never creates a file

    def listing(self, as_of: dt.date) -> dict[str, Any]:
        """`track list --format json` as of the day (the applications not archived, what is due
        first), each row as row_json, and `archived`: how many are not shown."""
        with self._open() as store, store.reading() as conn:
            apps = rows.load_all(conn, False)
            archived = rows.counts(conn)[1]
        found = answers.answers(self.advisor, apps, as_of)
        doc = answers.list_json(found, as_of)
        doc["applications"] = [row_json(one) for one in found]
        doc["archived"] = archived
        return doc

    def application(self, app_id: str, as_of: dt.date) -> dict[str, Any]:
        """One application's row as of the day (archived or not) and its `scenario`: the document
        `track export` writes. `unknown-id` (located at `id`) when there is none."""
        with self._open() as store:
            app = changes.get(store, app_id, WHERE["id"])
        return {**row_json(answers.answer(self.advisor, app, as_of)), "scenario": app.document()}

    def log_sent(self, app_id: str, kind: str, channel: str | None, day: dt.date, seen: str) -> bool:
        """`track log ID sent KIND --channel CHANNEL` on `day`, as of that day, when the history
        is still the one of version `seen` (the page's): whether it was added (False: already
        in the history). A page shown before something else was logged is `changed-meanwhile`."""
        return self._log(app_id, kind, None, channel, day, unchanged(seen))

    def log_reply(self, app_id: str, outcome: str, day: dt.date) -> bool:
        """`track log ID reply OUTCOME` on `day`, as of that day: whether it was added."""
        return self._log(app_id, "reply", outcome, None, day)

    def _log(
        self,
        app_id: str,
        kind: str,
        outcome: str | None,
        channel: str | None,
        day: dt.date,
        check: Callable[[Application], None] | None = None,
    ) -> bool:
        with self._open() as store:
            changes.get(store, app_id, WHERE["id"])  # a missing database has no such id: not created
            _, added = changes.log(
                store, self.advisor, app_id, kind, day, day, channel, outcome, WHERE, check
            )
        return added

    def calendar(self, as_of: dt.date) -> bytes | None:
        """`track ics` as of the day: one calendar with a reminder per application that has a
        next message; None when none has one."""
        with self._open() as store:
            apps = changes.applications(store)
        return transfer.calendar_bytes(answers.answers(self.advisor, apps, as_of))
