"""The optimised worker path (batch/answer.py answer_line: the fast JSON validator, decide's
memo, the kept caches of dates, templates, feeders and message files, the kept JSON encoder) writes
byte for byte what the unoptimised path writes: the located YAML reading and validation advise
uses, decide(memo=False), the message templates read afresh, every cache emptied first and
json.dumps. Over every fixture scenario, generated scenarios aimed at every threshold the rules
test, realistic applications, and broken lines.

Size: FOLLOWUP_FAST_PATH_EXAMPLES (default 1500 generated scenarios); the issue's full check is
FOLLOWUP_FAST_PATH_EXAMPLES=100000 (a long run, not CI's).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import followup.core.decide as decide_module
import followup.core.plain as plain_module
import followup.core.reasons as reasons_module
import followup.core.wording as wording_module
import followup.messages.templates as templates_module
from followup.audit.answer import answer_json
from followup.authoring.fixtures import fixture_files, load_cases
from followup.batch.answer import (
    Context,
    answer_line,
    decode_line,
    load_json,
    load_tree,
    refuse_lone_surrogates,
    relocate,
)
from followup.batch.io import error_record, record_id
from followup.core.advisor import load_advisor
from followup.core.decide import decide
from followup.core.errors import FollowupError
from followup.core.facts import compute
from followup.core.schema_version import SCHEMA_VERSION
from followup.messages.draft import make_draft, send_day
from followup.messages.templates import messages_path, read_messages

from ..core.test_differential import scenario_docs
from ..helpers import RULES, SCENARIOS

ADVISOR = load_advisor(RULES)
CTX = Context("in.jsonl", None, None, dt.date(2026, 11, 20))
EXAMPLES = int(os.environ.get("FOLLOWUP_FAST_PATH_EXAMPLES", "1500"))


def _empty_caches() -> None:
    decide_module._FIRED.clear()
    decide_module._PLANS.clear()
    reasons_module._FEEDERS.clear()
    wording_module._DATES.clear()
    wording_module._TEMPLATES.clear()
    plain_module._DAYS.clear()
    templates_module._by_rules.clear()
    templates_module._loaded.clear()


def unoptimised(line: int, data: bytes) -> tuple[bool, bytes]:
    """One line the slow, plain way, with nothing kept from any line before."""
    _empty_caches()
    obj: Any = None
    try:
        text = decode_line(CTX.source, line, data)
        obj, _ = load_json(CTX.source, line, text)
        refuse_lone_surrogates(CTX.source, line, text)
        node = load_tree(CTX.source, text, obj)
        scenario = ADVISOR.scenario(node, as_of=CTX.as_of, today=CTX.today)
        assert scenario.as_of is not None
        facts, _ = compute(scenario, scenario.as_of, True)
        firings = ADVISOR.evaluator.evaluate(facts)
        rec = decide(ADVISOR.ruleset, firings, facts, scenario.as_of, memo=False)
        draft = None
        if send_day(rec) is not None:
            messages = read_messages(messages_path(ADVISOR.ruleset.directory), ADVISOR.ruleset)
            draft = make_draft(rec, scenario, messages)
        doc = {
            "schema_version": SCHEMA_VERSION,
            "line": line,
            "id": record_id(obj),
            "answer": answer_json(rec, draft),
        }
        return False, (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
    except FollowupError as exc:
        return True, error_record(line, record_id(obj), relocate(exc.diagnostics, CTX.source, line))


def check(lines: list[bytes]) -> int:
    """Both paths over the lines (the optimised one in one pass, its caches kept, as a worker
    runs); returns how many were answers (not errors)."""
    _empty_caches()
    fast = [answer_line(ADVISOR, CTX, n, data) for n, data in enumerate(lines, 1)]
    answers = 0
    for n, (data, got) in enumerate(zip(lines, fast, strict=True), 1):
        want = unoptimised(n, data)
        assert got == want, f"line {n}: {data!r}\n  optimised:   {got[1]!r}\n  unoptimised: {want[1]!r}"
        answers += not got[0]
    return answers


def _fixture_lines() -> list[bytes]:
    out = []
    for path in fixture_files([SCENARIOS]):
        for case in load_cases(path):
            if case.scenario is None:
                continue
            doc = json.loads(json.dumps(case.scenario.plain(), default=str))
            if isinstance(doc, dict) and case.as_of is not None:
                doc["as_of"] = case.as_of.isoformat()
            out.append(json.dumps(doc, ensure_ascii=False).encode("utf-8"))
    return out


def test_every_fixture_scenario_byte_for_byte() -> None:
    lines = _fixture_lines()
    assert len(lines) > 100
    assert check(lines) > 100  # most are answers, so the answer path is what is compared


def _realistic(rng: random.Random, i: int) -> dict[str, Any]:
    """An application as a tracker holds it: names, topics, a thank-you, follow-ups, replies."""
    vocab = ADVISOR.ruleset.vocabulary
    as_of = dt.date(2026, 11, 20)
    interview = as_of - dt.timedelta(days=rng.choice([0, 1, 2, 3, 6, 7, 8, 13, 14, 15, 21, 35, 60]))
    doc: dict[str, Any] = {
        "id": rng.choice([f"app-{i}", i, f"Bewerbung №{i}"]),
        "as_of": as_of.isoformat(),
        "company": {"name": rng.choice(["Acme", "Zürich Labs", "O'Brien & Co"])},
        "interview": {"date": interview.isoformat(), "topics": rng.sample(["pricing", "the API", "Q3"], 2)},
        "position": {"title": "Engineer"},
        "contact": {},
    }
    for path in sorted(k for k in vocab if not k.startswith(("history.", "answer.")) and "." in k):
        section, key = path.split(".", 1)
        if section in doc and rng.random() < 0.7:
            doc[section][key] = rng.choice(vocab[path])
    age = (as_of - interview).days
    history = []
    day = 0
    for kind in ("thank_you", "follow_up", "follow_up", "reply"):
        day += rng.randint(0, 8)
        if day > age or rng.random() < 0.3:
            break
        entry = {"kind": kind, "date": (interview + dt.timedelta(days=day)).isoformat()}
        if kind == "reply":
            entry["outcome"] = rng.choice(vocab["history.outcome"])
        else:
            entry["channel"] = rng.choice(vocab["history.channel"])
        history.append(entry)
    if history:
        doc["history"] = history
    if rng.random() < 0.3:
        doc["timeline"] = {"decision_by": (interview + dt.timedelta(days=rng.randint(0, 30))).isoformat()}
    return doc


def test_realistic_applications_byte_for_byte() -> None:
    rng = random.Random(14)
    lines = [
        json.dumps(_realistic(rng, i), ensure_ascii=rng.random() < 0.5).encode() for i in range(EXAMPLES)
    ]
    assert check(lines) > EXAMPLES // 2


def test_broken_lines_byte_for_byte() -> None:
    """Lines the fast path refuses or cannot take: the same located errors either way."""
    good = json.dumps(_realistic(random.Random(1), 1))
    lines = [
        b"",
        b"   ",
        b"{",
        b"[1, 2]",
        b'{"interview": {"date": "2026-11-01"}, "interview": {"date": "2026-11-02"}}',
        b'{"interview": {"date": "2026-13-01"}}',
        b'{"interview": {"date": "2026-11-01", "format": "sideways"}}',
        b'{"id": "\\ud800", "interview": {"date": "2026-11-01"}}',
        b'{"id": "\\ud83d\\ude00", "interview": {"date": "2026-11-01"}, "as_of": "2026-11-05"}',
        b'{"interview": {"date": "2026-11-01"}, "as_of": "2026-10-01"}',
        b'{"interview": {"date": "2026-11-01"}, "history": [{"kind": "reply", "date": "2026-11-02"}]}',
        b"\xff\xfe",
        good.replace('"as_of"', '"as_off"').encode(),
        good.replace("2026-", "1826-", 1).encode(),
    ]
    check(lines)


@settings(
    max_examples=max(1, EXAMPLES // 25),
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(st.lists(scenario_docs(), min_size=25, max_size=25))
def test_threshold_scenarios_byte_for_byte(docs: list[dict[str, Any]]) -> None:
    """25 lines to a pass, so the optimised side meets its memo warm from the lines before."""
    check([json.dumps(doc).encode() for doc in docs])
