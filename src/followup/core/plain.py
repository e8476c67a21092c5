"""The fast path for clean JSON scenarios: plain values (as `json.loads` gives them) straight to a
Scenario, without first wrapping every value as a located tree.

It accepts exactly what `scenario.validate_scenario` accepts and builds the same Scenario; on
anything it does not accept it returns None, and the caller takes the located path, which
reports every problem at its place (tests/core/test_plain.py checks both agree on every fixture,
on generated scenarios and on mutations of them). It never reports problems itself.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from .model import Event, RuleSet, Scenario
from .scenario import (
    MAX_HISTORY,
    MAX_ID_BITS,
    MAX_TOPIC_CHARS,
    MAX_TOPICS,
    SHAPE,
    date_out_of_range,
    parse_date,
    scenario_fields,
)


class _Refused(Exception):
    pass


def scenario_from_plain(
    value: Any, ruleset: RuleSet, path: str, as_of: dt.date | None = None, today: dt.date | None = None
) -> Scenario | None:
    """The Scenario of a clean plain value, or None (take the located path)."""
    try:
        return _scenario(value, ruleset, path, as_of, today)
    except _Refused:
        return None


def _scenario(
    value: Any, ruleset: RuleSet, path: str, as_of: dt.date | None, today: dt.date | None
) -> Scenario:
    if type(value) is not dict or "interview" not in value:
        raise _Refused
    vocab = ruleset.vocabulary
    out: dict[str, Any] = {}
    _map(value, _TOP, out, vocab)
    interview = out.get("interview.date")
    if interview is None:
        raise _Refused
    if as_of is not None and date_out_of_range(as_of):
        raise _Refused
    effective = as_of or out.get("as_of") or today
    if effective is None or effective < interview:
        raise _Refused
    events = []
    history = out.pop("history", None)
    if history is not None:
        if len(history) > MAX_HISTORY:
            raise _Refused
        for entry in history:
            got: dict[str, Any] = {}
            _map(entry, _ENTRY, got, vocab)
            kind, day, outcome = got.get("history.kind"), got.get("history.date"), got.get("history.outcome")
            if kind is None or day is None or (kind == "reply") != (outcome is not None):
                raise _Refused
            if day < interview or day > effective:
                raise _Refused
            events.append(Event(kind, day, got.get("history.channel"), outcome, None))
    for key in ("timeline.decision_by", "timeline.follow_up_after"):
        if key in out and out[key] < interview:
            raise _Refused
    topics = _topics(out.pop("interview.topics", None))
    fields = scenario_fields(out, ruleset)
    return Scenario(
        path=path,
        interview_date=interview,
        as_of=effective,
        fields=fields,
        history=tuple(sorted(events, key=lambda e: e.date)),
        decision_by=out.get("timeline.decision_by"),
        follow_up_after=out.get("timeline.follow_up_after"),
        node=None,
        id=out.get("id"),
        topics=topics,
        plain=value,
    )


def _compile(shape: dict[str, Any], prefix: str) -> dict[str, Any]:
    """A shape as key -> (field, kind, required, nested shape), worked out once."""
    out: dict[str, Any] = {}
    for key, spec in shape.items():
        field = f"{prefix}.{key}" if prefix else key
        if type(spec) is dict:
            out[key] = (field, "map", False, _compile(spec, field))
        elif type(spec) is list:
            out[key] = (field, "list", False, None)
        else:
            out[key] = (field, spec.rstrip("!"), spec.endswith("!"), None)
    return out


_TOP = _compile(SHAPE, "")
_ENTRY = _compile(SHAPE["history"][0], "history")


_DAYS: dict[str, dt.date] = {}  # date strings already read (a run repeats the same few hundred)


def _map(value: Any, shape: dict[str, Any], out: dict[str, Any], vocab: Any) -> None:
    if type(value) is not dict:
        raise _Refused
    for key, child in value.items():
        spec = shape.get(key)
        if spec is None:
            raise _Refused
        field, kind, required, nested = spec
        if kind == "map":
            _map(child, nested, out, vocab)
            continue
        if child is None and not required and kind != "list":
            continue
        if kind == "date":
            day = _DAYS.get(child) if type(child) is str else None
            if day is None:
                day = parse_date(child)
                if day is None or date_out_of_range(day):
                    raise _Refused
                if type(child) is str:
                    if len(_DAYS) > 20_000:
                        _DAYS.clear()
                    _DAYS[child] = day
            out[field] = day
        elif kind == "enum":
            if type(child) is not str or child not in vocab.get(field, ()):
                raise _Refused
            out[field] = child
        elif kind == "text":
            if type(child) is not str:
                raise _Refused
            out[field] = child
        elif kind == "list":
            if type(child) is not list:
                raise _Refused
            out[field] = child
        elif kind == "id" and (
            type(child) is str or (type(child) is int and child.bit_length() <= MAX_ID_BITS)
        ):
            out[field] = str(child)
        else:
            raise _Refused
    for key, (_, _, required, _) in shape.items():
        if required and key not in value:
            raise _Refused


def _topics(items: list[Any] | None) -> tuple[str, ...]:
    if items is None:
        return ()
    if len(items) > MAX_TOPICS:
        raise _Refused
    for item in items:
        if type(item) is not str or not item.strip() or len(item) > MAX_TOPIC_CHARS:
            raise _Refused
    return tuple(items)
