"""`followup ask`: the guided questions, for someone who has never seen the scenario file."""

from __future__ import annotations

import datetime as dt
import sys

import click

from .app import AS_OF, RULES, main


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
