"""`followup diff`: what a rule edit changes, by evaluating every scenario under both rule sets."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from followup.core.advisor import Advisor
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import load_file

from .fixtures import fixture_files, load_cases

COMPARED = ("action", "verdict", "contact", "earliest", "latest", "channel")


@dataclass
class Change:
    case: str
    old: dict[str, Any]
    new: dict[str, Any]
    fired_only_old: list[str]
    fired_only_new: list[str]


def base_rules(base: str, new_rules: str) -> tuple[str, tempfile.TemporaryDirectory[str] | None]:
    """--base as a directory, or as a git revision of the rules directory (materialised in a
    temporary directory, which the caller keeps alive while it is used)."""
    if os.path.isdir(base):
        return base, None
    rules = os.path.abspath(new_rules)
    try:
        top = subprocess.run(
            ["git", "-C", rules, "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=True
        ).stdout.strip()
        prefix = os.path.relpath(rules, top)
        names = subprocess.run(
            ["git", "-C", top, "ls-tree", "--name-only", f"{base}:{prefix}"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        raise FollowupError(
            [
                Diagnostic(
                    Location(base),
                    "bad-base",
                    f"--base is neither a directory nor a git revision of {rules}: "
                    f"{detail.strip().splitlines()[0] if detail.strip() else 'unknown'}",
                )
            ]
        ) from None
    tmp = tempfile.TemporaryDirectory(prefix="followup-base-")
    for name in names:
        if not name.endswith((".yaml", ".yml")):
            continue
        blob = subprocess.run(
            ["git", "-C", top, "show", f"{base}:{prefix}/{name}"], capture_output=True, check=True
        ).stdout
        with open(os.path.join(tmp.name, name), "wb") as fh:
            fh.write(blob)
    return tmp.name, tmp


def scenario_nodes(paths: list[str]) -> list[tuple[str, Any, Any]]:
    """(name, scenario node, as_of) for each fixture case and each plain scenario file."""
    out = []
    for path in fixture_files(paths) + [
        os.path.join(p, "examples", n)
        for p in paths
        if os.path.isdir(os.path.join(p, "examples"))
        for n in sorted(os.listdir(os.path.join(p, "examples")))
    ]:
        node = load_file(path)
        if node.is_map and "cases" in node.value:
            for case in load_cases(path):
                if case.scenario is not None and "errors" not in case.expect:
                    out.append((case.id, case.scenario, case.as_of))
        else:
            out.append((path, node, None))
    return out


def _answer(advisor: Advisor, node: Any, as_of: Any) -> tuple[dict[str, Any], list[str]] | None:
    try:
        rec = advisor.evaluate(advisor.scenario(node, as_of=as_of))
    except FollowupError:
        return None
    answer = rec.to_json()
    return {k: answer[k] for k in COMPARED}, rec.fired


def diff(old: Advisor, new: Advisor, paths: list[str]) -> tuple[list[Change], int]:
    changes = []
    unchanged = 0
    for name, node, as_of in scenario_nodes(paths):
        a, b = _answer(old, node, as_of), _answer(new, node, as_of)
        if a is None or b is None:
            continue
        if a[0] == b[0] and a[1] == b[1]:
            unchanged += 1
            continue
        changes.append(
            Change(name, a[0], b[0], [r for r in a[1] if r not in b[1]], [r for r in b[1] if r not in a[1]])
        )
    return changes, unchanged


def diff_text(changes: list[Change], unchanged: int) -> str:
    lines = []
    for c in changes:
        lines.append(f"CHANGED {c.case}")
        for key in COMPARED:
            mark = "  " if c.old[key] == c.new[key] else "* "
            lines.append(f"  {mark}{key:<9} {str(c.old[key]):<22} -> {c.new[key]}")
        if c.fired_only_old:
            lines.append(f"    no longer fires: {', '.join(c.fired_only_old)}")
        if c.fired_only_new:
            lines.append(f"    now fires:       {', '.join(c.fired_only_new)}")
    lines.append(f"{len(changes)} changed, {unchanged} unchanged")
    return "\n".join(lines) + "\n"
