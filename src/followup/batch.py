"""`followup batch`: answer a JSON Lines file of scenarios, one result line per input line.

    followup batch INPUT [-o OUTPUT] [--workers N] [--as-of DATE] [--rules DIR] [--resume] [-q]

Each output line is `{"line": 7, "id": "abc", "answer": {...}}` (the object `advise --format json`
prints) or `{"line": 8, "id": null, "error": {"code", "message", "diagnostics": [...]}}`, in input
order. `id` is the scenario's `id` when it had a text or number one, else null.

How a line is read: its bytes must be UTF-8 (codes `not-utf8`, `binary`, as advise), at most
loader.MAX_BYTES long (`too-large`) and not blank (`empty-file`, message "line is empty"); then it
must be JSON (`json-syntax`, with the JSON parser's message and column). A line that could not
differ from advise's reading (no duplicate key, nothing YAML refuses, short) is validated straight
from the JSON value (loader.from_plain, the fast path); any other line, and any line the validator
finds a problem in, is read exactly as advise reads a file (loader.parse_text, lenient) and
validated again, so the codes, messages and columns are the advise ones, at INPUT:LINE:COLUMN.
(One deliberate difference: JSON surrogate-pair escapes such as \\ud83d\\ude00, which advise's YAML
reader refuses, are read.)

Design (shared/durable-rules.md: the engine can kill its process):
- this process, the supervisor, never evaluates anything. N worker processes each load the Advisor
  once and answer records sent to them in small chunks. A worker that dies is replaced; the record
  it was working on becomes an `engine-crash` error record and the rest of its chunk is sent again.
  A record that takes more than RECORD_TIMEOUT seconds gets its worker killed the same way. A
  worker stopped by SIGTERM/SIGHUP/SIGINT (e.g. a signal to the whole process group) blames no
  record: its records are sent again. Workers ignore SIGINT (Ctrl-C is the supervisor's), die with
  the supervisor (Linux PR_SET_PDEATHSIG, else at EOF on their pipe), and are replaced by fresh
  ones after RECYCLE_AFTER records, which caps whatever they leak. `--workers 1` also uses one
  worker process, so a crash never ends the run.
- input is read lazily and at most `window` records are in flight or waiting for their turn to be
  written (a bounded reorder buffer), so memory stays flat whatever the input size.
- results are written in input order as complete lines only, one os.write per flush, flushed every
  FLUSH_SECONDS (or FLUSH_BYTES), fsynced every FSYNC_SECONDS and at the end. An interrupted run
  (Ctrl-C, SIGTERM, kill -9) leaves every written result on disk; `--resume` truncates a torn last
  line, reads the `line` of the last complete one, and answers the input lines after it. Resume
  with the same INPUT, --as-of and --rules as the first run: that is not checked.

Exit status: 0 all answered, 1 some records were errors (counting the part of OUTPUT kept by
--resume), 2 unusable invocation (missing input, bad options, unreadable rules, OUTPUT that cannot
be written or resumed), 130/143 stopped by SIGINT/SIGTERM (run again with --resume), 141 the
output pipe was closed.

Test hook: FOLLOWUP_BATCH_CRASH_ON_ID=<id> makes a worker call os._exit(139) just before it
evaluates a record whose `id` is <id>, to simulate an engine crash. For tests only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

import click

from .errors import Diagnostic, FollowupError, Location

# multiprocessing.connection and the loader are imported where used: `followup --help` and the
# other commands do not pay for them.
if TYPE_CHECKING:  # pragma: no cover
    from multiprocessing.connection import Connection
    from multiprocessing.context import BaseContext
    from multiprocessing.process import BaseProcess

    from .advisor import Advisor
    from .loader import Node
    from .model import Scenario

CRASH_ENV = "FOLLOWUP_BATCH_CRASH_ON_ID"
CHUNK = 32  # records per message to a worker
CHUNK_BYTES = 1 << 20  # input bytes per message to an idle worker (at least one record)
PIPELINE_BYTES = 32 << 10  # a busy worker's next chunk: small enough never to block the send
WINDOW_PER_WORKER = 3 * CHUNK  # records in flight or buffered, per worker (at least MIN_WINDOW)
MIN_WINDOW = 256
MAX_INFLIGHT_BYTES = 32 << 20  # input bytes held by the supervisor at once
FLUSH_BYTES = 64 << 10
FLUSH_SECONDS = 0.25
FSYNC_SECONDS = 1.0
RECORD_TIMEOUT = 120.0  # seconds one record may take before its worker is killed
STARTUP_TIMEOUT = 120.0  # seconds a worker may take to load the rules
MAX_STARTUP_FAILURES = 5  # workers in a row dying before they are ready: give up
MAX_WORKERS = 256
RECYCLE_AFTER = 4000  # records per worker before it is replaced by a fresh one (caps any leak)
ERROR_MARK = b', "error": {"code": '  # how an error record looks in OUTPUT (see error_record)
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM, EXIT_PIPE = 130, 143, 141
STDIN, STDOUT = "<stdin>", "<stdout>"


class Fatal(Exception):
    """The run cannot go on: print these lines to stderr and exit with `code`."""

    def __init__(self, lines: list[str], code: int = EXIT_USAGE):
        super().__init__("\n".join(lines))
        self.lines = lines
        self.code = code


def fatal(path: str, code: str, message: str) -> Fatal:
    return Fatal([Diagnostic(Location(path), code, message).render()])


# ---------------------------------------------------------------------------------------------
# one record: bytes -> result line (runs in a worker)


@dataclass(frozen=True)
class Context:
    """What every record of a run is evaluated with; sent to each worker once."""

    source: str  # INPUT as shown in diagnostics
    rules_dir: str | None
    as_of: dt.date | None
    today: dt.date


def dump_record(doc: dict[str, Any]) -> bytes:
    """One result as one complete JSON line (UTF-8; escaped ASCII if the text cannot be UTF-8)."""
    try:
        return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape
        return (json.dumps(doc) + "\n").encode("ascii")


def answer_record(line: int, rid: str | int | None, answer: dict[str, Any]) -> bytes:
    return dump_record({"line": line, "id": rid, "answer": answer})


def error_record(line: int, rid: str | int | None, diagnostics: list[Diagnostic]) -> bytes:
    first = diagnostics[0]
    return dump_record({"line": line, "id": rid, "error": {
        "code": first.code, "message": first.message,
        "diagnostics": [d.to_json() for d in diagnostics]}})


def record_id(obj: Any) -> str | int | None:
    """The scenario's `id` when it is text or a number, else None."""
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


def relocate(diagnostics: list[Diagnostic], source: str, line: int) -> list[Diagnostic]:
    """Diagnostics about the line's text, moved from "line 1 of a document" to INPUT:line."""
    return [replace(d, location=Location(source, line, d.location.column or 1))
            if d.location.path == source else d for d in diagnostics]


def decode_line(source: str, line: int, data: bytes) -> str:
    """Bytes -> text with advise's codes (binary, not-utf8) and `empty-file` for a blank line."""
    if b"\x00" in data:
        raise FollowupError([Diagnostic(Location(source, line, data.find(b"\x00") + 1), "binary",
                                        "line contains NUL bytes; it is not text")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FollowupError([Diagnostic(Location(source, line, exc.start + 1), "not-utf8",
                                        f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                                        "save the file as UTF-8")]) from None
    if not text.strip():
        raise FollowupError([Diagnostic(Location(source, line, 1), "empty-file", "line is empty")])
    return text


class _DuplicateKey(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def load_json(source: str, line: int, text: str) -> tuple[Any, bool]:
    """The line as JSON, or a `json-syntax` diagnostic at the parser's column; and whether the
    fast path may validate that value as it is (loader.from_plain). It may when the YAML reading
    advise does could find nothing more: no duplicate key, no character or escape YAML refuses,
    and a line too short to hold a string over loader.MAX_STRING or to nest too deep to validate."""
    from yaml.reader import Reader

    from .loader import MAX_STRING, parse_text

    try:
        obj = json.loads(text, object_pairs_hook=_unique_pairs)
    except _DuplicateKey:
        return json.loads(text), False
    except json.JSONDecodeError as exc:
        raise FollowupError([Diagnostic(Location(source, line, exc.colno), "json-syntax", exc.msg)]) from None
    except RecursionError:  # deeper than json goes: what advise says about it
        parse_text(source, text, lenient=True)
        raise FollowupError([Diagnostic(Location(source, line, 1), "too-deep", "values nest too deeply")]) from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise FollowupError([Diagnostic(Location(source, line, 1), "json-syntax", str(exc))]) from None
    fast = (len(text) <= MAX_STRING and not Reader.NON_PRINTABLE.search(text)
            and not _SURROGATE_ESCAPE.search(text))
    return obj, fast


def load_tree(source: str, text: str, obj: Any) -> Node:
    """The line as advise reads a file (located tree, lenient). JSON that the YAML reader refuses
    (surrogate-pair escapes such as \\ud83d\\ude00) is read again from its decoded form."""
    from .loader import parse_text

    try:
        return parse_text(source, text, lenient=True)
    except FollowupError as exc:
        if not any(d.code == "yaml-syntax" for d in exc.diagnostics):
            raise
        try:
            return parse_text(source, json.dumps(obj, ensure_ascii=False), lenient=True)
        except FollowupError:
            raise exc from None


def crash_if_asked(obj: Any, crash_id: str | None) -> None:
    """The FOLLOWUP_BATCH_CRASH_ON_ID test hook: die like a segfaulting engine."""
    rid = record_id(obj)
    if crash_id is not None and rid is not None and str(rid) == crash_id:
        os._exit(139)


def answer_line(advisor: Advisor, ctx: Context, line: int, data: bytes,
                crash_id: str | None = None) -> tuple[bool, bytes]:
    """One input line -> (is_error, result line)."""
    obj: Any = None
    try:
        text = decode_line(ctx.source, line, data)
        obj, fast = load_json(ctx.source, line, text)
        crash_if_asked(obj, crash_id)
        scenario = validate_fast(advisor, ctx, line, obj) if fast else None
        if scenario is None:  # read and validate as advise does, for its exact diagnostics
            node = load_tree(ctx.source, text, obj)
            scenario = advisor.scenario(node, as_of=ctx.as_of, today=ctx.today)
        rec = advisor.evaluate(scenario)
        return False, answer_record(line, record_id(obj), rec.to_json())
    except FollowupError as exc:
        return True, error_record(line, record_id(obj), relocate(exc.diagnostics, ctx.source, line))


def validate_fast(advisor: Advisor, ctx: Context, line: int, obj: Any) -> Scenario | None:
    """The scenario from the plain JSON value, or None when it has a problem (to be reported
    with advise's exact locations by the slow path)."""
    from .loader import from_plain

    try:
        return advisor.scenario(from_plain(ctx.source, obj, line), as_of=ctx.as_of, today=ctx.today)
    except FollowupError:
        return None


def internal_error(ctx: Context, line: int, exc: BaseException) -> bytes:
    return error_record(line, None, [Diagnostic(Location(ctx.source, line, 1), "internal-error",
                                                f"{type(exc).__name__}: {exc}")])


# ---------------------------------------------------------------------------------------------
# worker process


def _die_with_parent(parent: int) -> None:
    """Linux: SIGKILL this worker when the supervisor dies (kill -9 included)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:
        os._exit(0)


def _worker_main(conn: Connection, inherited: list[Connection], ctx: Context, parent: int) -> None:
    """Load the Advisor once, then answer chunks of (line, bytes) until told to stop or orphaned.
    Messages up: ("ready", pid) or ("rules-error", [lines]) once, then (line, is_error, bytes)."""
    for other in inherited:  # fork: the supervisor's ends of the other workers' pipes
        other.close()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # dies; the supervisor sends its records again
    _die_with_parent(parent)
    try:  # stray output from the engine goes to stderr, never into the results on stdout
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    except OSError:
        pass
    try:
        from .advisor import load_advisor

        advisor = load_advisor(ctx.rules_dir)
    except FollowupError as exc:
        conn.send(("rules-error", [d.render() for d in exc.diagnostics]))
        return
    except Exception as exc:  # noqa: BLE001 - reported to the supervisor, which exits 2
        where = ctx.rules_dir or "rules"
        conn.send(("rules-error", [Diagnostic(Location(where), "internal-error",
                                              f"{type(exc).__name__}: {exc}").render()]))
        return
    conn.send(("ready", os.getpid()))
    _serve(conn, advisor, ctx, os.environ.get(CRASH_ENV) or None)


def _serve(conn: Connection, advisor: Advisor, ctx: Context, crash_id: str | None) -> None:
    while True:
        try:
            chunk = conn.recv()
        except (EOFError, OSError):
            return
        if chunk is None:
            return
        for line, data in chunk:
            try:
                is_error, out = answer_line(advisor, ctx, line, data, crash_id)
            except MemoryError:  # the engine is poisoned after this (fault 2): start afresh
                os._exit(70)
            except Exception as exc:  # noqa: BLE001 - one record's bug is that record's error
                is_error, out = True, internal_error(ctx, line, exc)
            conn.send((line, is_error, out))


def _context() -> BaseContext:
    import multiprocessing

    fork = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if fork else "spawn")


@dataclass
class Job:
    """One input line on its way: its number, its bytes, its size in INPUT (for progress)."""

    line: int
    data: bytes
    size: int
    too_long: bool = False


@dataclass
class Worker:
    proc: BaseProcess
    conn: Connection
    ready: bool = False
    started: float = field(default_factory=time.monotonic)
    busy_since: float = 0.0  # when the record at the head of `assigned` started, roughly
    assigned: deque[Job] = field(default_factory=deque)  # sent, not answered yet, in order
    chunk_ends: deque[int] = field(default_factory=deque)  # last line of each chunk sent
    head_started: bool = False  # an answer from the oldest chunk came back: it left the pipe
    sent: int = 0  # records sent to it so far
    retiring: bool = False  # served RECYCLE_AFTER records: finishes its work, then stops
    stopping: bool = False  # told to stop


    def can_take(self) -> bool:
        """Idle, or working on its only chunk (so the pipe to it is empty): a second chunk of at
        most PIPELINE_BYTES then fits in the pipe and the send cannot block, whatever the worker
        is doing. Keeps a worker busy without ever risking a send/send deadlock."""
        return self.ready and not self.retiring and (
            not self.chunk_ends or (len(self.chunk_ends) == 1 and self.head_started))


class Pool:
    """Worker processes: start, replace, stop. Knows nothing of records."""

    def __init__(self, ctx: Context):
        self.context = _context()
        self.ctx = ctx
        self.workers: list[Worker] = []
        if self.context.get_start_method() == "fork":
            import followup.advisor  # noqa: F401 - imported once here, inherited by every fork

    def spawn(self) -> Worker:
        parent_end, child_end = self.context.Pipe(duplex=True)
        fork = self.context.get_start_method() == "fork"
        inherited = [w.conn for w in self.workers] + [parent_end] if fork else []
        proc = self.context.Process(target=_worker_main, name="followup-batch-worker",
                                    args=(child_end, inherited, self.ctx, os.getpid()), daemon=True)
        sys.stdout.flush()
        sys.stderr.flush()
        proc.start()
        child_end.close()
        worker = Worker(proc, parent_end)
        self.workers.append(worker)
        return worker

    def remove(self, worker: Worker) -> int | None:
        """Forget a dead (or to-be-killed) worker; returns its exit code (-N: killed by signal N)."""
        if worker.proc.is_alive():
            worker.proc.kill()
        worker.proc.join(5)
        worker.conn.close()
        self.workers.remove(worker)
        code = worker.proc.exitcode
        try:
            worker.proc.close()
        except ValueError:  # still running after SIGKILL and 5 s: leave it to the OS
            pass
        return code

    def stop(self, graceful: bool) -> None:
        for w in list(self.workers):
            if graceful and w.proc.is_alive():
                try:
                    w.conn.send(None)
                except OSError:
                    pass
        deadline = time.monotonic() + (2.0 if graceful else 0.0)
        for w in list(self.workers):
            w.proc.join(max(0.0, deadline - time.monotonic()))
            self.remove(w)


def describe_exit(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit status {code}"


def wait_ready(pool: Pool, worker: Worker) -> None:
    """Block until the first worker has loaded the rules; a rules problem is Fatal (exit 2)."""
    from multiprocessing.connection import wait

    where = pool.ctx.rules_dir or "rules"
    ready = wait([worker.conn, worker.proc.sentinel], STARTUP_TIMEOUT)
    if not ready:
        pool.remove(worker)
        raise fatal(where, "engine-hang", f"loading the rules took more than {STARTUP_TIMEOUT:.0f} s")
    try:
        kind, payload = worker.conn.recv()
    except (EOFError, OSError):
        how = describe_exit(pool.remove(worker))
        raise fatal(where, "engine-crash", f"the engine crashed while loading the rules ({how})") from None
    if kind == "rules-error":
        pool.remove(worker)
        raise Fatal(list(payload))
    worker.ready = True


# ---------------------------------------------------------------------------------------------
# input and output


def open_input(path: str) -> tuple[BinaryIO, str, int | None]:
    """INPUT ("-" for stdin) -> (binary stream, name for diagnostics, size when a regular file)."""
    if path == "-":
        stream = sys.stdin.buffer
        return stream, STDIN, _regular_size(stream)
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the caller
    except FileNotFoundError:
        raise fatal(path, "no-such-file", "file not found") from None
    except IsADirectoryError:
        raise fatal(path, "not-a-file", "is a directory, not a file") from None
    except OSError as exc:
        raise fatal(path, "unreadable", exc.strerror or str(exc)) from None
    return fh, path, _regular_size(fh)


def _regular_size(stream: Any) -> int | None:
    import stat

    try:
        st = os.fstat(stream.fileno())
    except (OSError, AttributeError, ValueError):
        return None
    return st.st_size if stat.S_ISREG(st.st_mode) else None


class Reader:
    """INPUT's lines as Jobs, one at a time, each at most `limit` bytes in memory."""

    def __init__(self, stream: BinaryIO, name: str):
        from .loader import MAX_BYTES  # advise's limit for one file is batch's for one line

        self.stream = stream
        self.name = name
        self.max_bytes = MAX_BYTES
        self.limit = MAX_BYTES + 3  # a longest line plus "\r\n", and one byte to see it is longer
        self.next_line = 1
        self.exhausted = False

    def _read(self) -> bytes:
        try:
            return self.stream.readline(self.limit)
        except OSError as exc:
            raise fatal(self.name, "unreadable", exc.strerror or str(exc)) from None

    def _raw(self) -> tuple[bytes, int, bool] | None:
        """(line without its terminator, bytes it took in INPUT, whether it was too long)."""
        data = self._read()
        if not data:
            return None
        size = len(data)
        if len(data) == self.limit and not data.endswith(b"\n"):
            while True:  # too long: skip the rest of it without keeping it
                more = self._read()
                size += len(more)
                if not more or more.endswith(b"\n"):
                    return b"", size, True
        if data.endswith(b"\n"):
            data = data[:-1]
        if data.endswith(b"\r"):
            data = data[:-1]
        return data, size, len(data) > self.max_bytes

    def pull(self) -> Job | None:
        if self.exhausted:
            return None
        raw = self._raw()
        if raw is None:
            self.exhausted = True
            return None
        data, size, too_long = raw
        job = Job(self.next_line, b"" if too_long else data, size, too_long)
        self.next_line += 1
        return job

    def skip(self, lines: int) -> int:
        """Skip the first `lines` lines (done by an earlier run); returns their bytes."""
        skipped = 0
        while self.next_line <= lines:
            job = self.pull()
            if job is None:
                break
            skipped += job.size
        return skipped


@dataclass
class Done:
    """What an earlier run left in OUTPUT (for --resume)."""

    last_line: int = 0
    records: int = 0
    errors: int = 0


def scan_output(path: str) -> tuple[Done, int]:
    """Read OUTPUT's complete lines: what is done, and the offset where they end."""
    done = Done()
    end = 0
    last = b""
    with open(path, "rb") as fh:
        for raw in fh:
            if not raw.endswith(b"\n"):
                break  # a torn last line: dropped
            end += len(raw)
            last = raw
            done.records += 1
            done.errors += ERROR_MARK in raw
    if last:
        try:
            number = json.loads(last)["line"]
        except (ValueError, KeyError, TypeError):
            number = None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise fatal(path, "not-a-batch-output",
                        f"line {done.records} is not a batch result; cannot resume from this file")
        done.last_line = number
    return done, end


def open_output(path: str | None, resume: bool) -> tuple[Output, Done]:
    """OUTPUT for this run: created (truncated), or with --resume kept up to its last complete line."""
    if path is None:
        if resume:
            raise fatal(STDOUT, "resume-needs-output",
                        "--resume needs -o OUTPUT; results written to stdout cannot be resumed")
        return Output.stdout(), Done()
    done = Done()
    try:
        if resume and os.path.exists(path):
            done, end = scan_output(path)
            fd = os.open(path, os.O_WRONLY)
            os.ftruncate(fd, end)
            os.lseek(fd, end, os.SEEK_SET)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    except IsADirectoryError:
        raise fatal(path, "not-a-file", "is a directory, not a file") from None
    except OSError as exc:
        raise fatal(path, "unwritable", exc.strerror or str(exc)) from None
    return Output(path, lambda data: _write_all(fd, data), fd), done


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


class Output:
    """Complete result lines, in order: buffered, written in one go per flush, fsynced now and then."""

    def __init__(self, name: str, write: Callable[[bytes], None], fd: int | None = None,
                 owned: bool = True):
        self.name = name
        self._write = write
        self.fd = fd
        self.owned = owned and fd is not None
        self.buffer = bytearray()
        self.flushed_at = self.synced_at = time.monotonic()

    @classmethod
    def stdout(cls) -> Output:
        sys.stdout.flush()
        try:
            fd = sys.stdout.fileno()
        except (AttributeError, OSError, ValueError):  # e.g. click's CliRunner
            stream = sys.stdout.buffer

            def write(data: bytes) -> None:
                stream.write(data)
                stream.flush()

            return cls(STDOUT, write)
        return cls(STDOUT, lambda data: _write_all(fd, data), fd, owned=False)

    def add(self, line: bytes) -> None:
        self.buffer += line
        if len(self.buffer) >= FLUSH_BYTES:
            self.flush()

    def tick(self, now: float) -> None:
        if self.buffer and now - self.flushed_at >= FLUSH_SECONDS:
            self.flush()
        if now - self.synced_at >= FSYNC_SECONDS:
            self.sync()

    def flush(self) -> None:
        if self.buffer:
            data = bytes(self.buffer)
            self.buffer.clear()
            try:
                self._write(data)
            except BrokenPipeError:
                raise
            except OSError as exc:
                raise fatal(self.name, "unwritable", exc.strerror or str(exc)) from None
        self.flushed_at = time.monotonic()

    def sync(self) -> None:
        self.flush()
        self.synced_at = time.monotonic()
        if self.owned and self.fd is not None:
            try:
                os.fsync(self.fd)
            except OSError:  # /dev/null and the like
                pass

    def close(self) -> None:
        try:
            self.sync()
        finally:
            if self.owned and self.fd is not None:
                os.close(self.fd)
                self.fd = None


# ---------------------------------------------------------------------------------------------
# progress


class Progress:
    """`12,345 records  2,310/s  ETA 0:00:42  (3 errors)` on stderr, when it is a terminal."""

    def __init__(self, enabled: bool, total_bytes: int | None, start_bytes: int):
        self.enabled = enabled
        self.total = total_bytes
        self.start_bytes = start_bytes
        self.started = time.monotonic()
        self.shown = 0.0

    def update(self, records: int, errors: int, done_bytes: int, final: bool = False) -> None:
        now = time.monotonic()
        if not self.enabled or (not final and now - self.shown < 0.1):
            return
        self.shown = now
        elapsed = max(now - self.started, 1e-6)
        text = f"{records:,} records  {records / elapsed:,.0f}/s"
        if final:
            text += f"  done in {elapsed:.1f} s"
        elif self.total and done_bytes > self.start_bytes:
            rate = (done_bytes - self.start_bytes) / elapsed
            eta = int(max(self.total - done_bytes, 0) / rate)
            text += f"  {100 * done_bytes / self.total:.0f}%  ETA {dt.timedelta(seconds=eta)}"
        if errors:
            text += f"  ({errors:,} errors)"
        sys.stderr.write("\r\x1b[K" + text + ("\n" if final else ""))
        sys.stderr.flush()


# ---------------------------------------------------------------------------------------------
# the supervisor


class Batch:
    """Reads jobs, hands them to workers, writes results in input order."""

    def __init__(self, pool: Pool, size: int, reader: Reader, output: Output, progress: Progress,
                 done: Done, start_bytes: int, stop: list[int]):
        self.pool = pool
        self.size = size  # workers to keep running
        self.reader = reader
        self.output = output
        self.progress = progress
        self.stop = stop  # a signal number once the run is asked to stop
        self.window = max(MIN_WINDOW, self.size * WINDOW_PER_WORKER)
        self.requeue: deque[Job] = deque()
        self.results: dict[int, tuple[bytes, bool, int]] = {}
        self.next_write = reader.next_line
        self.inflight_bytes = 0
        self.records, self.errors = done.records, done.errors
        self.done_bytes = start_bytes
        self.startup_failures = 0

    # -- the loop
    def run(self) -> None:
        from multiprocessing.connection import wait

        while not self.stop and not self.finished():
            self.dispatch()
            self.fill_workers()
            conns: list[Any] = [w.conn for w in self.pool.workers]
            sentinels = [w.proc.sentinel for w in self.pool.workers]
            for ready in wait(conns + sentinels, 0.1):
                self.on_ready(ready)
            self.check_timeouts()
            self.retire_idle()
            self.write_ready()
            self.output.tick(time.monotonic())
            self.progress.update(self.records, self.errors, self.done_bytes)

    def finished(self) -> bool:
        return (self.reader.exhausted and not self.requeue and not self.results
                and all(not w.assigned for w in self.pool.workers)
                and self.next_write == self.reader.next_line)

    def fill_workers(self) -> None:
        """While work is left, keep `size` workers taking it: start them, replace the dead, and
        the retiring ahead of time. (A three-line input starts one worker, not cpu_count.)"""
        if self.reader.exhausted and not self.requeue:
            return
        while sum(not w.retiring for w in self.pool.workers) < self.size:
            self.pool.spawn()

    def retire_idle(self) -> None:
        """A retiring worker with nothing left to answer is told to stop; its exit is then
        handled like any other (with no record to blame)."""
        for worker in self.pool.workers:
            if worker.retiring and not worker.assigned and not worker.stopping:
                worker.stopping = True
                try:
                    worker.conn.send(None)
                except OSError:
                    pass

    # -- handing out work
    def dispatch(self) -> None:
        for worker in list(self.pool.workers):
            while worker in self.pool.workers and worker.can_take():
                chunk = self.take_chunk(pipelined=bool(worker.chunk_ends))
                if not chunk:
                    break
                self.send(worker, chunk)

    def take_chunk(self, pipelined: bool) -> list[Job]:
        """Up to CHUNK jobs; for a busy worker at most PIPELINE_BYTES of them, else at most
        CHUNK_BYTES (and at least one job)."""
        chunk: list[Job] = []
        size = 0
        limit = PIPELINE_BYTES if pipelined else CHUNK_BYTES
        while len(chunk) < CHUNK:
            job = self.next_job()
            if job is None:
                break
            if size + len(job.data) > limit and (chunk or pipelined):
                self.requeue.appendleft(job)
                break
            chunk.append(job)
            size += len(job.data)
        return chunk

    def next_job(self) -> Job | None:
        if self.requeue:
            return self.requeue.popleft()
        while (not self.reader.exhausted and self.reader.next_line < self.next_write + self.window
               and (self.inflight_bytes < MAX_INFLIGHT_BYTES or not self.inflight_bytes)):
            job = self.reader.pull()
            if job is None:
                return None
            if job.too_long:
                self.finish(job, True, error_record(job.line, None, [Diagnostic(
                    Location(self.pool.ctx.source, job.line, 1), "too-large",
                    f"line is {job.size} bytes; the limit is {self.reader.max_bytes}")]))
                continue
            self.inflight_bytes += len(job.data)
            return job
        return None

    def send(self, worker: Worker, chunk: list[Job]) -> None:
        try:
            worker.conn.send([(job.line, job.data) for job in chunk])
        except OSError:
            self.requeue.extendleft(reversed(chunk))
            self.on_death(worker)
            return
        if not worker.chunk_ends:
            worker.busy_since = time.monotonic()
            worker.head_started = False
        worker.assigned.extend(chunk)
        worker.chunk_ends.append(chunk[-1].line)
        worker.sent += len(chunk)
        worker.retiring = worker.sent >= RECYCLE_AFTER

    # -- hearing back
    def on_ready(self, ready: Any) -> None:
        worker = next((w for w in self.pool.workers
                       if ready is w.conn or ready == w.proc.sentinel), None)
        if worker is None:
            return  # already handled through its other handle
        if ready is worker.conn and self.receive(worker):
            return
        self.on_death(worker)

    def receive(self, worker: Worker) -> bool:
        """Read every waiting message; False when the worker is gone (or broke the protocol)."""
        try:
            while worker.conn.poll():
                message = worker.conn.recv()
                if not self.take_message(worker, message):
                    return False
        except Exception:  # noqa: BLE001 - EOF, or a message cut short by the worker's death
            return False
        return True

    def take_message(self, worker: Worker, message: Any) -> bool:
        if message[0] == "ready":
            worker.ready = True
            self.startup_failures = 0
            return True
        if message[0] == "rules-error" or not worker.assigned:
            return False
        line, is_error, out = message
        job = worker.assigned.popleft()
        if job.line != line:
            worker.assigned.appendleft(job)
            return False
        worker.busy_since = time.monotonic()
        worker.head_started = job.line != worker.chunk_ends[0]
        if not worker.head_started:
            worker.chunk_ends.popleft()
        self.inflight_bytes -= len(job.data)
        self.finish(job, is_error, out)
        return True

    def finish(self, job: Job, is_error: bool, out: bytes) -> None:
        self.results[job.line] = (out, is_error, job.size)

    def on_death(self, worker: Worker, why: str = "") -> None:
        """A worker died (or is to be killed): its finished results count, the record it was on
        becomes `engine-crash`, the rest of its chunk goes to the others; fill_workers replaces it.
        A worker stopped from outside (SIGTERM, SIGHUP, SIGINT: e.g. a signal to the whole process
        group) or while the run is stopping blames no record: its records are simply sent again."""
        if worker not in self.pool.workers:
            return
        self.receive(worker)  # results it sent before dying are still in the pipe
        was_ready = worker.ready
        code = self.pool.remove(worker)
        if not was_ready:
            self.startup_failures += 1
            if self.startup_failures > MAX_STARTUP_FAILURES:
                raise fatal(self.pool.ctx.rules_dir or "rules", "engine-crash",
                            f"workers keep dying while loading the rules ({describe_exit(code)})")
        stopped = not why and (self.stop or code in (-signal.SIGTERM, -signal.SIGHUP, -signal.SIGINT))
        if worker.assigned and not stopped:
            culprit = worker.assigned.popleft()
            self.inflight_bytes -= len(culprit.data)
            self.finish(culprit, True, self.crash_record(culprit, why or describe_exit(code)))
        self.requeue.extendleft(reversed(worker.assigned))

    def crash_record(self, job: Job, how: str) -> bytes:
        try:
            rid = record_id(json.loads(job.data))
        except (ValueError, RecursionError):
            rid = None
        where = Location(self.pool.ctx.source, job.line, 1)
        return error_record(job.line, rid, [Diagnostic(
            where, "engine-crash", f"the engine crashed on this scenario ({how}); the worker was replaced")])

    def check_timeouts(self) -> None:
        now = time.monotonic()
        for worker in list(self.pool.workers):
            if worker.assigned and now - worker.busy_since > RECORD_TIMEOUT:
                self.receive(worker)
                if worker.assigned:
                    self.on_death(worker, f"no answer in {RECORD_TIMEOUT:.0f} s, killed")
            elif not worker.ready and now - worker.started > STARTUP_TIMEOUT:
                self.on_death(worker, "took too long to load the rules")

    # -- writing, in input order
    def write_ready(self) -> None:
        while self.next_write in self.results:
            out, is_error, size = self.results.pop(self.next_write)
            self.output.add(out)
            self.records += 1
            self.errors += is_error
            self.done_bytes += size
            self.next_write += 1


@contextmanager
def stop_signals() -> Iterator[list[int]]:
    """SIGINT and SIGTERM ask the run to stop (after writing what is finished) instead of killing it."""
    stop: list[int] = []
    previous: dict[int, Any] = {}

    def handler(signum: int, frame: Any) -> None:
        stop.append(signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            previous[sig] = signal.signal(sig, handler)
        except ValueError:  # not the main thread
            pass
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def run_batch(input_path: str, output_path: str | None, workers: int | None, as_of: dt.date | None,
              rules_dir: str | None, resume: bool, quiet: bool) -> int:
    """Answer every line of INPUT into OUTPUT (None: stdout). Returns the exit status."""
    with stop_signals() as stop:
        try:
            return _run(input_path, output_path, workers or os.cpu_count() or 1, as_of, rules_dir,
                        resume, quiet, stop)
        except Fatal as exc:
            for line in exc.lines:
                click.echo(line, err=True)
            return exc.code


def _check_paths(input_path: str, output_path: str | None, workers: int, resume: bool) -> None:
    if not 1 <= workers <= MAX_WORKERS:
        raise fatal("<arguments>", "bad-option", f"--workers must be 1 to {MAX_WORKERS}, not {workers}")
    if resume and output_path is None:
        raise fatal(STDOUT, "resume-needs-output",
                    "--resume needs -o OUTPUT; results written to stdout cannot be resumed")
    if output_path is not None and input_path != "-":
        try:
            same = os.path.samefile(input_path, output_path)
        except OSError:
            same = False
        if same:
            raise fatal(output_path, "output-is-input", "OUTPUT is the INPUT file; choose another file")


def _run(input_path: str, output_path: str | None, workers: int, as_of: dt.date | None,
         rules_dir: str | None, resume: bool, quiet: bool, stop: list[int]) -> int:
    _check_paths(input_path, output_path, workers, resume)
    stream, source, total = open_input(input_path)
    pool = Pool(Context(source, rules_dir, as_of, dt.date.today()))
    graceful = False
    try:
        wait_ready(pool, pool.spawn())
        if stop:  # interrupted while the rules loaded: leave OUTPUT alone
            return EXIT_SIGINT if stop[0] == signal.SIGINT else EXIT_SIGTERM
        output, done = open_output(output_path, resume)
        reader = Reader(stream, source)
        start_bytes = reader.skip(done.last_line)
        progress = Progress(not quiet and sys.stderr.isatty(), total, start_bytes)
        batch = Batch(pool, workers, reader, output, progress, done, start_bytes, stop)
        if not drive(batch, output):
            return EXIT_PIPE
        progress.update(batch.records, batch.errors, batch.done_bytes, final=True)
        if stop:
            return EXIT_SIGINT if stop[0] == signal.SIGINT else EXIT_SIGTERM
        graceful = True
        return EXIT_ERRORS if batch.errors else EXIT_OK
    finally:
        pool.stop(graceful)
        if stream is not sys.stdin.buffer:
            stream.close()


def drive(batch: Batch, output: Output) -> bool:
    """Run the batch; whatever happens, write what is finished and close OUTPUT.
    False when the output pipe was closed by its reader."""
    try:
        try:
            batch.run()
        finally:
            batch.write_ready()
            output.close()
    except BrokenPipeError:
        _quiet_stdout()
        return False
    return True


def _quiet_stdout() -> None:
    """After EPIPE on stdout: point it at /dev/null so the interpreter's last flush stays silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


# ---------------------------------------------------------------------------------------------
# the command (registered by cli.py: main.add_command(batch_command))


def _date(ctx: Any, param: Any, value: str | None) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD") from None


@click.command("batch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", "output_path", metavar="OUTPUT", default=None,
              help="write the results here (default: stdout); needed for --resume")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=None, metavar="N",
              help="worker processes (default: the number of CPUs)")
@click.option("--as-of", "as_of", metavar="DATE", callback=_date, default=None,
              help="the day the question is asked, for every scenario (overrides their as_of)")
@click.option("--rules", "rules", metavar="DIR", default=None,
              help="rules directory (default: $FOLLOWUP_RULES, else the stock rules)")
@click.option("--resume", is_flag=True, default=False,
              help="continue an interrupted run into the same OUTPUT: keep its complete lines, "
                   "answer the input lines after the last one")
@click.option("-q", "--quiet", is_flag=True, default=False, help="no progress bar")
def batch_command(input_path: str, output_path: str | None, workers: int | None,
                  as_of: dt.date | None, rules: str | None, resume: bool, quiet: bool) -> None:
    """Answer many scenarios. INPUT is JSON Lines, one scenario object per line (- for stdin);
    the output has one JSON line per input line, in input order: {"line", "id", "answer"} or
    {"line", "id", "error"}. Exit 0 all answered, 1 some records were errors, 2 unusable
    invocation; 130/143 when interrupted (run again with --resume)."""
    sys.exit(run_batch(input_path, output_path, workers, as_of, rules, resume, quiet))
