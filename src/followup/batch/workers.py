"""`followup batch` worker processes: each loads the Advisor once and answers the lines sent to it
(see followup.batch for the design; channel.py for how they talk); the Pool starts, replaces and
stops them. Each worker publishes, in a shared memory word, the line it is answering (0: none),
so the supervisor knows exactly which record a dead or stuck worker held."""

from __future__ import annotations

import json
import os
import signal
import sys
import time
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, FollowupError, Location

from .answer import answer_line, internal_error
from .channel import ANSWER, ERROR, READY, RULES_ERROR, STOP, Inbox, Link, Outbox, frame
from .io import Fatal, fatal, wait_for

# multiprocessing and the Advisor are imported where used
if TYPE_CHECKING:  # pragma: no cover
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


def _worker_main(down: Any, up: Any, private: list[int], ctx: Context, parent: int, current: Any) -> None:
    """Load the Advisor once, then answer JOB frames until told to stop or orphaned. `down` and
    `up` are multiprocessing Connections only to carry the pipes' descriptors to the process."""
    for fd in private:  # fork: the supervisor's ends of the other workers' pipes, OUTPUT
        try:
            os.close(fd)
        except OSError:
            pass
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the supervisor decides what Ctrl-C does
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # dies; the supervisor sends its records again
    _die_with_parent(parent)
    try:  # stray output from the engine goes to stderr, never into the results on stdout
        os.dup2(2, 1)
        sys.stdout = sys.stderr
    except OSError:
        pass
    link = Link(down.fileno(), up.fileno())
    try:
        from followup.core.advisor import load_advisor, rules_dir

        advisor = load_advisor(ctx.rules_dir)
        rules = os.path.abspath(rules_dir(ctx.rules_dir))
    except FollowupError as exc:
        link.send(RULES_ERROR, 0, json.dumps([d.render() for d in exc.diagnostics]).encode())
        return
    except Exception as exc:  # noqa: BLE001 - reported to the supervisor, which exits 2
        where = ctx.rules_dir or "rules"
        problem = Diagnostic(Location(where), "internal-error", f"{type(exc).__name__}: {exc}")
        link.send(RULES_ERROR, 0, json.dumps([problem.render()]).encode())
        return
    link.send(READY, 0, json.dumps({"digest": advisor.ruleset.digest, "rules": rules}).encode())
    _serve(link, advisor, ctx, os.environ.get(CRASH_ENV) or None, current)


def _serve(link: Link, advisor: Advisor, ctx: Context, crash_id: str | None, current: Any) -> None:
    while True:
        job = link.recv()
        if job is None or job[0] == STOP:
            return
        _, line, data = job
        current.value = line
        try:
            is_error, out = answer_line(advisor, ctx, line, data, crash_id)
        except MemoryError:  # the engine is poisoned after this (fault 2): start afresh
            os._exit(70)
        except Exception as exc:  # noqa: BLE001 - answer_line's own failure: still this record's error
            is_error, out = True, internal_error(ctx, line, exc, None)
        current.value = 0
        try:
            link.put(ERROR if is_error else ANSWER, line, out)
        except OSError:  # the supervisor is gone
            return


def _context() -> Any:  # a multiprocessing context (BaseContext does not declare Process)
    import multiprocessing

    fork = sys.platform.startswith("linux") and "fork" in multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if fork else "spawn")


@dataclass
class Worker:
    """One worker process as the supervisor sees it: what it was sent and has not answered."""

    proc: BaseProcess
    outbox: Outbox
    inbox: Inbox
    current: Any  # shared: the line the worker is answering, 0 for none
    ready: bool = False
    started: float = field(default_factory=time.monotonic)
    busy_since: float = 0.0  # when it last finished a record, or was given work while idle
    assigned: deque[Job] = field(default_factory=deque)  # sent, not answered yet, in order
    sent: int = 0  # records sent to it so far
    retiring: bool = False  # served batch.RECYCLE_AFTER records: finishes its work, then stops
    stopping: bool = False  # told to stop

    @property
    def holding(self) -> int:
        """The line it is answering (0: none). Exact once the process has ended."""
        return int(self.current.value)


class Pool:
    """Worker processes: start, replace, stop. Knows nothing of records."""

    def __init__(self, ctx: Context, private: list[int]):
        self.context = _context()
        self.ctx = ctx
        self.workers: list[Worker] = []
        self.fork = self.context.get_start_method() == "fork"
        self.private = private  # descriptors no worker should keep (OUTPUT: its lock)
        if self.fork:
            import followup.core.advisor  # noqa: F401 - imported once here, inherited by every fork

    def spawn(self) -> Worker:
        from multiprocessing.connection import Connection

        down_r, down_w = os.pipe()
        up_r, up_w = os.pipe()
        child_down, child_up = Connection(down_r, writable=False), Connection(up_w, readable=False)
        private: list[int] = []
        if self.fork:
            private = self.private + [down_w, up_r]
            private += [fd for w in self.workers for fd in (w.outbox.fd, w.inbox.fd)]
        current = self.context.RawValue("q", 0)
        proc = self.context.Process(
            target=_worker_main,
            name="followup-batch-worker",
            args=(child_down, child_up, private, self.ctx, os.getpid(), current),
            daemon=True,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            proc.start()
        finally:
            child_down.close()
            child_up.close()
        worker = Worker(proc, Outbox(down_w), Inbox(up_r), current)
        self.workers.append(worker)
        return worker

    def end(self, worker: Worker) -> int | None:
        """Make sure a worker has ended (SIGKILL if need be); its exit code (-N: killed by signal N).
        Its pipes stay open, for what it wrote before it ended to be read."""
        if worker.proc.is_alive():
            worker.proc.kill()
        worker.proc.join(5)
        return worker.proc.exitcode

    def remove(self, worker: Worker) -> int | None:
        """End a worker and forget it; returns its exit code."""
        code = self.end(worker)
        for fd in (worker.outbox.fd, worker.inbox.fd):
            os.close(fd)
        self.workers.remove(worker)
        try:
            worker.proc.close()
        except ValueError:  # still running after SIGKILL and 5 s: leave it to the OS
            pass
        return code

    def stop(self, graceful: bool) -> None:
        for w in list(self.workers):
            if graceful and w.proc.is_alive():
                try:
                    w.outbox.send(frame(STOP))
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


@dataclass
class Ready:
    """What the first worker loaded: the rules' digest and directory."""

    digest: str
    rules: str


def wait_ready(pool: Pool, worker: Worker, stop: list[int]) -> Ready | None:
    """Wait until the first worker has loaded the rules (None if SIGINT/SIGTERM came first);
    a rules problem is Fatal (exit 2)."""
    where = pool.ctx.rules_dir or "rules"
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while not stop:
        for kind, _, payload in worker.inbox.read():
            if kind == RULES_ERROR:
                pool.remove(worker)
                raise Fatal([str(line) for line in json.loads(payload)])
            if kind == READY:
                worker.ready = True
                info = json.loads(payload)
                return Ready(str(info["digest"]), str(info["rules"]))
        if worker.inbox.closed:
            how = describe_exit(pool.remove(worker))
            raise fatal(where, "engine-crash", f"the engine crashed while loading the rules ({how})")
        if time.monotonic() > deadline:
            pool.remove(worker)
            raise fatal(where, "engine-hang", f"loading the rules took more than {STARTUP_TIMEOUT:.0f} s")
        wait_for(worker.inbox.fd, 0.1)
    return None
