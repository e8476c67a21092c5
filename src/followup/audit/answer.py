"""The answer as every output carries it: the Recommendation's parts plus its drafted message.

`advise --format json`, batch results, audit records and the explanation's answer event all build
the answer here, so each has the same keys in the same order: the Recommendation's (see
core.model.Recommendation.to_json) and then `draft`, the message for the next contact or null.
"""

from __future__ import annotations

from typing import Any

from followup.core.model import Recommendation, RuleSet, Scenario
from followup.messages.draft import Draft, make_draft, send_day


def draft_for(rec: Recommendation, scenario: Scenario, ruleset: RuleSet) -> Draft | None:
    """The drafted message for an answer; the templates are read only when it sends something."""
    if send_day(rec) is None:
        return None
    from followup.messages.templates import load_messages

    return make_draft(rec, scenario, load_messages(ruleset))


def answer_json(rec: Recommendation, draft: Draft | None) -> dict[str, Any]:
    """The answer object: the Recommendation's keys, then `draft` (null when nothing is sent)."""
    return {**rec.to_json(), "draft": draft.to_json() if draft is not None else None}


def answer_of(rec: Recommendation, scenario: Scenario, ruleset: RuleSet) -> dict[str, Any]:
    """answer_json with the draft made for it."""
    return answer_json(rec, draft_for(rec, scenario, ruleset))
