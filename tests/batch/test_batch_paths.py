"""`followup batch` and the files it is given: OUTPUT that is INPUT under another name, INPUT that
is not a regular file, two runs on one OUTPUT."""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket

import pytest

from .helpers import batch, complete_lines, first_error, results, scenario, start, wait_for_lines, write_lines

SAME = "error: output-is-input: OUTPUT is the INPUT file; choose another file"
LOCKED = (
    "error: output-locked: another followup batch run is writing this file "
    "(wait for it to end, or choose another OUTPUT)"
)


@pytest.fixture
def data(tmp_path):
    """An input file of 20 scenarios, and its bytes."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(i) for i in range(20)])
    with open(src, "rb") as fh:
        return src, fh.read()


def unchanged(path: str, before: bytes) -> bool:
    with open(path, "rb") as fh:
        return fh.read() == before


def test_output_given_as_stdin_redirected_from_it_is_refused_and_kept(data):
    """`batch - -o F < F` is refused before F is opened for writing: exit 2, F unchanged."""
    src, before = data
    with open(src, "rb") as stdin:
        run = batch("-", "-o", src, stdin=stdin)
    assert (run.returncode, first_error(run.stderr)) == (2, f"{src}:1:1: {SAME}")
    assert unchanged(src, before)


@pytest.mark.parametrize("how", ["hard-link", "symlink", "relative", "resume"])
def test_output_that_is_the_input_under_another_name_is_refused_and_kept(tmp_path, data, how):
    """A hard link, a symlink or a relative path to INPUT as OUTPUT (also with --resume): exit 2, INPUT unchanged."""
    src, before = data
    out = str(tmp_path / "out.jsonl")
    args = ["--resume"] if how == "resume" else []
    cwd = None
    if how == "hard-link":
        os.link(src, out)
    elif how == "symlink":
        os.symlink(src, out)
    elif how == "relative":
        cwd, out = str(tmp_path), "in.jsonl"
    else:
        out = src
    run = batch(src, "-o", out, *args, cwd=cwd)
    assert (run.returncode, first_error(run.stderr)) == (2, f"{out}:1:1: {SAME}")
    assert unchanged(src, before)


def test_stdout_appending_to_the_input_is_refused(data):
    """`batch F >> F` would read its own results forever: refused at once, F unchanged."""
    src, before = data
    with open(src, "ab") as stdout:
        run = batch(src, stdout=stdout, timeout=30)
    assert (run.returncode, first_error(run.stderr)) == (2, f"<stdout>:1:1: {SAME}")
    assert unchanged(src, before)


def special_files(tmp_path):
    fifo = str(tmp_path / "fifo")
    os.mkfifo(fifo)
    sock = socket.socket(socket.AF_UNIX)
    sock.bind(str(tmp_path / "sock"))
    return sock, [
        (fifo, "is a named pipe (FIFO), not a regular file"),
        (str(tmp_path / "sock"), "is a socket, not a regular file"),
        (os.devnull, "is a character device, not a regular file"),
    ]


def test_input_that_is_not_a_regular_file_is_refused_at_once(tmp_path):
    """A FIFO, a socket or a device as INPUT: a located not-a-file error, exit 2, no hang."""
    sock, cases = special_files(tmp_path)
    with sock:
        for path, message in cases:
            run = batch(path, timeout=20)
            hint = "to read from a pipe or a device, give - and redirect it to stdin"
            assert run.returncode == 2, path
            assert first_error(run.stderr) == f"{path}:1:1: error: not-a-file: {message} ({hint})"
    run = batch(str(tmp_path), timeout=20)
    assert (run.returncode, first_error(run.stderr)) == (
        2,
        f"{tmp_path}:1:1: error: not-a-file: is a directory, not a file",
    )


def test_stdin_may_be_a_pipe(tmp_path):
    """`-` still reads stdin when it is a pipe."""
    lines = "".join(json.dumps(scenario(i)) + "\n" for i in range(3)).encode()
    run = batch("-", "-o", str(tmp_path / "out.jsonl"), stdin=lines, timeout=60)
    assert run.returncode == 0, run.stderr
    assert [r["id"] for r in results(tmp_path / "out.jsonl")] == ["s0", "s1", "s2"]


def test_an_output_locked_by_another_process_is_refused_and_kept(tmp_path, data):
    """While another process holds OUTPUT's lock, batch refuses it (also with --resume) and leaves it alone."""
    src, _ = data
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"theirs\n")
    with open(out, "rb+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        for args in ([], ["--resume"]):
            run = batch(src, "-o", str(out), *args, timeout=60)
            assert (run.returncode, first_error(run.stderr)) == (2, f"{out}:1:1: {LOCKED}")
    assert out.read_bytes() == b"theirs\n"


def test_a_second_run_on_the_same_output_is_refused_and_the_first_finishes_intact(tmp_path, big):
    """Two concurrent runs into one OUTPUT: the second is refused (exit 2); the first's OUTPUT is whole."""
    src, reference = big
    out = tmp_path / "out.jsonl"
    first = start(src, "-o", str(out), "--workers", "1")
    try:
        assert wait_for_lines(out, 100, first) >= 100
        first.send_signal(signal.SIGSTOP)  # holds OUTPUT mid-run, deterministically
        for args in ([], ["--resume"]):
            run = batch(src, "-o", str(out), *args, timeout=60)
            assert (run.returncode, first_error(run.stderr)) == (2, f"{out}:1:1: {LOCKED}")
    finally:
        first.send_signal(signal.SIGCONT)
    _, stderr = first.communicate(timeout=120)
    assert first.returncode == 1, stderr
    assert complete_lines(out) == reference
