"""The pipes between the supervisor and one worker: frames over two plain OS pipes.

A frame is a 13-byte header (kind: 1 byte, line number: 8 bytes, payload length: 4 bytes,
big-endian) and its payload. Down, supervisor to worker: JOB (an input line's bytes) and STOP.
Up: READY (JSON {"digest", "rules"}: the rules the worker loaded), RULES_ERROR (JSON list of
rendered diagnostics), ANSWER and ERROR (the result line of a record).

The worker's ends block, as a worker has nothing else to do. The supervisor's ends never do
(O_NONBLOCK): an Inbox keeps a partial frame until the rest arrives, an Outbox keeps what the
pipe cannot take yet and is written as it drains. So a stopped, hung or dying worker can never
block the supervisor, whatever the size of the lines or the state of the pipes."""

from __future__ import annotations

import os
import struct
from typing import BinaryIO

HEADER = struct.Struct("!cQI")
JOB, STOP, READY, RULES_ERROR, ANSWER, ERROR = b"J", b"S", b"R", b"E", b"A", b"X"
Frame = tuple[bytes, int, bytes]  # kind, line, payload
READ_SIZE = 1 << 18


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
    """A worker's two ends: frames in from `down`, frames out to `up`."""

    def __init__(self, down: int, up: int):
        self.down: BinaryIO = open(down, "rb", buffering=READ_SIZE, closefd=False)  # noqa: SIM115
        self.up = up

    def recv(self) -> Frame | None:
        """The next frame; None when the supervisor is gone."""
        try:
            head = self.down.read(HEADER.size)
            if len(head) < HEADER.size:
                return None
            kind, line, size = HEADER.unpack(head)
            payload = self.down.read(size) if size else b""
        except OSError:
            return None
        return None if len(payload) < size else (kind, line, payload)

    def send(self, kind: bytes, line: int = 0, payload: bytes = b"") -> None:
        data = memoryview(frame(kind, line, payload))
        while data:
            data = data[os.write(self.up, data) :]


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
