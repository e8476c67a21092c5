"""Nothing is lost: a writer killed with SIGKILL mid-write, again and again, leaves a consistent
database with every application whole; two programs writing at once both succeed, or one is
told the database is busy; never a corrupt database."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

from followup.core.advisor import load_advisor
from followup.tracker import answers, changes
from followup.tracker.store import open_store

from ..helpers import RULES
from .helpers import AS_OF, FOLLOWUP, ZETA, ok, rows, run, track, tracked, write

BATCH_SIZE = 5  # applications per import: an import is one transaction, so the count is a multiple
# The writer: imports, edits (the whole scenario and history replaced, and the company name set to
# the number of follow-ups), logs (a reply, one INSERT), as fast as it can, until it is killed.
WRITER = """
import datetime as dt, random, sys
from followup.core.advisor import load_advisor
from followup.core.loader import from_plain
from followup.tracker import changes, transfer
from followup.tracker.store import open_store

db, lines, rules, seed = sys.argv[1:5]
advisor = load_advisor(rules)
as_of = dt.date(2026, 11, 20)
rng = random.Random(int(seed))
store = open_store(db)
print("ready", flush=True)
while True:
    apps = changes.applications(store)
    roll = rng.random()
    if roll < 0.25 or not apps:
        transfer.import_applications(store, transfer.read_import(advisor, lines, as_of), lines)
        continue
    app = rng.choice(apps)
    day = dt.date(2026, 11, rng.randint(2, 20))
    if roll < 0.75:
        doc = app.document()
        doc.pop("id")
        follow_ups = sum(1 for e in doc["history"] if e["kind"] == "follow_up")
        if follow_ups < 40:
            doc["history"].append({"kind": "follow_up", "date": day.isoformat()})
            doc["company"]["name"] = "n%d" % (follow_ups + 1)
            changes.replace(store, advisor, app.id, from_plain("edit", doc), as_of, app)
    else:
        changes.log(store, advisor, app.id, "reply", day, as_of, outcome="pending")
"""
NEW = {
    "company": {"name": "n1"},
    "interview": {"date": "2026-11-01"},
    "history": [{"kind": "follow_up", "date": "2026-11-02"}],
}


def _consistent(db: str) -> tuple[int, int]:
    """Check the database after a kill; (applications, most follow-ups any one has)."""
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    apps, events = rows(db)
    assert len(apps) % BATCH_SIZE == 0, "an import was half applied"
    most = 0
    for app in apps:
        follow_ups = [e for e in events if e[1] == app[0] and e[2] == "follow_up"]
        assert json.loads(app[2])["company"]["name"] == f"n{len(follow_ups)}", "an edit was half applied"
        most = max(most, len(follow_ups))
    assert all(
        e[2] in ("follow_up", "reply") and e[3] and (e[2] != "reply" or e[5] == "pending") for e in events
    )
    with open_store(db) as store:  # and every application still answers, as the tracker reads it
        found = answers.answers(load_advisor(RULES), changes.applications(store), dt.date(2026, 11, 20))
    assert [a.problems for a in found if a.problems] == []
    return len(apps), most


def test_sigkill_during_writes_leaves_every_application_whole(tmp_path):
    """Ten times: a writer process busy importing, editing and logging is killed at a random
    moment; integrity_check is ok, no import or edit is half applied, every event is whole and
    every application still gets an answer."""
    db = str(tmp_path / "apps.db")
    lines = write(tmp_path, "five.jsonl", (json.dumps(NEW) + "\n") * BATCH_SIZE)
    rng = random.Random(13)
    counts = []
    for round_ in range(10):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, db, lines, RULES, str(round_)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None and proc.stdout.readline() == "ready\n"
        time.sleep(rng.uniform(0.1, 0.5))
        proc.send_signal(signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        proc.stdout.close()
        counts.append(_consistent(db))
    assert counts[-1][0] > counts[0][0] > 0 and counts[-1][1] > 1  # it did write, all along


def test_two_logs_at_once_both_succeed(tmp_path):
    """Parallel `track log` processes on one application: each waits its turn; every event kept."""
    db = tracked(tmp_path, ZETA)
    procs = [
        subprocess.Popen(
            [
                *FOLLOWUP,
                "track",
                "log",
                "1",
                "reply",
                "pending",
                "--date",
                f"2026-11-{day}",
                "--db",
                db,
                "--as-of",
                AS_OF,
                "--rules",
                RULES,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for day in range(14, 20)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        assert out.startswith("Logged reply (pending) on 2026-11-")
    assert sorted(e[3] for e in rows(db)[1] if e[2] == "reply") == [f"2026-11-{d}" for d in range(14, 20)]


def test_adds_at_once_get_distinct_numbers(tmp_path):
    """Parallel `track add` processes into a new database: one database, four applications, 1 to 4."""
    db = str(tmp_path / "apps.db")
    scenario = write(tmp_path, "zeta.yaml", ZETA)
    procs = [
        subprocess.Popen(
            [*FOLLOWUP, "track", "add", scenario, "--db", db, "--as-of", AS_OF, "--rules", RULES],
            stderr=subprocess.PIPE,
            text=True,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(4)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    assert sorted(a[1] for a in rows(db)[0]) == ["1", "2", "3", "4"]


def test_a_writer_held_up_too_long_is_told_the_database_is_busy(tmp_path, monkeypatch):
    """Another program holds the write lock past the busy timeout: exit 2 with a clear message,
    nothing written, and the next try succeeds."""
    import followup.tracker.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    db = tracked(tmp_path, ZETA)
    before = rows(db)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        result = track(db, "log", "1", "sent", "follow_up")
        other.execute("ROLLBACK")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{db}:1:1: error: database-busy: the database is busy: another program is writing to it (try again in a moment)\n"
    )
    assert rows(db) == before
    ok(track(db, "log", "1", "sent", "follow_up"))


def test_a_reader_never_waits_for_a_writer(tmp_path, monkeypatch):
    """While another program holds the write lock, list, today and show still answer (WAL)."""
    import followup.tracker.store as store_module

    monkeypatch.setattr(store_module, "BUSY_TIMEOUT", 0.2)
    db = tracked(tmp_path, ZETA)
    with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as other:
        other.execute("BEGIN IMMEDIATE")
        other.execute("UPDATE applications SET archived = 1")
        for command in (["list"], ["today"], ["show", "1"]):
            assert ok(track(db, *command)).stdout
        assert "Zeta Labs" in ok(track(db, "list")).stdout  # the uncommitted change is not seen
        other.execute("ROLLBACK")


def test_the_cli_in_a_real_process_reads_what_another_wrote(tmp_path):
    """Two real processes, one database: what one adds, the next lists."""
    db = str(tmp_path / "apps.db")
    added = run("track", "add", write(tmp_path, "zeta.yaml", ZETA), "--db", db, "--as-of", AS_OF)
    assert added.returncode == 0, added.stderr
    listed = run("track", "list", "--db", db, "--as-of", AS_OF)
    assert listed.returncode == 0 and "Zeta Labs" in listed.stdout
