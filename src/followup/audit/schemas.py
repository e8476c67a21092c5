"""JSON Schemas of what the advisor prints: the answer (advise, the HTTP API, the Python API's
Answer.to_json), a batch record, an explanation, a replay, a draft and a diagnostic. Written as
data from the same tables the answer is built from (the vocabulary's answer values), printed by
`followup schema answer|batch-record|...` and served at /api/schema/answer; the tests validate
real outputs against them. They describe schema_version SCHEMA_VERSION exactly (unknown keys are
refused), so a key added without its schema fails the tests."""

from __future__ import annotations

from typing import Any

from followup.core.model import RuleSet
from followup.core.schema_version import SCHEMA_VERSION

DRAFT_2020 = "https://json-schema.org/draft/2020-12/schema"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$"}
STR = {"type": "string"}
STRS = {"type": "array", "items": STR}
VERSION = {"const": SCHEMA_VERSION, "description": "see README: the version policy"}


def obj(required: dict[str, Any], optional: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """An object with these keys (all required, plus the optional ones), and no others."""
    props = {**required, **(optional or {})}
    return {
        "type": "object",
        "required": list(required),
        "properties": props,
        "additionalProperties": False,
        **extra,
    }


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _enum(ruleset: RuleSet, name: str) -> list[Any]:
    return list(ruleset.vocabulary.get(name, ()))


def diagnostic_schema() -> dict[str, Any]:
    """core.errors.Diagnostic.to_json: line/column null when the place is a JSON pointer."""
    return obj(
        {
            "path": STR,
            "line": nullable({"type": "integer", "minimum": 1}),
            "column": nullable({"type": "integer", "minimum": 1}),
            "level": {"enum": ["error", "warning"]},
            "code": {"type": "string", "pattern": r"^[a-z0-9-]+$"},
            "message": STR,
            "hint": nullable(STR),
        },
        {"pointer": {"type": "string", "description": "RFC 6901 JSON pointer to the value concerned"}},
    )


def draft_schema(ruleset: RuleSet) -> dict[str, Any]:
    return obj(
        {
            "contact": {"enum": _enum(ruleset, "answer.contact")},
            "channel": {"enum": _enum(ruleset, "answer.channel")},
            "subject": nullable(STR),
            "body": STR,
            "send_on": DATE,
            "missing": STRS,
        }
    )


def _side() -> dict[str, Any]:
    return obj({"side": STR, "position": STR, "claims": STRS})


def conflict_schema() -> dict[str, Any]:
    return obj(
        {
            "conflict": STR,
            "question": STR,
            "part": STR,
            "took": _side(),
            "other_sides": {"type": "array", "items": _side()},
            "decided_by": STR,
            "side_from": nullable(STR),
        }
    )


def answer_fields(ruleset: RuleSet) -> dict[str, Any]:
    """The answer's keys as audit.answer.answer_json builds them, in order."""
    return {
        "action": {"enum": _enum(ruleset, "answer.action")},
        "verdict": {"enum": _enum(ruleset, "answer.verdict")},
        "contact": nullable({"enum": _enum(ruleset, "answer.contact")}),
        "earliest": nullable(DATE),
        "latest": nullable(DATE),
        "window_note": nullable(STR),
        "channel": nullable({"enum": _enum(ruleset, "answer.channel")}),
        "summary": STR,
        "reasons": {"type": "array", "items": obj({"rule": STR, "says": STR, "sources": STRS})},
        "conflicts": {"type": "array", "items": conflict_schema()},
        "advice": STRS,
        "rules_digest": STR,
        "as_of": DATE,
        "fired": STRS,
        "draft": nullable(draft_schema(ruleset)),
    }


DECISION_ID = {
    "type": "string",
    "pattern": "^[0-9a-f]{32}$",
    "description": "a hash of the scenario as given, the effective as_of and the rules digest: "
    "the same question to the same rules has the same id (log it with the answer to replay it)",
}


def answer_object(ruleset: RuleSet) -> dict[str, Any]:
    """An answer nested in another document (batch record, explanation, audit record)."""
    return obj(answer_fields(ruleset), {"decision_id": DECISION_ID})


def answer_schema(ruleset: RuleSet) -> dict[str, Any]:
    """What `advise --format json` prints and POST /api/advise returns (with decision_id)."""
    doc = obj({"schema_version": VERSION, **answer_fields(ruleset)}, {"decision_id": DECISION_ID})
    return {"$schema": DRAFT_2020, "title": "followup answer", **doc}


def batch_record_schema(ruleset: RuleSet) -> dict[str, Any]:
    """One line of `followup batch` output (and of POST /api/batch)."""
    head = {
        "schema_version": VERSION,
        "line": {"type": "integer", "minimum": 1},
        "id": nullable({"type": ["string", "integer"]}),
    }
    error = obj(
        {
            "code": STR,
            "message": STR,
            "diagnostics": {"type": "array", "minItems": 1, "items": diagnostic_schema()},
        }
    )
    return {
        "$schema": DRAFT_2020,
        "title": "followup batch record",
        "oneOf": [obj({**head, "answer": answer_object(ruleset)}), obj({**head, "error": error})],
    }


def explanation_schema(ruleset: RuleSet) -> dict[str, Any]:
    """`explain --format json` and POST /api/explain. Trace events are objects keyed by `event`
    (README: Auditing an answer); the lineage is a graph of nodes and edges."""
    event = {
        "type": "object",
        "required": ["event"],
        "properties": {
            "event": {"enum": ["fact", "fire", "not_fired", "outcome", "answer", "conflict", "change"]}
        },
    }
    lineage = obj(
        {
            "nodes": {"type": "array", "items": {"type": "object", "required": ["id", "kind"]}},
            "edges": {"type": "array", "items": obj({"from": STR, "to": STR})},
        }
    )
    doc = obj(
        {
            "schema_version": VERSION,
            "answer": answer_object(ruleset),
            "level": {"enum": ["answer", "fired", "full"]},
            "trace": {"type": "array", "items": event},
            "lineage": lineage,
        }
    )
    return {"$schema": DRAFT_2020, "title": "followup explanation", **doc}


def replay_schema() -> dict[str, Any]:
    doc = obj(
        {
            "schema_version": VERSION,
            "same": {"type": "boolean"},
            "differences": {"type": "array", "items": obj({"key": STR, "recorded": {}, "now": {}})},
            "recorded_digest": STR,
            "current_digest": STR,
            "rules_changed": STRS,
            "rules_added": STRS,
            "rules_removed": STRS,
        }
    )
    return {"$schema": DRAFT_2020, "title": "followup replay", **doc}


def draft_output_schema(ruleset: RuleSet) -> dict[str, Any]:
    """`followup draft --format json`."""
    doc = obj({"schema_version": VERSION, "draft": nullable(draft_schema(ruleset))})
    return {"$schema": DRAFT_2020, "title": "followup draft", **doc}


def error_schema() -> dict[str, Any]:
    """The HTTP API's body for bad input (400/413/422...): the first problem and all of them."""
    doc = obj(
        {
            "schema_version": VERSION,
            "error": obj(
                {"code": STR, "message": STR, "diagnostics": {"type": "array", "items": diagnostic_schema()}}
            ),
        }
    )
    return {"$schema": DRAFT_2020, "title": "followup error", **doc}
