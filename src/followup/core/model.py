"""Typed records passed between the steps: load -> validate -> compile -> evaluate -> render.

Over ~350 lines on purpose: each record writes out its own __init__ (records.py says why)."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import Location
from .records import Frozen, Record

Value = str | int | bool


# ---- scenarios -------------------------------------------------------------------------------


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Event(Frozen):
    """One entry of the scenario's history."""

    kind: str  # thank_you | follow_up | reply (vocabulary: history.kind)
    date: dt.date
    channel: str | None = None
    outcome: str | None = None
    loc: Location | None = field(default=None, compare=False)

    def __init__(
        self,
        kind: str,
        date: dt.date,
        channel: str | None = None,
        outcome: str | None = None,
        loc: Location | None = None,
    ):
        self.__dict__.update(kind=kind, date=date, channel=channel, outcome=outcome, loc=loc)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Scenario(Frozen):
    """A validated scenario. `fields` holds the enumerated and free-text inputs by dotted path."""

    path: str
    interview_date: dt.date
    as_of: dt.date | None
    fields: dict[str, Any]
    history: tuple[Event, ...]
    decision_by: dt.date | None = None
    follow_up_after: dt.date | None = None
    node: Any = field(default=None, compare=False)  # the located tree it was validated from
    id: str | None = None
    topics: tuple[str, ...] = ()  # interview.topics: wording of the drafted message only, never a fact
    plain: Any = field(default=None, compare=False)  # the plain value it was read from (fast path)

    def __init__(
        self,
        path: str,
        interview_date: dt.date,
        as_of: dt.date | None,
        fields: dict[str, Any],
        history: tuple[Event, ...],
        decision_by: dt.date | None = None,
        follow_up_after: dt.date | None = None,
        node: Any = None,
        id: str | None = None,
        topics: tuple[str, ...] = (),
        plain: Any = None,
    ):
        self.__dict__.update(
            path=path,
            interview_date=interview_date,
            as_of=as_of,
            fields=fields,
            history=history,
            decision_by=decision_by,
            follow_up_after=follow_up_after,
            node=node,
            id=id,
            topics=topics,
            plain=plain,
        )

    @property
    def raw(self) -> dict[str, Any]:
        """The scenario as given (plain values)."""
        if self.node is not None:
            return dict(self.node.plain())
        return json.loads(json.dumps(self.plain)) if self.plain is not None else {}


# ---- rules -----------------------------------------------------------------------------------


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Test(Frozen):
    """One comparison: `fact op value`, possibly negated. ops: equals one_of < <= > >= exists."""

    fact: str
    op: str
    value: Any
    negated: bool = False
    loc: Location | None = field(default=None, compare=False)

    def __init__(self, fact: str, op: str, value: Any, negated: bool = False, loc: Location | None = None):
        self.__dict__.update(fact=fact, op=op, value=value, negated=negated, loc=loc)

    def describe(self) -> str:
        sym = {"equals": "=", "one_of": "in", "exists": "exists"}.get(self.op, self.op)
        if self.op == "exists":
            text = f"{self.fact} exists" if self.value else f"{self.fact} is absent"
        else:
            shown = "[" + ", ".join(map(str, self.value)) + "]" if self.op == "one_of" else self.value
            text = f"{self.fact} {sym} {shown}"
        return f"not ({text})" if self.negated else text


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Condition(Frozen):
    """A tree of all/any/not over tests."""

    kind: str  # all | any | not | test
    children: tuple[Condition, ...] = ()
    test: Test | None = None

    def __init__(self, kind: str, children: tuple[Condition, ...] = (), test: Test | None = None):
        self.__dict__.update(kind=kind, children=children, test=test)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class DateExpr(Frozen):
    """A date computed from a date fact: `date + plus_days`."""

    fact: str
    plus_days: int = 0

    def __init__(self, fact: str, plus_days: int = 0):
        self.__dict__.update(fact=fact, plus_days=plus_days)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Rule(Frozen):
    id: str
    topic: str
    description: str
    sources: tuple[str, ...]
    priority: int
    overrides: tuple[str, ...]
    when: Condition
    facts: tuple[tuple[str, Value], ...]  # derived facts asserted (forward chaining)
    answer: dict[str, Any]  # action, verdict, contact, channel (str or {fact}), earliest, latest
    advice: tuple[str, ...]
    says: str
    summary: str
    decides: tuple[tuple[str, str], ...]  # (conflict id, side id) for each conflict it takes a side in
    loc: Location
    path: str

    def __init__(
        self,
        id: str,
        topic: str,
        description: str,
        sources: tuple[str, ...],
        priority: int,
        overrides: tuple[str, ...],
        when: Condition,
        facts: tuple[tuple[str, Value], ...],
        answer: dict[str, Any],
        advice: tuple[str, ...],
        says: str,
        summary: str,
        decides: tuple[tuple[str, str], ...],
        loc: Location,
        path: str,
    ):
        self.__dict__.update(
            id=id,
            topic=topic,
            description=description,
            sources=sources,
            priority=priority,
            overrides=overrides,
            when=when,
            facts=facts,
            answer=answer,
            advice=advice,
            says=says,
            summary=summary,
            decides=decides,
            loc=loc,
            path=path,
        )

    def tests(self) -> tuple[Test, ...]:
        """Every test in the rule's condition (cached)."""
        cached = self.__dict__.get("_tests")
        if cached is None:
            found: list[Test] = []
            todo = [self.when]
            while todo:
                c = todo.pop()
                if c.test is not None:
                    found.append(c.test)
                todo.extend(c.children)
            cached = tuple(found)
            object.__setattr__(self, "_tests", cached)
        return cached

    def tests_on(self, fact: str) -> list[Test]:
        return [t for t in self.tests() if t.fact == fact]


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Side(Frozen):
    id: str
    claims: tuple[str, ...]
    position: str

    def __init__(self, id: str, claims: tuple[str, ...], position: str):
        self.__dict__.update(id=id, claims=claims, position=position)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Conflict(Frozen):
    id: str
    question: str
    sides: tuple[Side, ...]
    part: str = "action"  # the answer part whose deciding rule takes the side the answer rests on

    def __init__(self, id: str, question: str, sides: tuple[Side, ...], part: str = "action"):
        self.__dict__.update(id=id, question=question, sides=sides, part=part)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Claim(Frozen):
    id: str
    article: str
    text: str
    encoded: bool
    reason: str

    def __init__(self, id: str, article: str, text: str, encoded: bool, reason: str):
        self.__dict__.update(id=id, article=article, text=text, encoded=encoded, reason=reason)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class RuleSet(Frozen):
    """Everything in a rules directory, validated."""

    directory: str
    rules: tuple[Rule, ...]
    vocabulary: dict[str, tuple[str, ...]]
    defaults: dict[str, str]
    conflicts: dict[str, Conflict]
    claims: dict[str, Claim]
    articles: dict[str, str]
    unmatched: dict[str, Any]
    no_channel_for: tuple[str, ...]
    derived: dict[str, tuple[Value, ...]]  # derived fact name -> values some rule asserts
    digest: str
    branch_facts: tuple[str, ...] = ()  # derived facts whose other values mean "another situation"

    def __init__(
        self,
        directory: str,
        rules: tuple[Rule, ...],
        vocabulary: dict[str, tuple[str, ...]],
        defaults: dict[str, str],
        conflicts: dict[str, Conflict],
        claims: dict[str, Claim],
        articles: dict[str, str],
        unmatched: dict[str, Any],
        no_channel_for: tuple[str, ...],
        derived: dict[str, tuple[Value, ...]],
        digest: str,
        branch_facts: tuple[str, ...] = (),
    ):
        self.__dict__.update(
            directory=directory,
            rules=rules,
            vocabulary=vocabulary,
            defaults=defaults,
            conflicts=conflicts,
            claims=claims,
            articles=articles,
            unmatched=unmatched,
            no_channel_for=no_channel_for,
            derived=derived,
            digest=digest,
            branch_facts=branch_facts,
        )

    def reads(self, rule_id: str) -> set[str]:
        """The derived facts a rule tests."""
        return {t.fact for t in self.rule(rule_id).tests() if t.fact in self.derived}

    def rule(self, rule_id: str) -> Rule:
        index: dict[str, Rule] | None = self.__dict__.get("_index")
        if index is None:
            index = {r.id: r for r in self.rules}
            object.__setattr__(self, "_index", index)
        return index[rule_id]


# ---- evaluation ------------------------------------------------------------------------------


class Firing:
    """One rule firing as the engine recorded it. The facts it matched are decoded from the
    engine's match record only when asked for (explanations), not on the hot path."""

    __slots__ = ("order", "rule", "alternative", "asserted", "_matched", "_decode")

    def __init__(
        self,
        order: int,
        rule: str,
        alternative: int,
        matched: dict[str, Value] | None,
        asserted: tuple[tuple[str, Value], ...],
        decode: Any = None,
    ):
        self.order = order
        self.rule = rule
        self.alternative = alternative  # which alternative of the rule's condition matched
        self.asserted = asserted
        self._matched = matched
        self._decode = decode

    @property
    def matched(self) -> dict[str, Value]:
        """Facts the firing matched (scenario fields and derived facts) with their values."""
        if self._matched is None:
            self._matched = self._decode() if self._decode else {}
        return self._matched

    def __repr__(self) -> str:
        return f"Firing({self.order}, {self.rule!r}, alternative={self.alternative})"


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Record (a dataclass)
class Recommendation(Record):
    action: str
    verdict: str
    contact: int | None
    earliest: dt.date | None
    latest: dt.date | None
    channel: str | None
    summary: str
    reasons: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    advice: list[str]
    rules_digest: str
    as_of: dt.date
    fired: list[str]
    overridden: dict[str, str]  # rule id -> id of the rule that overrode it
    facts: dict[str, Any]
    firings: list[Firing]
    decided_by: dict[str, str]  # answer field -> rule id
    window_note: str | None = None  # what the window's end means (or that it has none)
    how: dict[str, str] = field(default_factory=dict)  # computed fact -> how it was computed

    def __init__(
        self,
        action: str,
        verdict: str,
        contact: int | None,
        earliest: dt.date | None,
        latest: dt.date | None,
        channel: str | None,
        summary: str,
        reasons: list[dict[str, Any]],
        conflicts: list[dict[str, Any]],
        advice: list[str],
        rules_digest: str,
        as_of: dt.date,
        fired: list[str],
        overridden: dict[str, str],
        facts: dict[str, Any],
        firings: list[Firing],
        decided_by: dict[str, str],
        window_note: str | None = None,
        how: dict[str, str] | None = None,
    ):
        self.action, self.verdict, self.contact = action, verdict, contact
        self.earliest, self.latest, self.channel = earliest, latest, channel
        self.summary, self.reasons, self.conflicts, self.advice = summary, reasons, conflicts, advice
        self.rules_digest, self.as_of, self.fired, self.overridden = rules_digest, as_of, fired, overridden
        self.facts, self.firings, self.decided_by = facts, firings, decided_by
        self.window_note = window_note
        self.how = {} if how is None else how

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "verdict": self.verdict,
            "contact": self.contact,
            "earliest": self.earliest.isoformat() if self.earliest else None,
            "latest": self.latest.isoformat() if self.latest else None,
            "window_note": self.window_note,
            "channel": self.channel,
            "summary": self.summary,
            "reasons": self.reasons,
            "conflicts": self.conflicts,
            "advice": self.advice,
            "rules_digest": self.rules_digest,
            "as_of": self.as_of.isoformat(),
            "fired": self.fired,
        }
