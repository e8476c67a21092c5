"""`followup track`: every application in one place. The group, its shared options, and the
commands that read (list, today, show, ics, export); track_changes.py holds the ones that write.

Thin, as every command: options in, followup.tracker called, text out. These modules, the
tracker and sqlite3 load only when a `track` command runs (cli.app.LazyGroup), so `followup
advise` starts as fast as before. The clock
is read in one place (today()); everything below takes that day explicitly.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from typing import Any

import click

from followup.core.errors import FollowupError

from .app import DB, FORMAT, RULES, as_of_option, fail

AS_OF = as_of_option("the day taken as today (default: the computer's date)")
OUTPUT = click.option(
    "-o", "--output", "output", metavar="FILE", default=None, help="write to FILE (default: stdout)"
)


def today(as_of: dt.date | None) -> dt.date:
    """--as-of, else today: the only place `track` reads the clock."""
    return as_of or dt.date.today()


def opened(db: str | None, create: bool) -> Any:
    from followup.tracker.store import open_store

    return open_store(db, create=create)


def not_the_database(output: str, db: str) -> None:
    """Refuse to write over the database (or its WAL files): -o apps.db would replace it."""
    from followup.core.errors import Diagnostic, Location

    target = os.path.realpath(output)
    if target in {os.path.realpath(db + suffix) for suffix in ("", "-wal", "-shm", "-journal")}:
        message = "is the tracker's database; writing there would replace it"
        raise FollowupError(
            [Diagnostic(Location(output), "output-is-database", message, "give another file")]
        )


def write_out(output: str | None, data: bytes, db: str) -> None:
    """Bytes to FILE (whole or not at all; never the database) or to stdout."""
    if output:
        from followup.core.files import write_atomically

        not_the_database(output, db)
        write_atomically(output, data)
    else:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def track() -> None:
    """Every application in one place: add them, log what was sent and what they replied, and
    ask what to send today. Answers are computed as of the day you ask, never stored."""


@track.command("list")
@DB
@AS_OF
@RULES
@FORMAT
@click.option("--archived", is_flag=True, help="list the archived applications instead")
@click.option("--all", "everything", is_flag=True, help="list every application, archived or not")
def list_command(
    db: str | None, as_of: dt.date | None, rules: str | None, fmt: str, archived: bool, everything: bool
) -> None:
    """One row per application: company, role, next action, today's verdict, window, channel;
    what is due first."""
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes, render, rows

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            apps = changes.applications(store, None if everything else archived)
            with store.reading() as conn:
                active, hidden = rows.counts(conn)
        found = answers.answers(advisor, apps, day)
    except FollowupError as exc:
        fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(answers.list_json(found, day), indent=2, ensure_ascii=False))
    else:
        not_shown = hidden if not (archived or everything) else 0
        click.echo(render.list_text(found, day, not_shown, archived), nl=False)


@track.command("today")
@DB
@AS_OF
@RULES
@FORMAT
def today_command(db: str | None, as_of: dt.date | None, rules: str | None, fmt: str) -> None:
    """What to send today (due or overdue), and what becomes due in the next seven days."""
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes, render

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            apps = changes.applications(store)
        found = answers.answers(advisor, apps, day)
    except FollowupError as exc:
        fail(exc)
        return
    parts = answers.today(found, day)
    if fmt == "json":
        click.echo(json.dumps(answers.today_json(parts, day), indent=2, ensure_ascii=False))
        return
    click.echo(render.today_text(parts, day, answers.next_after(found, day)), nl=False)


@track.command("show")
@click.argument("app_id", metavar="ID")
@DB
@AS_OF
@RULES
@FORMAT
@click.option(
    "--record", "record", metavar="FILE", default=None, help="also write an audit record, as advise --record"
)
def show(
    app_id: str, db: str | None, as_of: dt.date | None, rules: str | None, fmt: str, record: str | None
) -> None:
    """One application: its history, then the answer, the reasons and the message, exactly as
    `followup advise` gives them for its scenario."""
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes, render

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            app = changes.get(store, app_id)
        one = answers.answer(advisor, app, day)
        if one.problems:
            raise FollowupError(one.problems)
        if record:
            not_the_database(record, store.path)
            _record(advisor, one, record)
    except FollowupError as exc:
        fail(exc)
        return
    if fmt == "json":
        click.echo(json.dumps(answers.show_json(one), indent=2, ensure_ascii=False))
    else:
        click.echo(render.show_text(one, advisor.ruleset), nl=False)


def _record(advisor: Any, one: Any, path: str) -> None:
    """The audit record `advise --record` writes, for this application as of the day."""
    from followup.audit.answer import draft_for
    from followup.audit.explain import explain as run_explain
    from followup.audit.record import make_record
    from followup.core.files import write_atomically

    rec, trace = run_explain(advisor, one.scenario)
    draft = draft_for(rec, one.scenario, advisor.ruleset)
    doc = make_record(advisor.ruleset, one.scenario.raw, rec, trace, draft)
    write_atomically(path, json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


@track.command("ics")
@DB
@AS_OF
@RULES
@OUTPUT
def ics(db: str | None, as_of: dt.date | None, rules: str | None, output: str | None) -> None:
    """One calendar (RFC 5545) with a reminder for each application that has a next message, on
    the day it is due. Each application keeps its event's UID: import a newer file to update."""
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes, transfer

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            apps = changes.applications(store)
        found = answers.answers(advisor, apps, day)
        data = transfer.calendar_bytes(found)
        if data is not None:
            write_out(output, data, store.path)
    except FollowupError as exc:
        fail(exc)
        return
    if data is None:
        click.echo("No reminders: no application has a next message to send; nothing written.", err=True)
    elif output:
        events = sum(1 for a in found if a.send_on is not None)
        click.echo(f"{output}: {events} reminder{'' if events == 1 else 's'} written", err=True)


@track.command("export")
@DB
@OUTPUT
@click.option(
    "--only",
    type=click.Choice(["active", "archived"]),
    default=None,
    help="only the applications not archived, or only the archived ones (default: every one)",
)
def export(db: str | None, output: str | None, only: str | None) -> None:
    """Every application as JSON Lines: one scenario per line, with its id, as `followup batch`
    reads it. `track import` reads it back."""
    from followup.tracker import changes, transfer

    archived = None if only is None else only == "archived"
    try:
        with opened(db, create=False) as store:
            apps = changes.applications(store, archived)
        write_out(output, transfer.export_bytes(apps), store.path)
    except FollowupError as exc:
        fail(exc)
        return
    if output:
        click.echo(f"{output}: {len(apps)} application{'' if len(apps) == 1 else 's'} exported", err=True)
