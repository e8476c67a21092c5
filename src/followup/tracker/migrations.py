"""The database schema as migrations: plain named functions, applied in order, each recorded by
name in the `_followup_migrations` table (as simonw/llm does). A database records which ones it
has; opening it applies the rest, each in its own transaction with its record, so a process
killed during a migration leaves the database at the version before it.

Never edit or reorder a migration that has shipped: add the next one. The tests build a
database with the first migration only, put data in it, and open it with the current code.

Why this shape: an application's scenario (the fields of a scenario file but its id, as_of and
history) is kept as canonical JSON, because the scenario's shape belongs to followup.core and
grows (candidate.name and interview.topics came late): a new field needs no migration, and the
stored text is exactly what the scenario validator reads back. The history is a table of its
own because it is appended to: `track log` is one INSERT, with no read-modify-write of a JSON
list, so two programs logging to one application at once both keep their event. The few
columns beside the JSON (id, company, title, interview date, archived) are what listing,
filtering and lookups by id need without parsing every scenario.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from followup.core.errors import Diagnostic, FollowupError, Location

TABLE = "_followup_migrations"


def m001_applications_and_events(conn: sqlite3.Connection) -> None:
    conn.execute(
        """
        CREATE TABLE applications (
            num INTEGER PRIMARY KEY,            -- internal row number; commands use `id`
            id TEXT NOT NULL UNIQUE,            -- the application's id: 1, 2, ... or the scenario's own
            scenario TEXT NOT NULL,             -- canonical JSON: the scenario but id, as_of and history
            company TEXT,                       -- company.name
            title TEXT,                         -- position.title
            interview_date TEXT NOT NULL        -- interview.date, YYYY-MM-DD
        )
        """
    )
    conn.execute(
        """
        CREATE TABLE events (
            num INTEGER PRIMARY KEY,            -- also the order the events were recorded in
            application INTEGER NOT NULL REFERENCES applications(num) ON DELETE CASCADE,
            kind TEXT NOT NULL,                 -- history.kind: thank_you, follow_up, reply
            date TEXT NOT NULL,                 -- YYYY-MM-DD
            channel TEXT,
            outcome TEXT                        -- a reply's outcome
        )
        """
    )
    conn.execute("CREATE INDEX events_by_application ON events(application, date, num)")


def m002_archived(conn: sqlite3.Connection) -> None:
    """`track archive`: an application kept but no longer listed."""
    conn.execute(
        "ALTER TABLE applications ADD COLUMN archived INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1))"
    )


MIGRATIONS: tuple[Callable[[sqlite3.Connection], None], ...] = (
    m001_applications_and_events,
    m002_archived,
)


def applied(conn: sqlite3.Connection) -> list[str] | None:
    """The names of the migrations this database has, in order; None when it has no record
    table (a new database, or one that is not the tracker's)."""
    has = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (TABLE,)).fetchone()
    if not has:
        return None
    return [row[0] for row in conn.execute(f"SELECT name FROM {TABLE} ORDER BY step")]


def migrate(conn: sqlite3.Connection, path: str, upto: int | None = None) -> list[str]:
    """Apply the migrations this database lacks (the first `upto` only, for tests); the names
    applied. Refuses a database that is not the tracker's, or that a newer version migrated."""
    wanted = MIGRATIONS[:upto] if upto is not None else MIGRATIONS
    names = [m.__name__ for m in wanted]
    if check(conn, path, names) == names:
        return []  # up to date: no write lock taken
    done: list[str] = []
    conn.execute("BEGIN IMMEDIATE")  # one migrator at a time; check again under the lock
    try:
        have = check(conn, path, names)
        if have is None:
            conn.execute(f"CREATE TABLE {TABLE} (step INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
            have = []
        conn.execute("COMMIT")
        for step, migration in enumerate(wanted[len(have) :], start=len(have) + 1):
            conn.execute("BEGIN IMMEDIATE")
            if len(check(conn, path, names) or []) >= step:  # another process applied it
                conn.execute("COMMIT")
                continue
            migration(conn)
            conn.execute(f"INSERT INTO {TABLE} (step, name) VALUES (?, ?)", (step, migration.__name__))
            conn.execute("COMMIT")
            done.append(migration.__name__)
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return done


def check(conn: sqlite3.Connection, path: str, names: list[str] | None = None) -> list[str] | None:
    """The migrations the database has (None: a new, empty database). Refuses, before anything
    is written to it, a database of another program and one a newer version migrated."""
    names = names if names is not None else [m.__name__ for m in MIGRATIONS]
    have = applied(conn)
    if have is None:
        other = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' LIMIT 1").fetchone()
        if other is not None:
            raise FollowupError(
                [
                    Diagnostic(
                        Location(path),
                        "not-a-tracker-database",
                        f"is a SQLite database of something else (it has a table {other[0]!r})",
                        "give --db a tracker database, or a file that does not exist yet",
                    )
                ]
            )
        return None
    if have != names[: len(have)]:
        unknown = next(n for i, n in enumerate(have) if i >= len(names) or names[i] != n)
        raise FollowupError(
            [
                Diagnostic(
                    Location(path),
                    "newer-database",
                    f"the database was changed by a newer followup-advisor "
                    f"(migration {unknown!r} is unknown here)",
                    "upgrade followup-advisor to use it",
                )
            ]
        )
    return have
