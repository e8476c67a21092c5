"""Changing the tracker: add an application, log an event, replace its scenario, archive it.

Each change is checked in full before anything is written: the application as it would be
afterwards is validated as a scenario, as of the day given (so an event after that day, or
before the interview, is refused with the validator's own diagnostics, located where the value
came from), then written in one transaction begun with BEGIN IMMEDIATE. The current state is
read inside that transaction, so two programs changing one application at once never lose
either change. A refused change writes nothing.

These are the functions a command or a web view calls: plain values in, an Application out, a
FollowupError for every user mistake, nothing printed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import Node, _short

from . import rows
from .documents import (
    ID_PATTERN,
    Application,
    application,
    check_storable,
    event_node,
    same_event,
    with_event,
)
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor
    from followup.core.model import Scenario

ID_ARGUMENT = Location("ID")  # where an id given on the command line is located


def unknown_id(store: Store, conn: sqlite3.Connection, app_id: str, where: Location) -> FollowupError:
    known = rows.ids(conn)
    close = difflib.get_close_matches(app_id, known, n=1, cutoff=0.6)
    if close:
        hint = f"did you mean {close[0]!r}?"
    elif known:
        hint = "followup track list --all shows every id"
    else:
        hint = "there are no applications yet: add one with followup track add"
    where_db = store.path if store.exists else f"{store.path} (which does not exist yet)"
    message = f"no application {_short(app_id)} in {where_db}"
    return FollowupError([Diagnostic(where, "unknown-id", message, hint)])


def _find(store: Store, conn: sqlite3.Connection, app_id: str, where: Location) -> tuple[int, Application]:
    # an id no application can have (e.g. text that is not UTF-8) is never looked up
    found = rows.find(conn, app_id) if ID_PATTERN.fullmatch(app_id) else None
    if found is None:
        raise unknown_id(store, conn, app_id, where)
    return found


def get(store: Store, app_id: str, where: Location = ID_ARGUMENT) -> Application:
    """One application, or `unknown-id` located at `where`."""
    with store.reading() as conn:
        return _find(store, conn, app_id, where)[1]


def applications(store: Store, archived: bool | None = False) -> list[Application]:
    """The applications not archived (archived=True: only the archived ones; None: all)."""
    with store.reading() as conn:
        return rows.load_all(conn, archived)


def validate(advisor: Advisor, node: Node, as_of: dt.date) -> Scenario:
    """A scenario tree checked as the tracker would keep it, as of `as_of` (overriding any
    as_of it holds, as `advise --as-of` does)."""
    scenario = advisor.scenario(node, as_of=as_of)
    check_storable(scenario)
    return scenario


def add(store: Store, advisor: Advisor, node: Node, as_of: dt.date, archived: bool = False) -> Application:
    """A new application from a scenario tree (a file, or the guided questions). It keeps the
    scenario's own id when it has one, else gets the next number."""
    scenario = validate(advisor, node, as_of)
    with store.writing() as conn:
        if scenario.id is not None and rows.find(conn, scenario.id) is not None:
            raise id_taken(scenario)
        app = application(scenario, scenario.id or str(rows.next_number(conn)), archived)
        rows.insert(conn, app)
    return app


def id_taken(scenario: Scenario) -> FollowupError:
    where = scenario.node.value["id"].loc if scenario.node is not None else Location("id")
    return FollowupError(
        [
            Diagnostic(
                where,
                "id-taken",
                f"id {_short(scenario.id)} is taken by another application",
                "change it, or leave the id out to have the application numbered",
            )
        ]
    )


def log(
    store: Store,
    advisor: Advisor,
    app_id: str,
    kind: str,
    day: dt.date,
    as_of: dt.date,
    channel: str | None = None,
    outcome: str | None = None,
    where: dict[str, Location] | None = None,
    check: Callable[[Application], None] | None = None,
) -> tuple[Application, bool]:
    """Append an event to an application's history: (the application after it, whether it was
    added). The same event logged twice (same kind and day, and outcome for a reply) is kept
    once. `where` locates each value ({kind, date, channel, outcome, id}) in diagnostics.
    `check`, called with the application as it is inside the transaction (after the same event
    was looked for), may refuse the change by raising FollowupError: a web page checks that the
    application is still as it showed it."""
    where = {k: Location(k) for k in ("id", "kind", "date", "channel", "outcome")} | (where or {})
    entry = {"kind": kind, "date": day.isoformat(), "channel": channel, "outcome": outcome}
    entry = {k: v for k, v in entry.items() if v is not None}
    with store.writing() as conn:
        num, app = _find(store, conn, app_id, where["id"])
        if any(same_event(e, entry) for e in app.history):
            return app, False
        if check is not None:
            check(app)
        validate(advisor, with_event(app, event_node(kind, day.isoformat(), channel, outcome, where)), as_of)
        rows.add_event(conn, num, entry)
        return _find(store, conn, app_id, where["id"])[1], True


def replace(
    store: Store,
    advisor: Advisor,
    app_id: str,
    node: Node,
    as_of: dt.date,
    expected: Application | None = None,
    where: Location = ID_ARGUMENT,
) -> Application:
    """Replace an application's scenario and history with those of `node` (`track edit`). With
    `expected`, refuse (`changed-meanwhile`) when the application is no longer as it was read:
    an edit that took minutes in an editor never undoes a log made meanwhile."""
    scenario = validate(advisor, node, as_of)
    if scenario.id is not None and scenario.id != app_id:
        loc = scenario.node.value["id"].loc if scenario.node is not None else where
        message = f"the id {_short(scenario.id)} is not this application's ({app_id!r}); an id cannot change"
        raise FollowupError([Diagnostic(loc, "bad-id", message, "leave the id out")])
    with store.writing() as conn:
        num, current = _find(store, conn, app_id, where)
        if expected is not None and current != expected:
            raise FollowupError(
                [
                    Diagnostic(
                        where,
                        "changed-meanwhile",
                        f"application {app_id} changed while it was being edited "
                        "(an event logged, or another edit)",
                        "nothing was saved; edit it again",
                    )
                ]
            )
        app = application(scenario, app_id, current.archived)
        rows.replace(conn, num, app)
    return app


def set_archived(store: Store, app_id: str, archived: bool = True, where: Location = ID_ARGUMENT) -> bool:
    """Archive (or bring back) an application; whether anything changed."""
    with store.writing() as conn:
        num, app = _find(store, conn, app_id, where)
        if app.archived == archived:
            return False
        rows.set_archived(conn, num, archived)
        return True
