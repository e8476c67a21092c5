"""Applications in and out of the tables: every SQL statement on them is here. Each function
runs inside a transaction its caller holds (Store.reading / Store.writing)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .documents import EVENT_KEYS, Application


def canonical_json(fields: dict[str, Any]) -> str:
    """The stored text of a scenario: keys in the given (SHAPE) order, no spaces, UTF-8."""
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


def _application(row: tuple[Any, ...], history: list[dict[str, Any]]) -> Application:
    _, app_id, text, archived = row
    try:
        fields = json.loads(text)
    except (TypeError, ValueError):
        fields = None
    if not isinstance(fields, dict):  # changed by hand, outside followup
        damage = f"the stored scenario is not a JSON object: {str(text)[:60]!r}"
        return Application(app_id, {}, tuple(history), bool(archived), damage)
    return Application(app_id, fields, tuple(history), bool(archived))


def _event(row: tuple[Any, ...]) -> dict[str, Any]:
    return {k: v for k, v in zip(EVENT_KEYS, row, strict=True) if v is not None}


def load_all(conn: sqlite3.Connection, archived: bool | None = False) -> list[Application]:
    """Every application (only the archived ones, only the others, or with None all), in the
    order they were added."""
    where, args = ("", ()) if archived is None else (" WHERE archived = ?", (int(archived),))
    apps = conn.execute(f"SELECT num, id, scenario, archived FROM applications{where} ORDER BY num", args)
    rows = apps.fetchall()
    events: dict[int, list[dict[str, Any]]] = {}
    for row in conn.execute(
        "SELECT application, kind, date, channel, outcome FROM events ORDER BY application, date, num"
    ):
        events.setdefault(row[0], []).append(_event(row[1:]))
    return [_application(row, events.get(row[0], [])) for row in rows]


def find(conn: sqlite3.Connection, app_id: str) -> tuple[int, Application] | None:
    """(row number, Application) of one id, or None."""
    row = conn.execute(
        "SELECT num, id, scenario, archived FROM applications WHERE id = ?", (app_id,)
    ).fetchone()
    if row is None:
        return None
    history = [
        _event(r)
        for r in conn.execute(
            "SELECT kind, date, channel, outcome FROM events WHERE application = ? ORDER BY date, num",
            (row[0],),
        )
    ]
    return row[0], _application(row, history)


def ids(conn: sqlite3.Connection) -> list[str]:
    return [r[0] for r in conn.execute("SELECT id FROM applications ORDER BY num")]


def next_number(conn: sqlite3.Connection) -> int:
    """One more than the largest numeric id (1 for the first application)."""
    row = conn.execute(
        "SELECT MAX(CAST(id AS INTEGER)) FROM applications "
        "WHERE id GLOB '[1-9]*' AND id NOT GLOB '*[^0-9]*' AND length(id) <= 18"
    ).fetchone()
    return int(row[0] or 0) + 1


def insert(conn: sqlite3.Connection, app: Application) -> int:
    """A new application and its history; its row number."""
    cur = conn.execute(
        "INSERT INTO applications (id, scenario, company, title, interview_date, archived) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (app.id, canonical_json(app.fields), app.company, app.title, app.interview_date, int(app.archived)),
    )
    num = int(cur.lastrowid or 0)
    for event in app.history:
        add_event(conn, num, event)
    return num


def add_event(conn: sqlite3.Connection, num: int, event: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO events (application, kind, date, channel, outcome) VALUES (?, ?, ?, ?, ?)",
        (num, *(event.get(k) for k in EVENT_KEYS)),
    )


def replace(conn: sqlite3.Connection, num: int, app: Application) -> None:
    """An application's scenario and whole history, replaced (`track edit`)."""
    conn.execute(
        "UPDATE applications SET scenario = ?, company = ?, title = ?, interview_date = ? WHERE num = ?",
        (canonical_json(app.fields), app.company, app.title, app.interview_date, num),
    )
    conn.execute("DELETE FROM events WHERE application = ?", (num,))
    for event in app.history:
        add_event(conn, num, event)


def set_archived(conn: sqlite3.Connection, num: int, archived: bool) -> None:
    conn.execute("UPDATE applications SET archived = ? WHERE num = ?", (int(archived), num))


def counts(conn: sqlite3.Connection) -> tuple[int, int]:
    """(applications not archived, archived ones)."""
    row = conn.execute("SELECT COUNT(*) - SUM(archived), SUM(archived) FROM applications").fetchone()
    return int(row[0] or 0), int(row[1] or 0)
