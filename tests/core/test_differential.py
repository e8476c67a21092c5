"""Differential testing: the independent reference evaluator (tests/reference.py) and the engine
pipeline must agree on the answer (action, verdict, contact, earliest, latest, channel) and on the
set of fired rules, for every fixture case that has an answer and for generated scenarios.

The generated scenarios cover every enumerated field and value of rules/vocabulary.yaml, optional
timeline dates and histories of thank_you / follow_up / reply entries, with dates concentrated
at and one day either side of every numeric threshold the rules test. They are built as JSON text
and go through the same path as a scenario file (parse_text -> Advisor.scenario -> evaluate).

Size: FOLLOWUP_DIFF_EXAMPLES (default 1500); e.g. FOLLOWUP_DIFF_EXAMPLES=10000 for a long run.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.authoring.fixtures import fixture_files, load_cases
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.facts import compute
from followup.core.loader import load_file, parse_text

from .. import reference as ref
from ..helpers import RULES, SCENARIOS, copy_rules, delete_rule, edit_yaml

ADVISOR = load_advisor(RULES)
RULESET = ADVISOR.ruleset
VOCAB = RULESET.vocabulary
PARTS = ("action", "verdict", "contact", "earliest", "latest", "channel")
EXAMPLES = int(os.environ.get("FOLLOWUP_DIFF_EXAMPLES", "1500"))


# ---- running both sides ------------------------------------------------------------------------


def both(scenario: Any, advisor: Any = ADVISOR) -> tuple[dict[str, Any], dict[str, Any]]:
    """(engine answer, reference answer) as comparable dicts; an ambiguous-answer on either side
    is reported as {"error": "ambiguous-answer"}."""
    try:
        rec = advisor.evaluate(scenario)
        engine = {p: getattr(rec, p) for p in PARTS}
        engine["fired"] = set(rec.fired)
    except FollowupError as exc:
        codes = sorted({d.code for d in exc.diagnostics})
        engine = {"error": ",".join(codes)}
    facts, _ = compute(scenario, scenario.as_of)
    try:
        reference = ref.evaluate(advisor.ruleset, facts).parts()
    except ref.Ambiguous:
        reference = {"error": "ambiguous-answer"}
    except ref.Contradictory:
        reference = {"error": "contradictory-answer"}
    return engine, reference


def assert_agree(scenario: Any, what: str, advisor: Any = ADVISOR) -> None:
    engine, reference = both(scenario, advisor)
    if engine == reference:
        return
    diff = {
        k: {"engine": engine.get(k), "reference": reference.get(k)}
        for k in sorted(set(engine) | set(reference))
        if engine.get(k) != reference.get(k)
    }
    if "fired" in diff:
        e, r = engine.get("fired") or set(), reference.get("fired") or set()
        diff["fired"] = {"only engine": sorted(e - r), "only reference": sorted(r - e)}
    raise AssertionError(
        f"engine and reference disagree on {what}:\n"
        f"  scenario: {json.dumps(scenario.raw, default=str)} as_of {scenario.as_of}\n"
        f"  differences: {diff}"
    )


# ---- (a) every fixture case with an answer -----------------------------------------------------


def _fixture_cases() -> list[Any]:
    out = []
    for path in fixture_files([SCENARIOS]):
        for case in load_cases(path):
            if "errors" not in case.expect:
                out.append(pytest.param(case, id=f"{os.path.basename(path)}::{case.name}"))
    return out


def _examples() -> list[str]:
    folder = os.path.join(SCENARIOS, "examples")
    return sorted(
        os.path.join(folder, n) for n in os.listdir(folder) if n.endswith((".yaml", ".yml", ".json"))
    )


FIXTURES = _fixture_cases()


def test_fixtures_are_found() -> None:
    assert len(FIXTURES) >= 50


@pytest.mark.parametrize("case", FIXTURES)
def test_fixture_case_agrees(case: Any) -> None:
    node = case.scenario if case.scenario is not None else load_file(case.scenario_file, lenient=True)
    assert_agree(ADVISOR.scenario(node, as_of=case.as_of), case.id)


@pytest.mark.parametrize("path", _examples(), ids=os.path.basename)
def test_example_agrees(path: str) -> None:
    assert_agree(ADVISOR.scenario(load_file(path, lenient=True)), path)


# ---- (b) generated scenarios -------------------------------------------------------------------


def numeric_thresholds() -> dict[str, set[int]]:
    """Every (fact, number) a rule compares with <, <=, > or >=."""
    out: dict[str, set[int]] = {}

    def walk(cond: Any) -> None:
        if cond.kind == "test":
            if cond.test.op in ("<", "<=", ">", ">="):
                out.setdefault(cond.test.fact, set()).add(cond.test.value)
        for child in cond.children:
            walk(child)

    for rule in RULESET.rules:
        walk(rule.when)
    return out


THRESHOLDS = numeric_thresholds()


def near(fact: str) -> list[int]:
    """The thresholds of a fact and one either side."""
    return sorted({t + d for t in THRESHOLDS.get(fact, ()) for d in (-1, 0, 1)})


def test_thresholds_cover_the_rules() -> None:
    """The generator aims at these; if the rules gain a threshold, it is picked up here."""
    expected = {
        "days_since_interview": {2, 7, 14},
        "days_since_last_follow_up": {7},
        "days_since_last_contact": {7, 14},
        "days_since_last_reply": {7},
        "days_until_decision_by": {0},
        "days_until_follow_up_after": {0},
        "thank_you_delay": {2},
    }
    for fact, values in expected.items():
        assert values <= THRESHOLDS.get(fact, set()), fact
    # every thresholded fact is one the generator steers
    steered = {
        "days_since_interview",
        "days_since_last_follow_up",
        "days_since_last_contact",
        "days_since_last_reply",
        "days_until_decision_by",
        "days_until_follow_up_after",
        "thank_you_delay",
        "days_since_thank_you",
        "follow_ups_sent",
    }
    assert set(THRESHOLDS) <= steered, set(THRESHOLDS) - steered


SINCE_AS_OF = sorted(
    set(near("days_since_last_follow_up"))
    | set(near("days_since_last_contact"))
    | set(near("days_since_last_reply"))
    | set(near("days_since_thank_you"))
    | {0}
)
AFTER_INTERVIEW = sorted(set(near("thank_you_delay")) | {0, 1})
UNTIL = sorted(set(near("days_until_decision_by")) | set(near("days_until_follow_up_after")))
SINCE_INTERVIEW = sorted(set(near("days_since_interview")) | {0, 1})

ENUM_FIELDS = sorted(k for k in VOCAB if not k.startswith(("history.", "answer.")))
TEXT_FIELDS = ("company.name", "interview.interviewer", "position.title")


def _clamp(offset: int, low: int, high: int) -> int:
    return max(low, min(high, offset))


@st.composite
def scenario_docs(draw: Any) -> dict[str, Any]:
    base = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 1200)))  # incl. Feb 2028
    span = draw(st.one_of(st.sampled_from([d for d in SINCE_INTERVIEW if d >= 0]), st.integers(0, 60)))
    as_of = base + dt.timedelta(days=span)
    doc: dict[str, Any] = {"as_of": as_of.isoformat(), "interview": {"date": base.isoformat()}}

    def put(path: str, value: Any) -> None:
        section, key = path.split(".")
        doc.setdefault(section, {})[key] = value

    for path in ENUM_FIELDS:
        how = draw(st.sampled_from(["omit", "value", "value", "value", "null"]))
        if how == "value":
            put(path, draw(st.sampled_from(VOCAB[path])))
        elif how == "null":
            put(path, None)
    for path in TEXT_FIELDS:
        if draw(st.booleans()):
            put(path, draw(st.sampled_from(["Acme", "Dana Lee", "Head of Data", "Ünïcode ✓"])))

    def day_offset(anchors: list[int]) -> int:
        """An offset from the interview in [0, span], near an interesting anchor."""
        kind = draw(st.sampled_from(["interview", "as_of", "as_of", "prev", "any"]))
        if kind == "interview":
            off = draw(st.sampled_from(AFTER_INTERVIEW))
        elif kind == "as_of":
            off = span - draw(st.sampled_from(SINCE_AS_OF))
        elif kind == "prev" and anchors:
            off = draw(st.sampled_from(anchors)) + draw(st.sampled_from([-1, 0, 1]))
        else:
            off = draw(st.integers(0, span))
        return _clamp(off, 0, span)

    history: list[dict[str, Any]] = []
    offsets: list[int] = []
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["thank_you", "thank_you", "follow_up", "follow_up", "reply"]))
        off = day_offset(offsets)
        offsets.append(off)
        entry: dict[str, Any] = {"kind": kind, "date": (base + dt.timedelta(days=off)).isoformat()}
        if draw(st.booleans()):
            entry["channel"] = draw(st.sampled_from(VOCAB["history.channel"]))
        if kind == "reply":
            entry["outcome"] = draw(st.sampled_from(VOCAB["history.outcome"]))
        history.append(entry)
    if history:
        doc["history"] = draw(st.permutations(history))  # history comes in any order

    follow_up_offsets = [o for o, e in zip(offsets, history, strict=False) if e["kind"] == "follow_up"]
    for key in ("decision_by", "follow_up_after"):
        kind = draw(st.sampled_from(["none", "none", "as_of", "as_of", "follow_up", "any"]))
        if kind == "none":
            continue
        if kind == "as_of":
            off = span + draw(st.sampled_from(UNTIL))
        elif kind == "follow_up" and follow_up_offsets:
            off = max(follow_up_offsets) + draw(st.sampled_from([-1, 0, 1]))
        else:
            off = draw(st.integers(0, span + 30))
        put(f"timeline.{key}", (base + dt.timedelta(days=max(0, off))).isoformat())
    return doc


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(scenario_docs())
def test_generated_scenarios_agree(doc: dict[str, Any]) -> None:
    text = json.dumps(doc)
    scenario = ADVISOR.scenario(parse_text("generated.json", text))
    assert_agree(scenario, "generated scenario")


# ---- (c) edited rule sets: the paths the stock rules never take ----------------------------------
# With a rule deleted, some situations have no action (the `unmatched` answer) or lose a rule that
# used to win; two hand edits make a tie of equal priority (ambiguous-answer) and a channel
# `{fact: X}` whose fact may be absent. Each variant is a copy of the rules in a temporary folder.


def _edit_rule(rules_dir: str, file: str, rule_id: str, change: Any) -> None:
    def edit(data: Any) -> None:
        for r in data["rules"]:
            if r["id"] == rule_id:
                change(r)

    edit_yaml(os.path.join(rules_dir, file), edit)


def _unguard_channel(rule: dict[str, Any]) -> None:
    rule["when"] = {"fact": "next_contact", "one_of": ["status", "final"]}


EDITS = {
    "tie-channel": ("channel.yaml", "channel-thank-you-note", lambda r: r.update(priority=25)),
    "unguarded-channel-fact": ("channel.yaml", "channel-mirror-interviewer", _unguard_channel),
}


@pytest.fixture(scope="module")
def variants(tmp_path_factory: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for rule in RULESET.rules:
        rules = copy_rules(str(tmp_path_factory.mktemp(f"del-{rule.id}")))
        delete_rule(rules, rule.id)
        try:
            out[f"without {rule.id}"] = load_advisor(rules)
        except FollowupError:
            continue  # other rules need a fact only this rule asserts: refused, not evaluated
    for name, (file, rule_id, change) in EDITS.items():
        rules = copy_rules(str(tmp_path_factory.mktemp(name)))
        _edit_rule(rules, file, rule_id, change)
        out[name] = load_advisor(rules)
    return out


def test_variants_load(variants: dict[str, Any]) -> None:
    assert len(variants) >= len(RULESET.rules) // 2 + len(EDITS)


def test_variants_agree_on_fixtures(variants: dict[str, Any]) -> None:
    scenarios = []
    for param in FIXTURES:
        case = param.values[0]
        node = case.scenario if case.scenario is not None else load_file(case.scenario_file, lenient=True)
        scenarios.append((case.id, node, case.as_of))
    for name, advisor in variants.items():
        for case_id, node, as_of in scenarios:
            assert_agree(advisor.scenario(node, as_of=as_of), f"{case_id} with rules {name}", advisor)


@settings(
    max_examples=max(100, EXAMPLES // 3),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)
@given(data=st.data())
def test_variants_agree_on_generated_scenarios(variants: dict[str, Any], data: Any) -> None:
    name = data.draw(st.sampled_from(sorted(variants)), label="rules")
    doc = data.draw(scenario_docs(), label="scenario")
    advisor = variants[name]
    scenario = advisor.scenario(parse_text("generated.json", json.dumps(doc)))
    assert_agree(scenario, f"generated scenario with rules {name}", advisor)
