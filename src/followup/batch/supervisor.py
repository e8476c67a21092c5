"""The supervisor of a `followup batch` run (see the package docstring for the design): it hands
INPUT's records to the worker processes, hears their results back, blames a dead or stuck
worker's record (exactly the one it was answering, if any), and writes the results in input order.

Batch is one class over ~250 lines on purpose: every method keeps the same invariants over the
same state (each record is in exactly one of: unread, requeued, assigned to one worker, or in the
reorder buffer; in-flight bytes), and splitting it would spread those invariants over several
objects. It never blocks: it waits (0.1 s at most) on every worker's pipes and process, and on
INPUT when that is a pipe with nothing in it yet."""

from __future__ import annotations

import json
import select
import signal
import time
from collections import deque
from typing import TYPE_CHECKING

from followup.core.errors import Diagnostic, Location

from .channel import ANSWER, ERROR, READY, STOP, frame, frames
from .io import error_record, fatal, record_id
from .workers import STARTUP_TIMEOUT, describe_exit

if TYPE_CHECKING:  # pragma: no cover
    from .channel import Frame
    from .io import Job, Reader
    from .output import Output, Progress
    from .resume import Tracker
    from .workers import Pool, Worker

CHUNK = 32  # records sent to a worker at once; it gets more when it has fewer than this left
CHUNK_BYTES = 1 << 20  # input bytes sent to a worker at once (at least one record)
WINDOW_PER_WORKER = 3 * CHUNK  # records in flight or buffered, per worker (at least MIN_WINDOW)
MIN_WINDOW = 256
MAX_INFLIGHT_BYTES = 32 << 20  # input bytes held by the supervisor at once
RECORD_TIMEOUT = 120.0  # seconds one record may take before its worker is killed
MAX_STARTUP_FAILURES = 5  # workers in a row dying before they are ready: give up
# records per worker before it is replaced by a fresh one: caps any leak. A worker's memory is flat
# over 1,000,000 records (bench/run.py), and a fresh one starts with decide's memo empty (about
# 10% more CPU per record for its first few thousand), so this is large.
RECYCLE_AFTER = 100_000
PAUSE = 2.0  # seconds between two looks at the timeouts that mean this process was held up
EXTERNAL = (-signal.SIGTERM, -signal.SIGHUP, -signal.SIGINT)  # a worker stopped from outside


class Batch:
    """Reads jobs, hands them to workers, writes results in input order."""

    def __init__(
        self,
        pool: Pool,
        size: int,
        reader: Reader,
        output: Output,
        progress: Progress,
        done: tuple[int, int],
        start_bytes: int,
        stop: list[int],
        tracker: Tracker | None,
    ):
        self.pool = pool
        self.size = size  # workers to keep running
        self.reader = reader
        self.output = output
        self.progress = progress
        self.stop = stop  # a signal number once the run is asked to stop
        self.tracker = tracker
        self.window = max(MIN_WINDOW, self.size * WINDOW_PER_WORKER)
        self.requeue: deque[Job] = deque()
        self.results: dict[int, tuple[bytes, bool, int, bytes]] = {}
        self.next_write = reader.next_line
        self.inflight_bytes = 0
        self.records, self.errors = done
        self.done_bytes = start_bytes
        self.startup_failures = 0
        self.ticked = time.monotonic()

    # -- the loop
    def run(self) -> None:
        while not self.stop and not self.finished():
            self.dispatch()
            self.fill_workers()
            self.wait(0.1)
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

    def wait(self, seconds: float) -> None:
        """Until something happens (at most `seconds`): a worker's results or end, room in a
        worker's pipe for what waits to go to it, a line on a silent INPUT pipe."""
        poller = select.poll()
        owner: dict[int, tuple[Worker, str]] = {}
        for w in self.pool.workers:
            owner[w.inbox.fd] = (w, "inbox")
            owner[w.proc.sentinel] = (w, "end")
            poller.register(w.inbox.fd, select.POLLIN)
            poller.register(w.proc.sentinel, select.POLLIN)
            if w.outbox.pending:
                owner[w.outbox.fd] = (w, "outbox")
                poller.register(w.outbox.fd, select.POLLOUT)
        if self.reader.starved and self.room():
            poller.register(self.reader.fd, select.POLLIN)
        for fd, _ in poller.poll(seconds * 1000):
            if fd not in owner:
                continue  # INPUT: the next dispatch reads it
            worker, what = owner[fd]
            if worker not in self.pool.workers:
                continue  # already handled through another of its descriptors
            if what == "outbox":
                self.flush_outbox(worker)
            elif what == "end" or not self.receive(worker):
                self.on_death(worker)

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
        for worker in list(self.pool.workers):
            if worker.retiring and not worker.assigned and not worker.stopping:
                worker.stopping = True
                self.send(worker, frame(STOP))

    # -- handing out work
    def dispatch(self) -> None:
        for worker in list(self.pool.workers):
            if worker.ready and not worker.retiring and len(worker.assigned) < CHUNK:
                chunk = self.take_chunk()
                if chunk:
                    self.assign(worker, chunk)

    def take_chunk(self) -> list[Job]:
        """Up to CHUNK jobs of at most CHUNK_BYTES (and at least one job)."""
        chunk: list[Job] = []
        size = 0
        while len(chunk) < CHUNK:
            job = self.next_job()
            if job is None:
                break
            if chunk and size + len(job.data) > CHUNK_BYTES:
                self.requeue.appendleft(job)
                break
            chunk.append(job)
            size += len(job.data)
        return chunk

    def next_job(self) -> Job | None:
        if self.requeue:
            return self.requeue.popleft()
        while self.room():
            job = self.reader.pull()
            if job is None:
                return None
            if job.too_long:
                where = Location(self.pool.ctx.source, job.line, 1)
                message = f"line is {job.size} bytes; the limit is {self.reader.max_bytes}"
                self.finish(
                    job, True, error_record(job.line, None, [Diagnostic(where, "too-large", message)])
                )
                continue
            self.inflight_bytes += len(job.data)
            return job
        return None

    def room(self) -> bool:
        """Whether another line of INPUT may be read now (the window and the bytes in flight)."""
        return (
            not self.reader.exhausted
            and self.reader.next_line < self.next_write + self.window
            and (self.inflight_bytes < MAX_INFLIGHT_BYTES or not self.inflight_bytes)
        )

    def assign(self, worker: Worker, chunk: list[Job]) -> None:
        if not worker.assigned:
            worker.busy_since = time.monotonic()
        worker.assigned.extend(chunk)
        worker.sent += len(chunk)
        worker.retiring = worker.sent >= RECYCLE_AFTER
        self.send(worker, frames([(job.line, job.data) for job in chunk]))

    def send(self, worker: Worker, data: bytes) -> None:
        try:
            worker.outbox.send(data)
        except OSError:
            self.on_death(worker)

    def flush_outbox(self, worker: Worker) -> None:
        try:
            worker.outbox.flush()
        except OSError:
            self.on_death(worker)

    # -- hearing back
    def receive(self, worker: Worker) -> bool:
        """Take every whole frame that has arrived; False when the worker is gone (or broke the
        protocol)."""
        for message in worker.inbox.read():
            if not self.take(worker, message):
                return False
        return not worker.inbox.closed

    def take(self, worker: Worker, message: Frame) -> bool:
        kind, line, payload = message
        if kind == READY:
            worker.ready = True
            self.startup_failures = 0
            return True
        if kind not in (ANSWER, ERROR) or not worker.assigned or worker.assigned[0].line != line:
            return False
        job = worker.assigned.popleft()
        worker.busy_since = time.monotonic()
        self.inflight_bytes -= len(job.data)
        self.finish(job, kind == ERROR, payload)
        return True

    def finish(self, job: Job, is_error: bool, out: bytes) -> None:
        self.results[job.line] = (out, is_error, job.size, job.digest)

    def on_death(self, worker: Worker, why: str = "") -> None:
        """A worker died (or is to be killed): its finished results count; the record it was
        answering, if it was answering one, becomes `engine-crash`; its other records go to the
        others; fill_workers replaces it. A worker stopped from outside (SIGTERM, SIGHUP, SIGINT:
        e.g. a signal to the whole process group) or while the run is stopping blames no record."""
        if worker not in self.pool.workers:
            return
        code = self.pool.end(worker)
        self.receive(worker)  # results it sent before it ended are still in the pipe
        holding = worker.holding  # exact now that it has ended
        self.pool.remove(worker)
        if not worker.ready:
            self.startup_failures += 1
            if self.startup_failures > MAX_STARTUP_FAILURES:
                raise fatal(
                    self.pool.ctx.rules_dir or "rules",
                    "engine-crash",
                    f"workers keep dying while loading the rules ({describe_exit(code)})",
                )
        stopped = not why and (self.stop or code in EXTERNAL)
        # results the worker still held when it ended are lost: those records go again
        culprit = next((job for job in worker.assigned if job.line == holding), None)
        if culprit is not None and not stopped:
            worker.assigned.remove(culprit)
            self.inflight_bytes -= len(culprit.data)
            self.finish(culprit, True, self.crash_record(culprit, why or self.crashed(code)))
        self.requeue.extendleft(reversed(worker.assigned))

    @staticmethod
    def crashed(code: int | None) -> str:
        return f"the engine crashed on this scenario ({describe_exit(code)}); the worker was replaced"

    def crash_record(self, job: Job, message: str) -> bytes:
        try:
            rid = record_id(json.loads(job.data))
        except (ValueError, RecursionError):
            rid = None
        where = Location(self.pool.ctx.source, job.line, 1)
        return error_record(job.line, rid, [Diagnostic(where, "engine-crash", message)])

    def check_timeouts(self) -> None:
        now = time.monotonic()
        gap, self.ticked = now - self.ticked, now
        if gap > PAUSE:  # this process was held up since the last look (Ctrl-Z then fg stops the
            for worker in self.pool.workers:  # workers too; a full OUTPUT pipe holds them up):
                worker.busy_since += gap  # that time does not count against them
                worker.started += gap
        for worker in list(self.pool.workers):
            if worker.assigned and now - worker.busy_since > RECORD_TIMEOUT:
                if not self.receive(worker):
                    self.on_death(worker)
                elif now - worker.busy_since > RECORD_TIMEOUT:
                    self.on_death(
                        worker,
                        f"no answer from the engine on this scenario in {RECORD_TIMEOUT:.0f} s; "
                        "its worker was killed and replaced",
                    )
            elif not worker.ready and now - worker.started > STARTUP_TIMEOUT:
                self.on_death(worker, "took too long to load the rules")

    # -- writing, in input order
    def write_ready(self) -> None:
        while self.next_write in self.results:
            out, is_error, size, digest = self.results.pop(self.next_write)
            self.output.add(out)
            if self.tracker is not None:
                self.tracker.add(digest)
            self.records += 1
            self.errors += is_error
            self.done_bytes += size
            self.next_write += 1
