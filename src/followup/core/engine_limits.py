"""The engine's size limits, checked on a compiled rule set before the engine ever sees it.

durable-rules builds one network of test nodes ("alpha" nodes) from all rules: each pattern's
tests become a chain of nodes from the root, and chains share a node wherever they test the same
thing under the same parent (its createAlpha/findAlpha). Asserting a fact walks that network
depth first with a fixed stack of 64 entries, pushing every child node the fact satisfies (its
handleAlpha). So what the engine counts is NODES, not distinct tests: the same thresholds under
two different prefixes are two sets of nodes (shared/durable-rules.md, faults 3, 4, 19, 20).

This module rebuilds that network from the compiled definition and bounds, for every fact kind,
the deepest stack any fact of that kind could need: at a node, a fact can satisfy at most one
equality per property, every `!=`, every threshold and `exists` on it (or else every absence test
on it), and every `$or` join node; the walk then holds the siblings still waiting plus what the
deepest child subtree needs. It also counts children per node (the engine's per-node tables hang
or fail when full) and rules ending at one node (error 108 at 256).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# the engine's own sizes (events.c, rules.h) and the limits kept below them
ENGINE_STACK, MAX_STACK = 64, 60  # fault 4 / 19: error 303
ENGINE_CHILDREN, MAX_CHILDREN = 512, 400  # fault 3: a node's hash table of 512 fills and hangs
ENGINE_ABSENT, MAX_ABSENT = 128, 100  # absence tests under one node: error at 128
ENGINE_BETA, MAX_BETA = 256, 200  # fault 20: rules ending at one node, error 108

_OPS = {"$neq": "!=", "$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<=", "$ex": "exists", "$nex": "absent"}


@dataclass(eq=False)
class Node:
    """One alpha node: `prop op value`; `kind` holds the fact kind a root child selects."""

    prop: str
    op: str
    value: Any
    children: list[Node] = field(default_factory=list)  # tests on present properties
    absent: list[Node] = field(default_factory=list)  # absence tests and `$or` join nodes
    rules: set[str] = field(default_factory=set)  # engine rules whose chains pass through
    ends: list[str] = field(default_factory=list)  # engine rules whose pattern ends here

    def find(self, prop: str, op: str, value: Any) -> Node:
        table = self.absent if op == "absent" else self.children
        for node in table:
            if node.prop == prop and node.op == op and _same(node.value, value):
                return node
        node = Node(prop, op, value)
        table.append(node)
        return node


def _same(a: Any, b: Any) -> bool:
    return bool(a == b and type(a) is type(b))


def build(definition: dict[str, Any]) -> Node:
    """The engine's test network for a compiled definition (compiler.Compiled.definition)."""
    root = Node("", "root", None)
    for name, rule in definition.items():
        for pattern in rule["all"]:
            (expr,) = pattern.values()
            last = _add(root, expr, name)
            last.ends.append(name)
    return root


def _add(parent: Node, expr: dict[str, Any], rule: str) -> Node:
    (key, value), *_ = expr.items()
    if key == "$and":
        node = parent
        for part in value:
            node = _add(node, part, rule)
        return node
    if key == "$or":
        join = Node("", "join", None)  # the engine makes a new join node for every `$or`
        join.rules.add(rule)
        for part in value:
            _add(parent, part, rule).absent.append(join)
        return join
    if key in _OPS:
        ((prop, operand),) = value.items()
        node = parent.find(prop, _OPS[key], operand)
    else:
        node = parent.find(key, "equals", value)
    node.rules.add(rule)
    return node


@dataclass
class Finding:
    """A limit the rule set would reach: which, how far, and an engine rule that causes it."""

    limit: str  # stack | children | absent | beta
    size: int
    rules: list[str]  # the engine rules ("<rule id>#<n>") whose tests make it so
    detail: str


def check(definition: dict[str, Any]) -> list[Finding]:
    """Every limit the compiled definition would reach."""
    root = build(definition)
    findings: list[Finding] = []
    seen: set[int] = set()
    todo = [root]
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if len(node.children) > MAX_CHILDREN:
            findings.append(Finding("children", len(node.children), _rules(node.children), _where(node)))
        if len(node.absent) > MAX_ABSENT:
            findings.append(Finding("absent", len(node.absent), _rules(node.absent), _where(node)))
        if len(node.ends) > MAX_BETA:
            findings.append(Finding("beta", len(node.ends), sorted(node.ends), _where(node)))
        todo.extend(node.children)
        todo.extend(node.absent)
    for kind_node in root.children:  # a fact satisfies one kind: the walk starts at its node
        height, path = _height(kind_node, {})
        if height > MAX_STACK:
            worst = max(path, key=_width)
            prop, count = _busiest(worst)
            crowd = [c for c in worst.children + worst.absent if c.prop == prop]
            detail = f"{count} tests on {prop!r} under {_where(worst)}"
            findings.append(Finding("stack", height, _rules(crowd), f"{kind_node.value}|{detail}"))
    return findings


def _busiest(node: Node) -> tuple[str, int]:
    """The property with the most children of `node` (and how many)."""
    counts: dict[str, int] = {}
    for child in node.children + node.absent:
        counts[child.prop] = counts.get(child.prop, 0) + 1
    if not counts:
        return "", 0
    prop = max(sorted(counts), key=lambda p: counts[p])
    return prop, counts[prop]


def _where(node: Node) -> str:
    if node.op == "root":
        return "the root"
    if node.op == "join":
        return "a join of alternatives"
    return f"`{node.prop} {node.op} {node.value!r}`"


def _rules(nodes: list[Node]) -> list[str]:
    return sorted({name for node in nodes for name in node.rules})


def _width(node: Node) -> int:
    """The most children of `node` one fact can satisfy at once."""
    per_prop: dict[str, dict[str, int]] = {}
    for child in node.children:
        slot = per_prop.setdefault(child.prop, {})
        slot[child.op] = slot.get(child.op, 0) + 1
    absent: dict[str, int] = {}
    joins = 0
    for child in node.absent:
        if child.op == "join":
            joins += 1
        else:
            absent[child.prop] = absent.get(child.prop, 0) + 1
    width = joins
    for prop in set(per_prop) | set(absent):
        ops = per_prop.get(prop, {})
        present = min(ops.get("equals", 0), 1) + sum(n for op, n in ops.items() if op != "equals")
        width += max(present, absent.get(prop, 0))
    return width


def _height(node: Node, memo: dict[int, tuple[int, list[Node]]]) -> tuple[int, list[Node]]:
    """The most stack entries the walk below `node` can need (children waiting plus the deepest
    child's own need), and the path of nodes that needs it."""
    if id(node) in memo:
        return memo[id(node)]
    memo[id(node)] = (0, [node])  # a join reached again through another alternative
    kids = node.children + node.absent
    if not kids:
        memo[id(node)] = (0, [node])
        return memo[id(node)]
    width = _width(node)
    best, best_path = 0, [node]
    for child in kids:
        h, path = _height(child, memo)
        if h > best:
            best, best_path = h, [node, *path]
    result = (max(width, width - 1 + best), best_path)
    memo[id(node)] = result
    return result
