"""`followup batch` input and output: INPUT's lines as Jobs, result records, OUTPUT written as
complete lines only (and read back for --resume), the progress line; and Fatal, the error that
ends a run with exit status 2. Everything here runs in the supervisor except the record encoding,
which the workers use too."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, BinaryIO

from followup.core.errors import Diagnostic, Location

FLUSH_BYTES = 64 << 10
FLUSH_SECONDS = 0.25
FSYNC_SECONDS = 1.0
ERROR_MARK = b', "error": {"code": '  # how an error record looks in OUTPUT (see error_record)
STDIN, STDOUT = "<stdin>", "<stdout>"


class Fatal(Exception):
    """The run cannot go on: print these lines to stderr and exit 2."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def fatal(path: str, code: str, message: str) -> Fatal:
    return Fatal([Diagnostic(Location(path), code, message).render()])


# ---------------------------------------------------------------------------------------------
# result records


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
    return dump_record(
        {
            "line": line,
            "id": rid,
            "error": {
                "code": first.code,
                "message": first.message,
                "diagnostics": [d.to_json() for d in diagnostics],
            },
        }
    )


def record_id(obj: Any) -> str | int | None:
    """The scenario's `id` when it is text or a number, else None."""
    value = obj.get("id") if isinstance(obj, dict) else None
    return value if isinstance(value, (str, int)) and not isinstance(value, bool) else None


# ---------------------------------------------------------------------------------------------
# input


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


@dataclass
class Job:
    """One input line on its way: its number, its bytes, its size in INPUT (for progress)."""

    line: int
    data: bytes
    size: int
    too_long: bool = False


class Reader:
    """INPUT's lines as Jobs, one at a time, each at most `limit` bytes in memory."""

    def __init__(self, stream: BinaryIO, name: str):
        from followup.core.loader import MAX_BYTES  # advise's limit for one file is batch's for one line

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


# ---------------------------------------------------------------------------------------------
# output


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
            raise fatal(
                path,
                "not-a-batch-output",
                f"line {done.records} is not a batch result; cannot resume from this file",
            )
        done.last_line = number
    return done, end


def open_output(path: str | None, resume: bool) -> tuple[Output, Done]:
    """OUTPUT for this run (None: stdout): created (truncated), or with --resume kept up to its
    last complete line. (--resume without OUTPUT is refused before: batch._check_paths.)"""
    if path is None:
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
        view = view[os.write(fd, view) :]


class Output:
    """Complete result lines, in order: buffered, written in one go per flush, fsynced now and then."""

    def __init__(self, name: str, write: Callable[[bytes], None], fd: int | None = None, owned: bool = True):
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
