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
def advise(scenario: str, as_of: dt.date | None, rules: str | None, fmt: str) -> None:
    """Answer one SCENARIO (a YAML or JSON file): what to do, when, and why."""
    from .advisor import load_advisor
    from .render import to_json, to_text

    try:
        advisor = load_advisor(rules)
        rec = advisor.advise_file(scenario, as_of=as_of, today=dt.date.today())
    except FollowupError as exc:
        _fail(exc)
        return
    click.echo(to_json(rec) if fmt == "json" else to_text(rec, advisor.ruleset), nl=False)
    if fmt == "json":
        click.echo()


if __name__ == "__main__":  # pragma: no cover
    main()
