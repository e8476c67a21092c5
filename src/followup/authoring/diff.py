"""`followup diff`: what a rule edit changes, by evaluating every scenario under both rule sets."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Any

from followup.core.advisor import Advisor, load_advisor
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import MAX_BYTES, load_file

from .fixtures import fixture_files, load_cases

COMPARED = ("action", "verdict", "contact", "earliest", "latest", "channel")


@dataclass
class Change:
    case: str
    old: dict[str, Any]
    new: dict[str, Any]
    fired_only_old: list[str]
    fired_only_new: list[str]
    old_error: str | None = None  # the first diagnostic when that rule set gives no answer
    new_error: str | None = None


def base_advisor(base: str, new_rules: str) -> Advisor:
    """The rules before the edit: --base as a directory, or as a git revision of the rules
    directory (its YAML files are read from git into a temporary directory that is removed
    again; problems in them are located as REV:PATH, git's own name for them)."""
    if os.path.isdir(base):
        return load_advisor(base)
    with tempfile.TemporaryDirectory(prefix="followup-base-") as tmp:
        label = _from_git(base, new_rules, tmp)
        try:
            return load_advisor(tmp)
        except FollowupError as exc:
            raise FollowupError([_relabel(d, tmp, label) for d in exc.diagnostics]) from None


def _bad_base(base: str, why: str) -> FollowupError:
    what = "is not a directory, and not a git revision" if os.path.lexists(base) else "is not a git revision"
    return FollowupError(
        [Diagnostic(Location(base), "bad-base", f"--base {what} of the rules directory: {why}")]
    )


class GitFailed(Exception):
    """git could not be run, or refused: the first line of what it said."""

    def __init__(self, message: str, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


def _git(cwd: str, *args: str | bytes) -> bytes:
    """Run git; its output as bytes (file names are not necessarily UTF-8)."""
    try:
        done = subprocess.run(["git", "-C", cwd, *args], capture_output=True, stdin=subprocess.DEVNULL)
    except OSError as exc:
        if exc.filename == "git":
            raise GitFailed("git is not installed (no 'git' on PATH)", missing=True) from None
        raise GitFailed(f"cannot run git: {exc}") from None
    if done.returncode != 0:
        lines = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitFailed(lines[0] if lines else f"git exited with status {done.returncode}")
    return done.stdout


def _from_git(base: str, new_rules: str, tmp: str) -> str:
    """Write the YAML files of the rules directory as of revision BASE into tmp (names read
    NUL-separated and as bytes, contents by object id: spaces, non-ASCII and quotes in names
    are plain data); returns REV:PREFIX/, which names those files in messages."""
    if not base or base.startswith("-"):
        raise _bad_base(base, "a revision is not empty and does not start with '-'")
    rules = os.path.abspath(new_rules)
    if not os.path.isdir(rules):
        raise _bad_base(base, f"{new_rules} is not a directory, so it has no git history")
    try:
        prefix = _git(rules, "rev-parse", "--show-prefix").rstrip(b"\n").rstrip(b"/")
    except GitFailed as exc:
        raise _bad_base(
            base, str(exc) if exc.missing else f"{new_rules} is not in a git repository"
        ) from None
    try:
        listing = _git(rules, "ls-tree", "-z", "--full-tree", os.fsencode(base) + b":" + prefix)
        for entry in listing.split(b"\0"):
            meta, _, name = entry.partition(b"\t")
            if not name or meta.split(b" ")[:2] not in ([b"100644", b"blob"], [b"100755", b"blob"]):
                continue
            if not name.endswith((b".yaml", b".yml")) or b"/" in name:
                continue
            blob = _blob(rules, meta.split(b" ")[2].decode("ascii"))
            with open(os.path.join(tmp, os.fsdecode(name)), "wb") as fh:
                fh.write(blob)
    except GitFailed as exc:
        raise _bad_base(base, str(exc)) from None
    except OSError as exc:
        raise _bad_base(base, f"cannot write a temporary copy: {exc}") from None
    return f"{base}:{os.fsdecode(prefix)}/" if prefix else f"{base}:"


def _blob(cwd: str, object_id: str) -> bytes:
    """A file's content from git, at most one byte past the loader's limit (which then reports
    it as too large), so a huge file in the history is never read whole."""
    with subprocess.Popen(
        ["git", "-C", cwd, "cat-file", "blob", object_id],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    ) as proc:
        assert proc.stdout is not None
        data = proc.stdout.read(MAX_BYTES + 1)
        proc.kill()
    return data


def _relabel(d: Diagnostic, tmp: str, label: str) -> Diagnostic:
    """A diagnostic about a file read from git, located as REV:PATH instead of the temporary copy."""
    loc = d.location
    path = loc.path.replace(tmp + os.sep, label, 1) if loc.path.startswith(tmp + os.sep) else loc.path
    message = d.message.replace(tmp + os.sep, label)
    return dataclasses.replace(d, location=Location(path, loc.line, loc.column), message=message)


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


def _answer(advisor: Advisor, node: Any, as_of: Any) -> tuple[dict[str, Any], list[str], str | None]:
    """(answer parts, rules fired, None), or (empty parts, [], the first diagnostic) when this
    rule set gives no answer (the scenario is refused, or the rules contradict themselves)."""
    try:
        rec = advisor.evaluate(advisor.scenario(node, as_of=as_of))
    except FollowupError as exc:
        return dict.fromkeys(COMPARED), [], exc.diagnostics[0].render()
    answer = rec.to_json()
    return {k: answer[k] for k in COMPARED}, rec.fired, None


def diff(old: Advisor, new: Advisor, paths: list[str]) -> tuple[list[Change], int]:
    """Every case whose answer (or whose refusal) differs between the two rule sets."""
    changes = []
    unchanged = 0
    for name, node, as_of in scenario_nodes(paths):
        a, b = _answer(old, node, as_of), _answer(new, node, as_of)
        if a == b:
            unchanged += 1
            continue
        fired_old = [r for r in a[1] if r not in b[1]]
        fired_new = [r for r in b[1] if r not in a[1]]
        changes.append(Change(name, a[0], b[0], fired_old, fired_new, a[2], b[2]))
    return changes, unchanged


def diff_text(changes: list[Change], unchanged: int) -> str:
    lines = []
    for c in changes:
        lines.append(f"CHANGED {c.case}")
        for key in COMPARED:
            mark = "  " if c.old[key] == c.new[key] else "* "
            lines.append(f"  {mark}{key:<9} {str(c.old[key]):<22} -> {c.new[key]}")
        if c.old_error:
            lines.append(f"    before: no answer: {c.old_error}")
        if c.new_error:
            lines.append(f"    now: no answer: {c.new_error}")
        if c.fired_only_old:
            lines.append(f"    no longer fires: {', '.join(c.fired_only_old)}")
        if c.fired_only_new:
            lines.append(f"    now fires:       {', '.join(c.fired_only_new)}")
    lines.append(f"{len(changes)} changed, {unchanged} unchanged")
    return "\n".join(lines) + "\n"
