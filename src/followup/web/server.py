"""How `followup serve` runs the app under uvicorn: its httptools protocol (on uvloop where there
is one), with each response sent in one socket write.

uvicorn writes a response's status line and headers, then its body, as separate writes, and the
event loop sends each at once: every small API answer costs two send() calls and wakes the client
twice. Coalesced gathers what is written on a connection and sends it together when the response
is complete, or at the latest at the end of the event loop's turn (a streamed response), keeping
the order of the bytes. Everything else (flow control, closing, addresses) is the real
transport's. bench/http.py measures what each part saves (README: Speed).

uvicorn resumes reading a connection after each response and at each body read, even while
pipelined requests wait in its queue: a client that sends requests without reading the answers
has every one read and queued (14 MB of pipelined GETs grew the server by 700 MB). Queued keeps
a connection's reading paused while requests wait in the queue, so what one connection holds
stays bounded by what one read brings in.

A request may name its target in absolute form (`GET http://host/path`); uvicorn keeps only
the path, and the app would judge the request by its Host header. HTTP says the target's host
is the one that counts (RFC 9112 3.2.2): OneWrite puts it in the Host header, so the guard's
Host check sees the host the request is really for.

uvicorn times a connection out only once it has answered a request: one that never sends a
whole request head (nothing at all, or a byte now and then) stays open for ever, and 256 of them
(limit_concurrency) turn every other client away with 503. OneWrite closes a connection that
has no request head within timeout_keep_alive seconds of opening or of its last answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sized
from typing import Any, cast

from uvicorn.protocols.http.flow_control import FlowControl
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class Coalesced:
    """A transport wrapper: write() buffers until flush(), the loop's next turn, or close()."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop):
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not data:
            return
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def writelines(self, lines: Any) -> None:
        for data in lines:
            self.write(data)

    def flush(self) -> None:
        """Send what is pending now."""
        if self._pending:
            data = b"".join(self._pending)
            self._pending.clear()
            if not self._transport.is_closing():
                self._transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def abort(self) -> None:
        self._pending.clear()
        self._transport.abort()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class Queued(FlowControl):
    """uvicorn's flow control, with reading resumed only when no pipelined request is waiting."""

    def __init__(self, transport: asyncio.Transport, pipeline: Sized):
        super().__init__(transport)
        self._pipeline = pipeline

    def resume_reading(self) -> None:
        if not self._pipeline:
            super().resume_reading()


class OneWrite(HttpToolsProtocol):
    """uvicorn's httptools protocol over a Coalesced transport, flushed as soon as a response is
    complete (a lone client does not wait for the end of the turn)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have asyncio's methods without being its subclasses
        self.coalesced = Coalesced(cast(asyncio.Transport, transport), asyncio.get_running_loop())
        super().connection_made(self.coalesced)  # type: ignore[arg-type]
        self.flow = Queued(cast(asyncio.Transport, self.coalesced), self.pipeline)
        # when it began waiting for a request head (None: a request is in hand); one timer per
        # connection looks at it, so a request costs no timer of its own
        self.waiting_since: float | None = self.loop.time()
        self.head_timer = self.loop.call_later(self.timeout_keep_alive, self.check_head)

    def check_head(self) -> None:
        """No request head within timeout_keep_alive of waiting for one: close. Else look again
        when that time would be up."""
        waited = None if self.waiting_since is None else self.loop.time() - self.waiting_since
        if waited is not None and waited >= self.timeout_keep_alive:
            self.transport.close()
            return
        later = self.timeout_keep_alive - (waited or 0.0)
        self.head_timer = self.loop.call_later(later, self.check_head)

    def connection_lost(self, exc: Exception | None) -> None:
        self.head_timer.cancel()
        super().connection_lost(exc)

    def on_headers_complete(self) -> None:
        self.waiting_since = None
        if not self.url.startswith((b"/", b"*")) and b"://" in self.url:
            authority = self.url.split(b"://", 1)[1].split(b"/", 1)[0].split(b"?", 1)[0]
            host = authority.rpartition(b"@")[2]
            self.headers[:] = [(name, value) for name, value in self.headers if name != b"host"]
            self.headers.append((b"host", host))
        super().on_headers_complete()

    def on_response_complete(self) -> None:
        self.coalesced.flush()
        super().on_response_complete()
        if not self.pipeline and (self.cycle is None or self.cycle.response_complete):
            self.waiting_since = self.loop.time()  # nothing in hand: waiting for the next head


# uvicorn's settings for `followup serve` (and the tests' real server): the protocol above, the
# event loop uvicorn picks (uvloop when installed), quiet logs, idle connections closed after
# 5 s, at most 256 connections, no Server header
OPTIONS: dict[str, Any] = {
    "http": OneWrite,
    "log_level": "warning",
    "timeout_keep_alive": 5,
    "limit_concurrency": 256,
    "server_header": False,
}
