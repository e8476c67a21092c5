"""JSON Schemas for the two YAML formats, generated from the same tables the loaders use (the
scenario SHAPE, the FACTS table, the vocabulary, the claims, the message placeholders), so editors
and loaders agree.

One module of some 350 lines on purpose: the rules schema and the scenario schema are built from
the same helpers and must change together with the loaders' tables."""

from __future__ import annotations

from typing import Any

from followup.core.conditions import OPERATORS
from followup.core.facts import ENUM_SOURCE, FACTS
from followup.core.model import RuleSet
from followup.core.rule_files import CONFLICT_PARTS, NAME_PATTERN
from followup.core.rule_reader import ID_PATTERN, MAX_PRIORITY, THEN_KEYS
from followup.core.scenario import MAX_HISTORY, MAX_TOPIC_CHARS, MAX_TOPICS, SHAPE

from .schema_messages import messages_file

DRAFT = "https://json-schema.org/draft/2020-12/schema"
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "description": "a date YYYY-MM-DD"}


def scenario_schema(ruleset: RuleSet) -> dict[str, Any]:
    def shape(spec: Any, path: str) -> dict[str, Any]:
        if isinstance(spec, dict):
            props = {k: shape(v, f"{path}.{k}" if path else k) for k, v in spec.items()}
            required = [k for k, v in spec.items() if isinstance(v, str) and v.endswith("!")]
            out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
            if required:
                out["required"] = required
            return out
        if isinstance(spec, list):
            most = MAX_TOPICS if path == "interview.topics" else MAX_HISTORY
            return {"type": "array", "items": shape(spec[0], path), "maxItems": most}
        kind = spec.rstrip("!")
        if kind == "topic":
            return {"type": "string", "minLength": 1, "maxLength": MAX_TOPIC_CHARS}
        if kind == "date":
            return dict(DATE)
        if kind == "enum":
            return {"enum": list(ruleset.vocabulary.get(path, ()))}
        if kind == "id":
            return {"type": ["string", "integer"]}
        return {"type": "string", "maxLength": 10000}

    scenario = shape(SHAPE, "")
    scenario["required"] = ["interview"]
    scenario["properties"]["interview"]["required"] = ["date"]
    fixture_case = {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "expect"],
        "properties": {
            "name": {"type": "string"},
            "description": {"type": "string"},
            "scenario": {},
            "scenario_file": {"type": "string"},
            "as_of": dict(DATE),
            "golden": {"enum": [True, False, "draft"]},
            "expect": {"type": "object", "minProperties": 1},
        },
        # a case that expects errors holds a broken scenario on purpose
        "if": {"properties": {"expect": {"required": ["errors"]}}},
        "else": {"properties": {"scenario": {"$ref": "#/$defs/scenario"}}},
    }
    return {
        "$schema": DRAFT,
        "title": "followup-advisor scenario (or a file of scenario fixture cases)",
        "$defs": {"scenario": scenario},
        "anyOf": [
            {"$ref": "#/$defs/scenario"},
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["cases"],
                "properties": {
                    "description": {"type": "string"},
                    "cases": {"type": "array", "items": fixture_case},
                },
            },
        ],
    }


def rules_schema(ruleset: RuleSet) -> dict[str, Any]:
    facts = sorted(set(FACTS) | set(ruleset.derived))
    claims = sorted(ruleset.claims)
    scalar = {"type": ["string", "integer", "boolean"]}

    def test_schema(fact: str) -> dict[str, Any]:
        """The shape of a test on one fact: its operators and, for enumerated facts, its values."""
        spec = FACTS.get(fact)
        kind = spec.type if spec else "derived"
        if kind == "enum":
            value: dict[str, Any] = {"enum": list(ruleset.vocabulary.get(ENUM_SOURCE.get(fact, fact), ()))}
        elif kind == "derived":
            value = {"enum": list(ruleset.derived.get(fact, ()))}
        elif kind == "int":
            value = {"type": "integer"}
        elif kind == "bool":
            value = {"type": "boolean"}
        else:
            value = {"not": {}}  # dates: exists only
        props: dict[str, Any] = {"fact": {"const": fact}, "exists": {"type": "boolean"}}
        if kind != "date":
            props.update({"equals": value, "one_of": {"type": "array", "items": value, "minItems": 1}})
            props["one-of"] = props["one_of"]
        if kind == "int":
            props.update({op: {"type": "integer"} for op in ("<", "<=", ">", ">=")})
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["fact"],
            "minProperties": 2,
            "maxProperties": 2,
            "properties": props,
        }

    testable = [f for f in facts if FACTS.get(f) is None or FACTS[f].type != "text"]
    assert set(OPERATORS) <= {"equals", "one_of", "<", "<=", ">", ">=", "exists"}
    date_expr = {
        "type": "object",
        "additionalProperties": False,
        "required": ["date"],
        "properties": {
            "date": {"enum": [f for f, s in FACTS.items() if s.type == "date"]},
            "plus_days": {"type": "integer", "minimum": -366, "maximum": 366},
        },
    }
    answer = {
        k: {"enum": list(ruleset.vocabulary.get(f"answer.{k}", ()))} for k in ("action", "verdict", "contact")
    }
    channel_facts = [
        f
        for f, s in FACTS.items()
        if s.type == "enum"
        and set(ruleset.vocabulary.get(ENUM_SOURCE.get(f, f), ()))
        <= set(ruleset.vocabulary.get("answer.channel", ()))
    ]
    then_props: dict[str, Any] = {
        "facts": {
            "type": "object",
            "propertyNames": {"pattern": NAME_PATTERN.pattern},
            "additionalProperties": scalar,
        },
        **answer,
        "channel": {
            "anyOf": [
                {"enum": list(ruleset.vocabulary.get("answer.channel", ()))},
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["fact"],
                    "properties": {"fact": {"enum": channel_facts}},
                },
            ]
        },
        "earliest": {
            "anyOf": [
                {"$ref": "#/$defs/date_expr"},
                {"type": "array", "items": {"$ref": "#/$defs/date_expr"}},
            ]
        },
        "latest": {
            "anyOf": [
                {"$ref": "#/$defs/date_expr"},
                {"type": "array", "items": {"$ref": "#/$defs/date_expr"}},
            ]
        },
        "window_note": {"type": "string", "minLength": 1},
        "advice": {"type": "array", "items": {"type": "string"}},
    }
    assert set(then_props) == THEN_KEYS
    decides_one = {
        "type": "object",
        "additionalProperties": False,
        "required": ["conflict", "side"],
        "properties": {"conflict": {"enum": sorted(ruleset.conflicts)}, "side": {"type": "string"}},
    }
    rule = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "description", "sources", "then", "says"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN.pattern},
            "description": {"type": "string", "minLength": 1},
            "sources": {"type": "array", "items": {"enum": claims}, "minItems": 1},
            "priority": {"type": "integer", "minimum": 0, "maximum": MAX_PRIORITY},
            "overrides": {"type": "array", "items": {"type": "string"}},
            "decides": {"anyOf": [decides_one, {"type": "array", "items": decides_one}]},
            "when": {"$ref": "#/$defs/condition"},
            "then": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "properties": then_props,
            },
            "says": {"type": "string", "minLength": 1},
            "summary": {"type": "string"},
        },
    }
    condition = {
        "oneOf": [
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["all"],
                "properties": {
                    "all": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}
                },
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["any"],
                "properties": {
                    "any": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/condition"}}
                },
            },
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["not"],
                "properties": {"not": {"$ref": "#/$defs/condition"}},
            },
            {
                "type": "object",
                "required": ["fact"],
                "properties": {"fact": {"enum": testable}},
                "anyOf": [test_schema(f) for f in testable],
            },
        ]
    }
    topic_file = {
        "type": "object",
        "additionalProperties": False,
        "required": ["rules"],
        "properties": {
            "topic": {"type": "string"},
            "description": {"type": "string"},
            "rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}},
        },
    }
    vocabulary_file = {
        "type": "object",
        "additionalProperties": False,
        "required": ["values"],
        "properties": {
            "description": {"type": "string"},
            "values": {
                "type": "object",
                "additionalProperties": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["values"],
                    "properties": {
                        "values": {"type": "array", "items": {"type": ["string", "integer"]}},
                        "default": {"type": ["string", "integer"]},
                        "description": {"type": "string"},
                    },
                },
            },
        },
    }
    sources_file = {
        "type": "object",
        "additionalProperties": False,
        "required": ["articles", "claims"],
        "properties": {
            "description": {"type": "string"},
            "articles": {"type": "object", "additionalProperties": {"type": "string"}},
            "claims": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "text"],
                    "properties": {
                        "id": {"type": "string", "pattern": r"^\d{3}-\d{2}$"},
                        "text": {"type": "string"},
                        "encoded": {"type": "boolean"},
                        "reason": {"type": "string"},
                    },
                },
            },
        },
    }
    conflicts_file = {
        "type": "object",
        "additionalProperties": False,
        "required": ["conflicts"],
        "properties": {
            "description": {"type": "string"},
            "conflicts": {
                "type": "array",
                "items": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "question", "sides", "part"],
                    "properties": {
                        "id": {"type": "string"},
                        "question": {"type": "string"},
                        "part": {"enum": list(CONFLICT_PARTS)},
                        "sides": {
                            "type": "array",
                            "minItems": 2,
                            "items": {
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["id", "claims", "position"],
                                "properties": {
                                    "id": {"type": "string"},
                                    "claims": {"type": "array", "items": {"enum": claims}},
                                    "position": {"type": "string"},
                                },
                            },
                        },
                    },
                },
            },
        },
    }
    answer_file = {
        "type": "object",
        "additionalProperties": False,
        "required": ["unmatched"],
        "properties": {
            "description": {"type": "string"},
            "unmatched": {
                "type": "object",
                "additionalProperties": False,
                "required": ["action", "verdict", "summary"],
                "properties": {
                    **{k: answer[k] for k in ("action", "verdict")},
                    "summary": {"type": "string"},
                },
            },
            "no_channel_for": {"type": "array", "items": answer["action"]},
            "branch_facts": {"type": "array", "items": {"type": "string"}},
        },
    }
    return {
        "$schema": DRAFT,
        "title": "followup-advisor rules directory file",
        "$defs": {"rule": rule, "condition": condition, "date_expr": date_expr},
        "anyOf": [
            topic_file,
            vocabulary_file,
            sources_file,
            conflicts_file,
            answer_file,
            messages_file(ruleset),
        ],
    }
