"""Firings -> Recommendation: conflict resolution as declared in the rules (priority, overrides,
answer.yaml), the reasons, the disagreements the answer rests on, and the wording."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import Diagnostic, FollowupError
from .model import Firing, Recommendation, Rule, RuleSet

PARTS = ("action", "verdict", "contact", "channel")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def show_date(day: dt.date) -> str:
    return day.strftime("%a %Y-%m-%d")


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace {name} with the value of that fact or answer part; nothing else is interpreted."""
    def one(m: re.Match[str]) -> str:
        value = values.get(m.group(1))
        if value is None:
            return "(not given)"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, dt.date):
            return show_date(value)
        return str(value)

    return _PLACEHOLDER.sub(one, template)


def decide(ruleset: RuleSet, firings: list[Firing], facts: dict[str, Any], as_of: dt.date) -> Recommendation:
    first: dict[str, Firing] = {}
    for f in firings:
        first.setdefault(f.rule, f)
    fired = list(first)
    rules = {rid: ruleset.rule(rid) for rid in fired}
    overridden: dict[str, str] = {}
    for rid in fired:
        for other in rules[rid].overrides:
            if other in first and other not in overridden:
                overridden[other] = rid
    active = [rid for rid in fired if rid not in overridden]

    decided_by: dict[str, str] = {}
    answer: dict[str, Any] = {}
    for part in PARTS:
        best: tuple[int, Rule, Any] | None = None
        for rid in active:
            rule = rules[rid]
            if part not in rule.answer:
                continue
            value = rule.answer[part]
            if isinstance(value, tuple):  # ("fact", name)
                value = facts.get(value[1])
                if value is None:
                    continue
            if best is None or rule.priority > best[0]:
                best = (rule.priority, rule, value)
            elif rule.priority == best[0] and value != best[2]:
                raise FollowupError([Diagnostic(rule.loc, "ambiguous-answer",
                                                f"rules {best[1].id!r} and {rule.id!r} both fired with "
                                                f"priority {rule.priority} and set {part} to "
                                                f"{best[2]!r} and {value!r}",
                                                "give one a higher priority or an 'overrides'")])
        if best is not None:
            answer[part] = best[2]
            decided_by[part] = best[1].id

    windows: dict[str, tuple[dt.date, str] | None] = {"earliest": None, "latest": None}
    for part in windows:
        for rid in active:
            for expr in rules[rid].answer.get(part, ()):
                base = facts.get(expr.fact)
                if not isinstance(base, dt.date):
                    continue
                day = base + dt.timedelta(days=expr.plus_days)
                cur = windows[part]
                if cur is None or day > cur[0] or (day == cur[0] and rules[rid].priority > rules[cur[1]].priority):
                    windows[part] = (day, rid)
        if windows[part] is not None:
            decided_by[part] = windows[part][1]  # type: ignore[index]

    unmatched = "action" not in answer
    if unmatched:
        answer["action"] = ruleset.unmatched["action"]
        answer["verdict"] = ruleset.unmatched["verdict"]
    answer.setdefault("verdict", ruleset.unmatched["verdict"])
    earliest = windows["earliest"][0] if windows["earliest"] else None
    latest = windows["latest"][0] if windows["latest"] else None
    channel = answer.get("channel")
    if answer["action"] in ruleset.no_channel_for:
        channel, earliest, latest = None, None, None
        for part in ("channel", "earliest", "latest"):
            decided_by.pop(part, None)
    if earliest and latest and latest < earliest:
        latest = None
        decided_by.pop("latest", None)

    values = dict(facts)
    values.update({"action": answer["action"], "verdict": answer["verdict"],
                   "contact": answer.get("contact"), "channel": channel,
                   "earliest": earliest, "latest": latest})

    # advice on the message; when nothing is to be sent, only from the rules that decided that
    deciders = set(decided_by.values())
    quiet = answer["action"] in ruleset.no_channel_for
    advice: list[str] = []
    advising: set[str] = set()
    for rid in sorted(active, key=lambda r: (-rules[r].priority, first[r].order)):
        if quiet and rid not in deciders:
            continue
        if rules[rid].advice:
            advising.add(rid)
        for line in rules[rid].advice:
            text = fill(line, values)
            if text not in advice:
                advice.append(text)
    shaping = _shaping(ruleset, first, active, decided_by, advising)
    reasons = [{"rule": rid, "says": fill(rules[rid].says, values), "sources": list(rules[rid].sources)}
               for rid in fired if rid in shaping]
    if unmatched:
        summary = ruleset.unmatched["summary"]
    else:
        summary = _summary(rules, decided_by, answer, values)
    return Recommendation(
        action=answer["action"], verdict=answer["verdict"], contact=answer.get("contact"),
        earliest=earliest, latest=latest, channel=channel, summary=summary, reasons=reasons,
        conflicts=_conflicts(ruleset, rules, [r for r in fired if r in shaping]), advice=advice,
        rules_digest=ruleset.digest, as_of=as_of, fired=fired, overridden=overridden, facts=facts,
        firings=firings, decided_by=decided_by)


def _shaping(ruleset: RuleSet, first: dict[str, Firing], active: list[str],
             decided_by: dict[str, str], advising: set[str]) -> set[str]:
    """Rules that set a part of the answer, and the rules whose facts those matched (transitively)."""
    out = set(decided_by.values())
    out |= {rid for rid in active if ruleset.rule(rid).advice and rid in advising}
    todo = list(out)
    while todo:
        rid = todo.pop()
        for name, value in first[rid].matched.items():
            for other, firing in first.items():
                if (name, value) in firing.asserted and other not in out:
                    out.add(other)
                    todo.append(other)
    return out


def _summary(rules: dict[str, Rule], decided_by: dict[str, str], answer: dict[str, Any],
             values: dict[str, Any]) -> str:
    order = []
    if answer["verdict"] == "not_yet" and "earliest" in decided_by:
        order.append(decided_by["earliest"])
    order += [decided_by[p] for p in ("action", "verdict") if p in decided_by]
    for rid in order:
        if rules[rid].summary:
            return fill(rules[rid].summary, values)
    verdict = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}.get(answer["verdict"], answer["verdict"])
    return f"{verdict}: {answer['action'].replace('_', ' ')}."


def _conflicts(ruleset: RuleSet, rules: dict[str, Rule], shaping: list[str]) -> list[dict[str, Any]]:
    """Each conflict some shaping rule takes a side in; the highest-priority such rule decides it."""
    chosen: dict[str, tuple[Rule, str]] = {}
    for rid in shaping:
        rule = rules[rid]
        for cid, side_id in rule.decides:
            if cid not in chosen or rule.priority > chosen[cid][0].priority:
                chosen[cid] = (rule, side_id)

    def side(s: Any) -> dict[str, Any]:
        return {"side": s.id, "position": s.position, "claims": list(s.claims)}

    out = []
    for cid, (rule, side_id) in chosen.items():
        conflict = ruleset.conflicts[cid]
        took = next(s for s in conflict.sides if s.id == side_id)
        out.append({"conflict": cid, "question": conflict.question, "took": side(took),
                    "other_sides": [side(s) for s in conflict.sides if s.id != side_id],
                    "decided_by": rule.id})
    return out
