"""The README's set-up commands are the ones CI runs."""

from __future__ import annotations

import os
import re

from .helpers import ROOT


def _read(*parts: str) -> str:
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as fh:
        return fh.read()


def test_ci_runs_the_readme_test_command_verbatim():
    """.ci/run's TEST_COMMAND is, character for character, the README's test command."""
    command = re.search(r'^TEST_COMMAND="(.*)"$', _read(".ci", "run"), re.M)
    assert command is not None
    blocks = re.findall(r"^```\n(.*?)\n```$", _read("README.md"), re.M | re.S)
    assert command.group(1) in blocks
    assert command.group(1).endswith("&& pytest")


def test_readme_install_command_answers_the_bundled_example():
    """The first command installs the package and advises on a scenario that ships with it."""
    blocks = re.findall(r"^```\n(.*?)\n```$", _read("README.md"), re.M | re.S)
    install = next(b for b in blocks if b.startswith("python3 -m venv") and "followup advise" in b)
    path = install.rsplit("followup advise ", 1)[1].split()[0]
    assert os.path.isfile(os.path.join(ROOT, path))


def test_the_readme_scenario_example_is_a_valid_scenario(tmp_path):
    """The annotated scenario under "The scenario" is one advise accepts, every field where it belongs."""
    from click.testing import CliRunner

    from followup.cli import main

    text = _read("README.md").split("### The scenario", 1)[1]
    block = re.search(r"^```yaml\n(.*?)\n```$", text, re.M | re.S)
    assert block is not None
    path = tmp_path / "example.yaml"
    path.write_text(block.group(1), encoding="utf-8")
    result = CliRunner().invoke(main, ["advise", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
