"""The public Python API: followup.advise / explain / load_rules, the Answer record, one error type
carrying the CLI's diagnostics (JSON pointers for a Mapping), and a cheap `import followup`."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

import followup
import followup.audit.api
from followup.cli import main

from .helpers import ROOT, RULES, copy_rules, edit_yaml

EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")
PLAIN = {
    "as_of": "2026-11-20",
    "interview": {"date": "2026-11-05"},
    "history": [{"kind": "thank_you", "date": "2026-11-05"}],
}


def cli_json(*args: str) -> dict:
    result = CliRunner().invoke(main, [*args, "--rules", RULES, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_advise_a_file_gives_what_the_cli_prints_plus_a_decision_id():
    """advise(path).to_json() is advise --format json's object, with decision_id added."""
    answer = followup.advise(EXAMPLE, rules=RULES)
    doc = answer.to_json()
    assert doc.pop("decision_id") == answer.decision_id
    assert doc == cli_json("advise", EXAMPLE)


def test_a_mapping_is_answered_like_the_same_file(tmp_path):
    """A Mapping and the same scenario written as a JSON file give the same answer."""
    path = tmp_path / "s.json"
    path.write_text(json.dumps(PLAIN), encoding="utf-8")
    assert followup.advise(PLAIN, rules=RULES) == followup.advise(str(path), rules=RULES)


def test_the_answer_is_a_typed_frozen_record():
    """Dates are dates, the draft a Message, reasons Reason records; fields cannot be assigned."""
    answer = followup.advise(PLAIN, rules=RULES)
    assert (answer.action, answer.verdict, answer.contact) == ("send_follow_up", "yes", 2)
    assert answer.earliest == dt.date(2026, 11, 12) and answer.as_of == dt.date(2026, 11, 20)
    assert answer.draft is not None and answer.draft.send_on == dt.date(2026, 11, 20)
    assert all(isinstance(r, followup.audit.api.Reason) and r.rule in answer.fired for r in answer.reasons)
    with pytest.raises(AttributeError):
        answer.verdict = "no"  # type: ignore[misc]


def test_as_of_overrides_and_accepts_iso_text():
    """as_of= (a date or YYYY-MM-DD) overrides the scenario's own."""
    early = followup.advise(PLAIN, as_of="2026-11-10", rules=RULES)
    assert early.as_of == dt.date(2026, 11, 10) and early.verdict == "not_yet"
    assert followup.advise(PLAIN, as_of=dt.date(2026, 11, 10), rules=RULES) == early


def test_the_decision_id_depends_on_the_scenario_the_day_and_the_rules(tmp_path):
    """Same question, same id; another day, another scenario or other rules, another id."""
    first = followup.advise(PLAIN, rules=RULES).decision_id
    assert followup.advise(dict(PLAIN), rules=RULES).decision_id == first
    assert followup.advise(PLAIN, as_of="2026-11-21", rules=RULES).decision_id != first
    assert followup.advise({**PLAIN, "company": {"size": "small"}}, rules=RULES).decision_id != first
    rules = copy_rules(str(tmp_path))
    edit_yaml(os.path.join(rules, "timing.yaml"), lambda d: d["rules"][0].update(description="edited"))
    assert followup.advise(PLAIN, rules=rules).decision_id != first


def test_mapping_errors_carry_the_cli_messages_with_json_pointers():
    """Every problem in a Mapping is one FollowupError: the CLI's codes and messages, located by pointer."""
    bad = {
        "interview": {"date": "2026-02-30"},
        "company": {"culture": "startp"},
        "history": [{"kind": "reply", "date": "2026-11-06"}],
    }
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(bad, rules=RULES)
    got = [(d.pointer, d.code, d.message, d.hint) for d in caught.value.diagnostics]
    assert got == [
        ("", "missing-field", "as_of is required (or give --as-of)", ""),
        (
            "/company/culture",
            "unknown-value",
            "company.culture: unknown value 'startp'",
            "did you mean 'startup'?",
        ),
        (
            "/history/0",
            "missing-field",
            "history.outcome is required for a reply",
            "one of: pending, offer, rejected",
        ),
        ("/interview/date", "bad-date", "interview.date: '2026-02-30' is not a real date", ""),
    ]
    assert str(caught.value).splitlines()[1] == (
        "scenario#/company/culture: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)"
    )


def test_a_file_error_keeps_its_line_and_column(tmp_path):
    """A file's diagnostics are rendered as the CLI renders them, without a pointer."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "as_of: 2026-11-20\ninterview: {date: 2026-11-05}\ncompany: {culture: startp}\n", encoding="utf-8"
    )
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(str(path), rules=RULES)
    (diag,) = caught.value.diagnostics
    assert diag.pointer is None and "pointer" not in diag.to_json()
    assert (
        diag.render()
        == f"{path}:3:20: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)"
    )


def test_mapping_values_are_held_to_the_file_limits():
    """Too long, too large a number, a non-text key and a Python object are refused like file content."""
    bad = {
        "as_of": "2026-11-20",
        "interview": {"date": "2026-11-05", "interviewer": "x" * 10_001},
        "id": 2**70,
        7: "seven",
        "company": {"name": object()},
    }
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(bad, rules=RULES)
    got = sorted((d.pointer, d.code) for d in caught.value.diagnostics)
    assert got == [
        ("", "wrong-type"),
        ("/company/name", "wrong-type"),
        ("/id", "bad-value"),
        ("/interview/interviewer", "too-long"),
    ]


def test_half_a_surrogate_pair_in_a_key_or_a_value_is_not_utf8_and_never_echoed():
    """A lone surrogate in a key is refused at its object (the key is neither echoed nor pointed
    to, so the diagnostics stay printable as UTF-8); in a value, at the value."""
    bad = {"interview": {"date": "2026-11-05", "\udc80x": 1}, "company": {"name": "A\ud800"}}
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(bad, as_of="2026-11-20", rules=RULES)
    got = sorted((d.pointer, d.code, d.message) for d in caught.value.diagnostics)
    tail = ", half of a UTF-16 surrogate pair, which is not a character and has no UTF-8 form"
    assert got == [
        ("/company/name", "not-utf8", "the text holds U+D800" + tail),
        ("/interview", "not-utf8", "a key holds U+DC80" + tail),
    ]
    for d in caught.value.diagnostics:
        d.render().encode("utf-8")


def test_deep_and_huge_mappings_stop_early():
    """Nesting past 32 levels is too-deep; more than 50,000 values is too-large."""
    deep: dict = {}
    node = deep
    for _ in range(40):
        node["a"] = {}
        node = node["a"]
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(deep, rules=RULES)
    assert [d.code for d in caught.value.diagnostics] == ["too-deep"]
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise({"history": list(range(60_000))}, rules=RULES)
    assert [d.code for d in caught.value.diagnostics] == ["too-large"]


def test_a_bad_as_of_argument_is_a_diagnostic():
    """as_of='2026-13-01' raises FollowupError (bad-date), not ValueError."""
    with pytest.raises(followup.FollowupError) as caught:
        followup.advise(PLAIN, as_of="2026-13-01", rules=RULES)
    assert [d.render() for d in caught.value.diagnostics] == [
        "as_of:1:1: error: bad-date: '2026-13-01' is not a date YYYY-MM-DD"
    ]


def test_load_rules_is_reused_and_reports_broken_rules(tmp_path):
    """load_rules gives a reusable rule set with its digest; a broken directory raises FollowupError."""
    rules = followup.load_rules(RULES)
    assert followup.advise(PLAIN, rules=rules).rules_digest == rules.digest
    assert "status-due" in rules.rule_ids
    with pytest.raises(followup.FollowupError) as caught:
        followup.load_rules(str(tmp_path / "none"))
    assert caught.value.diagnostics


def test_explain_matches_the_cli():
    """explain(path).to_json() is explain --format json's document, with decision_id in the answer."""
    doc = followup.explain(EXAMPLE, rules=RULES, level="fired").to_json()
    assert doc["answer"].pop("decision_id")
    assert doc == cli_json("explain", EXAMPLE, "--level", "fired")


def test_answer_round_trips_through_json():
    """Answer.from_json(answer.to_json()) is the same answer, for an answer with disagreements."""
    answer = followup.advise(EXAMPLE, rules=RULES)
    assert answer.disagreements
    assert followup.Answer.from_json(answer.to_json()) == answer


def test_importing_followup_loads_nothing_else():
    """`import followup` imports only its version module, not typing, yaml, click or the library."""
    code = "import sys, followup; print(sorted(m for m in sys.modules if m.startswith(('followup.', 'yaml', 'click', 'typing'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60)
    assert out.stdout.strip() == "['followup.core', 'followup.core.version']"
