"""`followup batch` from start to end: open INPUT and OUTPUT (refusing what is unsafe), read
OUTPUT.resume, start the pool, check that a resumed run is the run it claims to continue, drive
the supervisor (supervisor.Batch) and turn how it ended into the exit status. SIGINT and SIGTERM
ask the run to stop after writing what is finished; nothing waits more than 0.1 s without
looking whether one came."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import click

from . import MAX_WORKERS
from .answer import Context
from .io import STDOUT, Fatal, Input, Reader, fatal, open_input
from .output import Output, Progress, Stopped, has_content, open_output, scan_output
from .resume import HINT, Record, Tracker, check_as_of, check_rules, read_record, record_path
from .supervisor import Batch
from .workers import Pool, wait_ready

EXIT_OK, EXIT_ERRORS, EXIT_USAGE, EXIT_PIPE = 0, 1, 2, 141
EXIT_SIGINT, EXIT_SIGTERM = 130, 143


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


def run_batch(
    input_path: str,
    output_path: str | None,
    workers: int | None,
    as_of: dt.date | None,
    rules_dir: str | None,
    resume: bool,
    quiet: bool,
) -> int:
    """Answer every line of INPUT into OUTPUT (None: stdout). Returns the exit status."""
    with stop_signals() as stop:
        try:
            _check_options(output_path, workers or os.cpu_count() or 1, resume)
            source = open_input(input_path)
            try:
                output = open_output(output_path, source, stop)
                try:
                    run = Run(source, output, workers or os.cpu_count() or 1, as_of, rules_dir, stop)
                    return run.go(resume, quiet)
                finally:
                    output.discard()  # closes it; removes it when this run made it and wrote nothing
            finally:
                source.close()
        except Fatal as exc:
            for line in exc.lines:
                click.echo(line, err=True)
            return EXIT_USAGE
        except Stopped:
            return _stopped(stop)


def _check_options(output_path: str | None, workers: int, resume: bool) -> None:
    if not 1 <= workers <= MAX_WORKERS:
        raise fatal("<arguments>", "bad-option", f"--workers must be 1 to {MAX_WORKERS}, not {workers}")
    if resume and output_path is None:
        raise fatal(
            STDOUT,
            "resume-needs-output",
            "--resume needs -o OUTPUT; results written to stdout cannot be resumed",
        )


class Run:
    """One run over open INPUT and OUTPUT."""

    def __init__(
        self,
        source: Input,
        output: Output,
        workers: int,
        as_of: dt.date | None,
        rules_dir: str | None,
        stop: list[int],
    ):
        self.source, self.output, self.workers = source, output, workers
        self.as_of, self.rules_dir, self.stop = as_of, rules_dir, stop
        # OUTPUT.resume for a regular OUTPUT file; a file there that batch did not write is refused
        owned = output.owned and output.regular
        self.side = record_path(output.name) if owned else None
        self.found = read_record(self.side, source) if self.side else None

    def resumed(self, resume: bool) -> Record | None:
        """The record of the run to continue (None: start afresh)."""
        if not resume:
            return None
        if not self.output.regular:
            raise fatal(self.output.name, "resume-needs-output", "--resume needs OUTPUT to be a regular file")
        if not has_content(self.output):
            return None  # nothing answered yet: start afresh
        if self.found is None:
            raise fatal(
                self.output.name,
                "no-resume-record",
                f"OUTPUT has results but no resume record ({self.side}) "
                "to check INPUT, --as-of and --rules against",
                "run without --resume to start over",
            )
        check_as_of(self.found, self.as_of)
        return self.found

    def go(self, resume: bool, quiet: bool) -> int:
        record = self.resumed(resume)
        today = dt.date.fromisoformat(record.today) if record else dt.date.today()
        private = [fd for fd in (self.output.fd if self.output.owned else None, self.source.fd) if fd]
        pool = Pool(Context(self.source.name, self.rules_dir, self.as_of, today), private)
        graceful = False
        try:
            ready = wait_ready(pool, pool.spawn(), self.stop)
            if ready is None:  # interrupted while the rules loaded: OUTPUT is left alone
                return _stopped(self.stop)
            reader = Reader(self.source)
            tracker = None
            if self.side:
                tracker = Tracker(
                    self.side,
                    self.output.st.st_mode & 0o777,
                    self.source,
                    self.as_of,
                    today,
                    ready.digest,
                    ready.rules,
                )
            done, start_bytes = (0, 0), 0
            if record is not None and tracker is not None:
                check_rules(record, ready.digest, ready.rules)
                skipped = tracker.skip_answered(reader, record, self.stop)
                if skipped is None:
                    return _stopped(self.stop)
                records, errors, last = scan_output(self.output, record.output_bytes, self.stop)
                if last != record.lines:
                    raise fatal(
                        self.output.name,
                        "resume-mismatch",
                        f"OUTPUT's result at byte {record.output_bytes:,} is for line {last:,}, "
                        f"not line {record.lines:,} as its resume record says",
                        HINT,
                    )
                done, start_bytes = (records, errors), skipped
            self.output.start(record.output_bytes if record else 0)
            if tracker is not None:
                tracker.save(self.output.offset)
                self.output.synced = tracker.save
            progress = Progress(not quiet and sys.stderr.isatty(), self.source.size, start_bytes)
            batch = Batch(
                pool, self.workers, reader, self.output, progress, done, start_bytes, self.stop, tracker
            )
            if not drive(batch, self.output):
                return EXIT_PIPE
            progress.update(batch.records, batch.errors, batch.done_bytes, final=True)
            if self.stop:
                return _stopped(self.stop)
            graceful = True
            return EXIT_ERRORS if batch.errors else EXIT_OK
        finally:
            pool.stop(graceful)


def _stopped(stop: list[int]) -> int:
    return EXIT_SIGINT if stop[0] == signal.SIGINT else EXIT_SIGTERM


def drive(batch: Batch, output: Output) -> bool:
    """Run the batch; whatever happens, write what is finished and close OUTPUT.
    False when the output pipe was closed by its reader."""
    try:
        try:
            batch.run()
        finally:
            try:
                batch.write_ready()
            finally:
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
