"""The drafted message: in every answer that sends something, the same in every output, filled
from the scenario's wording-only fields, never a fact for the rules."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil

import pytest
from click.testing import CliRunner

from followup.audit.answer import answer_json, draft_for
from followup.cli import main
from followup.core.advisor import load_advisor
from followup.core.facts import compute
from followup.core.loader import from_plain
from followup.messages.draft import day_in_words, send_day, span_in_words

from ..helpers import RULES, copy_rules

SCENARIO = """as_of: 2026-11-09
id: acme-42
candidate: {name: Sam Poe}
company: {name: Acme Robotics}
interview:
  date: 2026-11-02
  interviewer: Dana Lee
  topics: [the data platform migration]
position: {title: Head of Data}
history:
  - {kind: thank_you, date: 2026-11-02, channel: email}
"""
STATUS_EMAIL = """Subject: Following up: Head of Data interview

Dear Dana Lee,

Thank you for our conversation on Monday 2 November about the Head of Data role. I know this is a busy time, so I will keep this short: it has been a week since then, and I am still very interested in joining Acme Robotics. Our discussion of the data platform migration in particular has stayed with me.

Is there any news on where the process stands, or on when I might hear from you?

Thank you for your time.

Best regards,
Sam Poe
"""
MOVE_ON = """as_of: 2026-11-30
interview: {date: 2026-11-02}
history:
  - {kind: thank_you, date: 2026-11-02}
  - {kind: follow_up, date: 2026-11-09}
  - {kind: follow_up, date: 2026-11-16}
"""


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture
def scenario(tmp_path):
    path = tmp_path / "acme.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return str(path)


def test_json_answer_ends_with_the_draft_and_its_six_keys(scenario):
    """advise --format json: the Recommendation's keys in their order, then draft {contact, channel, subject, body, send_on, missing}."""
    answer = json.loads(run("advise", scenario, "--rules", RULES, "--format", "json").stdout)
    assert list(answer)[-2:] == ["fired", "draft"]
    assert list(answer["draft"]) == ["contact", "channel", "subject", "body", "send_on", "missing"]
    assert answer["draft"]["subject"] + "\n" == STATUS_EMAIL.splitlines()[0].removeprefix("Subject: ") + "\n"
    assert answer["draft"]["send_on"] == "2026-11-09" and answer["draft"]["missing"] == []


def test_draft_command_prints_only_the_message(scenario):
    """followup draft: stdout is exactly the message to paste; the notes go to stderr."""
    result = run("draft", scenario, "--rules", RULES)
    assert result.exit_code == 0
    assert result.stdout == STATUS_EMAIL
    assert result.stderr == "(status follow-up by email, to send on Mon 2026-11-09; template status-email)\n"


def test_draft_command_names_the_gaps_on_stderr(tmp_path):
    """A scenario without names: the prompts stay in the message, stderr lists the fields to fill in."""
    path = tmp_path / "bare.yaml"
    path.write_text("as_of: 2026-11-09\ninterview: {date: 2026-11-02}\n", encoding="utf-8")
    result = run("draft", str(path), "--rules", RULES)
    assert result.stdout.startswith(
        "Subject: Following up: [role title] interview\n\nDear [the interviewer's name],\n"
    )
    assert result.stderr.splitlines()[-1] == (
        "Fill in before sending: position.title, interview.interviewer, company.name, interview.topics, "
        "candidate.name (the [bracketed] parts)"
    )


def test_nothing_to_send_means_no_draft_anywhere(tmp_path):
    """move_on: draft is null in JSON, no Draft section in text, and `draft` prints nothing and says why."""
    path = tmp_path / "done.yaml"
    path.write_text(MOVE_ON, encoding="utf-8")
    assert json.loads(run("advise", str(path), "--rules", RULES, "--format", "json").stdout)["draft"] is None
    assert "Draft (" not in run("advise", str(path), "--rules", RULES).stdout
    result = run("draft", str(path), "--rules", RULES)
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.startswith("No message to draft: No: ")
    assert json.loads(run("draft", str(path), "--rules", RULES, "--format", "json").stdout) == {
        "schema_version": 1,
        "draft": None,
    }


def test_text_answer_shows_the_draft_under_its_heading(scenario):
    """The text answer ends with the Draft section (the message indented) before the rules digest."""
    out = run("advise", scenario, "--rules", RULES).stdout
    block = out.split("\nDraft (", 1)[1].split("\n\nRules digest:", 1)[0]
    head, message = block.split("\n", 1)
    assert head == "status follow-up by email, to send on Mon 2026-11-09; template status-email):"
    assert message == "\n".join(f"  {line}".rstrip() for line in STATUS_EMAIL.splitlines())


def test_every_output_carries_the_same_draft(scenario, tmp_path):
    """advise, explain (answer and its answer event), the audit record and batch give one draft."""
    advise = json.loads(run("advise", scenario, "--rules", RULES, "--format", "json").stdout)
    explained = json.loads(run("explain", scenario, "--rules", RULES, "--format", "json").stdout)
    event = next(e for e in explained["trace"] if e["event"] == "answer")
    record = tmp_path / "r.json"
    assert run("advise", scenario, "--rules", RULES, "--record", str(record)).exit_code == 0
    recorded = json.loads(record.read_text(encoding="utf-8"))
    lines = tmp_path / "in.jsonl"
    lines.write_text(json.dumps(_plain(scenario)) + "\n", encoding="utf-8")
    batch = run("batch", str(lines), "--rules", RULES, "-q", "--workers", "1")
    assert batch.exit_code == 0, batch.output
    batched = json.loads(batch.stdout.splitlines()[0])["answer"]
    assert advise.pop("schema_version") == 1
    assert advise == explained["answer"] == recorded["answer"] == batched
    assert event["draft"] == advise["draft"] is not None


def _plain(path: str) -> dict:
    """A scenario file as one JSON object (dates as ISO text), for a batch line."""
    import yaml

    with open(path, encoding="utf-8") as fh:
        return json.loads(json.dumps(yaml.safe_load(fh), default=str))


def test_replay_compares_the_draft_when_the_record_has_one(scenario, tmp_path):
    """An edited template makes replay DIFFERENT on draft; a record made before drafts replays SAME."""
    record = tmp_path / "r.json"
    run("advise", scenario, "--rules", RULES, "--record", str(record))
    assert run("replay", str(record), "--rules", RULES).exit_code == 0
    rules = copy_rules(str(tmp_path))
    path = os.path.join(rules, "messages.yaml")
    text = open(path, encoding="utf-8").read().replace("Is there any news", "Is there news")
    open(path, "w", encoding="utf-8").write(text)
    result = run("replay", str(record), "--rules", rules)
    assert result.exit_code == 1 and "  draft:\n" in result.stdout
    doc = json.loads(record.read_text(encoding="utf-8"))
    del doc["answer"]["draft"]
    record.write_text(json.dumps(doc), encoding="utf-8")
    assert run("replay", str(record), "--rules", rules).exit_code == 0


def test_wording_fields_never_reach_the_rules():
    """candidate.name and interview.topics change the draft only: facts hold no topics, the answer is unchanged."""
    advisor = load_advisor(RULES)
    plain = {"as_of": "2026-11-09", "interview": {"date": "2026-11-02"}}
    bare = advisor.scenario(from_plain("x", plain))
    dressed = advisor.scenario(
        from_plain(
            "x", {**plain, "candidate": {"name": "x"}, "interview": {"date": "2026-11-02", "topics": ["y"]}}
        )
    )
    facts, _ = compute(dressed, dressed.as_of)
    assert "interview.topics" not in facts and dressed.topics == ("y",)
    assert advisor.evaluate(bare).to_json() == advisor.evaluate(dressed).to_json()


def test_the_answer_given_when_no_rule_matched_has_no_draft():
    """The rules' default answer (not_yet, no deciding rule) sends nothing: no draft."""
    advisor = load_advisor(RULES)
    scenario = advisor.scenario(from_plain("x", {"as_of": "2026-11-09", "interview": {"date": "2026-11-02"}}))
    rec = advisor.evaluate(scenario)
    unmatched = dataclasses.replace(rec, decided_by={}, verdict="not_yet", action="wait")
    assert send_day(unmatched) is None and draft_for(unmatched, scenario, advisor.ruleset) is None
    assert answer_json(unmatched, None)["draft"] is None


def test_a_broken_messages_file_is_a_located_error(tmp_path, scenario):
    """advise with a templates file that names an unknown placeholder: exit 2, file:line:col, no traceback."""
    rules = copy_rules(str(tmp_path))
    path = os.path.join(rules, "messages.yaml")
    text = open(path, encoding="utf-8").read().replace("{time_since_interview}", "{time_since}", 1)
    open(path, "w", encoding="utf-8").write(text)
    line = next(i for i, row in enumerate(text.splitlines(), 1) if "{time_since}" in row)
    result = run("advise", scenario, "--rules", rules)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"{path}:")
    assert (
        ": error: unknown-placeholder: {time_since} is not a message placeholder (did you mean 'time_since_interview'?)"
        in result.stderr
    )
    assert int(result.stderr.split(":")[1]) <= line


def test_a_rules_directory_without_templates_uses_the_stock_ones(tmp_path, scenario):
    """An older house copy with no messages.yaml still drafts, from the stock templates."""
    rules = copy_rules(str(tmp_path))
    os.remove(os.path.join(rules, "messages.yaml"))
    assert run("draft", scenario, "--rules", rules).stdout == STATUS_EMAIL
    assert run("lint", "--rules", rules, "--strict").exit_code == 0


def test_the_rule_loader_does_not_read_messages_yaml(tmp_path):
    """messages.yaml is not a rules file: the rules load (and lint reports the templates' own problem)."""
    rules = copy_rules(str(tmp_path))
    shutil.copy(os.path.join(RULES, "vocabulary.yaml"), os.path.join(rules, "messages.yaml"))
    from followup.core.rules import load_rules

    assert load_rules(rules).rules
    result = run("lint", "--rules", rules, "--format", "json")
    codes = {p["code"] for p in json.loads(result.stdout)["problems"]}
    assert codes == {"unknown-key", "missing-key"}


@pytest.mark.parametrize(
    ("days", "words"),
    [
        (1, "a day"),
        (6, "six days"),
        (7, "a week"),
        (10, "10 days"),
        (14, "two weeks"),
        (15, "15 days"),
        (77, "11 weeks"),
    ],
)
def test_time_in_words(days, words):
    """Spans read as a person would write them."""
    assert span_in_words(days) == words


def test_days_in_words_do_not_depend_on_the_locale():
    """English day and month names whatever LC_TIME says."""
    assert day_in_words(dt.date(2026, 11, 5)) == "Thursday 5 November"


def test_template_ids_follow_the_rule_id_pattern():
    """messages.templates keeps its own copy of the rule id pattern (to load without the rule reader): the same one."""
    from followup.core import rule_reader
    from followup.messages import templates

    assert templates.ID_PATTERN.pattern == rule_reader.ID_PATTERN.pattern
