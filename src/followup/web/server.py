"""How `followup serve` runs the app under uvicorn: its httptools protocol (on uvloop where there
is one), with each response sent in one socket write.

uvicorn writes a response's status line and headers, then its body, as separate writes, and the
event loop sends each at once: every small API answer costs two send() calls and wakes the client
twice. Coalesced gathers what is written on a connection and sends it together when the response
is complete, or at the latest at the end of the event loop's turn (a streamed response), keeping
the order of the bytes. Everything else (flow control, closing, addresses) is the real
transport's. bench/http.py measures what each part saves (README: Speed).
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

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


class OneWrite(HttpToolsProtocol):
    """uvicorn's httptools protocol over a Coalesced transport, flushed as soon as a response is
    complete (a lone client does not wait for the end of the turn)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports have asyncio's methods without being its subclasses
        self.coalesced = Coalesced(cast(asyncio.Transport, transport), asyncio.get_running_loop())
        super().connection_made(self.coalesced)  # type: ignore[arg-type]

    def on_response_complete(self) -> None:
        self.coalesced.flush()
        super().on_response_complete()


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
