"""Each record (core/records.py) behaves as the dataclass it was: the same __init__ signature, ==,
hash, repr, order and frozenness as its twin made by @dataclass from the same fields."""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

import pytest

from followup.core import (
    model,  # (model.Test: imported by name, pytest would take it for tests)
    records,
)
from followup.core.advisor import Advisor
from followup.core.compiler import Compiled, EngineRule
from followup.core.decide import Fired
from followup.core.errors import Diagnostic, Location
from followup.core.facts import FactSpec
from followup.core.logic import Literal
from followup.core.model import (
    Claim,
    Condition,
    Conflict,
    DateExpr,
    Event,
    Recommendation,
    Rule,
    RuleSet,
    Scenario,
    Side,
)
from followup.core.reasons import Plan, Worded

RECORDS = [
    Location,
    Diagnostic,
    Event,
    Scenario,
    model.Test,
    Condition,
    DateExpr,
    Rule,
    Side,
    Conflict,
    Claim,
    RuleSet,
    Recommendation,
    FactSpec,
    Literal,
    EngineRule,
    Compiled,
    Plan,
    Worded,
    Fired,
    Advisor,
]


def _twin(cls: type) -> type:
    """The dataclass @dataclass would make of cls's fields, with the flags its base stands for."""
    frozen = issubclass(cls, records.Frozen)
    twin = dataclasses.make_dataclass(
        cls.__name__,
        [(f.name, f.type, _copy(f)) for f in dataclasses.fields(cls)],
        frozen=frozen,
        order=issubclass(cls, records.Ordered),
    )
    twin.__qualname__ = cls.__qualname__
    return twin


def _copy(f: dataclasses.Field[Any]) -> Any:
    if f.default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=f.default_factory, compare=f.compare)
    if f.default is not dataclasses.MISSING:
        return dataclasses.field(default=f.default, compare=f.compare)
    return dataclasses.field(compare=f.compare)


def _args(cls: type, tag: str) -> dict[str, Any]:
    """A distinct, hashable value for every field."""
    return {f.name: (f.name, tag) for f in dataclasses.fields(cls)}


def test_the_list_names_every_record():
    """RECORDS names every record class defined on the way to an answer."""
    found: set[type] = set()
    todo = [records.Record]
    while todo:
        for sub in todo.pop().__subclasses__():
            todo.append(sub)
            if sub.__module__ != records.__name__:
                found.add(sub)
    assert found == set(RECORDS)


@pytest.mark.parametrize("cls", RECORDS, ids=lambda c: c.__name__)
def test_a_record_behaves_as_its_dataclass(cls: type):
    """Signature, fields set, ==, hash, repr, order and frozenness are the dataclass's."""
    twin = _twin(cls)
    mine, theirs = inspect.signature(cls), inspect.signature(twin)
    assert list(mine.parameters) == list(theirs.parameters)
    for name, param in mine.parameters.items():
        other = theirs.parameters[name]
        assert param.kind == other.kind, name
        factory = dataclasses.fields(cls)[list(mine.parameters).index(name)].default_factory
        if factory is dataclasses.MISSING:
            assert param.default == other.default, name
        else:  # a field(default_factory=...): None stands for "a new one"
            assert param.default is None and other.default is not inspect.Parameter.empty
            assert getattr(cls(**{**_args(cls, "a"), name: None}), name) == factory()
    a, b = _args(cls, "a"), _args(cls, "b")
    x, y = cls(**a), twin(**a)
    assert vars(x) == vars(y) == a
    assert repr(x) == repr(y)
    assert (x == cls(**a)) is (y == twin(**a)) is True
    assert (x == cls(**a) and x is not cls(**a)) and x != y
    for name in a:
        changed = {**a, name: b[name]}
        assert (x == cls(**changed)) is (y == twin(**changed)), name
        if issubclass(cls, records.Ordered):
            assert (x < cls(**changed)) is (y < twin(**changed)), name
            assert (x >= cls(**changed)) is (y >= twin(**changed)), name
    if issubclass(cls, records.Frozen):
        assert hash(x) == hash(y)
        for act in (lambda o: setattr(o, "path", 1), lambda o: delattr(o, next(iter(a)))):
            with pytest.raises(dataclasses.FrozenInstanceError) as mine_error:
                act(x)
            with pytest.raises(dataclasses.FrozenInstanceError) as their_error:
                act(y)
            assert str(mine_error.value) == str(their_error.value)
    else:
        with pytest.raises(TypeError):
            hash(x)
        with pytest.raises(TypeError):
            hash(y)
    assert dataclasses.replace(x, **{next(iter(a)): "new"}) == cls(**{**a, next(iter(a)): "new"})
