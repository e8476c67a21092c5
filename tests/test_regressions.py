"""Regressions found in review: each a user mistake that must be a located exit 2, or a wrong
account that must be right."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from followup.authoring.fixtures import load_cases, run_case
from followup.cli import main
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.loader import parse_text

from .helpers import ROOT, RULES, copy_rules, edit_yaml

EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")
BASE = "as_of: 2026-11-20\ninterview:\n  date: 2026-11-05\n"


def diagnose(text: str, **kw) -> list[str]:
    advisor = load_advisor(RULES)
    try:
        advisor.scenario(parse_text("s.yaml", text, lenient=True), **kw)
    except FollowupError as exc:
        return [d.render() for d in exc.diagnostics]
    return []


def test_reply_with_empty_outcome_is_missing_field():
    """`outcome:` with no value on a reply is reported like a missing outcome."""
    got = diagnose(BASE + "history:\n  - {kind: reply, date: 2026-11-13, outcome: }\n")
    assert [g.split(": error: ")[1].split(":")[0] for g in got] == ["missing-field"]
    assert "history.outcome is required for a reply" in got[0]


def test_null_as_of_without_a_default_is_missing_not_a_crash():
    """`as_of: null` and no --as-of is missing-field (library use passes no today)."""
    got = diagnose("as_of:\ninterview:\n  date: 2026-11-05\n")
    assert got == ["s.yaml:1:1: error: missing-field: as_of is required (or give --as-of)"]


@pytest.mark.parametrize("value", ["2026-W46-4", "20261120", "2026-11-5"])
def test_only_yyyy_mm_dd_dates(value):
    """Other forms Python would read (week dates, compact) are refused."""
    got = diagnose(f'as_of: 2026-11-20\ninterview:\n  date: "{value}"\n')
    assert len(got) == 1 and "interview.date must be a date YYYY-MM-DD" in got[0]
    result = CliRunner().invoke(main, ["advise", EXAMPLE, "--rules", RULES, "--as-of", value])
    assert result.exit_code == 2 and "is not a date YYYY-MM-DD" in result.output


def test_badly_tagged_history_is_reported_once():
    """A refused tag on history is one diagnostic, not two."""
    got = diagnose(BASE + "history: !custom [1]\n")
    assert [g.split(": error: ")[1].split(":")[0] for g in got] == ["unsupported-tag"]


def test_channel_fact_of_wrong_type_is_a_rules_error(tmp_path):
    """`channel: {fact: [x]}` in a rule is a located error, for advise and lint alike."""
    rules = copy_rules(str(tmp_path))

    def bad(data):
        data["rules"][1]["then"]["channel"] = {"fact": ["x"]}

    edit_yaml(os.path.join(rules, "channel.yaml"), bad)
    for args in (["advise", EXAMPLE, "--rules", rules], ["lint", "--rules", rules]):
        result = CliRunner().invoke(main, args)
        assert result.exit_code in (1, 2) and "unknown-fact" in result.output, result.output
        assert (
            "Traceback" not in result.output
            and result.exception is None
            or isinstance(result.exception, SystemExit)
        )


@pytest.mark.parametrize(
    "change, code",
    [
        (lambda d: d.update(as_of=5), "bad-date"),
        (lambda d: d["answer"].update(reasons=[1]), "wrong-type"),
        (lambda d: d.update(rules=[1]), "wrong-type"),
    ],
)
def test_malformed_records_are_refused_by_replay(tmp_path, change, code):
    """replay refuses a damaged record with a located error, exit 2."""
    record = tmp_path / "r.json"
    assert (
        CliRunner().invoke(main, ["advise", EXAMPLE, "--rules", RULES, "--record", str(record)]).exit_code
        == 0
    )
    doc = json.loads(record.read_text())
    change(doc)
    record.write_text(json.dumps(doc))
    result = CliRunner().invoke(main, ["replay", str(record), "--rules", RULES])
    assert result.exit_code == 2 and f"error: {code}:" in result.output, result.output


def test_fixture_case_dates_and_paths_are_checked(tmp_path):
    """A quoted case as_of is honoured; a bad one or a non-path scenario_file is an error."""
    good = tmp_path / "good.yaml"
    good.write_text(
        'cases:\n  - name: quoted\n    as_of: "2026-11-12"\n'
        "    scenario: {as_of: 2026-11-06, interview: {date: 2026-11-05}, "
        "history: [{kind: thank_you, date: 2026-11-05}]}\n"
        "    expect: {action: send_follow_up}\n"
    )
    [case] = load_cases(str(good))
    assert run_case(case, load_advisor(RULES)).passed
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'cases:\n  - name: a\n    as_of: "soon"\n    scenario: {interview: {date: 2026-11-05}}\n'
        "    expect: {action: wait}\n  - name: b\n    scenario_file: 5\n    expect: {action: wait}\n"
    )
    with pytest.raises(FollowupError) as exc:
        load_cases(str(bad))
    assert [d.code for d in exc.value.diagnostics] == ["bad-date", "wrong-type"]


def test_batch_reports_deep_json_as_too_deep(tmp_path):
    """A deeply nested JSON line is a too-deep error record, as advise says, not an internal error."""
    line = (
        '{"as_of": "2026-11-20", "interview": {"date": "2026-11-05"}, "company": {"name": '
        + "[" * 600
        + "]" * 600
        + "}}\n"
    )
    source = tmp_path / "deep.jsonl"
    source.write_text(line)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "followup.cli",
            "batch",
            str(source),
            "--workers",
            "1",
            "--rules",
            RULES,
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1, proc.stderr
    assert json.loads(proc.stdout)["error"]["code"] == "too-deep"


def test_explain_shows_the_alternative_the_engine_matched(tmp_path):
    """When an unsatisfiable alternative comes first, explain still lists the tests that matched."""
    rules = copy_rules(str(tmp_path))

    def widen(data):
        for rule in data["rules"]:
            if rule["id"] == "status-due":
                rule["when"]["all"].append(
                    {
                        "any": [
                            {
                                "all": [
                                    {"fact": "days_since_interview", "<": 3},
                                    {"fact": "days_since_interview", ">": 9},
                                ]
                            },
                            {"fact": "days_since_interview", ">": 6},
                        ]
                    }
                )

    edit_yaml(os.path.join(rules, "timing.yaml"), widen)
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        "as_of: 2026-11-20\ninterview: {date: 2026-11-05}\nhistory: [{kind: thank_you, date: 2026-11-05}]\n"
    )
    out = CliRunner().invoke(main, ["explain", str(scenario), "--rules", rules, "--level", "fired"]).output
    line = next(
        ln
        for ln in out.splitlines()
        if ln.strip().startswith("matched:") and "days_since_interview = 15 > 6" in ln
    )
    assert "needed" not in line
