"""`followup batch`: JSON Lines in, one result line per input line out, in order; bad records,
exit codes, stdin, interruption and --resume, crashing workers, flat memory."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from typing import Any

import pytest
from click.testing import CliRunner

from followup.cli import main

from ..helpers import RULES
from .helpers import (
    BATCH,
    RENDERED,
    batch,
    complete_lines,
    patched,
    results,
    results_of_clean_run,
    scenario,
    write_lines,
)


def advise_json(tmp_path: Any, doc: dict[str, Any]) -> dict[str, Any]:
    path = tmp_path / "one.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    result = CliRunner().invoke(main, ["advise", str(path), "--rules", RULES, "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert answer.pop("schema_version") == 1
    return answer


def advise_diagnostics(tmp_path: Any, text: str) -> list[tuple[int, str, str]]:
    """(column, code, message with hint) of every diagnostic advise prints for a one-line file."""
    path = tmp_path / "one.json"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(main, ["advise", str(path), "--rules", RULES, "--format", "json"])
    assert result.exit_code == 2, result.output
    found = [RENDERED.match(line) for line in result.output.splitlines()]
    assert found and all(found), result.output
    return [(int(m["col"]), m["code"], m["msg"]) for m in found if m]


def batch_diagnostics(record: dict[str, Any]) -> list[tuple[int, str, str]]:
    return [
        (d["column"], d["code"], d["message"] + (f" ({d['hint']})" if d["hint"] else ""))
        for d in record["error"]["diagnostics"]
    ]


def test_results_come_in_input_order_with_line_numbers_ids_and_the_advise_answer(tmp_path):
    """Each input line gets one result in order: its line, its id, and the answer `advise --format json` prints."""
    items = [scenario(i) for i in range(120)]
    items[7]["id"] = 7
    del items[8]["id"]
    src = write_lines(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    run = batch(src, "-o", str(out), "--workers", "2")
    assert run.returncode == 0, run.stderr
    got = results(out)
    assert [r["line"] for r in got] == list(range(1, 121))
    assert [r["id"] for r in got] == [doc.get("id") for doc in items]
    assert all(set(r) == {"schema_version", "line", "id", "answer"} and r["schema_version"] == 1 for r in got)
    for i in (0, 7, 8, 40):
        assert got[i]["answer"] == advise_json(tmp_path, items[i])


BAD = {
    "unknown-key": scenario(1, colour="blue"),
    "unknown-value": scenario(2, company={"culture": "startupp"}),
    "bad-date": scenario(3, as_of="2026-02-30"),
    "wrong-type": scenario(4, interview={"date": 20261105}),
    "missing-field": {"id": "m", "as_of": "2026-11-20"},
    "as-of-before-interview": scenario(5, as_of="2026-11-01"),
    "date-after-as-of": scenario(
        6, as_of="2026-11-06", history=[{"kind": "thank_you", "date": "2026-11-09"}]
    ),
    "several": {
        "id": "x",
        "as_of": "2026-11-20",
        "interview": {"date": "2026-11-05", "medium": "fax"},
        "extra": 1,
    },
}


def test_invalid_scenarios_become_error_records_with_the_advise_codes_and_messages(tmp_path):
    """An invalid scenario's error record has exactly the diagnostics `advise` prints for the same text; exit 1."""
    texts = [json.dumps(doc) for doc in BAD.values()]
    valid = '"as_of": "2026-11-20", "interview": {"date": "2026-11-05"}'
    texts.append('{"id": "dup", "id": "dup2", ' + valid + "}")
    texts.append('{"id": "c1", "company": {"name": "A\x86B"}, ' + valid + "}")  # a C1 control character
    texts.append('{"id": "long", "company": {"name": "' + "x" * 10_001 + '"}, ' + valid + "}")
    texts += ["[" * 100 + "]" * 100, "[" * 5000 + "]" * 5000]  # too deep for advise, for json
    items: list[Any] = []
    for text in texts:
        items += [scenario(len(items)), text]
    src = write_lines(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    run = batch(src, "-o", str(out), "--workers", "2")
    assert run.returncode == 1, run.stderr
    got = results(out)
    assert [r["line"] for r in got] == list(range(1, len(items) + 1))
    for k, text in enumerate(texts):
        good, bad = got[2 * k], got[2 * k + 1]
        assert "answer" in good
        expected = advise_diagnostics(tmp_path, text)
        assert batch_diagnostics(bad) == expected, text
        first = bad["error"]["diagnostics"][0]
        assert (bad["error"]["code"], bad["error"]["message"]) == (first["code"], first["message"])
        assert all(d["path"] == src and d["line"] == 2 * k + 2 for d in bad["error"]["diagnostics"])
        assert bad["id"] == (json.loads(text).get("id") if text.startswith("{") else None)
    assert [r["error"]["code"] for r in got[-9::2]] == [
        "duplicate-key",
        "yaml-syntax",
        "too-long",
        "too-deep",
        "too-deep",
    ]


def test_unreadable_lines_become_error_records_and_the_run_goes_on(tmp_path):
    """Non-JSON, cut-short, non-UTF-8, NUL, blank and oversized lines become error records; the rest are answered."""
    bad: list[tuple[Any, str, int]] = [
        ('{id: "x"}', "json-syntax", 2),
        ('{"id": "t", "as_of": ', "json-syntax", 22),
        (b'{"id": "\xff"}', "not-utf8", 9),
        (b'{"id": "\x00"}', "binary", 9),
        ("   ", "empty-file", 1),
        ('{"id": "' + "x" * (1 << 20) + '"}', "too-large", 1),
    ]
    items: list[Any] = []
    for text, _, _ in bad:
        items += [scenario(len(items)), text]
    src = write_lines(tmp_path / "in.jsonl", items)
    run = batch(src, "--workers", "2")
    assert run.returncode == 1, run.stderr
    got = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert [r["line"] for r in got] == list(range(1, len(items) + 1))
    for k, (_, code, column) in enumerate(bad):
        assert "answer" in got[2 * k]
        error = got[2 * k + 1]["error"]
        assert (error["code"], error["diagnostics"][0]["column"]) == (code, column), error
        assert error["message"] and got[2 * k + 1]["id"] is None


def test_exit_status_2_for_unusable_invocations_with_located_messages(tmp_path):
    """Missing input, bad rules, --resume without -o, OUTPUT == INPUT, bad options: exit 2, located, OUTPUT kept."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(0)])
    out = tmp_path / "out.jsonl"
    out.write_text("keep me\n")
    cases = [
        ([str(tmp_path / "missing.jsonl")], "no-such-file"),
        ([src, "-o", str(out), "--rules", str(tmp_path / "no-rules")], "no-such-directory"),
        ([src, "--resume"], "resume-needs-output"),
        ([src, "-o", src], "output-is-input"),
        ([src, "--as-of", "2026-13-01"], None),
        ([src, "--workers", "0"], None),
    ]
    for args, code in cases:
        run = batch(*args)
        stderr = run.stderr.decode("utf-8")
        assert run.returncode == 2, (args, stderr)
        assert "Traceback" not in stderr and run.stdout == b""
        if code:
            first = RENDERED.match(stderr.splitlines()[0])
            assert first and first["code"] == code, stderr
    assert out.read_text() == "keep me\n"


def test_exit_status_0_when_all_answered_and_1_when_some_are_errors(tmp_path):
    """0 when every record is answered, 1 as soon as one is an error record."""
    good = write_lines(tmp_path / "good.jsonl", [scenario(i) for i in range(5)])
    mixed = write_lines(tmp_path / "mixed.jsonl", [scenario(0), "nope", scenario(2)])
    assert batch(good, "--workers", "1").returncode == 0
    assert batch(mixed, "--workers", "1").returncode == 1


def test_stdin_input_and_as_of_for_every_record(tmp_path):
    """`-` reads the scenarios from stdin; --as-of overrides each record's as_of."""
    lines = "".join(json.dumps(scenario(i)) + "\n" for i in range(20)).encode("utf-8")
    run = batch("-", "--as-of", "2026-11-27", "--workers", "2", stdin=lines)
    assert run.returncode == 0, run.stderr
    got = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert [r["id"] for r in got] == [f"s{i}" for i in range(20)]
    assert {r["answer"]["as_of"] for r in got} == {"2026-11-27"}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_an_interrupted_run_keeps_complete_lines_and_resume_finishes_it_exactly_once(tmp_path, big, sig):
    """A run stopped by SIGTERM leaves only complete lines; one killed by SIGKILL may leave a torn
    last line (the kernel stops a large write part-way for a fatal signal). --resume drops a torn
    line and finishes each line once."""
    src, reference = big
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        BATCH + [src, "-o", str(out), "--workers", "2", "--rules", RULES, "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if out.exists() and out.read_bytes().count(b"\n") >= 200:
            break
        time.sleep(0.005)
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=30)  # also: no orphaned worker holds stderr open
    assert proc.returncode == (-signal.SIGKILL if sig == signal.SIGKILL else 143), stderr
    before = complete_lines(out, torn_tail=sig == signal.SIGKILL)
    assert 0 < len(before) < 3000
    assert [r["line"] for r in before] == list(range(1, len(before) + 1))
    assert before == reference[: len(before)]
    with open(out, "ab") as fh:
        fh.write(b'{"line": 99999, "id": "torn", "ans')
    run = batch(src, "-o", str(out), "--workers", "2", "--resume")
    assert run.returncode == 1, run.stderr  # line 1235 is an error record
    after = complete_lines(out)
    assert [r["line"] for r in after] == list(range(1, 3001))
    assert after == reference


def test_resume_of_a_finished_run_changes_nothing(tmp_path, big):
    """--resume on a complete OUTPUT answers nothing more and reports the kept error records."""
    src, reference = big
    out = tmp_path / "out.jsonl"
    assert batch(src, "-o", str(out), "--workers", "2").returncode == 1
    before = out.read_bytes()
    assert results(out) == reference
    run = batch(src, "-o", str(out), "--resume")
    assert run.returncode == 1, run.stderr
    assert out.read_bytes() == before


@pytest.mark.parametrize("workers", ["1", "2"])
@pytest.mark.parametrize("crash_at", [150, 20])
def test_a_crashing_worker_costs_only_the_record_it_was_on(tmp_path, workers, crash_at):
    """A worker dying on one record (test hook) makes only that record `engine-crash`; the others
    are answered. At s20 the worker dies holding results of lines before it that it had not sent yet
    (channel.HOLD_RECORDS is 16, a chunk 32 lines): they are answered again, not lost."""
    items = [scenario(i) for i in range(300)]
    src = write_lines(tmp_path / "in.jsonl", items)
    out = tmp_path / "out.jsonl"
    env = {"FOLLOWUP_BATCH_CRASH_ON_ID": f"s{crash_at}"}
    run = batch(src, "-o", str(out), "--workers", workers, env=env)
    assert run.returncode == 1, run.stderr
    got = results(out)
    assert [r["line"] for r in got] == list(range(1, 301))
    crashed = [r for r in got if "error" in r]
    line = crash_at + 1
    assert [(r["line"], r["id"], r["error"]["code"]) for r in crashed] == [
        (line, f"s{crash_at}", "engine-crash")
    ]
    assert "139" in crashed[0]["error"]["message"]
    clean = results_of_clean_run(tmp_path, src)
    assert [r for r in got if r["line"] != line] == [r for r in clean if r["line"] != line]


# The supervisor's peak is VmHWM (ru_maxrss of a process started by fork+exec also counts the
# forked copy of its parent, here the test process); the workers' is RUSAGE_CHILDREN (joined).
MEASURE = (
    "import re, resource, sys\n"
    "from followup.batch.run import run_batch\n"
    "rc = run_batch(sys.argv[1], sys.argv[2], 2, None, sys.argv[3], False, True)\n"
    "own = re.search(r'VmHWM:\\s*(\\d+)', open('/proc/self/status').read()).group(1)\n"
    "workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "print(rc, own, workers)\n"
)


def peak_kb(tmp_path: Any, n: int) -> tuple[int, int]:
    src = write_lines(tmp_path / f"in{n}.jsonl", [scenario(i) for i in range(n)])
    run = subprocess.run(
        [sys.executable, "-c", MEASURE, src, str(tmp_path / f"out{n}.jsonl"), RULES],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    rc, own, workers = (int(x) for x in run.stdout.split())
    assert rc == 0, run.stderr
    return own, workers


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux /proc")
def test_peak_memory_does_not_grow_with_the_input(tmp_path):
    """Peak RSS of the supervisor and of the workers is about the same for 2,000 and 20,000 records."""
    small_own, small_workers = peak_kb(tmp_path, 2_000)
    big_own, big_workers = peak_kb(tmp_path, 20_000)
    assert big_own < small_own + 12_000, (small_own, big_own)
    assert big_workers < small_workers + 12_000, (small_workers, big_workers)


SURROGATE_HINT = "write the character itself, or both halves of its surrogate pair"


def test_a_lone_surrogate_escape_is_a_located_not_utf8_error_that_keeps_the_id(tmp_path):
    """A \\ud800-style escape without its other half (in a value or a key) is `not-utf8` at the escape, id kept; pairs and escaped backslashes are read."""
    valid = '"as_of": "2026-11-20", "interview": {"date": "2026-11-05"}'
    bad = [
        ('{"id": "v", "company": {"name": "A\\ud800B"}, ' + valid + "}", "\\ud800"),
        ('{"id": "k", "\\uDC00": 1, ' + valid + "}", "\\uDC00"),
        ('{"id": "r", "position": {"title": "\\udfff\\ud83d"}, ' + valid + "}", "\\udfff"),
        ('{"id": "\\ud83dx", ' + valid + "}", "\\ud83d"),
    ]
    good = [
        '{"id": "p", "company": {"name": "\\ud83d\\ude00"}, ' + valid + "}",
        '{"id": "e", "company": {"name": "\\\\ud800"}, ' + valid + "}",
    ]
    src = write_lines(tmp_path / "in.jsonl", [text for text, _ in bad] + good)
    run = batch(src, "--workers", "1")
    assert run.returncode == 1, run.stderr
    got = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    for k, (text, escape) in enumerate(bad):
        message = f"{escape} escapes a lone UTF-16 surrogate, which is not a character and has no UTF-8 form"
        assert got[k]["id"] == json.loads(text)["id"]
        assert got[k]["error"] == {
            "code": "not-utf8",
            "message": message,
            "diagnostics": [
                {
                    "path": src,
                    "line": k + 1,
                    "column": text.index(escape) + 1,
                    "level": "error",
                    "code": "not-utf8",
                    "message": message,
                    "hint": SURROGATE_HINT,
                }
            ],
        }
    assert [(r["id"], r["answer"]["action"]) for r in got[len(bad) :]] == [
        ("p", "send_follow_up"),
        ("e", "send_follow_up"),
    ]


def test_an_internal_error_keeps_the_line_and_id_of_its_record(monkeypatch):
    """A bug while answering one record (here evaluate raising OverflowError) is that record's internal-error, with its line and id."""
    from followup.batch.answer import Context, answer_line
    from followup.core.advisor import load_advisor

    advisor = load_advisor(RULES)

    def broken(scenario: Any) -> Any:
        raise OverflowError("date value out of range")

    monkeypatch.setattr(advisor, "evaluate", broken)
    ctx = Context("in.jsonl", None, None, dt.date(2026, 11, 20))
    is_error, out = answer_line(advisor, ctx, 7, json.dumps(scenario(3)).encode())
    message = "OverflowError: date value out of range"
    assert is_error
    assert json.loads(out) == {
        "schema_version": 1,
        "line": 7,
        "id": "s3",
        "error": {
            "code": "internal-error",
            "message": message,
            "diagnostics": [
                {
                    "path": "in.jsonl",
                    "line": 7,
                    "column": 1,
                    "level": "error",
                    "code": "internal-error",
                    "message": message,
                    "hint": None,
                }
            ],
        },
    }


def test_a_scenario_at_the_end_of_the_calendar_keeps_its_line_and_id(tmp_path):
    """Interview and as_of on 9999-12-31: whether it is answered or an error, the record keeps its line and id."""
    doc = {"id": "edge", "as_of": "9999-12-31", "interview": {"date": "9999-12-31"}}
    run = batch(write_lines(tmp_path / "in.jsonl", [doc]), "--workers", "1")
    assert run.returncode in (0, 1), run.stderr
    [record] = [json.loads(line) for line in run.stdout.decode("utf-8").splitlines()]
    assert (record["line"], record["id"]) == (1, "edge")


RECYCLE_EVERY_10 = (
    "import sys\n"
    "import followup.batch.supervisor as _s\n"
    "import followup.batch.workers as _w\n"
    "_s.RECYCLE_AFTER = 10\n"
    "_spawn = _w.Pool.spawn\n"
    "def spawn(self):\n"
    "    sys.stderr.write('worker started\\n')\n"
    "    return _spawn(self)\n"
    "_w.Pool.spawn = spawn\n"
)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_workers_replaced_every_recycle_after_records_lose_nothing(tmp_path, workers):
    """With RECYCLE_AFTER at 10, 100 records take several workers in turn (each retires after the
    chunk that takes it past 10) and every result is as a clean run's."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(i) for i in range(100)])
    out = tmp_path / "out.jsonl"
    run = batch(src, "-o", str(out), "--workers", workers, command=patched(RECYCLE_EVERY_10))
    assert run.returncode == 0, run.stderr
    assert run.stderr.decode().count("worker started") >= 100 // 32
    assert results(out) == results_of_clean_run(tmp_path, src)
