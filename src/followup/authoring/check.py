"""`followup check`: run fixture cases (the runner pytest uses), report PASS/FAIL, and coverage."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from followup.core.advisor import Advisor

from .fixtures import EXPECT_KEYS, Outcome, describe_failure, fixture_files, load_cases, run_case


@dataclass
class Report:
    outcomes: list[Outcome]
    fired_by: dict[str, int] = field(default_factory=dict)  # rule id -> cases that fired it
    never_fired: list[str] = field(default_factory=list)
    unchecked: list[str] = field(default_factory=list)  # expectation keys no case checks

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.passed]


def run_check(paths: list[str], advisor: Advisor) -> Report:
    """Run every case under the paths. Fixture-file problems raise FollowupError (exit 2)."""
    outcomes = [run_case(case, advisor) for f in fixture_files(paths) for case in load_cases(f)]
    fired_by = {r.id: 0 for r in advisor.ruleset.rules}
    for o in outcomes:
        if o.recommendation is not None:
            for rid in o.recommendation.fired:
                fired_by[rid] = fired_by.get(rid, 0) + 1
    checked = {k for o in outcomes for k in o.case.expect}
    return Report(
        outcomes,
        fired_by,
        sorted(r for r, n in fired_by.items() if n == 0),
        [k for k in EXPECT_KEYS if k not in checked],
    )


def report_text(report: Report, coverage: bool, explain: Any, verbose: bool = False) -> str:
    """One line per failing case, then the counts; verbose: a line per passing case too, and
    for each failure every mismatch and the explanation of the actual answer."""
    lines = []
    for o in report.outcomes:
        if o.passed:
            if verbose:
                lines.append(f"PASS {o.case.id}")
            continue
        if not verbose:
            lines.append(failure_line(o))
            continue
        lines.append(describe_failure(o).replace(f"{o.case.id}: FAIL", f"FAIL {o.case.id}", 1))
        if o.recommendation is not None and explain is not None:
            lines.append("  explanation of the actual answer:")
            lines.extend("    " + line for line in explain(o).splitlines())
    lines.append(f"{len(report.outcomes) - len(report.failed)} passed, {len(report.failed)} failed")
    if report.failed and not verbose:
        lines.append("(-v shows every mismatch and the explanation of each actual answer)")
    if coverage:
        lines.append("")
        lines.append("Coverage: cases that fired each rule")
        for rid, n in sorted(report.fired_by.items()):
            lines.append(f"  {n:4d}  {rid}")
        lines.append("Rules no case fires: " + (", ".join(report.never_fired) or "none"))
        lines.append("Expectations no case checks: " + (", ".join(report.unchecked) or "none"))
    return "\n".join(lines) + "\n"


def failure_line(o: Outcome) -> str:
    """FAIL file::case: the first mismatch (expected, got), and how many more there are."""
    key, want, got = o.mismatches[0]
    if key == "golden":
        first = (
            f"golden explanation differs from {want}"
            if isinstance(got, str) and got.startswith("---")
            else (f"golden explanation {want}: {_short(got)}")
        )
    else:
        first = f"{key} expected {_short(want)}, got {_short(got)}"
    more = len(o.mismatches) - 1
    return f"FAIL {o.case.id}: {first}" + (
        f" (+{more} more mismatch{'es' if more > 1 else ''})" if more else ""
    )


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def report_json(report: Report, coverage: bool) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "cases": [
            {
                "case": o.case.id,
                "passed": o.passed,
                "mismatches": [{"key": k, "expected": w, "actual": g} for k, w, g in o.mismatches],
            }
            for o in report.outcomes
        ],
        "passed": len(report.outcomes) - len(report.failed),
        "failed": len(report.failed),
    }
    if coverage:
        doc["coverage"] = {
            "fired_by": report.fired_by,
            "never_fired": report.never_fired,
            "unchecked_expectations": report.unchecked,
        }
    return doc
