"""The JSON Schema of messages.yaml (one of the rules directory's files), generated from the
tables the templates loader uses: the placeholders that can be absent, the channels with a
subject line, the vocabulary's contacts and channels and the claim ids."""

from __future__ import annotations

from typing import Any

from followup.core.model import RuleSet
from followup.messages.templates import ID_PATTERN, PLACEHOLDERS, SUBJECT_CHANNELS


def messages_file(ruleset: RuleSet) -> dict[str, Any]:
    """messages.yaml: the prompts for absent values and one template per contact and channel."""
    optional = [name for name, p in PLACEHOLDERS.items() if p.field is not None]
    text = {"type": "string", "minLength": 1}
    template = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "contact", "channel", "sources", "body"],
        "properties": {
            "id": {"type": "string", "pattern": ID_PATTERN.pattern},
            "description": {"type": "string"},
            "contact": {"enum": list(ruleset.vocabulary.get("answer.contact", ()))},
            "channel": {"enum": list(ruleset.vocabulary.get("answer.channel", ()))},
            "sources": {"type": "array", "items": {"enum": sorted(ruleset.claims)}, "minItems": 1},
            "subject": text,
            "body": text,
        },
        # only an email has a subject line
        "if": {"properties": {"channel": {"enum": list(SUBJECT_CHANNELS)}}},
        "then": {"required": ["subject"]},
        "else": {"not": {"required": ["subject"]}},
    }
    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["prompts", "templates"],
        "properties": {
            "description": {"type": "string"},
            "prompts": {
                "type": "object",
                "additionalProperties": False,
                "required": optional,
                "properties": {name: {"type": "string", "pattern": r"^\[[^{}]*\]$"} for name in optional},
            },
            "templates": {"type": "array", "items": template},
        },
    }
