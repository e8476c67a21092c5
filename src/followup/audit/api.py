"""The public Python API's implementation (re-exported by `followup`, which imports this module
only when one of its functions is first called): advise, explain and load_rules over the same
pipeline the command line runs, and the typed records they return.

A scenario is a Mapping (validated exactly as a file is, problems located by JSON pointer), or a
path to a YAML/JSON file (str or Path). Every problem with the input raises FollowupError with
the diagnostics the command line prints. Evaluations take turns (one lock per process): the
engine keeps one session per rule set, so calls from several threads are safe, not parallel.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.schema_version import versioned

from .answer import answer_json, draft_for

if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor
    from followup.core.loader import Node
    from followup.core.model import Recommendation, Scenario
    from followup.messages.draft import Draft

LEVELS = ("answer", "fired", "full")
_turns = threading.RLock()


@dataclass(frozen=True)
class Reason:
    """A rule that shaped the answer: its id, what it says about this scenario, its claims."""

    rule: str
    says: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Side:
    """One position in a disagreement between the sources, with the claims that hold it."""

    side: str
    position: str
    claims: tuple[str, ...]


@dataclass(frozen=True)
class Disagreement:
    """Where the sources disagree on a part of this answer: the side taken (by `decided_by`,
    resting on `side_from`) and the other sides."""

    conflict: str
    question: str
    part: str
    took: Side
    other_sides: tuple[Side, ...]
    decided_by: str
    side_from: str | None


@dataclass(frozen=True)
class Message:
    """The drafted message for the next contact: `subject` is None for channels without one
    (phone, letter); `missing` names the scenario fields whose absence left [bracketed] prompts."""

    contact: int
    channel: str
    subject: str | None
    body: str
    send_on: dt.date
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Answer:
    """One answer, as `followup advise --format json` prints it (README: Asking a question).

    action: send_thank_you | send_follow_up | send_final_follow_up | wait | move_on | stop;
    verdict: is sending the next contact okay today? yes | not_yet | no; contact: 1 thank-you,
    2 status follow-up, 3 final follow-up (None once two status follow-ups are out); earliest /
    latest: the window for that contact (None where it has no first or last day); window_note:
    what the window's end means; channel; summary: one plain sentence; reasons, disagreements,
    advice; draft: the message to send (None when nothing is sent); rules_digest: the rule set
    that answered; as_of: the day asked; fired: every rule that fired, in order; decision_id: a
    hash of the scenario, as_of and rules digest, to log with the answer and replay it."""

    action: str
    verdict: str
    contact: int | None
    earliest: dt.date | None
    latest: dt.date | None
    window_note: str | None
    channel: str | None
    summary: str
    reasons: tuple[Reason, ...]
    disagreements: tuple[Disagreement, ...]
    advice: tuple[str, ...]
    draft: Message | None
    rules_digest: str
    as_of: dt.date
    fired: tuple[str, ...]
    decision_id: str

    def to_json(self) -> dict[str, Any]:
        """The answer as JSON values: `followup schema answer` describes it."""
        return versioned({**_answer_doc(self), "decision_id": self.decision_id})

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> Answer:
        """An Answer from an answer object (advise's JSON, a batch record's `answer`)."""

        def day(value: Any) -> dt.date | None:
            return dt.date.fromisoformat(value) if value else None

        def side(s: Mapping[str, Any]) -> Side:
            return Side(s["side"], s["position"], tuple(s["claims"]))

        d = doc.get("draft")
        return cls(
            action=doc["action"],
            verdict=doc["verdict"],
            contact=doc["contact"],
            earliest=day(doc["earliest"]),
            latest=day(doc["latest"]),
            window_note=doc["window_note"],
            channel=doc["channel"],
            summary=doc["summary"],
            reasons=tuple(Reason(r["rule"], r["says"], tuple(r["sources"])) for r in doc["reasons"]),
            disagreements=tuple(
                Disagreement(
                    c["conflict"],
                    c["question"],
                    c["part"],
                    side(c["took"]),
                    tuple(side(o) for o in c["other_sides"]),
                    c["decided_by"],
                    c.get("side_from"),
                )
                for c in doc["conflicts"]
            ),
            advice=tuple(doc["advice"]),
            draft=Message(
                d["contact"],
                d["channel"],
                d["subject"],
                d["body"],
                dt.date.fromisoformat(d["send_on"]),
                tuple(d["missing"]),
            )
            if d
            else None,
            rules_digest=doc["rules_digest"],
            as_of=dt.date.fromisoformat(doc["as_of"]),
            fired=tuple(doc["fired"]),
            decision_id=doc.get("decision_id") or "",
        )


def _answer_doc(a: Answer) -> dict[str, Any]:
    def side(s: Side) -> dict[str, Any]:
        return {"side": s.side, "position": s.position, "claims": list(s.claims)}

    m = a.draft
    return {
        "action": a.action,
        "verdict": a.verdict,
        "contact": a.contact,
        "earliest": a.earliest.isoformat() if a.earliest else None,
        "latest": a.latest.isoformat() if a.latest else None,
        "window_note": a.window_note,
        "channel": a.channel,
        "summary": a.summary,
        "reasons": [{"rule": r.rule, "says": r.says, "sources": list(r.sources)} for r in a.reasons],
        "conflicts": [
            {
                "conflict": c.conflict,
                "question": c.question,
                "part": c.part,
                "took": side(c.took),
                "other_sides": [side(o) for o in c.other_sides],
                "decided_by": c.decided_by,
                "side_from": c.side_from,
            }
            for c in a.disagreements
        ],
        "advice": list(a.advice),
        "rules_digest": a.rules_digest,
        "as_of": a.as_of.isoformat(),
        "fired": list(a.fired),
        "draft": None
        if m is None
        else {
            "contact": m.contact,
            "channel": m.channel,
            "subject": m.subject,
            "body": m.body,
            "send_on": m.send_on.isoformat(),
            "missing": list(m.missing),
        },
    }


@dataclass(frozen=True)
class Explanation:
    """An answer with its audit trail (README: Auditing an answer): the trace's events kept at
    `level` (answer | fired | full) and the lineage graph fact -> rule -> answer part."""

    answer: Answer
    level: str
    trace: tuple[dict[str, Any], ...]
    lineage: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        """As `followup explain --format json` prints it (`followup schema explanation`)."""
        answer = {**_answer_doc(self.answer), "decision_id": self.answer.decision_id}
        return versioned(
            {"answer": answer, "level": self.level, "trace": list(self.trace), "lineage": self.lineage}
        )


class Rules:
    """A loaded, validated and compiled rules directory, reused across calls (`rules=`)."""

    __slots__ = ("_advisor",)

    def __init__(self, advisor: Advisor):
        self._advisor = advisor

    @property
    def directory(self) -> str:
        return self._advisor.ruleset.directory

    @property
    def digest(self) -> str:
        """The rules digest every answer from these rules carries."""
        return self._advisor.ruleset.digest

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self._advisor.ruleset.rules)

    def __repr__(self) -> str:
        return f"<followup.Rules {self.directory!r} ({len(self.rule_ids)} rules)>"


def load_rules(directory: str | os.PathLike[str] | None = None) -> Rules:
    """Load a rules directory (default: $FOLLOWUP_RULES, else the stock rules); raises
    FollowupError with every problem in it."""
    from followup.core.advisor import load_advisor

    with _turns:
        return Rules(load_advisor(os.fspath(directory) if directory is not None else None))


def _rules(rules: Rules | str | os.PathLike[str] | None) -> Advisor:
    if isinstance(rules, Rules):
        return rules._advisor
    return load_rules(rules)._advisor


def _as_of(value: dt.date | str | None) -> dt.date | None:
    from followup.core.scenario import date_out_of_range, parse_date

    if value is None:
        return None
    day = parse_date(value)
    if day is None:
        raise FollowupError(
            [Diagnostic(Location("as_of"), "bad-date", f"{value!r} is not a date YYYY-MM-DD")]
        )
    if date_out_of_range(day):
        raise FollowupError([Diagnostic(Location("as_of"), "bad-date", str(date_out_of_range(day)))])
    return day


def read_scenario(scenario: Mapping[str, Any] | str | os.PathLike[str], path: str = "scenario") -> Node:
    """A Mapping as a located tree (JSON pointers), or a file read as `followup advise` reads it."""
    if isinstance(scenario, Mapping):
        from followup.core.mapping import from_mapping

        return from_mapping(scenario, path)
    if isinstance(scenario, (str, os.PathLike)):
        from followup.core.loader import load_file

        return load_file(os.fspath(scenario), lenient=True)
    raise TypeError(f"a scenario is a Mapping or a path, not {type(scenario).__name__}")


def decision_id(scenario: Scenario, rules_digest: str) -> str:
    """A hash of the scenario as given, the effective as_of and the rules digest."""
    key = {"scenario": scenario.raw, "as_of": scenario.as_of, "rules_digest": rules_digest}
    text = json.dumps(key, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def make_answer(rec: Recommendation, scenario: Scenario, draft: Draft | None) -> Answer:
    return Answer.from_json(
        {**answer_json(rec, draft), "decision_id": decision_id(scenario, rec.rules_digest)}
    )


def advise(
    scenario: Mapping[str, Any] | str | os.PathLike[str],
    *,
    as_of: dt.date | str | None = None,
    rules: Rules | str | os.PathLike[str] | None = None,
) -> Answer:
    """Answer one scenario. `as_of` overrides the scenario's; one of them is required."""
    node = read_scenario(scenario)
    day = _as_of(as_of)
    with _turns:
        advisor = _rules(rules)
        parsed = advisor.scenario(node, as_of=day)
        rec = advisor.evaluate(parsed)
        return make_answer(rec, parsed, draft_for(rec, parsed, advisor.ruleset))


def explain(
    scenario: Mapping[str, Any] | str | os.PathLike[str],
    *,
    as_of: dt.date | str | None = None,
    rules: Rules | str | os.PathLike[str] | None = None,
    level: str = "full",
) -> Explanation:
    """Answer one scenario and record how: the trace at `level` and its lineage."""
    from .explain import explain as run_explain
    from .trace import filter_level, lineage

    if level not in LEVELS:
        raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {level!r}")
    node = read_scenario(scenario)
    day = _as_of(as_of)
    with _turns:
        advisor = _rules(rules)
        parsed = advisor.scenario(node, as_of=day)
        rec, trace = run_explain(advisor, parsed)
        answer = make_answer(rec, parsed, draft_for(rec, parsed, advisor.ruleset))
    return Explanation(answer, level, tuple(filter_level(trace, level)), lineage(trace))
