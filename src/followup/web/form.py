"""The web form: what `followup ask` asks (core.questions: the same words, the vocabulary's
choices), as fields; the posted fields -> a scenario mapping and back; and each diagnostic of the
scenario, located by its JSON pointer, -> the field it concerns.

Field names are the scenario's dotted paths (`interview.date`, `company.culture`), history rows
`history.N.kind` / `.date` / `.channel` / `.outcome`, and `interview.topics` one per line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from followup.core import questions as q
from followup.core.errors import Diagnostic
from followup.core.model import RuleSet

MAX_ROWS = 20  # history rows the form offers (the scenario allows 100: a file can hold more)
MAX_TOPICS = 3
TEXTS = (
    ("company.name", q.COMPANY),
    ("position.title", q.TITLE),
    ("interview.interviewer", q.INTERVIEWER),
    ("candidate.name", q.CANDIDATE),
)
DATES = (
    ("timeline.decision_by", q.Question(q.DECISION.text, q.DECISION.why)),
    ("timeline.follow_up_after", q.Question(q.HOLD.text, q.HOLD.why)),
)
ROW_KEYS = ("kind", "date", "channel", "outcome")


@dataclass(frozen=True)
class Field:
    """One input: its name (the scenario's dotted path), label, why it matters, kind (date, text,
    textarea, select) and, for a select, the (value, words) choices ("" is "not sure")."""

    name: str
    label: str
    why: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    required: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "why": self.why,
            "kind": self.kind,
            "choices": [{"value": v, "label": w} for v, w in self.choices],
            "required": self.required,
        }


def _select(name: str, question: q.Question, values: tuple[Any, ...], not_sure: str = q.NOT_SURE) -> Field:
    shown = [str(v) for v in values if v not in q.HIDDEN]
    choices = (("", not_sure), *((v, question.labels.get(v, v.replace("_", " "))) for v in shown))
    return Field(name, question.text, question.why, "select", choices)


@dataclass(frozen=True)
class Spec:
    """The form for one rule set: the fields before the history, and a history row's fields."""

    fields: tuple[Field, ...]
    row: tuple[Field, ...]

    def to_json(self) -> dict[str, Any]:
        return {"fields": [f.to_json() for f in self.fields], "history_row": [f.to_json() for f in self.row]}


def form_spec(ruleset: RuleSet) -> Spec:
    """The fields, in the order `followup ask` asks them; only the enumerated fields some rule tests."""
    vocab = ruleset.vocabulary
    tested = {t.fact for rule in ruleset.rules for t in rule.tests()}
    fields = [
        Field(
            "as_of",
            "Which day are you asking about?",
            "the advice is for this day; usually today",
            "date",
            required=True,
        ),
        Field("interview.date", q.INTERVIEW_DATE.text, q.INTERVIEW_DATE.why, "date", required=True),
        *(Field(name, question.text, question.why, "text") for name, question in TEXTS),
        Field("interview.topics", q.TOPIC.text + " (one per line)", q.TOPIC.why, "textarea"),
        *(
            _select(path, question, vocab.get(path, ()))
            for path, question in q.CONTEXT.items()
            if path in tested
        ),
        *(Field(name, question.text, question.why, "date") for name, question in DATES),
    ]
    kinds = q.Question("What happened?", "each message and reply moves the advice on", q.KINDS)
    row = (
        _select("kind", kinds, vocab.get("history.kind", ()), "choose"),
        Field("date", "On which day?", "the next message is timed from it", "date"),
        _select("channel", q.CHANNEL, vocab.get("history.channel", ())),
        _select("outcome", q.OUTCOME, vocab.get("history.outcome", ()), "not a reply"),
    )
    return Spec(tuple(fields), row)


@dataclass
class State:
    """What the form holds: the plain fields by name, the history rows, and the button pressed."""

    values: dict[str, str] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)
    action: str = "advise"


def from_post(pairs: list[tuple[str, str]], spec: Spec) -> State:
    """The posted form -> State (unknown names ignored; at most MAX_ROWS rows)."""
    known = {f.name for f in spec.fields}
    state = State()
    rows: dict[int, dict[str, str]] = {}
    for name, value in pairs:
        if name == "action":
            state.action = value
        elif name in known:
            state.values[name] = value
        elif name.startswith("history."):
            parts = name.split(".")
            if len(parts) == 3 and parts[1].isdigit() and parts[2] in ROW_KEYS and int(parts[1]) < MAX_ROWS:
                rows.setdefault(int(parts[1]), {})[parts[2]] = value
    state.rows = [rows[i] for i in sorted(rows)]
    if state.action == "add-row" and len(state.rows) < MAX_ROWS:
        state.rows.append({})
    elif state.action.startswith("remove-row-") and state.action[11:].isdigit():
        index = int(state.action[11:])
        if index < len(state.rows):
            del state.rows[index]
    return state


def to_scenario(state: State) -> tuple[dict[str, Any], list[int]]:
    """The scenario the form describes (empty fields left out, so defaults apply), and for each
    history entry the form row it came from (blank rows are skipped)."""
    doc: dict[str, Any] = {}
    for name, value in state.values.items():
        value = value.strip()
        if not value:
            continue
        if name == "interview.topics":
            topics = [line.strip() for line in value.splitlines() if line.strip()]
            doc.setdefault("interview", {})["topics"] = topics
        elif "." in name:
            section, key = name.split(".", 1)
            doc.setdefault(section, {})[key] = value
        else:
            doc[name] = value
    history, rows = [], []
    for index, row in enumerate(state.rows):
        entry = {k: v.strip() for k, v in row.items() if k in ROW_KEYS and v.strip()}
        if entry:
            history.append(entry)
            rows.append(index)
    if history:
        doc["history"] = history
    return doc, rows


def from_scenario(doc: Any) -> State:
    """A scenario mapping (from a shared link) -> the form's State, to edit it."""
    state = State()
    if not isinstance(doc, dict):
        return state
    for section, value in doc.items():
        if isinstance(value, dict) and section != "history":
            for key, inner in value.items():
                if key == "topics" and isinstance(inner, list):
                    state.values["interview.topics"] = "\n".join(str(t) for t in inner)
                elif isinstance(inner, (str, int, dt.date)) and not isinstance(inner, bool):
                    state.values[f"{section}.{key}"] = str(inner)
        elif section != "history" and isinstance(value, (str, dt.date)):
            state.values[section] = str(value)
    for entry in doc.get("history", [])[:MAX_ROWS] if isinstance(doc.get("history"), list) else []:
        if isinstance(entry, dict):
            state.rows.append({k: str(v) for k, v in entry.items() if k in ROW_KEYS and v is not None})
    return state


def field_of(diag: Diagnostic, rows: list[int], spec: Spec) -> str | None:
    """The form field a diagnostic concerns (by its JSON pointer; a `missing-field` by the field
    its message names), or None for the form as a whole."""
    names = {f.name for f in spec.fields}
    parts = [p.replace("~1", "/").replace("~0", "~") for p in (diag.pointer or "").split("/")[1:]]
    if parts[:1] == ["history"] and len(parts) >= 2 and parts[1].isdigit() and int(parts[1]) < len(rows):
        row = f"history.{rows[int(parts[1])]}"
        if len(parts) >= 3 and parts[2] in ROW_KEYS:
            return f"{row}.{parts[2]}"
        return f"{row}.outcome" if "outcome" in diag.message else f"{row}.kind"
    dotted = ".".join(parts[:2])
    if dotted in names:
        return dotted
    if parts[:2] == ["interview", "topics"]:
        return "interview.topics"
    named = diag.message.split(" ", 1)[0].rstrip(":")
    return named if named in names else None


def errors_by_field(diagnostics: list[Diagnostic], rows: list[int], spec: Spec) -> dict[str, list[str]]:
    """Each field's messages (as the CLI words them, hint in parentheses); "" holds the rest."""
    out: dict[str, list[str]] = {}
    for diag in diagnostics:
        text = diag.message + (f" ({diag.hint})" if diag.hint else "")
        out.setdefault(field_of(diag, rows, spec) or "", []).append(text)
    return out
