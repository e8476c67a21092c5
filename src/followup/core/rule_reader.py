"""One rule's YAML -> a Rule: its id, sources, priority, overrides, the sides it takes in the
conflicts, its condition (conditions.py) and its conclusions (`then:`: derived facts, answer parts,
dates and advice), with every problem located.

RuleReader is one class of some 230 lines on purpose: its methods read the parts of one rule and
share that rule's state (its id, location, the facts its condition reads, the problems found so
far), and the order in which they run is what lets a later part be checked against an earlier one
(a `says` placeholder against the facts the condition reads). The condition itself, which stands
alone, is conditions.py."""

from __future__ import annotations

import re
from typing import Any

from .conditions import ConditionReader
from .decide import ORDER
from .errors import Location, did_you_mean
from .facts import FACTS
from .loader import Node
from .model import Claim, Condition, Conflict, DateExpr, Rule, Value
from .rule_files import NAME_PATTERN, Collector
from .wording import PLACEHOLDER as _PLACEHOLDER

RULE_KEYS = {
    "id",
    "description",
    "sources",
    "priority",
    "overrides",
    "when",
    "then",
    "says",
    "summary",
    "decides",
}
THEN_KEYS = {
    "facts",
    "action",
    "verdict",
    "contact",
    "channel",
    "earliest",
    "latest",
    "window_note",
    "advice",
}
MAX_PRIORITY = 1000
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")


class RuleReader(ConditionReader):
    """Reads rules of one rules directory, given its vocabulary, claims, conflicts and the derived
    facts some rule asserts."""

    def __init__(
        self,
        v: Collector,
        vocab: dict[str, tuple[str, ...]],
        claims: dict[str, Claim],
        conflicts: dict[str, Conflict],
        derived: dict[str, tuple[list[Value], Location]],
    ):
        super().__init__(v, vocab, derived)
        self.claims = claims
        self.conflicts = conflicts

    def rule(self, topic: str, node: Node) -> Rule | None:
        v = self.v
        if not v.keys(node, RULE_KEYS, ("id", "description", "sources", "then", "says"), "a rule"):
            return None
        rid = v.text(node.value["id"], "id")
        if rid and not ID_PATTERN.match(rid):
            v.add(
                node.value["id"].loc, "bad-value", f"rule id {rid!r} must be lower-case words joined by '-'"
            )
        sources = []
        for claim, loc in v.str_list(node.value["sources"], "sources"):
            if claim not in self.claims:
                v.add(
                    loc,
                    "unknown-claim",
                    f"unknown claim id {claim!r}",
                    did_you_mean(claim, sorted(self.claims)),
                )
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
            for line in (
                then.value["advice"].value
                if then.value.get("advice") is not None and then.value["advice"].is_list
                else []
            ):
                self.placeholders(line)
        if then.is_map and not any(k in then.value for k in THEN_KEYS):
            v.add(
                then.loc, "missing-key", f"rule {rid!r} concludes nothing: give facts, answer parts or advice"
            )
        says = v.text(node.value["says"], "says")
        summary = v.text(node.value.get("summary"), "summary")
        for key in ("says", "summary"):
            if key in node.value:
                self.placeholders(node.value[key])
        decides: list[tuple[str, str]] = []
        if "decides" in node.value:
            d = node.value["decides"]
            for item in d.value if d.is_list else [d]:
                if not v.keys(item, {"conflict", "side"}, ("conflict", "side"), "decides"):
                    continue
                cid = v.text(item.value["conflict"], "conflict")
                side = v.text(item.value["side"], "side")
                if cid not in self.conflicts:
                    v.add(
                        item.value["conflict"].loc,
                        "unknown-conflict",
                        f"unknown conflict {cid!r}",
                        did_you_mean(cid, sorted(self.conflicts)),
                    )
                elif side not in [s.id for s in self.conflicts[cid].sides]:
                    v.add(
                        item.value["side"].loc,
                        "unknown-value",
                        f"conflict {cid!r} has no side {side!r}",
                        did_you_mean(side, [s.id for s in self.conflicts[cid].sides]),
                    )
                elif cid in [c for c, _ in decides]:
                    v.add(item.loc, "duplicate-id", f"rule {rid!r} decides conflict {cid!r} twice")
                else:
                    decides.append((cid, side))
        return Rule(
            rid,
            topic,
            v.text(node.value["description"], "description"),
            tuple(sources),
            priority,
            overrides,
            when,
            tuple(facts),
            answer,
            tuple(advice),
            says,
            summary,
            tuple(decides),
            node.loc,
            node.loc.path,
        )

    def placeholders(self, node: Node) -> None:
        if not isinstance(node.value, str):
            return
        allowed = set(self.names) | set(ORDER)
        for name in _PLACEHOLDER.findall(node.value):
            if name not in allowed:
                self.v.add(
                    node.loc,
                    "unknown-placeholder",
                    f"{{{name}}} is not a fact or answer part",
                    did_you_mean(name, sorted(allowed)),
                )

    def asserted(self, node: Node | None) -> list[tuple[str, Value]]:
        if node is None:
            return []
        if not node.is_map:
            self.v.add(node.loc, "wrong-type", "facts must be a mapping of name -> value")
            return []
        out = []
        for name, val in node.value.items():
            if name in FACTS:
                self.v.add(
                    node.key_locs[name], "bad-value", f"{name!r} is a scenario fact; a rule cannot assert it"
                )
            elif not NAME_PATTERN.match(name):
                self.v.add(node.key_locs[name], "bad-value", f"fact name {name!r} must be a lower_case word")
            elif (
                isinstance(val.value, float)
                or not isinstance(val.value, (str, int, bool))
                or (isinstance(val.value, str) and len(val.value) > 80)
            ):
                self.v.add(
                    val.loc, "wrong-type", f"fact {name!r} must be a short word, a whole number or true/false"
                )
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
                    v.add(
                        val.loc,
                        "unknown-value",
                        f"{key}: unknown value {val.value!r}",
                        did_you_mean(str(val.value), [str(a) for a in allowed]),
                    )
                else:
                    out[key] = val.value
        if "channel" in then.value:
            val = then.value["channel"]
            channels = self.vocab.get("answer.channel", ())
            if val.is_map:
                if v.keys(val, {"fact"}, ("fact",), "channel"):
                    fact = val.value["fact"].value
                    if not isinstance(fact, str) or FACTS.get(fact) is None or FACTS[fact].type != "enum":
                        v.add(
                            val.value["fact"].loc,
                            "unknown-fact",
                            f"channel fact {fact!r} must be an enumerated scenario fact",
                        )
                    elif not set(self.vocab.get(fact, ())) <= set(channels):
                        v.add(
                            val.value["fact"].loc, "unknown-value", f"values of {fact!r} are not all channels"
                        )
                    else:
                        out["channel"] = ("fact", fact)
            elif val.value in channels:
                out["channel"] = val.value
            else:
                v.add(
                    val.loc,
                    "unknown-value",
                    f"channel: unknown value {val.value!r}",
                    did_you_mean(str(val.value), list(channels)),
                )
        for key in ("earliest", "latest"):
            if key in then.value:
                exprs = self.dates(then.value[key], key)
                if exprs:
                    out[key] = tuple(exprs)
        if "window_note" in then.value:
            note = v.text(then.value["window_note"], "window_note")
            if note:
                self.placeholders(then.value["window_note"])
                out["window_note"] = note
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
                self.v.add(
                    item.value["date"].loc,
                    "unknown-fact",
                    f"{key}: {fact!r} is not a date fact",
                    did_you_mean(str(fact), dates),
                )
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
