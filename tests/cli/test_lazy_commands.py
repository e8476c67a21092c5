"""The `followup` group imports a command's module only when that command runs (or help lists
them): MODULES in cli/__init__.py names the module of every command."""

from __future__ import annotations

import subprocess
import sys

from ..helpers import ROOT

EXAMPLE = f"{ROOT}/scenarios/examples/second-follow-up.yaml"


def _run(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def test_modules_names_every_command_where_it_is_defined():
    """Each module defines exactly the commands MODULES gives it; help lists them all, and track."""
    shown = _run(
        "import importlib, click\n"
        "from followup.cli import MODULES, main\n"
        "print(sorted(main.list_commands(click.Context(main))))\n"
        "for name, module in MODULES.items():\n"
        "    assert main.commands[name].callback.__module__ == module, name\n"
    )
    from followup.cli import MODULES

    assert shown == str(sorted([*MODULES, "track"]))


def test_a_cold_advise_imports_only_its_own_commands_module():
    """`followup advise` loads followup.cli.answers and no other command module."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys\nfrom followup.cli import main\n"
            f"main(['advise', {EXAMPLE!r}], standalone_mode=False)\n"
            "print(sorted(m for m in sys.modules if m.startswith('followup.cli.')), file=sys.stderr)\n",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert proc.stdout.startswith("Not yet: wait until Thu 2026-11-26")
    assert proc.stderr.strip() == "['followup.cli.answers', 'followup.cli.app']"


def test_an_unknown_command_is_matched_against_every_command():
    """A near miss of a command whose module is not loaded yet gets what click says when every
    command is defined (its "Did you mean ...?" where the admitted click suggests one: 8.2.0 does
    not, later releases do)."""
    lazy = [sys.executable, "-c", "from followup.cli import main; main()"]
    eager = [
        sys.executable,
        "-c",
        "import click\nfrom followup.cli import main\nmain.list_commands(click.Context(main))\nmain()",
    ]
    for typed, meant in (("adv", "advise"), ("lnt", "lint"), ("serv", "serve")):
        got = subprocess.run([*lazy, typed], capture_output=True, text=True)
        want = subprocess.run([*eager, typed], capture_output=True, text=True)
        assert got.returncode == want.returncode == 2
        assert got.stderr == want.stderr
        assert got.stderr.splitlines()[-1].startswith(f"Error: No such command {typed!r}.")
        if "Did you mean" in want.stderr:
            assert got.stderr.splitlines()[-1].endswith(f"Did you mean {meant!r}?")
