"""The commands that answer one scenario: advise, draft, explain, and replay of an audit record."""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import click

from followup.core.errors import FollowupError
from followup.core.schema_version import versioned

from .app import AS_OF, FORMAT, LEVELS, RULES, fail, main


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
        fail(exc)
        return
    if fmt == "json":
        click.echo(to_json(versioned(answer_json(rec, draft))))
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
        fail(exc)
        return
    if fmt == "json":
        doc = versioned({"draft": made.to_json() if made else None})
        click.echo(json.dumps(doc, indent=2, ensure_ascii=False))
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
        fail(exc)
        return
    if fmt == "json":
        doc = versioned(
            {
                "answer": answer,
                "level": level,
                "trace": filter_level(trace, level),
                "lineage": lineage(trace),
            }
        )
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
        fail(exc)
        return
    if fmt == "json":
        click.echo(
            json.dumps(
                versioned(
                    {
                        "same": result.same,
                        "differences": [
                            {"key": k, "recorded": a, "now": b} for k, a, b in result.differences
                        ],
                        "recorded_digest": result.recorded_digest,
                        "current_digest": result.current_digest,
                        "rules_changed": result.changed,
                        "rules_added": result.added,
                        "rules_removed": result.removed,
                    }
                ),
                indent=2,
                ensure_ascii=False,
            )
        )
    else:
        click.echo(replay_text(result), nl=False)
    sys.exit(0 if result.same else 1)
