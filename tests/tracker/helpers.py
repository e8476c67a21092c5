"""Helpers for the tracker tests: scenarios as files, `followup track` run in-process (CliRunner)
or as a real process, and the database looked at directly."""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
from typing import Any

from click.testing import CliRunner, Result

from followup.cli import main

from ..helpers import RULES

AS_OF = "2026-11-20"  # a Friday
DATED = {"add", "list", "today", "show", "log", "edit", "ics", "import"}  # commands taking --as-of
FOLLOWUP = [sys.executable, "-m", "followup.cli"]

ACME = """\
id: acme
company: {name: Acme Robotics, culture: startup, size: small}
interview: {date: 2026-11-05, format: informal, medium: video, interviewer: Dana Lee}
position: {title: Head of Data, level: executive}
contact: {interviewer_channel: email, rapport: strong}
timeline: {decision_by: 2026-11-19, follow_up_after: 2026-11-26}
history:
  - {kind: thank_you, date: 2026-11-05, channel: email}
  - {kind: follow_up, date: 2026-11-12, channel: email}
  - {kind: reply, date: 2026-11-13, outcome: pending}
"""
NORTHWIND = """\
company: {name: Northwind, culture: traditional, size: large}
interview: {date: 2026-11-12, format: formal}
position: {title: Analyst}
history:
  - {kind: thank_you, date: 2026-11-12}
"""
ZETA = """\
company: {name: Zeta Labs, culture: startup}
interview: {date: 2026-11-05}
history:
  - {kind: thank_you, date: 2026-11-05}
"""
LUMEN = """\
company: {name: Lumen}
interview: {date: 2026-11-02}
history:
  - {kind: thank_you, date: 2026-11-02}
  - {kind: follow_up, date: 2026-11-09}
  - {kind: reply, date: 2026-11-10, outcome: rejected}
"""
FRESH = """\
company: {name: Orbit}
position: {title: Designer}
interview: {date: 2026-11-20}
"""


def write(tmp_path: Any, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def track(db: Any, command: str, *args: str, as_of: str | None = AS_OF, **kw: Any) -> Result:
    """`followup track COMMAND ARGS --db DB` (and --as-of for the commands that take it)."""
    dated = ["--as-of", as_of] if command in DATED and as_of else []
    env = {"FOLLOWUP_RULES": RULES, "FOLLOWUP_DB": None, **kw.pop("env", {})}
    return CliRunner().invoke(main, ["track", command, *args, "--db", str(db), *dated], env=env, **kw)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, result.output
    return result


def tracked(tmp_path: Any, *texts: str) -> str:
    """A database holding one application per scenario text, added in order."""
    db = str(tmp_path / "apps.db")
    for n, text in enumerate(texts):
        ok(track(db, "add", write(tmp_path, f"scenario-{n}.yaml", text)))
    return db


def run(*args: str, **kw: Any) -> subprocess.CompletedProcess[str]:
    """`followup ARGS` as a real process."""
    env = {**os.environ, "FOLLOWUP_RULES": RULES, **kw.pop("env", {})}
    env.pop("FOLLOWUP_DB", None)
    return subprocess.run([*FOLLOWUP, *args], capture_output=True, text=True, env=env, timeout=120, **kw)


def rows(db: str) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Every row of both tables, read directly."""
    with sqlite3.connect(db) as conn:
        apps = conn.execute("SELECT * FROM applications ORDER BY num").fetchall()
        events = conn.execute("SELECT * FROM events ORDER BY num").fetchall()
    return apps, events


def digest(db: str) -> str:
    """The database file's bytes (and its WAL's, if any), hashed."""
    h = hashlib.sha256()
    for path in (db, db + "-wal"):
        if os.path.exists(path):
            with open(path, "rb") as fh:
                h.update(fh.read())
    return h.hexdigest()
