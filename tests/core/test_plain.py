"""The fast path for clean JSON (core/plain.py) builds exactly the Scenario the located path
builds, and refuses (returns None) exactly where the located path finds a problem."""

from __future__ import annotations

import copy
import datetime as dt
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.authoring.fixtures import fixture_files, load_cases
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.loader import from_plain
from followup.core.plain import scenario_from_plain

from ..helpers import RULES, SCENARIOS
from .test_properties import scenarios as generated

ADVISOR = load_advisor(RULES)
TODAY = dt.date(2026, 11, 20)
FIELDS = ("interview_date", "as_of", "fields", "history", "decision_by", "follow_up_after", "id", "topics")


def _located(value):
    try:
        return ADVISOR.scenario(from_plain("in.jsonl", value, 3), today=TODAY)
    except FollowupError:
        return None


def _agree(value) -> None:
    fast = scenario_from_plain(value, ADVISOR.ruleset, "in.jsonl", today=TODAY)
    slow = _located(value)
    if slow is None:
        assert fast is None, value
        return
    assert fast is not None, value
    for name in FIELDS:
        assert getattr(fast, name) == getattr(slow, name), (name, value)
    assert [(e.kind, e.date, e.channel, e.outcome) for e in fast.history] == [
        (e.kind, e.date, e.channel, e.outcome) for e in slow.history
    ]
    assert fast.raw == slow.raw


def _fixture_values():
    for path in fixture_files([SCENARIOS]):
        for case in load_cases(path):
            if case.scenario is not None:
                yield json.loads(json.dumps(case.scenario.plain(), default=str))


def test_fixtures_agree():
    """Every inline fixture scenario (good or broken): the same Scenario, or both refuse."""
    values = list(_fixture_values())
    assert len(values) > 100
    for value in values:
        _agree(value)


@settings(
    max_examples=int(os.environ.get("FOLLOWUP_PLAIN_EXAMPLES", "400")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(generated(), st.data())
def test_generated_and_mutated_scenarios_agree(doc, data):
    """Generated scenarios, and each with one value replaced by something else, agree."""
    _agree(doc)
    mutated = copy.deepcopy(doc)
    paths = [[k] for k in mutated] + [[k, j] for k, v in mutated.items() if isinstance(v, dict) for j in v]
    if "history" in mutated:
        paths += [["history", i, j] for i, e in enumerate(mutated["history"]) for j in e]
    where = data.draw(st.sampled_from(paths))
    junk = data.draw(
        st.sampled_from(
            [
                None,
                "",
                "x",
                0,
                2**70,
                1.5,
                True,
                [],
                {},
                "2026-02-30",
                "9999-01-01",
                "2026-11-01",
                "startup",
                "reply",
                ["a"],
                {"a": 1},
            ]
        )
    )
    target = mutated
    for key in where[:-1]:
        target = target[key]
    if data.draw(st.booleans()):
        target[where[-1]] = junk
    else:
        del target[where[-1]]
    _agree(mutated)
