"""What each expectation of a fixture case may hold: a wrong-type diagnostic, located at the
value, for anything else (so a fixture mistake is exit 2, never a traceback in the runner)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from followup.core.errors import Diagnostic, did_you_mean
from followup.core.loader import Node
from followup.core.scenario import parse_date


def expectation_type(key: str, node: Node) -> list[Diagnostic]:
    """A wrong-type diagnostic when an expectation's value is not of the kind its key compares."""
    value = node.value

    def wrong(what: str, at: Node = node) -> list[Diagnostic]:
        return [Diagnostic(at.loc, "wrong-type", f"expectation {key!r} must be {what}")]

    if key == "window_note":
        return [] if value is None or isinstance(value, str) else wrong("text or null")
    if key in ("action", "verdict", "summary", "rules_digest"):
        return [] if isinstance(value, str) else wrong("text")
    if key == "channel":
        return [] if value is None or isinstance(value, str) else wrong("a channel name or null")
    if key == "contact":
        ok = value is None or (isinstance(value, int) and not isinstance(value, bool))
        return [] if ok else wrong("a whole number or null")
    if key in ("earliest", "latest"):
        ok = value is None or (not isinstance(value, dt.datetime) and isinstance(value, dt.date))
        ok = ok or (isinstance(value, str) and parse_date(value) is not None)
        return [] if ok else wrong("a date YYYY-MM-DD or null")
    if key == "errors":
        return _errors_type(node, wrong)
    if key == "draft":
        return _draft_type(node, wrong)
    what = "a list of rule ids" if key in ("reasons", "fired", "not_fired") else "a list of text"
    if key == "conflicts":
        what = "a list of conflict ids (conflict or conflict:side)"
    if not node.is_list:
        return wrong(what)
    return next((wrong(what, item) for item in node.value if not isinstance(item.value, str)), [])


ERROR_FIELDS = {
    "code": str,
    "message": str,
    "hint": str,
    "path": str,
    "level": str,
    "line": int,
    "column": int,
}


def _errors_type(node: Node, wrong: Any) -> list[Diagnostic]:
    """errors: null, or a list of codes or of {code, line, column, message, hint, path, level}."""
    what = "a list of error codes or of {code, line, column, message, hint, path, level}"
    if node.value is None:
        return []
    if not node.is_list:
        return list(wrong(what))
    for item in node.value:
        if isinstance(item.value, str):
            continue
        if not item.is_map:
            return list(wrong(what, item))
        for name, sub in item.value.items():
            kind = ERROR_FIELDS.get(name)
            if kind is None:
                return [
                    Diagnostic(
                        item.key_locs[name],
                        "unknown-key",
                        f"unknown field {name!r} of an expected error",
                        did_you_mean(name, list(ERROR_FIELDS)),
                    )
                ]
            if isinstance(sub.value, bool) or not isinstance(sub.value, kind):
                kind_name = "a whole number" if kind is int else "text"
                return [Diagnostic(sub.loc, "wrong-type", f"{name} of an expected error must be {kind_name}")]
    return []


DRAFT_FIELDS = ("subject", "body_has", "missing")


def _draft_type(node: Node, wrong: Any) -> list[Diagnostic]:
    """draft: null (no message), or {subject: text or null, body_has: [text], missing: [field]}."""
    what = "null or {subject: text, body_has: [text], missing: [scenario field]}"
    if node.value is None:
        return []
    if not node.is_map or not node.value:
        return list(wrong(what))
    for name, sub in node.value.items():
        if name not in DRAFT_FIELDS:
            return [
                Diagnostic(
                    node.key_locs[name],
                    "unknown-key",
                    f"unknown field {name!r} of an expected draft",
                    did_you_mean(name, list(DRAFT_FIELDS)),
                )
            ]
        if name == "subject" and not (sub.value is None or isinstance(sub.value, str)):
            return [Diagnostic(sub.loc, "wrong-type", "subject of an expected draft must be text or null")]
        if name != "subject" and (not sub.is_list or any(not isinstance(i.value, str) for i in sub.value)):
            return [Diagnostic(sub.loc, "wrong-type", f"{name} of an expected draft must be a list of text")]
    return []
