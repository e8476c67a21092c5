"""RuleSet -> an engine ruleset definition (plain data), refusing anything that would reach a
known fault of the engine (see shared/durable-rules.md).

Each rule's condition is brought to disjunctive normal form; every alternative becomes one engine
rule `<rule id>#<n>` (so `any` never relies on the engine's `$or`, fault 9). An alternative has one
pattern on the scenario fact and one per derived fact it tests; every pattern starts with a
positive `kind` test (fault 7) and reads only its own fact's values (fault 6).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .errors import Diagnostic, FollowupError, Location
from .facts import FACTS
from .logic import MAX_ALTERNATIVES, Literal, dnf, domains, exclusive, satisfiable
from .model import Rule, RuleSet, Value
from .records import Frozen

MAX_PATTERNS = 16  # patterns in one `all` (fault 5)
SCENARIO_KIND = "scenario"


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class EngineRule(Frozen):
    name: str  # "<rule id>#<n>"
    rule: str
    alternative: int
    literals: tuple[Literal, ...]
    asserts: tuple[tuple[str, Value], ...]

    def __init__(
        self,
        name: str,
        rule: str,
        alternative: int,
        literals: tuple[Literal, ...],
        asserts: tuple[tuple[str, Value], ...],
    ):
        self.__dict__.update(
            name=name, rule=rule, alternative=alternative, literals=literals, asserts=asserts
        )


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Compiled(Frozen):
    """What the engine adapter needs: the definition (no callables) and what each rule asserts."""

    name: str
    definition: dict[str, Any]
    rules: dict[str, EngineRule]
    depth: dict[str, int]  # rule id -> chaining depth (firing stage)

    def __init__(
        self, name: str, definition: dict[str, Any], rules: dict[str, EngineRule], depth: dict[str, int]
    ):
        self.__dict__.update(name=name, definition=definition, rules=rules, depth=depth)


def key(fact: str) -> str:
    """Engine property name of a fact ('company.culture' -> 'company__culture')."""
    return fact.replace(".", "__")


def derived_kind(name: str) -> str:
    return "d:" + name


def _test(lit: Literal) -> dict[str, Any]:
    k = "v" if lit.fact not in FACTS else key(lit.fact)
    v = lit.value
    if lit.op == "equals":
        return {k: v}
    if lit.op == "!=":
        return {"$neq": {k: v}}
    if lit.op == "one_of":
        return {"$or": [{k: x} for x in v]} if len(v) > 1 else {k: v[0]}
    if lit.op == "not_in":
        return {"$and": [{"$neq": {k: x}} for x in v]}
    if lit.op == "exists":
        return {"$ex": {k: 1}}
    if lit.op == "absent":
        return {"$nex": {k: 1}}
    return {{"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}[lit.op]: {k: v}}


def compile_rules(ruleset: RuleSet) -> Compiled:
    problems: list[Diagnostic] = []
    producers: dict[str, list[str]] = {}
    for rule in ruleset.rules:
        for name, _ in rule.facts:
            producers.setdefault(name, []).append(rule.id)
    depth = _depths(ruleset, producers, problems)
    rules: dict[str, EngineRule] = {}
    definition: dict[str, Any] = {}
    doms = domains(ruleset)
    for rule in ruleset.rules:
        alternatives = exclusive([a for a in dnf(rule.when) if satisfiable(a, doms)])
        if len(alternatives) > MAX_ALTERNATIVES:
            problems.append(
                Diagnostic(
                    rule.loc,
                    "too-complex",
                    f"rule {rule.id!r}: its condition expands to more than "
                    f"{MAX_ALTERNATIVES} alternatives; split the rule",
                )
            )
            continue
        for n, alt in enumerate(alternatives):
            groups: dict[str, list[Literal]] = {}
            for lit in alt:
                kind = SCENARIO_KIND if lit.fact in FACTS else derived_kind(lit.fact)
                groups.setdefault(kind, []).append(lit)
            if not groups:
                groups[SCENARIO_KIND] = []
            if len(groups) > MAX_PATTERNS:
                problems.append(
                    Diagnostic(
                        rule.loc,
                        "too-complex",
                        f"rule {rule.id!r} tests more than {MAX_PATTERNS} facts at once",
                    )
                )
                continue
            patterns = []
            for i, (kind, lits) in enumerate(sorted(groups.items())):
                tests: list[dict[str, Any]] = [{"kind": kind}] + [_test(lit) for lit in lits]
                patterns.append({f"p{i}": {"$and": tests} if len(tests) > 1 else tests[0]})
            name = f"{rule.id}#{n}"
            definition[name] = {"all": patterns, "pri": depth.get(rule.id, 0)}
            rules[name] = EngineRule(name, rule.id, n, tuple(alt), rule.facts)
    problems += _engine_limits(ruleset, definition, rules)
    if problems:
        raise FollowupError(problems)
    return Compiled("followup-" + ruleset.digest.split(":")[1], definition, rules, depth)


def _engine_limits(
    ruleset: RuleSet, definition: dict[str, Any], rules: dict[str, EngineRule]
) -> list[Diagnostic]:
    """The engine's size limits (engine_limits.py: what its network of test nodes would need),
    each reported at a rule that reaches it (faults 3, 4, 19 and 20)."""
    from . import engine_limits as el

    out = []
    for found in el.check(definition):
        rid = _blame(ruleset, [rules[name].rule for name in found.rules if name in rules])
        loc = ruleset.rule(rid).loc if rid else Location(ruleset.directory)
        if found.limit == "stack":
            kind, detail = found.detail.split("|", 1)
            detail = _fact_names(detail)
            message = (
                f"one {kind!r} fact could need {found.size} places on the engine's match stack "
                f"({detail}, with rule {rid!r}); the engine has 64 and rejects the fact beyond "
                f"them (error 303; limit {el.MAX_STACK}): use fewer thresholds or fewer rules "
                "under one condition"
            )
        elif found.limit == "children":
            message = (
                f"the rules make {found.size} distinct engine tests under one node "
                f"({_fact_names(found.detail)}); the engine hangs near {el.ENGINE_CHILDREN} "
                f"(limit {el.MAX_CHILDREN}): merge or drop rules"
            )
        elif found.limit == "absent":
            message = (
                f"the rules make {found.size} absence tests under one node "
                f"({_fact_names(found.detail)}); the engine fails at {el.ENGINE_ABSENT} "
                f"(limit {el.MAX_ABSENT}): merge or drop rules"
            )
        else:
            message = (
                f"{found.size} rules end on one identical condition ({_fact_names(found.detail)}), "
                f"{rid!r} among them; the engine holds at most {el.ENGINE_BETA} (error 108; limit "
                f"{el.MAX_BETA}): merge rules that share a condition"
            )
        out.append(Diagnostic(loc, "engine-limit", message))
    return out


def _blame(ruleset: RuleSet, rule_ids: list[str]) -> str:
    """The rule to locate a limit at: from the file that contributes the most of the rules that
    reach it (a house file that adds a ladder, not a stock rule sharing one of its tests), its
    first such rule."""
    if not rule_ids:
        return ""
    by_file: dict[str, list[Rule]] = {}
    for rid in set(rule_ids):
        rule = ruleset.rule(rid)
        by_file.setdefault(rule.path, []).append(rule)
    crowd = max(sorted(by_file), key=lambda path: len(by_file[path]))
    return min(by_file[crowd], key=lambda r: r.loc).id


def _fact_names(text: str) -> str:
    """Engine property names back to fact names ('company__culture' -> 'company.culture')."""
    return text.replace("__", ".")


def _depths(ruleset: RuleSet, producers: dict[str, list[str]], problems: list[Diagnostic]) -> dict[str, int]:
    """Chaining depth of each rule: 0 when it reads only scenario facts, else one more than the
    deepest rule whose facts it reads. A cycle is an error."""
    reads: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        reads[rule.id] = {p for n in ruleset.reads(rule.id) for p in producers.get(n, [])}
    depth: dict[str, int] = {}
    state: dict[str, int] = {}

    def visit(rid: str, chain: list[str]) -> int:
        if state.get(rid) == 2:
            return depth[rid]
        if state.get(rid) == 1:
            cycle = chain[chain.index(rid) :] + [rid]
            problems.append(
                Diagnostic(
                    ruleset.rule(rid).loc,
                    "chaining-cycle",
                    "rules feed each other in a cycle: " + " -> ".join(cycle),
                )
            )
            return 0
        state[rid] = 1
        d = 0
        for p in sorted(reads[rid]):
            d = max(d, visit(p, chain + [rid]) + 1)
        state[rid] = 2
        depth[rid] = d
        return d

    for rule in ruleset.rules:
        visit(rule.id, [])
    return depth
