"""`followup ask` driven through a real pseudo-terminal, as a person types: every prompt answered,
a typo corrected, relative dates confirmed, the answers saved and re-read by `followup advise` to
the same answer, the reminder written, Ctrl-C, --from, and no terminal at all."""

from __future__ import annotations

import os
import re
import shutil
import sys

import pexpect
import pytest
import vobject
from click.testing import CliRunner

from followup.cli import main

from ..helpers import RULES

FOLLOWUP = shutil.which("followup", path=os.path.dirname(sys.executable))
AS_OF = "2026-11-20"  # a Friday


def spawn(tmp_path, *args: str) -> pexpect.spawn:
    env = {**os.environ, "TERM": "dumb", "FOLLOWUP_RULES": RULES, "PYTHONUNBUFFERED": "1"}
    child = pexpect.spawn(
        FOLLOWUP, ["ask", "--as-of", AS_OF, *args], cwd=str(tmp_path), env=env, encoding="utf-8", timeout=30
    )
    child.logfile_read = open(tmp_path / "transcript.txt", "w", encoding="utf-8")  # noqa: SIM115
    return child


def reply(child: pexpect.spawn, question: str, text: str) -> None:
    """Wait for a question (its exact words), then its prompt, and type a line."""
    child.expect_exact(question)
    child.expect_exact("> ")
    child.sendline(text)


def ctrl_c_at_the_second_question(child: pexpect.spawn) -> int | None:
    """Answer the first question, press Ctrl-C at the second; the message, then the exit status."""
    reply(child, "When was the interview?", "2026-11-05")
    child.expect_exact("What is the company called?")
    child.expect_exact("> ")
    child.sendintr()
    child.expect_exact("Stopped; nothing was written.")
    child.expect(pexpect.EOF)
    child.close()
    return child.exitstatus


def transcript(tmp_path) -> str:
    return (tmp_path / "transcript.txt").read_text(encoding="utf-8").replace("\r\n", "\n")


def test_a_whole_session_from_questions_to_a_saved_file_and_a_reminder(tmp_path):
    """About ten questions, one typo corrected, relative dates echoed and confirmed; the saved file
    gives `followup advise` the very answer the session showed; the .ics reads back."""
    child = spawn(tmp_path)
    reply(child, "When was the interview?", "2 weeks ago")
    child.expect_exact("= Fri 2026-11-06. Right? [Y/n] ")
    child.sendline("")
    reply(child, "What is the company called?", "Acme Robotics")
    reply(child, "What is the role called?", "Head of Data")
    reply(child, "Who interviewed you (their name)?", "Dana Lee")
    reply(child, "Your own name, to sign the message?", "Sam Poe")
    reply(child, "A point you discussed in the interview?", "the data platform migration")
    reply(child, "Another point you discussed?", "")
    reply(child, "What is the company's culture like?", "stratup")
    child.expect_exact(
        "'stratup' is not one of the choices; did you mean 'startup'? type a number from 1 to 3."
    )
    child.expect_exact("> ")
    child.sendline("startup")
    reply(child, "How big is the company?", "1")
    reply(child, "How formal was the interview?", "")
    reply(child, "What level is the role?", "exec")
    reply(child, "How has the interviewer mostly been in touch with you?", "")
    reply(child, "How well did you get on with the interviewer?", "")
    reply(child, "Have you sent a thank-you note since the interview?", "y")
    reply(child, "When did you send it?", "2 weeks ago")
    child.expect_exact("= Fri 2026-11-06. Right? [Y/n] ")
    child.sendline("y")
    reply(child, "How did you send it?", "email")
    reply(child, "Have you sent a follow-up asking about the status?", "y")
    reply(child, "When did you send it?", "monday")  # Mon 2026-11-16: before Monday is typed as a date
    child.expect_exact("= Mon 2026-11-16. Right? [Y/n] ")
    child.sendline("n")
    child.expect_exact("Then type the date again (2026-11-05 is always understood).")
    child.expect_exact("> ")
    child.sendline("last friday")
    child.expect_exact("= Fri 2026-11-13. Right? [Y/n] ")
    child.sendline("")
    reply(child, "How did you send it?", "1")
    reply(child, "Have you sent another status follow-up after that one?", "")
    reply(child, "Have they replied since?", "n")
    reply(child, "Did they say by when they would decide or get back to you?", "")
    reply(child, "Did they say not to follow up before some day", "y")
    reply(child, "From which day?", "in 10 days")
    child.expect_exact("= Mon 2026-11-30. Right? [Y/n] ")
    child.sendline("y")
    reply(child, "Save your answers to a file, to ask again later?", "y")
    child.expect_exact("File name (Enter for acme-robotics.yaml): ")
    child.sendline("")
    child.expect_exact("Saved acme-robotics.yaml.")
    reply(child, "Add a reminder to your calendar for Mon 2026-11-30", "y")
    child.expect_exact("File name (Enter for acme-robotics-reminder.ics): ")
    child.sendline("")
    child.expect_exact("Wrote acme-robotics-reminder.ics.")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    shown = transcript(tmp_path)
    assert "Traceback" not in shown
    saved = tmp_path / "acme-robotics.yaml"
    advised = CliRunner().invoke(main, ["advise", str(saved), "--as-of", AS_OF, "--rules", RULES])
    assert advised.exit_code == 0, advised.output
    assert advised.stdout.startswith("Not yet: wait until Mon 2026-11-30")
    assert advised.stdout in shown  # the same answer, draft included, word for word
    event = vobject.readOne((tmp_path / "acme-robotics-reminder.ics").read_text(encoding="utf-8")).vevent
    assert event.summary.value == "Send the final follow-up to Acme Robotics"
    assert str(event.dtstart.value) == "2026-11-30"
    assert "Dear Dana Lee," in event.description.value


def test_ctrl_c_stops_with_130_and_writes_nothing(tmp_path):
    """Ctrl-C at any question: exit 130, one line on what happened, no traceback, no file."""
    assert ctrl_c_at_the_second_question(spawn(tmp_path)) == 130
    assert "Traceback" not in transcript(tmp_path)
    assert sorted(os.listdir(tmp_path)) == ["transcript.txt"]


def test_from_a_saved_file_asks_only_what_happened_since(tmp_path):
    """--from FILE: 'I sent the follow-up today', then the answer for the next contact; saving
    replaces the file (after asking) with the new history."""
    saved = tmp_path / "acme.yaml"
    saved.write_text(
        "as_of: 2026-11-09\ncompany: {name: Acme, culture: startup}\ninterview: {date: 2026-11-02}\n"
        "history:\n  - {kind: thank_you, date: 2026-11-02}\n",
        encoding="utf-8",
    )
    child = spawn(tmp_path, "--from", "acme.yaml")
    reply(child, "What has happened since you last asked?", "2")
    reply(child, "When did you send it?", "")
    child.expect_exact("= Fri 2026-11-20")
    reply(child, "How did you send it?", "")
    reply(child, "What has happened since you last asked?", "")
    child.expect_exact("Not yet: ")
    reply(child, "Save your answers to a file, to ask again later?", "y")
    child.expect_exact("File name (Enter for acme.yaml): ")
    child.sendline("")
    child.expect_exact("acme.yaml exists. Replace it? [Y/n] ")
    child.sendline("y")
    child.expect_exact("Saved acme.yaml.")
    reply(child, "Add a reminder to your calendar", "n")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    text = saved.read_text(encoding="utf-8")
    assert "as_of" not in text
    assert re.search(r"- kind: follow_up\n  date: 2026-11-20\n", text)
    again = CliRunner().invoke(main, ["advise", str(saved), "--as-of", AS_OF, "--rules", RULES])
    assert again.stdout.splitlines()[0] in transcript(tmp_path)


def test_a_bad_saved_file_is_a_located_error(tmp_path):
    """--from a file with a mistake: its diagnostics, exit 2, before any question."""
    (tmp_path / "bad.yaml").write_text(
        "interview: {date: 2026-11-02}\ncompany: {culture: startp}\n", encoding="utf-8"
    )
    child = spawn(tmp_path, "--from", "bad.yaml")
    child.expect_exact(
        "bad.yaml:2:20: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)"
    )
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2


@pytest.mark.parametrize("args", [(), ("--from", "x.yaml")])
def test_not_a_terminal_points_to_advise(args):
    """Input from a pipe or a file: exit 2 with a located message naming `followup advise`."""
    result = CliRunner().invoke(main, ["ask", "--as-of", AS_OF, *args], input="2026-11-05\n")
    assert result.exit_code == 2
    assert result.stderr == (
        "<stdin>:1:1: error: not-a-terminal: followup ask asks its questions in a terminal "
        "(to answer from a file, use: followup advise SCENARIO)\n"
    )
