"""The pre-commit hooks, run by the real pre-commit as a user would: in a repository made by
`followup init`, with no args they check that repository's rules/ and scenarios/.

pre-commit installs this repository into a virtualenv of its own (pip, from the package index
this machine's pip is configured with), once per run of try-repo: about 5 s each here."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT

GIT = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-c", "commit.gpgsign=false"]


def _env(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") and k != "FOLLOWUP_RULES"}
    env["PRE_COMMIT_HOME"] = str(home)
    return env


def _commit(repo, message: str) -> None:
    subprocess.run(GIT + ["-C", str(repo), "add", "-A"], check=True)
    subprocess.run(GIT + ["-C", str(repo), "commit", "-qm", message], check=True)


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory):
    """This checkout as it is now (tracked and new files), committed in a repository of its own."""
    repo = tmp_path_factory.mktemp("hooks") / "followup-advisor"
    listed = subprocess.run(
        ["git", "-C", ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        capture_output=True,
        check=True,
    ).stdout
    for rel in filter(None, os.fsdecode(listed).split("\0")):
        src = os.path.join(ROOT, rel)
        if os.path.isfile(src):
            os.makedirs(repo / os.path.dirname(rel), exist_ok=True)
            shutil.copy2(src, repo / rel)
    subprocess.run(GIT + ["-C", str(repo), "init", "-q"], check=True)
    _commit(repo, "snapshot")
    return repo


def _house(tmp_path, sub: str = "") -> str:
    """A git repository holding a house variant made by `followup init` (in sub/ if given)."""
    repo = tmp_path / "house-repo"
    repo.mkdir()
    result = CliRunner().invoke(main, ["init", str(repo / sub) if sub else str(repo)])
    assert result.exit_code == 0, result.output
    subprocess.run(GIT + ["-C", str(repo), "init", "-q"], check=True)
    _commit(repo, "house variant")
    return str(repo)


def _try_repo(house: str, hook_repo, home) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "--all-files", "--color", "never"],
        cwd=house,
        env=_env(home),
        capture_output=True,
        text=True,
    )


def test_hooks_pass_on_a_clean_house_variant(tmp_path, hook_repo):
    """`pre-commit try-repo` with both hooks and no args: lint and check pass on what init wrote."""
    house = _house(tmp_path)
    result = _try_repo(house, hook_repo, tmp_path / "pre-commit-home")
    assert result.returncode == 0, result.stdout + result.stderr
    assert (
        "followup lint (rules/)" in result.stdout
        and "followup check (scenarios/ against rules/)" in result.stdout
    )
    assert result.stdout.count("Passed") == 2


def test_hooks_fail_on_a_broken_house_rule_naming_file_and_line(tmp_path, hook_repo):
    """A syntax error committed in the house's rules/timing.yaml fails both hooks; lint names the file and line."""
    house = _house(tmp_path)
    timing = os.path.join(house, "rules", "timing.yaml")
    with open(timing, encoding="utf-8") as fh:
        line = len(fh.readlines()) + 2
    with open(timing, "a", encoding="utf-8") as fh:
        fh.write("oops: [\n")
    _commit(house, "break a rule")
    result = _try_repo(house, hook_repo, tmp_path / "pre-commit-home")
    assert result.returncode == 1
    assert result.stdout.count("Failed") == 2, result.stdout
    assert (
        f"rules/timing.yaml:{line}:1: error: yaml-syntax: did not find expected node content while parsing a flow node"
        in result.stdout
    )


def test_args_and_entry_overrides_reach_a_house_variant_elsewhere(tmp_path, hook_repo):
    """As documented in .pre-commit-hooks.yaml: args [--rules, house/rules] and an entry override check house/."""
    repo = _house(tmp_path, "house")
    rev = subprocess.run(
        ["git", "-C", str(hook_repo), "rev-parse", "HEAD"], capture_output=True, text=True, check=True
    ).stdout.strip()
    config = (
        f"repos:\n  - repo: {hook_repo}\n    rev: {rev}\n    hooks:\n"
        "      - id: followup-lint\n        args: [--rules, house/rules]\n"
        "      - id: followup-check\n        entry: followup check --rules house/rules house/scenarios\n"
    )
    with open(os.path.join(repo, ".pre-commit-config.yaml"), "w", encoding="utf-8") as fh:
        fh.write(config)
    _commit(repo, "hooks")
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=repo,
        env=_env(tmp_path / "pre-commit-home"),
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("Passed") == 2
