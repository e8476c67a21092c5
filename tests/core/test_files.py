"""Reading and writing the user's files (core/files.py): stdin, special files, atomic records."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES

EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")


def run(*args: str, stdin: str | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def test_advise_reads_the_scenario_from_stdin():
    """`followup advise -` reads the scenario from standard input, as batch does."""
    with open(EXAMPLE, encoding="utf-8") as fh:
        text = fh.read()
    from_file = run("advise", EXAMPLE, "--rules", RULES, "--format", "json")
    from_stdin = run("advise", "-", "--rules", RULES, "--format", "json", stdin=text)
    assert from_stdin.exit_code == 0, from_stdin.output
    assert from_stdin.stdout == from_file.stdout


def test_stdin_problems_are_located_at_stdin():
    """A bad scenario on stdin is reported at <stdin>:LINE:COL."""
    result = run(
        "advise",
        "-",
        "--rules",
        RULES,
        stdin="as_of: 2026-11-10\ninterview: {date: 2026-11-05}\ncompany: {culture: startp}\n",
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "<stdin>:3:20: error: unknown-value: company.culture: unknown value 'startp'"
    )


@pytest.mark.parametrize("command", [["advise"], ["explain"], ["advise", "--rules", "FIFO_DIR"]])
def test_a_fifo_is_refused_at_once(tmp_path, command):
    """A FIFO as the scenario or as a rules file is refused at once, never waited on."""
    fifo = tmp_path / "scenario.yaml"
    os.mkfifo(fifo)
    args = [*command]
    if "FIFO_DIR" in args:
        rules = tmp_path / "rules"
        subprocess.run(["cp", "-r", RULES, str(rules)], check=True)
        os.mkfifo(rules / "zz-fifo.yaml")
        args[args.index("FIFO_DIR")] = str(rules)
        target, expected = EXAMPLE, str(rules / "zz-fifo.yaml")
    else:
        target, expected = str(fifo), str(fifo)
    proc = subprocess.run(
        [sys.executable, "-m", "followup.cli", *args[:1], target, *args[1:]],
        capture_output=True,
        text=True,
        timeout=20,
        cwd=ROOT,
        env={**os.environ, "FOLLOWUP_CACHE": "off"},
    )
    assert proc.returncode == 2, proc.stderr
    assert f"{expected}:1:1: error: not-a-file: is a FIFO (named pipe), not a regular file" in proc.stderr


def test_record_onto_a_device_is_refused_and_the_device_kept(tmp_path):
    """--record onto a character device (or a directory) is refused; nothing replaces it."""
    device = tmp_path / "null"
    os.symlink("/dev/null", device)
    result = run("advise", EXAMPLE, "--rules", RULES, "--record", str(device))
    assert result.exit_code == 2
    assert "not-a-file: is a character device; give the path of a regular file" in result.stderr
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    result = run("advise", EXAMPLE, "--rules", RULES, "--record", str(tmp_path))
    assert result.exit_code == 2 and "is a directory" in result.stderr


def test_record_keeps_an_existing_files_permissions_and_follows_a_link(tmp_path):
    """Rewriting a record keeps its mode; a symlink is followed to the file it names."""
    record = tmp_path / "audit.json"
    record.write_text("{}")
    os.chmod(record, 0o640)
    link = tmp_path / "latest.json"
    os.symlink(record, link)
    result = run("advise", EXAMPLE, "--rules", RULES, "--record", str(link))
    assert result.exit_code == 0, result.output
    assert os.path.islink(link)
    assert stat.S_IMODE(os.stat(record).st_mode) == 0o640
    assert record.read_text().startswith('{\n  "schema_version": 1,\n  "format": "followup-audit/1"')


def test_a_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    """When writing fails midway, neither the target nor a temporary file is left."""
    from followup.core import files
    from followup.core.errors import FollowupError

    def broken_fsync(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "fsync", broken_fsync)
    with pytest.raises(FollowupError) as err:
        files.write_atomically(str(tmp_path / "out.json"), "{}")
    assert err.value.diagnostics[0].render().endswith("error: cannot-write: No space left on device")
    assert os.listdir(tmp_path) == []


def test_an_interrupted_write_leaves_no_file_behind(tmp_path, monkeypatch):
    """Ctrl-C in the middle of a write (as in `followup ask`): the interrupt goes on, no temporary file stays."""
    from followup.core import files

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomically(str(tmp_path / "answers.yaml"), "interview: {date: 2026-11-05}\n")
    assert os.listdir(tmp_path) == []
