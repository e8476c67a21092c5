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

Code: this module is the command and the supervisor (Batch); batch_io reads INPUT, encodes the
result records and writes OUTPUT; batch_workers runs the worker processes (Pool); batch_answer
turns one input line into its result line, in a worker.

Test hook: FOLLOWUP_BATCH_CRASH_ON_ID=<id> makes a worker call os._exit(139) just before it
evaluates a record whose `id` is <id>, to simulate an engine crash. For tests only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import sys
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from .answer import Context
from .io import (STDOUT, Fatal, Progress, Reader, error_record, fatal, open_input, open_output,
                       record_id)
from .workers import STARTUP_TIMEOUT, Pool, describe_exit, wait_ready
from followup.cli import date_option
from followup.core.errors import Diagnostic, Location

# multiprocessing and the loader are imported where used (here, .batch_workers, .batch_answer):
# `followup --help` and the other commands do not pay for them.
if TYPE_CHECKING:  # pragma: no cover
    from .io import Done, Job, Output
    from .workers import Worker

CHUNK = 32  # records per message to a worker
CHUNK_BYTES = 1 << 20  # input bytes per message to an idle worker (at least one record)
PIPELINE_BYTES = 32 << 10  # a busy worker's next chunk: small enough never to block the send
WINDOW_PER_WORKER = 3 * CHUNK  # records in flight or buffered, per worker (at least MIN_WINDOW)
MIN_WINDOW = 256
MAX_INFLIGHT_BYTES = 32 << 20  # input bytes held by the supervisor at once
RECORD_TIMEOUT = 120.0  # seconds one record may take before its worker is killed
MAX_STARTUP_FAILURES = 5  # workers in a row dying before they are ready: give up
MAX_WORKERS = 256
RECYCLE_AFTER = 4000  # records per worker before it is replaced by a fresh one (caps any leak)
EXIT_OK, EXIT_ERRORS, EXIT_USAGE = 0, 1, 2
EXIT_SIGINT, EXIT_SIGTERM, EXIT_PIPE = 130, 143, 141

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
        for signum, old in previous.items():
            signal.signal(signum, old)


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
            return EXIT_USAGE


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
            return _stopped(stop)
        output, done = open_output(output_path, resume)
        reader = Reader(stream, source)
        start_bytes = reader.skip(done.last_line)
        progress = Progress(not quiet and sys.stderr.isatty(), total, start_bytes)
        batch = Batch(pool, workers, reader, output, progress, done, start_bytes, stop)
        if not drive(batch, output):
            return EXIT_PIPE
        progress.update(batch.records, batch.errors, batch.done_bytes, final=True)
        if stop:
            return _stopped(stop)
        graceful = True
        return EXIT_ERRORS if batch.errors else EXIT_OK
    finally:
        pool.stop(graceful)
        if stream is not sys.stdin.buffer:
            stream.close()


def _stopped(stop: list[int]) -> int:
    return EXIT_SIGINT if stop[0] == signal.SIGINT else EXIT_SIGTERM


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
# the command (cli.py loads it lazily under the name `batch`)


@click.command("batch", context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", "output_path", metavar="OUTPUT", default=None,
              help="write the results here (default: stdout); needed for --resume")
@click.option("--workers", type=click.IntRange(1, MAX_WORKERS), default=None, metavar="N",
              help="worker processes (default: the number of CPUs)")
@click.option("--as-of", "as_of", metavar="DATE", callback=date_option, default=None,
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
