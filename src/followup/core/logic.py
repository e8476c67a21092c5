"""Reasoning about rule conditions as logic, shared by the compiler, lint and explain: conditions
in disjunctive normal form (alternatives of literals, negation pushed down to the tests), whether a
set of literals can hold at once, and alternatives made to exclude each other.

A test on an absent fact is false, so `not` of a test on an optional fact also holds when the fact
is absent: that adds an `absent` alternative.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from .facts import ENUM_SOURCE, FACTS
from .model import Condition, RuleSet, Test
from .records import Frozen

MAX_ALTERNATIVES = 16  # engine rules per YAML rule (the compiler refuses more)

INVERSE = {
    "equals": "!=",
    "!=": "equals",
    "one_of": "not_in",
    "not_in": "one_of",
    "<": ">=",
    ">=": "<",
    "<=": ">",
    ">": "<=",
    "exists": "absent",
    "absent": "exists",
}


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Literal(Frozen):
    """A test after negation was pushed down: op in equals != one_of not_in < <= > >= exists absent."""

    fact: str
    op: str
    value: Any
    source: Test

    def __init__(self, fact: str, op: str, value: Any, source: Test):
        self.__dict__.update(fact=fact, op=op, value=value, source=source)


def dnf(cond: Condition, negated: bool = False) -> list[list[Literal]]:
    """Alternatives (each a conjunction of literals) equivalent to the condition.

    A test on an absent fact is false, so `not` of a test on an optional fact also holds when the
    fact is absent: that adds an `absent` alternative."""
    if cond.kind == "test":
        t = cond.test
        assert t is not None
        op = "exists" if t.op == "exists" and t.value else ("absent" if t.op == "exists" else t.op)
        if not negated:
            return [[Literal(t.fact, op, t.value, t)]]
        alts = [[Literal(t.fact, INVERSE[op], t.value, t)]]
        spec = FACTS.get(t.fact)
        if op not in ("exists", "absent") and spec is not None and spec.optional:
            alts.append([Literal(t.fact, "absent", True, t)])
        return alts
    if cond.kind == "not":
        return dnf(cond.children[0], not negated)
    conjunctive = (cond.kind == "all") != negated
    parts = [dnf(c, negated) for c in cond.children]
    if not parts:
        return [[]] if conjunctive else []
    if conjunctive:
        out = []
        for combo in itertools.product(*parts):
            out.append([lit for alt in combo for lit in alt])
            if len(out) > MAX_ALTERNATIVES:
                break
        return out
    return [alt for p in parts for alt in p]


def satisfiable(literals: list[Literal], domains: dict[str, tuple[Any, ...]] | None = None) -> bool:
    """Whether some facts satisfy every literal at once (each fact has one value). `domains` gives
    the possible values of enumerated and derived facts; whole numbers are reasoned as intervals."""
    by_fact: dict[str, list[Literal]] = {}
    for lit in literals:
        by_fact.setdefault(lit.fact, []).append(lit)
    for fact, lits in by_fact.items():
        ops = {lit.op for lit in lits}
        if "absent" in ops:
            if ops != {"absent"}:
                return False
            continue
        spec = FACTS.get(fact)
        if spec is not None and spec.type == "bool":
            candidates: list[Any] | None = [True, False]
        elif spec is not None and spec.type == "int":
            candidates = None
        else:
            candidates = list((domains or {}).get(fact, ())) or None
        lo, hi = -(10**9), 10**9
        for lit in lits:
            if lit.op in ("equals", "one_of"):
                allowed = list(lit.value) if lit.op == "one_of" else [lit.value]
                candidates = (
                    allowed
                    if candidates is None
                    else [c for c in candidates if any(c == a and type(c) is type(a) for a in allowed)]
                )
            elif lit.op == "<":
                hi = min(hi, lit.value - 1)
            elif lit.op == "<=":
                hi = min(hi, lit.value)
            elif lit.op == ">":
                lo = max(lo, lit.value + 1)
            elif lit.op == ">=":
                lo = max(lo, lit.value)
        excluded = [
            x
            for lit in lits
            if lit.op in ("!=", "not_in")
            for x in (lit.value if lit.op == "not_in" else [lit.value])
        ]
        if candidates is not None:
            if spec is not None and spec.type == "int":
                candidates = [c for c in candidates if isinstance(c, int) and lo <= c <= hi]
            candidates = [c for c in candidates if not any(c == x and type(c) is type(x) for x in excluded)]
            if not candidates:
                return False
        elif lo > hi or (
            hi - lo < len(excluded) and all(any(v == x for x in excluded) for v in range(lo, hi + 1))
        ):
            return False
    return True


def exclusive(alternatives: list[list[Literal]]) -> list[list[Literal]]:
    """Make alternatives exclude each other where that costs one test: when an earlier alternative
    differs from a later one by a single test on an always-present scenario fact, the later one
    also requires that test to fail. Same logic, but an `any` whose branches are all true then
    fires once instead of once per branch (fewer engine actions, fault 9)."""
    out: list[list[Literal]] = []
    for alt in alternatives:
        extra: list[Literal] = []
        for earlier in alternatives[: len(out)]:
            diff = [lit for lit in earlier if lit not in alt]
            if len(diff) != 1:
                continue
            lit = diff[0]
            spec = FACTS.get(lit.fact)
            if spec is None or spec.optional or lit.op in ("exists", "absent"):
                continue
            extra.append(Literal(lit.fact, INVERSE[lit.op], lit.value, lit.source))
        out.append(alt + [e for e in extra if e not in alt])
    return out


def domains(ruleset: RuleSet) -> dict[str, tuple[Any, ...]]:
    """Possible values of each enumerated scenario fact and each derived fact."""
    out: dict[str, tuple[Any, ...]] = {
        name: ruleset.vocabulary.get(ENUM_SOURCE.get(name, name), ())
        for name, spec in FACTS.items()
        if spec.type == "enum"
    }
    out.update(ruleset.derived)
    return out
