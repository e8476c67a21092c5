"""The four files of a rules directory with fixed names: vocabulary.yaml (allowed values),
sources.yaml (every claim of the guidance), conflicts.yaml (where the sources disagree) and
answer.yaml (the answer when no rule matches); and Collector, which gathers every problem found
while reading a rules directory so all of them are reported in one run."""

from __future__ import annotations

import re
from typing import Any

from .errors import Diagnostic, FollowupError, Location, did_you_mean
from .loader import Node, load_file
from .model import Claim, Conflict, Side

SPECIAL_FILES = ("vocabulary.yaml", "answer.yaml", "conflicts.yaml", "sources.yaml")
# The message templates beside the rules: read by followup.messages (drafts), never as rules.
MESSAGES_FILE = "messages.yaml"
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
# a conflict concerns one answer part: the rule that decides that part (or a rule it rests on)
# takes the side the answer rests on
CONFLICT_PARTS = ("action", "verdict", "contact", "channel", "earliest", "latest")


MAX_PROBLEMS = 200  # reported per rules directory: bounds time and output for hostile files


class Collector:
    """Collects diagnostics while reading one directory (at most MAX_PROBLEMS: the next one ends
    the reading with those and a note that there are more)."""

    def __init__(self) -> None:
        self.problems: list[Diagnostic] = []

    def add(self, loc: Location, code: str, message: str, hint: str = "") -> None:
        if len(self.problems) >= MAX_PROBLEMS:
            where = Location(loc.path)
            note = f"more than {MAX_PROBLEMS} problems; the first {MAX_PROBLEMS} are shown"
            raise FollowupError([*self.problems, Diagnostic(where, "too-many-problems", note)])
        self.problems.append(Diagnostic(loc, code, message, hint))

    def keys(
        self, node: Node, allowed: set[str] | tuple[str, ...], required: tuple[str, ...], what: str
    ) -> bool:
        if not node.is_map:
            self.add(node.loc, "wrong-type", f"{what} must be a mapping")
            return False
        for key in node.value:
            if key not in allowed:
                self.add(
                    node.key_locs[key],
                    "unknown-key",
                    f"unknown key {key!r} in {what}",
                    did_you_mean(key, sorted(allowed)),
                )
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


def read_file(v: Collector, path: str) -> Node | None:
    try:
        return load_file(path)
    except FollowupError as exc:
        v.problems.extend(exc.diagnostics)
        return None


def read_vocabulary(v: Collector, doc: Node | None) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
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
                v.add(
                    d.loc,
                    "unknown-value",
                    f"default {d.value!r} is not one of the values",
                    did_you_mean(str(d.value), [str(a) for a in allowed]),
                )
            else:
                defaults[field] = d.value
    for needed in ("answer.action", "answer.verdict", "answer.contact", "answer.channel"):
        if needed not in vocab:
            v.add(doc.loc, "missing-key", f"vocabulary.yaml needs values for {needed!r}")
    return vocab, defaults


def read_sources(v: Collector, doc: Node | None) -> tuple[dict[str, str], dict[str, Claim]]:
    articles: dict[str, str] = {}
    claims: dict[str, Claim] = {}
    if doc is None or not v.keys(
        doc, {"description", "articles", "claims"}, ("articles", "claims"), "sources.yaml"
    ):
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


def read_conflicts(v: Collector, doc: Node | None, claims: dict[str, Claim]) -> dict[str, Conflict]:
    out: dict[str, Conflict] = {}
    if doc is None or not v.keys(doc, {"description", "conflicts"}, ("conflicts",), "conflicts.yaml"):
        return out
    items = doc.value["conflicts"]
    if not items.is_list:
        v.add(items.loc, "wrong-type", "conflicts must be a list")
        return out
    for node in items.value:
        if not v.keys(
            node, {"id", "question", "sides", "part"}, ("id", "question", "sides", "part"), "a conflict"
        ):
            continue
        part = v.text(node.value["part"], "part")
        if part and part not in CONFLICT_PARTS:
            v.add(
                node.value["part"].loc,
                "unknown-value",
                f"part: unknown answer part {part!r}",
                did_you_mean(part, list(CONFLICT_PARTS)),
            )
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
                    v.add(
                        loc,
                        "unknown-claim",
                        f"unknown claim id {claim!r}",
                        did_you_mean(claim, sorted(claims)),
                    )
            sides.append(
                Side(
                    v.text(s.value["id"], "side id"),
                    tuple(c for c, _ in side_claims),
                    v.text(s.value["position"], "position"),
                )
            )
        if len(sides) < 2:
            v.add(node.loc, "bad-value", f"conflict {cid!r} needs at least two sides")
        out[cid] = Conflict(cid, v.text(node.value["question"], "question"), tuple(sides), part)
    return out


def read_answer(
    v: Collector, doc: Node | None, vocab: dict[str, tuple[str, ...]]
) -> tuple[dict[str, Any], tuple[str, ...], list[tuple[str, Location]]]:
    unmatched: dict[str, Any] = {}
    no_channel: list[str] = []
    if doc is None or not v.keys(
        doc, {"description", "unmatched", "no_channel_for", "branch_facts"}, ("unmatched",), "answer.yaml"
    ):
        return unmatched, (), []
    branches = v.str_list(doc.value.get("branch_facts"), "branch_facts")
    node = doc.value["unmatched"]
    if v.keys(node, {"action", "verdict", "summary"}, ("action", "verdict", "summary"), "unmatched"):
        for key in ("action", "verdict"):
            val = node.value[key]
            if val.value not in vocab.get(f"answer.{key}", ()):
                v.add(
                    val.loc,
                    "unknown-value",
                    f"unmatched {key}: unknown value {val.value!r}",
                    did_you_mean(str(val.value), list(vocab.get(f"answer.{key}", ()))),
                )
            unmatched[key] = val.value
        unmatched["summary"] = v.text(node.value["summary"], "summary")
    for action, loc in v.str_list(doc.value.get("no_channel_for"), "no_channel_for"):
        if action not in vocab.get("answer.action", ()):
            v.add(
                loc,
                "unknown-value",
                f"unknown action {action!r}",
                did_you_mean(action, list(vocab.get("answer.action", ()))),
            )
        no_channel.append(action)
    return unmatched, tuple(no_channel), branches
