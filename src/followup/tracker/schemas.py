"""JSON Schemas of the tracker's JSON: `track list`, `track today` and `track show` with
`--format json` (printed by `followup schema track-list|track-today|track-show`; the tests
validate real outputs against them). Each application's answer is the one `advise` prints (less
its schema_version), described by audit.schemas."""

from __future__ import annotations

from typing import Any

from followup.audit.schemas import (
    DATE,
    DRAFT_2020,
    STR,
    VERSION,
    answer_object,
    diagnostic_schema,
    nullable,
    obj,
)
from followup.core.model import RuleSet

from .answers import STATUSES

ID = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"}
SCENARIO = {
    "type": "object",
    "description": "the application's scenario as `track export` writes it (see `followup schema scenario`)",
}


def application_schema(ruleset: RuleSet) -> dict[str, Any]:
    """One application in a list: who, its status, and its answer or why there is none."""
    error = obj({"code": STR, "message": STR, "diagnostics": {"type": "array", "items": diagnostic_schema()}})
    return obj(
        {
            "id": ID,
            "company": nullable(STR),
            "role": nullable(STR),
            "archived": {"type": "boolean"},
            "status": {"enum": list(STATUSES)},
            "send_on": nullable(DATE),
            "answer": nullable(answer_object(ruleset)),
            "error": nullable(error),
        }
    )


def _doc(title: str, body: dict[str, Any]) -> dict[str, Any]:
    return {"$schema": DRAFT_2020, "title": title, **body}


def list_schema(ruleset: RuleSet) -> dict[str, Any]:
    rows = {"type": "array", "items": application_schema(ruleset)}
    return _doc("followup track list", obj({"schema_version": VERSION, "as_of": DATE, "applications": rows}))


def today_schema(ruleset: RuleSet) -> dict[str, Any]:
    rows = {"type": "array", "items": application_schema(ruleset)}
    body = {
        "schema_version": VERSION,
        "as_of": DATE,
        "until": DATE,
        "due": rows,
        "this_week": rows,
        "errors": rows,
    }
    return _doc("followup track today", obj(body))


def show_schema(ruleset: RuleSet) -> dict[str, Any]:
    body = {
        "schema_version": VERSION,
        "id": ID,
        "archived": {"type": "boolean"},
        "scenario": SCENARIO,
        "answer": answer_object(ruleset),
    }
    return _doc("followup track show", obj(body))
