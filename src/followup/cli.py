"""The `followup` command line: thin; parse options, call the library, print, return a code."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from .errors import FollowupError


def _date(ctx: Any, param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


def _fail(exc: FollowupError) -> None:
    for diag in exc.diagnostics:
        click.echo(diag.render(), err=True)
    sys.exit(2)


RULES = click.option("--rules", "rules", metavar="DIR", default=None,
                     help="rules directory (default: $FOLLOWUP_RULES, else the stock rules)")
AS_OF = click.option("--as-of", "as_of", metavar="DATE", callback=_date, default=None,
                     help="the day the question is asked (overrides the scenario's as_of)")
FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="followup-advisor")
def main() -> None:
    """Is a (second) follow-up after a job interview okay here, and when?"""


@main.command()
@click.argument("scenario", metavar="SCENARIO")
@AS_OF
@RULES
@FORMAT
@click.option("--record", "record", metavar="FILE", default=None,
              help="also write an audit record (scenario, as_of, rules digest, versions, answer, trace)")
def advise(scenario: str, as_of: dt.date | None, rules: str | None, fmt: str, record: str | None) -> None:
    """Answer one SCENARIO (a YAML or JSON file): what to do, when, and why."""
    from .advisor import load_advisor
    from .loader import load_file
    from .render import to_json, to_text

    try:
        advisor = load_advisor(rules)
        parsed = advisor.scenario(load_file(scenario, lenient=True), as_of=as_of, today=dt.date.today())
        if record:
            import json

            from .audit import make_record, write_atomically
            from .explain import explain as run_explain

            rec, trace = run_explain(advisor, parsed)
            doc = make_record(advisor.ruleset, parsed.raw, rec, trace)
            write_atomically(record, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        else:
            rec = advisor.evaluate(parsed)
    except FollowupError as exc:
        _fail(exc)
        return
    click.echo(to_json(rec) if fmt == "json" else to_text(rec, advisor.ruleset), nl=False)
    if fmt == "json":
        click.echo()


@main.command()
@click.argument("scenario", metavar="SCENARIO")
@AS_OF
@RULES
@FORMAT
@click.option("--level", type=click.Choice(["answer", "fired", "full"]), default="full", show_default=True,
              help="how much of the recorded trace to show")
def explain(scenario: str, as_of: dt.date | None, rules: str | None, fmt: str, level: str) -> None:
    """Explain one SCENARIO's answer: every rule that fired and why, the rules that did not,
    where the sources disagree, and what would change the answer."""
    import json

    from .advisor import load_advisor
    from .explain import explain as run_explain, filter_level, lineage
    from .loader import load_file
    from .render import explanation_text

    try:
        advisor = load_advisor(rules)
        parsed = advisor.scenario(load_file(scenario, lenient=True), as_of=as_of, today=dt.date.today())
        rec, trace = run_explain(advisor, parsed)
    except FollowupError as exc:
        _fail(exc)
        return
    if fmt == "json":
        doc = {"answer": rec.to_json(), "level": level, "trace": filter_level(trace, level),
               "lineage": lineage(trace)}
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
    else:
        click.echo(explanation_text(trace, level), nl=False)


@main.command()
@click.argument("record", metavar="FILE")
@RULES
@FORMAT
def replay(record: str, rules: str | None, fmt: str) -> None:
    """Re-evaluate an audit RECORD: confirm the same answer, or show what differs and which rules
    changed since it was made. Exit 0 same, 1 different, 2 bad input."""
    import json

    from .advisor import load_advisor
    from .audit import compare, read_record, replay_text

    try:
        advisor = load_advisor(rules)
        node, doc = read_record(record)
        as_of = dt.date.fromisoformat(str(doc["as_of"])) if isinstance(doc["as_of"], str) else doc["as_of"]
        rec = advisor.evaluate(advisor.scenario(node, as_of=as_of))
        result = compare(doc, advisor.ruleset, rec)
    except FollowupError as exc:
        _fail(exc)
        return
    except ValueError:
        click.echo(f"{record}:1:1: error: bad-date: as_of is not a date YYYY-MM-DD", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps({"same": result.same, "differences": [
            {"key": k, "recorded": a, "now": b} for k, a, b in result.differences],
            "recorded_digest": result.recorded_digest, "current_digest": result.current_digest,
            "rules_changed": result.changed, "rules_added": result.added, "rules_removed": result.removed},
            indent=2, ensure_ascii=False))
    else:
        click.echo(replay_text(result), nl=False)
    sys.exit(0 if result.same else 1)


if __name__ == "__main__":  # pragma: no cover
    main()
