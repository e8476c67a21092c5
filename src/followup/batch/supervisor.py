"""The supervisor of a `followup batch` run (see the package docstring for the design): it hands
INPUT's records to the worker processes in chunks, hears their results back, blames a dead or
stuck worker's record, and writes the results in input order.

Batch is one class over ~200 lines on purpose: every method keeps the same invariants over the
same state (each record is in exactly one of: unread, requeued, assigned to one worker, or in the
reorder buffer; in-flight bytes; each worker's chunk boundaries), and splitting it would spread
those invariants over several objects."""

from __future__ import annotations

import json
import signal
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, Location

from .io import error_record, fatal, record_id
from .workers import STARTUP_TIMEOUT, describe_exit

# multiprocessing and the loader are imported where used (here, workers.py, answer.py):
# `followup --help` and the other commands do not pay for them.
if TYPE_CHECKING:  # pragma: no cover
    from .io import Done, Job, Output, Progress, Reader
    from .workers import Pool, Worker

CHUNK = 32  # records per message to a worker
CHUNK_BYTES = 1 << 20  # input bytes per message to an idle worker (at least one record)
PIPELINE_BYTES = 32 << 10  # a busy worker's next chunk: small enough never to block the send
WINDOW_PER_WORKER = 3 * CHUNK  # records in flight or buffered, per worker (at least MIN_WINDOW)
MIN_WINDOW = 256
MAX_INFLIGHT_BYTES = 32 << 20  # input bytes held by the supervisor at once
RECORD_TIMEOUT = 120.0  # seconds one record may take before its worker is killed
MAX_STARTUP_FAILURES = 5  # workers in a row dying before they are ready: give up
RECYCLE_AFTER = 4000  # records per worker before it is replaced by a fresh one (caps any leak)

# ---------------------------------------------------------------------------------------------
# the supervisor


class Batch:
    """Reads jobs, hands them to workers, writes results in input order."""

    def __init__(
        self,
        pool: Pool,
        size: int,
        reader: Reader,
        output: Output,
        progress: Progress,
        done: Done,
        start_bytes: int,
        stop: list[int],
    ):
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
        return (
            self.reader.exhausted
            and not self.requeue
            and not self.results
            and all(not w.assigned for w in self.pool.workers)
            and self.next_write == self.reader.next_line
        )

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
        while (
            not self.reader.exhausted
            and self.reader.next_line < self.next_write + self.window
            and (self.inflight_bytes < MAX_INFLIGHT_BYTES or not self.inflight_bytes)
        ):
            job = self.reader.pull()
            if job is None:
                return None
            if job.too_long:
                self.finish(
                    job,
                    True,
                    error_record(
                        job.line,
                        None,
                        [
                            Diagnostic(
                                Location(self.pool.ctx.source, job.line, 1),
                                "too-large",
                                f"line is {job.size} bytes; the limit is {self.reader.max_bytes}",
                            )
                        ],
                    ),
                )
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
        worker = next((w for w in self.pool.workers if ready is w.conn or ready == w.proc.sentinel), None)
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
                raise fatal(
                    self.pool.ctx.rules_dir or "rules",
                    "engine-crash",
                    f"workers keep dying while loading the rules ({describe_exit(code)})",
                )
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
        return error_record(
            job.line,
            rid,
            [
                Diagnostic(
                    where,
                    "engine-crash",
                    f"the engine crashed on this scenario ({how}); the worker was replaced",
                )
            ],
        )

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
