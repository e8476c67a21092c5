"""The `followup` command line: thin; parse options, call the library, print, return a code."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

import followup.batch as batch_settings
from followup.audit.trace import LEVEL_EVENTS  # the package's settings only; the code loads when it runs
from followup.core.errors import FollowupError

LEVELS = tuple(LEVEL_EVENTS)


def date_option(ctx: Any, param: Any, value: str | None) -> dt.date | None:
    """Click callback for a date option (--as-of): YYYY-MM-DD, else a usage error (exit 2)."""
    if value is None:
        return None
    from followup.core.scenario import date_out_of_range, parse_date

    day = parse_date(value)
    if day is None:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD")
    if date_out_of_range(day):
        raise click.BadParameter(str(date_out_of_range(day)))
    return day


def _fail(exc: FollowupError) -> None:
    for diag in exc.diagnostics:
        click.echo(diag.render(), err=True)
    sys.exit(2)


RULES = click.option(
    "--rules",
    "rules",
    metavar="DIR",
    default=None,
    help="rules directory (default: $FOLLOWUP_RULES, else the stock rules)",
)
AS_OF = click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    callback=date_option,
    default=None,
    help="the day the question is asked (overrides the scenario's as_of)",
)
FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="followup-advisor")
def main() -> None:
    """Is a (second) follow-up after a job interview okay here, and when?"""


@main.command()
@click.argument("scenario", metavar="SCENARIO")
@AS_OF
@RULES
@FORMAT
@click.option(
    "--record",
    "record",
    metavar="FILE",
    default=None,
    help="also write an audit record (scenario, as_of, rules digest, versions, answer, trace)",
)
@click.option(
    "--ics",
    "ics",
    metavar="FILE",
    default=None,
    help="also write a calendar reminder (RFC 5545) for the day the next message is due",
)
def advise(
    scenario: str, as_of: dt.date | None, rules: str | None, fmt: str, record: str | None, ics: str | None
) -> None:
    """Answer one SCENARIO (a YAML or JSON file): what to do, when, and why, with the message to send."""
    from followup.audit.answer import answer_json, draft_for
    from followup.audit.render import to_json, to_text
    from followup.core.advisor import load_advisor
    from followup.core.loader import load_file

    try:
        advisor = load_advisor(rules)
        parsed = advisor.scenario(load_file(scenario, lenient=True), as_of=as_of, today=dt.date.today())
        if record:
            import json

            from followup.audit.explain import explain as run_explain
            from followup.audit.record import make_record
            from followup.core.files import write_atomically

            rec, trace = run_explain(advisor, parsed)
            draft = draft_for(rec, parsed, advisor.ruleset)
            doc = make_record(advisor.ruleset, parsed.raw, rec, trace, draft)
            write_atomically(record, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            rec = advisor.evaluate(parsed)
            draft = draft_for(rec, parsed, advisor.ruleset)
        note = _write_reminder(ics, rec, parsed, draft) if ics else None
    except FollowupError as exc:
        _fail(exc)
        return
    if fmt == "json":
        click.echo(to_json(answer_json(rec, draft)))
    else:
        click.echo(to_text(rec, advisor.ruleset, draft), nl=False)
    if note:
        click.echo(note, err=True)


def _write_reminder(path: str, rec: Any, scenario: Any, draft: Any) -> str:
    """Write the .ics reminder (icalendar loads only here); the note to print about it."""
    from followup.messages.draft import send_day

    day = send_day(rec)
    if day is None:
        return f"{path}: not written: nothing is to be sent ({rec.action}), so there is no reminder"
    from followup.core.files import write_atomically
    from followup.core.wording import show_date
    from followup.messages.calendar import reminder_ics

    write_atomically(path, reminder_ics(rec, scenario, draft))
    return f"{path}: reminder written for {show_date(day)}"


@main.command()
@click.argument("scenario", metavar="SCENARIO")
@AS_OF
@RULES
@FORMAT
def draft(scenario: str, as_of: dt.date | None, rules: str | None, fmt: str) -> None:
    """Print only the message to send for SCENARIO, ready to paste (notes go to stderr).
    Nothing is printed when nothing is to be sent; exit 0 either way."""
    import json

    from followup.audit.answer import draft_for
    from followup.audit.render import draft_heading, message_text, missing_lines
    from followup.core.advisor import load_advisor
    from followup.core.loader import load_file

    try:
        advisor = load_advisor(rules)
        parsed = advisor.scenario(load_file(scenario, lenient=True), as_of=as_of, today=dt.date.today())
        rec = advisor.evaluate(parsed)
        made = draft_for(rec, parsed, advisor.ruleset)
    except FollowupError as exc:
        _fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(made.to_json() if made else None, indent=2, ensure_ascii=False))
    elif made is not None:
        click.echo(message_text(made), nl=False)
    if made is None:
        click.echo(f"No message to draft: {rec.summary}", err=True)
        return
    if fmt == "text":
        click.echo(f"({draft_heading(made)})", err=True)
        for line in missing_lines(made)[1:]:
            click.echo(line, err=True)


@main.command()
@click.argument("scenario", metavar="SCENARIO")
@AS_OF
@RULES
@FORMAT
@click.option(
    "--level",
    type=click.Choice(LEVELS),
    default="full",
    show_default=True,
    help="how much of the recorded trace to show",
)
def explain(scenario: str, as_of: dt.date | None, rules: str | None, fmt: str, level: str) -> None:
    """Explain one SCENARIO's answer: every rule that fired and why, the rules that did not,
    where the sources disagree, and what would change the answer."""
    import json

    from followup.audit.answer import answer_of
    from followup.audit.explain import explain as run_explain
    from followup.audit.render import explanation_text
    from followup.audit.trace import filter_level, lineage
    from followup.core.advisor import load_advisor
    from followup.core.loader import load_file

    try:
        advisor = load_advisor(rules)
        parsed = advisor.scenario(load_file(scenario, lenient=True), as_of=as_of, today=dt.date.today())
        rec, trace = run_explain(advisor, parsed)
        answer = answer_of(rec, parsed, advisor.ruleset)
    except FollowupError as exc:
        _fail(exc)
        return
    if fmt == "json":
        doc = {
            "answer": answer,
            "level": level,
            "trace": filter_level(trace, level),
            "lineage": lineage(trace),
        }
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        click.echo(explanation_text(trace, level), nl=False)


@main.command()
@click.option(
    "--from",
    "from_file",
    metavar="FILE",
    default=None,
    help="start from a scenario saved earlier and ask what happened since",
)
@AS_OF
@RULES
def ask(from_file: str | None, as_of: dt.date | None, rules: str | None) -> None:
    """Answer a few questions in the terminal instead of writing a file: get the answer, the
    message to send and a calendar reminder. Exit 0 done, 2 not a terminal or bad input, 130 Ctrl-C."""
    from followup.ask.session import run

    sys.exit(run(from_file, as_of or dt.date.today(), rules))


@main.command()
@click.argument("record", metavar="FILE")
@RULES
@FORMAT
def replay(record: str, rules: str | None, fmt: str) -> None:
    """Re-evaluate an audit RECORD: confirm the same answer, or show what differs and which rules
    changed since it was made. Exit 0 same, 1 different, 2 bad input."""
    import json

    from followup.audit.answer import draft_for
    from followup.audit.record import compare, read_record, replay_text
    from followup.core.advisor import load_advisor

    try:
        advisor = load_advisor(rules)
        node, doc = read_record(record)
        parsed = advisor.scenario(node, as_of=doc["as_of"])
        rec = advisor.evaluate(parsed)
        draft = draft_for(rec, parsed, advisor.ruleset) if "draft" in doc["answer"] else None
        result = compare(doc, advisor.ruleset, rec, draft)
    except FollowupError as exc:
        _fail(exc)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "same": result.same,
                    "differences": [{"key": k, "recorded": a, "now": b} for k, a, b in result.differences],
                    "recorded_digest": result.recorded_digest,
                    "current_digest": result.current_digest,
                    "rules_changed": result.changed,
                    "rules_added": result.added,
                    "rules_removed": result.removed,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(replay_text(result), nl=False)
    sys.exit(0 if result.same else 1)


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
        _fail(exc)
        return
    errors = sum(1 for p in problems if p.level == "error")
    warnings = len(problems) - errors
    if fmt == "json":
        click.echo(
            json.dumps(
                {"problems": [p.to_json() for p in problems], "errors": errors, "warnings": warnings},
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
        _fail(exc)
        return
    rows = sorted(ruleset.rules, key=lambda r: (os.path.basename(r.path), r.loc.line))
    if fmt == "json":
        click.echo(
            json.dumps(
                [
                    {
                        "id": r.id,
                        "file": os.path.basename(r.path),
                        "line": r.loc.line,
                        "priority": r.priority,
                        "overrides": list(r.overrides),
                        "sources": list(r.sources),
                    }
                    for r in rows
                ],
                indent=2,
            )
        )
        return
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
        _fail(exc)
        return

    def explain_outcome(outcome: Any) -> str:
        node = outcome.case.scenario
        if node is None:
            from followup.core.loader import load_file

            node = load_file(outcome.case.scenario_file, lenient=True)
        _, trace = run_explain(advisor, advisor.scenario(node, as_of=outcome.case.as_of))
        return explanation_text(trace, "fired")

    if fmt == "json":
        click.echo(json.dumps(report_json(report, coverage), indent=2, default=str))
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
        _fail(exc)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                {
                    "changed": [c.__dict__ for c in changes],
                    "changed_count": len(changes),
                    "unchanged_count": unchanged,
                },
                indent=2,
            )
        )
    else:
        click.echo(diff_text(changes, unchanged), nl=False)
    sys.exit(1 if changes else 0)


@main.command()
@click.argument("kind", type=click.Choice(["rules", "scenario"]))
@RULES
def schema(kind: str, rules: str | None) -> None:
    """Print the JSON Schema of rule files or of scenario files (for editor completion)."""
    import json

    from followup.authoring.schema import rules_schema, scenario_schema
    from followup.core.advisor import load_advisor

    try:
        ruleset = load_advisor(rules).ruleset
    except FollowupError as exc:
        _fail(exc)
        return
    doc = rules_schema(ruleset) if kind == "rules" else scenario_schema(ruleset)
    click.echo(json.dumps(doc, indent=2))


@main.command()
@click.argument("directory", metavar="DIR")
def init(directory: str) -> None:
    """Copy the stock rules and scenarios into DIR to start a house variant."""
    from followup.authoring.init import init as run_init

    try:
        written = run_init(directory)
    except FollowupError as exc:
        _fail(exc)
        return
    click.echo(f"wrote {len(written)} files to {directory}: rules/, scenarios/, schemas/")
    click.echo(
        f"next: followup lint --rules {directory}/rules && "
        f"followup check {directory}/scenarios --rules {directory}/rules"
    )


@main.command("batch")
@click.argument("input_path", metavar="INPUT")
@click.option(
    "-o",
    "--output",
    "output_path",
    metavar="OUTPUT",
    default=None,
    help="write the results here (default: stdout); needed for --resume",
)
@click.option(
    "--workers",
    type=click.IntRange(1, batch_settings.MAX_WORKERS),
    default=None,
    metavar="N",
    help="worker processes (default: the number of CPUs)",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    callback=date_option,
    default=None,
    help="the day the question is asked, for every scenario (overrides their as_of)",
)
@click.option(
    "--rules",
    "rules",
    metavar="DIR",
    default=None,
    help="rules directory (default: $FOLLOWUP_RULES, else the stock rules)",
)
@click.option(
    "--resume",
    is_flag=True,
    default=False,
    help="continue an interrupted run into the same OUTPUT: keep the results OUTPUT.resume vouches "
    "for and answer the input lines after them; refused when INPUT's answered lines, --as-of or "
    "the rules changed",
)
@click.option("-q", "--quiet", is_flag=True, default=False, help="no progress bar")
def batch_command(
    input_path: str,
    output_path: str | None,
    workers: int | None,
    as_of: dt.date | None,
    rules: str | None,
    resume: bool,
    quiet: bool,
) -> None:
    """Answer many scenarios. INPUT is JSON Lines, one scenario object per line (- for stdin);
    the output has one JSON line per input line, in input order: {"line", "id", "answer"} or
    {"line", "id", "error"}. With -o, OUTPUT.resume beside it records what --resume needs.
    Exit 0 all answered, 1 some records were errors, 2 unusable invocation (or OUTPUT could not
    be written); 130/143 when interrupted (run again with --resume)."""
    from followup.batch.run import run_batch

    sys.exit(run_batch(input_path, output_path, workers, as_of, rules, resume, quiet))


def _default_scenarios() -> str:
    import os

    from followup.authoring.init import stock_scenarios_dir

    return "scenarios" if os.path.isdir("scenarios") else stock_scenarios_dir()


if __name__ == "__main__":  # pragma: no cover
    main()
