"""Rules about the message templates (rules/messages.yaml), for `followup lint`.

Beside the file's own mistakes (reported by followup.messages.templates: unknown keys, claim ids
and placeholders, a subject on a channel without one, ...), two checks tie the templates to the
rules: every contact and channel the rules can answer with has a template (`missing-template`,
an error: that answer would come without its draft), and every template can be reached by some
answer (`unreachable-template`, a warning, as for a derived fact no rule tests).

Which (contact, channel) pairs the rules can answer with is found as `ambiguous-precedence` finds
rival rules: for each rule that sets `contact` and each rule that sets `channel`, whether one
scenario can satisfy both conditions at once (the contact rule's own derived facts, such as
next_contact, taken as asserted). A channel taken from a scenario fact
(`channel: {fact: contact.interviewer_channel}`) can be each value of that fact the condition allows.
"""

from __future__ import annotations

from typing import Any

from followup.core.errors import Diagnostic, FollowupError
from followup.core.facts import ENUM_SOURCE
from followup.core.logic import Literal, dnf, domains, satisfiable
from followup.core.model import Rule, RuleSet, Test
from followup.messages.draft import CONTACT_NAMES
from followup.messages.templates import Messages, messages_path, read_messages


def lint_messages(ruleset: RuleSet) -> tuple[list[Diagnostic], Messages | None]:
    """The templates' problems, and the templates when they could be read."""
    try:
        messages = read_messages(messages_path(ruleset.directory), ruleset)
    except FollowupError as exc:
        return list(exc.diagnostics), None
    return _coverage(ruleset, messages), messages


def reachable(ruleset: RuleSet) -> dict[tuple[int, str], tuple[Rule, Rule]]:
    """Each (contact, channel) some answer can have -> the first (contact rule, channel rule)
    pair, by location, that gives it."""
    doms = domains(ruleset)
    out: dict[tuple[int, str], tuple[Rule, Rule]] = {}
    setters = sorted((r for r in ruleset.rules if "contact" in r.answer), key=lambda r: r.loc)
    channels = sorted((r for r in ruleset.rules if "channel" in r.answer), key=lambda r: r.loc)
    for crule in setters:
        contact = crule.answer["contact"]
        asserted = [
            Literal(name, "equals", value, Test(name, "equals", value)) for name, value in crule.facts
        ]
        for chrule in channels:
            for a in dnf(crule.when):
                for b in dnf(chrule.when):
                    both = a + asserted + b
                    if not satisfiable(both, doms):
                        continue
                    for channel in _channels(ruleset, chrule, both, doms):
                        out.setdefault((contact, channel), (crule, chrule))
    return out


def _channels(
    ruleset: RuleSet, rule: Rule, literals: list[Literal], doms: dict[str, tuple[Any, ...]]
) -> list[str]:
    """The channels a rule can set where `literals` hold."""
    value = rule.answer["channel"]
    if not isinstance(value, tuple):
        return [str(value)]
    fact = str(value[1])
    allowed = ruleset.vocabulary.get(ENUM_SOURCE.get(fact, fact), ())
    present = Literal(fact, "exists", True, Test(fact, "exists", True))
    return [
        str(v)
        for v in allowed
        if satisfiable([*literals, present, Literal(fact, "equals", v, Test(fact, "equals", v))], doms)
    ]


def _coverage(ruleset: RuleSet, messages: Messages) -> list[Diagnostic]:
    slots = reachable(ruleset)
    out = []
    for (contact, channel), (crule, chrule) in sorted(slots.items(), key=lambda s: (s[1][1].loc, s[0])):
        if messages.template(contact, channel) is None:
            name = CONTACT_NAMES.get(contact, f"contact {contact}")
            out.append(
                Diagnostic(
                    chrule.loc,
                    "missing-template",
                    f"an answer can be contact {contact} (the {name}) by {channel} (rules {crule.id!r} "
                    f"and {chrule.id!r}), but {messages.path} has no template for it, so it would "
                    "come without a draft",
                    f"add a template with contact: {contact} and channel: {channel}",
                )
            )
    for template in messages.templates:
        if (template.contact, template.channel) not in slots:
            out.append(
                Diagnostic(
                    template.loc,
                    "unreachable-template",
                    f"template {template.id!r} is never used: no rule answers contact "
                    f"{template.contact} by {template.channel}",
                    "remove it, or add the rule that answers so",
                    level="warning",
                )
            )
    return out
