"""`followup init DIR`: a house copy of the stock rules and scenarios, with the JSON Schemas.

It only ever creates DIR/rules, DIR/scenarios and DIR/schemas, and refuses when any of them
exists: no file it did not write is opened for writing. The copy is built in a hidden staging
directory inside DIR and moved into place at the end; on any failure what was moved is removed
again, so DIR is left as it was. The stock YAML files name their schema as `../schemas/...`
(`../../schemas/...` in scenarios/examples), which resolves in the house copy as it does in the
repository and in the installed package, so no copied file is rewritten.

Left out of the copy: scenarios/bad/ (deliberately broken inputs: binary, Latin-1, YAML syntax
errors, which would fail a repository's own YAML checks such as pre-commit's check-yaml) and the
fixture files whose cases read those inputs.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile

from followup.core.advisor import default_rules_dir
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.rules import load_rules

from .fixtures import load_cases
from .schema import rules_schema, scenario_schema

HOUSE = ("rules", "scenarios", "schemas")
BROKEN_INPUTS = "bad"  # scenarios/bad: input the loader must refuse, kept out of house copies
SKIP = shutil.ignore_patterns("__pycache__", "*.py", "*.pyc")


def stock_scenarios_dir() -> str:
    """The stock scenarios: inside the installed package, or the checkout's scenarios/."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "stock_scenarios")
    if os.path.isdir(installed):
        return installed
    return os.path.normpath(os.path.join(package, "..", "..", "scenarios"))


def left_out(scenarios: str) -> list[str]:
    """Names (relative to the scenarios directory) that a house copy leaves out: the broken
    inputs and every fixture file with a case that reads one of them (with its golden files)."""
    bad = os.path.join(os.path.abspath(scenarios), BROKEN_INPUTS)
    out = [BROKEN_INPUTS]
    for name in sorted(os.listdir(scenarios)):
        if not name.endswith((".yaml", ".yml")):
            continue
        cases = load_cases(os.path.join(scenarios, name))
        if any(c.scenario_file and os.path.abspath(c.scenario_file).startswith(bad + os.sep) for c in cases):
            out.append(name)
            out.append(os.path.join("golden", os.path.splitext(name)[0]))
    return out


def init(directory: str) -> list[str]:
    """Create DIR/rules, DIR/scenarios and DIR/schemas (none may exist yet; DIR is created if
    needed). Returns the files written, relative to DIR. Raises FollowupError, leaving DIR as
    it was, when it cannot."""
    for name in HOUSE:
        path = os.path.join(directory, name)
        if os.path.lexists(path):
            raise FollowupError(
                [Diagnostic(Location(path), "exists", "already exists; init never overwrites")]
            )
    if os.path.lexists(directory) and not os.path.isdir(directory):
        raise FollowupError(
            [Diagnostic(Location(directory), "not-a-directory", "exists and is not a directory")]
        )
    created = not os.path.lexists(directory)
    try:
        os.makedirs(directory, exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".followup-init-", dir=directory)
    except OSError as exc:
        raise _cannot_write(directory, exc, []) from None
    placed: list[str] = []
    try:
        written = _build(staging)
        for name in HOUSE:
            _place(os.path.join(staging, name), os.path.join(directory, name))
            placed.append(name)
    except OSError as exc:
        for name in placed:
            shutil.rmtree(os.path.join(directory, name), ignore_errors=True)
        raise _cannot_write(directory, exc, placed) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if created and not placed:
            try:
                os.rmdir(directory)
            except OSError:
                pass
    return written


def _build(staging: str) -> list[str]:
    """The whole house copy inside the staging directory; returns the files, relative."""
    rules = os.path.join(staging, "rules")
    scenarios = os.path.join(staging, "scenarios")
    shutil.copytree(default_rules_dir(), rules, ignore=SKIP)
    stock = stock_scenarios_dir()
    leave = {os.path.join(stock, n) for n in left_out(stock)}

    def ignore(src: str, names: list[str]) -> set[str]:
        return set(SKIP(src, names)) | {n for n in names if os.path.join(src, n) in leave}

    shutil.copytree(stock, scenarios, ignore=ignore)
    os.mkdir(os.path.join(staging, "schemas"))
    ruleset = load_rules(rules)
    for kind, doc in (("rules", rules_schema(ruleset)), ("scenario", scenario_schema(ruleset))):
        with open(os.path.join(staging, "schemas", f"{kind}.schema.json"), "x", encoding="utf-8") as fh:
            fh.write(json.dumps(doc, indent=2) + "\n")
    return sorted(
        os.path.relpath(os.path.join(root, n), staging) for root, _, files in os.walk(staging) for n in files
    )


def _place(src: str, dst: str) -> None:
    """Move one finished directory from staging into DIR."""
    if os.path.lexists(dst):
        raise FileExistsError(17, "appeared while init was running", dst)
    os.rename(src, dst)


def _cannot_write(directory: str, exc: OSError, placed: list[str]) -> FollowupError:
    undone = f" (removed the {', '.join(n + '/' for n in placed)} it had moved into place)" if placed else ""
    where = f": {exc.filename}" if getattr(exc, "filename", None) else ""
    return FollowupError(
        [
            Diagnostic(
                Location(directory),
                "cannot-write",
                f"{exc.strerror or exc}{where}; init stopped and left the directory as it was{undone}",
            )
        ]
    )
