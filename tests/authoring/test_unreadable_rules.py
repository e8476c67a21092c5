"""A rules file that cannot be read is the one problem reported, not the rules that name what it held."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from followup.cli import main

from ..helpers import RULES, copy_rules, edit_yaml

RULE_FILES = sorted(n for n in os.listdir(RULES) if n.endswith(".yaml"))
EXAMPLE = os.path.join(os.path.dirname(RULES), "scenarios", "examples", "second-follow-up.yaml")


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _break(rules: str, name: str) -> str:
    """Append an unclosed flow list; returns the diagnostic the file must give (at the end of
    the input, the line after the one appended)."""
    path = os.path.join(rules, name)
    with open(path, encoding="utf-8") as fh:
        line = len(fh.readlines()) + 2
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("oops: [\n")
    return (
        f"{path}:{line}:1: error: yaml-syntax: did not find expected node content while parsing a flow node"
    )


@pytest.mark.parametrize("name", RULE_FILES)
def test_one_syntax_error_is_the_only_problem_lint_reports(tmp_path, name):
    """Any one rules file with a YAML syntax error: lint lists exactly that error, no follow-on unknown-rule/fact."""
    rules = copy_rules(str(tmp_path))
    want = _break(rules, name)
    result = run("lint", "--rules", rules)
    assert result.exit_code == 1
    assert result.stdout == want + "\n"


@pytest.mark.parametrize("name", ["timing.yaml", "vocabulary.yaml"])
def test_advise_with_an_unreadable_rules_file_shows_the_syntax_error_alone(tmp_path, name):
    """Loading the rules to advise reports just the unreadable file, exit 2."""
    rules = copy_rules(str(tmp_path))
    want = _break(rules, name)
    result = run("advise", EXAMPLE, "--rules", rules)
    assert result.exit_code == 2
    assert result.stderr == want + "\n"


def test_problems_that_stand_alone_are_still_reported_beside_the_syntax_error(tmp_path):
    """A misspelt key in channel.yaml is reported together with timing.yaml's syntax error."""
    rules = copy_rules(str(tmp_path))

    def misspell(data):
        data["rules"][0]["sorces"] = data["rules"][0].pop("sources")

    edit_yaml(os.path.join(rules, "channel.yaml"), misspell)
    _break(rules, "timing.yaml")
    result = run("lint", "--rules", rules, "--format", "json")
    codes = [(os.path.basename(p["path"]), p["code"]) for p in json.loads(result.stdout)["problems"]]
    assert codes == [
        ("channel.yaml", "missing-key"),
        ("channel.yaml", "unknown-key"),
        ("timing.yaml", "yaml-syntax"),
    ]


def test_a_rule_with_a_mistake_is_still_known_to_the_rules_that_override_it(tmp_path):
    """status-too-early without `says`: one missing-key error, not unknown-rule in every rule overriding it."""
    rules = copy_rules(str(tmp_path))

    def no_says(data):
        for rule in data["rules"]:
            if rule["id"] == "status-too-early":
                del rule["says"]

    edit_yaml(os.path.join(rules, "timing.yaml"), no_says)
    result = run("lint", "--rules", rules, "--format", "json")
    problems = json.loads(result.stdout)["problems"]
    assert [(os.path.basename(p["path"]), p["code"], p["message"]) for p in problems] == [
        ("timing.yaml", "missing-key", "a rule needs 'says'")
    ]
