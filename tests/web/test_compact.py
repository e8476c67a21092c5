"""The API's JSON responses (web/api.py Compact, written by orjson) hold the very bytes Starlette's
JSONResponse writes with the standard library, for every kind of value an answer or an error holds:
any text (controls, quotes, backslashes, every plane, U+2028), whole numbers up to 64 bits,
booleans, null, nesting, key order; and for the real answers and errors of the scenario fixtures."""

from __future__ import annotations

import glob
import os

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.responses import JSONResponse

import followup
from followup.web.api import Compact
from followup.web.guard import error_body

from ..helpers import ROOT, RULES

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)  # surrogates are refused on input
INTS = st.integers(-(2**63), 2**63 - 1)
VALUES = st.recursive(
    st.none() | st.booleans() | INTS | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(VALUES)
def test_any_answer_shaped_value_gives_the_same_bytes(value):
    """Compact(v).body == JSONResponse(v).body for values of the kinds answers and errors hold."""
    assert Compact(value).body == JSONResponse(value).body


def test_every_control_character_and_the_line_separators_are_written_alike():
    """The escapes JSON differs on between writers: each control character, DEL, U+2028/2029, quotes."""
    text = "".join(map(chr, range(0x20))) + '\x7f"\\/\u2028\u2029\u00e9\U0001f600'
    assert Compact({"k": text}).body == JSONResponse({"k": text}).body


def test_the_fixtures_answers_and_errors_are_written_alike():
    """Every stock scenario's answer document (or error body), as the API sends it, gives the same
    bytes either way."""
    rules = followup.load_rules(RULES)
    seen = 0
    for path in sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.yaml"))):
        with open(path, encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        for case in doc.get("cases", []) if isinstance(doc, dict) else []:
            scenario = case.get("scenario") if isinstance(case, dict) else None
            if not isinstance(scenario, dict):
                continue
            try:
                value = followup.advise(scenario, as_of="2026-11-20", rules=rules).to_json()
            except followup.FollowupError as exc:
                value = error_body(exc)
            assert Compact(value).body == JSONResponse(value).body, (path, case.get("name"))
            seen += 1
    assert seen > 50


def test_what_orjson_refuses_is_written_by_the_standard_library_never_a_500():
    """A number over 64 bits: JSONResponse's own bytes; half a surrogate pair: its escape, valid JSON."""
    big = {"n": 2**70, "m": -(2**64)}
    assert Compact(big).body == JSONResponse(big).body
    body = Compact({"message": "unknown key '\ud800'"}).body
    assert body == b'{"message":"unknown key \'\\ud800\'"}'
