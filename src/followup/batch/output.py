"""`followup batch` OUTPUT: opened without truncating it until it is known to be safe (not the
INPUT file under another name, not locked by another run), written as complete lines only (a
write that fails part-way is cut back to the last complete line), read back for --resume; and the
progress line on stderr.

Output is one class of some 150 lines on purpose: opening, writing, cutting back and the lock
keep one invariant together (OUTPUT holds only complete lines, and only this run writes it)."""

from __future__ import annotations

import datetime as dt
import errno
import json
import os
import stat
import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, BinaryIO

from .io import ERROR_MARK, STDOUT, fatal, wait_for

if TYPE_CHECKING:  # pragma: no cover
    from .io import Input

FLUSH_BYTES = 64 << 10
FLUSH_SECONDS = 0.25
FSYNC_SECONDS = 1.0
PIPE_PIECE = 4096  # a write to a pipe of at most this many bytes, once poll says it has room, never blocks
SAME = "OUTPUT is the INPUT file; choose another file"


class Stopped(Exception):
    """SIGINT or SIGTERM arrived while OUTPUT (a pipe) was not taking what was written to it."""


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def is_input(output: os.stat_result, source: Input) -> bool:
    """OUTPUT is INPUT, however named (a device such as /dev/null may be both)."""
    return stat.S_ISREG(output.st_mode) and same_file(output, source.st)


def open_output(path: str | None, source: Input, stop: list[int]) -> Output:
    """OUTPUT (None: stdout), open for writing but not yet truncated (Output.start does that).
    Refused: OUTPUT that is INPUT however named (a link, a relative path, stdin redirected from
    it); a regular OUTPUT locked by another run. A FIFO is opened without waiting for a reader."""
    if path is None:
        return Output.stdout(source, stop)
    created = False
    flags = os.O_WRONLY | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_EXCL, 0o666)
            created = True
        except FileExistsError:  # (or a symlink, maybe to a file still to be made)
            fd = os.open(path, flags | os.O_CREAT, 0o666)
    except IsADirectoryError:
        raise fatal(path, "not-a-file", "is a directory, not a file") from None
    except OSError as exc:
        if exc.errno == errno.ENXIO:  # a FIFO nobody reads
            raise fatal(path, "unwritable", "is a named pipe (FIFO) that no process is reading") from None
        raise fatal(path, "unwritable", exc.strerror or str(exc)) from None
    output = Output(path, fd, os.fstat(fd), stop, created=created)
    try:
        os.set_blocking(fd, True)
        if is_input(output.st, source):
            raise fatal(path, "output-is-input", SAME)
        if output.regular:
            _lock(path, fd)
    except BaseException:
        output.discard()
        raise
    return output


def _lock(path: str, fd: int) -> None:
    """An advisory lock for the whole run: two runs never write one OUTPUT."""
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise fatal(
            path,
            "output-locked",
            "another followup batch run is writing this file",
            "wait for it to end, or choose another OUTPUT",
        ) from None
    except OSError:  # a file system without flock: no lock, as before
        pass


class Output:
    """Complete result lines, in order: buffered, written in one go per flush, fsynced now and
    then (then `synced` is called with the number of bytes OUTPUT holds). When a write fails
    part-way, OUTPUT is cut back to its last complete line and the run stops (Fatal)."""

    def __init__(
        self,
        name: str,
        fd: int | None,
        st: os.stat_result,
        stop: list[int],
        owned: bool = True,
        created: bool = False,
    ):
        self.name = name
        self.fd = fd
        self.stream: BinaryIO | None = None
        self.st = st
        self.stop = stop
        self.owned = owned
        self.created = created  # by this run: removed again if the run ends before it starts
        self.regular = stat.S_ISREG(st.st_mode)
        self.buffer = bytearray()
        self.offset = 0  # bytes of complete lines in OUTPUT (a regular file)
        self.broken = False  # a write failed or was interrupted: nothing more is written
        self.synced: Callable[[int], None] | None = None
        self.flushed_at = self.synced_at = time.monotonic()

    @classmethod
    def stdout(cls, source: Input, stop: list[int]) -> Output:
        sys.stdout.flush()
        try:
            fd = sys.stdout.fileno()
            st = os.fstat(fd)
        except (AttributeError, OSError, ValueError):  # e.g. click's CliRunner: write to the stream
            output = cls(STDOUT, None, os.stat_result((stat.S_IFIFO,) + (0,) * 9), stop, owned=False)
            output.stream = sys.stdout.buffer
            return output
        if is_input(st, source):
            raise fatal(STDOUT, "output-is-input", SAME)
        return cls(STDOUT, fd, st, stop, owned=False)

    def start(self, offset: int) -> None:
        """Keep OUTPUT's first `offset` bytes (0: a new run) and write after them."""
        if self.owned and self.regular and self.fd is not None:
            try:
                os.ftruncate(self.fd, offset)
                os.lseek(self.fd, offset, os.SEEK_SET)
            except OSError as exc:
                raise fatal(self.name, "unwritable", exc.strerror or str(exc)) from None
        self.offset = offset
        self.created = False

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
        self.flushed_at = time.monotonic()
        if not self.buffer or self.broken:
            return
        data = bytes(self.buffer)
        self.buffer.clear()
        if self.stream is not None:
            self.stream.write(data)
            self.stream.flush()
            return
        written = 0
        try:
            while written < len(data):
                written += self._write(memoryview(data)[written:])
        except BrokenPipeError:
            self.broken = True
            raise
        except OSError as exc:
            self.broken = True
            self._cut(data, written)
            raise fatal(self.name, "write-failed", exc.strerror or str(exc), self._after_failure()) from None
        self.offset += written

    def _write(self, view: memoryview) -> int:
        assert self.fd is not None
        if self.regular:
            return os.write(self.fd, view)
        # a pipe or a terminal: wait for room without blocking, so SIGINT/SIGTERM are heard
        while not wait_for(self.fd, 0.1, write=True):
            if self.stop:
                self.broken = True
                raise Stopped
        return os.write(self.fd, view[:PIPE_PIECE])

    def _after_failure(self) -> str:
        if not (self.owned and self.regular):
            return ""
        return (
            "OUTPUT keeps the complete result lines written before; "
            "run the same command with --resume once there is room"
        )

    def _cut(self, data: bytes, written: int) -> None:
        """After a failed write: cut OUTPUT back to the end of its last complete line."""
        if not (self.owned and self.regular and self.fd is not None):
            return
        keep = data.rfind(b"\n", 0, written) + 1
        try:
            os.ftruncate(self.fd, self.offset + keep)
        except OSError:
            pass
        self.offset += keep

    def sync(self) -> None:
        self.flush()
        self.synced_at = time.monotonic()
        if self.broken or not (self.owned and self.regular) or self.fd is None:
            return
        try:
            os.fsync(self.fd)
        except OSError as exc:
            if exc.errno in (errno.EINVAL, errno.ENOTSUP):
                return
            self.broken = True
            raise fatal(self.name, "write-failed", exc.strerror or str(exc), self._after_failure()) from None
        if self.synced is not None:
            self.synced(self.offset)

    def close(self) -> None:
        try:
            self.sync()
        finally:
            if self.owned and self.fd is not None:
                os.close(self.fd)
            self.fd = None

    def discard(self) -> None:
        """The run ends before writing anything: close OUTPUT, and remove it if this run made it."""
        if self.created:
            try:
                if same_file(os.stat(self.name), self.st):
                    os.unlink(self.name)
            except OSError:
                pass
        if self.owned and self.fd is not None:
            os.close(self.fd)
        self.fd = None


def scan_output(output: Output, end: int, stop: list[int]) -> tuple[int, int, int]:
    """OUTPUT's first `end` bytes, as a run left them: (records, errors, `line` of the last).
    Fatal when they do not end with a complete result line."""
    records = errors = 0
    last = b""
    try:  # OUTPUT is open for writing only: read it again, checking it is still the same file
        fd = os.open(output.name, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        raise fatal(output.name, "unreadable", exc.strerror or str(exc)) from None
    with open(fd, "rb") as fh:
        if not same_file(os.fstat(fd), output.st):
            raise fatal(output.name, "unreadable", "the file was replaced while it was being opened")
        left = end
        while left > 0:
            if stop:
                raise Stopped
            raw = fh.readline(left)
            if not raw.endswith(b"\n"):
                raise fatal(
                    output.name,
                    "resume-mismatch",
                    f"OUTPUT does not hold the {end:,} bytes of results its resume record says",
                    "run without --resume to start over",
                )
            left -= len(raw)
            last = raw
            records += 1
            errors += ERROR_MARK in raw
    number = None
    if last:
        try:
            number = json.loads(last)["line"]
        except (ValueError, KeyError, TypeError):
            number = None
        if not isinstance(number, int) or isinstance(number, bool) or number < 1:
            raise fatal(
                output.name,
                "not-a-batch-output",
                f"line {records} is not a batch result; cannot resume from this file",
            )
    return records, errors, number or 0


def has_content(output: Output) -> bool:
    return output.regular and output.fd is not None and os.fstat(output.fd).st_size > 0


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
