"""Validate a located scenario tree into a Scenario, collecting every problem in one pass.

One module of some 370 lines on purpose: the shape table, the checker and the cross-field checks
(dates against the interview and as_of, the reply's outcome) make one pass over one tree with one
list of problems, in one order and under one cap; split, a reader could not see which check runs
before which. plain.py, the fast path, reuses its tables and helpers."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import Diagnostic, FollowupError, Location, did_you_mean
from .loader import Node, _short
from .model import Event, RuleSet, Scenario

# The shape of a scenario. Enumerated values are not here: they live in the rules' vocabulary
# under the dotted path ("company.culture", "history.kind").  A "!" marks a required field.
SHAPE: dict[str, Any] = {
    "id": "id",
    "as_of": "date",
    "candidate": {"name": "text"},
    "company": {"name": "text", "culture": "enum", "size": "enum"},
    "interview": {
        "date": "date!",
        "format": "enum",
        "medium": "enum",
        "interviewer": "text",
        "topics": ["topic"],
    },
    "position": {"title": "text", "level": "enum"},
    "contact": {"interviewer_channel": "enum", "rapport": "enum"},
    "timeline": {"decision_by": "date", "follow_up_after": "date"},
    "history": [{"kind": "enum!", "date": "date!", "channel": "enum", "outcome": "enum"}],
}
MAX_HISTORY = 100
MAX_TOPICS, MAX_TOPIC_CHARS = 10, 200  # interview.topics: points discussed, for the drafted message
TEXT_FIELDS = ("candidate.name", "company.name", "interview.interviewer", "position.title")


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The dates the advisor works with: wide enough for any real interview, narrow enough that every
# date it computes from them (rules add or take up to 366 days; explain looks 120 days ahead)
# stays inside Python's calendar (years 1 to 9999).
DATE_MIN, DATE_MAX = dt.date(1900, 1, 1), dt.date(9000, 12, 31)
MAX_ID_BITS = 63  # a numeric id fits in a signed 64-bit integer (as JSON readers expect)


def date_out_of_range(day: dt.date) -> str | None:
    """Why a date is outside the dates the advisor works with, or None when it is inside."""
    if DATE_MIN <= day <= DATE_MAX:
        return None
    return f"{day.isoformat()} is outside the dates the advisor works with ({DATE_MIN} to {DATE_MAX})"


def parse_date(value: Any) -> dt.date | None:
    """A date from a YAML date or a `YYYY-MM-DD` string (only that form: Python also reads
    `2026-W46-4` and `20261120`); None when it is neither."""
    if isinstance(value, dt.datetime):
        return None
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str) and ISO_DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


MAX_PROBLEMS = 100  # reported per scenario: bounds the time and the output for hostile files


class _TooMany(Exception):
    pass


class _Checker:
    def __init__(self, ruleset: RuleSet):
        self.vocab = ruleset.vocabulary
        self.problems: list[Diagnostic] = []

    def add(self, loc: Location, code: str, message: str, hint: str = "") -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            raise _TooMany
        self.problems.append(Diagnostic(loc, code, message, hint))

    def check_map(
        self, node: Node, shape: dict[str, Any], prefix: str, out: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """Check one mapping against its shape; the readable values go into `out` by dotted path."""
        if out is None:
            out = {}
        if node.bad:
            return out
        if not node.is_map:
            self.add(
                node.loc,
                "wrong-type",
                f"{prefix or 'the scenario'} must be a mapping, not {_kind(node.value)}",
            )
            return out
        for key, child in node.value.items():
            path = f"{prefix}.{key}" if prefix else key
            spec = shape.get(key)
            if spec is None:
                self.add(
                    node.key_locs[key],
                    "unknown-key",
                    f"unknown key {_short(path)}",
                    did_you_mean(key, list(shape)),
                )
            elif not child.bad:
                self.check_value(child, spec, path, out)
        for key in _REQUIRED[id(shape)]:
            if key not in node.value:
                self.add(node.loc, "missing-field", f"{prefix + '.' if prefix else ''}{key} is required")
        return out

    def check_value(self, node: Node, spec: Any, path: str, out: dict[str, Any]) -> None:
        if isinstance(spec, dict):
            self.check_map(node, spec, path, out)
            return
        if isinstance(spec, list):
            if node.is_list:
                out[path] = node
            else:
                self._wrong(node, path, "a list")
            return
        kind, required = _KINDS[spec]
        value = node.value
        if value is None and not required:
            return
        if kind == "date":
            day = parse_date(value)
            if day is not None and date_out_of_range(day):
                self.add(node.loc, "bad-date", f"{path}: {date_out_of_range(day)}")
            elif day is not None:
                out[path] = (day, node.loc)
            elif isinstance(value, str) and ISO_DATE.match(value):
                self.add(node.loc, "bad-date", f"{path}: {value!r} is not a real date")
            else:
                self._wrong(node, path, "a date YYYY-MM-DD")
        elif kind == "enum":
            allowed = self.vocab.get(path, ())
            if not isinstance(value, str):
                self._wrong(node, path, "one of: " + ", ".join(allowed))
            elif value not in allowed:
                self.add(
                    node.loc,
                    "unknown-value",
                    f"{path}: unknown value {_short(value)}",
                    did_you_mean(value, list(allowed)),
                )
            else:
                out[path] = value
        elif kind == "text":
            if isinstance(value, str):
                out[path] = value
            else:
                self._wrong(node, path, "text")
        elif kind == "id":
            if isinstance(value, bool) or not isinstance(value, (str, int)):
                self._wrong(node, path, "text or a number")
            elif isinstance(value, int) and value.bit_length() > MAX_ID_BITS:
                self.add(
                    node.loc, "bad-value", f"{path}: the number has more than 18 digits; give the id as text"
                )
            else:
                out[path] = str(value)
        else:
            raise AssertionError(spec)

    def _wrong(self, node: Node, path: str, expected: str) -> None:
        self.add(node.loc, "wrong-type", f"{path} must be {expected}, not {_kind(node.value)}")


def _index_shape(shape: Any) -> None:
    """Precompute, once, the required keys of each mapping in SHAPE and each field's kind."""
    if isinstance(shape, dict):
        _REQUIRED[id(shape)] = tuple(k for k, v in shape.items() if isinstance(v, str) and v.endswith("!"))
        for v in shape.values():
            _index_shape(v)
    elif isinstance(shape, list):
        _index_shape(shape[0])
    else:
        _KINDS[shape] = (shape.rstrip("!"), shape.endswith("!"))


_REQUIRED: dict[int, tuple[str, ...]] = {}
_KINDS: dict[str, tuple[str, bool]] = {}
_index_shape(SHAPE)


def _kind(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dt.datetime):
        return "a date and time"
    if isinstance(value, (dt.date,)):
        return "a date"
    if isinstance(value, (int, float)):
        return "a number"
    return f"text {_short(value)}" if len(str(value)) < 40 else "text"


def scenario_fields(found: dict[str, Any], ruleset: RuleSet) -> dict[str, Any]:
    """Scenario.fields from the values found by path: every enumerated field (its default when
    absent) and every free-text field (None when absent)."""
    fields = {path: found.get(path, ruleset.defaults.get(path)) for path in _SCENARIO_ENUMS}
    for path in TEXT_FIELDS:
        fields[path] = found.get(path)
    return fields


def validate_scenario(
    node: Node, ruleset: RuleSet, as_of: dt.date | None = None, today: dt.date | None = None
) -> Scenario:
    """Check a scenario tree. `as_of` (e.g. from --as-of) overrides the file's; `today` is the
    fallback when neither gives one. Raises FollowupError with every problem found (the first
    MAX_PROBLEMS of them, then a note that there are more)."""
    chk = _Checker(ruleset)
    try:
        chk.problems.extend(node.problems[:MAX_PROBLEMS])
        if len(node.problems) > MAX_PROBLEMS:
            raise _TooMany
        return _validate(chk, node, ruleset, as_of, today)
    except _TooMany:
        more = Diagnostic(
            Location(node.loc.path),
            "too-many-problems",
            f"more than {MAX_PROBLEMS} problems in this file; the first {MAX_PROBLEMS} are shown",
        )
        raise FollowupError([*chk.problems, more]) from None


def _validate(
    chk: _Checker, node: Node, ruleset: RuleSet, as_of: dt.date | None, today: dt.date | None
) -> Scenario:
    values = chk.check_map(node, SHAPE, "")
    history_node = values.pop("history", None)
    events: list[Event] = []
    if history_node is not None:
        if len(history_node.value) > MAX_HISTORY:
            chk.add(
                history_node.loc,
                "too-large",
                f"history has {len(history_node.value)} entries; the limit is {MAX_HISTORY}",
            )
        else:
            for entry in history_node.value:
                got = chk.check_map(entry, SHAPE["history"][0], "history")
                if "history.date" not in got or "history.kind" not in got:
                    continue
                day, loc = got["history.date"]
                kind = got["history.kind"]
                outcome = got.get("history.outcome")
                given = entry.value.get("outcome") if entry.is_map else None
                if kind == "reply" and outcome is None and (given is None or given.value is None):
                    chk.add(
                        entry.loc,
                        "missing-field",
                        "history.outcome is required for a reply",
                        "one of: " + ", ".join(ruleset.vocabulary.get("history.outcome", ())),
                    )
                if kind != "reply" and outcome is not None:
                    chk.add(
                        entry.key_locs["outcome"],
                        "not-allowed",
                        f"history.outcome is only for a reply, not a {kind}",
                    )
                events.append(Event(kind, day, got.get("history.channel"), outcome, loc))

    topics = _topics(chk, values.pop("interview.topics", None))
    interview = values.get("interview.date")
    if node.is_map and "interview" not in node.value:
        chk.add(node.loc, "missing-field", "interview.date is required")
    file_as_of = values.get("as_of")
    effective = as_of or (file_as_of[0] if file_as_of else None) or today
    if as_of is not None and date_out_of_range(as_of):
        chk.add(node.loc, "bad-date", f"as_of (given from outside the file): {date_out_of_range(as_of)}")
        effective = None
    as_of_given = node.is_map and "as_of" in node.value and node.value["as_of"].value is not None
    if effective is None and not as_of_given and as_of is None:
        chk.add(node.loc, "missing-field", "as_of is required (or give --as-of)")
    if interview and effective:
        iday = interview[0]
        if effective < iday:
            where = file_as_of[1] if file_as_of and not as_of else interview[1]
            chk.add(where, "as-of-before-interview", f"as_of {effective} is before the interview on {iday}")
        for ev in events:
            if ev.date < iday:
                chk.add(
                    ev.loc or node.loc,
                    "date-before-interview",
                    f"history {ev.kind} dated {ev.date} is before the interview on {iday}",
                )
            elif ev.date > effective:
                chk.add(
                    ev.loc or node.loc,
                    "date-after-as-of",
                    f"history {ev.kind} dated {ev.date} is after as_of {effective}",
                )
        for key in ("timeline.decision_by", "timeline.follow_up_after"):
            if key in values and values[key][0] < iday:
                chk.add(
                    values[key][1],
                    "date-before-interview",
                    f"{key} {values[key][0]} is before the interview on {iday}",
                )
    if interview is None and not chk.problems:  # e.g. interview: {date: null} under a bad tag
        chk.add(node.loc, "missing-field", "interview.date is required")
    if chk.problems or interview is None or effective is None:
        raise FollowupError(chk.problems)
    fields = scenario_fields(values, ruleset)
    return Scenario(
        path=node.loc.path,
        interview_date=interview[0],
        as_of=effective,
        fields=fields,
        history=tuple(sorted(events, key=lambda e: e.date)),
        decision_by=values["timeline.decision_by"][0] if "timeline.decision_by" in values else None,
        follow_up_after=values["timeline.follow_up_after"][0]
        if "timeline.follow_up_after" in values
        else None,
        node=node,
        id=values.get("id"),
        topics=topics,
    )


def _topics(chk: _Checker, node: Node | None) -> tuple[str, ...]:
    """interview.topics: at most MAX_TOPICS pieces of text of at most MAX_TOPIC_CHARS each. Free
    text for the drafted message only: it never becomes a fact the rules see."""
    if node is None:
        return ()
    if len(node.value) > MAX_TOPICS:
        chk.add(
            node.loc,
            "too-large",
            f"interview.topics has {len(node.value)} entries; the limit is {MAX_TOPICS}",
        )
        return ()
    out = []
    for item in node.value:
        if item.bad:
            continue
        if not isinstance(item.value, str):
            chk._wrong(item, "each of interview.topics", "text")
        elif not item.value.strip():
            chk.add(item.loc, "bad-value", "an empty topic", "write the point discussed, or leave it out")
        elif len(item.value) > MAX_TOPIC_CHARS:
            chk.add(
                item.loc,
                "too-long",
                f"a topic of {len(item.value)} characters; the limit is {MAX_TOPIC_CHARS}",
                "one short phrase per topic",
            )
        else:
            out.append(item.value)
    return tuple(out)


_SCENARIO_ENUMS = {
    f"{section}.{key}"
    for section, spec in SHAPE.items()
    if isinstance(spec, dict)
    for key, kind in spec.items()
    if isinstance(kind, str) and kind.rstrip("!") == "enum"
}
