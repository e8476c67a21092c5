"""The `followup track` commands that write: add, log, edit, archive, unarchive, import. Each
validates the whole change first (as of --as-of, else today) and writes it in one transaction,
or writes nothing and exits 2 with located diagnostics."""

from __future__ import annotations

import datetime as dt
import os
import sys
from typing import Any

import click

from followup.core.errors import Diagnostic, FollowupError, Location

from .app import DB, RULES, fail
from .track import AS_OF, opened, today, track


def _day(text: str, where: str, reference: dt.date, future: bool = False) -> dt.date:
    """A date as `followup ask` understands it (2026-11-05, today, 3 days ago, tuesday ...)."""
    from followup.ask.dates import DateError, parse_day

    try:
        return parse_day(text, reference, future)
    except DateError as exc:
        raise FollowupError([Diagnostic(Location(where), "bad-date", str(exc))]) from None


@track.command("add")
@click.argument("scenario", metavar="[SCENARIO]", required=False)
@DB
@AS_OF
@RULES
def add(scenario: str | None, db: str | None, as_of: dt.date | None, rules: str | None) -> None:
    """Add an application from a SCENARIO file (YAML or JSON, as advise reads), or, without one,
    by answering the questions of `followup ask`. It keeps the file's `id`, else gets a number."""
    from followup.core.advisor import load_advisor

    day = today(as_of)
    if scenario is None:
        from followup.ask.session import run_questions
        from followup.core.loader import from_plain

        def keep(doc: dict[str, Any]) -> list[str]:
            return _add(load_advisor(rules), from_plain("<your answers>", doc), db, day).splitlines()

        sys.exit(run_questions(day, rules, keep, "followup track add", "followup track add SCENARIO"))
    from followup.core.loader import load_file

    try:
        note = _add(load_advisor(rules), load_file(scenario, lenient=True), db, day)
    except FollowupError as exc:
        fail(exc)
        return
    click.echo(note, nl=False)


def _add(advisor: Any, node: Any, db: str | None, day: dt.date) -> str:
    from followup.tracker import answers, changes, render

    changes.validate(advisor, node, day)  # before the database is created, if it is new
    with opened(db, create=True) as store:
        app = changes.add(store, advisor, node, day)
    return render.added_text(answers.answer(advisor, app, day))


@track.command("log")
@click.argument("app_id", metavar="ID")
@click.argument("what", type=click.Choice(["sent", "reply"]))
@click.argument("value", metavar="KIND|OUTCOME")
@click.option(
    "--date",
    "date",
    metavar="DATE",
    default=None,
    help="when (default: today); e.g. 2026-11-12, yesterday, tuesday",
)
@click.option("--channel", metavar="CHANNEL", default=None, help="how: email, phone, linkedin or letter")
@DB
@AS_OF
@RULES
def log(
    app_id: str,
    what: str,
    value: str,
    date: str | None,
    channel: str | None,
    db: str | None,
    as_of: dt.date | None,
    rules: str | None,
) -> None:
    """Add to an application's history: `sent thank_you|follow_up` (a message you sent) or
    `reply pending|offer|rejected` (what they said). The same event logged twice is kept once."""
    from followup.core.advisor import load_advisor
    from followup.tracker import answers, changes

    day = today(as_of)
    argument = "KIND" if what == "sent" else "OUTCOME"
    where = {
        "id": Location("ID"),
        "kind": Location(argument),
        "date": Location("--date"),
        "channel": Location("--channel"),
        "outcome": Location("OUTCOME"),
    }
    try:
        if what == "sent" and value == "reply":
            raise FollowupError(
                [
                    Diagnostic(
                        where["kind"],
                        "bad-value",
                        "a reply is not sent",
                        "log it as: track log ID reply OUTCOME",
                    )
                ]
            )
        when = _day(date, "--date", day) if date else day
        kind, outcome = (value, None) if what == "sent" else ("reply", value)
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            changes.get(store, app_id, where["id"])  # a missing database has no such id: not created
            app, added = changes.log(store, advisor, app_id, kind, when, day, channel, outcome, where)
        one = answers.answer(advisor, app, day)
    except FollowupError as exc:
        fail(exc)
        return
    event = f"{kind} ({outcome})" if outcome else kind
    done = "Logged" if added else "Already in the history, not logged again:"
    click.echo(f"{done} {event} on {when.isoformat()} for application {app.id}.")
    if one.rec is not None:
        click.echo(f"Now: {one.rec.summary}")


@track.command("edit")
@click.argument("app_id", metavar="ID")
@click.option(
    "--set", "sets", metavar="PATH=VALUE", multiple=True, help="set a field, e.g. company.culture=startup"
)
@click.option(
    "--unset", "unsets", metavar="PATH", multiple=True, help="remove a field, e.g. timeline.decision_by"
)
@click.option("--file", "from_file", metavar="FILE", default=None, help="replace the scenario with FILE's")
@DB
@AS_OF
@RULES
def edit(
    app_id: str,
    sets: tuple[str, ...],
    unsets: tuple[str, ...],
    from_file: str | None,
    db: str | None,
    as_of: dt.date | None,
    rules: str | None,
) -> None:
    """Change an application: fields with --set/--unset, the whole scenario with --file, or,
    with neither, in your editor ($VISUAL, $EDITOR) as YAML. Checked before anything is saved."""
    from followup.core.advisor import load_advisor
    from followup.tracker import changes
    from followup.tracker.edit import changed_tree

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        with opened(db, create=False) as store:
            app = changes.get(store, app_id)
            if sets or unsets:
                tree, problems = changed_tree(app, [_pair(text, day) for text in sets], list(unsets))
                if problems:  # and what the validator finds in the rest
                    try:
                        changes.validate(advisor, tree, day)
                    except FollowupError as exc:
                        problems += exc.diagnostics
                    raise FollowupError(problems)
                changes.replace(store, advisor, app_id, tree, day, app)
            elif from_file:
                from followup.core.loader import load_file

                changes.replace(store, advisor, app_id, load_file(from_file, lenient=True), day, app)
            elif not _in_editor(store, advisor, app, day):
                click.echo("No change.")
                return
    except FollowupError as exc:
        fail(exc)
        return
    click.echo(f"Saved application {app_id}.")


def _pair(text: str, day: dt.date) -> tuple[str, str]:
    """PATH=VALUE; a date field's value may be any date `followup ask` understands."""
    from followup.tracker.edit import field_kind

    path, eq, value = text.partition("=")
    if not eq or not path:
        message = f"{text!r} is not PATH=VALUE"
        raise FollowupError(
            [Diagnostic(Location("--set"), "bad-value", message, "e.g. company.culture=startup")]
        )
    path = path.strip()
    if field_kind(path) == "date" and value.strip():
        value = _day(value, "--set", day, future=path.startswith("timeline.")).isoformat()
    return path, value


def _in_editor(store: Any, advisor: Any, app: Any, day: dt.date) -> bool:
    """Edit the scenario as YAML in the user's editor; whether anything was saved. A file that
    does not pass is kept (its path in the diagnostics) so the work is not lost."""
    import tempfile

    from followup.core.loader import parse_text
    from followup.tracker import changes
    from followup.tracker.edit import editor_text

    if not (os.environ.get("VISUAL") or os.environ.get("EDITOR")) and not sys.stdin.isatty():
        hint = "set $EDITOR, or use --set PATH=VALUE or --file FILE"
        raise FollowupError([Diagnostic(Location("$EDITOR"), "no-editor", "no editor to open", hint)])
    before = editor_text(app)
    fd, path = tempfile.mkstemp(prefix=f"followup-track-{app.id}-", suffix=".yaml")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(before)
    keep = False
    try:
        try:
            click.edit(filename=path)
        except click.ClickException as exc:
            raise FollowupError(
                [Diagnostic(Location("$EDITOR"), "editor-failed", exc.format_message())]
            ) from None
        with open(path, encoding="utf-8", errors="replace") as fh:
            after = fh.read()
        if after == before:
            return False
        try:
            changes.replace(store, advisor, app.id, parse_text(path, after, lenient=True), day, app)
        except FollowupError as exc:
            keep = True
            for diag in exc.diagnostics:
                click.echo(diag.render(), err=True)
            click.echo(f"Nothing was saved. Your edit is kept in {path}; once it is right:", err=True)
            click.echo(f"  followup track edit {app.id} --file {path}", err=True)
            sys.exit(2)
        return True
    finally:
        if not keep:
            os.unlink(path)


@track.command("archive")
@click.argument("app_id", metavar="ID")
@DB
def archive(app_id: str, db: str | None) -> None:
    """Keep an application but list it no more (`track list --archived` shows it)."""
    _archive(app_id, db, True)


@track.command("unarchive")
@click.argument("app_id", metavar="ID")
@DB
def unarchive(app_id: str, db: str | None) -> None:
    """Bring an archived application back to the list."""
    _archive(app_id, db, False)


def _archive(app_id: str, db: str | None, archived: bool) -> None:
    from followup.tracker import changes

    try:
        with opened(db, create=False) as store:
            changes.get(store, app_id)  # a missing database has no such id: not created
            changed = changes.set_archived(store, app_id, archived)
    except FollowupError as exc:
        fail(exc)
        return
    state = "archived" if archived else "back in the list"
    click.echo(f"Application {app_id} {'is now' if changed else 'was already'} {state}.")


def _source(path: str) -> str:
    from followup.core.files import STDIN

    return STDIN if path == "-" else path


@track.command("import")
@click.argument("path", metavar="FILE")
@click.option("--archived", is_flag=True, help="import the applications as archived")
@DB
@AS_OF
@RULES
def import_command(
    path: str, archived: bool, db: str | None, as_of: dt.date | None, rules: str | None
) -> None:
    """Add every scenario of a JSON Lines FILE (`-`: stdin), as `track export` writes and
    `followup batch` reads: all of them, or, on any problem, none."""
    from followup.core.advisor import load_advisor
    from followup.tracker import transfer

    day = today(as_of)
    try:
        advisor = load_advisor(rules)
        scenarios = transfer.read_import(advisor, path, day)  # every problem, before the database is opened
        with opened(db, create=True) as store:
            added = transfer.import_applications(store, scenarios, _source(path), archived)
    except FollowupError as exc:
        fail(exc)
        return
    click.echo(f"Imported {len(added)} application{'' if len(added) == 1 else 's'}.")
