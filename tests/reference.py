"""A small, independent reference evaluator of the YAML rule language (differential testing).

Written from the README's semantics ("The rules", "How an answer is put together"), in plain
Python, with no rule engine: it shares with the real pipeline only its inputs, the validated
RuleSet (the parsed YAML, `followup.core.rules.load_rules`) and the facts dict
(`followup.core.facts.compute`). It never imports followup.compiler, engine, decide or explain.

Semantics implemented here:

- Rule conditions are trees of all / any / not over tests. Tests: equals, one_of, <, <=, >, >=,
  exists. A test on an absent fact is false, so `not` of it is true.
- Derived facts (asserted by rules' `then.facts`) are sets of values per name; a test on a
  derived name holds if some value in its set satisfies it (`exists: true`: the set is non-empty).
- Naive forward chaining: evaluate every rule against the current facts, fire those that hold,
  add what they assert, repeat until nothing changes. Firing order is irrelevant (only the set of
  fired rules is reported).
- Answer assembly: a fired rule named in another fired rule's `overrides` drops out. Each of
  action / verdict / contact / channel comes from the remaining rule with the highest priority
  that sets it (a channel `{fact: X}` reads the scenario fact X, and sets nothing when X is
  absent); equal priority with different values is an `ambiguous-answer`. earliest / latest are
  the latest date among the remaining rules' date expressions (date fact + plus_days; absent
  facts skipped); a latest before the earliest becomes None. Actions in answer.yaml's
  `no_channel_for` null channel, earliest and latest. With no action at all, answer.yaml's
  `unmatched` answer gives the action and the verdict and there is no window; the contact and
  channel are assembled as usual (see test_differential.py).
- An answer that contradicts itself is refused (`contradictory-answer`): a `not_yet` with no
  earliest date or one not after as_of, a `yes` with an earliest date after as_of (the
  `unmatched` answer excepted).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

MISSING = object()


class Ambiguous(Exception):
    """Two remaining rules of equal priority set one answer part to different values."""

    def __init__(self, part: str, rules: tuple[str, ...]):
        super().__init__(f"ambiguous {part}: {', '.join(rules)}")
        self.part = part
        self.rules = rules


class Contradictory(Exception):
    """The assembled answer contradicts itself (see the module docstring)."""


@dataclass
class RefAnswer:
    action: str
    verdict: str
    contact: int | None
    earliest: dt.date | None
    latest: dt.date | None
    channel: str | None
    fired: frozenset[str]
    overridden: frozenset[str] = frozenset()
    derived: dict[str, set[Any]] = field(default_factory=dict)
    decided_by: dict[str, str] = field(default_factory=dict)

    def parts(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "verdict": self.verdict,
            "contact": self.contact,
            "earliest": self.earliest,
            "latest": self.latest,
            "channel": self.channel,
            "fired": set(self.fired),
        }


# ---- conditions --------------------------------------------------------------------------------


def _same(a: Any, b: Any) -> bool:
    """Equality that keeps true, 1 and "1" apart."""
    return type(a) is type(b) and a == b


def _is_number(x: Any) -> bool:
    return isinstance(x, int) and not isinstance(x, bool)


def _value_passes(actual: Any, op: str, expected: Any) -> bool:
    if op == "equals":
        return _same(actual, expected)
    if op == "one_of":
        return any(_same(actual, e) for e in expected)
    if op in ("<", "<=", ">", ">="):
        if not (_is_number(actual) and _is_number(expected)):
            return False
        return {
            "<": actual < expected,
            "<=": actual <= expected,
            ">": actual > expected,
            ">=": actual >= expected,
        }[op]
    raise ValueError(f"unknown operator {op!r}")


def _candidates(name: str, facts: dict[str, Any], derived: dict[str, set[Any]]) -> list[Any]:
    """The values a test on `name` may look at: the scenario/computed fact, or the derived set."""
    out = []
    if name in facts and facts[name] is not None:
        out.append(facts[name])
    out.extend(derived.get(name, ()))
    return out


def check_test(test: Any, facts: dict[str, Any], derived: dict[str, set[Any]]) -> bool:
    values = _candidates(test.fact, facts, derived)
    if test.op == "exists":
        result = bool(values) == bool(test.value)
    else:
        result = any(_value_passes(v, test.op, test.value) for v in values)
    return not result if getattr(test, "negated", False) else result


def holds(cond: Any, facts: dict[str, Any], derived: dict[str, set[Any]]) -> bool:
    if cond.kind == "all":
        return all(holds(c, facts, derived) for c in cond.children)  # empty: always
    if cond.kind == "any":
        return any(holds(c, facts, derived) for c in cond.children)
    if cond.kind == "not":
        (child,) = cond.children
        return not holds(child, facts, derived)
    if cond.kind == "test":
        return check_test(cond.test, facts, derived)
    raise ValueError(f"unknown condition kind {cond.kind!r}")


def fire(ruleset: Any, facts: dict[str, Any]) -> tuple[set[str], dict[str, set[Any]]]:
    """Naive forward chaining to a fixpoint: (ids of the rules that fired, derived facts)."""
    derived: dict[str, set[Any]] = {}
    fired: set[str] = set()
    for _ in range(len(ruleset.rules) + 2):
        changed = False
        for rule in ruleset.rules:
            if not holds(rule.when, facts, derived):
                continue
            if rule.id not in fired:
                fired.add(rule.id)
                changed = True
            for name, value in rule.facts:
                bucket = derived.setdefault(name, set())
                if not any(_same(value, v) for v in bucket):
                    bucket.add(value)
                    changed = True
        if not changed:
            return fired, derived
    raise RuntimeError("forward chaining did not reach a fixpoint")


# ---- answer assembly ---------------------------------------------------------------------------


def _part_value(rule: Any, part: str, facts: dict[str, Any]) -> Any:
    if part not in rule.answer:
        return MISSING
    value = rule.answer[part]
    if part == "channel" and isinstance(value, tuple):  # {fact: X}, stored as ("fact", X)
        assert value[0] == "fact", value
        got = facts.get(value[1])
        return MISSING if got is None else got
    return value


def _pick(rules: list[Any], part: str, facts: dict[str, Any]) -> tuple[Any, str | None]:
    setting = [(r, v) for r in rules if (v := _part_value(r, part, facts)) is not MISSING]
    if not setting:
        return None, None
    top = max(r.priority for r, _ in setting)
    best = [(r, v) for r, v in setting if r.priority == top]
    values = []
    for _, v in best:
        if not any(_same(v, w) for w in values):
            values.append(v)
    if len(values) > 1:
        raise Ambiguous(part, tuple(sorted(r.id for r, _ in best)))
    return values[0], min(r.id for r, _ in best)


def _latest_date(rules: list[Any], part: str, facts: dict[str, Any]) -> dt.date | None:
    days = []
    for rule in rules:
        for expr in rule.answer.get(part, ()):
            base = facts.get(expr.fact)
            if isinstance(base, dt.date):
                days.append(base + dt.timedelta(days=expr.plus_days))
    return max(days) if days else None


def evaluate(ruleset: Any, facts: dict[str, Any]) -> RefAnswer:
    """Fire the rules on `facts` and put the answer together. Raises Ambiguous."""
    fired, derived = fire(ruleset, facts)
    fired_rules = [r for r in ruleset.rules if r.id in fired]
    overridden = {o for r in fired_rules for o in r.overrides if o in fired}
    remaining = [r for r in fired_rules if r.id not in overridden]
    decided: dict[str, str] = {}
    parts: dict[str, Any] = {}
    for part in ("action", "verdict", "contact", "channel"):
        value, by = _pick(remaining, part, facts)
        parts[part] = value
        if by is not None:
            decided[part] = by
    earliest = _latest_date(remaining, "earliest", facts)
    latest = _latest_date(remaining, "latest", facts)
    if earliest is not None and latest is not None and latest < earliest:
        latest = None
    unmatched = parts["action"] is None
    if unmatched:
        # answer.yaml's `unmatched` holds an action and a verdict (and a summary): those two parts
        # are replaced; contact, channel and the window are put together as above, part by part.
        parts["action"] = ruleset.unmatched["action"]
        parts["verdict"] = ruleset.unmatched["verdict"]
        decided.pop("action", None)
        decided.pop("verdict", None)
    if parts["action"] in ruleset.no_channel_for:
        parts["channel"] = None
        earliest = latest = None
    if unmatched:
        earliest = latest = None
    as_of = facts["as_of"]
    if not unmatched and parts["verdict"] == "not_yet" and (earliest is None or earliest <= as_of):
        raise Contradictory("not_yet without a later date")
    if not unmatched and parts["verdict"] == "yes" and earliest is not None and earliest > as_of:
        raise Contradictory("yes with a later earliest date")
    return RefAnswer(
        parts["action"],
        parts["verdict"],
        parts["contact"],
        earliest,
        latest,
        parts["channel"],
        frozenset(fired),
        frozenset(overridden),
        derived,
        decided,
    )
