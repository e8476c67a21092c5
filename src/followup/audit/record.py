"""Audit records: what `advise --record` writes, and what `replay` re-evaluates and compares."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, FollowupError
from followup.core.loader import Node, load_file
from followup.core.model import Recommendation, RuleSet
from followup.core.rules import rule_canonical
from followup.core.schema_version import SCHEMA_VERSION

from .answer import answer_json

if TYPE_CHECKING:  # pragma: no cover
    from followup.messages.draft import Draft

FORMAT = "followup-audit/1"
COMPARED = (
    "action",
    "verdict",
    "contact",
    "earliest",
    "latest",
    "window_note",
    "channel",
    "summary",
    "advice",
    "reasons",
    "conflicts",
)


def rule_hashes(ruleset: RuleSet) -> dict[str, str]:
    """Each rule's meaning, hashed: the basis of 'which rules changed'."""
    return {
        r.id: hashlib.sha256(json.dumps(rule_canonical(r), sort_keys=True, default=str).encode()).hexdigest()[
            :16
        ]
        for r in ruleset.rules
    }


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for dist in ("followup-advisor", "durable-rules"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "unknown"
    return out


def make_record(
    ruleset: RuleSet,
    scenario_raw: dict[str, Any],
    rec: Recommendation,
    trace: list[dict[str, Any]],
    draft: Draft | None = None,
) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "format": FORMAT,
        "scenario": jsonable(scenario_raw),
        "as_of": rec.as_of.isoformat(),
        "rules_digest": rec.rules_digest,
        "rules": rule_hashes(ruleset),
        "versions": versions(),
        "answer": answer_json(rec, draft),
        "trace": trace,
    }


@dataclass
class Replay:
    same: bool
    differences: list[tuple[str, Any, Any]]
    recorded_digest: str
    current_digest: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)


def read_record(path: str) -> tuple[Node, dict[str, Any]]:
    """The record's scenario (as a located node) and the rest of it; refuses what is not a record."""
    root = load_file(path)
    problems = []
    if not root.is_map:
        raise FollowupError([Diagnostic(root.loc, "wrong-type", "an audit record is a JSON object")])
    for key in ("format", "scenario", "as_of", "rules_digest", "rules", "answer"):
        if key not in root.value:
            problems.append(Diagnostic(root.loc, "missing-key", f"an audit record needs {key!r}"))
    if problems:
        raise FollowupError(problems)
    if root.value["format"].value != FORMAT:
        raise FollowupError(
            [
                Diagnostic(
                    root.value["format"].loc,
                    "unknown-value",
                    f"not a {FORMAT} record: {root.value['format'].value!r}",
                )
            ]
        )
    from followup.core.scenario import date_out_of_range, parse_date

    record = {k: v.plain() for k, v in root.value.items() if k != "scenario"}
    as_of = parse_date(record["as_of"])
    if as_of is None:
        problems.append(Diagnostic(root.value["as_of"].loc, "bad-date", "as_of is not a date YYYY-MM-DD"))
    elif date_out_of_range(as_of):
        problems.append(Diagnostic(root.value["as_of"].loc, "bad-date", f"as_of: {date_out_of_range(as_of)}"))
    record["as_of"] = as_of
    if not isinstance(record["rules"], dict) or not all(isinstance(v, str) for v in record["rules"].values()):
        problems.append(
            Diagnostic(root.value["rules"].loc, "wrong-type", "rules must map rule ids to hashes")
        )
    if not _is_answer(record["answer"]):
        problems.append(
            Diagnostic(
                root.value["answer"].loc,
                "wrong-type",
                "answer must be an answer object: reasons a list of {rule: text, ...}, conflicts a "
                "list of {conflict: text, took: {side: text, ...}, ...}",
            )
        )
    if problems:
        raise FollowupError(problems)
    return root.value["scenario"], record


def _is_answer(answer: Any) -> bool:
    """The parts of a recorded answer that replay reads have the types it reads them as."""
    if not isinstance(answer, dict):
        return False
    reasons, conflicts = answer.get("reasons", []), answer.get("conflicts", [])
    if not isinstance(reasons, list) or not isinstance(conflicts, list):
        return False
    if not all(isinstance(r, dict) and isinstance(r.get("rule"), str) for r in reasons):
        return False
    return all(
        isinstance(c, dict)
        and isinstance(c.get("conflict"), str)
        and isinstance(c.get("took"), dict)
        and isinstance(c["took"].get("side"), str)
        for c in conflicts
    )


def compare(
    record: dict[str, Any], ruleset: RuleSet, rec: Recommendation, draft: Draft | None = None
) -> Replay:
    now = answer_json(rec, draft)
    then = record["answer"]
    diffs = []
    for key in COMPARED + ("draft",):
        if key == "draft" and key not in then:
            continue  # a record made before answers carried their drafted message
        a, b = then.get(key), now.get(key)
        if key == "reasons":
            a = [r["rule"] for r in a] if isinstance(a, list) else a
            b = [r["rule"] for r in now["reasons"]]
        if key == "conflicts":
            a = [f"{c['conflict']}:{c['took']['side']}" for c in a] if isinstance(a, list) else a
            b = [f"{c['conflict']}:{c['took']['side']}" for c in now["conflicts"]]
        if a != b:
            diffs.append((key, a, b))
    old = record["rules"]
    new = rule_hashes(ruleset)
    return Replay(
        same=not diffs,
        differences=diffs,
        recorded_digest=str(record["rules_digest"]),
        current_digest=ruleset.digest,
        added=sorted(set(new) - set(old)),
        removed=sorted(set(old) - set(new)),
        changed=sorted(r for r in set(old) & set(new) if old[r] != new[r]),
    )


def replay_text(result: Replay) -> str:
    lines = []
    if result.same:
        lines.append("SAME: the recorded answer is reproduced.")
    else:
        lines.append("DIFFERENT: the answer is not the recorded one.")
        for key, a, b in result.differences:
            lines.append(f"  {key}:")
            lines.append(f"    recorded: {json.dumps(a, ensure_ascii=False)}")
            lines.append(f"    now:      {json.dumps(b, ensure_ascii=False)}")
    if result.recorded_digest == result.current_digest:
        lines.append(f"Rules: unchanged ({result.current_digest}).")
    else:
        lines.append(f"Rules: {result.recorded_digest} then, {result.current_digest} now.")
        for label, ids in (("changed", result.changed), ("added", result.added), ("removed", result.removed)):
            if ids:
                lines.append(f"  {label}: {', '.join(ids)}")
        if not (result.changed or result.added or result.removed):
            lines.append("  no rule changed; the vocabulary, sources, conflicts or answer settings did")
    return "\n".join(lines) + "\n"
