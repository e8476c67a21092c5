"""The compiled-rules cache's entry format: an exact round trip of the stock rules, and a reader
that refuses anything that is not exactly what the writer writes."""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.core.cache_format import FIELDS, FORMAT, CacheFormatError, condition_tests, to_data
from followup.core.cache_reader import from_data
from followup.core.compiler import compile_rules
from followup.core.rules import load_rules

from ..helpers import RULES


@pytest.fixture(scope="module")
def stock():
    ruleset = load_rules(RULES)
    return ruleset, compile_rules(ruleset)


@pytest.fixture(scope="module")
def data(stock):
    return json.loads(json.dumps(to_data(*stock)))


def _text(loaded: Any) -> str:
    """The entry's JSON text: tells True from 1 and a tuple's order, where == does not."""
    return json.dumps(to_data(*loaded))


def test_fields_name_every_field_of_each_dataclass():
    """FIELDS, the record layout, lists every field of each stored dataclass in order."""
    for cls, names in FIELDS.items():
        assert [f.name for f in dataclasses.fields(cls)] == names.split(), cls.__name__


def test_round_trip_is_exact(stock, data):
    """The stock rules come back equal, with the same engine definition, locations and sources."""
    ruleset, compiled = stock
    back_ruleset, back_compiled = from_data(data)
    assert back_ruleset == ruleset
    assert back_compiled == compiled
    assert json.dumps(back_compiled.definition) == json.dumps(compiled.definition)  # key order too
    assert _text((back_ruleset, back_compiled)) == _text(stock)
    # what dataclass equality leaves out (compare=False): where each test stands
    for rule, back in zip(ruleset.rules, back_ruleset.rules, strict=True):
        assert (back.loc, back.path) == (rule.loc, rule.path)
        assert [t.loc for t in condition_tests(back.when)] == [t.loc for t in condition_tests(rule.when)]
    for name, engine_rule in back_compiled.rules.items():
        tests = condition_tests(back_ruleset.rule(engine_rule.rule).when)
        assert all(any(lit.source is t for t in tests) for lit in engine_rule.literals)
        assert [lit.source.loc for lit in engine_rule.literals] == [
            lit.source.loc for lit in compiled.rules[name].literals
        ]


def _set(path: tuple[Any, ...], value: Any):
    def change(d: Any) -> None:
        for step in path[:-1]:
            d = d[step]
        d[path[-1]] = value

    return change


def _first_rule(d: Any) -> Any:
    return d["ruleset"][1][0]


def _first_engine_rule(d: Any) -> Any:
    return d["compiled"][2][0]


DAMAGE = {
    "another format": _set(("format",), FORMAT + 1),
    "format true": _set(("format",), True),
    "format as text": _set(("format",), "1"),
    "an extra key": _set(("junk",), 1),
    "a missing key": lambda d: d.pop("paths"),
    "a path that is not text": lambda d: d["paths"].append(7),
    "a rule with a field more": lambda d: _first_rule(d).append(None),
    "a rule with a field less": lambda d: _first_rule(d).pop(),
    "a priority as text": lambda d: _first_rule(d).__setitem__(4, "10"),
    "a priority as a float": lambda d: _first_rule(d).__setitem__(4, 10.0),
    "a priority as a boolean": lambda d: _first_rule(d).__setitem__(4, True),
    "a path index out of range": lambda d: _first_rule(d).__setitem__(14, 10**6),
    "a negative path index": lambda d: _first_rule(d).__setitem__(14, -1),
    "a condition of an unknown kind": lambda d: _first_rule(d)[6].__setitem__(0, "xor"),
    "an unknown answer part": lambda d: _first_rule(d)[8].__setitem__("tone", "warm"),
    "a channel from something else": lambda d: _first_rule(d)[8].__setitem__("channel", ["env", "x"]),
    "a claim twice": lambda d: d["ruleset"][5].append(d["ruleset"][5][0]),
    "a vocabulary value that is null": lambda d: d["ruleset"][2]["answer.action"].append(None),
    "a literal source out of range": lambda d: _first_engine_rule(d)[3][0].__setitem__(3, 999),
    "an engine rule of no rule": lambda d: _first_engine_rule(d).__setitem__(1, "no-such-rule"),
    "an engine rule twice": lambda d: d["compiled"][2].append(_first_engine_rule(d)),
    "a float in the engine definition": lambda d: next(iter(d["compiled"][1].values())).__setitem__(
        "pri", 0.5
    ),
    "null in the engine definition": lambda d: next(iter(d["compiled"][1].values())).__setitem__("pri", None),
    "an engine definition without a rule": lambda d: d["compiled"][1].popitem(),
    "a depth as text": lambda d: d["compiled"][3].__setitem__(next(iter(d["compiled"][3])), "0"),
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_reader_refuses_data_of_any_other_shape(data, damage):
    """Wrong types, missing or extra fields and keys, bad references, another format: refused."""
    damaged = copy.deepcopy(data)
    DAMAGE[damage](damaged)
    with pytest.raises(CacheFormatError):
        from_data(damaged)


@pytest.mark.parametrize("top", [None, [], "rules", 1, {"format": 1}])
def test_reader_refuses_what_is_not_an_entry(top):
    """Data that is not an entry object at all is refused, not crashed on."""
    with pytest.raises(CacheFormatError):
        from_data(top)


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)


def _slots(d: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The path of every value inside the data."""
    out = []
    items = d.items() if isinstance(d, dict) else enumerate(d) if isinstance(d, list) else []
    for k, v in items:
        out.append(path + (k,))
        out.extend(_slots(v, path + (k,)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.data())
def test_reader_never_fails_otherwise_on_damaged_data(data, choice):
    """Any one value replaced by any JSON value: the reader returns rules or refuses, nothing else."""
    slots = _slots(data)
    damaged = copy.deepcopy(data)
    path = choice.draw(st.sampled_from(slots))
    _set(path, choice.draw(JSON))(damaged)
    try:
        ruleset, compiled = from_data(damaged)
    except CacheFormatError:
        return
    assert dataclasses.is_dataclass(ruleset) and dataclasses.is_dataclass(compiled)


@pytest.mark.parametrize(
    "change",
    [
        lambda r: dataclasses.replace(r, priority=10.0),  # a float: JSON would not give it back as stored
        lambda r: dataclasses.replace(r, sources=list(r.sources)),  # a list where a tuple belongs
        lambda r: dataclasses.replace(r, answer={**r.answer, "tone": "warm"}),  # an unknown answer part
    ],
)
def test_writer_refuses_what_it_could_not_give_back(stock, change):
    """Values the format cannot hold exactly are refused when writing (those rules go uncached)."""
    ruleset, compiled = stock
    changed = dataclasses.replace(ruleset, rules=(change(ruleset.rules[0]),) + ruleset.rules[1:])
    with pytest.raises(CacheFormatError):
        to_data(changed, compiled)
