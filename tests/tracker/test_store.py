"""The tracker's database: where it lives, how it is opened, its migrations from the first version
forward, and the files it refuses."""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import stat

import pytest
from click.testing import CliRunner

from followup.cli import main
from followup.tracker.migrations import MIGRATIONS, applied, migrate
from followup.tracker.store import open_store

from ..helpers import RULES
from .helpers import AS_OF, ZETA, digest, ok, rows, track, tracked, write

V1_SCENARIO = {"company": {"name": "Zeta Labs", "culture": "startup"}, "interview": {"date": "2026-11-05"}}


def _v1_database(path: str) -> None:
    """A database as the first migration made it, with one application in it."""
    with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as conn:
        assert migrate(conn, path, upto=1) == ["m001_applications_and_events"]
        conn.execute(
            "INSERT INTO applications (id, scenario, company, title, interview_date) VALUES (?, ?, ?, ?, ?)",
            ("1", json.dumps(V1_SCENARIO, separators=(",", ":")), "Zeta Labs", None, "2026-11-05"),
        )
        conn.execute(
            "INSERT INTO events (application, kind, date, channel) VALUES (1, 'thank_you', '2026-11-05', 'email')"
        )


def test_a_first_version_database_is_migrated_with_its_data(tmp_path):
    """Opened by the current code, a v1 database gains the later migrations and keeps its data."""
    db = str(tmp_path / "v1.db")
    _v1_database(db)
    listed = ok(track(db, "list")).stdout
    assert listed.splitlines()[1].startswith("1   Zeta Labs  -     send the status follow-up  yes")
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert applied(conn) == [m.__name__ for m in MIGRATIONS]
        assert conn.execute("SELECT archived FROM applications").fetchall() == [(0,)]
    ok(track(db, "archive", "1"))
    ok(track(db, "log", "1", "sent", "follow_up"))
    line = json.loads(ok(track(db, "export")).stdout)
    assert line == {
        **V1_SCENARIO,
        "id": "1",
        "history": [
            {"kind": "thank_you", "date": "2026-11-05", "channel": "email"},
            {"kind": "follow_up", "date": "2026-11-20"},
        ],
    }


def test_migrations_are_recorded_by_name_in_order_and_applied_once(tmp_path):
    """Each migration is a named function recorded in _followup_migrations; opening again applies none."""
    db = str(tmp_path / "new.db")
    with open_store(db) as store:
        names = [r[0] for r in store.conn.execute("SELECT name FROM _followup_migrations ORDER BY step")]
        assert names == ["m001_applications_and_events", "m002_archived"]
        assert migrate(store.conn, db) == []


def test_the_database_is_opened_for_sharing(tmp_path):
    """WAL, foreign keys on, full sync, a busy timeout; an event for no application is refused."""
    with open_store(str(tmp_path / "apps.db")) as store:
        pragma = lambda name: store.conn.execute(f"PRAGMA {name}").fetchone()[0]  # noqa: E731
        assert pragma("journal_mode") == "wal"
        assert pragma("foreign_keys") == 1
        assert pragma("synchronous") == 2
        assert pragma("busy_timeout") == 5000
        with pytest.raises(sqlite3.IntegrityError):
            store.conn.execute(
                "INSERT INTO events (application, kind, date) VALUES (42, 'reply', '2026-11-05')"
            )


def test_a_newer_database_is_refused_untouched(tmp_path):
    """A migration this version does not know: refused with a hint, the file unchanged."""
    db = tracked(tmp_path, ZETA)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("INSERT INTO _followup_migrations (step, name) VALUES (3, 'm003_from_the_future')")
    before = digest(db)
    result = track(db, "list")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{db}:1:1: error: newer-database: the database was changed by a newer followup-advisor "
        "(migration 'm003_from_the_future' is unknown here) (upgrade followup-advisor to use it)\n"
    )
    assert digest(db) == before


def test_another_programs_database_is_refused_untouched(tmp_path):
    """A SQLite file with tables of its own gets no tables of ours."""
    db = str(tmp_path / "notes.db")
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    before = digest(db)
    result = track(db, "add", write(tmp_path, "zeta.yaml", ZETA))
    assert result.exit_code == 2
    assert result.stderr == (
        f"{db}:1:1: error: not-a-tracker-database: is a SQLite database of something else (it has a table "
        "'notes') (give --db a tracker database, or a file that does not exist yet)\n"
    )
    assert digest(db) == before


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (
            "text",
            "not-a-database: is not a SQLite database (give --db the path of a tracker database, or of a file that does not exist yet)",
        ),
        ("directory", "not-a-file: is a directory, not a database file"),
        ("fifo", "not-a-file: is a FIFO (named pipe), not a database file"),
    ],
)
def test_what_is_not_a_database_file_is_refused_at_once(tmp_path, make, expected):
    """A text file, a directory, a FIFO (never opened, so never waited on): located, exit 2."""
    path = str(tmp_path / "db")
    if make == "text":
        write(tmp_path, "db", "company: Acme\n" * 100)
    elif make == "directory":
        os.mkdir(path)
    else:
        os.mkfifo(path)
    for args in (["list"], ["add", write(tmp_path, "zeta.yaml", ZETA)], ["log", "1", "sent", "follow_up"]):
        result = track(path, *args)
        assert result.exit_code == 2, args
        assert result.stderr == f"{path}:1:1: error: {expected}\n"


def test_the_default_database_is_private_in_the_users_data_directory(tmp_path):
    """Without --db or $FOLLOWUP_DB: applications.db under the data directory (XDG_DATA_HOME on
    Linux), the directory 0700 and the file 0600."""
    data = tmp_path / "data"
    env = {"XDG_DATA_HOME": str(data), "FOLLOWUP_DB": None, "FOLLOWUP_RULES": RULES}
    added = CliRunner().invoke(
        main, ["track", "add", write(tmp_path, "z.yaml", ZETA), "--as-of", AS_OF], env=env
    )
    assert added.exit_code == 0, added.output
    db = data / "followup-advisor" / "applications.db"
    assert stat.S_IMODE(os.stat(db.parent).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(db).st_mode) == 0o600
    moved = {**env, "FOLLOWUP_DB": str(tmp_path / "moved.db")}
    CliRunner().invoke(main, ["track", "add", write(tmp_path, "z.yaml", ZETA), "--as-of", AS_OF], env=moved)
    assert len(rows(str(db))[0]) == 1 and len(rows(str(tmp_path / "moved.db"))[0]) == 1


def test_a_database_in_a_missing_directory_is_refused(tmp_path):
    """--db in a directory that does not exist: said plainly, nothing created."""
    db = tmp_path / "nowhere" / "apps.db"
    result = track(db, "add", write(tmp_path, "zeta.yaml", ZETA))
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{db}:1:1: error: no-such-file: the directory {db.parent} does not exist (create it first)\n"
    )


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["today"],
        ["show", "1"],
        ["ics"],
        ["export"],
        ["log", "1", "sent", "follow_up"],
        ["archive", "1"],
    ],
)
def test_commands_that_find_nothing_create_no_database(tmp_path, command):
    """A mistyped --db leaves no stray file, whatever the command."""
    db = tmp_path / "typo.db"
    track(db, *command)
    assert os.listdir(tmp_path) == []


def test_a_scenario_damaged_outside_followup_is_reported_not_exported(tmp_path):
    """Stored text that is not JSON: an error row in list, a located error in show, export refused."""
    db = tracked(tmp_path, ZETA, ZETA)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as conn:
        conn.execute("UPDATE applications SET scenario = 'oops' WHERE id = '2'")
    assert ok(track(db, "list")).stdout.splitlines()[2] == (
        "2   -          -     error: damaged-record      -      -                    -"
    )
    expected = (
        "application 2:1:1: error: damaged-record: the stored scenario is not a JSON object: 'oops' "
        "(replace it: followup track edit 2 --file FILE)\n"
    )
    for command in (["show", "2"], ["export"]):
        result = track(db, *command)
        assert result.exit_code == 2 and result.stderr == expected and result.stdout == ""
    ok(track(db, "edit", "2", "--file", write(tmp_path, "zeta.yaml", ZETA)))
    assert ok(track(db, "export")).stdout.count("\n") == 2
