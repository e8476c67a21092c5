"""What the commands share: the group, the common options and how a user mistake ends a command
(its diagnostics on stderr, exit 2)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

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


def fail(exc: FollowupError) -> None:
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


_F = TypeVar("_F", bound=Callable[..., Any])


def as_of_option(help: str) -> Callable[[_F], _F]:
    """--as-of DATE, read by date_option; `help` says what the day means for the command."""
    return click.option("--as-of", "as_of", metavar="DATE", callback=date_option, default=None, help=help)


AS_OF = as_of_option("the day the question is asked (overrides the scenario's as_of)")
DB = click.option(
    "--db",
    "db",
    metavar="PATH",
    default=None,
    help="the tracker's database (default: $FOLLOWUP_DB, else applications.db in your data directory)",
)
FORMAT = click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)


class LazyGroup(click.Group):
    """A group of commands defined in modules imported only when the group is used, so other
    commands (a cold `followup advise`) do not pay for defining them."""

    def __init__(self, name: str, modules: tuple[str, ...], help: str):
        super().__init__(name, help=help)
        self.modules = modules  # the first one defines the group as `name`; the others add to it
        self.loaded: click.Group | None = None

    def real(self) -> click.Group:
        if self.loaded is None:
            import importlib

            found = [importlib.import_module(m) for m in self.modules]
            self.loaded = getattr(found[0], str(self.name))
        return self.loaded

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self.real().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return self.real().get_command(ctx, cmd_name)


class Commands(click.Group):
    """The `followup` group. A command's module is imported when the command is asked for (help
    imports them all to list them), so a cold `followup advise` defines only advise's module's
    commands; `modules` (filled in cli/__init__.py) says which module defines each command."""

    modules: dict[str, str]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            import importlib

            module = self.modules.get(cmd_name)
            if module is None:  # no such command: every command defined, for click's "did you mean"
                self.list_commands(ctx)
            else:
                importlib.import_module(module)
        return super().get_command(ctx, cmd_name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        import importlib

        for module in dict.fromkeys(self.modules.values()):
            importlib.import_module(module)
        return super().list_commands(ctx)


@click.group(cls=Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="followup-advisor")
def main() -> None:
    """Is a (second) follow-up after a job interview okay here, and when?"""
