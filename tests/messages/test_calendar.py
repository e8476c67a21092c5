"""advise --ics: the reminder file, read back by a second, independent parser (vobject) and by a
strict RFC 5545 line reader written here (CRLF, folding at 75 octets, property syntax)."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import vobject
from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES

SCENARIO = """as_of: {as_of}
{id_line}candidate: {{name: Zoë Ångström}}
company: {{name: Acme Robotics, culture: startup}}
interview:
  date: 2026-11-05
  interviewer: Dana Lee
  topics: [the data platform migration]
position: {{title: Head of Data}}
history:
  - {{kind: thank_you, date: 2026-11-05, channel: email}}
  - {{kind: follow_up, date: 2026-11-12, channel: email}}
timeline: {{follow_up_after: 2026-11-26}}
"""
PROPERTY = re.compile(r"^(?P<name>[A-Z][A-Z0-9-]*)(?P<params>(?:;[A-Z0-9-]+=[^;:]*)*):(?P<value>.*)$")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def write(tmp_path, as_of="2026-11-20", scenario_id: str | None = "acme-42") -> str:
    path = tmp_path / f"s-{as_of}-{scenario_id}.yaml"
    id_line = f"id: {scenario_id}\n" if scenario_id else ""
    path.write_text(SCENARIO.format(as_of=as_of, id_line=id_line), encoding="utf-8")
    return str(path)


def strict_lines(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    """RFC 5545 3.1: CRLF line ends, physical lines of at most 75 octets, folds that start with one
    space; then each content line is NAME[;PARAM=VALUE]*:VALUE."""
    assert data.endswith(b"\r\n")
    physical = data[:-2].split(b"\r\n")
    assert all(b"\n" not in line and b"\r" not in line for line in physical)
    assert all(len(line) <= 75 for line in physical), max(physical, key=len)
    logical: list[bytes] = []
    for line in physical:
        if line.startswith(b" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    out = []
    for raw in logical:
        m = PROPERTY.match(raw.decode("utf-8"))
        assert m, raw
        params = dict(p.split("=", 1) for p in m.group("params").split(";")[1:])
        out.append((m.group("name"), params, m.group("value")))
    return out


def test_reminder_fields_read_back_by_an_independent_parser(tmp_path):
    """vobject reads one all-day event on the due day, titled in words, the summary, window, channel
    and draft in its description, and a display alarm at 09:00 that morning."""
    ics = tmp_path / "r.ics"
    result = run("advise", write(tmp_path), "--rules", RULES, "--ics", str(ics))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{ics}: reminder written for Thu 2026-11-26\n"
    cal = vobject.readOne(ics.read_bytes().decode("utf-8"))
    assert cal.version.value == "2.0"
    events = cal.contents["vevent"]
    assert len(events) == 1
    event = events[0]
    assert event.summary.value == "Send the final follow-up to Acme Robotics"
    assert str(event.dtstart.value) == "2026-11-26" and str(event.dtend.value) == "2026-11-27"
    assert event.dtstamp.value.isoformat() == "2026-11-20T00:00:00+00:00"
    text = event.description.value
    assert text.startswith("Not yet: wait until Thu 2026-11-26, the date they gave.\n\n")
    assert (
        "Window: from Thu 2026-11-26 (no last day)\nFrom Thu 2026-11-26, the date from which they welcome contact; the articles give no last day.\nChannel: email\n"
        in text
    )
    assert "Subject: Final follow-up: Head of Data interview\n\nDear Dana Lee,\n" in text
    assert text.endswith("Kind regards,\nZoë Ångström")
    alarm = event.valarm
    assert alarm.action.value == "DISPLAY"
    assert alarm.trigger.value.total_seconds() == 9 * 3600
    assert alarm.trigger.params.get("RELATED") == ["START"]


def test_reminder_is_well_formed_rfc5545_line_by_line(tmp_path):
    """CRLF everywhere, folded at 75 octets (non-ASCII text included), every content line NAME;PARAMS:VALUE."""
    ics = tmp_path / "r.ics"
    run("advise", write(tmp_path), "--rules", RULES, "--ics", str(ics))
    lines = strict_lines(ics.read_bytes())
    names = [name for name, _, _ in lines]
    assert names[0] == "BEGIN" and names[-1] == "END"
    assert ("DTSTART", {"VALUE": "DATE"}, "20261126") in lines
    assert ("TRIGGER", {"RELATED": "START"}, "PT9H") in lines
    assert ("DTSTAMP", {}, "20261120T000000Z") in lines
    assert [v for n, _, v in lines if n == "BEGIN"] == ["VCALENDAR", "VEVENT", "VALARM"]
    description = next(v for n, _, v in lines if n == "DESCRIPTION")
    assert "Zoë Ångström" in description and "\\, " in description  # RFC 5545 text escaping


def test_the_same_answer_gives_the_same_file_and_uid(tmp_path):
    """Two runs write identical bytes; asked again later, the same application and contact keep
    their UID with a higher SEQUENCE, so an import replaces the event."""
    first, second, later = tmp_path / "1.ics", tmp_path / "2.ics", tmp_path / "3.ics"
    scenario = write(tmp_path)
    run("advise", scenario, "--rules", RULES, "--ics", str(first))
    run("advise", scenario, "--rules", RULES, "--ics", str(second))
    assert first.read_bytes() == second.read_bytes()
    run("advise", write(tmp_path, as_of="2026-11-23"), "--rules", RULES, "--ics", str(later))
    a, b = (vobject.readOne(p.read_bytes().decode()).vevent for p in (first, later))
    assert a.uid.value == b.uid.value and a.uid.value.endswith("@followup-advisor")
    assert int(b.sequence.value) == int(a.sequence.value) + 3


def test_uid_comes_from_the_id_or_else_from_company_and_interview_day(tmp_path):
    """Without an id the UID is derived from company.name, interview.date and the contact; another id differs."""
    uids = []
    for sid in ("acme-42", None, "acme-43"):
        ics = tmp_path / f"{sid}.ics"
        run("advise", write(tmp_path, scenario_id=sid), "--rules", RULES, "--ics", str(ics))
        uids.append(vobject.readOne(ics.read_bytes().decode()).vevent.uid.value)
    assert len(set(uids)) == 3
    again = tmp_path / "again.ics"
    run(
        "advise", write(tmp_path, as_of="2026-11-21", scenario_id=None), "--rules", RULES, "--ics", str(again)
    )
    assert vobject.readOne(again.read_bytes().decode()).vevent.uid.value == uids[1]


def test_nothing_to_send_writes_no_reminder_and_says_so(tmp_path):
    """stop: the file is left alone (not created, not emptied), stderr says why, exit 0."""
    path = tmp_path / "offer.yaml"
    path.write_text(
        "as_of: 2026-11-12\ninterview: {date: 2026-11-02}\nhistory:\n  - {kind: reply, date: 2026-11-10, outcome: offer}\n",
        encoding="utf-8",
    )
    ics = tmp_path / "r.ics"
    ics.write_bytes(b"earlier reminder")
    result = run("advise", str(path), "--rules", RULES, "--ics", str(ics))
    assert result.exit_code == 0
    assert result.stderr == f"{ics}: not written: nothing is to be sent (stop), so there is no reminder\n"
    assert ics.read_bytes() == b"earlier reminder"


def test_an_unwritable_target_is_a_located_error_and_leaves_nothing(tmp_path):
    """--ics naming a directory: exit 2 with the path, no temporary file left behind."""
    target = tmp_path / "dir"
    target.mkdir()
    result = run("advise", write(tmp_path), "--rules", RULES, "--ics", str(target))
    assert result.exit_code == 2
    assert (
        result.stderr == f"{target}:1:1: error: not-a-file: is a directory; give the path of a regular file\n"
    )
    assert not [n for n in os.listdir(tmp_path) if n.startswith(".followup-")]


@pytest.mark.parametrize(("args", "loaded"), [((), False), (("--ics", "r.ics"), True)])
def test_icalendar_loads_only_when_a_reminder_is_written(tmp_path, args, loaded):
    """A cold advise without --ics never imports icalendar (it costs tens of milliseconds)."""
    code = (
        "import sys; from followup.cli import main\n"
        "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
        "sys.stderr.write('icalendar' + ('+' if 'icalendar' in sys.modules else '-'))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, "advise", write(tmp_path), "--rules", RULES, *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")},
    )
    assert proc.stderr.endswith("icalendar+" if loaded else "icalendar-"), proc.stderr


def test_a_yes_answer_puts_the_reminder_on_the_day_asked(tmp_path):
    """When the answer is yes, the message is due today: the event is on as_of itself, read back by vobject."""
    ics = tmp_path / "r.ics"
    result = run("advise", write(tmp_path, as_of="2026-11-27"), "--rules", RULES, "--ics", str(ics))
    assert result.exit_code == 0, result.output
    assert result.stderr == f"{ics}: reminder written for Fri 2026-11-27\n"
    event = vobject.readOne(ics.read_bytes().decode("utf-8")).vevent
    assert str(event.dtstart.value) == "2026-11-27" and str(event.dtend.value) == "2026-11-28"
    assert event.description.value.startswith("Yes: ")
