"""Load and validate a rules directory into a RuleSet, collecting every problem in one pass.

A rules directory holds: vocabulary.yaml (allowed values), answer.yaml (how answer parts combine
and the answer when no rule matches), conflicts.yaml (where the sources disagree), sources.yaml
(every claim of the guidance, encoded or not) and one YAML file per topic with `rules:`. The fixed
files are read by rule_files.py, each rule by rule_reader.py (its condition by conditions.py);
this module reads the directory, checks what rules say about each other (duplicate ids,
overrides, derived facts and their types) and computes the digest.
"""

from __future__ import annotations

import hashlib
import json
import os
from typing import Any

from .errors import Diagnostic, FollowupError, Location, did_you_mean
from .loader import Node
from .model import Condition, Rule, RuleSet, Value
from .rule_files import (
    MESSAGES_FILE,
    SPECIAL_FILES,
    Collector,
    read_answer,
    read_conflicts,
    read_file,
    read_sources,
    read_vocabulary,
)
from .rule_reader import RuleReader

# Problems that name a rule or derived fact possibly defined in another file: not reported while a
# topic file cannot be read, since that file's rules may be what they are missing.
NEEDS_ALL_RULES = frozenset({"unknown-rule", "unknown-fact", "never-fires", "unknown-placeholder"})


def load_rules(directory: str) -> RuleSet:
    """Read and check every file of a rules directory. Raises FollowupError listing all problems."""
    v = Collector()
    if not os.path.isdir(directory):
        raise FollowupError(
            [Diagnostic(Location(directory), "no-such-directory", "rules directory not found")]
        )
    names = [n for n in rule_file_names(directory) if n != MESSAGES_FILE]
    for special in SPECIAL_FILES:
        if special not in names:
            v.add(
                Location(os.path.join(directory, special)),
                "missing-file",
                f"the rules directory needs {special}",
            )
    if v.problems:
        raise FollowupError(v.problems)
    docs = {n: read_file(v, os.path.join(directory, n)) for n in names}
    if any(docs[n] is None for n in SPECIAL_FILES):
        # every other file is read against these: only the files that cannot be read are reported
        raise FollowupError(v.problems)
    vocabulary, defaults = read_vocabulary(v, docs["vocabulary.yaml"])
    articles, claims = read_sources(v, docs["sources.yaml"])
    conflicts = read_conflicts(v, docs["conflicts.yaml"], claims)
    unmatched, no_channel_for, branch_nodes = read_answer(v, docs["answer.yaml"], vocabulary)
    raw_rules: list[tuple[str, Node]] = []
    complete = True  # every rule of every topic file could be read
    for name in names:
        doc = docs[name]
        if name in SPECIAL_FILES:
            continue
        if doc is None or not v.keys(doc, {"topic", "description", "rules"}, ("rules",), "a rules file"):
            complete = False
            continue
        topic = v.text(doc.value.get("topic"), "topic") or name.rsplit(".", 1)[0]
        rules_node = doc.value["rules"]
        if not rules_node.is_list:
            v.add(rules_node.loc, "wrong-type", "rules must be a list")
            complete = False
            continue
        raw_rules.extend((topic, r) for r in rules_node.value)
    derived = _derived_facts(raw_rules)
    _check_derived_types(v, raw_rules)
    for name, loc in branch_nodes:
        if name not in derived:
            v.add(
                loc,
                "unknown-fact",
                f"branch fact {name!r} is not asserted by any rule",
                did_you_mean(name, sorted(derived)),
            )
    reader = RuleReader(v, vocabulary, claims, conflicts, derived)
    rules: list[Rule] = []
    seen: dict[str, Location] = {}
    for topic, node in raw_rules:
        rule = reader.rule(topic, node)
        if rule is None:
            continue
        if rule.id in seen:
            v.add(rule.loc, "duplicate-id", f"rule id {rule.id!r} is already used at {seen[rule.id]}")
            continue
        seen[rule.id] = rule.loc
        rules.append(rule)
    named = seen.keys() | {_raw_id(node) for _, node in raw_rules}  # rules with mistakes still exist
    for rule in rules:
        for other in rule.overrides:
            if other not in named:
                v.add(
                    rule.loc,
                    "unknown-rule",
                    f"rule {rule.id!r} overrides unknown rule {other!r}",
                    did_you_mean(other, sorted(seen)),
                )
    if v.problems:
        if not complete:
            # the rules of an unreadable file may be what these name: report only what stands alone
            raise FollowupError([d for d in v.problems if d.code not in NEEDS_ALL_RULES])
        raise FollowupError(v.problems)
    rules.sort(key=lambda r: r.id)
    derived_values = {name: tuple(vals) for name, (vals, _) in sorted(derived.items())}
    canonical = {
        "vocabulary": {k: list(vs) for k, vs in sorted(vocabulary.items())},
        "defaults": dict(sorted(defaults.items())),
        "claims": {c.id: [c.article, c.text, c.encoded, c.reason] for c in claims.values()},
        "articles": articles,
        "conflicts": {
            c.id: [c.question, [[s.id, list(s.claims), s.position] for s in c.sides]]
            for c in conflicts.values()
        },
        "answer": {
            "unmatched": unmatched,
            "no_channel_for": list(no_channel_for),
            "branch_facts": [n for n, _ in branch_nodes],
        },
        "rules": [rule_canonical(r) for r in rules],
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()
    return RuleSet(
        directory,
        tuple(rules),
        vocabulary,
        defaults,
        conflicts,
        claims,
        articles,
        unmatched,
        no_channel_for,
        derived_values,
        "sha256:" + digest[:16],
        tuple(n for n, _ in branch_nodes),
    )


def rule_file_names(directory: str) -> list[str]:
    """The YAML files of a rules directory, sorted; an unreadable directory is a located error."""
    try:
        entries = os.listdir(directory)
    except OSError as exc:
        problem = Diagnostic(Location(directory), "unreadable", exc.strerror or str(exc))
        raise FollowupError([problem]) from None
    return sorted(n for n in entries if n.endswith((".yaml", ".yml")))


def _raw_id(node: Node) -> str | None:
    """The id a rule states, read before (and whatever) its other mistakes."""
    rid = node.value.get("id") if node.is_map else None
    return rid.value if rid is not None and isinstance(rid.value, str) else None


def rule_canonical(rule: Rule) -> dict[str, Any]:
    """A rule's meaning as plain data (no locations, no file names): the basis of the digest."""

    def cond(c: Condition) -> Any:
        if c.kind == "test":
            assert c.test is not None
            return [c.test.fact, c.test.op, c.test.value, c.test.negated]
        return {c.kind: [cond(ch) for ch in c.children]}

    return {
        "id": rule.id,
        "topic": rule.topic,
        "description": rule.description,
        "sources": list(rule.sources),
        "priority": rule.priority,
        "overrides": list(rule.overrides),
        "when": cond(rule.when),
        "facts": [list(f) for f in rule.facts],
        "answer": {
            k: (
                [[d.fact, d.plus_days] for d in v]
                if k in ("earliest", "latest")
                else list(v)
                if isinstance(v, tuple)
                else v
            )
            for k, v in sorted(rule.answer.items())
        },
        "advice": list(rule.advice),
        "says": rule.says,
        "summary": rule.summary,
        "decides": [list(d) for d in rule.decides],
    }


def _asserted(raw_rules: list[tuple[str, Node]]) -> list[tuple[str, Node, Location]]:
    """Every (derived fact name, value node, key location) that some rule's `then.facts` asserts."""
    out: list[tuple[str, Node, Location]] = []
    for _, node in raw_rules:
        then = node.value.get("then") if node.is_map else None
        facts = then.value.get("facts") if then is not None and then.is_map else None
        if facts is not None and facts.is_map:
            out.extend((name, val, facts.key_locs[name]) for name, val in facts.value.items())
    return out


def _derived_facts(raw_rules: list[tuple[str, Node]]) -> dict[str, tuple[list[Value], Location]]:
    """Derived fact names asserted anywhere (so conditions may test them), with their values."""
    out: dict[str, tuple[list[Value], Location]] = {}
    for name, val, key_loc in _asserted(raw_rules):
        vals, _ = out.setdefault(name, ([], key_loc))
        if isinstance(val.value, (str, int, bool)) and not any(
            v == val.value and type(v) is type(val.value) for v in vals
        ):
            vals.append(val.value)
    return out


def _check_derived_types(v: Collector, raw_rules: list[tuple[str, Node]]) -> None:
    """One type per derived fact (the engine confuses 1, "1" and true: fault 12)."""
    first: dict[str, tuple[type, Location]] = {}
    for name, val, _ in _asserted(raw_rules):
        kind = type(val.value)
        if kind not in (str, int, bool):
            continue
        if name not in first:
            first[name] = (kind, val.loc)
        elif first[name][0] is not kind:
            v.add(
                val.loc,
                "mixed-types",
                f"fact {name!r} is {kind.__name__} here but {first[name][0].__name__} at "
                f"{first[name][1]}; give it one type",
            )


def rule_list(ruleset: RuleSet) -> list[dict[str, Any]]:
    """Every rule by topic file and line: id, file, line, priority, overrides, sources (what
    `followup rules --format json` and GET /api/rules list)."""
    rows = sorted(ruleset.rules, key=lambda r: (os.path.basename(r.path), r.loc.line))
    return [
        {
            "id": r.id,
            "file": os.path.basename(r.path),
            "line": r.loc.line,
            "priority": r.priority,
            "overrides": list(r.overrides),
            "sources": list(r.sources),
        }
        for r in rows
    ]
