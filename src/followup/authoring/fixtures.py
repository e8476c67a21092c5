"""Scenario fixtures: load cases with their expectations and run them. Shared by pytest (via
conftest.py) and the command line, so both judge a case the same way.

A fixture file holds `cases:`; each case has a `name`, a `scenario` (inline) or `scenario_file`
(a path relative to the fixture file, for input that cannot sit inline, such as broken YAML),
and an `expect:` block. A case without expectations is an error.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from typing import Any

from followup.audit.answer import draft_for
from followup.core.advisor import Advisor
from followup.core.errors import Diagnostic, FollowupError, Location, did_you_mean
from followup.core.loader import Node, load_file
from followup.core.model import Recommendation
from followup.core.scenario import date_out_of_range, parse_date
from followup.messages.draft import Draft

from .expectations import expectation_type
from .fixture_drafts import draft_mismatches, golden_draft_text

ANSWER_KEYS = ("action", "verdict", "contact", "earliest", "latest", "channel", "summary", "rules_digest")
TEXT_KEYS = ("window_note",)  # the expected text is part of the actual one (null: there is none)
LIST_KEYS = ("reasons", "conflicts", "advice", "fired", "not_fired", "errors")
EXPECT_KEYS = ANSWER_KEYS + TEXT_KEYS + LIST_KEYS + ("draft",)
CASE_KEYS = ("name", "description", "scenario", "scenario_file", "as_of", "expect", "golden")


@dataclass
class Case:
    file: str
    name: str
    description: str
    scenario: Node | None
    scenario_file: str | None
    as_of: dt.date | None
    expect: dict[str, Any]
    loc: Location
    golden: bool = False  # golden: true pins the full text explanation
    golden_draft: bool = False  # golden: draft pins the drafted message

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    @property
    def golden_path(self) -> str:
        """scenarios/golden/<fixture file stem>/<case name>.txt"""
        stem = os.path.splitext(os.path.basename(self.file))[0]
        return os.path.join(os.path.dirname(self.file), "golden", stem, f"{self.name}.txt")


@dataclass
class Outcome:
    case: Case
    mismatches: list[tuple[str, Any, Any]] = field(default_factory=list)  # key, expected, actual
    recommendation: Recommendation | None = None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    draft: Draft | None = None

    @property
    def passed(self) -> bool:
        return not self.mismatches


def load_cases(path: str) -> list[Case]:
    """Read one fixture file. Problems in the file itself (no expectations, duplicate names,
    unknown keys) raise FollowupError."""
    root = load_file(path)
    problems: list[Diagnostic] = []

    def add(loc: Location, code: str, msg: str, hint: str = "") -> None:
        problems.append(Diagnostic(loc, code, msg, hint))

    if not root.is_map or "cases" not in root.value or not root.value["cases"].is_list:
        raise FollowupError([Diagnostic(root.loc, "missing-key", "a fixture file needs a list 'cases:'")])
    for key in root.value:
        if key not in ("description", "cases"):
            add(
                root.key_locs[key],
                "unknown-key",
                f"unknown key {key!r}",
                did_you_mean(key, ["description", "cases"]),
            )
    cases: list[Case] = []
    seen: set[str] = set()
    for node in root.value["cases"].value:
        if not node.is_map:
            add(node.loc, "wrong-type", "a case must be a mapping")
            continue
        for key in node.value:
            if key not in CASE_KEYS:
                add(
                    node.key_locs[key],
                    "unknown-key",
                    f"unknown key {key!r} in a case",
                    did_you_mean(key, list(CASE_KEYS)),
                )
        name = node.value.get("name")
        if name is None or not isinstance(name.value, str) or not name.value:
            add(node.loc, "missing-key", "a case needs a 'name'")
            continue
        if name.value in seen:
            add(name.loc, "duplicate-id", f"case name {name.value!r} is used twice in this file")
        seen.add(name.value)
        expect = node.value.get("expect")
        if expect is None or not expect.is_map or not expect.value:
            add(
                node.loc,
                "no-expectation",
                f"case {name.value!r} has no expectations (expect: is missing or empty)",
            )
            continue
        for key in expect.value:
            if key not in EXPECT_KEYS:
                add(
                    expect.key_locs[key],
                    "unknown-key",
                    f"unknown expectation {key!r}",
                    did_you_mean(key, list(EXPECT_KEYS)),
                )
            else:
                problems.extend(expectation_type(key, expect.value[key]))
        golden_node = node.value.get("golden")
        golden = golden_node.value if golden_node is not None else False
        if not isinstance(golden, bool) and golden != "draft":
            add(golden_node.loc, "wrong-type", "golden must be true, false or draft")
        has_inline, has_file = "scenario" in node.value, "scenario_file" in node.value
        if has_inline == has_file:
            add(
                node.loc,
                "missing-key",
                f"case {name.value!r} needs exactly one of 'scenario' or 'scenario_file'",
            )
            continue
        as_of_node = node.value.get("as_of")
        as_of = parse_date(as_of_node.value) if as_of_node is not None else None
        if as_of_node is not None and as_of is None:
            add(as_of_node.loc, "bad-date", f"case {name.value!r}: as_of must be a date YYYY-MM-DD")
            continue
        if as_of is not None and date_out_of_range(as_of):
            add(as_of_node.loc, "bad-date", f"case {name.value!r}: as_of {date_out_of_range(as_of)}")
            continue
        if has_file and not isinstance(node.value["scenario_file"].value, str):
            add(node.value["scenario_file"].loc, "wrong-type", "scenario_file must be a path")
            continue
        desc = node.value.get("description")
        cases.append(
            Case(
                file=path,
                name=name.value,
                description=desc.value if desc and isinstance(desc.value, str) else "",
                scenario=node.value.get("scenario"),
                scenario_file=(
                    os.path.join(os.path.dirname(path), node.value["scenario_file"].value)
                    if has_file
                    else None
                ),
                as_of=as_of,
                expect=expect.plain(),
                loc=node.loc,
                golden=golden is True,
                golden_draft=golden == "draft",
            )
        )
    if problems:
        raise FollowupError(problems)
    return cases


def fixture_files(paths: list[str]) -> list[str]:
    """Fixture files under the given files or directories (examples/ holds plain scenarios)."""
    out: list[str] = []
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith((".yaml", ".yml")):
                    out.append(os.path.join(p, name))
        else:
            out.append(p)
    return out


def run_case(case: Case, advisor: Advisor, update_golden: bool = False) -> Outcome:
    """Evaluate one case and compare every expectation it states; with a golden explanation,
    compare the text explanation byte for byte (or rewrite it, with update_golden)."""
    outcome = Outcome(case)
    scenario = None
    try:
        node = (
            case.scenario if case.scenario is not None else load_file(case.scenario_file or "", lenient=True)
        )
        scenario = advisor.scenario(node, as_of=case.as_of)
        outcome.recommendation = advisor.evaluate(scenario)
        if "draft" in case.expect or case.golden_draft:
            outcome.draft = draft_for(outcome.recommendation, scenario, advisor.ruleset)
    except FollowupError as exc:
        outcome.diagnostics = exc.diagnostics
    _compare(outcome)
    if "draft" in case.expect and outcome.recommendation is not None:
        outcome.mismatches.extend(draft_mismatches(case.expect["draft"], outcome.draft))
    if case.golden or case.golden_draft:
        _golden(outcome, advisor, scenario, update_golden)
    return outcome


def _golden(outcome: Outcome, advisor: Advisor, scenario: Any, update: bool) -> None:
    """Compare (or with update, rewrite) the case's golden file: the full text explanation, or
    for `golden: draft` the drafted message as `advise` shows it."""
    from followup.audit.explain import explain
    from followup.audit.render import explanation_text

    case = outcome.case
    if scenario is None or outcome.recommendation is None:
        outcome.mismatches.append(("golden", "an explanation", "no answer to explain"))
        return
    if case.golden_draft:
        text = golden_draft_text(outcome.draft)
    else:
        _, trace = explain(advisor, scenario)
        text = explanation_text(trace, "full")
    if update:
        os.makedirs(os.path.dirname(case.golden_path), exist_ok=True)
        with open(case.golden_path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return
    try:
        with open(case.golden_path, encoding="utf-8") as fh:
            want = fh.read()
    except FileNotFoundError:
        outcome.mismatches.append(("golden", case.golden_path, "missing: run pytest --update-golden"))
        return
    if want != text:
        import difflib

        diff = "".join(
            difflib.unified_diff(
                want.splitlines(True), text.splitlines(True), case.golden_path, "explanation now", n=1
            )
        )
        outcome.mismatches.append(("golden", case.golden_path, diff))


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _compare(out: Outcome) -> None:
    exp = out.case.expect
    rec = out.recommendation
    if "errors" in exp:
        want = exp["errors"] or []
        got = [d.to_json() for d in out.diagnostics]
        if rec is not None:
            out.mismatches.append(("errors", want, "no error: the scenario was answered"))
            return
        unmatched = [w for w in want if not any(_error_matches(w, g) for g in got)]
        if unmatched or len(got) != len(want):
            out.mismatches.append(("errors", want, [d.render() for d in out.diagnostics]))
        return
    if rec is None:
        out.mismatches.append(("answer", "an answer", [d.render() for d in out.diagnostics]))
        return
    answer = rec.to_json()
    for key in ANSWER_KEYS:
        if key in exp and _iso(exp[key]) != answer[key]:
            out.mismatches.append((key, _iso(exp[key]), answer[key]))
    for key in TEXT_KEYS:
        if key in exp:
            text_want, text_got = exp[key], answer.get(key)
            if (text_want is None and text_got is not None) or (
                text_want is not None and (text_got is None or str(text_want) not in str(text_got))
            ):
                out.mismatches.append((key, text_want, text_got))
    if "reasons" in exp:
        got_rules = sorted(r["rule"] for r in rec.reasons)
        if sorted(exp["reasons"]) != got_rules:
            out.mismatches.append(("reasons", sorted(exp["reasons"]), got_rules))
    if "conflicts" in exp:
        # each expected entry is "conflict-id", "conflict-id:side-taken" or
        # "conflict-id:side-taken@rule-that-decided-the-part"
        got_full = sorted(f"{c['conflict']}:{c['took']['side']}@{c['decided_by']}" for c in rec.conflicts)
        want = sorted(exp["conflicts"])
        same_ids = sorted(w.split(":")[0] for w in want) == sorted(g.split(":")[0] for g in got_full)
        partial = [w for w in want if ":" in w]
        if not same_ids or any(not any(g == w or g.startswith(w + "@") for g in got_full) for w in partial):
            out.mismatches.append(("conflicts", want, got_full))
    if "advice" in exp:
        missing = [w for w in exp["advice"] if not any(w in line for line in rec.advice)]
        if missing:
            out.mismatches.append(("advice", missing, rec.advice))
    if "fired" in exp:
        missing = [r for r in exp["fired"] if r not in rec.fired]
        if missing:
            out.mismatches.append(("fired", exp["fired"], rec.fired))
    if "not_fired" in exp:
        present = [r for r in exp["not_fired"] if r in rec.fired]
        if present:
            out.mismatches.append(("not_fired", exp["not_fired"], rec.fired))


def _error_matches(want: Any, got: dict[str, Any]) -> bool:
    if isinstance(want, str):
        return bool(want == got["code"])
    return all(
        bool(got.get(k) == v) or (k == "message" and str(v) in str(got.get("message")))
        for k, v in want.items()
    )


def describe_failure(out: Outcome) -> str:
    lines = [f"{out.case.id}: FAIL"]
    for key, want, got in out.mismatches:
        if key == "golden":
            lines.append(f"  golden explanation {want} differs:")
            lines.append(str(got))
            continue
        lines.append(f"  {key}: expected {want!r}")
        lines.append(f"  {' ' * len(key)}  actual   {got!r}")
    return "\n".join(lines)
