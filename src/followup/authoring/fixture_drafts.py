"""Fixture expectations on the drafted message: `expect: {draft: {subject, body_has, missing}}`
(or `draft: null`: no message), and the text a `golden: draft` case pins."""

from __future__ import annotations

from typing import Any

from followup.audit.render import draft_heading, message_text, missing_lines
from followup.messages.draft import Draft


def draft_mismatches(want: Any, got: Draft | None) -> list[tuple[str, Any, Any]]:
    """(key, expected, actual) for each part of the expected draft the actual one misses: the
    exact subject (null: none), text the body must contain, the exact `missing` list."""
    if want is None:
        return [] if got is None else [("draft", None, got.to_json())]
    if got is None:
        return [("draft", want, None)]
    out: list[tuple[str, Any, Any]] = []
    if "subject" in want and want["subject"] != got.subject:
        out.append(("draft.subject", want["subject"], got.subject))
    absent = [text for text in want.get("body_has", []) if text not in got.body]
    if absent:
        out.append(("draft.body_has", absent, got.body))
    if "missing" in want and list(want["missing"]) != list(got.missing):
        out.append(("draft.missing", want["missing"], list(got.missing)))
    return out


def golden_draft_text(draft: Draft | None) -> str:
    """What a `golden: draft` file holds: the heading, the message, the note on its gaps."""
    if draft is None:
        return "(no draft: the answer sends nothing)\n"
    lines = [f"({draft_heading(draft)})", "", message_text(draft).rstrip("\n"), *missing_lines(draft)]
    return "\n".join(lines) + "\n"
