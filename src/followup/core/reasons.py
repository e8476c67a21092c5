"""What an answer says and why, once decide.py has settled its parts: the advice for the message,
the reasons (the rules that shaped the answer, never one that lost), the disagreements between
sources the answer rests on (each named with the rule that decided the part it concerns) and the
one-line summary (only from a rule that says the answer's own verdict)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .model import Firing, Rule, RuleSet
from .wording import fill


@dataclass
class Wording:
    """What decide.py settled, for wording it."""

    rules: dict[str, Rule]  # every fired rule
    first: dict[str, Firing]  # each fired rule's first firing
    fired: list[str]  # in firing order
    active: list[str]  # fired and not overridden
    lost: set[str]  # active, sets answer parts, decided none of them
    decided_by: dict[str, str]  # answer part -> rule
    answer: dict[str, Any]
    values: dict[str, Any]  # what placeholders read
    quiet: bool  # nothing is to be sent
    unmatched: bool  # no rule decided the action


@dataclass
class Worded:
    summary: str
    reasons: list[dict[str, Any]]
    conflicts: list[dict[str, Any]]
    advice: list[str]


def word_answer(ruleset: RuleSet, w: Wording) -> Worded:
    deciders = set(w.decided_by.values())
    advice: list[str] = []
    advising: set[str] = set()
    for rid in sorted(w.active, key=lambda r: (-w.rules[r].priority, w.first[r].order)):
        if rid in w.lost or (w.quiet and rid not in deciders):
            continue  # advice only from rules that count, and for silence only from its deciders
        if w.rules[rid].advice:
            advising.add(rid)
        for line in w.rules[rid].advice:
            text = fill(line, w.values)
            if text not in advice:
                advice.append(text)
    shaping = _shaping(ruleset, w, deciders | advising)
    reasons = [
        {"rule": rid, "says": fill(w.rules[rid].says, w.values), "sources": list(w.rules[rid].sources)}
        for rid in w.fired
        if rid in shaping
    ]
    summary = ruleset.unmatched["summary"] if w.unmatched else _summary(w)
    return Worded(summary, reasons, _conflicts(ruleset, w, shaping), advice)


def _producers(w: Wording) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for rid, firing in w.first.items():
        if rid in w.active:
            for name, _ in firing.asserted:
                out.setdefault(name, []).append(rid)
    return out


def _shaping(ruleset: RuleSet, w: Wording, start: set[str]) -> set[str]:
    """The rules that decided a part or advised, and the rules whose derived facts those tested
    (transitively); never a rule that lost all its parts."""
    producers = _producers(w)
    out = set(start) - w.lost
    todo = list(out)
    while todo:
        rid = todo.pop()
        for other in _fed_by(ruleset, w, producers, rid):
            if other not in out and other not in w.lost:
                out.add(other)
                todo.append(other)
    return out


def _fed_by(ruleset: RuleSet, w: Wording, producers: dict[str, list[str]], rid: str) -> list[str]:
    """The fired rules whose derived facts satisfied some test of rule `rid`."""
    rule = ruleset.rule(rid)
    out = []
    for name in ruleset.reads(rid):
        for other in producers.get(name, ()):
            values = [v for n, v in w.first[other].asserted if n == name]
            if any(_accepts(t, values) for t in rule.tests_on(name)):
                out.append(other)
    return out


def _accepts(test: Any, values: list[Any]) -> bool:
    if test.op == "exists":
        return True
    wanted = test.value if test.op == "one_of" else (test.value,)
    return any(v == x and type(v) is type(x) for v in values for x in wanted)


def _summary(w: Wording) -> str:
    """The summary of the rule that decided the window's first day (for a 'not yet'), else of the
    rule that decided the action or the verdict, provided that rule says this verdict itself."""
    order = []
    if w.answer["verdict"] == "not_yet" and "earliest" in w.decided_by:
        order.append(w.decided_by["earliest"])
    order += [w.decided_by[p] for p in ("action", "verdict") if p in w.decided_by]
    for rid in order:
        rule = w.rules[rid]
        if rule.summary and rule.answer.get("verdict") == w.answer["verdict"]:
            return fill(rule.summary, w.values)
    verdict = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}.get(w.answer["verdict"], w.answer["verdict"])
    return f"{verdict}: {w.answer['action'].replace('_', ' ')}."


def _conflicts(ruleset: RuleSet, w: Wording, shaping: set[str]) -> list[dict[str, Any]]:
    """Each disagreement the answer rests on: for a conflict about answer part P, the side taken by
    the rule that decided P, or else by a rule whose derived facts that rule rested on. The
    conflict names the deciding rule (`decided_by`) and the rule that declared the side
    (`side_from`, often the same)."""
    producers = _producers(w)
    out = []
    for conflict in ruleset.conflicts.values():
        decider = w.decided_by.get(conflict.part)
        if decider is None:
            continue
        side_id, side_from = _side(ruleset, w, producers, decider, conflict.id)
        if side_id is None:
            continue
        took = next(s for s in conflict.sides if s.id == side_id)
        out.append(
            {
                "conflict": conflict.id,
                "question": conflict.question,
                "part": conflict.part,
                "took": _side_json(took),
                "other_sides": [_side_json(s) for s in conflict.sides if s.id != side_id],
                "decided_by": decider,
                "side_from": side_from,
            }
        )
    return out


def _side(
    ruleset: RuleSet, w: Wording, producers: dict[str, list[str]], decider: str, conflict: str
) -> tuple[str | None, str]:
    """(side, rule that declared it): the decider's own, else the nearest rule it rested on."""
    seen = {decider}
    layer = [decider]
    while layer:
        for rid in layer:
            side = dict(w.rules[rid].decides).get(conflict)
            if side is not None:
                return side, rid
        nxt = []
        for rid in layer:
            for other in _fed_by(ruleset, w, producers, rid):
                if other not in seen:
                    seen.add(other)
                    nxt.append(other)
        layer = sorted(nxt)
    return None, ""


def _side_json(side: Any) -> dict[str, Any]:
    return {"side": side.id, "position": side.position, "claims": list(side.claims)}
