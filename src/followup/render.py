"""Recommendation -> text or JSON. Rendering never evaluates anything."""

from __future__ import annotations

import json
from typing import Any

from .decide import show_date
from .model import Recommendation, RuleSet

CONTACT_NAMES = {1: "the thank-you note", 2: "the status follow-up", 3: "the final follow-up"}


def to_json(rec: Recommendation) -> str:
    return json.dumps(rec.to_json(), indent=2, ensure_ascii=False)


def _window(rec: Recommendation) -> str:
    if not rec.earliest and not rec.latest:
        return "-"
    start = show_date(rec.earliest) if rec.earliest else "now"
    end = show_date(rec.latest) if rec.latest else "open"
    return f"{start} to {end}"


def sources_line(ruleset: RuleSet, claims: list[str]) -> str:
    """Claim ids grouped by article: `000-06, 000-07 (Is It Okay ...?); 004-03 (Should ...?)`."""
    groups: dict[str, list[str]] = {}
    for cid in claims:
        groups.setdefault(cid[:3], []).append(cid)
    parts = []
    for article, ids in groups.items():
        title = ruleset.articles.get(article, "")
        parts.append(f"{', '.join(ids)} ({title})" if title else ", ".join(ids))
    return "; ".join(parts)


def to_text(rec: Recommendation, ruleset: RuleSet) -> str:
    lines = [rec.summary, ""]
    contact = CONTACT_NAMES.get(rec.contact, "-") if rec.contact else "-"
    lines.append(f"  action:  {rec.action}    verdict: {rec.verdict}    as of {show_date(rec.as_of)}")
    lines.append(f"  contact: {rec.contact or '-'} ({contact})" if rec.contact else "  contact: -")
    lines.append(f"  window:  {_window(rec)}")
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
            took = c["took"]
            lines.append(f"  - {c['question']}")
            lines.append(f"    This answer takes: {took['position']} ({', '.join(took['claims'])}),"
                         f" decided by [{c['decided_by']}].")
            for other in c["other_sides"]:
                lines.append(f"    Other side: {other['position']} ({', '.join(other['claims'])}).")
    if rec.advice:
        lines.append("")
        lines.append("For the message:")
        for line in rec.advice:
            lines.append(f"  - {line}")
    lines.append("")
    lines.append(f"Rules digest: {rec.rules_digest}")
    return "\n".join(lines) + "\n"


def diagnostics_json(diags: list[Any]) -> str:
    return json.dumps({"errors": [d.to_json() for d in diags]}, indent=2)
