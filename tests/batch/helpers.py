"""Helpers for the `followup batch` tests: scenarios, input files, running batch in a subprocess
(as is, or with test-only patches applied first), reading OUTPUT back."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from typing import Any

from ..helpers import RULES

BATCH = [sys.executable, "-c", "from followup.cli import batch_command; batch_command()"]
RENDERED = re.compile(r"^(?P<path>.+?):(?P<line>\d+):(?P<col>\d+): error: (?P<code>[a-z0-9-]+): (?P<msg>.*)$")

# Test-only patches, applied in the batch process before it starts; the workers are forked from
# it (Linux), so they carry the patches too. Nothing here is read from data.
SHORT_TIMEOUT = "import followup.batch.supervisor as _s\n_s.RECORD_TIMEOUT = 2.0\n"
STOP_ON_ID = (
    "import os, signal\n"
    "import followup.batch.workers as _w\n"
    "_answer = _w.answer_line\n"
    "def _stop_on(advisor, ctx, line, data, *rest):\n"
    '    if b\'"id": "%s"\' in data:\n'
    "        os.kill(os.getpid(), signal.SIGSTOP)\n"
    "    return _answer(advisor, ctx, line, data, *rest)\n"
    "_w.answer_line = _stop_on\n"
)
BUSY_ON_ID = (  # % (id, marker path): announce the record, then spend 0.6 s of CPU on it
    "import os, time\n"
    "import followup.batch.workers as _w\n"
    "_answer_busy = _w.answer_line\n"
    "def _busy_on(advisor, ctx, line, data, *rest):\n"
    '    if b\'"id": "%s"\' in data:\n'
    "        open(%r, 'w').close()\n"
    "        start = time.process_time()\n"
    "        while time.process_time() - start < 0.6:\n"
    "            pass\n"
    "    return _answer_busy(advisor, ctx, line, data, *rest)\n"
    "_w.answer_line = _busy_on\n"
)
RULES_NEVER_LOAD = (
    "import time\nimport followup.core.advisor as _a\n_a.load_advisor = lambda *a, **k: time.sleep(3600)\n"
)


def patched(*patches: str) -> list[str]:
    """The batch command line with these patches applied first."""
    code = "".join(patches) + "from followup.cli import batch_command\nbatch_command()\n"
    return [sys.executable, "-c", code]


def scenario(i: int, **extra: Any) -> dict[str, Any]:
    """A valid scenario whose answer varies with i."""
    day = 6 + i % 23
    doc: dict[str, Any] = {
        "id": f"s{i}",
        "as_of": f"2026-11-{day:02d}",
        "interview": {"date": "2026-11-05"},
        "history": [{"kind": "thank_you", "date": "2026-11-05"}],
    }
    if i % 3 == 1 and day > 13:
        doc["history"].append({"kind": "follow_up", "date": "2026-11-12"})
    doc.update(extra)
    return doc


def write_lines(path: Any, items: list[Any]) -> str:
    """Write dicts as JSON lines and bytes/str as they are; returns the path."""
    with open(path, "wb") as fh:
        for item in items:
            if isinstance(item, dict):
                item = json.dumps(item)
            fh.write(item if isinstance(item, bytes) else item.encode("utf-8"))
            fh.write(b"\n")
    return str(path)


def batch(
    *args: str,
    stdin: Any = None,
    env: dict[str, str] | None = None,
    timeout: float = 120,
    command: list[str] | None = None,
    **popen: Any,
) -> subprocess.CompletedProcess[bytes]:
    """Run batch to its end; stdin: bytes to send, or an open file to read it from."""
    rules = [] if "--rules" in args else ["--rules", RULES]
    if stdin is not None and not isinstance(stdin, bytes):
        popen["stdin"], stdin = stdin, None
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.run(
        (command or BATCH) + list(args) + rules + ["-q"],
        input=stdin,
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
        **popen,
    )


def start(*args: str, command: list[str] | None = None, **popen: Any) -> subprocess.Popen[bytes]:
    """A batch run in the background (stdout and stderr captured unless given)."""
    rules = [] if "--rules" in args else ["--rules", RULES]
    popen.setdefault("stdout", subprocess.PIPE)
    popen.setdefault("stderr", subprocess.PIPE)
    return subprocess.Popen((command or BATCH) + list(args) + rules + ["-q"], **popen)


def first_error(stderr: bytes) -> str:
    """The first line a run printed on stderr (after checking it has no traceback)."""
    text = stderr.decode("utf-8")
    assert "Traceback" not in text, text
    return text.splitlines()[0] if text else ""


def results(path: Any) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def complete_lines(path: Any, torn_tail: bool = False) -> list[dict[str, Any]]:
    """OUTPUT's lines, asserting none is cut short; with torn_tail (a SIGKILL can stop the kernel
    part-way through a large write), the last line may be, and is left out."""
    data = path.read_bytes() if path.exists() else b""
    if torn_tail:
        data = data[: data.rfind(b"\n") + 1]
    assert data == b"" or data.endswith(b"\n"), "a partial line was left in OUTPUT"
    return [json.loads(line) for line in data.splitlines()]


def results_of_clean_run(tmp_path: Any, src: str) -> list[dict[str, Any]]:
    out = tmp_path / "clean.jsonl"
    if not out.exists():
        assert batch(src, "-o", str(out), "--workers", "2").returncode == 0
    return results(out)


def wait_for_lines(path: Any, count: int, proc: subprocess.Popen[bytes], seconds: float = 60) -> int:
    """Wait until OUTPUT holds `count` complete lines (or the run ended, or time ran out)."""
    deadline = time.monotonic() + seconds
    lines = 0
    while time.monotonic() < deadline and proc.poll() is None:
        lines = path.read_bytes().count(b"\n") if path.exists() else 0
        if lines >= count:
            break
        time.sleep(0.01)
    return lines


def children(pid: int) -> list[int]:
    """The processes `pid` started (Linux /proc): the batch workers."""
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as fh:
        return [int(x) for x in fh.read().split()]


def wait_for_children(pid: int, count: int, seconds: float = 30) -> list[int]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = children(pid)
        if len(found) >= count:
            return found
        time.sleep(0.01)
    raise AssertionError(f"batch started {children(pid)}, not {count} workers")
