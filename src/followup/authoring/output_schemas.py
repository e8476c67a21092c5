"""JSON Schemas of the rule maintainers' JSON outputs: `lint`, `check`, `rules` and `diff` with
`--format json`. With audit.schemas, `followup schema KIND` prints them and the tests validate real
outputs against them."""

from __future__ import annotations

from typing import Any

from followup.audit.schemas import DRAFT_2020, STR, STRS, VERSION, diagnostic_schema, nullable, obj

COUNT = {"type": "integer", "minimum": 0}


def _doc(title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_2020, "title": title, **body}


def lint_schema() -> dict[str, Any]:
    problems = {"type": "array", "items": diagnostic_schema()}
    return _doc(
        "followup lint",
        obj({"schema_version": VERSION, "problems": problems, "errors": COUNT, "warnings": COUNT}),
    )


def check_schema() -> dict[str, Any]:
    case = obj(
        {
            "case": STR,
            "passed": {"type": "boolean"},
            "mismatches": {"type": "array", "items": obj({"key": STR, "expected": {}, "actual": {}})},
        }
    )
    coverage = obj(
        {
            "fired_by": {"type": "object", "additionalProperties": COUNT},
            "never_fired": STRS,
            "unchecked_expectations": STRS,
        }
    )
    body = obj(
        {
            "schema_version": VERSION,
            "cases": {"type": "array", "items": case},
            "passed": COUNT,
            "failed": COUNT,
        },
        {"coverage": coverage},
    )
    return _doc("followup check", body)


def rule_list_schema() -> dict[str, Any]:
    rule = obj(
        {
            "id": STR,
            "file": STR,
            "line": {"type": "integer", "minimum": 1},
            "priority": {"type": "integer"},
            "overrides": STRS,
            "sources": STRS,
        }
    )
    body = obj({"schema_version": VERSION, "rules": {"type": "array", "items": rule}}, {"rules_digest": STR})
    return _doc("followup rules", body)


def diff_schema() -> dict[str, Any]:
    change = obj(
        {
            "case": STR,
            "old": {"type": "object"},
            "new": {"type": "object"},
            "fired_only_old": STRS,
            "fired_only_new": STRS,
            "old_error": nullable(STR),
            "new_error": nullable(STR),
        }
    )
    body = obj(
        {
            "schema_version": VERSION,
            "changed": {"type": "array", "items": change},
            "changed_count": COUNT,
            "unchanged_count": COUNT,
        }
    )
    return _doc("followup diff", body)
