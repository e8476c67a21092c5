"""Fixture expectations of the wrong type are located wrong-type errors from load_cases (exit 2)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from followup.authoring.fixtures import EXPECT_KEYS
from followup.cli import main

from ..helpers import RULES

CASE = """cases:
  - name: c
    scenario:
      as_of: 2026-11-10
      interview: {date: 2026-11-02}
    expect:
      %s
"""

WRONG = [
    ("fired: 3", 7, 14, "expectation 'fired' must be a list of rule ids"),
    ("advice: {a: 1}", 7, 15, "expectation 'advice' must be a list of text"),
    (
        'errors: "x"',
        7,
        15,
        "expectation 'errors' must be a list of error codes or of {code, line, column, message, hint, path, level}",
    ),
    ("earliest: [1]", 7, 17, "expectation 'earliest' must be a date YYYY-MM-DD or null"),
    (
        "conflicts: 5",
        7,
        18,
        "expectation 'conflicts' must be a list of conflict ids (conflict or conflict:side)",
    ),
    ("action: [wait]", 7, 15, "expectation 'action' must be text"),
    ("window_note: [a]", 7, 20, "expectation 'window_note' must be text or null"),
    ("verdict: 1", 7, 16, "expectation 'verdict' must be text"),
    ("summary: {a: b}", 7, 16, "expectation 'summary' must be text"),
    ("rules_digest: 3", 7, 21, "expectation 'rules_digest' must be text"),
    ("channel: [email]", 7, 16, "expectation 'channel' must be a channel name or null"),
    ("contact: two", 7, 16, "expectation 'contact' must be a whole number or null"),
    ("contact: true", 7, 16, "expectation 'contact' must be a whole number or null"),
    ("latest: 2026-02-30x", 7, 15, "expectation 'latest' must be a date YYYY-MM-DD or null"),
    ("reasons: [status-due, 1]", 7, 29, "expectation 'reasons' must be a list of rule ids"),
    ("not_fired: status-due", 7, 18, "expectation 'not_fired' must be a list of rule ids"),
    ("errors: [{code: x, line: '3'}]", 7, 32, "line of an expected error must be a whole number"),
    (
        "errors: [[x]]",
        7,
        16,
        "expectation 'errors' must be a list of error codes or of {code, line, column, message, hint, path, level}",
    ),
    (
        "draft: [x]",
        7,
        14,
        "expectation 'draft' must be null or {subject: text, body_has: [text], missing: [scenario field]}",
    ),
    ("draft: {subject: 3}", 7, 24, "subject of an expected draft must be text or null"),
    ("draft: {body_has: x}", 7, 25, "body_has of an expected draft must be a list of text"),
    ("draft: {missing: [1]}", 7, 24, "missing of an expected draft must be a list of text"),
]


def _check(tmp_path, expect: str):
    path = tmp_path / "fx.yaml"
    path.write_text(CASE % expect, encoding="utf-8")
    return str(path), CliRunner().invoke(main, ["check", str(path), "--rules", RULES])


def test_every_expectation_key_has_a_wrong_type_case():
    """The table below covers every key an expectation can have."""
    assert {w[0].split(":")[0] for w in WRONG} == set(EXPECT_KEYS)


@pytest.mark.parametrize(("expect", "line", "column", "message"), WRONG, ids=[w[0] for w in WRONG])
def test_wrong_type_expectation_is_a_located_error(tmp_path, expect, line, column, message):
    """`followup check` on a fixture whose expectation has the wrong type: one located wrong-type, exit 2."""
    path, result = _check(tmp_path, expect)
    assert result.exit_code == 2, result.output
    assert result.stderr == f"{path}:{line}:{column}: error: wrong-type: {message}\n"


@pytest.mark.parametrize(
    "expect",
    [
        "earliest: 2026-11-09",
        "earliest: '2026-11-09'",
        "channel: null",
        "contact: 2",
        "errors: [yaml-syntax, {code: bad-date, line: 3}]",
        "fired: []",
        "draft: null",
        "draft: {subject: null, body_has: [x], missing: []}",
    ],
)
def test_expectations_of_the_right_type_are_accepted(tmp_path, expect):
    """Right types load and run (pass or fail on their values, never exit 2)."""
    _, result = _check(tmp_path, expect)
    assert result.exit_code in (0, 1), result.output


def test_golden_must_be_true_false_or_draft(tmp_path):
    """golden: "no" would be truthy: refused as wrong-type."""
    path = tmp_path / "fx.yaml"
    path.write_text(
        (CASE % "action: wait").replace("  - name: c\n", "  - name: c\n    golden: 'no'\n"), encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["check", str(path), "--rules", RULES])
    assert result.exit_code == 2
    assert result.stderr == f"{path}:3:13: error: wrong-type: golden must be true, false or draft\n"


def test_an_unknown_field_of_an_expected_draft_is_located(tmp_path):
    """draft: {body: ...} is not a field the runner compares: unknown-key with a suggestion, exit 2."""
    path, result = _check(tmp_path, "draft: {body_had: [x]}")
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:7:15: error: unknown-key: unknown field 'body_had' of an expected draft (did you mean 'body_has'?)\n"
    )
