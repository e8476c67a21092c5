"""The audit trail of one answer: ONE recorded trace of events, filtered by level and rendered.

The trace is built from what the evaluation recorded: the facts asserted into the engine (with how
each computed fact was computed), the engine's firings in order with the facts each one matched,
and the decision over them. Rules that did not fire are checked against the same recorded facts
to name the first test that failed. "What would change it" is found by evaluating again with
other inputs, never guessed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from followup.core.decide import ORDER
from followup.core.facts import FACTS
from followup.core.logic import Literal, dnf
from followup.core.model import Recommendation, Rule, RuleSet, Scenario

from .answer import answer_json, draft_for
from .changes import what_would_change
from .trace import show_value

if TYPE_CHECKING:  # pragma: no cover
    from followup.messages.draft import Draft

OP_TEXT = {
    "equals": "=",
    "!=": "!=",
    "one_of": "in",
    "not_in": "not in",
    "<": "<",
    "<=": "<=",
    ">": ">",
    ">=": ">=",
}


def holds(lit: Literal, facts: dict[str, Any]) -> bool:
    """Whether one literal holds over recorded facts (derived facts: a set of values per name)."""
    present = lit.fact in facts
    if lit.op == "exists":
        return present
    if lit.op == "absent":
        return not present
    if not present:
        return False
    values = facts[lit.fact] if lit.fact not in FACTS else [facts[lit.fact]]
    return any(_holds_one(lit, v) for v in values)


def _holds_one(lit: Literal, actual: Any) -> bool:
    want = lit.value
    if isinstance(actual, dt.date):
        actual = actual.isoformat()
    if lit.op == "equals":
        return bool(actual == want and type(actual) is type(want))
    if lit.op == "!=":
        return not (actual == want and type(actual) is type(want))
    if lit.op == "one_of":
        return any(actual == w and type(actual) is type(w) for w in want)
    if lit.op == "not_in":
        return not any(actual == w and type(actual) is type(w) for w in want)
    if isinstance(actual, bool) or not isinstance(actual, int):
        return False
    return bool({"<": actual < want, "<=": actual <= want, ">": actual > want, ">=": actual >= want}[lit.op])


def literal_text(lit: Literal, actual: Any, present: bool) -> str:
    """`days_since_interview = 9 >= 7`, `next_contact = final, needed status`."""
    if lit.op == "exists":
        return (
            f"{lit.fact} exists (= {show_value(actual)})"
            if present
            else f"{lit.fact} is absent, needed present"
        )
    if lit.op == "absent":
        return f"{lit.fact} is absent" if not present else f"{lit.fact} = {show_value(actual)}, needed absent"
    if not present:
        return f"{lit.fact} is absent, needed {OP_TEXT[lit.op]} {show_value(lit.value)}"
    shown = show_value(actual)
    if lit.op == "equals":
        return (
            f"{lit.fact} = {shown}"
            if _holds_one(lit, actual)
            else f"{lit.fact} = {shown}, needed {show_value(lit.value)}"
        )
    return (
        f"{lit.fact} = {shown} {OP_TEXT[lit.op]} {show_value(lit.value)}"
        if _holds_one(lit, actual)
        else f"{lit.fact} = {shown}, needed {OP_TEXT[lit.op]} {show_value(lit.value)}"
    )


def _claims(ruleset: RuleSet, ids: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"claim": c, "article": ruleset.articles.get(c[:3], "")} for c in ids]


def build_trace(
    ruleset: RuleSet,
    rec: Recommendation,
    alternatives: dict[str, list[list[Literal]]],
    what_changes: list[dict[str, Any]],
    compiled: Any,
    draft: Draft | None = None,
) -> list[dict[str, Any]]:
    """All events of one evaluation, in order: facts, firings, rules that did not fire, the outcome
    of each fired rule, the answer, its conflicts and what would change it."""
    events: list[dict[str, Any]] = []
    for name in FACTS:
        if name in rec.facts:
            value = rec.facts[name]
            how = rec.how.get(name) or (
                "scenario input"
                if "." in name or name in ("as_of", "interview_date", "decision_by", "follow_up_after")
                else ""
            )
            events.append({"event": "fact", "fact": name, "value": show_value(value), "how": how})
    derived: dict[str, list[Any]] = {}
    producers: dict[tuple[str, str], str] = {}
    consumers: dict[str, list[str]] = {}
    seen: set[str] = set()
    for f in rec.firings:
        for name, value in f.matched.items():
            if name not in FACTS:
                consumers.setdefault(f"{name}={show_value(value)}", []).append(f.rule)
    for f in rec.firings:
        rule = ruleset.rule(f.rule)
        lits = compiled.rules[f"{f.rule}#{f.alternative}"].literals  # what the engine matched
        matched = []
        for lit in lits:
            actual = f.matched.get(lit.fact, rec.facts.get(lit.fact))
            entry = {
                "fact": lit.fact,
                "op": lit.op,
                "expected": show_value(lit.value),
                "actual": show_value(actual),
                "text": literal_text(lit, actual, lit.fact in f.matched or lit.fact in rec.facts),
            }
            if lit.fact not in FACTS:
                entry["from_rule"] = producers.get((lit.fact, show_value(actual)), "")
            matched.append(entry)
        asserted = []
        for name, value in f.asserted:
            derived.setdefault(name, [])
            if value not in derived[name]:
                derived[name].append(value)
            producers.setdefault((name, show_value(value)), f.rule)
            asserted.append(
                {
                    "fact": name,
                    "value": show_value(value),
                    "used_by": sorted(set(consumers.get(f"{name}={show_value(value)}", []))),
                }
            )
        events.append(
            {
                "event": "fire",
                "order": f.order,
                "rule": f.rule,
                "description": rule.description,
                "alternative": f.alternative,
                "repeat": f.rule in seen,
                "priority": rule.priority,
                "matched": matched,
                "asserted": asserted,
                "sources": _claims(ruleset, rule.sources),
            }
        )
        seen.add(f.rule)
    known: dict[str, Any] = dict(rec.facts)
    known.update(derived)
    missed: dict[str, dict[str, Any]] = {}
    for rule in ruleset.rules:
        if rule.id in seen:
            continue
        failed = _first_failure(rule, alternatives[rule.id], known, ruleset.branch_facts)
        if failed is not None:
            missed[rule.id] = failed
    # a rule that only waits for a derived fact nobody asserted matters only if one of the rules
    # that could assert it would have mattered itself (else it belongs to another branch)
    asserters: dict[str, set[str]] = {}
    for rule in ruleset.rules:
        for name, _ in rule.facts:
            asserters.setdefault(name, set()).add(rule.id)
    changed = True
    while changed:
        changed = False
        for rid, failed in list(missed.items()):
            fact = failed["failed"]["fact"]
            if fact not in FACTS and fact not in known and not (asserters.get(fact, set()) & set(missed)):
                del missed[rid]
                changed = True
    for rule in ruleset.rules:
        if rule.id in missed:
            events.append(
                {"event": "not_fired", "rule": rule.id, "description": rule.description, **missed[rule.id]}
            )
    events.extend(_outcomes(ruleset, rec))
    answer = rec.to_json()
    events.append(
        {
            "event": "answer",
            **{
                k: answer[k]
                for k in (
                    "action",
                    "verdict",
                    "contact",
                    "earliest",
                    "latest",
                    "window_note",
                    "channel",
                    "summary",
                    "advice",
                    "rules_digest",
                    "as_of",
                )
            },
            "decided_by": dict(rec.decided_by),
            "draft": answer_json(rec, draft)["draft"],
        }
    )
    for c in rec.conflicts:
        events.append({"event": "conflict", **c, "took_claims": _claims(ruleset, c["took"]["claims"])})
    events.extend(what_changes)
    return events


def _first_failure(
    rule: Rule, alts: list[list[Literal]], known: dict[str, Any], branch_facts: tuple[str, ...]
) -> dict[str, Any] | None:
    """The first failing test of the alternative that came closest, when the rule could have
    mattered: one test away from firing, or failing only on scenario facts (not on the chain's
    derived facts, which put it on another branch, e.g. a rule about another contact)."""
    best: list[Literal] | None = None
    for alt in alts:
        failing = [lit for lit in alt if not holds(lit, known)]
        if failing and (best is None or len(failing) < len(best)):
            best = failing
    if not best:
        return None
    if len(best) > 1 and any(lit.fact not in FACTS for lit in best):
        return None
    if any(lit.fact in branch_facts and lit.fact in known for lit in best):
        return None  # it is about another situation (another contact)
    lit = best[0]
    actual = known.get(lit.fact)
    if lit.fact not in FACTS and isinstance(actual, list):
        actual = actual[0] if len(actual) == 1 else actual
    return {
        "failed": {
            "fact": lit.fact,
            "op": lit.op,
            "expected": show_value(lit.value),
            "actual": show_value(actual) if lit.fact in known else None,
            "text": literal_text(lit, actual, lit.fact in known),
        },
        "also_failed": len(best) - 1,
    }


def _outcomes(ruleset: RuleSet, rec: Recommendation) -> list[dict[str, Any]]:
    """For each fired rule: what it decided, or what beat it and by which declared precedence."""
    out = []
    for rid in rec.fired:
        rule = ruleset.rule(rid)
        event: dict[str, Any] = {"event": "outcome", "rule": rid}
        if rid in rec.overridden:
            event["status"] = "overridden"
            event["by"] = rec.overridden[rid]
            event["precedence"] = f"{rec.overridden[rid]} declares overrides: [{rid}]"
        else:
            decided = [p for p, r in rec.decided_by.items() if r == rid]
            lost = []
            for part in ORDER:
                if part in rule.answer and part not in decided and part in rec.decided_by:
                    winner = ruleset.rule(rec.decided_by[part])
                    if part in ("earliest", "latest"):
                        how = "a later date"
                    else:
                        how = f"priority {winner.priority} > {rule.priority}"
                    lost.append({"part": part, "to": winner.id, "precedence": how})
            event["status"] = "decided" if decided else ("lost" if lost else "contributed")
            event["decided"] = decided
            event["lost"] = lost
        out.append(event)
    return out


def explain(advisor: Any, scenario: Scenario) -> tuple[Recommendation, list[dict[str, Any]]]:
    """Evaluate a scenario and record its whole trace."""
    rec = advisor.evaluate(scenario, accounts=True)
    alternatives = {rule.id: dnf(rule.when) for rule in advisor.ruleset.rules}
    changes = what_would_change(advisor, scenario, rec)
    draft = draft_for(rec, scenario, advisor.ruleset)
    return rec, build_trace(advisor.ruleset, rec, alternatives, changes, advisor.compiled, draft)
