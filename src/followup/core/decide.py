"""Firings -> Recommendation: conflict resolution as declared in the rules (priority, overrides,
answer.yaml), the reasons, the disagreements the answer rests on, and the wording."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from .errors import Diagnostic, FollowupError, Location
from .model import Firing, Recommendation, Rule, RuleSet

PARTS = ("action", "verdict", "contact", "channel")
ORDER = PARTS + ("earliest", "latest")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def show_date(day: dt.date) -> str:
    return day.strftime("%a %Y-%m-%d")


def _show(value: Any) -> str:
    if value is None:
        return "(not given)"
    if value is True:
        return "yes"
    if value is False:
        return "no"
    if isinstance(value, dt.date):
        return show_date(value)
    return str(value)


_TEMPLATES: dict[str, tuple[tuple[str, str], ...]] = {}


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace {name} with the value of that fact or answer part; nothing else is interpreted
    (no attributes, indexes or format specs: `{a.b}` is just an unknown name)."""
    parts = _TEMPLATES.get(template)
    if parts is None:
        pieces = _PLACEHOLDER.split(template)  # text, name, text, name, ..., text
        parts = tuple(
            (pieces[i], pieces[i + 1] if i + 1 < len(pieces) else "") for i in range(0, len(pieces), 2)
        )
        _TEMPLATES[template] = parts
    out = []
    for text, name in parts:
        out.append(text)
        if name:
            out.append(_show(values.get(name)))
    return "".join(out)


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
    best: dict[str, tuple[int, Rule]] = {}
    windows: dict[str, tuple[dt.date, Rule]] = {}
    for rid in active:  # one pass: each rule offers its answer parts and dates
        rule = rules[rid]
        for part, value in rule.answer.items():
            if part in ("earliest", "latest"):
                for expr in value:
                    base = facts.get(expr.fact)
                    if not isinstance(base, dt.date):
                        continue
                    day = base + dt.timedelta(days=expr.plus_days)
                    cur = windows.get(part)
                    if cur is None or day > cur[0] or (day == cur[0] and rule.priority > cur[1].priority):
                        windows[part] = (day, rule)
                continue
            if isinstance(value, tuple):  # ("fact", name): the value of a scenario fact
                value = facts.get(value[1])
                if value is None:
                    continue
            held = best.get(part)
            if held is None or rule.priority > held[0]:
                best[part] = (rule.priority, rule)
                answer[part] = value
            elif rule.priority == held[0] and value != answer[part]:
                raise FollowupError(
                    [
                        Diagnostic(
                            rule.loc,
                            "ambiguous-answer",
                            f"rules {held[1].id!r} and {rule.id!r} both fired with "
                            f"priority {rule.priority} and set {part} to "
                            f"{answer[part]!r} and {value!r}",
                            "give one a higher priority or an 'overrides'",
                        )
                    ]
                )
    for part in ORDER:
        decider = best[part][1] if part in best else windows[part][1] if part in windows else None
        if decider is not None:
            decided_by[part] = decider.id

    unmatched = "action" not in answer
    if unmatched:
        answer["action"] = ruleset.unmatched["action"]
        answer["verdict"] = ruleset.unmatched["verdict"]
    answer.setdefault("verdict", ruleset.unmatched["verdict"])
    earliest = windows["earliest"][0] if "earliest" in windows else None
    latest = windows["latest"][0] if "latest" in windows else None
    channel = answer.get("channel")
    quiet = answer["action"] in ruleset.no_channel_for  # nothing is to be sent
    if quiet:
        channel, earliest, latest = None, None, None
        for part in ("channel", "earliest", "latest"):
            decided_by.pop(part, None)
    if earliest and latest and latest < earliest:
        latest = None
        decided_by.pop("latest", None)
    if not unmatched:
        _check_window(rules, decided_by, answer["verdict"], earliest, as_of)

    values = dict(facts)
    values.update(
        {
            "action": answer["action"],
            "verdict": answer["verdict"],
            "contact": answer.get("contact"),
            "channel": channel,
            "earliest": earliest,
            "latest": latest,
        }
    )

    # advice on the message; when nothing is to be sent, only from the rules that decided that
    deciders = set(decided_by.values())
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
    shaping = _shaping(ruleset, first, decided_by, advising)
    reasons = [
        {"rule": rid, "says": fill(rules[rid].says, values), "sources": list(rules[rid].sources)}
        for rid in fired
        if rid in shaping
    ]
    if unmatched:
        summary = ruleset.unmatched["summary"]
    else:
        summary = _summary(rules, decided_by, answer, values)
    return Recommendation(
        action=answer["action"],
        verdict=answer["verdict"],
        contact=answer.get("contact"),
        earliest=earliest,
        latest=latest,
        channel=channel,
        summary=summary,
        reasons=reasons,
        conflicts=_conflicts(ruleset, rules, [r for r in fired if r in shaping]),
        advice=advice,
        rules_digest=ruleset.digest,
        as_of=as_of,
        fired=fired,
        overridden=overridden,
        facts=facts,
        firings=firings,
        decided_by=decided_by,
    )


def _shaping(
    ruleset: RuleSet, first: dict[str, Firing], decided_by: dict[str, str], advising: set[str]
) -> set[str]:
    """Rules that set a part of the answer, and the rules whose derived facts those tested
    (transitively)."""
    out = set(decided_by.values()) | advising
    producers: dict[str, list[str]] = {}
    for rid, firing in first.items():
        for name, _ in firing.asserted:
            producers.setdefault(name, []).append(rid)
    todo = list(out)
    while todo:
        rid = todo.pop()
        for name in ruleset.reads(rid):
            for other in producers.get(name, ()):
                if other not in out and _feeds(ruleset.rule(rid), first[other].asserted, name):
                    out.add(other)
                    todo.append(other)
    return out


def _feeds(rule: Rule, asserted: tuple[tuple[str, Any], ...], name: str) -> bool:
    """Whether a fact `name` that another rule asserted satisfies some test of `rule` on it."""
    values = [v for n, v in asserted if n == name]
    return any(_accepts(t, values) for t in rule.tests_on(name))


def _accepts(test: Any, values: list[Any]) -> bool:
    if test.op == "exists":
        return True
    wanted = test.value if test.op == "one_of" else (test.value,)
    return any(v == w and type(v) is type(w) for v in values for w in wanted)


def _check_window(
    rules: dict[str, Rule], decided_by: dict[str, str], verdict: str, earliest: dt.date | None, as_of: dt.date
) -> None:
    """The answer never contradicts itself: a 'not yet' waits for a date after as_of, a 'yes'
    never names a first day still to come. Otherwise the rules are wrong: a located error at the
    rule that decided the verdict (a house rule cannot slip such an answer through)."""
    if verdict == "not_yet" and (earliest is None or earliest <= as_of):
        rule = rules[decided_by["verdict"]] if "verdict" in decided_by else None
        when = f"puts its earliest day at {earliest}, not after {as_of}" if earliest else "gives no date"
        raise FollowupError(
            [
                Diagnostic(
                    rule.loc if rule else Location("<rules>"),
                    "contradictory-answer",
                    f"rule {rule.id if rule else '?'!r} says not yet, but the answer {when}",
                    "give the rule an `earliest` date after the day asked, or another verdict",
                )
            ]
        )
    if verdict == "yes" and earliest is not None and earliest > as_of:
        rule = rules[decided_by["earliest"]]
        raise FollowupError(
            [
                Diagnostic(
                    rule.loc,
                    "contradictory-answer",
                    f"the answer says yes, but rule {rule.id!r} puts the earliest day at {earliest}, "
                    f"after {as_of}",
                    "a rule that moves the window out should also say not_yet (priority or overrides)",
                )
            ]
        )


def _summary(
    rules: dict[str, Rule], decided_by: dict[str, str], answer: dict[str, Any], values: dict[str, Any]
) -> str:
    order = []
    if answer["verdict"] == "not_yet" and "earliest" in decided_by:
        order.append(decided_by["earliest"])
    order += [decided_by[p] for p in ("action", "verdict") if p in decided_by]
    for rid in order:  # only a rule that says this verdict speaks for it
        if rules[rid].summary and rules[rid].answer.get("verdict") == answer["verdict"]:
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
        out.append(
            {
                "conflict": cid,
                "question": conflict.question,
                "took": side(took),
                "other_sides": [side(s) for s in conflict.sides if s.id != side_id],
                "decided_by": rule.id,
            }
        )
    return out
