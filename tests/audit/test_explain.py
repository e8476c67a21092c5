"""`followup explain`, audit records and `followup replay`."""

from __future__ import annotations

import json
import os

from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES, copy_rules, edit_yaml

EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")
STATUS = os.path.join(ROOT, "scenarios", "examples", "first-status-follow-up.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def explain_json(path: str, *extra: str) -> dict:
    result = run("explain", path, "--rules", RULES, "--format", "json", *extra)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_lineage_text_names_matched_values_sources_and_consumers():
    """Each fired rule shows the facts it matched with values, what it asserted and who used it."""
    text = run("explain", EXAMPLE, "--rules", RULES).output
    assert "days_since_interview = 15   (as_of - interview_date = 2026-11-20 - 2026-11-05 = 15)" in text
    assert (
        "matched: next_contact = final (from next-final); context = proactive (from context-proactive)"
        in text
    )
    assert "asserted: context = proactive -> used by final-allowed-proactive" in text
    assert "sources: 004-06, 004-05 (Should You Follow Up After a Job Interview?)" in text
    assert (
        "matched: final_follow_up = allowed (from final-invited-by-timeline); "
        "days_since_interview = 15 >= 14; days_since_last_follow_up = 8 >= 7" in text
    )


def test_why_not_names_the_failing_test_with_both_values():
    """A rule that did not fire shows its first failing test with the actual and needed values."""
    text = run("explain", EXAMPLE, "--rules", RULES).output
    assert "  - decision-date-hold-final: days_until_decision_by = -1, needed >= 0" in text
    assert "  - final-not-in-neutral: context = proactive, needed neutral" in text
    assert "status-due:" not in text.split("RULES THAT DID NOT FIRE")[1]  # another contact's rule


def test_rules_that_lost_say_to_whom_and_by_what_precedence():
    """A fired rule that lost names the winner and the declared precedence."""
    text = run("explain", EXAMPLE, "--rules", RULES).output
    assert "outcome: its action lost to contact-after-hold-final (priority 50 > 22)" in text
    doc = explain_json(STATUS, "--as-of", "2026-11-25")  # reserved window passed: status due
    outcomes = {e["rule"]: e for e in doc["trace"] if e["event"] == "outcome"}
    assert outcomes["status-due"]["status"] == "decided"


def test_overridden_rule_names_the_override(tmp_path):
    """An override is reported with the overriding rule and its declaration."""
    path = tmp_path / "s.yaml"
    path.write_text(
        "as_of: 2026-11-09\ninterview: {date: 2026-11-05}\ntimeline: {decision_by: 2026-11-08}\n"
        "history: [{kind: thank_you, date: 2026-11-05}]\n"
    )
    doc = explain_json(str(path))
    assert doc["answer"]["action"] == "send_follow_up"
    [over] = [e for e in doc["trace"] if e["event"] == "outcome" and e["status"] == "overridden"]
    assert over == {
        "event": "outcome",
        "rule": "status-too-early",
        "status": "overridden",
        "by": "decision-date-passed",
        "precedence": "decision-date-passed declares overrides: [status-too-early]",
    }
    text = run("explain", str(path), "--rules", RULES).output
    assert (
        "outcome: overridden by decision-date-passed (decision-date-passed declares overrides: "
        "[status-too-early])" in text
    )


def test_what_would_change_is_found_by_evaluating():
    """The reported first 'yes' day really is the first: the day before is not yes."""
    doc = explain_json(EXAMPLE)
    [dated] = [e for e in doc["trace"] if e["event"] == "change" and e["kind"] == "date"]
    assert dated["date"] == "2026-11-26"
    before = json.loads(
        run("advise", EXAMPLE, "--rules", RULES, "--format", "json", "--as-of", "2026-11-25").output
    )
    on = json.loads(
        run("advise", EXAMPLE, "--rules", RULES, "--format", "json", "--as-of", "2026-11-26").output
    )
    assert (before["verdict"], on["verdict"]) == ("not_yet", "yes")
    inputs = [e for e in doc["trace"] if e["event"] == "change" and e["kind"] == "input"]
    assert {"input": "timeline.follow_up_after", "verdict": "yes"}.items() <= inputs[-1].items()


def test_levels_are_filters_over_one_trace():
    """answer is a subset of fired, which is a subset of full; all carry the same answer."""
    docs = {lv: explain_json(EXAMPLE, "--level", lv) for lv in ("answer", "fired", "full")}
    keys = {lv: [json.dumps(e, sort_keys=True) for e in d["trace"]] for lv, d in docs.items()}
    assert set(keys["answer"]) < set(keys["fired"]) < set(keys["full"])
    assert {e["event"] for e in docs["answer"]["trace"]} == {"answer", "conflict", "change"}
    assert docs["answer"]["answer"] == docs["full"]["answer"]
    text = run("explain", EXAMPLE, "--rules", RULES, "--level", "answer").output
    assert "RULES THAT FIRED" not in text and "WHAT WOULD CHANGE IT" in text


def test_json_and_text_agree():
    """The fired rules, in order, and the answer are the same in both formats."""
    doc = explain_json(EXAMPLE)
    text = run("explain", EXAMPLE, "--rules", RULES).output
    fired = [e["rule"] for e in doc["trace"] if e["event"] == "fire" and not e["repeat"]]
    listed = [
        line.split(". ", 1)[1].split(":")[0]
        for line in text.splitlines()
        if line[:5].strip().rstrip(".").isdigit() and "(again" not in line
    ]
    assert fired == listed
    assert doc["answer"]["summary"] in text


def test_lineage_graph_connects_inputs_to_every_answer_part():
    """Every answer part is reachable from scenario facts through rules in the lineage graph."""
    graph = explain_json(EXAMPLE)["lineage"]
    parents: dict[str, set[str]] = {}
    for edge in graph["edges"]:
        parents.setdefault(edge["to"], set()).add(edge["from"])

    def reaches_fact(node: str, seen: set[str]) -> bool:
        if node.startswith("fact:"):
            return True
        return any(reaches_fact(p, seen | {node}) for p in parents.get(node, ()) if p not in seen)

    answers = [n["id"] for n in graph["nodes"] if n["kind"] == "answer"]
    assert {"answer:action", "answer:verdict", "answer:contact", "answer:channel"} <= set(answers)
    assert all(reaches_fact(a, set()) for a in answers)


def test_record_and_replay_same_answer(tmp_path):
    """A record replays to the same answer with exit 0."""
    record = tmp_path / "audit.json"
    assert run("advise", EXAMPLE, "--rules", RULES, "--record", str(record)).exit_code == 0
    doc = json.loads(record.read_text())
    assert {"scenario", "as_of", "rules_digest", "versions", "answer", "trace"} <= set(doc)
    assert set(doc["versions"]) == {"followup-advisor", "durable-rules"}
    result = run("replay", str(record), "--rules", RULES)
    assert result.exit_code == 0 and result.output.startswith("SAME")


def test_replay_with_changed_rules_names_the_changed_rule(tmp_path):
    """Replaying under an edited rule set shows the differences and the changed rule by id."""
    record = tmp_path / "audit.json"
    run("advise", EXAMPLE, "--rules", RULES, "--record", str(record))
    rules = copy_rules(str(tmp_path))

    def widen(data):
        for rule in data["rules"]:
            if rule["id"] == "contact-after-hold-final":
                rule["then"]["window_note"] = "An edited note."

    edit_yaml(os.path.join(rules, "timeline.yaml"), widen)
    result = run("replay", str(record), "--rules", rules)
    assert result.exit_code == 1
    assert "DIFFERENT" in result.output and "  changed: contact-after-hold-final" in result.output
    data = json.loads(run("replay", str(record), "--rules", rules, "--format", "json").output)
    assert data["rules_changed"] == ["contact-after-hold-final"] and not data["same"]


def test_record_to_unwritable_place_leaves_nothing(tmp_path):
    """A record that cannot be written is exit 2 with a message, and no partial file appears."""
    target = tmp_path / "missing-dir" / "audit.json"
    result = run("advise", EXAMPLE, "--rules", RULES, "--record", str(target))
    assert result.exit_code == 2 and "cannot-write" in result.output
    assert not target.exists()


def test_replay_refuses_what_is_not_a_record(tmp_path):
    """A file that is not an audit record is a located error with exit 2."""
    bogus = tmp_path / "x.json"
    bogus.write_text(
        '{"format": "something-else", "scenario": {}, "as_of": "2026-11-20", '
        '"rules_digest": "x", "rules": {}, "answer": {}}'
    )
    result = run("replay", str(bogus), "--rules", RULES)
    assert result.exit_code == 2
    assert f"{bogus}:1:12: error: unknown-value: not a followup-audit/1 record" in result.output


def test_cli_levels_are_the_explain_levels():
    """The --level choices are exactly the filters explain defines."""
    from followup.audit.trace import LEVEL_EVENTS
    from followup.cli import LEVELS

    assert tuple(LEVEL_EVENTS) == LEVELS
