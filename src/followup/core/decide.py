"""Firings -> Recommendation: the answer parts by declared precedence (priority, overrides,
answer.yaml), the window, and the checks that the answer never contradicts itself. What the answer
says and why (reasons, advice, disagreements, summary) is put together in reasons.py."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .errors import Diagnostic, FollowupError, Location
from .model import Firing, Recommendation, Rule, RuleSet
from .reasons import Wording, word_answer
from .wording import fill

PARTS = ("action", "verdict", "contact", "channel")
ORDER = PARTS + ("earliest", "latest")
SUMMARY_OPENINGS = {"yes": "Yes", "not_yet": "Not yet", "no": "No"}


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
    answer, decided_by, windows = _assemble(rules, active, facts)

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
        for part in ("earliest", "latest"):
            decided_by.pop(part, None)
    if quiet:
        channel = None
        decided_by.pop("channel", None)
    if earliest and latest and latest < earliest:
        latest = None
        decided_by.pop("latest", None)
    if not unmatched:
        _check_window(rules, decided_by, answer["verdict"], earliest, latest, as_of)

    values = dict(facts)
    for f in firings:  # derived facts read as their values, in the order they were asserted
        for name, value in f.asserted:
            held = values.setdefault(name, [])
            if isinstance(held, list) and value not in held:
                held.append(value)
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
    note_rule = decided_by.get("latest") or decided_by.get("earliest")
    window_note = rules[note_rule].answer.get("window_note") if note_rule else None
    # a rule that sets answer parts and decided none of them lost to others: it gives no reason
    lost = {
        rid for rid in active if any(p in rules[rid].answer for p in ORDER) and rid not in decided_by.values()
    }
    words = word_answer(
        ruleset,
        Wording(rules, first, fired, active, lost, decided_by, answer, values, quiet, unmatched),
    )
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
        fired=fired,
        overridden=overridden,
        facts=facts,
        firings=firings,
        decided_by=decided_by,
        window_note=fill(window_note, values) if window_note else None,
    )


def _assemble(
    rules: dict[str, Rule], active: list[str], facts: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, str], dict[str, tuple[dt.date, Rule]]]:
    """Each answer part from the remaining rule of highest priority that sets it (equal priority
    and different values: ambiguous-answer); earliest and latest the latest date given."""
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
            if part not in PARTS:
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
    decided_by: dict[str, str] = {}
    for part in ORDER:
        decider = best[part][1] if part in best else windows[part][1] if part in windows else None
        if decider is not None:
            decided_by[part] = decider.id
    return answer, decided_by, windows


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
