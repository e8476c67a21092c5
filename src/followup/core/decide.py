"""Firings -> Recommendation: the answer parts by declared precedence (priority, overrides,
answer.yaml), the window, and the checks that the answer never contradicts itself. What the answer
says and why (reasons, advice, disagreements, summary) is planned and worded in reasons.py.

Most of that work depends only on which rules fired, in which order, and on which rule decided
each part (a few hundred combinations over tens of thousands of scenarios), not on the dates and
names the sentences quote. That part is worked out once per combination and kept (exactly: the
key holds everything it reads); only the window's dates and the sentences are computed for each
scenario. `decide(..., memo=False)` computes everything afresh (tests compare the two byte for byte).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from .errors import Diagnostic, FollowupError, Location
from .model import Firing, Recommendation, Rule, RuleSet
from .reasons import Plan, plan_words, word
from .records import Frozen
from .wording import fill

PARTS = ("action", "verdict", "contact", "channel")
ORDER = PARTS + ("earliest", "latest")
SUMMARY_OPENINGS = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}
MEMO_LIMIT = 8192  # combinations kept per cache; the first ones seen stay (the common ones)


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Frozen (a frozen dataclass)
class Fired(Frozen):
    """What follows from the firing sequence alone."""

    fired: tuple[str, ...]  # each rule once, in firing order
    rules: dict[str, Rule]
    overridden: dict[str, str]  # rule -> the rule that overrode it
    active: tuple[str, ...]  # fired and not overridden
    answer: dict[str, Any]  # action, verdict, contact: from the rules of highest priority
    best: dict[str, tuple[int, str]]  # part -> (priority, rule)
    channel_offers: tuple[tuple[str, Any], ...]  # (rule, channel or ("fact", name)), in firing order
    dated: tuple[str, ...]  # active rules that give earliest or latest, in firing order
    derived: dict[str, list[Any]]  # derived facts and their values, in the order asserted

    def __init__(
        self,
        fired: tuple[str, ...],
        rules: dict[str, Rule],
        overridden: dict[str, str],
        active: tuple[str, ...],
        answer: dict[str, Any],
        best: dict[str, tuple[int, str]],
        channel_offers: tuple[tuple[str, Any], ...],
        dated: tuple[str, ...],
        derived: dict[str, list[Any]],
    ):
        self.__dict__.update(
            fired=fired,
            rules=rules,
            overridden=overridden,
            active=active,
            answer=answer,
            best=best,
            channel_offers=channel_offers,
            dated=dated,
            derived=derived,
        )


_FIRED: dict[tuple[str, tuple[str, ...]], Fired] = {}
_PLANS: dict[tuple[Any, ...], Plan] = {}


def decide(
    ruleset: RuleSet, firings: list[Firing], facts: dict[str, Any], as_of: dt.date, memo: bool = True
) -> Recommendation:
    sequence = tuple(f.rule for f in firings)
    s = _remember(_FIRED, (ruleset.digest, sequence), memo, lambda: _fired(ruleset, firings))
    rules = s.rules
    answer = dict(s.answer)
    decided_by = {part: rid for part, (_, rid) in s.best.items()}
    _choose_channel(s, facts, answer, decided_by)
    windows = _windows(s, facts)
    for part, (_, rule) in windows.items():
        decided_by[part] = rule.id

    unmatched = "action" not in answer
    if unmatched:
        answer["action"] = ruleset.unmatched["action"]
        answer["verdict"] = ruleset.unmatched["verdict"]
    answer.setdefault("verdict", ruleset.unmatched["verdict"])
    earliest = windows["earliest"][0] if "earliest" in windows else None
    latest = windows["latest"][0] if "latest" in windows else None
    channel = answer.get("channel")
    quiet = answer["action"] in ruleset.no_channel_for  # nothing is to be sent
    if quiet or unmatched:  # no window for what is not to be sent, or when no rule decided
        earliest = latest = None
        decided_by.pop("earliest", None)
        decided_by.pop("latest", None)
    if quiet:
        channel = None
        decided_by.pop("channel", None)
    if earliest and latest and latest < earliest:
        latest = None
        decided_by.pop("latest", None)
    decided_by = {part: decided_by[part] for part in ORDER if part in decided_by}
    if not unmatched:
        _check_window(rules, decided_by, answer["verdict"], earliest, latest, as_of)

    key = (ruleset.digest, sequence, tuple(sorted(decided_by.items())), answer["verdict"])
    plan = _remember(_PLANS, key, memo, lambda: plan_words(ruleset, s, decided_by, answer, quiet, unmatched))
    values = dict(facts)
    values.update(s.derived)
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
    words = word(plan, rules, values)
    if not unmatched:
        _check_summary(rules, decided_by, answer["verdict"], words.summary)
    return Recommendation(
        action=answer["action"],
        verdict=answer["verdict"],
        contact=answer.get("contact"),
        earliest=earliest,
        latest=latest,
        channel=channel,
        summary=words.summary,
        reasons=words.reasons,
        conflicts=words.conflicts,
        advice=words.advice,
        rules_digest=ruleset.digest,
        as_of=as_of,
        fired=list(s.fired),
        overridden=dict(s.overridden),
        facts=facts,
        firings=firings,
        decided_by=decided_by,
        window_note=fill(plan.window_note, values) if plan.window_note else None,
    )


def _remember(cache: dict[Any, Any], key: Any, memo: bool, make: Any) -> Any:
    if not memo:
        return make()
    held = cache.get(key)
    if held is None:
        held = make()
        if len(cache) < MEMO_LIMIT:  # bounded memory: beyond the limit, compute without keeping
            cache[key] = held
    return held


def _fired(ruleset: RuleSet, firings: list[Firing]) -> Fired:
    first: dict[str, Firing] = {}
    derived: dict[str, list[Any]] = {}
    for f in firings:
        first.setdefault(f.rule, f)
        for name, value in f.asserted:  # derived facts read as their values, in assertion order
            held = derived.setdefault(name, [])
            if value not in held:
                held.append(value)
    fired = tuple(first)
    rules = {rid: ruleset.rule(rid) for rid in fired}
    overridden: dict[str, str] = {}
    for rid in fired:
        for other in rules[rid].overrides:
            if other in first and other not in overridden:
                overridden[other] = rid
    active = tuple(rid for rid in fired if rid not in overridden)
    answer: dict[str, Any] = {}
    best: dict[str, tuple[int, str]] = {}
    offers = []
    for rid in active:
        rule = rules[rid]
        for part in ("action", "verdict", "contact"):
            if part in rule.answer:
                _offer(rules, answer, best, part, rule, rule.answer[part])
        if "channel" in rule.answer:
            offers.append((rid, rule.answer["channel"]))
    dated = tuple(rid for rid in active if "earliest" in rules[rid].answer or "latest" in rules[rid].answer)
    return Fired(fired, rules, overridden, active, answer, best, tuple(offers), dated, derived)


def _offer(
    rules: dict[str, Rule],
    answer: dict[str, Any],
    best: dict[str, tuple[int, str]],
    part: str,
    rule: Rule,
    value: Any,
) -> None:
    """The part goes to the rule of highest priority; equal priority and another value is an
    ambiguous-answer."""
    held = best.get(part)
    if held is None or rule.priority > held[0]:
        best[part] = (rule.priority, rule.id)
        answer[part] = value
    elif rule.priority == held[0] and value != answer[part]:
        raise FollowupError(
            [
                Diagnostic(
                    rule.loc,
                    "ambiguous-answer",
                    f"rules {held[1]!r} and {rule.id!r} both fired with "
                    f"priority {rule.priority} and set {part} to "
                    f"{answer[part]!r} and {value!r}",
                    "give one a higher priority or an 'overrides'",
                )
            ]
        )


def _choose_channel(
    s: Fired, facts: dict[str, Any], answer: dict[str, Any], decided_by: dict[str, str]
) -> None:
    """The channel: a channel a rule names, or the value of the scenario fact it names (a rule
    whose fact is absent offers nothing)."""
    best: dict[str, tuple[int, str]] = {}
    for rid, value in s.channel_offers:
        if isinstance(value, tuple):  # ("fact", name): the value of a scenario fact
            value = facts.get(value[1])
            if value is None:
                continue
        _offer(s.rules, answer, best, "channel", s.rules[rid], value)
    if "channel" in best:
        decided_by["channel"] = best["channel"][1]


def _windows(s: Fired, facts: dict[str, Any]) -> dict[str, tuple[dt.date, Rule]]:
    """earliest and latest: the latest date the remaining rules give (equal dates go to the higher
    priority)."""
    windows: dict[str, tuple[dt.date, Rule]] = {}
    for rid in s.dated:
        rule = s.rules[rid]
        for part in ("earliest", "latest"):
            for expr in rule.answer.get(part, ()):
                base = facts.get(expr.fact)
                if not isinstance(base, dt.date):
                    continue
                day = base + dt.timedelta(days=expr.plus_days)
                cur = windows.get(part)
                if cur is None or day > cur[0] or (day == cur[0] and rule.priority > cur[1].priority):
                    windows[part] = (day, rule)
    return windows


def _contradiction(rule: Rule | None, message: str, hint: str) -> FollowupError:
    where = rule.loc if rule else Location("<rules>")
    return FollowupError([Diagnostic(where, "contradictory-answer", message, hint)])


def _check_window(
    rules: dict[str, Rule],
    decided_by: dict[str, str],
    verdict: str,
    earliest: dt.date | None,
    latest: dt.date | None,
    as_of: dt.date,
) -> None:
    """The answer never contradicts itself: a 'not yet' waits for a date after as_of; a 'yes'
    never names a first day still to come or a last day already gone. Otherwise the rules are
    wrong: a located error at the rule responsible (a house rule cannot slip such an answer
    through)."""
    if verdict == "not_yet" and (earliest is None or earliest <= as_of):
        rule = rules.get(decided_by.get("verdict", ""))
        when = f"puts its earliest day at {earliest}, not after {as_of}" if earliest else "gives no date"
        raise _contradiction(
            rule,
            f"rule {rule.id if rule else '?'!r} says not yet, but the answer {when}",
            "give the rule an `earliest` date after the day asked, or another verdict",
        )
    if verdict == "yes" and earliest is not None and earliest > as_of:
        rule = rules[decided_by["earliest"]]
        raise _contradiction(
            rule,
            f"the answer says yes, but rule {rule.id!r} puts the earliest day at {earliest}, after {as_of}",
            "a rule that moves the window out should also say not_yet (priority or overrides)",
        )
    if verdict == "yes" and latest is not None and latest < as_of:
        rule = rules[decided_by["latest"]]
        raise _contradiction(
            rule,
            f"the answer says yes, but rule {rule.id!r} ends the window on {latest}, before {as_of}",
            "a window that has closed cannot hold a 'yes': end it later, or give no `latest`",
        )


def _check_summary(rules: dict[str, Rule], decided_by: dict[str, str], verdict: str, summary: str) -> None:
    opening = SUMMARY_OPENINGS.get(verdict, "")
    if opening and not summary.startswith(opening):
        rule = rules.get(decided_by.get("verdict", ""))
        raise _contradiction(
            rule,
            f"the answer's verdict is {verdict} but its summary reads {summary[:60]!r}",
            f"a summary for this verdict starts with {opening!r}",
        )
