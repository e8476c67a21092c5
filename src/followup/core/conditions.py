"""A rule's `when:` -> a Condition tree: all / any / not over tests `{fact: F, <op>: value}`,
each test checked against the facts rules can test (facts.FACTS and the derived facts) and the
vocabulary, so a condition that names an unknown fact or value, or one that can never hold, is a
located problem.

ConditionReader is one class of some 155 lines on purpose: one reader per rule, its methods
recurse through all / any / not and share the rule's location and problem list."""

from __future__ import annotations

from typing import Any

from .errors import Location, did_you_mean
from .facts import ENUM_SOURCE, FACTS
from .loader import Node
from .model import Condition, Test, Value
from .rule_files import NAME_PATTERN, Collector

OPERATORS = ("equals", "one_of", "<", "<=", ">", ">=", "exists")
OP_ALIASES = {"one-of": "one_of"}


class ConditionReader:
    """Reads conditions; problems go to the collector `v`."""

    def __init__(
        self,
        v: Collector,
        vocab: dict[str, tuple[str, ...]],
        derived: dict[str, tuple[list[Value], Location]],
    ):
        self.v = v
        self.vocab = vocab
        self.derived = derived
        self.names = sorted(set(FACTS) | set(derived))

    def condition(self, node: Node, negated: bool = False, depth: int = 0) -> Condition:
        v = self.v
        if depth > 8:
            v.add(node.loc, "too-deep", "conditions nest deeper than 8 levels")
            return Condition("all")
        if not node.is_map:
            v.add(node.loc, "wrong-type", "a condition must be a mapping (all / any / not / fact test)")
            return Condition("all")
        keys = set(node.value)
        for combinator in ("all", "any"):
            if combinator in keys:
                if keys != {combinator}:
                    v.add(node.loc, "bad-value", f"{combinator!r} must stand alone in its mapping")
                items = node.value[combinator]
                if not items.is_list or not items.value:
                    v.add(items.loc, "wrong-type", f"{combinator} must be a non-empty list of conditions")
                    return Condition("all")
                return Condition(
                    combinator, tuple(self.condition(c, negated, depth + 1) for c in items.value)
                )
        if "not" in keys:
            if keys != {"not"}:
                v.add(node.loc, "bad-value", "'not' must stand alone in its mapping")
            return Condition("not", (self.condition(node.value["not"], not negated, depth + 1),))
        return self.test(node, negated)

    def test(self, node: Node, negated: bool) -> Condition:
        v = self.v
        allowed = {"fact", *OPERATORS, *OP_ALIASES}
        for key in node.value:
            if key not in allowed:
                v.add(
                    node.key_locs[key],
                    "unknown-key",
                    f"unknown key {key!r} in a condition",
                    did_you_mean(key, ["all", "any", "not", "fact", *OPERATORS]),
                )
        if "fact" not in node.value:
            v.add(node.loc, "missing-key", "a test needs 'fact'")
            return Condition("all")
        ops = [OP_ALIASES.get(k, k) for k in node.value if k in OPERATORS or k in OP_ALIASES]
        if len(ops) != 1:
            v.add(node.loc, "bad-operator", "a test needs exactly one operator: " + ", ".join(OPERATORS))
            return Condition("all")
        op = ops[0]
        op_key = next(k for k in node.value if OP_ALIASES.get(k, k) == op)
        fact_node = node.value["fact"]
        fact = fact_node.value
        val_node = node.value[op_key]
        value = val_node.value
        if not isinstance(fact, str) or fact not in self.names:
            hint = did_you_mean(str(fact), self.names)
            if isinstance(fact, str) and NAME_PATTERN.match(fact) and not hint.startswith("did you mean"):
                # nothing close: a derived fact that no rule asserts (yet)
                v.add(
                    fact_node.loc,
                    "never-fires",
                    f"no rule asserts fact {fact!r} and no scenario fact has "
                    "that name, so this test never holds",
                    "assert it in some rule's then.facts",
                )
            else:
                v.add(fact_node.loc, "unknown-fact", f"unknown fact {fact!r}", hint)
            return Condition("all")
        spec = FACTS.get(fact)
        ftype = spec.type if spec else "derived"
        if ftype in ("text", "date") and op != "exists":
            v.add(
                node.loc,
                "bad-operator",
                f"{fact!r} is {ftype}: only 'exists' can test it"
                + ("; compare the days_* facts instead" if ftype == "date" else ""),
            )
            return Condition("all")
        if ftype == "text":
            v.add(fact_node.loc, "bad-operator", f"{fact!r} is for wording only; rules cannot test it")
            return Condition("all")
        if ftype == "derived" and negated:
            v.add(
                node.loc,
                "negated-derived",
                f"{fact!r} is derived by rules; a test on it cannot sit under 'not'",
                "use a positive test, or a higher priority / overrides",
            )
        if op == "exists":
            if not isinstance(value, bool):
                v.add(val_node.loc, "wrong-type", "exists takes true or false")
                return Condition("all")
            if ftype == "derived" and value is False:
                v.add(
                    node.loc,
                    "negated-derived",
                    f"absence of derived fact {fact!r} cannot be tested",
                    "use a positive test, or a higher priority / overrides",
                )
            return Condition("test", test=Test(fact, op, value, False, node.loc))
        values = value if op == "one_of" else [value]
        if op == "one_of":
            if not val_node.is_list or not val_node.value:
                v.add(val_node.loc, "wrong-type", "one_of takes a non-empty list")
                return Condition("all")
            values = [x.value for x in val_node.value]
        if op in ("<", "<=", ">", ">=") and ftype != "int":
            v.add(node.loc, "bad-operator", f"{op} compares numbers; {fact!r} is {ftype}")
            return Condition("all")
        for x in values:
            if not self.value_ok(fact, ftype, x, val_node):
                return Condition("all")
        stored = tuple(values) if op == "one_of" else value
        return Condition("test", test=Test(fact, op, stored, False, node.loc))

    def value_ok(self, fact: str, ftype: str, x: Any, node: Node) -> bool:
        v = self.v
        if ftype == "int":
            if isinstance(x, bool) or not isinstance(x, int):
                v.add(node.loc, "wrong-type", f"{fact!r} is a whole number; {x!r} is not")
                return False
        elif ftype == "bool":
            if not isinstance(x, bool):
                v.add(node.loc, "wrong-type", f"{fact!r} is true or false; {x!r} is not")
                return False
        elif ftype == "enum":
            allowed = self.vocab.get(ENUM_SOURCE.get(fact, fact), ())
            if x not in allowed:
                v.add(
                    node.loc,
                    "unknown-value",
                    f"{fact!r} has no value {x!r}",
                    did_you_mean(str(x), [str(a) for a in allowed]),
                )
                return False
        else:  # derived
            vals = self.derived[fact][0]
            if not any(x == y and type(x) is type(y) for y in vals):
                v.add(
                    node.loc,
                    "never-fires",
                    f"no rule asserts {fact} = {x!r}, so this test never holds",
                    did_you_mean(str(x), [str(a) for a in vals]),
                )
                return False
        return True
