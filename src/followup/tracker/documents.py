"""Applications as documents: the Application record, the canonical form a validated scenario is
kept in, application ids, and the located trees the scenario validator reads back.

An application's document is a scenario file's content: `id` first, then the scenario's keys in
the order of core.scenario.SHAPE, with no `as_of` (answers are asked as of the day you ask), no
empty values, dates as YYYY-MM-DD, and the history by date (events of one day in the order they
were recorded). `track export` writes it as one JSON line; followup batch and advise read it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import Node, _short, from_plain
from followup.core.model import Scenario
from followup.core.scenario import SHAPE

NON_PRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x84\x86-\x9f]")  # as PyYAML's reader
ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")  # typeable, never read as an option
NUMBER = re.compile(r"[1-9][0-9]{0,17}")  # the ids the tracker gives: 1, 2, 3 ...
EVENT_KEYS = ("kind", "date", "channel", "outcome")


@dataclass(frozen=True)
class Application:
    """One application as stored: its id, its scenario (without id, as_of and history), its
    history (each event {kind, date[, channel][, outcome]}) and whether it is archived."""

    id: str
    fields: dict[str, Any]
    history: tuple[dict[str, Any], ...] = ()
    archived: bool = False
    damaged: str | None = None  # why the stored scenario could not be read (changed by hand)

    @property
    def company(self) -> str | None:
        return _text(self.fields, "company", "name")

    @property
    def title(self) -> str | None:
        return _text(self.fields, "position", "title")

    @property
    def interview_date(self) -> str:
        return _text(self.fields, "interview", "date") or ""

    def document(self) -> dict[str, Any]:
        """The scenario as a file holds it (see the module docstring): a copy, to change freely."""
        doc: dict[str, Any] = {"id": self.id, **_copy(self.fields)}
        if self.history:
            doc["history"] = [dict(e) for e in self.history]
        return doc


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _text(fields: dict[str, Any], section: str, key: str) -> str | None:
    part = fields.get(section)
    value = part.get(key) if isinstance(part, dict) else None
    return value if isinstance(value, str) else None


def label(app_id: str) -> str:
    """Where a stored application's problems are located: `application 3`."""
    return f"application {app_id}"


def node_of(app: Application) -> Node:
    """The application's document as a tree the scenario validator reads."""
    return from_plain(label(app.id), app.document())


def ordered(value: Any, shape: Any) -> Any:
    """A validated scenario's plain value in SHAPE order, without empty values (null, {} or []:
    what the validator reads as not given), dates as text."""
    if isinstance(shape, dict) and isinstance(value, dict):
        out = {}
        for key, spec in shape.items():
            if key in value:
                kept = ordered(value[key], spec)
                if kept is not None and kept != {} and kept != []:
                    out[key] = kept
        return out
    if isinstance(shape, list) and isinstance(value, list):
        return [ordered(v, shape[0]) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def application(scenario: Scenario, app_id: str, archived: bool = False) -> Application:
    """The Application a validated scenario becomes (its own id and as_of left out)."""
    fields = ordered(scenario.raw, SHAPE)
    fields.pop("id", None)
    fields.pop("as_of", None)
    history = sorted(fields.pop("history", []), key=lambda e: str(e["date"]))
    return Application(app_id, fields, tuple(history), archived)


def check_storable(scenario: Scenario) -> None:
    """Refuse what cannot be kept: an id that is not typeable (`bad-id`), text with a control
    character (`bad-value`, as a scenario file cannot hold one) and text that has no UTF-8 form
    (a lone surrogate, from a byte that is not UTF-8 on the command line: `not-utf8`)."""
    if scenario.node is None:  # read by the fast path (core/plain.py): no locations to give
        problems = _unstorable(from_plain(scenario.path, scenario.plain))
    else:
        problems = _unstorable(scenario.node)
    if scenario.id is not None and not ID_PATTERN.fullmatch(scenario.id):
        where = scenario.node.value["id"].loc if scenario.node is not None else Location(scenario.path)
        problems.append(
            Diagnostic(
                where,
                "bad-id",
                f"id {_short(scenario.id)} cannot name an application: use at most 40 letters, digits, "
                "'.', '_' or '-', starting with a letter or a digit",
                "or leave the id out to have the application numbered",
            )
        )
    if problems:
        raise FollowupError(problems)


def _unstorable(node: Node) -> list[Diagnostic]:
    out = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item.value, dict):
            stack.extend(item.value.values())
        elif isinstance(item.value, list):
            stack.extend(item.value)
        elif isinstance(item.value, str):
            control = NON_PRINTABLE.search(item.value)
            if control:  # what a scenario file cannot hold either (the YAML reader refuses it)
                message = f"control character U+{ord(control.group()):04X} is not allowed"
                out.append(Diagnostic(item.loc, "bad-value", message))
                continue
            try:
                item.value.encode("utf-8")
            except UnicodeEncodeError:
                out.append(
                    Diagnostic(
                        item.loc,
                        "not-utf8",
                        "this text holds a lone UTF-16 surrogate, "
                        "which is not a character and cannot be kept",
                        "write the character itself",
                    )
                )
    return out


def event_node(
    kind: str, date: str, channel: str | None, outcome: str | None, where: dict[str, Location]
) -> Node:
    """A new history entry as a tree, each value located where it came from (a command's
    argument or option, a form field), so the validator's findings point there."""
    given = {"kind": kind, "date": date, "channel": channel, "outcome": outcome}
    values = {k: Node(v, where[k]) for k, v in given.items() if v is not None}
    return Node(values, where["kind"], {k: where[k] for k in values})


def with_event(app: Application, event: Node) -> Node:
    """The application's tree with one more history entry."""
    root = node_of(app)
    history = root.value.get("history")
    if history is None:
        history = Node([], root.loc)
        root.value["history"] = history
        root.key_locs = {**root.key_locs, "history": root.loc}
    history.value.append(event)
    return root


def same_event(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Two records of one event: the same kind on the same day (and, for a reply, the same
    outcome). Logging it again changes nothing (a button pressed twice)."""
    return a["kind"] == b["kind"] and a["date"] == b["date"] and a.get("outcome") == b.get("outcome")
