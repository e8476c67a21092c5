"""Rules about rules: every problem of a rules directory in one run, errors and warnings.

Errors come from validation and compilation (the rules cannot be used as they are) and from the
checks here that find a rule that can never fire or two rules that can match the same scenario
and set the same answer part differently with no declared precedence. Warnings (as in yamllint:
the rules work, but something is off) are a claim neither cited nor listed as not encoded, a
claim cited although listed as not encoded, and a derived fact no rule tests. The message
templates beside the rules are checked by lint_messages.py.
"""

from __future__ import annotations

import itertools
import os

from followup.core.compiler import compile_rules
from followup.core.decide import PARTS
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.logic import dnf, domains, satisfiable
from followup.core.model import Rule, RuleSet
from followup.core.rules import load_rules, rule_file_names
from followup.messages.templates import Messages

from .lint_messages import lint_messages


def lint(directory: str) -> list[Diagnostic]:
    """All problems of a rules directory, sorted by location. Raises FollowupError only when the
    directory cannot be linted at all (it does not exist or holds no YAML)."""
    if not os.path.isdir(directory) or not rule_file_names(directory):
        raise FollowupError(
            [Diagnostic(Location(directory), "no-such-directory", "not a rules directory (no YAML files)")]
        )
    try:
        ruleset = load_rules(directory)
    except FollowupError as exc:
        return sorted(exc.diagnostics, key=_order)
    problems: list[Diagnostic] = []
    try:
        compile_rules(ruleset)
    except FollowupError as exc:
        problems.extend(exc.diagnostics)
    found, messages = lint_messages(ruleset)
    problems += _never_fires(ruleset) + _ambiguous(ruleset) + _claims(ruleset, messages) + _unused(ruleset)
    problems += _answers(ruleset) + found
    return sorted(problems, key=_order)


def _order(d: Diagnostic) -> tuple[Location, str, str]:
    return (d.location, d.code, d.message)


def _never_fires(ruleset: RuleSet) -> list[Diagnostic]:
    doms = domains(ruleset)
    out = []
    for rule in ruleset.rules:
        alts = dnf(rule.when)
        if alts and not any(satisfiable(a, doms) for a in alts):
            out.append(
                Diagnostic(
                    rule.loc,
                    "never-fires",
                    f"rule {rule.id!r} can never fire: its conditions contradict each other",
                )
            )
    return out


def _ambiguous(ruleset: RuleSet) -> list[Diagnostic]:
    """Pairs of rules of equal priority, neither overriding the other, that set an answer part to
    different values and can both match one scenario (derived facts taken to have one value)."""
    doms = domains(ruleset)
    alts = {r.id: dnf(r.when) for r in ruleset.rules}
    out = []
    setters = [r for r in ruleset.rules if any(p in r.answer for p in PARTS)]
    for a, b in itertools.combinations(setters, 2):
        if a.priority != b.priority or a.id in b.overrides or b.id in a.overrides:
            continue
        parts = [p for p in PARTS if p in a.answer and p in b.answer and a.answer[p] != b.answer[p]]
        if not parts:
            continue
        if any(satisfiable(x + y, doms) for x in alts[a.id] for y in alts[b.id]):
            first, second = sorted((a, b), key=lambda r: r.loc)
            out.append(
                Diagnostic(
                    second.loc,
                    "ambiguous-precedence",
                    f"rules {first.id!r} and {second.id!r} can match the same scenario and "
                    f"set {', '.join(parts)} differently, both at priority {a.priority}",
                    "give one a higher priority, or list the other in its overrides",
                )
            )
    return out


SUMMARY_OPENINGS = {"yes": ("Yes",), "not_yet": ("Not yet",), "no": ("No",)}


def _answers(ruleset: RuleSet) -> list[Diagnostic]:
    """Rules whose answer would contradict itself: a `not_yet` must name the day to wait for
    (`earliest`), and a one-line summary must say the verdict its rule sets (it is shown only
    when the answer has that verdict)."""
    out = []
    for rule in ruleset.rules:
        verdict = rule.answer.get("verdict")
        if verdict == "not_yet" and "earliest" not in rule.answer:
            out.append(
                Diagnostic(
                    rule.loc,
                    "needs-date",
                    f"rule {rule.id!r} says not_yet but gives no `earliest`: the answer would have no "
                    "day to wait for",
                    "add `earliest: {date: ..., plus_days: N}`",
                )
            )
        if verdict == "not_yet" and "earliest" in rule.answer and not _waits_for_later(rule):
            out.append(
                Diagnostic(
                    rule.loc,
                    "stale-wait",
                    f"rule {rule.id!r} says not_yet, but on some days its condition allows, its "
                    "earliest date is already past: 'not yet' would name a day gone by",
                    "bound the condition by the same number of days as the earliest date "
                    "(e.g. days_since_interview < 7 with interview_date plus_days 7)",
                )
            )
        if rule.summary and verdict is None:
            out.append(
                Diagnostic(
                    rule.loc,
                    "summary-verdict",
                    f"rule {rule.id!r} has a summary but sets no verdict, so the summary is never shown",
                    "set the verdict the summary speaks for, or drop the summary",
                )
            )
        elif rule.summary and not rule.summary.startswith(SUMMARY_OPENINGS.get(str(verdict), ())):
            openings = " or ".join(repr(w) for w in SUMMARY_OPENINGS.get(str(verdict), ()))
            out.append(
                Diagnostic(
                    rule.loc,
                    "summary-verdict",
                    f"rule {rule.id!r} sets verdict {verdict} but its summary does not say so",
                    f"start the summary with {openings}",
                )
            )
    return out


# date fact -> (the days fact that measures it from as_of, +1 if it counts days since the date,
# -1 if days until it)
_DAYS_OF = {
    "interview_date": ("days_since_interview", 1),
    "thank_you_date": ("days_since_thank_you", 1),
    "last_follow_up_date": ("days_since_last_follow_up", 1),
    "last_contact_date": ("days_since_last_contact", 1),
    "last_reply_date": ("days_since_last_reply", 1),
    "decision_by": ("days_until_decision_by", -1),
    "follow_up_after": ("days_until_follow_up_after", -1),
}


def _waits_for_later(rule: Rule) -> bool:
    """Whether, whenever the rule fires, one of its `earliest` dates is after as_of: in every
    alternative of its condition some date `D + plus` has its days fact bounded so that it is."""
    for alt in dnf(rule.when):
        bounds: dict[str, tuple[float, float]] = {}
        for lit in alt:
            lo, hi = bounds.get(lit.fact, (float("-inf"), float("inf")))
            if lit.op in ("<", "<=", ">", ">=", "equals") and isinstance(lit.value, int):
                v = lit.value
                if lit.op == "<":
                    hi = min(hi, v - 1)
                elif lit.op == "<=" or lit.op == "equals":
                    hi = min(hi, v)
                if lit.op == ">":
                    lo = max(lo, v + 1)
                elif lit.op == ">=" or lit.op == "equals":
                    lo = max(lo, v)
            bounds[lit.fact] = (lo, hi)
        later = False
        for expr in rule.answer["earliest"]:
            if expr.fact == "as_of":
                later = later or expr.plus_days > 0
                continue
            days_fact, sign = _DAYS_OF.get(expr.fact, ("", 0))
            lo, hi = bounds.get(days_fact, (float("-inf"), float("inf")))
            # since: as_of = D + days, so D + plus > as_of <=> days < plus
            # until: D = as_of + days, so D + plus > as_of <=> days > -plus
            later = later or (hi <= expr.plus_days - 1 if sign == 1 else lo >= 1 - expr.plus_days)
        if not later:
            return False
    return True


def _claims(ruleset: RuleSet, messages: Messages | None) -> list[Diagnostic]:
    """Claims neither cited (by a rule or a message template) nor marked not encoded, and claims
    cited although marked not encoded."""
    cited: dict[str, tuple[Location, str]] = {}
    for rule in ruleset.rules:
        for claim_id in rule.sources:
            cited.setdefault(claim_id, (rule.loc, f"rule {rule.id!r}"))
    for template in messages.templates if messages is not None else ():
        for claim_id in template.sources:
            cited.setdefault(claim_id, (template.loc, f"template {template.id!r}"))
    sources = Location(os.path.join(ruleset.directory, "sources.yaml"))
    out = []
    for claim in ruleset.claims.values():
        if claim.encoded and claim.id not in cited:
            out.append(
                Diagnostic(
                    sources,
                    "uncovered-claim",
                    f"claim {claim.id} is neither cited by a rule nor marked encoded: false",
                    "cite it in a rule's sources, or add encoded: false with a reason",
                    level="warning",
                )
            )
        if not claim.encoded and claim.id in cited:
            out.append(
                Diagnostic(
                    cited[claim.id][0],
                    "cited-not-encoded",
                    f"{cited[claim.id][1]} cites {claim.id}, which sources.yaml lists as not encoded",
                    level="warning",
                )
            )
    return out


def _unused(ruleset: RuleSet) -> list[Diagnostic]:
    tested: set[str] = set(ruleset.branch_facts)
    for rule in ruleset.rules:
        tested.update(t.fact for t in rule.tests())
    out = []
    for rule in ruleset.rules:
        for name, _ in rule.facts:
            if name not in tested:
                out.append(
                    Diagnostic(
                        rule.loc,
                        "unused-fact",
                        f"rule {rule.id!r} asserts {name!r}, which no rule tests",
                        level="warning",
                    )
                )
    return out
