"""Every JSON output carries schema_version and matches the schema `followup schema KIND` prints
(validated with jsonschema, unknown keys refused)."""

from __future__ import annotations

import glob
import json
import os

import jsonschema
import pytest
from click.testing import CliRunner

from followup.cli import main

from .helpers import ROOT, RULES, SCENARIOS, copy_rules, edit_yaml

EXAMPLES = sorted(glob.glob(os.path.join(ROOT, "scenarios", "examples", "*.yaml")))


def run(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == code, result.output
    return result.stdout


def schema(kind: str) -> dict:
    doc = json.loads(run("schema", kind, "--rules", RULES))
    jsonschema.Draft202012Validator.check_schema(doc)
    return doc


def valid(kind: str, doc: object) -> None:
    jsonschema.Draft202012Validator(schema(kind)).validate(doc)
    assert isinstance(doc, dict) and next(iter(doc)) == "schema_version" and doc["schema_version"] == 1


@pytest.mark.parametrize("path", EXAMPLES, ids=os.path.basename)
def test_advise_explain_and_draft_json_match_their_schemas(path):
    """advise, explain and draft --format json of each example scenario validate."""
    valid("answer", json.loads(run("advise", path, "--rules", RULES, "--format", "json")))
    valid("explanation", json.loads(run("explain", path, "--rules", RULES, "--format", "json")))
    valid("draft", json.loads(run("draft", path, "--rules", RULES, "--format", "json")))


def test_batch_records_of_answers_and_errors_match_the_schema(tmp_path):
    """A batch run's answer and error records both validate against batch-record."""
    lines = tmp_path / "in.jsonl"
    good = {"id": "a", "as_of": "2026-11-20", "interview": {"date": "2026-11-05"}}
    lines.write_text(json.dumps(good) + "\n" + '{"interview": {"date": 5}}\n' + "{nope\n", encoding="utf-8")
    out = run("batch", str(lines), "--rules", RULES, "-q", "--workers", "1", code=1)
    records = [json.loads(line) for line in out.splitlines()]
    assert ["answer" in r for r in records] == [True, False, False]
    for record in records:
        valid("batch-record", record)


def test_replay_and_the_audit_record_carry_schema_version(tmp_path):
    """replay --format json validates; the audit record starts with schema_version."""
    record = tmp_path / "r.json"
    run("advise", EXAMPLES[0], "--rules", RULES, "--record", str(record))
    doc = json.loads(record.read_text(encoding="utf-8"))
    assert list(doc)[:2] == ["schema_version", "format"] and doc["schema_version"] == 1
    valid("replay", json.loads(run("replay", str(record), "--rules", RULES, "--format", "json")))


def test_lint_check_rules_and_diff_json_match_their_schemas(tmp_path):
    """lint (with a problem), check --coverage, rules and diff (with a change) validate."""
    rules = copy_rules(str(tmp_path))
    valid("lint", json.loads(run("lint", "--rules", RULES, "--format", "json")))
    valid("check", json.loads(run("check", SCENARIOS, "--rules", RULES, "--coverage", "--format", "json")))
    valid("rule-list", json.loads(run("rules", "--rules", RULES, "--format", "json")))
    edit_yaml(os.path.join(rules, "timing.yaml"), _later_status)
    doc = json.loads(run("diff", "--base", RULES, "--rules", rules, SCENARIOS, "--format", "json", code=1))
    assert doc["changed"]
    valid("diff", doc)


def _later_status(data: dict) -> None:
    for rule in data["rules"]:
        if rule["id"] == "status-due":
            rule["priority"] = rule.get("priority", 0) + 1
            rule["then"]["verdict"] = "no"
            rule["then"].pop("summary", None)
            rule.pop("summary", None)


def test_lint_problems_validate_as_diagnostics(tmp_path):
    """A lint run that finds problems gives diagnostics the schema accepts."""
    rules = copy_rules(str(tmp_path))
    with open(os.path.join(rules, "timing.yaml"), "a", encoding="utf-8") as fh:
        fh.write("\nbogus: 1\n")
    doc = json.loads(run("lint", "--rules", rules, "--format", "json", code=1))
    assert doc["errors"]
    valid("lint", doc)


def test_the_schemas_refuse_an_unknown_key():
    """An answer with a key its schema does not name is invalid: the schemas are exact."""
    doc = json.loads(run("advise", EXAMPLES[0], "--rules", RULES, "--format", "json"))
    doc["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema("answer"))
