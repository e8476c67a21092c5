"""`followup batch` under signals: SIGTERM/SIGINT end a run with 143/130 wherever it is blocked
(reading a silent stdin, waiting for the rules to load, waiting for stopped workers); a stopped
worker costs exactly the record it was on, if any."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from .helpers import (
    BUSY_ON_ID,
    RULES_NEVER_LOAD,
    SHORT_TIMEOUT,
    STOP_ON_ID,
    complete_lines,
    first_error,
    patched,
    results,
    results_of_clean_run,
    scenario,
    start,
    wait_for_children,
    wait_for_lines,
    write_lines,
)

CODES = {signal.SIGTERM: 143, signal.SIGINT: 130}
SIGNALS = pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "sigint"])


def line_of(i: int) -> bytes:
    return json.dumps(scenario(i)).encode() + b"\n"


def stop(proc: subprocess.Popen[bytes], sig: int) -> tuple[int, bytes]:
    """Send `sig`; the run must end by itself within 15 s. Returns its exit status and stderr."""
    proc.send_signal(sig)
    try:
        _, stderr = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        raise AssertionError(f"batch did not end within 15 s of {signal.Signals(sig).name}") from None
    return proc.returncode, stderr


@SIGNALS
def test_a_signal_ends_a_run_waiting_for_stdin_and_keeps_what_was_answered(tmp_path, sig):
    """stdin a pipe that sends one line and then nothing: the line is answered and written, the signal ends the run."""
    out = tmp_path / "out.jsonl"
    proc = start("-", "-o", str(out), "--workers", "1", stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(line_of(0))
    proc.stdin.flush()
    assert wait_for_lines(out, 1, proc, seconds=30) == 1  # answered while stdin stays silent
    code, stderr = stop(proc, sig)
    proc.stdin.close()
    assert code == CODES[sig], stderr
    assert [r["id"] for r in complete_lines(out)] == ["s0"]


@SIGNALS
def test_a_signal_ends_a_run_while_the_rules_load_and_leaves_output_alone(tmp_path, sig):
    """A worker that never finishes loading the rules: the signal still ends the run at once; OUTPUT is not created."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(0)])
    out = tmp_path / "out.jsonl"
    proc = start(src, "-o", str(out), "--workers", "1", command=patched(RULES_NEVER_LOAD))
    wait_for_children(proc.pid, 1)
    time.sleep(0.3)
    code, stderr = stop(proc, sig)
    assert (code, first_error(stderr)) == (CODES[sig], "")
    assert not out.exists() and not os.path.exists(f"{out}.resume")


def test_sigterm_ends_a_run_whose_workers_are_stopped(tmp_path):
    """Every worker stopped mid-record: SIGTERM ends the run with 143, and no worker is left behind."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(i) for i in range(40)])
    proc = start(src, "-o", str(tmp_path / "out.jsonl"), "--workers", "2", command=patched(STOP_ON_ID % "s3"))
    workers = wait_for_children(proc.pid, 1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not any(stopped(pid) for pid in workers):
        time.sleep(0.01)
    code, stderr = stop(proc, signal.SIGTERM)
    assert code == 143, stderr
    assert not any(os.path.exists(f"/proc/{pid}") and not zombie(pid) for pid in workers)


def state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0]
    except OSError:
        return ""


def stopped(pid: int) -> bool:
    return state(pid) == "T"


def zombie(pid: int) -> bool:
    return state(pid) in ("Z", "X", "")


def test_a_worker_stopped_on_a_record_is_blamed_for_that_record_only(tmp_path):
    """A worker stopped in the middle of its chunk, on s37: s37 (line 38) is the one engine-crash record, every other record is answered."""
    items = [scenario(i) for i in range(100)]
    src = write_lines(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    proc = start(src, "-o", str(out), "--workers", "1", command=patched(SHORT_TIMEOUT, STOP_ON_ID % "s37"))
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    got = results(out)
    crashed = [(r["line"], r["id"], r["error"]) for r in got if "error" in r]
    assert [(line, rid, e["code"], e["message"]) for line, rid, e in crashed] == [
        (
            38,
            "s37",
            "engine-crash",
            "no answer from the engine on this scenario in 2 s; its worker was killed and replaced",
        )
    ]
    clean = results_of_clean_run(tmp_path, src)
    assert [r for r in got if r["line"] != 38] == [r for r in clean if r["line"] != 38]


def test_a_worker_stopped_between_records_costs_no_record(tmp_path):
    """A worker stopped while idle, then sent a chunk it never starts: it is replaced after the timeout and no record is blamed."""
    out = tmp_path / "out.jsonl"
    proc = start("-", "-o", str(out), "--workers", "1", command=patched(SHORT_TIMEOUT), stdin=subprocess.PIPE)
    assert proc.stdin is not None
    proc.stdin.write(b"".join(line_of(i) for i in range(5)))
    proc.stdin.flush()
    [worker] = wait_for_children(proc.pid, 1)
    assert wait_for_lines(out, 5, proc, seconds=30) == 5
    time.sleep(0.5)  # answered its five: idle, waiting for more
    os.kill(worker, signal.SIGSTOP)
    proc.stdin.write(b"".join(line_of(i) for i in range(5, 40)))
    proc.stdin.close()
    proc.wait(timeout=120)
    stderr = proc.stderr.read() if proc.stderr else b""
    assert proc.returncode == 0, (stderr, [r for r in results(out) if "error" in r])
    assert [r["id"] for r in results(out) if "answer" in r] == [f"s{i}" for i in range(40)]


def test_a_run_stopped_as_a_whole_and_continued_blames_no_record(tmp_path, big):
    """Ctrl-Z (the whole process group stopped) in the middle of a record for longer than the record timeout, then fg: no record is blamed, OUTPUT is whole."""
    src, reference = big
    out, marker = tmp_path / "out.jsonl", tmp_path / "busy"
    command = patched(SHORT_TIMEOUT, BUSY_ON_ID % ("s500", str(marker)))
    proc = start(src, "-o", str(out), "--workers", "1", command=command, start_new_session=True)
    deadline = time.monotonic() + 60
    while not marker.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGSTOP)  # the worker is in s500, which needs CPU time after fg
    assert marker.exists()
    time.sleep(4)
    os.killpg(proc.pid, signal.SIGCONT)
    _, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 1, stderr
    assert complete_lines(out) == reference


@SIGNALS
def test_a_signal_ends_a_run_whose_output_pipe_is_not_read(big, sig):
    """stdout a pipe nobody reads (full after a few results): the signal still ends the run with 143/130."""
    src, _ = big
    reader, writer = os.pipe()
    try:
        proc = start(src, "--workers", "1", stdout=writer)
        os.close(writer)
        time.sleep(3)  # 3,000 results do not fit in a pipe: the run is waiting for room
        assert proc.poll() is None
        code, stderr = stop(proc, sig)
        assert (code, first_error(stderr)) == (CODES[sig], "")
    finally:
        os.close(reader)
