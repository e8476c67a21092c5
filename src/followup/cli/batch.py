"""`followup batch`: many scenarios at once (the run itself is followup.batch)."""

from __future__ import annotations

import datetime as dt
import sys

import click

import followup.batch as batch_settings

from .app import date_option, main


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
