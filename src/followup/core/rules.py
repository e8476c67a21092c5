"""Load and validate a rules directory into a RuleSet, collecting every problem in one pass.

A rules directory holds: vocabulary.yaml (allowed values), answer.yaml (how answer parts combine
and the answer when no rule matches), conflicts.yaml (where the sources disagree), sources.yaml
(every claim of the guidance, encoded or not) and one YAML file per topic with `rules:`.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from .decide import ORDER, _PLACEHOLDER
from .errors import Diagnostic, FollowupError, Location, did_you_mean
from .facts import ENUM_SOURCE, FACTS
from .loader import Node, load_file
from .model import Claim, Condition, Conflict, DateExpr, Rule, RuleSet, Side, Test, Value

SPECIAL_FILES = ("vocabulary.yaml", "answer.yaml", "conflicts.yaml", "sources.yaml")
RULE_KEYS = {"id", "description", "sources", "priority", "overrides", "when", "then", "says",
             "summary", "decides"}
THEN_KEYS = {"facts", "action", "verdict", "contact", "channel", "earliest", "latest", "advice"}
OPERATORS = ("equals", "one_of", "<", "<=", ">", ">=", "exists")
OP_ALIASES = {"one-of": "one_of"}
MAX_PRIORITY = 1000
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class _V:
    """Collects diagnostics while reading one directory."""

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def add(self, loc: Location, code: str, message: str, hint: str = "") -> None:
        self.problems.append(Diagnostic(loc, code, message, hint))

    def keys(self, node: Node, allowed: set[str] | tuple[str, ...], required: tuple[str, ...],
             what: str) -> bool:
        if not node.is_map:
            self.add(node.loc, "wrong-type", f"{what} must be a mapping")
            return False
        for key in node.value:
            if key not in allowed:
                self.add(node.key_locs[key], "unknown-key", f"unknown key {key!r} in {what}",
                         did_you_mean(key, sorted(allowed)))
        for key in required:
            if key not in node.value:
                self.add(node.loc, "missing-key", f"{what} needs {key!r}")
        return all(k in node.value for k in required)

    def text(self, node: Node | None, what: str, required: bool = True) -> str:
        if node is None:
            return ""
        if not isinstance(node.value, str) or (required and not node.value.strip()):
            self.add(node.loc, "wrong-type", f"{what} must be text")
            return ""
        return node.value

    def str_list(self, node: Node | None, what: str) -> list[tuple[str, Location]]:
        if node is None:
            return []
        if not node.is_list:
            self.add(node.loc, "wrong-type", f"{what} must be a list")
            return []
        out = []
        for item in node.value:
            if isinstance(item.value, str) and item.value.strip():
                out.append((item.value, item.loc))
            else:
                self.add(item.loc, "wrong-type", f"each entry of {what} must be text")
        return out


def _read(v: _V, path: str) -> Node | None:
    try:
        return load_file(path)
    except FollowupError as exc:
        v.problems.extend(exc.diagnostics)
        return None


def load_rules(directory: str) -> RuleSet:
    """Read and check every file of a rules directory. Raises FollowupError listing all problems."""
    v = _V()
    if not os.path.isdir(directory):
        raise FollowupError([Diagnostic(Location(directory), "no-such-directory",
                                        "rules directory not found")])
    names = sorted(n for n in os.listdir(directory) if n.endswith((".yaml", ".yml")))
    for special in SPECIAL_FILES:
        if special not in names:
            v.add(Location(os.path.join(directory, special)), "missing-file",
                  f"the rules directory needs {special}")
    if v.problems:
        raise FollowupError(v.problems)
    docs = {n: _read(v, os.path.join(directory, n)) for n in names}
    vocabulary, defaults = _vocabulary(v, docs["vocabulary.yaml"])
    articles, claims = _sources(v, docs["sources.yaml"])
    conflicts = _conflicts(v, docs["conflicts.yaml"], claims)
    unmatched, no_channel_for, branch_nodes = _answer_config(v, docs["answer.yaml"], vocabulary)
    raw_rules: list[tuple[str, Node]] = []
    for name in names:
        doc = docs[name]
        if name in SPECIAL_FILES or doc is None:
            continue
        if not v.keys(doc, {"topic", "description", "rules"}, ("rules",), "a rules file"):
            continue
        topic = v.text(doc.value.get("topic"), "topic") or name.rsplit(".", 1)[0]
        rules_node = doc.value["rules"]
        if not rules_node.is_list:
            v.add(rules_node.loc, "wrong-type", "rules must be a list")
            continue
        raw_rules.extend((topic, r) for r in rules_node.value)
    derived = _derived_facts(raw_rules)
    _check_derived_types(v, raw_rules)
    for name, loc in branch_nodes:
        if name not in derived:
            v.add(loc, "unknown-fact", f"branch fact {name!r} is not asserted by any rule",
                  did_you_mean(name, sorted(derived)))
    ctx = _Context(v, vocabulary, claims, conflicts, derived)
    rules: list[Rule] = []
    seen: dict[str, Location] = {}
    for topic, node in raw_rules:
        rule = ctx.rule(topic, node)
        if rule is None:
            continue
        if rule.id in seen:
            v.add(rule.loc, "duplicate-id", f"rule id {rule.id!r} is already used at {seen[rule.id]}")
            continue
        seen[rule.id] = rule.loc
        rules.append(rule)
    for rule in rules:
        for other in rule.overrides:
            if other not in seen:
                v.add(rule.loc, "unknown-rule", f"rule {rule.id!r} overrides unknown rule {other!r}",
                      did_you_mean(other, sorted(seen)))
    if v.problems:
        raise FollowupError(v.problems)
    rules.sort(key=lambda r: r.id)
    derived_values = {name: tuple(vals) for name, (vals, _) in sorted(derived.items())}
    canonical = {
        "vocabulary": {k: list(vs) for k, vs in sorted(vocabulary.items())},
        "defaults": dict(sorted(defaults.items())),
        "claims": {c.id: [c.article, c.text, c.encoded, c.reason] for c in claims.values()},
        "articles": articles,
        "conflicts": {c.id: [c.question, [[s.id, list(s.claims), s.position] for s in c.sides]]
                      for c in conflicts.values()},
        "answer": {"unmatched": unmatched, "no_channel_for": list(no_channel_for),
                   "branch_facts": [n for n, _ in branch_nodes]},
        "rules": [rule_canonical(r) for r in rules],
    }
    digest = hashlib.sha256(json.dumps(canonical, sort_keys=True, default=str).encode()).hexdigest()
    return RuleSet(directory, tuple(rules), vocabulary, defaults, conflicts, claims, articles,
                   unmatched, no_channel_for, derived_values, "sha256:" + digest[:16],
                   tuple(n for n, _ in branch_nodes))


def rule_canonical(rule: Rule) -> dict[str, Any]:
    """A rule's meaning as plain data (no locations, no file names): the basis of the digest."""
    def cond(c: Condition) -> Any:
        if c.kind == "test":
            assert c.test is not None
            return [c.test.fact, c.test.op, c.test.value, c.test.negated]
        return {c.kind: [cond(ch) for ch in c.children]}

    return {
        "id": rule.id, "topic": rule.topic, "description": rule.description,
        "sources": list(rule.sources), "priority": rule.priority, "overrides": list(rule.overrides),
        "when": cond(rule.when), "facts": [list(f) for f in rule.facts],
        "answer": {k: ([[d.fact, d.plus_days] for d in v] if k in ("earliest", "latest")
                       else list(v) if isinstance(v, tuple) else v)
                   for k, v in sorted(rule.answer.items())},
        "advice": list(rule.advice), "says": rule.says, "summary": rule.summary,
        "decides": [list(d) for d in rule.decides],
    }


def _vocabulary(v: _V, doc: Node | None) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
    vocab: dict[str, tuple[str, ...]] = {}
    defaults: dict[str, str] = {}
    if doc is None or not v.keys(doc, {"description", "values"}, ("values",), "vocabulary.yaml"):
        return vocab, defaults
    values = doc.value["values"]
    if not values.is_map:
        v.add(values.loc, "wrong-type", "values must be a mapping of field -> allowed values")
        return vocab, defaults
    for field, spec in values.value.items():
        if not v.keys(spec, {"values", "default", "description"}, ("values",), f"vocabulary {field!r}"):
            continue
        items = spec.value["values"]
        allowed: list[str] = []
        if items.is_list:
            for item in items.value:
                ok = isinstance(item.value, (str, int)) and not isinstance(item.value, bool)
                if ok and (not isinstance(item.value, str) or NAME_PATTERN.match(item.value)):
                    allowed.append(item.value)
                else:
                    v.add(item.loc, "wrong-type", "vocabulary value must be a lower-case word")
        else:
            v.add(items.loc, "wrong-type", "values must be a list")
        vocab[field] = tuple(allowed)
        if "default" in spec.value:
            d = spec.value["default"]
            if d.value not in allowed:
                v.add(d.loc, "unknown-value", f"default {d.value!r} is not one of the values",
                      did_you_mean(str(d.value), [str(a) for a in allowed]))
            else:
                defaults[field] = d.value
    for needed in ("answer.action", "answer.verdict", "answer.contact", "answer.channel"):
        if needed not in vocab:
            v.add(doc.loc, "missing-key", f"vocabulary.yaml needs values for {needed!r}")
    return vocab, defaults


def _sources(v: _V, doc: Node | None) -> tuple[dict[str, str], dict[str, Claim]]:
    articles: dict[str, str] = {}
    claims: dict[str, Claim] = {}
    if doc is None or not v.keys(doc, {"description", "articles", "claims"}, ("articles", "claims"),
                                 "sources.yaml"):
        return articles, claims
    arts = doc.value["articles"]
    if arts.is_map:
        for key, title in arts.value.items():
            articles[key] = v.text(title, f"article {key} title")
    else:
        v.add(arts.loc, "wrong-type", "articles must be a mapping of article number -> title")
    items = doc.value["claims"]
    if not items.is_list:
        v.add(items.loc, "wrong-type", "claims must be a list")
        return articles, claims
    for node in items.value:
        if not v.keys(node, {"id", "text", "encoded", "reason"}, ("id", "text"), "a claim"):
            continue
        cid = v.text(node.value["id"], "claim id")
        if not re.match(r"^\d{3}-\d{2}$", cid):
            v.add(node.value["id"].loc, "bad-value", f"claim id {cid!r} must look like 000-04")
            continue
        if cid[:3] not in articles:
            v.add(node.value["id"].loc, "unknown-article", f"claim {cid} names no listed article")
        encoded = node.value.get("encoded")
        enc = True
        if encoded is not None:
            if not isinstance(encoded.value, bool):
                v.add(encoded.loc, "wrong-type", "encoded must be true or false")
            else:
                enc = encoded.value
        reason = v.text(node.value.get("reason"), "reason")
        if not enc and not reason:
            v.add(node.loc, "missing-key", f"claim {cid} is not encoded: give the reason")
        if cid in claims:
            v.add(node.loc, "duplicate-id", f"claim {cid} is listed twice")
        claims[cid] = Claim(cid, articles.get(cid[:3], ""), v.text(node.value["text"], "text"), enc, reason)
    return articles, claims


def _conflicts(v: _V, doc: Node | None, claims: dict[str, Claim]) -> dict[str, Conflict]:
    out: dict[str, Conflict] = {}
    if doc is None or not v.keys(doc, {"description", "conflicts"}, ("conflicts",), "conflicts.yaml"):
        return out
    items = doc.value["conflicts"]
    if not items.is_list:
        v.add(items.loc, "wrong-type", "conflicts must be a list")
        return out
    for node in items.value:
        if not v.keys(node, {"id", "question", "sides"}, ("id", "question", "sides"), "a conflict"):
            continue
        cid = v.text(node.value["id"], "conflict id")
        sides: list[Side] = []
        if not node.value["sides"].is_list:
            v.add(node.value["sides"].loc, "wrong-type", "sides must be a list")
            continue
        for s in node.value["sides"].value:
            if not v.keys(s, {"id", "claims", "position"}, ("id", "claims", "position"), "a side"):
                continue
            side_claims = v.str_list(s.value["claims"], "claims")
            for claim, loc in side_claims:
                if claim not in claims:
                    v.add(loc, "unknown-claim", f"unknown claim id {claim!r}",
                          did_you_mean(claim, sorted(claims)))
            sides.append(Side(v.text(s.value["id"], "side id"), tuple(c for c, _ in side_claims),
                              v.text(s.value["position"], "position")))
        if len(sides) < 2:
            v.add(node.loc, "bad-value", f"conflict {cid!r} needs at least two sides")
        out[cid] = Conflict(cid, v.text(node.value["question"], "question"), tuple(sides))
    return out


def _answer_config(v: _V, doc: Node | None, vocab: dict[str, tuple[str, ...]]
                   ) -> tuple[dict[str, Any], tuple[str, ...], list[tuple[str, Location]]]:
    unmatched: dict[str, Any] = {}
    no_channel: list[str] = []
    if doc is None or not v.keys(doc, {"description", "unmatched", "no_channel_for", "branch_facts"},
                                 ("unmatched",), "answer.yaml"):
        return unmatched, (), []
    branches = v.str_list(doc.value.get("branch_facts"), "branch_facts")
    node = doc.value["unmatched"]
    if v.keys(node, {"action", "verdict", "summary"}, ("action", "verdict", "summary"), "unmatched"):
        for key in ("action", "verdict"):
            val = node.value[key]
            if val.value not in vocab.get(f"answer.{key}", ()):
                v.add(val.loc, "unknown-value", f"unmatched {key}: unknown value {val.value!r}",
                      did_you_mean(str(val.value), list(vocab.get(f"answer.{key}", ()))))
            unmatched[key] = val.value
        unmatched["summary"] = v.text(node.value["summary"], "summary")
    for action, loc in v.str_list(doc.value.get("no_channel_for"), "no_channel_for"):
        if action not in vocab.get("answer.action", ()):
            v.add(loc, "unknown-value", f"unknown action {action!r}",
                  did_you_mean(action, list(vocab.get("answer.action", ()))))
        no_channel.append(action)
    return unmatched, tuple(no_channel), branches


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
                v == val.value and type(v) is type(val.value) for v in vals):
            vals.append(val.value)
    return out


def _check_derived_types(v: _V, raw_rules: list[tuple[str, Node]]) -> None:
    """One type per derived fact (the engine confuses 1, "1" and true: fault 12)."""
    first: dict[str, tuple[type, Location]] = {}
    for name, val, _ in _asserted(raw_rules):
        kind = type(val.value)
        if kind not in (str, int, bool):
            continue
        if name not in first:
            first[name] = (kind, val.loc)
        elif first[name][0] is not kind:
            v.add(val.loc, "mixed-types",
                  f"fact {name!r} is {kind.__name__} here but {first[name][0].__name__} at "
                  f"{first[name][1]}; give it one type")


class _Context:
    def __init__(self, v: _V, vocab: dict[str, tuple[str, ...]], claims: dict[str, Claim],
                 conflicts: dict[str, Conflict], derived: dict[str, tuple[list[Value], Location]]):
        self.v = v
        self.vocab = vocab
        self.claims = claims
        self.conflicts = conflicts
        self.derived = derived
        self.names = sorted(set(FACTS) | set(derived))

    def rule(self, topic: str, node: Node) -> Rule | None:
        v = self.v
        if not v.keys(node, RULE_KEYS, ("id", "description", "sources", "then", "says"), "a rule"):
            return None
        rid = v.text(node.value["id"], "id")
        if rid and not ID_PATTERN.match(rid):
            v.add(node.value["id"].loc, "bad-value",
                  f"rule id {rid!r} must be lower-case words joined by '-'")
        sources = []
        for claim, loc in v.str_list(node.value["sources"], "sources"):
            if claim not in self.claims:
                v.add(loc, "unknown-claim", f"unknown claim id {claim!r}", did_you_mean(claim, sorted(self.claims)))
            sources.append(claim)
        if not sources:
            v.add(node.value["sources"].loc, "missing-key", f"rule {rid!r} must cite at least one claim")
        priority = 0
        if "priority" in node.value:
            p = node.value["priority"]
            if isinstance(p.value, bool) or not isinstance(p.value, int) or not 0 <= p.value <= MAX_PRIORITY:
                v.add(p.loc, "wrong-type", f"priority must be a whole number from 0 to {MAX_PRIORITY}")
            else:
                priority = p.value
        overrides = tuple(x for x, _ in v.str_list(node.value.get("overrides"), "overrides"))
        when = self.condition(node.value["when"]) if "when" in node.value else Condition("all")
        then = node.value["then"]
        facts: list[tuple[str, Value]] = []
        answer: dict[str, Any] = {}
        advice: list[str] = []
        if v.keys(then, THEN_KEYS, (), "then"):
            facts = self.asserted(then.value.get("facts"))
            answer = self.answer(then)
            advice = [a for a, _ in v.str_list(then.value.get("advice"), "advice")]
        if then.is_map and not any(k in then.value for k in THEN_KEYS):
            v.add(then.loc, "missing-key", f"rule {rid!r} concludes nothing: give facts, answer parts or advice")
        says = v.text(node.value["says"], "says")
        summary = v.text(node.value.get("summary"), "summary")
        for key in ("says", "summary"):
            if key in node.value:
                self.placeholders(node.value[key])
        decides: list[tuple[str, str]] = []
        if "decides" in node.value:
            d = node.value["decides"]
            for item in (d.value if d.is_list else [d]):
                if not v.keys(item, {"conflict", "side"}, ("conflict", "side"), "decides"):
                    continue
                cid = v.text(item.value["conflict"], "conflict")
                side = v.text(item.value["side"], "side")
                if cid not in self.conflicts:
                    v.add(item.value["conflict"].loc, "unknown-conflict", f"unknown conflict {cid!r}",
                          did_you_mean(cid, sorted(self.conflicts)))
                elif side not in [s.id for s in self.conflicts[cid].sides]:
                    v.add(item.value["side"].loc, "unknown-value", f"conflict {cid!r} has no side {side!r}",
                          did_you_mean(side, [s.id for s in self.conflicts[cid].sides]))
                elif cid in [c for c, _ in decides]:
                    v.add(item.loc, "duplicate-id", f"rule {rid!r} decides conflict {cid!r} twice")
                else:
                    decides.append((cid, side))
        return Rule(rid, topic, v.text(node.value["description"], "description"), tuple(sources),
                    priority, overrides, when, tuple(facts), answer, tuple(advice), says, summary,
                    tuple(decides), node.loc, node.loc.path)

    def placeholders(self, node: Node) -> None:
        if not isinstance(node.value, str):
            return
        allowed = set(self.names) | set(ORDER)
        for name in _PLACEHOLDER.findall(node.value):
            if name not in allowed:
                self.v.add(node.loc, "unknown-placeholder", f"{{{name}}} is not a fact or answer part",
                           did_you_mean(name, sorted(allowed)))

    def asserted(self, node: Node | None) -> list[tuple[str, Value]]:
        if node is None:
            return []
        if not node.is_map:
            self.v.add(node.loc, "wrong-type", "facts must be a mapping of name -> value")
            return []
        out = []
        for name, val in node.value.items():
            if name in FACTS:
                self.v.add(node.key_locs[name], "bad-value", f"{name!r} is a scenario fact; a rule cannot assert it")
            elif not NAME_PATTERN.match(name):
                self.v.add(node.key_locs[name], "bad-value", f"fact name {name!r} must be a lower_case word")
            elif isinstance(val.value, float) or not isinstance(val.value, (str, int, bool)) or (
                    isinstance(val.value, str) and len(val.value) > 80):
                self.v.add(val.loc, "wrong-type", f"fact {name!r} must be a short word, a whole number or true/false")
            else:
                out.append((name, val.value))
        return out

    def answer(self, then: Node) -> dict[str, Any]:
        v = self.v
        out: dict[str, Any] = {}
        for key in ("action", "verdict", "contact"):
            if key in then.value:
                val = then.value[key]
                allowed = self.vocab.get(f"answer.{key}", ())
                if val.value not in allowed or isinstance(val.value, bool):
                    v.add(val.loc, "unknown-value", f"{key}: unknown value {val.value!r}",
                          did_you_mean(str(val.value), [str(a) for a in allowed]))
                else:
                    out[key] = val.value
        if "channel" in then.value:
            val = then.value["channel"]
            channels = self.vocab.get("answer.channel", ())
            if val.is_map:
                if v.keys(val, {"fact"}, ("fact",), "channel"):
                    fact = val.value["fact"].value
                    if not isinstance(fact, str) or FACTS.get(fact) is None or FACTS[fact].type != "enum":
                        v.add(val.value["fact"].loc, "unknown-fact", f"channel fact {fact!r} must be an enumerated scenario fact")
                    elif not set(self.vocab.get(fact, ())) <= set(channels):
                        v.add(val.value["fact"].loc, "unknown-value", f"values of {fact!r} are not all channels")
                    else:
                        out["channel"] = ("fact", fact)
            elif val.value in channels:
                out["channel"] = val.value
            else:
                v.add(val.loc, "unknown-value", f"channel: unknown value {val.value!r}",
                      did_you_mean(str(val.value), list(channels)))
        for key in ("earliest", "latest"):
            if key in then.value:
                exprs = self.dates(then.value[key], key)
                if exprs:
                    out[key] = tuple(exprs)
        return out

    def dates(self, node: Node, key: str) -> list[DateExpr]:
        items = node.value if node.is_list else [node]
        out = []
        for item in items:
            if not self.v.keys(item, {"date", "plus_days"}, ("date",), key):
                continue
            fact = item.value["date"].value
            if not isinstance(fact, str) or FACTS.get(fact) is None or FACTS[fact].type != "date":
                dates = [n for n, s in FACTS.items() if s.type == "date"]
                self.v.add(item.value["date"].loc, "unknown-fact", f"{key}: {fact!r} is not a date fact",
                           did_you_mean(str(fact), dates))
                continue
            plus = 0
            if "plus_days" in item.value:
                p = item.value["plus_days"]
                if isinstance(p.value, bool) or not isinstance(p.value, int) or not -366 <= p.value <= 366:
                    self.v.add(p.loc, "wrong-type", "plus_days must be a whole number of days (at most 366)")
                    continue
                plus = p.value
            out.append(DateExpr(fact, plus))
        return out

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
                return Condition(combinator, tuple(self.condition(c, negated, depth + 1) for c in items.value))
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
                v.add(node.key_locs[key], "unknown-key", f"unknown key {key!r} in a condition",
                      did_you_mean(key, ["all", "any", "not", "fact", *OPERATORS]))
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
                v.add(fact_node.loc, "never-fires", f"no rule asserts fact {fact!r} and no scenario fact has "
                      "that name, so this test never holds", "assert it in some rule's then.facts")
            else:
                v.add(fact_node.loc, "unknown-fact", f"unknown fact {fact!r}", hint)
            return Condition("all")
        spec = FACTS.get(fact)
        ftype = spec.type if spec else "derived"
        if ftype in ("text", "date") and op != "exists":
            v.add(node.loc, "bad-operator", f"{fact!r} is {ftype}: only 'exists' can test it"
                  + ("; compare the days_* facts instead" if ftype == "date" else ""))
            return Condition("all")
        if ftype == "text":
            v.add(fact_node.loc, "bad-operator", f"{fact!r} is for wording only; rules cannot test it")
            return Condition("all")
        if ftype == "derived" and negated:
            v.add(node.loc, "negated-derived",
                  f"{fact!r} is derived by rules; a test on it cannot sit under 'not'",
                  "use a positive test, or a higher priority / overrides")
        if op == "exists":
            if not isinstance(value, bool):
                v.add(val_node.loc, "wrong-type", "exists takes true or false")
                return Condition("all")
            if ftype == "derived" and value is False:
                v.add(node.loc, "negated-derived", f"absence of derived fact {fact!r} cannot be tested",
                      "use a positive test, or a higher priority / overrides")
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
                v.add(node.loc, "unknown-value", f"{fact!r} has no value {x!r}",
                      did_you_mean(str(x), [str(a) for a in allowed]))
                return False
        else:  # derived
            vals = self.derived[fact][0]
            if not any(x == y and type(x) is type(y) for y in vals):
                v.add(node.loc, "never-fires", f"no rule asserts {fact} = {x!r}, so this test never holds",
                      did_you_mean(str(x), [str(a) for a in vals]))
                return False
        return True
