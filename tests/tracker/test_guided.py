"""`followup track add` without a file: the questions of `followup ask`, through a real
pseudo-terminal, and the answers kept as a new application."""

from __future__ import annotations

import os
import shutil
import sys

import pexpect

from ..ask.test_session_pty import ctrl_c_at_the_second_question, reply
from ..helpers import RULES
from .helpers import AS_OF, ok, rows, track

FOLLOWUP = shutil.which("followup", path=os.path.dirname(sys.executable))


def spawn(tmp_path, db: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "dumb", "FOLLOWUP_RULES": RULES, "PYTHONUNBUFFERED": "1"}
    env.pop("FOLLOWUP_DB", None)
    child = pexpect.spawn(
        FOLLOWUP,
        ["track", "add", "--db", db, "--as-of", AS_OF],
        cwd=str(tmp_path),
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    child.logfile_read = open(tmp_path / "transcript.txt", "w", encoding="utf-8")  # noqa: SIM115
    return child


def test_the_questions_add_an_application(tmp_path):
    """Answered in the terminal (Enter skips), the application is added and answered as `track show` does."""
    db = str(tmp_path / "apps.db")
    child = spawn(tmp_path, db)
    reply(child, "When was the interview?", "2 weeks ago")
    child.expect_exact("= Fri 2026-11-06. Right? [Y/n] ")
    child.sendline("")
    reply(child, "What is the company called?", "Acme Robotics")
    reply(child, "What is the role called?", "Head of Data")
    for question in (
        "Who interviewed you (their name)?",
        "Your own name, to sign the message?",
        "A point you discussed in the interview?",
        "What is the company's culture like?",
        "How big is the company?",
        "How formal was the interview?",
        "What level is the role?",
        "How has the interviewer mostly been in touch with you?",
        "How well did you get on with the interviewer?",
    ):
        reply(child, question, "")
    reply(child, "Have you sent a thank-you note since the interview?", "y")
    reply(child, "When did you send it?", "2026-11-06")
    reply(child, "How did you send it?", "email")
    reply(child, "Have you sent a follow-up asking about the status?", "n")
    reply(child, "Have they replied since?", "n")
    reply(child, "Did they say by when they would decide or get back to you?", "")
    reply(child, "Did they say not to follow up before some day", "")
    child.expect_exact("Added application 1: Acme Robotics, Head of Data.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    transcript = (tmp_path / "transcript.txt").read_text(encoding="utf-8").replace("\r\n", "\n")
    assert "Traceback" not in transcript
    shown = ok(track(db, "show", "1")).stdout
    summary = shown.split("\n\n")[1].splitlines()[0]
    assert summary.startswith("Yes: send one short status follow-up now")
    assert f"Added application 1: Acme Robotics, Head of Data.\n{summary}\n" in transcript
    assert [e[2:5] for e in rows(db)[1]] == [("thank_you", "2026-11-06", "email")]


def test_ctrl_c_adds_nothing(tmp_path):
    """Ctrl-C during the questions: exit 130, no database created."""
    db = str(tmp_path / "apps.db")
    assert ctrl_c_at_the_second_question(spawn(tmp_path, db)) == 130
    assert not os.path.exists(db)


def test_without_a_terminal_points_to_adding_a_file(tmp_path):
    """Input from a pipe: exit 2, a located message naming `followup track add SCENARIO`."""
    result = track(tmp_path / "apps.db", "add", input="2026-11-05\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "<stdin>:1:1: error: not-a-terminal: followup track add asks its questions in a terminal "
        "(to answer from a file, use: followup track add SCENARIO)\n"
    )
    assert not (tmp_path / "apps.db").exists()
