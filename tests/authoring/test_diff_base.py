"""`followup diff --base REV`: rule files read from git whatever their names; every bad --base is exit 2."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner

import followup.authoring.diff as diff_module
from followup.cli import main
from followup.core.loader import MAX_BYTES

from ..helpers import RULES, SCENARIOS, edit_yaml

GIT = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false"]


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _repo(tmp_path, renames: dict[str, str] | None = None) -> str:
    """A git repository holding a committed copy of the stock rules in rules/, files renamed as given."""
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules")
    for old, new in (renames or {}).items():
        os.rename(repo / "rules" / old, repo / "rules" / new)
    subprocess.run(GIT + ["-C", str(repo), "init", "-q"], check=True)
    subprocess.run(GIT + ["-C", str(repo), "add", "-A"], check=True)
    subprocess.run(GIT + ["-C", str(repo), "commit", "-qm", "stock"], check=True)
    return str(repo / "rules")


def _later_status_follow_up(path: str) -> None:
    """The edit of the README's loop: a status follow-up after 8 days, not 7."""

    def later(data):
        for rule in data["rules"]:
            if rule["id"] in ("status-due", "status-too-early"):
                cond = rule["when"]["all"][1]
                cond[">=" if ">=" in cond else "<"] = 8

    edit_yaml(path, later)


@pytest.mark.parametrize("name", ["time table.yaml", "zeitplan-ä.yaml", 'say "when".yaml', "tab\there.yaml"])
def test_base_revision_reads_rule_files_with_any_name(tmp_path, name):
    """A rules file named with a space, non-ASCII, quotes or a tab is read from git: unchanged rules, 0 changed."""
    rules = _repo(tmp_path, {"timing.yaml": name})
    result = run("diff", "--base", "HEAD", "--rules", rules, SCENARIOS)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"0 changed, \d+ unchanged\n", result.stdout)


def test_base_revision_shows_an_edit_in_a_non_ascii_file(tmp_path):
    """An edit to zeitplan-ä.yaml since HEAD shows as the changed day-7 case, not as everything changed."""
    rules = _repo(tmp_path, {"timing.yaml": "zeitplan-ä.yaml"})
    _later_status_follow_up(os.path.join(rules, "zeitplan-ä.yaml"))
    result = run("diff", "--base", "HEAD", "--rules", rules, SCENARIOS)
    assert result.exit_code == 1, result.output
    assert "CHANGED " + os.path.join(SCENARIOS, "status.yaml") + "::day-7-due" in result.stdout
    counts = re.search(r"^(\d+) changed, (\d+) unchanged$", result.stdout, re.M)
    changed, unchanged = int(counts.group(1)), int(counts.group(2))
    assert 1 <= changed <= (changed + unchanged) // 5  # the day-7 cases, not everything


def test_problems_in_the_base_revision_are_located_as_rev_and_path(tmp_path):
    """A broken rules file in the base revision is reported as HEAD:rules/FILE:LINE:COL, not a temporary path."""
    rules = _repo(tmp_path, {"timing.yaml": "time table.yaml"})
    with open(os.path.join(rules, "vocabulary.yaml"), "a", encoding="utf-8") as fh:
        fh.write("oops: [\n")
    subprocess.run(GIT + ["-C", rules, "commit", "-qam", "break"], check=True)
    shutil.copy(os.path.join(RULES, "vocabulary.yaml"), os.path.join(rules, "vocabulary.yaml"))
    line = len(open(os.path.join(RULES, "vocabulary.yaml"), encoding="utf-8").readlines()) + 2
    result = run("diff", "--base", "HEAD", "--rules", rules, SCENARIOS)
    assert result.exit_code == 2
    assert f"HEAD:rules/vocabulary.yaml:{line}:1: error: yaml-syntax:" in result.stderr
    assert all(e.startswith("HEAD:rules/") for e in result.stderr.splitlines()), result.stderr


def test_base_that_is_a_file_is_refused(tmp_path):
    """--base naming an existing file (neither a directory nor a revision): exit 2, located."""
    rules = _repo(tmp_path)
    base = os.path.join(rules, "timing.yaml")
    result = run("diff", "--base", base, "--rules", rules, SCENARIOS)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{base}:1:1: error: bad-base: --base is not a directory, and not a git revision of the rules "
        f"directory: fatal: Not a valid object name {base}:rules\n"
    )


def test_base_revision_of_rules_outside_git_is_refused(tmp_path):
    """Rules in no git repository: exit 2 saying so."""
    rules = shutil.copytree(RULES, tmp_path / "plain" / "rules")
    env = {"GIT_CEILING_DIRECTORIES": str(tmp_path)}
    result = CliRunner(env=env).invoke(main, ["diff", "--base", "HEAD~1", "--rules", str(rules), SCENARIOS])
    assert result.exit_code == 2
    assert result.stderr == (
        "HEAD~1:1:1: error: bad-base: --base is not a git revision of the rules directory: "
        f"{rules} is not in a git repository\n"
    )


def test_base_revision_without_git_installed_is_refused(tmp_path, monkeypatch):
    """No git on PATH: exit 2 saying so, not a traceback."""
    rules = _repo(tmp_path)
    (tmp_path / "empty-bin").mkdir()
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))
    result = run("diff", "--base", "HEAD", "--rules", rules, SCENARIOS)
    assert result.exit_code == 2
    assert result.stderr == (
        "HEAD:1:1: error: bad-base: --base is not a git revision of the rules directory: "
        "git is not installed (no 'git' on PATH)\n"
    )


@pytest.mark.parametrize("base", ["--output=/tmp/followup-pwned", "-p"])
def test_base_that_looks_like_a_git_option_is_refused(tmp_path, base):
    """A --base starting with '-' never reaches git as an option."""
    rules = _repo(tmp_path)
    result = run("diff", f"--base={base}", "--rules", rules, SCENARIOS)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{base}:1:1: error: bad-base: --base is not a git revision of the rules directory: "
        "a revision is not empty and does not start with '-'\n"
    )
    assert not os.path.exists("/tmp/followup-pwned")


def test_a_huge_rules_file_in_the_base_revision_is_read_only_up_to_the_limit(tmp_path):
    """A 3 MiB YAML file in the history: read no further than the 1 MiB limit, reported too-large at REV:PATH."""
    rules = _repo(tmp_path)
    big = os.path.join(rules, "big.yaml")
    with open(big, "w", encoding="utf-8") as fh:
        fh.write("# padding\n" * (3 * MAX_BYTES // 10))
    subprocess.run(GIT + ["-C", rules, "add", "big.yaml"], check=True)
    subprocess.run(GIT + ["-C", rules, "commit", "-qm", "big"], check=True)
    oid = subprocess.run(
        ["git", "-C", rules, "rev-parse", "HEAD:rules/big.yaml"], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert len(diff_module._blob(rules, oid)) == MAX_BYTES + 1
    os.remove(big)
    result = run("diff", "--base", "HEAD", "--rules", rules, SCENARIOS)
    assert result.exit_code == 2
    assert result.stderr.startswith("HEAD:rules/big.yaml:1:1: error: too-large: ")
