"""The version of the JSON the project prints, carried as `schema_version` by every JSON document
it writes (advise, explain, replay and draft JSON, batch records, audit records, lint, check,
rules and diff JSON, the HTTP API's answers): one whole number, raised on any change a reader
written for the previous one could misread (a key removed, renamed or retyped, a meaning
changed). Adding a key is not such a change: readers must ignore keys they do not know. The
schemas (`followup schema answer`, ...) describe the current version."""

from __future__ import annotations

from typing import Any

SCHEMA_VERSION = 1


def versioned(doc: dict[str, Any]) -> dict[str, Any]:
    """The document with `schema_version` as its first key."""
    return {"schema_version": SCHEMA_VERSION, **doc}
