"""`followup track` as a job seeker uses it: add, list, today, show, log, archive; the answers
are exactly `followup advise`'s for each application's scenario as of the day asked."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES
from .helpers import ACME, AS_OF, FRESH, LUMEN, NORTHWIND, ZETA, ok, rows, track, tracked, write


def test_add_keeps_the_files_id_and_numbers_the_others(tmp_path):
    """A scenario's own id names its application; one without gets the next number."""
    db = str(tmp_path / "apps.db")
    first = ok(track(db, "add", write(tmp_path, "acme.yaml", ACME)))
    assert first.stdout == (
        "Added application acme: Acme Robotics, Head of Data.\n"
        "Not yet: wait until Thu 2026-11-26, the date they gave.\n"
        "The reasons and the message: followup track show acme\n"
    )
    second = ok(track(db, "add", write(tmp_path, "north.yaml", NORTHWIND)))
    assert second.stdout.startswith("Added application 1: Northwind, Analyst.\n")
    third = ok(track(db, "add", write(tmp_path, "zeta.yaml", ZETA)))
    assert third.stdout.startswith("Added application 2: Zeta Labs.\n")
    assert [a[1] for a in rows(db)[0]] == ["acme", "1", "2"]


def test_list_shows_what_is_due_first(tmp_path):
    """Due today (longest due first), then by the day the next message is due, then nothing to send."""
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH)
    result = ok(track(db, "list"))
    assert result.stdout == (
        "ID    COMPANY        ROLE          NEXT                       TODAY    WINDOW                            CHANNEL\n"
        "2     Zeta Labs      -             send the status follow-up  yes      from Thu 2026-11-12               email\n"
        "4     Orbit          Designer      send the thank-you note    yes      Fri 2026-11-20 to Sat 2026-11-21  email\n"
        "1     Northwind      Analyst       wait: status follow-up     not yet  from Thu 2026-11-26               email\n"
        "acme  Acme Robotics  Head of Data  wait: final follow-up      not yet  from Thu 2026-11-26               email\n"
        "3     Lumen          -             stop                       no       -                                 -\n"
        "5 applications as of Fri 2026-11-20\n"
    )


def test_today_lists_what_to_send_and_what_comes_this_week(tmp_path):
    """Due or overdue today with its one-sentence answer; due in the next seven days; the next after."""
    later = "company: {name: Far Corp}\ninterview: {date: 2026-11-18, format: formal, medium: phone}\n"
    later += "history: [{kind: thank_you, date: 2026-11-18}]\ntimeline: {follow_up_after: 2026-12-10}\n"
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, later)
    result = ok(track(db, "today"))
    assert result.stdout == (
        "To send today, Fri 2026-11-20:\n"
        "  2     Zeta Labs (due since Thu 2026-11-12, 8 days)\n"
        "        Yes: send one short status follow-up now; 15 days have passed since the interview.\n"
        "        the message: followup track show 2\n"
        "\n"
        "Coming this week, until Fri 2026-11-27:\n"
        "  1     Northwind, Analyst: status follow-up by email on Thu 2026-11-26 (in 6 days)\n"
        "  acme  Acme Robotics, Head of Data: final follow-up by email on Thu 2026-11-26 (in 6 days)\n"
        "Next after that: Thu 2026-12-10 (4  Far Corp).\n"
    )


def test_today_when_nothing_is_due(tmp_path):
    """An empty day says so, and says when the next message is due."""
    db = tracked(tmp_path, LUMEN)
    result = ok(track(db, "today"))
    assert (
        result.stdout
        == "Nothing to send today, Fri 2026-11-20.\nNothing else becomes due by Fri 2026-11-27.\n"
    )


def _advise_json(tmp_path, line: str, as_of: str = AS_OF) -> dict:
    path = write(tmp_path, "one.json", line)
    result = CliRunner().invoke(
        main, ["advise", path, "--as-of", as_of, "--rules", RULES, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer.pop("schema_version") == 1  # a nested answer carries its document's
    return answer


def test_show_list_and_today_answer_exactly_as_advise_does(tmp_path):
    """For every application, the answer in show, list and today JSON equals `advise --format json`
    on its exported scenario, as of the same day (drafts included)."""
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH)
    exported = ok(track(db, "export")).stdout.splitlines()
    listed = json.loads(ok(track(db, "list", "--format", "json", as_of="2026-11-23")).stdout)
    today = json.loads(ok(track(db, "today", "--format", "json", as_of="2026-11-23")).stdout)
    assert listed["schema_version"] == 1 and today["schema_version"] == 1
    in_list = {row["id"]: row["answer"] for row in listed["applications"]}
    in_today = {row["id"]: row["answer"] for part in ("due", "this_week") for row in today[part]}
    assert len(in_list) == 5 and in_today
    for line in exported:
        app_id = json.loads(line)["id"]
        advised = _advise_json(tmp_path, line, "2026-11-23")
        shown = json.loads(ok(track(db, "show", app_id, "--format", "json", as_of="2026-11-23")).stdout)
        assert shown["schema_version"] == 1 and shown["scenario"] == json.loads(line)
        assert shown["answer"] == advised
        assert in_list[app_id] == advised
        assert in_today.get(app_id, advised) == advised


def test_show_prints_the_history_then_advises_text_answer(tmp_path):
    """The text view: the application, its history, then advise's own text, word for word."""
    db = tracked(tmp_path, ACME)
    line = ok(track(db, "export")).stdout
    advised = CliRunner().invoke(
        main, ["advise", write(tmp_path, "acme.json", line), "--as-of", AS_OF, "--rules", RULES]
    )
    shown = ok(track(db, "show", "acme")).stdout
    assert shown == (
        "Application acme: Acme Robotics, Head of Data\n"
        "Interview: Thu 2026-11-05\n"
        "History:\n"
        "  Thu 2026-11-05  thank_you   email\n"
        "  Thu 2026-11-12  follow_up   email\n"
        "  Fri 2026-11-13  reply       pending\n"
        "\n" + advised.stdout
    )
    assert "Draft (final follow-up by email, to send on Thu 2026-11-26" in shown


def test_show_record_is_an_audit_record_that_replays_the_same(tmp_path):
    """--record writes what `advise --record` writes; `followup replay` confirms it (exit 0)."""
    db = tracked(tmp_path, ACME)
    record = tmp_path / "acme.record.json"
    ok(track(db, "show", "acme", "--record", str(record)))
    doc = json.loads(record.read_text(encoding="utf-8"))
    assert doc["format"] == "followup-audit/1" and doc["as_of"] == AS_OF
    assert doc["scenario"]["id"] == "acme"
    replayed = CliRunner().invoke(main, ["replay", str(record), "--rules", RULES])
    assert replayed.exit_code == 0, replayed.output
    assert replayed.stdout.startswith("SAME")


def test_log_today_by_default_and_the_answer_moves_on(tmp_path):
    """`sent follow_up` is dated today; the next answer is about the final follow-up."""
    db = tracked(tmp_path, ZETA)
    result = ok(track(db, "log", "1", "sent", "follow_up", "--channel", "email"))
    assert result.stdout == (
        "Logged follow_up on 2026-11-20 for application 1.\n"
        "Now: Not yet: a final follow-up is fine here, from Fri 2026-11-27.\n"
    )
    assert rows(db)[1][-1][2:] == ("follow_up", "2026-11-20", "email", None)


def test_log_a_reply_on_a_day_said_in_words(tmp_path):
    """--date takes what `followup ask` understands: 'yesterday' is the day before --as-of."""
    db = tracked(tmp_path, ZETA)
    result = ok(track(db, "log", "1", "reply", "rejected", "--date", "yesterday"))
    assert result.stdout == (
        "Logged reply (rejected) on 2026-11-19 for application 1.\n"
        "Now: No: they have turned the application down; stop following up and keep searching.\n"
    )


def test_the_same_event_logged_twice_is_kept_once(tmp_path):
    """A second 'I sent it today' (a button pressed twice) changes nothing and says so."""
    db = tracked(tmp_path, ZETA)
    ok(track(db, "log", "1", "sent", "follow_up"))
    again = ok(track(db, "log", "1", "sent", "follow_up", "--channel", "email"))
    assert again.stdout.startswith("Already in the history, not logged again: follow_up on 2026-11-20")
    assert [e[2] for e in rows(db)[1]] == ["thank_you", "follow_up"]


def test_archive_hides_from_list_today_and_ics_and_unarchive_brings_back(tmp_path):
    """Archived applications leave the list (counted), show up with --archived, come back."""
    db = tracked(tmp_path, ZETA, LUMEN)
    assert ok(track(db, "archive", "1")).stdout == "Application 1 is now archived.\n"
    assert ok(track(db, "archive", "1")).stdout == "Application 1 was already archived.\n"
    listed = ok(track(db, "list")).stdout
    assert listed.splitlines()[1].startswith("2 ") and len(listed.splitlines()) == 3
    assert listed.endswith(
        "1 application as of Fri 2026-11-20 (1 archived not shown: --archived lists them)\n"
    )
    assert ok(track(db, "list", "--archived")).stdout.splitlines()[1].startswith("1 ")
    assert len(ok(track(db, "list", "--all")).stdout.splitlines()) == 4
    assert ok(track(db, "today")).stdout.startswith("Nothing to send today")
    assert ok(track(db, "unarchive", "1")).stdout == "Application 1 is now back in the list.\n"
    assert ok(track(db, "today")).stdout.startswith("To send today")


def test_an_empty_tracker_says_how_to_start(tmp_path):
    """No database yet: list says how to add one, and nothing is created by reading."""
    db = tmp_path / "none.db"
    assert ok(track(db, "list")).stdout == "No applications yet: add one with followup track add.\n"
    assert not os.path.exists(db)


def test_advise_loads_no_tracker_code(tmp_path):
    """A cold `followup advise` imports neither the track commands, the tracker nor sqlite3."""
    code = (
        "import sys; from followup.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write(' '.join(sorted(m for m in sys.modules if 'track' in m or 'sqlite' in m)) or 'none')"
    )
    scenario = write(tmp_path, "acme.yaml", ACME)
    proc = subprocess.run(
        [sys.executable, "-c", code, "advise", scenario, "--as-of", AS_OF, "--rules", RULES],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")},
    )
    assert proc.stdout.startswith("Not yet: wait until Thu 2026-11-26")
    assert proc.stderr == "none"


def test_a_document_is_a_copy_that_leaves_the_application_as_read():
    """Changing the document an Application gives (to edit it) never changes the Application."""
    from followup.tracker.documents import Application

    app = Application(
        "1", {"company": {"name": "Zeta"}, "interview": {"date": "2026-11-05", "topics": ["a"]}}
    )
    doc = app.document()
    doc["company"]["name"] = "Other"
    doc["interview"]["topics"].append("b")
    assert app.fields == {"company": {"name": "Zeta"}, "interview": {"date": "2026-11-05", "topics": ["a"]}}


def test_list_today_and_show_json_match_their_schemas(tmp_path):
    """`followup schema track-list|track-today|track-show` describe the JSON exactly, error rows too."""
    import jsonschema

    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH)
    outputs = {
        "track-list": track(db, "list", "--format", "json", as_of="2026-11-12"),  # acme: an error row
        "track-today": track(db, "today", "--format", "json", as_of="2026-11-12"),
        "track-show": track(db, "show", "1", "--format", "json"),
    }
    for kind, result in outputs.items():
        doc = json.loads(ok(result).stdout)
        schema = json.loads(ok(CliRunner().invoke(main, ["schema", kind, "--rules", RULES])).stdout)
        jsonschema.Draft202012Validator.check_schema(schema)
        jsonschema.Draft202012Validator(schema).validate(doc)
        assert next(iter(doc)) == "schema_version"
    rows = json.loads(outputs["track-list"].stdout)["applications"]
    assert {r["status"] for r in rows} == {"error", "none", "upcoming", "due"}
