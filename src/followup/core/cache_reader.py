"""Cache entry data -> (RuleSet, Compiled): the inverse of cache_format.to_data, checking the type
of every value and the length of every record, so anything that is not exactly what to_data
writes raises CacheFormatError (a miss). Nothing read is executed: only the model's dataclasses
are built, from strings, whole numbers, booleans and lists of them."""

from __future__ import annotations

from typing import Any

from .cache_format import (
    DATE_KEYS,
    FIELDS,
    FORMAT,
    KINDS,
    MAX_NESTING,
    SCALAR_KEYS,
    CacheFormatError,
    as_bool,
    as_int,
    as_plain,
    as_scalar,
    as_str,
    condition_tests,
)
from .compiler import Compiled, EngineRule, Literal
from .errors import Location
from .model import Claim, Condition, Conflict, DateExpr, Rule, RuleSet, Side, Test, Value


def from_data(data: Any) -> tuple[RuleSet, Compiled]:
    """The rule set and compiled rules of an entry's data; CacheFormatError unless the data is
    exactly of the shape to_data writes."""
    top = _obj(data, ("format", "paths", "ruleset", "compiled"))
    if type(top["format"]) is not int or top["format"] != FORMAT:
        raise CacheFormatError(f"format {top['format']!r}, expected {FORMAT}")
    r = _Reader([as_str(p) for p in _list(top["paths"])])
    ruleset = r.ruleset(top["ruleset"])
    return ruleset, r.compiled(top["compiled"], ruleset)


class _Reader:
    def __init__(self, paths: list[str]) -> None:
        self.paths = paths

    def path(self, x: Any) -> str:
        if type(x) is not int or not 0 <= x < len(self.paths):
            raise CacheFormatError("a path index out of range")
        return self.paths[x]

    def loc(self, x: Any) -> Location | None:
        if x is None:
            return None
        path, line, column = _rec(x, 3)
        return Location(self.path(path), as_int(line), as_int(column))

    def condition(self, x: Any, depth: int = 0) -> Condition:
        if depth > MAX_NESTING:
            raise CacheFormatError("a condition nests too deeply")
        kind, children, test = _rec(x, 3)
        if kind not in KINDS or (kind == "test") != (test is not None):
            raise CacheFormatError(f"condition kind {kind!r}")
        parsed = None
        if test is not None:
            fact, op, value, negated, loc = _rec(test, 5)
            parsed = Test(as_str(fact), as_str(op), _value_back(value), as_bool(negated), self.loc(loc))
        return Condition(kind, tuple(self.condition(c, depth + 1) for c in _list(children)), parsed)

    def rule(self, x: Any) -> Rule:
        (rid, topic, description, sources, priority, overrides, when, facts, answer, advice, says,
         summary, decides, loc, path) = _rec(x, len(FIELDS[Rule].split()))  # fmt: skip
        parsed_loc = self.loc(loc)
        if parsed_loc is None:
            raise CacheFormatError("a rule without a location")
        return Rule(
            as_str(rid), as_str(topic), as_str(description), _strs_back(sources), as_int(priority),
            _strs_back(overrides), self.condition(when), _pairs_back(facts), _answer_back(answer),
            _strs_back(advice), as_str(says), as_str(summary),
            tuple((as_str(c), as_str(s)) for c, s in (_rec(d, 2) for d in _list(decides))),
            parsed_loc, self.path(path),
        )  # fmt: skip

    def ruleset(self, x: Any) -> RuleSet:
        (directory, rules, vocabulary, defaults, conflicts, claims, articles, unmatched, no_channel_for,
         derived, digest, branch_facts) = _rec(x, len(FIELDS[RuleSet].split()))  # fmt: skip
        parsed_conflicts = [
            Conflict(as_str(cid), as_str(question), tuple(_side(s) for s in _list(sides)), as_str(part))
            for cid, question, sides, part in (_rec(c, 4) for c in _list(conflicts))
        ]
        parsed_claims = [
            Claim(as_str(cid), as_str(article), as_str(text), as_bool(encoded), as_str(reason))
            for cid, article, text, encoded, reason in (_rec(c, 5) for c in _list(claims))
        ]
        return RuleSet(
            as_str(directory),
            tuple(self.rule(r) for r in _list(rules)),
            {k: _scalars_back(vs) for k, vs in _dict(vocabulary).items()},
            {k: as_scalar(v) for k, v in _dict(defaults).items()},  # type: ignore[misc]
            _by_id(parsed_conflicts),
            _by_id(parsed_claims),
            {k: as_str(v) for k, v in _dict(articles).items()},
            {k: as_scalar(v) for k, v in _dict(unmatched).items()},
            _strs_back(no_channel_for),
            {k: _scalars_back(vs) for k, vs in _dict(derived).items()},
            as_str(digest),
            _strs_back(branch_facts),
        )

    def compiled(self, x: Any, ruleset: RuleSet) -> Compiled:
        name, definition, engine_rules, depth = _rec(x, 4)
        sources = {r.id: condition_tests(r.when) for r in ruleset.rules}
        rules: dict[str, EngineRule] = {}
        for er in _list(engine_rules):
            er_name, rule, alternative, literals, asserts = _rec(er, 5)
            if as_str(er_name) in rules or type(rule) is not str or rule not in sources:
                raise CacheFormatError("an engine rule of no rule, or twice")
            tests = sources[rule]
            parsed = []
            for lit in _list(literals):
                fact, op, value, source = _rec(lit, 4)
                if type(source) is not int or not 0 <= source < len(tests):
                    raise CacheFormatError("a literal's source out of range")
                parsed.append(Literal(as_str(fact), as_str(op), _value_back(value), tests[source]))
            rules[er_name] = EngineRule(
                er_name, rule, as_int(alternative), tuple(parsed), _pairs_back(asserts)
            )
        if _dict(as_plain(definition, 0)).keys() != rules.keys():
            raise CacheFormatError("the engine definition and the engine rules differ")
        return Compiled(as_str(name), definition, rules, {k: as_int(v) for k, v in _dict(depth).items()})


def _obj(x: Any, keys: tuple[str, ...]) -> dict[str, Any]:
    if type(x) is not dict or x.keys() != set(keys):
        raise CacheFormatError(f"expected an object with keys {', '.join(keys)}")
    return x


def _rec(x: Any, n: int) -> list[Any]:
    if type(x) is not list or len(x) != n:
        raise CacheFormatError(f"expected a record of {n} fields")
    return x


def _list(x: Any) -> list[Any]:
    if type(x) is not list:
        raise CacheFormatError(f"expected a list, not {type(x).__name__}")
    return x


def _dict(x: Any) -> dict[str, Any]:
    if type(x) is not dict:
        raise CacheFormatError(f"expected an object, not {type(x).__name__}")
    return x


def _strs_back(x: Any) -> tuple[str, ...]:
    return tuple(as_str(s) for s in _list(x))


def _scalars_back(x: Any) -> tuple[Any, ...]:
    return tuple(as_scalar(v) for v in _list(x))


def _pairs_back(x: Any) -> tuple[tuple[str, Value], ...]:
    return tuple((as_str(k), as_scalar(v)) for k, v in (_rec(p, 2) for p in _list(x)))


def _value_back(x: Any) -> Any:
    return _scalars_back(x) if type(x) is list else as_scalar(x)


def _side(x: Any) -> Side:
    sid, claims, position = _rec(x, 3)
    return Side(as_str(sid), _strs_back(claims), as_str(position))


def _by_id(records: list[Any]) -> dict[str, Any]:
    out = {r.id: r for r in records}
    if len(out) != len(records):
        raise CacheFormatError("an id appears twice")
    return out


def _answer_back(x: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in _dict(x).items():
        if key in SCALAR_KEYS:
            out[key] = as_scalar(value)
        elif key == "channel":
            if type(value) is list:
                tag, fact = _rec(value, 2)
                if tag != "fact":
                    raise CacheFormatError("a channel taken from something other than a fact")
                out[key] = ("fact", as_str(fact))
            else:
                out[key] = as_str(value)
        elif key in DATE_KEYS:
            out[key] = tuple(DateExpr(as_str(f), as_int(d)) for f, d in (_rec(e, 2) for e in _list(value)))
        else:
            raise CacheFormatError(f"unknown answer part {key!r}")
    return out
