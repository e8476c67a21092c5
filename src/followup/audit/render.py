"""Recommendation -> text or JSON. Rendering never evaluates anything."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from followup.core.model import Recommendation, RuleSet
from followup.core.wording import show_date

from .trace import filter_level

if TYPE_CHECKING:  # pragma: no cover
    from followup.messages.draft import Draft

CONTACT_NAMES = {1: "the thank-you note", 2: "the status follow-up", 3: "the final follow-up"}


def to_json(answer: dict[str, Any]) -> str:
    """An answer object (audit.answer.answer_json) as JSON text."""
    return json.dumps(answer, indent=2, ensure_ascii=False)


def window_text(earliest: str | None, latest: str | None) -> str:
    """`Thu 2026-11-12 to Fri 2026-11-13`, `from Thu 2026-11-12 (no last day)`, or `-`, from
    ISO dates."""
    import datetime as dt

    if not earliest and not latest:
        return "-"
    start = show_date(dt.date.fromisoformat(earliest)) if earliest else "now"
    if not latest:
        return f"from {start} (no last day)"
    return f"{start} to {show_date(dt.date.fromisoformat(latest))}"


def _window(rec: Recommendation) -> str:
    answer = rec.to_json()
    return window_text(answer["earliest"], answer["latest"])


def conflict_lines(c: dict[str, Any]) -> list[str]:
    """One disagreement the answer rests on: the side taken, by which rule, and the other sides."""
    took = c["took"]
    by = f"[{c['decided_by']}]"
    if c.get("side_from") and c["side_from"] != c["decided_by"]:
        by += f", resting on [{c['side_from']}]"
    lines = [
        f"  - {c['question']}",
        f"    This answer takes: {took['position']} ({', '.join(took['claims'])}), decided by {by}.",
    ]
    for other in c["other_sides"]:
        lines.append(f"    Other side: {other['position']} ({', '.join(other['claims'])}).")
    return lines


def sources_line(ruleset: RuleSet, claims: list[str]) -> str:
    """Claim ids grouped by article: `000-06, 000-07 (Is It Okay ...?); 004-03 (Should ...?)`."""
    return grouped_claims([(cid, ruleset.articles.get(cid[:3], "")) for cid in claims])


def grouped_claims(claims: list[tuple[str, str]]) -> str:
    """(claim id, article title) pairs as one line, claims of one article together."""
    groups: dict[str, list[str]] = {}
    for cid, title in claims:
        groups.setdefault(title, []).append(cid)
    return "; ".join(
        f"{', '.join(ids)} ({title})" if title else ", ".join(ids) for title, ids in groups.items()
    )


def to_text(rec: Recommendation, ruleset: RuleSet, draft: Draft | None = None) -> str:
    lines = [rec.summary, ""]
    contact = CONTACT_NAMES.get(rec.contact, "-") if rec.contact else "-"
    lines.append(f"  action:  {rec.action}    verdict: {rec.verdict}    as of {show_date(rec.as_of)}")
    lines.append(f"  contact: {rec.contact or '-'} ({contact})" if rec.contact else "  contact: -")
    lines.append(f"  window:  {_window(rec)}")
    if rec.window_note:
        lines.append(f"           {rec.window_note}")
    lines.append(f"  channel: {rec.channel or '-'}")
    lines.append("")
    lines.append("Why:")
    for reason in rec.reasons:
        lines.append(f"  - {reason['says']}")
        lines.append(f"    [{reason['rule']}] sources: {sources_line(ruleset, reason['sources'])}")
    if not rec.reasons:
        lines.append("  - no rule matched this scenario")
    if rec.conflicts:
        lines.append("")
        lines.append("Where the sources disagree:")
        for c in rec.conflicts:
            lines.extend(conflict_lines(c))
    if rec.advice:
        lines.append("")
        lines.append("For the message:")
        for line in rec.advice:
            lines.append(f"  - {line}")
    if draft is not None:
        lines.append("")
        lines.append(f"Draft ({draft_heading(draft)}):")
        lines.extend(f"  {line}".rstrip() for line in message_text(draft).splitlines())
        lines.extend(f"  {line}".rstrip() for line in missing_lines(draft))
    lines.append("")
    lines.append(f"Rules digest: {rec.rules_digest}")
    return "\n".join(lines) + "\n"


MISSING_NOTE = "Fill in before sending:"


def draft_heading(draft: Draft) -> str:
    """'status follow-up by email, to send on Mon 2026-11-09; template status-email'"""
    what = CONTACT_NAMES.get(draft.contact, f"contact {draft.contact}").removeprefix("the ")
    how, verb = CHANNEL_WORDS.get(draft.channel, (f"by {draft.channel}", "send"))
    return f"{what} {how}, to {verb} on {show_date(draft.send_on)}; template {draft.template}"


CHANNEL_WORDS = {  # channel -> (how the message goes, the verb for the day it is due)
    "email": ("by email", "send"),
    "linkedin": ("on LinkedIn", "send"),
    "letter": ("written by hand", "post"),
    "phone": ("by phone (a plan for the call)", "call"),
}


def message_text(draft: Draft) -> str:
    """The message ready to paste: `Subject: ...`, a blank line and the body; the body alone for
    channels without a subject."""
    head = f"Subject: {draft.subject}\n\n" if draft.subject is not None else ""
    return head + draft.body + "\n"


def missing_lines(draft: Draft) -> list[str]:
    """The note under a draft with gaps: which scenario fields would fill its bracketed prompts."""
    if not draft.missing:
        return []
    return ["", f"{MISSING_NOTE} {', '.join(draft.missing)} (the [bracketed] parts)"]


def explanation_text(trace: list[dict[str, Any]], level: str) -> str:
    """The explanation of one answer, top to bottom from inputs to the answer, at a level."""
    events = filter_level(trace, level)
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for ev in events:
        by_kind.setdefault(ev["event"], []).append(ev)
    outcomes = {ev["rule"]: ev for ev in by_kind.get("outcome", [])}
    out: list[str] = []
    answer = by_kind["answer"][0]
    out.append("ANSWER")
    out.append(f"  {answer['summary']}")
    window = f"{answer['earliest'] or '-'} to {answer['latest'] or '(no last day)'}"
    if not answer["earliest"] and not answer["latest"]:
        window = "-"
    out.append(
        f"  action {answer['action']}, verdict {answer['verdict']}, contact {answer['contact'] or '-'}, "
        f"window {window}, channel {answer['channel'] or '-'}, as of {answer['as_of']}"
    )
    if answer.get("window_note"):
        out.append(f"  window: {answer['window_note']}")
    deciders: dict[str, list[str]] = {}
    for part, rule in answer["decided_by"].items():
        deciders.setdefault(rule, []).append(part)
    if deciders:
        out.append(
            "  decided by: " + "; ".join(f"{', '.join(parts)} <- {rule}" for rule, parts in deciders.items())
        )
    else:
        out.append("  decided by: no rule matched; the rules' default answer")
    out.append(f"  rules digest: {answer['rules_digest']}")
    if "fact" in by_kind:
        out.append("")
        out.append("FACTS")
        for ev in by_kind["fact"]:
            how = f"   ({ev['how']})" if ev["how"] else ""
            out.append(f"  {ev['fact']} = {ev['value']}{how}")
    if "fire" in by_kind:
        out.append("")
        out.append("RULES THAT FIRED, in firing order")
        for ev in by_kind["fire"]:
            again = " (again, another alternative of its condition)" if ev["repeat"] else ""
            out.append(f"  {ev['order'] + 1}. {ev['rule']}{again}: {ev['description']}")
            matched = []
            for m in ev["matched"]:
                origin = f" (from {m['from_rule']})" if m.get("from_rule") else ""
                matched.append(m["text"] + origin)
            out.append("     matched: " + ("; ".join(matched) if matched else "always"))
            for a in ev["asserted"]:
                used = ", ".join(a["used_by"]) if a["used_by"] else "no rule"
                out.append(f"     asserted: {a['fact']} = {a['value']} -> used by {used}")
            if ev["repeat"]:
                continue
            out.append("     sources: " + grouped_claims([(s["claim"], s["article"]) for s in ev["sources"]]))
            oc = outcomes.get(ev["rule"])
            if oc is not None:
                out.append("     outcome: " + _outcome_text(oc))
    if "not_fired" in by_kind:
        out.append("")
        out.append("RULES THAT DID NOT FIRE but could have mattered")
        for ev in by_kind["not_fired"]:
            more = f" (and {ev['also_failed']} more)" if ev["also_failed"] else ""
            out.append(f"  - {ev['rule']}: {ev['failed']['text']}{more}")
    if "conflict" in by_kind:
        out.append("")
        out.append("WHERE THE SOURCES DISAGREE")
        for ev in by_kind["conflict"]:
            out.append(f"  {ev['question']}")
            resting = (
                f", resting on {ev['side_from']}"
                if ev.get("side_from") not in (None, ev["decided_by"])
                else ""
            )
            out.append(
                f"    taken: {ev['took']['position']} ({', '.join(ev['took']['claims'])}), "
                f"by {ev['decided_by']} (deciding the {ev['part']}){resting}"
            )
            for other in ev["other_sides"]:
                out.append(f"    other side: {other['position']} ({', '.join(other['claims'])})")
    if "change" in by_kind:
        out.append("")
        out.append("WHAT WOULD CHANGE IT")
        for ev in by_kind["change"]:
            out.append(f"  - {ev['text']}")
    return "\n".join(out) + "\n"


def _outcome_text(oc: dict[str, Any]) -> str:
    if oc["status"] == "overridden":
        return f"overridden by {oc['by']} ({oc['precedence']})"
    parts = []
    if oc["decided"]:
        parts.append("decided " + ", ".join(oc["decided"]))
    for lost in oc["lost"]:
        parts.append(f"its {lost['part']} lost to {lost['to']} ({lost['precedence']})")
    return "; ".join(parts) if parts else "contributed facts or advice"
