"""The pipes between the supervisor and one worker: frames over two plain OS pipes.

A frame is a 13-byte header (kind: 1 byte, line number: 8 bytes, payload length: 4 bytes,
big-endian) and its payload. Down, supervisor to worker: JOB (an input line's bytes) and STOP.
Up: READY (JSON {"digest", "rules"}: the rules the worker loaded), RULES_ERROR (JSON list of
rendered diagnostics), ANSWER and ERROR (the result line of a record).

The worker's ends block, as a worker has nothing else to do; its results go up a few at a time
(Link). The supervisor's ends never do
(O_NONBLOCK): an Inbox keeps a partial frame until the rest arrives, an Outbox keeps what the
pipe cannot take yet and is written as it drains. So a stopped, hung or dying worker can never
block the supervisor, whatever the size of the lines or the state of the pipes."""

from __future__ import annotations

import os
import struct
import time

HEADER = struct.Struct("!cQI")
JOB, STOP, READY, RULES_ERROR, ANSWER, ERROR = b"J", b"S", b"R", b"E", b"A", b"X"
Frame = tuple[bytes, int, bytes]  # kind, line, payload
READ_SIZE = 1 << 18
HOLD_RECORDS = 16  # results a worker holds before they go up (half the supervisor's chunk)
HOLD_BYTES = 1 << 16
HOLD_SECONDS = 0.5


def frame(kind: bytes, line: int = 0, payload: bytes = b"") -> bytes:
    return HEADER.pack(kind, line, len(payload)) + payload


def frames(jobs: list[tuple[int, bytes]]) -> bytes:
    """JOB frames for (line, data) pairs, as one piece of bytes."""
    parts: list[bytes] = []
    for line, data in jobs:
        parts += (HEADER.pack(JOB, line, len(data)), data)
    return b"".join(parts)


# ---------------------------------------------------------------------------------------------
# the worker's side (blocking)


class Link:
    """A worker's two ends: frames in from `down`, frames out to `up`.

    Results are held and go up together (`put`), HOLD_RECORDS or HOLD_BYTES at a time, after
    HOLD_SECONDS at most, and always before the worker waits for more work: one write and one
    wake-up of the supervisor per few records instead of per record. A worker that dies loses only
    results it still held; the supervisor sends those records again (it blames the one record the
    worker's progress marker names)."""

    def __init__(self, down: int, up: int):
        self.down = down
        self.up = up
        self.inbuf = bytearray()
        self.pos = 0
        self.outbuf = bytearray()
        self.held = 0
        self.since = 0.0

    def recv(self) -> Frame | None:
        """The next frame; None when the supervisor is gone. Held results go up before waiting."""
        while True:
            found = self._frame()
            if found is not None:
                return found
            self.flush()
            try:
                data = os.read(self.down, READ_SIZE)
            except OSError:
                return None
            if not data:
                return None
            del self.inbuf[: self.pos]
            self.pos = 0
            self.inbuf += data

    def _frame(self) -> Frame | None:
        end = len(self.inbuf)
        if end - self.pos < HEADER.size:
            return None
        kind, line, size = HEADER.unpack_from(self.inbuf, self.pos)
        start = self.pos + HEADER.size
        if end - start < size:
            return None
        self.pos = start + size
        return kind, line, bytes(self.inbuf[start : self.pos])

    def put(self, kind: bytes, line: int, payload: bytes) -> None:
        """A result, held to go up with the next few (see the class)."""
        if not self.held:
            self.since = time.monotonic()
        self.outbuf += HEADER.pack(kind, line, len(payload))
        self.outbuf += payload
        self.held += 1
        if (
            self.held >= HOLD_RECORDS
            or len(self.outbuf) >= HOLD_BYTES
            or time.monotonic() - self.since >= HOLD_SECONDS
        ):
            self.flush()

    def send(self, kind: bytes, line: int = 0, payload: bytes = b"") -> None:
        """A frame that goes up now (with any results held before it)."""
        self.outbuf += frame(kind, line, payload)
        self.flush()

    def flush(self) -> None:
        done = 0
        try:
            with memoryview(self.outbuf) as view:
                while done < len(view):
                    done += os.write(self.up, view[done:])
        finally:
            self.outbuf.clear()
            self.held = 0


# ---------------------------------------------------------------------------------------------
# the supervisor's side (never blocks)


class Inbox:
    """Frames from a worker, read without blocking; `closed` once the worker's end is closed."""

    def __init__(self, fd: int):
        os.set_blocking(fd, False)
        self.fd = fd
        self.buffer = bytearray()
        self.closed = False

    def read(self) -> list[Frame]:
        """Every whole frame that has arrived (a partial one waits for its rest)."""
        while not self.closed:
            try:
                data = os.read(self.fd, READ_SIZE)
            except BlockingIOError:
                break
            except OSError:
                data = b""
            if not data:
                self.closed = True
                break
            self.buffer += data
            if len(data) < READ_SIZE:
                break
        found: list[Frame] = []
        pos, end = 0, len(self.buffer)
        while end - pos >= HEADER.size:
            kind, line, size = HEADER.unpack_from(self.buffer, pos)
            if end - pos - HEADER.size < size:
                break
            start = pos + HEADER.size
            found.append((kind, line, bytes(self.buffer[start : start + size])))
            pos = start + size
        if pos:
            del self.buffer[:pos]
        return found


class Outbox:
    """Frames to a worker: written as far as the pipe takes them, the rest kept for later."""

    def __init__(self, fd: int):
        os.set_blocking(fd, False)
        self.fd = fd
        self.pending = bytearray()

    def send(self, data: bytes) -> None:
        """Queue `data` and write what fits; OSError when the worker's end is closed."""
        self.pending += data
        self.flush()

    def flush(self) -> None:
        while self.pending:
            try:
                written = os.write(self.fd, self.pending)
            except BlockingIOError:
                return
            del self.pending[:written]
