"""`followup batch` records and input: Fatal (the error that ends a run with exit status 2), the
result records, INPUT opened (a regular file, or stdin) and read as Jobs. Everything here runs in
the supervisor except the record encoding, which the workers use too."""

from __future__ import annotations

import json
import os
import select
import stat
from dataclasses import dataclass
from typing import Any

from followup.core.errors import Diagnostic, Location
from followup.core.schema_version import SCHEMA_VERSION

ERROR_MARK = b', "error": {"code": '  # how an error record looks in OUTPUT (see error_record)
STDIN, STDOUT = "<stdin>", "<stdout>"
READ_SIZE = 1 << 18


class Fatal(Exception):
    """The run cannot go on: print these lines to stderr and exit 2."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


def fatal(path: str, code: str, message: str, hint: str = "") -> Fatal:
    return Fatal([Diagnostic(Location(path), code, message, hint).render()])


def wait_for(fd: int, seconds: float, write: bool = False) -> bool:
    """Whether `fd` can be read (or written) within `seconds` (poll: any descriptor number)."""
    poller = select.poll()
    poller.register(fd, select.POLLOUT if write else select.POLLIN)
    return bool(poller.poll(seconds * 1000))


# ---------------------------------------------------------------------------------------------
# result records


# json.dumps(doc, ensure_ascii=False) builds an encoder per call; one kept encoder writes the same
# bytes (results hold no cycles, so the circular-reference check is skipped)
_UTF8 = json.JSONEncoder(ensure_ascii=False, check_circular=False)


def dump_record(doc: dict[str, Any]) -> bytes:
    """One result as one complete JSON line (UTF-8; escaped ASCII if the text cannot be UTF-8)."""
    try:
        return (_UTF8.encode(doc) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a \\ud800 escape (e.g. in the id)
        return (json.dumps(doc) + "\n").encode("ascii")


def answer_record(line: int, rid: str | int | None, answer: dict[str, Any]) -> bytes:
    return dump_record({"schema_version": SCHEMA_VERSION, "line": line, "id": rid, "answer": answer})


def error_record(line: int, rid: str | int | None, diagnostics: list[Diagnostic]) -> bytes:
    first = diagnostics[0]
    return dump_record(
        {
            "schema_version": SCHEMA_VERSION,
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

KINDS = {
    stat.S_IFIFO: "a named pipe (FIFO)",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
}


@dataclass
class Input:
    """INPUT, open: its file descriptor, its name in diagnostics, its identity and size."""

    fd: int
    name: str
    st: os.stat_result

    @property
    def regular(self) -> bool:
        return stat.S_ISREG(self.st.st_mode)

    @property
    def size(self) -> int | None:
        return self.st.st_size if self.regular else None

    def close(self) -> None:
        if self.fd != 0:
            os.close(self.fd)


def not_regular(path: str, st: os.stat_result) -> Fatal | None:
    """The refusal of a path that is not a regular file (None when it is one)."""
    if stat.S_ISREG(st.st_mode):
        return None
    if stat.S_ISDIR(st.st_mode):
        return fatal(path, "not-a-file", "is a directory, not a file")
    kind = KINDS.get(stat.S_IFMT(st.st_mode), "not a regular file")
    return fatal(
        path,
        "not-a-file",
        f"is {kind}, not a regular file",
        "to read from a pipe or a device, give - and redirect it to stdin",
    )


def open_input(path: str) -> Input:
    """INPUT: "-" is stdin, whatever it is (a file, a pipe, a terminal); a path must name a
    regular file. Looked at before it is opened, and opened without blocking (a FIFO would block
    open() until a writer came), then looked at again through the descriptor."""
    if path == "-":
        try:
            return Input(0, STDIN, os.fstat(0))
        except OSError as exc:
            raise fatal(STDIN, "unreadable", exc.strerror or str(exc)) from None
    try:
        refusal = not_regular(path, os.stat(path))
        if refusal:
            raise refusal
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise fatal(path, "no-such-file", "file not found") from None
    except OSError as exc:
        raise fatal(path, "unreadable", exc.strerror or str(exc)) from None
    st = os.fstat(fd)
    refusal = not_regular(path, st)
    if refusal:  # replaced between the two looks
        os.close(fd)
        raise refusal
    os.set_blocking(fd, True)
    return Input(fd, path, st)


@dataclass
class Job:
    """One input line on its way: its number, its bytes, its size in INPUT (for progress), and a
    digest of its bytes (for --resume: resume.Tracker)."""

    line: int
    data: bytes
    size: int
    digest: bytes
    too_long: bool = False


class Reader:
    """INPUT's lines as Jobs, one at a time, each at most `limit` bytes in memory. It never blocks:
    when INPUT is a pipe or a terminal and no whole line has arrived yet, pull() returns None with
    `starved` set (wait for `fd` to be readable and pull again)."""

    def __init__(self, source: Input):
        from followup.core.loader import MAX_BYTES  # advise's limit for one file is batch's for one line

        self.fd = source.fd
        self.name = source.name
        self.regular = source.regular
        self.max_bytes = MAX_BYTES
        self.limit = MAX_BYTES + 3  # a longest line plus "\r\n", and one byte to see it is longer
        self.buffer = bytearray()
        self.pos = 0  # where the unread part of buffer starts
        self.eof = False
        self.long: Any = None  # the digest of a too-long line being skipped
        self.long_size = 0
        self.next_line = 1
        self.exhausted = False
        self.starved = False

    def _fill(self) -> bool:
        """Read what INPUT has now; False when nothing is there yet (a silent pipe)."""
        if not self.regular and not wait_for(self.fd, 0):
            self.starved = True
            return False
        try:
            data = os.read(self.fd, READ_SIZE)
        except BlockingIOError:
            self.starved = True
            return False
        except OSError as exc:
            raise fatal(self.name, "unreadable", exc.strerror or str(exc)) from None
        self.starved = False
        if self.pos > READ_SIZE:
            del self.buffer[: self.pos]
            self.pos = 0
        self.buffer += data
        self.eof = not data
        return True

    def pull(self) -> Job | None:
        """The next line; None at the end (`exhausted`) or, from a pipe, when none is whole yet."""
        while not self.exhausted:
            if self.long is not None:
                job = self._skip_long()
            else:
                job = self._line()
            if job is not None:
                return job
            if self.eof:
                self.exhausted = True
            elif not self._fill():
                return None
        return None

    def _line(self) -> Job | None:
        end = self.buffer.find(b"\n", self.pos, self.pos + self.limit)
        if end < 0:
            if len(self.buffer) - self.pos >= self.limit:  # too long: skip it without keeping it
                self.long = _hasher()
                self.long_size = 0
                return self._skip_long()
            if not self.eof or self.pos == len(self.buffer):
                return None
            end = len(self.buffer) - 1  # a last line without "\n"
            raw = bytes(self.buffer[self.pos :])
        else:
            raw = bytes(self.buffer[self.pos : end + 1])
        self.pos = end + 1
        data = raw[:-1] if raw.endswith(b"\n") else raw
        if data.endswith(b"\r"):
            data = data[:-1]
        if len(data) > self.max_bytes:
            return self._job(b"", len(raw), _hasher(raw).digest(), True)
        return self._job(data, len(raw), _hasher(data).digest())

    def _skip_long(self) -> Job | None:
        end = self.buffer.find(b"\n", self.pos)
        stop = len(self.buffer) if end < 0 else end + 1
        self.long.update(memoryview(self.buffer)[self.pos : stop])
        self.long_size += stop - self.pos
        self.pos = stop
        if end < 0 and not self.eof:
            return None
        digest, self.long = self.long.digest(), None
        return self._job(b"", self.long_size, digest, True)

    def _job(self, data: bytes, size: int, digest: bytes, too_long: bool = False) -> Job:
        job = Job(self.next_line, data, size, digest, too_long)
        self.next_line += 1
        return job


def _hasher(data: bytes = b"") -> Any:
    import hashlib

    return hashlib.blake2b(data, digest_size=16)
