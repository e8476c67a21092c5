"""`followup batch` worker processes: each loads the Advisor once and answers chunks of lines sent
to it (see followup.batch for the design); the Pool starts, replaces and stops them."""

from __future__ import annotations

import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, FollowupError, Location

from .answer import answer_line, internal_error
from .io import Fatal, fatal

# multiprocessing and the Advisor are imported where used
if TYPE_CHECKING:  # pragma: no cover
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from followup.core.advisor import Advisor

    from .answer import Context
    from .io import Job

CRASH_ENV = "FOLLOWUP_BATCH_CRASH_ON_ID"
STARTUP_TIMEOUT = 120.0  # seconds a worker may take to load the rules


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
        from followup.core.advisor import load_advisor

        advisor = load_advisor(ctx.rules_dir)
    except FollowupError as exc:
        conn.send(("rules-error", [d.render() for d in exc.diagnostics]))
        return
    except Exception as exc:  # noqa: BLE001 - reported to the supervisor, which exits 2
        where = ctx.rules_dir or "rules"
        conn.send(
            (
                "rules-error",
                [Diagnostic(Location(where), "internal-error", f"{type(exc).__name__}: {exc}").render()],
            )
        )
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
                is_error, out = True, internal_error(ctx, line, exc, None)
            conn.send((line, is_error, out))


def _context() -> Any:  # a multiprocessing context (BaseContext does not declare Process)
    import multiprocessing

    fork = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if fork else "spawn")


@dataclass
class Worker:
    """One worker process as the supervisor sees it: what it was sent and has not answered."""

    proc: BaseProcess
    conn: Connection
    ready: bool = False
    started: float = field(default_factory=time.monotonic)
    busy_since: float = 0.0  # when the record at the head of `assigned` started, roughly
    assigned: deque[Job] = field(default_factory=deque)  # sent, not answered yet, in order
    chunk_ends: deque[int] = field(default_factory=deque)  # last line of each chunk sent
    head_started: bool = False  # an answer from the oldest chunk came back: it left the pipe
    sent: int = 0  # records sent to it so far
    retiring: bool = False  # served batch.RECYCLE_AFTER records: finishes its work, then stops
    stopping: bool = False  # told to stop

    def can_take(self) -> bool:
        """Idle, or working on its only chunk (so the pipe to it is empty): a second chunk of at
        most batch.PIPELINE_BYTES then fits in the pipe and the send cannot block, whatever the worker
        is doing. Keeps a worker busy without ever risking a send/send deadlock."""
        return (
            self.ready
            and not self.retiring
            and (not self.chunk_ends or (len(self.chunk_ends) == 1 and self.head_started))
        )


class Pool:
    """Worker processes: start, replace, stop. Knows nothing of records."""

    def __init__(self, ctx: Context):
        self.context = _context()
        self.ctx = ctx
        self.workers: list[Worker] = []
        self.fork = self.context.get_start_method() == "fork"
        if self.fork:
            import followup.core.advisor  # noqa: F401 - imported once here, inherited by every fork

    def spawn(self) -> Worker:
        parent_end, child_end = self.context.Pipe(duplex=True)
        inherited = [w.conn for w in self.workers] + [parent_end] if self.fork else []
        proc = self.context.Process(
            target=_worker_main,
            name="followup-batch-worker",
            args=(child_end, inherited, self.ctx, os.getpid()),
            daemon=True,
        )
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
