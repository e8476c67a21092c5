"""web/server.py: uvicorn's httptools protocol with each response sent in one socket write, driven by
a recording transport as uvicorn's own tests drive it, and through a real server."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.server import ServerState

from followup.web.server import OPTIONS, Coalesced, OneWrite

from .conftest import SCENARIO, serving


class Recording(asyncio.Transport):
    """A transport that keeps what each write() was given, and whether it was closed."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def abort(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def get_write_buffer_size(self) -> int:
        return 0


async def hello(scope: Any, receive: Any, send: Any) -> None:
    """An app that answers in two messages, as Starlette's responses do."""
    body = b'{"hello":"world"}'
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def drive(protocol_class: type[HttpToolsProtocol], requests: bytes) -> Recording:
    config = Config(app=hello, **{**OPTIONS, "http": protocol_class})
    config.load()
    loop = asyncio.get_running_loop()
    protocol = protocol_class(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    transport = Recording()
    protocol.connection_made(transport)
    protocol.data_received(requests)
    for _ in range(50):  # let the app run and the end-of-turn send happen
        await asyncio.sleep(0)
    protocol.connection_lost(None)
    return transport


GET = b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n"


def test_a_response_is_one_write_where_uvicorns_protocol_makes_two():
    plain = asyncio.run(drive(HttpToolsProtocol, GET))
    one = asyncio.run(drive(OneWrite, GET))
    # the headers, then the body (and an empty end of message, which asyncio sends nothing for)
    assert len([w for w in plain.writes if w]) == 2
    assert len(one.writes) == 1
    assert one.writes[0] == b"".join(plain.writes)
    assert one.writes[0].startswith(b"HTTP/1.1 200 OK\r\n")
    assert one.writes[0].endswith(b'\r\n\r\n{"hello":"world"}')


def test_a_closing_request_is_answered_in_full_before_the_connection_closes():
    done = asyncio.run(drive(OneWrite, GET.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n")))
    assert done.closed
    assert len(done.writes) == 1 and done.writes[0].endswith(b'{"hello":"world"}')


def test_coalesced_keeps_order_sends_at_the_end_of_the_turn_and_flushes_on_close():
    async def run() -> tuple[list[bytes], list[bytes], list[bytes], int]:
        inner = Recording()
        outer = Coalesced(inner, asyncio.get_running_loop())
        outer.write(b"a")
        outer.write(memoryview(b"b"))
        outer.write(b"")
        during = list(inner.writes)
        pending = outer.get_write_buffer_size()
        await asyncio.sleep(0)
        after_turn = list(inner.writes)
        outer.write(b"c")
        outer.close()
        return during, after_turn, inner.writes, pending

    during, after_turn, final, pending = asyncio.run(run())
    assert during == [] and pending == 2
    assert after_turn == [b"ab"]
    assert final == [b"ab", b"c"]


def test_coalesced_writes_nothing_after_the_transport_closed_and_abort_drops_the_rest():
    async def run() -> list[bytes]:
        inner = Recording()
        outer = Coalesced(inner, asyncio.get_running_loop())
        outer.write(b"late")
        inner.close()  # the peer went away before the end of the turn
        await asyncio.sleep(0)
        outer.write(b"dropped")
        outer.abort()
        await asyncio.sleep(0)
        return inner.writes

    assert asyncio.run(run()) == []


@pytest.mark.parametrize("requests", [1, 3])
def test_a_real_server_answers_the_api_over_one_kept_alive_connection(requests):
    """The protocol as `followup serve` runs it: keep-alive requests each get their whole answer."""
    with serving() as url:
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        for _ in range(requests):
            conn.request("POST", "/api/advise", json.dumps(SCENARIO), {"Content-Type": "application/json"})
            reply = conn.getresponse()
            body = json.loads(reply.read())
            assert reply.status == 200
            assert body["verdict"] and body["decision_id"]
            assert reply.getheader("content-security-policy")
        conn.close()


def test_a_real_server_streams_a_batch_in_order_and_whole():
    """POST /api/batch streams its records chunk by chunk (api.BATCH_CHUNK lines each): through
    the coalescing transport every record arrives, in order, and the connection stays usable."""
    lines = [json.dumps({**SCENARIO, "id": f"s{i}"}) for i in range(130)] + ["not json"]
    with serving() as url:
        host, port = url.removeprefix("http://").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=20)
        conn.request("POST", "/api/batch", "\n".join(lines), {"Content-Type": "application/x-ndjson"})
        reply = conn.getresponse()
        records = [json.loads(line) for line in reply.read().splitlines()]
        assert reply.status == 200
        assert [r["line"] for r in records] == list(range(1, 132))
        assert [r["id"] for r in records[:130]] == [f"s{i}" for i in range(130)]
        assert all("answer" in r for r in records[:130]) and "error" in records[130]
        conn.request("GET", "/healthz")
        assert conn.getresponse().status == 200
        conn.close()


def test_followup_serve_runs_uvicorn_with_these_options(monkeypatch):
    """`followup serve` hands uvicorn this protocol and settings (the real process: test_serve.py)."""
    import uvicorn
    from click.testing import CliRunner

    from followup.cli import main

    from ..helpers import RULES

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: seen.update(options))
    run = CliRunner().invoke(main, ["serve", "--rules", RULES, "--port", "8123", "--db", "/nonexistent/x.db"])
    assert run.exit_code == 0, run.output
    assert seen == {**OPTIONS, "host": "127.0.0.1", "port": 8123}
    assert seen["http"] is OneWrite
