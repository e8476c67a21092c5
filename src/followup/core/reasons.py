"""What an answer says and why, once decide.py has settled its parts: the advice for the message,
the reasons (the rules that shaped the answer, never one that lost), the disagreements between
sources the answer rests on (each named with the rule that decided the part it concerns) and the
one-line summary (only from a rule that says the answer's own verdict).

In two steps: `plan_words` works out which rules speak and which disagreements are named, which
depends only on which rules fired and which rule decided each part (decide.py keeps plans), and
`word` fills the plan's sentences with one scenario's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .model import Rule, RuleSet
from .records import Frozen, Record
from .wording import fill

if TYPE_CHECKING:  # pragma: no cover
    from .decide import Fired

PARTS_DATED = ("action", "verdict", "contact", "channel", "earliest", "latest")


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Plan(Frozen):
    """Which rules speak, in which order; kept per combination of fired rules and deciders."""

    advice: tuple[str, ...]  # advice templates, in order (filled and de-duplicated per scenario)
    reasons: tuple[str, ...]  # rules whose `says` is a reason, in firing order
    conflicts: tuple[dict[str, Any], ...]  # the disagreements named (copied out per answer)
    summary_rule: str | None  # the rule whose summary is the answer's, if any
    summary: str  # otherwise this plain summary
    window_note: str | None  # the window note's template

    def __init__(
        self,
        advice: tuple[str, ...],
        reasons: tuple[str, ...],
        conflicts: tuple[dict[str, Any], ...],
        summary_rule: str | None,
        summary: str,
        window_note: str | None,
    ):
        self.__dict__.update(
            advice=advice,
            reasons=reasons,
            conflicts=conflicts,
            summary_rule=summary_rule,
            summary=summary,
            window_note=window_note,
        )


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Record (a dataclass)
class Worded(Record):
    summary: str
    reasons: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    advice: list[str]

    def __init__(
        self, summary: str, reasons: list[dict[str, Any]], conflicts: list[dict[str, Any]], advice: list[str]
    ):
        self.summary, self.reasons, self.conflicts, self.advice = summary, reasons, conflicts, advice


def plan_words(
    ruleset: RuleSet,
    s: Fired,
    decided_by: dict[str, str],
    answer: dict[str, Any],
    quiet: bool,
    unmatched: bool,
) -> Plan:
    rules = s.rules
    deciders = set(decided_by.values())
    # a rule that sets answer parts and decided none of them lost to others: it gives no reason
    lost = {
        rid for rid in s.active if any(p in rules[rid].answer for p in PARTS_DATED) and rid not in deciders
    }
    first_order = {rid: n for n, rid in enumerate(s.fired)}
    advice: list[str] = []
    advising: set[str] = set()
    for rid in sorted(s.active, key=lambda r: (-rules[r].priority, first_order[r])):
        if rid in lost or (quiet and rid not in deciders):
            continue  # advice only from rules that count, and for silence only from its deciders
        if rules[rid].advice:
            advising.add(rid)
        advice.extend(rules[rid].advice)
    shaping = _shaping(ruleset, s, lost, deciders | advising)
    note_rule = decided_by.get("latest") or decided_by.get("earliest")
    summary_rule, summary = _summary(rules, decided_by, answer)
    if unmatched:
        summary_rule, summary = None, str(ruleset.unmatched["summary"])
    return Plan(
        advice=tuple(advice),
        reasons=tuple(rid for rid in s.fired if rid in shaping),
        conflicts=tuple(_conflicts(ruleset, s, decided_by)),
        summary_rule=summary_rule,
        summary=summary,
        window_note=rules[note_rule].answer.get("window_note") if note_rule else None,
    )


def word(plan: Plan, rules: dict[str, Rule], values: dict[str, Any]) -> Worded:
    """The plan's sentences filled with one scenario's values."""
    advice: list[str] = []
    for line in plan.advice:
        text = fill(line, values)
        if text not in advice:
            advice.append(text)
    reasons = [
        {"rule": rid, "says": fill(rules[rid].says, values), "sources": list(rules[rid].sources)}
        for rid in plan.reasons
    ]
    summary = fill(rules[plan.summary_rule].summary, values) if plan.summary_rule else plan.summary
    conflicts = [
        {
            **c,
            "took": dict(c["took"], claims=list(c["took"]["claims"])),
            "other_sides": [dict(o, claims=list(o["claims"])) for o in c["other_sides"]],
        }
        for c in plan.conflicts
    ]
    return Worded(summary, reasons, conflicts, advice)


def _shaping(ruleset: RuleSet, s: Fired, lost: set[str], start: set[str]) -> set[str]:
    """The rules that decided a part or advised, and the rules whose derived facts those tested
    (transitively); never a rule that lost all its parts."""
    active = set(s.active)
    out = set(start) - lost
    todo = list(out)
    while todo:
        rid = todo.pop()
        for other in _fed_by(ruleset, active, rid):
            if other not in out and other not in lost:
                out.add(other)
                todo.append(other)
    return out


def _fed_by(ruleset: RuleSet, active: set[str], rid: str) -> list[str]:
    """The active rules whose derived facts satisfied some test of rule `rid` (a rule's derived
    facts are fixed, so a rule that fired asserted them)."""
    return [other for other in _feeders(ruleset).get(rid, ()) if other in active]


_FEEDERS: dict[str, dict[str, tuple[str, ...]]] = {}


def _feeders(ruleset: RuleSet) -> dict[str, tuple[str, ...]]:
    """For each rule, the rules whose derived facts can satisfy one of its tests (worked out once
    per rule set: a rule's derived facts are fixed)."""
    held = _FEEDERS.get(ruleset.digest)
    if held is None:
        asserting: dict[str, list[Rule]] = {}
        for rule in ruleset.rules:
            for name, _ in rule.facts:
                asserting.setdefault(name, []).append(rule)
        held = {}
        for rule in ruleset.rules:
            feeders: list[str] = []
            for name in sorted(ruleset.reads(rule.id)):
                for other in asserting.get(name, ()):
                    values = [v for n, v in other.facts if n == name]
                    if other.id not in feeders and any(_accepts(t, values) for t in rule.tests_on(name)):
                        feeders.append(other.id)
            held[rule.id] = tuple(feeders)
        if len(_FEEDERS) > 16:
            _FEEDERS.clear()
        _FEEDERS[ruleset.digest] = held
    return held


def _accepts(test: Any, values: list[Any]) -> bool:
    if test.op == "exists":
        return True
    wanted = test.value if test.op == "one_of" else (test.value,)
    return any(v == x and type(v) is type(x) for v in values for x in wanted)


def _summary(
    rules: dict[str, Rule], decided_by: dict[str, str], answer: dict[str, Any]
) -> tuple[str | None, str]:
    """The rule whose summary speaks for the answer: the one that decided the window's first day
    (for a 'not yet'), else the one that decided the action or the verdict, provided that rule
    says this verdict itself; otherwise a plain summary of the verdict and action."""
    order = []
    if answer["verdict"] == "not_yet" and "earliest" in decided_by:
        order.append(decided_by["earliest"])
    order += [decided_by[p] for p in ("action", "verdict") if p in decided_by]
    for rid in order:
        rule = rules[rid]
        if rule.summary and rule.answer.get("verdict") == answer["verdict"]:
            return rid, ""
    verdict = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}.get(answer["verdict"], answer["verdict"])
    return None, f"{verdict}: {answer['action'].replace('_', ' ')}."


def _conflicts(ruleset: RuleSet, s: Fired, decided_by: dict[str, str]) -> list[dict[str, Any]]:
    """Each disagreement the answer rests on: for a conflict about answer part P, the side taken by
    the rule that decided P, or else by a rule whose derived facts that rule rested on. The
    conflict names the deciding rule (`decided_by`) and the rule that declared the side
    (`side_from`, often the same)."""
    active = set(s.active)
    out = []
    for conflict in ruleset.conflicts.values():
        decider = decided_by.get(conflict.part)
        if decider is None:
            continue
        side_id, side_from = _side(ruleset, s, active, decider, conflict.id)
        if side_id is None:
            continue
        took = next(x for x in conflict.sides if x.id == side_id)
        out.append(
            {
                "conflict": conflict.id,
                "question": conflict.question,
                "part": conflict.part,
                "took": _side_json(took),
                "other_sides": [_side_json(x) for x in conflict.sides if x.id != side_id],
                "decided_by": decider,
                "side_from": side_from,
            }
        )
    return out


def _side(
    ruleset: RuleSet, s: Fired, active: set[str], decider: str, conflict: str
) -> tuple[str | None, str]:
    """(side, rule that declared it): the decider's own, else the nearest rule it rested on."""
    seen = {decider}
    layer = [decider]
    while layer:
        for rid in layer:
            side = dict(s.rules[rid].decides).get(conflict)
            if side is not None:
                return side, rid
        nxt = []
        for rid in layer:
            for other in _fed_by(ruleset, active, rid):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        layer = sorted(nxt)
    return None, ""


def _side_json(side: Any) -> dict[str, Any]:
    return {"side": side.id, "position": side.position, "claims": list(side.claims)}
