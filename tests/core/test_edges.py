"""Hostile edges closed in issue 8: calendar limits, huge numbers, floods of problems, unreadable
rules directories, damaged records and rule sets whose answers would contradict themselves."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES, copy_rules, edit_yaml

EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _write(tmp_path, text: str, name: str = "s.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_dates_at_the_edge_of_the_calendar_are_located_errors(tmp_path):
    """An interview on 9999-12-31 is a bad-date at its line, not an OverflowError."""
    path = _write(tmp_path, "interview: {date: 9999-12-31}\nas_of: 9999-12-31\n")
    result = run("advise", path, "--rules", RULES)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert result.stderr.splitlines()[0] == (
        f"{path}:1:19: error: bad-date: interview.date: 9999-12-31 is outside the dates the advisor "
        "works with (1900-01-01 to 9000-12-31)"
    )
    early = run("advise", EXAMPLE, "--rules", RULES, "--as-of", "9999-12-31")
    assert early.exit_code == 2 and "outside the dates the advisor works with" in early.output


def test_the_last_supported_day_explains_without_overflow(tmp_path):
    """At 9000-12-31, explain's look ahead (120 days) and the rules' dates stay in the calendar."""
    path = _write(tmp_path, "interview: {date: 9000-12-01}\nas_of: 9000-12-31\n")
    for command in ("advise", "explain"):
        result = run(command, path, "--rules", RULES)
        assert result.exit_code == 0, result.output


def test_a_house_rule_with_a_large_negative_offset_stays_in_the_calendar(tmp_path):
    """plus_days -366 from an interview on the first supported day computes a date, no overflow."""
    rules = copy_rules(str(tmp_path))

    def early(data):
        for rule in data["rules"]:
            if rule["id"] == "status-due":
                rule["then"]["earliest"]["plus_days"] = -366

    edit_yaml(os.path.join(rules, "timing.yaml"), early)
    path = _write(
        tmp_path,
        "interview: {date: 1900-01-01}\nas_of: 1900-01-20\nhistory: [{kind: thank_you, date: 1900-01-01}]\n",
    )
    result = run("advise", path, "--rules", rules, "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["earliest"] == "1898-12-31"


def test_huge_numbers_are_refused_and_base_60_stays_text(tmp_path):
    """An id of 9,000 hex digits is a located bad-value; `id: 1:30:00` is the text '1:30:00'."""
    path = _write(tmp_path, "id: 0x" + "f" * 9000 + "\ninterview: {date: 2026-11-05}\nas_of: 2026-11-10\n")
    result = run("advise", path, "--rules", RULES)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{path}:1:5: error: bad-value: the number is too large: whole numbers fit in 64 bits\n"
    )
    sexagesimal = _write(
        tmp_path, "id: 1:30:00\ninterview: {date: 2026-11-05}\nas_of: 2026-11-10\n", "b.yaml"
    )
    record = tmp_path / "r.json"
    result = run("advise", sexagesimal, "--rules", RULES, "--record", str(record))
    assert result.exit_code == 0, result.output
    assert json.loads(record.read_text())["scenario"]["id"] == "1:30:00"


def test_a_flood_of_near_miss_keys_is_refused_with_bounded_work(tmp_path, monkeypatch):
    """24,900 misspelt keys: exit 2 with 100 problems and a note, and at most 100 did-you-mean
    searches (the work that took over a second), not 24,900."""
    import followup.core.scenario as scenario_module

    searches = []
    real = scenario_module.did_you_mean

    def counted(word, choices):
        searches.append(word)
        return real(word, choices)

    monkeypatch.setattr(scenario_module, "did_you_mean", counted)
    keys = ["compny", "intervew", "positon", "contct", "timelin", "histry"]
    lines = ["interview: {date: 2026-11-05}", "as_of: 2026-11-10"]
    lines += [f"{keys[i % 6]}{i}:" for i in range(24_900)]
    path = _write(tmp_path, "\n".join(lines) + "\n")
    result = run("advise", path, "--rules", RULES)
    assert result.exit_code == 2
    out = result.stderr.splitlines()
    assert len(out) == 101 and len(searches) <= 101, (len(out), len(searches))
    assert (
        out[0]
        == f"{path}:1:1: error: too-many-problems: more than 100 problems in this file; the first 100 are shown"
    )


def test_an_unreadable_rules_directory_is_a_located_error(tmp_path, monkeypatch):
    """A rules directory that cannot be listed: advise and lint exit 2 with `unreadable`."""
    import followup.core.advisor as advisor_module
    import followup.core.rules as rules_module

    monkeypatch.setattr(advisor_module, "_cache", {})

    def denied(path: str) -> list[str]:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(rules_module.os, "listdir", denied)
    monkeypatch.setenv("FOLLOWUP_CACHE", "off")
    for args in (["advise", EXAMPLE, "--rules", RULES], ["lint", "--rules", RULES]):
        result = run(*args)
        assert result.exit_code == 2, result.output
        assert result.stderr == f"{RULES}:1:1: error: unreadable: Permission denied\n"


def test_replay_refuses_a_record_whose_conflicts_are_damaged(tmp_path):
    """A record with `answer.conflicts[].took` that is not a mapping is a wrong-type, exit 2."""
    record = tmp_path / "audit.json"
    assert run("advise", EXAMPLE, "--rules", RULES, "--record", str(record)).exit_code == 0
    doc = json.loads(record.read_text())
    assert doc["answer"]["conflicts"], "the example must rest on a conflict"
    doc["answer"]["conflicts"][0]["took"] = "one"
    record.write_text(json.dumps(doc))
    result = run("replay", str(record), "--rules", RULES)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert ": error: wrong-type: answer must be an answer object" in result.stderr


def test_a_house_rule_cannot_make_an_answer_contradict_itself(tmp_path):
    """A lint-flagged house rule (not_yet, no date) makes advise exit 2 at that rule, never
    'not yet' with a past date under a 'Yes' summary."""
    rules = copy_rules(str(tmp_path))
    with open(
        os.path.join(ROOT, "tests", "authoring", "lint_cases", "needs-date.yaml"), encoding="utf-8"
    ) as fh:
        (tmp_path / "rules" / "house.yaml").write_text(fh.read())
    lint = run("lint", "--rules", rules)
    assert lint.exit_code == 1 and ":3:5: error: needs-date:" in lint.stdout
    path = _write(
        tmp_path,
        "interview: {date: 2026-11-02}\nas_of: 2026-11-20\ncompany: {size: large}\n"
        "history: [{kind: thank_you, date: 2026-11-02}]\n",
    )
    result = run("advise", path, "--rules", rules)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        os.path.join(rules, "house.yaml")
        + ":3:5: error: contradictory-answer: rule 'house-wait-without-a-date' says not yet, but the answer"
    )
