"""`followup batch` from start to end: check the paths, open INPUT and OUTPUT, start the pool,
drive the supervisor (supervisor.Batch) and turn how it ended into the exit status; SIGINT and
SIGTERM ask the run to stop after writing what is finished."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

from . import MAX_WORKERS
from .answer import Context
from .io import STDOUT, Fatal, Progress, Reader, fatal, open_input, open_output
from .supervisor import Batch
from .workers import Pool, wait_ready

if TYPE_CHECKING:  # pragma: no cover
    from .io import Output

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
            return _run(
                input_path, output_path, workers or os.cpu_count() or 1, as_of, rules_dir, resume, quiet, stop
            )
        except Fatal as exc:
            for line in exc.lines:
                click.echo(line, err=True)
            return EXIT_USAGE


def _check_paths(input_path: str, output_path: str | None, workers: int, resume: bool) -> None:
    if not 1 <= workers <= MAX_WORKERS:
        raise fatal("<arguments>", "bad-option", f"--workers must be 1 to {MAX_WORKERS}, not {workers}")
    if resume and output_path is None:
        raise fatal(
            STDOUT,
            "resume-needs-output",
            "--resume needs -o OUTPUT; results written to stdout cannot be resumed",
        )
    if output_path is not None and input_path != "-":
        try:
            same = os.path.samefile(input_path, output_path)
        except OSError:
            same = False
        if same:
            raise fatal(output_path, "output-is-input", "OUTPUT is the INPUT file; choose another file")


def _run(
    input_path: str,
    output_path: str | None,
    workers: int,
    as_of: dt.date | None,
    rules_dir: str | None,
    resume: bool,
    quiet: bool,
    stop: list[int],
) -> int:
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
