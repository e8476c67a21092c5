"""What would change an answer (for a `not_yet` or a `no`): the first day it becomes `yes` with
nothing else changed, and each single input that would flip the verdict today. Each is found by
evaluating the scenario again with that change, never guessed."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from followup.core.facts import FACTS
from followup.core.model import Recommendation, Scenario
from followup.core.wording import show_date

from .trace import show_value

HORIZON_DAYS = 120  # how far ahead "it becomes yes on ..." is searched


def what_would_change(advisor: Any, scenario: Scenario, rec: Recommendation) -> list[dict[str, Any]]:
    """For a 'not_yet' or 'no': the first day it becomes 'yes' with nothing else changed, and the
    single inputs that would flip the verdict today; each found by evaluating."""
    if rec.verdict == "yes":
        return []
    events: list[dict[str, Any]] = []
    assert scenario.as_of is not None
    for days in range(1, HORIZON_DAYS + 1):
        day = scenario.as_of + dt.timedelta(days=days)
        later = advisor.evaluate(dataclasses.replace(scenario, as_of=day))
        if later.verdict == "yes":
            gone = [
                r
                for r in (rec.decided_by.get("verdict"), rec.decided_by.get("action"))
                if r and r not in later.fired
            ]
            events.append(
                {
                    "event": "change",
                    "kind": "date",
                    "date": day.isoformat(),
                    "verdict": later.verdict,
                    "action": later.action,
                    "because": sorted(set(gone)),
                    "text": f"it becomes yes on {show_date(day)} ({later.action}) if nothing else changes"
                    + (f": {', '.join(sorted(set(gone)))} no longer applies" if gone else ""),
                }
            )
            break
    else:
        events.append(
            {
                "event": "change",
                "kind": "date",
                "date": None,
                "verdict": rec.verdict,
                "action": rec.action,
                "because": [],
                "text": f"waiting alone does not make it yes within {HORIZON_DAYS} days",
            }
        )
    vocab = advisor.ruleset.vocabulary
    for field in sorted(scenario.fields):
        if field not in vocab or FACTS.get(field) is None or FACTS[field].type != "enum":
            continue
        for value in vocab[field]:
            if value == scenario.fields[field]:
                continue
            other = advisor.evaluate(dataclasses.replace(scenario, fields={**scenario.fields, field: value}))
            if other.verdict != rec.verdict:
                events.append(
                    {
                        "event": "change",
                        "kind": "input",
                        "input": field,
                        "from": scenario.fields[field],
                        "to": value,
                        "verdict": other.verdict,
                        "action": other.action,
                        "text": f"with {field} = {value} instead of {show_value(scenario.fields[field])}: "
                        f"{other.verdict} ({other.action})",
                    }
                )
    for field in ("decision_by", "follow_up_after"):
        if getattr(scenario, field) is None:
            continue
        other = advisor.evaluate(
            dataclasses.replace(scenario, decision_by=None)
            if field == "decision_by"
            else dataclasses.replace(scenario, follow_up_after=None)
        )
        if other.verdict != rec.verdict:
            events.append(
                {
                    "event": "change",
                    "kind": "input",
                    "input": f"timeline.{field}",
                    "from": getattr(scenario, field).isoformat(),
                    "to": None,
                    "verdict": other.verdict,
                    "action": other.action,
                    "text": f"without timeline.{field}: {other.verdict} ({other.action})",
                }
            )
    return events
