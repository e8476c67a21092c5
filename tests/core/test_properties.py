"""Properties of every answer over generated scenarios: one answer, never an exception, and an
answer that is consistent with itself."""

from __future__ import annotations

import datetime as dt

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.core.advisor import load_advisor
from followup.core.loader import parse_text

from ..helpers import RULES

ADVISOR = load_advisor(RULES)
VOCAB = ADVISOR.ruleset.vocabulary
INTERVIEW = dt.date(2026, 11, 5)
VERDICT_OF = {
    "send_thank_you": "yes",
    "send_follow_up": "yes",
    "send_final_follow_up": "yes",
    "wait": "not_yet",
    "move_on": "no",
    "stop": "no",
}


@st.composite
def scenarios(draw):
    as_of_days = draw(st.integers(0, 45))
    as_of = INTERVIEW + dt.timedelta(days=as_of_days)
    doc: dict = {"as_of": as_of.isoformat(), "interview": {"date": INTERVIEW.isoformat()}}
    for section, key in (
        ("company", "culture"),
        ("company", "size"),
        ("interview", "format"),
        ("position", "level"),
        ("contact", "interviewer_channel"),
        ("contact", "rapport"),
    ):
        if draw(st.booleans()):
            doc.setdefault(section, {})[key] = draw(st.sampled_from(VOCAB[f"{section}.{key}"]))
    for key in ("decision_by", "follow_up_after"):
        if draw(st.integers(0, 3)) == 0:
            doc.setdefault("timeline", {})[key] = (
                INTERVIEW + dt.timedelta(days=draw(st.integers(0, 40)))
            ).isoformat()
    history = []
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["thank_you", "follow_up", "follow_up", "reply"]))
        entry = {
            "kind": kind,
            "date": (INTERVIEW + dt.timedelta(days=draw(st.integers(0, as_of_days)))).isoformat(),
        }
        if kind == "reply":
            entry["outcome"] = draw(st.sampled_from(["pending", "pending", "offer", "rejected"]))
        history.append(entry)
    if history:
        doc["history"] = history
    return doc


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_every_answer_is_consistent(doc):
    """Action and verdict agree; a 'not yet' names a future date; a 'yes' is not before its window."""
    import json

    scenario = ADVISOR.scenario(parse_text("generated.json", json.dumps(doc)))
    rec = ADVISOR.evaluate(scenario)
    assert rec.verdict == VERDICT_OF[rec.action], (doc, rec.action, rec.verdict)
    if rec.verdict == "not_yet":
        assert rec.earliest is not None and rec.earliest > rec.as_of, (doc, rec.to_json())
    if rec.verdict == "yes":
        assert rec.earliest is None or rec.earliest <= rec.as_of, (doc, rec.to_json())
        assert rec.channel is not None
    if rec.earliest and rec.latest:
        assert rec.earliest <= rec.latest
    if rec.action in ("move_on", "stop"):
        assert rec.channel is None and rec.earliest is None
    assert rec.summary and rec.reasons
