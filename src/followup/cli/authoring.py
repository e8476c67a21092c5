"""The commands for the people who maintain the rules: lint, rules, check, diff, schema, init."""

from __future__ import annotations

import sys
from typing import Any

import click

from followup.core.errors import FollowupError
from followup.core.schema_version import versioned

from .app import FORMAT, RULES, fail, main


@main.command()
@RULES
@click.option("--strict", is_flag=True, help="fail on warnings too")
@FORMAT
def lint(rules: str | None, strict: bool, fmt: str) -> None:
    """Check a rules directory: every problem in one run, sorted by location.
    Exit 0 clean, 1 problems found, 2 unusable input."""
    import json

    from followup.authoring.lint import lint as run_lint
    from followup.core.advisor import rules_dir

    try:
        problems = run_lint(rules_dir(rules))
    except FollowupError as exc:
        fail(exc)
        return
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    if fmt == "json":
        click.echo(
            json.dumps(
                versioned(
                    {"problems": [p.to_json() for p in problems], "errors": errors, "warnings": warnings}
                ),
                indent=2,
            )
        )
    else:
        for p in problems:
            click.echo(p.render())
        click.echo(f"{errors} error(s), {warnings} warning(s)", err=True)
    sys.exit(1 if errors or (strict and warnings) else 0)


@main.command("rules")
@RULES
@FORMAT
def list_rules(rules: str | None, fmt: str) -> None:
    """List every rule: id, topic file, priority, sources."""
    import json
    import os

    from followup.core.advisor import load_advisor

    try:
        ruleset = load_advisor(rules).ruleset
    except FollowupError as exc:
        fail(exc)
        return
    if fmt == "json":
        from followup.core.rules import rule_list

        click.echo(json.dumps(versioned({"rules": rule_list(ruleset)}), indent=2))
        return
    rows = sorted(ruleset.rules, key=lambda r: (os.path.basename(r.path), r.loc.line))
    click.echo(f"{'id':<30} {'file':<15} {'priority':>8}  sources")
    for r in rows:
        over = f"  overrides {', '.join(r.overrides)}" if r.overrides else ""
        click.echo(f"{r.id:<30} {os.path.basename(r.path):<15} {r.priority:>8}  {', '.join(r.sources)}{over}")


@main.command()
@click.argument("paths", nargs=-1, metavar="[PATHS]...")
@RULES
@click.option("--coverage", is_flag=True, help="report how many cases fired each rule")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="list passing cases too; for each failure, every mismatch and the explanation of the answer",
)
@FORMAT
def check(paths: tuple[str, ...], rules: str | None, coverage: bool, verbose: bool, fmt: str) -> None:
    """Run scenario fixture files (default: ./scenarios): one line per failing case, then the
    counts (-v: every case, every mismatch, explanations). Exit 1 on any failure."""
    import json

    from followup.audit.explain import explain as run_explain
    from followup.audit.render import explanation_text
    from followup.authoring.check import report_json, report_text, run_check
    from followup.core.advisor import load_advisor

    try:
        advisor = load_advisor(rules)
        report = run_check(list(paths) or [_default_scenarios()], advisor)
    except FollowupError as exc:
        fail(exc)
        return

    def explain_outcome(outcome: Any) -> str:
        node = outcome.case.scenario
        if node is None:
            from followup.core.loader import load_file

            node = load_file(outcome.case.scenario_file, lenient=True)
        _, trace = run_explain(advisor, advisor.scenario(node, as_of=outcome.case.as_of))
        return explanation_text(trace, "fired")

    if fmt == "json":
        click.echo(json.dumps(versioned(report_json(report, coverage)), indent=2, default=str))
    else:
        click.echo(report_text(report, coverage, explain_outcome, verbose), nl=False)
    sys.exit(1 if report.failed else 0)


@main.command()
@click.option(
    "--base",
    "base",
    required=True,
    metavar="OLD_RULES",
    help="the rules before the edit: a directory, or a git revision of the rules directory",
)
@RULES
@click.argument("scenarios", nargs=-1, metavar="[SCENARIOS]...")
@FORMAT
def diff(base: str, rules: str | None, scenarios: tuple[str, ...], fmt: str) -> None:
    """Impact of a rule edit: every scenario under both rule sets; the cases whose answer changes.
    Exit 0 nothing changed, 1 something did, 2 bad input."""
    import json

    from followup.authoring.diff import base_advisor, diff_text
    from followup.authoring.diff import diff as run_diff
    from followup.core.advisor import load_advisor, rules_dir

    try:
        new_dir = rules_dir(rules)
        old, new = base_advisor(base, new_dir), load_advisor(new_dir)
        changes, unchanged = run_diff(old, new, list(scenarios) or [_default_scenarios()])
    except FollowupError as exc:
        fail(exc)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                versioned(
                    {
                        "changed": [c.__dict__ for c in changes],
                        "changed_count": len(changes),
                        "unchanged_count": unchanged,
                    }
                ),
                indent=2,
            )
        )
    else:
        click.echo(diff_text(changes, unchanged), nl=False)
    sys.exit(1 if changes else 0)


SCHEMAS = (
    "rules",
    "scenario",
    "answer",
    "batch-record",
    "explanation",
    "replay",
    "draft",
    "error",
    "lint",
    "check",
    "rule-list",
    "diff",
    "track-list",
    "track-today",
    "track-show",
)


@main.command()
@click.argument("kind", type=click.Choice(SCHEMAS))
@RULES
def schema(kind: str, rules: str | None) -> None:
    """Print a JSON Schema: of rule files or scenario files (for editor completion), or of an
    output (`answer`: advise's JSON and the HTTP API's answer; `batch-record`: one line of batch
    output; and each other command's --format json)."""
    import json

    from followup.core.advisor import load_advisor

    try:
        ruleset = load_advisor(rules).ruleset
    except FollowupError as exc:
        fail(exc)
        return
    click.echo(json.dumps(schema_doc(kind, ruleset), indent=2))


def schema_doc(kind: str, ruleset: Any) -> dict[str, Any]:
    """The JSON Schema named `kind` (one of SCHEMAS) for a rule set."""
    from followup.audit import schemas as out
    from followup.authoring import output_schemas as authoring_out
    from followup.authoring.schema import rules_schema, scenario_schema

    makers: dict[str, Any] = {
        "rules": rules_schema,
        "scenario": scenario_schema,
        "answer": out.answer_schema,
        "batch-record": out.batch_record_schema,
        "explanation": out.explanation_schema,
        "replay": lambda _: out.replay_schema(),
        "draft": out.draft_output_schema,
        "error": lambda _: out.error_schema(),
        "lint": lambda _: authoring_out.lint_schema(),
        "check": lambda _: authoring_out.check_schema(),
        "rule-list": lambda _: authoring_out.rule_list_schema(),
        "diff": lambda _: authoring_out.diff_schema(),
        "track-list": lambda rs: _track_schemas().list_schema(rs),
        "track-today": lambda rs: _track_schemas().today_schema(rs),
        "track-show": lambda rs: _track_schemas().show_schema(rs),
    }
    doc: dict[str, Any] = makers[kind](ruleset)
    return doc


def _track_schemas() -> Any:
    from followup.tracker import schemas

    return schemas


@main.command()
@click.argument("directory", metavar="DIR")
def init(directory: str) -> None:
    """Copy the stock rules and scenarios into DIR to start a house variant."""
    from followup.authoring.init import init as run_init

    try:
        written = run_init(directory)
    except FollowupError as exc:
        fail(exc)
        return
    click.echo(f"wrote {len(written)} files to {directory}: rules/, scenarios/, schemas/")
    click.echo(
        f"next: followup lint --rules {directory}/rules && "
        f"followup check {directory}/scenarios --rules {directory}/rules"
    )


def _default_scenarios() -> str:
    import os

    from followup.authoring.init import stock_scenarios_dir

    return "scenarios" if os.path.isdir("scenarios") else stock_scenarios_dir()
