"""The compiled-rules cache's entry format, and writing it: to_data turns a RuleSet and its
Compiled engine rules into plain JSON data (lists, objects, strings, whole numbers, booleans,
null) by explicit converters; cache_reader.from_data is the inverse.

Records are lists in the field order of their dataclass (FIELDS names them; a test keeps FIELDS
and the dataclasses in step). File paths are stored once, in `paths`; a location is
[path index, line, column]; a Literal names its source Test by its index among its rule's tests
in pre-order (condition_tests), so after reading, compiled literals share their Test objects
with the rules, as after compiling. to_data refuses what it could not give back unchanged (a float, a list
where a tuple belongs, an unknown answer part) with CacheFormatError: such rules are not cached.
The as_* checks, shared with the reader, accept exactly one JSON type each.
"""

from __future__ import annotations

from typing import Any

from .compiler import Compiled, EngineRule
from .errors import Location
from .logic import Literal
from .model import Claim, Condition, Conflict, DateExpr, Rule, RuleSet, Side, Test, Value

FORMAT = 2  # bump on any change to what is written
FIELDS: dict[type, str] = {  # each record's fields, in order
    Location: "path line column pointer",  # pointer: never in rules (files have lines), refused
    Test: "fact op value negated loc",
    Condition: "kind children test",
    DateExpr: "fact plus_days",
    Rule: (
        "id topic description sources priority overrides when facts answer advice says summary decides loc "
        "path"
    ),
    Side: "id claims position",
    Conflict: "id question sides part",
    Claim: "id article text encoded reason",
    RuleSet: (
        "directory rules vocabulary defaults conflicts claims articles unmatched no_channel_for derived "
        "digest branch_facts"
    ),
    Literal: "fact op value source",
    EngineRule: "name rule alternative literals asserts",
    Compiled: "name definition rules depth",
}
KINDS = ("all", "any", "not", "test")
SCALAR_KEYS = ("action", "verdict", "contact", "window_note")  # Rule.answer keys holding one value
DATE_KEYS = ("earliest", "latest")  # Rule.answer keys holding DateExprs
MAX_NESTING = 64  # conditions and engine definitions (the rules allow far less)


class CacheFormatError(ValueError):
    """Data that is not exactly what to_data writes (or a value to_data cannot write)."""


def condition_tests(cond: Condition) -> list[Test]:
    """The tests of a condition in pre-order (a Literal's source is an index into this list)."""
    out: list[Test] = []
    todo = [cond]
    while todo:
        c = todo.pop()
        if c.test is not None:
            out.append(c.test)
        todo.extend(reversed(c.children))
    return out


# ---- writing -------------------------------------------------------------------------------


def to_data(ruleset: RuleSet, compiled: Compiled) -> dict[str, Any]:
    """The cache entry's data for a rule set and its compiled rules."""
    w = _Writer()
    rules = [w.rule(r) for r in ruleset.rules]
    sources = {r.id: condition_tests(r.when) for r in ruleset.rules}
    data_ruleset = [
        as_str(ruleset.directory),
        rules,
        {as_str(k): [as_scalar(x) for x in _tuple(vs)] for k, vs in ruleset.vocabulary.items()},
        {as_str(k): as_scalar(x) for k, x in ruleset.defaults.items()},
        [w.conflict(c) for c in _keyed(ruleset.conflicts)],
        [
            [as_str(c.id), as_str(c.article), as_str(c.text), as_bool(c.encoded), as_str(c.reason)]
            for c in _keyed(ruleset.claims)
        ],
        {as_str(k): as_str(x) for k, x in ruleset.articles.items()},
        {as_str(k): as_scalar(x) for k, x in ruleset.unmatched.items()},
        _strs(ruleset.no_channel_for),
        {as_str(k): [as_scalar(x) for x in _tuple(vs)] for k, vs in ruleset.derived.items()},
        as_str(ruleset.digest),
        _strs(ruleset.branch_facts),
    ]
    engine_rules = []
    for name, er in compiled.rules.items():
        if name != er.name or er.rule not in sources:
            raise CacheFormatError(f"engine rule {name!r} is not filed under its name or has no rule")
        tests = sources[er.rule]
        engine_rules.append(
            [
                as_str(er.name),
                as_str(er.rule),
                as_int(er.alternative),
                [
                    [as_str(x.fact), as_str(x.op), _value(x.value), _index(tests, x.source)]
                    for x in _tuple(er.literals)
                ],
                _pairs(er.asserts),
            ]
        )
    data_compiled = [
        as_str(compiled.name),
        as_plain(compiled.definition, 0),
        engine_rules,
        {as_str(k): as_int(d) for k, d in compiled.depth.items()},
    ]
    return {"format": FORMAT, "paths": w.paths, "ruleset": data_ruleset, "compiled": data_compiled}


class _Writer:
    def __init__(self) -> None:
        self.paths: list[str] = []
        self._index: dict[str, int] = {}

    def path(self, path: str) -> int:
        if path not in self._index:
            self._index[as_str(path)] = len(self.paths)
            self.paths.append(path)
        return self._index[path]

    def loc(self, loc: Location | None) -> list[int] | None:
        if loc is None:
            return None
        if type(loc) is not Location:
            raise CacheFormatError("a location is not a Location")
        if loc.pointer is not None:  # only values given as Python data have one, never a rule file
            raise CacheFormatError("a location by JSON pointer is not cached")
        return [self.path(loc.path), as_int(loc.line), as_int(loc.column)]

    def condition(self, c: Condition) -> list[Any]:
        test = c.test
        if test is not None:
            test_data: Any = [
                as_str(test.fact),
                as_str(test.op),
                _value(test.value),
                as_bool(test.negated),
                self.loc(test.loc),
            ]
        else:
            test_data = None
        return [as_str(c.kind), [self.condition(ch) for ch in _tuple(c.children)], test_data]

    def rule(self, r: Rule) -> list[Any]:
        answer: dict[str, Any] = {}
        for key, value in r.answer.items():
            if key in SCALAR_KEYS:
                answer[key] = as_scalar(value)
            elif key == "channel":
                answer[key] = list(_tuple(value)) if isinstance(value, tuple) else as_str(value)
                if isinstance(value, tuple) and (
                    len(value) != 2 or value[0] != "fact" or type(value[1]) is not str
                ):
                    raise CacheFormatError(f"rule {r.id!r}: channel {value!r}")
            elif key in DATE_KEYS:
                answer[key] = [[as_str(d.fact), as_int(d.plus_days)] for d in _tuple(value)]
            else:
                raise CacheFormatError(f"rule {r.id!r}: unknown answer part {key!r}")
        return [
            as_str(r.id), as_str(r.topic), as_str(r.description), _strs(r.sources), as_int(r.priority),
            _strs(r.overrides), self.condition(r.when), _pairs(r.facts), answer, _strs(r.advice),
            as_str(r.says), as_str(r.summary), [[as_str(c), as_str(s)] for c, s in _tuple(r.decides)],
            self.loc(r.loc), self.path(r.path),
        ]  # fmt: skip

    def conflict(self, c: Conflict) -> list[Any]:
        sides = [[as_str(s.id), _strs(s.claims), as_str(s.position)] for s in _tuple(c.sides)]
        return [as_str(c.id), as_str(c.question), sides, as_str(c.part)]


def _keyed(items: dict[str, Any]) -> list[Any]:
    if any(k != v.id for k, v in items.items()):
        raise CacheFormatError("a record is not filed under its id")
    return list(items.values())


def _index(tests: list[Test], source: Test) -> int:
    for i, t in enumerate(tests):
        if t is source:
            return i
    raise CacheFormatError("a literal's source test is not in its rule")


def _tuple(x: Any) -> tuple[Any, ...]:
    if type(x) is not tuple:
        raise CacheFormatError(f"expected a tuple, not {type(x).__name__}")
    return x


def _strs(x: Any) -> list[str]:
    return [as_str(s) for s in _tuple(x)]


def _pairs(x: Any) -> list[list[Any]]:
    out = []
    for pair in _tuple(x):
        if len(_tuple(pair)) != 2:
            raise CacheFormatError("expected a (name, value) pair")
        out.append([as_str(pair[0]), as_scalar(pair[1])])
    return out


def _value(x: Any) -> Any:
    """A test's value: one scalar, or a tuple of them (one_of)."""
    return [as_scalar(v) for v in x] if type(x) is tuple else as_scalar(x)


# ---- shared checks -------------------------------------------------------------------------


def as_str(x: Any) -> str:
    if type(x) is not str:
        raise CacheFormatError(f"expected a string, not {type(x).__name__}")
    return x


def as_int(x: Any) -> int:
    if type(x) is not int:
        raise CacheFormatError(f"expected a whole number, not {type(x).__name__}")
    return x


def as_bool(x: Any) -> bool:
    if type(x) is not bool:
        raise CacheFormatError(f"expected true or false, not {type(x).__name__}")
    return x


def as_scalar(x: Any) -> Value:
    if type(x) not in (str, int, bool):
        raise CacheFormatError(f"expected a word, number or boolean, not {type(x).__name__}")
    return x  # type: ignore[no-any-return]


def as_plain(x: Any, depth: int) -> Any:
    """An engine definition: objects with string keys, lists, strings, whole numbers, booleans."""
    if depth > MAX_NESTING:
        raise CacheFormatError("the engine definition nests too deeply")
    if type(x) is dict:
        for k, v in x.items():
            as_str(k)
            as_plain(v, depth + 1)
    elif type(x) is list:
        for v in x:
            as_plain(v, depth + 1)
    else:
        as_scalar(x)
    return x
