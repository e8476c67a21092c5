"""What leaves and enters the tracker: export (JSON Lines `followup batch` reads), import (all or
nothing, batch's diagnostics at FILE:LINE:COL) and the calendar of reminders."""

from __future__ import annotations

import json
import subprocess

import vobject
from click.testing import CliRunner

from followup.cli import main

from ..helpers import RULES
from ..messages.test_calendar import strict_lines
from .helpers import (
    ACME,
    AS_OF,
    FOLLOWUP,
    FRESH,
    LUMEN,
    NORTHWIND,
    ZETA,
    digest,
    ok,
    rows,
    track,
    tracked,
    write,
)

UNICODE = """\
candidate: {name: Zoë Ångström}
company: {name: "Café \\"Ünïcode\\", Ltd", culture: startup}
interview:
  date: 2026-11-06
  interviewer: Renée O'Brien
  topics: [the data platform, "quoting: 'a' & \\"b\\""]
position: {title: Head of Data, level: senior}
history:
  - {kind: follow_up, date: 2026-11-13, channel: linkedin}
  - {kind: thank_you, date: 2026-11-06}
"""


def test_export_import_export_gives_the_same_bytes(tmp_path):
    """Every application (archived too) round-trips exactly through an empty database."""
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH, UNICODE)
    ok(track(db, "archive", "3"))
    first = ok(track(db, "export")).stdout_bytes
    assert len(first.splitlines()) == 6
    assert json.loads(first.splitlines()[-1])["id"] == "acme"  # numbers first, then other ids
    dump = write(tmp_path, "apps.jsonl", first.decode("utf-8"))
    other = tmp_path / "other.db"
    assert ok(track(other, "import", dump)).stdout == "Imported 6 applications.\n"
    assert ok(track(other, "export")).stdout_bytes == first
    ok(track(other, "export", "-o", str(tmp_path / "again.jsonl")))
    assert (tmp_path / "again.jsonl").read_bytes() == first


def test_the_history_is_exported_by_date_and_text_kept_as_given(tmp_path):
    """Keys in the scenario's order, no as_of, the history by date, free text untouched."""
    db = tracked(tmp_path, UNICODE)
    line = json.loads(ok(track(db, "export")).stdout)
    assert list(line) == ["id", "candidate", "company", "interview", "position", "history"]
    assert line["company"]["name"] == 'Café "Ünïcode", Ltd'
    assert line["interview"]["topics"] == ["the data platform", "quoting: 'a' & \"b\""]
    assert [e["kind"] for e in line["history"]] == ["thank_you", "follow_up"]


def test_followup_batch_answers_the_export_as_the_tracker_does(tmp_path):
    """batch reads the export line by line (ids kept) and gives each application the answer
    `track list --format json` shows."""
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH)
    dump = write(tmp_path, "apps.jsonl", ok(track(db, "export")).stdout)
    proc = subprocess.run(
        [*FOLLOWUP, "batch", dump, "--as-of", AS_OF, "--rules", RULES, "--workers", "1", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    answered = {r["id"]: r["answer"] for r in map(json.loads, proc.stdout.splitlines())}
    listed = json.loads(ok(track(db, "list", "--format", "json")).stdout)["applications"]
    assert answered == {row["id"]: row["answer"] for row in listed}


def test_archived_applications_cross_in_a_file_of_their_own(tmp_path):
    """--only active / --only archived on export, --archived on import: the archive survives."""
    db = tracked(tmp_path, ZETA, LUMEN)
    ok(track(db, "archive", "2"))
    active = write(tmp_path, "active.jsonl", ok(track(db, "export", "--only", "active")).stdout)
    archived = write(tmp_path, "archived.jsonl", ok(track(db, "export", "--only", "archived")).stdout)
    other = tmp_path / "other.db"
    ok(track(other, "import", active))
    ok(track(other, "import", archived, "--archived"))
    assert (
        ok(track(other, "list", "--all", "--format", "json")).stdout
        == ok(track(db, "list", "--all", "--format", "json")).stdout
    )


def test_import_numbers_lines_without_an_id_after_every_number_in_use(tmp_path):
    """Lines without an id get numbers after those in the database and in the file."""
    db = tracked(tmp_path, ZETA)  # 1
    lines = [
        {"interview": {"date": "2026-11-02"}},
        {"id": 7, "interview": {"date": "2026-11-03"}},
        {"id": "beta", "interview": {"date": "2026-11-04"}},
        {"interview": {"date": "2026-11-05"}},
    ]
    dump = write(tmp_path, "new.jsonl", "".join(json.dumps(x) + "\n" for x in lines))
    ok(track(db, "import", dump))
    assert [a[1] for a in rows(db)[0]] == ["1", "8", "7", "beta", "9"]


def test_import_reads_stdin(tmp_path):
    """`-` is standard input."""
    db = tmp_path / "apps.db"
    result = track(db, "import", "-", input='{"interview": {"date": "2026-11-02"}}\n')
    assert result.exit_code == 0, result.output
    assert result.stdout == "Imported 1 application.\n"


BAD_LINES = [
    '{"id": "ok-1", "interview": {"date": "2026-11-02"}}',
    '{"id": "typo", "interview": {"date": "2026-11-02"}, "company": {"culture": "startp"}}',
    '{"id": "late", "interview": {"date": "2026-11-02"}, "history": [{"kind": "follow_up", "date": "2026-11-21"}]}',
    '{"id": "broken", "interview": ',
    "",
    '{"interview": {"date": "2026-11-02"}, "intervew": {}}',
]


def test_import_reports_each_problem_as_batch_does_and_imports_nothing(tmp_path):
    """Every bad line's diagnostics are batch's for that line, at FILE:LINE:COL; exit 2; no row added."""
    db = tracked(tmp_path, ZETA)
    before = digest(db)
    dump = write(tmp_path, "bad.jsonl", "\n".join(BAD_LINES) + "\n")
    result = track(db, "import", dump)
    assert result.exit_code == 2
    assert digest(db) == before
    proc = subprocess.run(
        [*FOLLOWUP, "batch", dump, "--as-of", AS_OF, "--rules", RULES, "--workers", "1", "-q"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    from_batch = []
    for record in map(json.loads, proc.stdout.splitlines()):
        for d in record.get("error", {}).get("diagnostics", []):
            hint = f" ({d['hint']})" if d["hint"] else ""
            from_batch.append(
                f"{d['path']}:{d['line']}:{d['column']}: error: {d['code']}: {d['message']}{hint}"
            )
    assert len(from_batch) == 5
    assert result.stderr.splitlines() == from_batch
    assert result.stderr.splitlines()[2] == f"{dump}:4:31: error: json-syntax: Expecting value"


def test_import_refuses_ids_used_twice_or_taken(tmp_path):
    """The tracker's own checks, located at the id: duplicate-id in the file, id-taken in the database."""
    db = tracked(tmp_path, ACME)
    before = digest(db)
    lines = [
        '{"id": "x", "interview": {"date": "2026-11-02"}}',
        '{"id": "x", "interview": {"date": "2026-11-03"}}',
        '{"id": "acme", "interview": {"date": "2026-11-04"}}',
    ]
    dump = write(tmp_path, "ids.jsonl", "\n".join(lines) + "\n")
    first = track(db, "import", dump)
    assert first.exit_code == 2
    assert first.stderr == f"{dump}:2:1: error: duplicate-id: id 'x' is also the id on line 1\n"
    dump = write(tmp_path, "ids.jsonl", "\n".join(lines[::2]) + "\n")
    second = track(db, "import", dump)
    assert second.exit_code == 2
    assert second.stderr == f"{dump}:2:1: error: id-taken: id 'acme' is taken by another application\n"
    assert digest(db) == before


def test_the_calendar_has_one_reminder_per_application_with_a_next_message(tmp_path):
    """One VEVENT per application that sends something (not a `stop`, not archived), read back by
    vobject and by a strict RFC 5545 line reader."""
    db = tracked(tmp_path, ACME, NORTHWIND, ZETA, LUMEN, FRESH)
    ok(track(db, "archive", "4"))
    ics = tmp_path / "apps.ics"
    result = ok(track(db, "ics", "-o", str(ics)))
    assert result.stderr == f"{ics}: 3 reminders written\n"
    cal = vobject.readOne(ics.read_bytes().decode("utf-8"))
    events = {e.summary.value: str(e.dtstart.value) for e in cal.contents["vevent"]}
    assert events == {
        "Send the final follow-up to Acme Robotics": "2026-11-26",
        "Send the status follow-up to Northwind": "2026-11-26",
        "Send the status follow-up to Zeta Labs": "2026-11-20",
    }
    names = [name for name, _, _ in strict_lines(ics.read_bytes())]
    assert names.count("UID") == 3 and names[0] == "BEGIN" and names[-1] == "END"


def _uids(data: bytes) -> dict[str, tuple[str, int]]:
    cal = vobject.readOne(data.decode("utf-8"))
    return {e.summary.value: (e.uid.value, int(e.sequence.value)) for e in cal.contents["vevent"]}


def test_calendar_uids_stay_so_a_newer_file_updates_the_events(tmp_path):
    """The same UIDs run after run and day after day (a later SEQUENCE), equal to `advise --ics`'s
    for the application's exported scenario."""
    db = tracked(tmp_path, ACME, ZETA)
    today = _uids(ok(track(db, "ics")).stdout_bytes)
    assert _uids(ok(track(db, "ics")).stdout_bytes) == today
    later = _uids(ok(track(db, "ics", as_of="2026-11-22")).stdout_bytes)
    for title, (uid, sequence) in today.items():
        assert later[title][0] == uid and later[title][1] == sequence + 2
    line = ok(track(db, "export")).stdout.splitlines()[1]  # acme
    one = tmp_path / "acme.ics"
    advised = CliRunner().invoke(
        main,
        ["advise", write(tmp_path, "acme.json", line), "--as-of", AS_OF, "--rules", RULES, "--ics", str(one)],
    )
    assert advised.exit_code == 0, advised.output
    assert list(_uids(one.read_bytes()).values()) == [today["Send the final follow-up to Acme Robotics"]]


def test_no_calendar_when_nothing_is_to_be_sent(tmp_path):
    """Nothing to remind of: no file, and a note saying why."""
    db = tracked(tmp_path, LUMEN)
    result = ok(track(db, "ics", "-o", str(tmp_path / "none.ics")))
    assert result.stderr == "No reminders: no application has a next message to send; nothing written.\n"
    assert not (tmp_path / "none.ics").exists()


def test_an_untypeable_id_in_an_import_line_is_located_at_the_id(tmp_path):
    """A clean JSON line read by the fast path still gets the id's exact column."""
    db = tmp_path / "apps.db"
    dump = write(tmp_path, "ids.jsonl", '{"interview": {"date": "2026-11-02"}, "id": "my app"}\n')
    result = track(db, "import", dump)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{dump}:1:45: error: bad-id: id 'my app' cannot name an application: use at most 40 letters, "
        "digits, '.', '_' or '-', starting with a letter or a digit (or leave the id out to have the "
        "application numbered)\n"
    )
    assert not db.exists()
