"""`followup serve` at the HTTP level against what an attacker or a broken client sends: raw
sockets to a real server (pipelining, bad framing, odd Host and targets, slow and vanishing
clients), each answered with a whole HTTP response and the server answering afterwards."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from uvicorn.config import Config
from uvicorn.server import ServerState

from followup.web.server import OPTIONS, OneWrite

from .conftest import SCENARIO, serving
from .test_serve import get as get_json
from .test_serve import serve

BODY = json.dumps(SCENARIO).encode()
Reply = tuple[int, dict[str, str], bytes]


@pytest.fixture(scope="module")
def port() -> Iterator[int]:
    with serving() as url:
        yield int(url.rsplit(":", 1)[1])


def connect(port: int, timeout: float = 5) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=timeout)


def host(port: int) -> bytes:
    return b"127.0.0.1:%d" % port


def get(port: int, path: bytes = b"/healthz", extra: bytes = b"", version: bytes = b"1.1") -> bytes:
    return b"GET %s HTTP/%s\r\nHost: %s\r\n%s\r\n" % (path, version, host(port), extra)


def post(port: int, extra: bytes = b"", body: bytes = BODY, target: bytes = b"/api/advise") -> bytes:
    return (
        b"POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n"
        % (target, host(port), len(body), extra)
    ) + body


CLOSE = b"Connection: close\r\n"


def until_closed(sock: socket.socket) -> bytes:
    """All the server sends until it closes (a socket timeout fails the test instead of a hang)."""
    out = bytearray()
    while data := sock.recv(65536):
        out += data
    return bytes(out)


def exchange(port: int, data: bytes) -> bytes:
    with connect(port) as sock:
        sock.sendall(data)
        return until_closed(sock)


def replies(raw: bytes) -> list[Reply]:
    """The responses in `raw`, in order: status, headers, body (framed by Content-Length)."""
    out = []
    while raw:
        head, sep, raw = raw.partition(b"\r\n\r\n")
        assert sep, f"a response without the end of its headers: {head[:200]!r}"
        status_line, *lines = head.decode("latin-1").split("\r\n")
        headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
        size = 0 if status_line.split()[1] in ("100",) else int(headers.get("content-length", "0"))
        body, raw = raw[:size], raw[size:]
        assert len(body) == size, f"a body cut short: {status_line}"
        assert b"Traceback" not in body
        out.append((int(status_line.split()[1]), headers, body))
    return out


def one_reply(port: int, data: bytes) -> Reply:
    [reply] = replies(exchange(port, data))
    return reply


def still_answers(port: int) -> None:
    status, _, body = one_reply(port, get(port, extra=CLOSE))
    assert status == 200 and json.loads(body)["status"] == "ok"


def error_code(body: bytes) -> str:
    code: str = json.loads(body)["error"]["code"]
    return code


def test_pipelined_gets_and_posts_are_answered_whole_and_in_order(port):
    """Five requests in one packet, GET /healthz and POST /api/advise mixed: five whole answers, in order."""
    packet = get(port) + post(port) + get(port) + post(port) + get(port, extra=CLOSE)
    answers = replies(exchange(port, packet))
    assert [status for status, _, _ in answers] == [200] * 5
    kinds = ["status" if "status" in json.loads(body) else "verdict" for _, _, body in answers]
    assert kinds == ["status", "verdict", "status", "verdict", "status"]


@pytest.mark.parametrize(
    "framing",
    [
        b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
        b"Content-Length: 300\r\nContent-Length: 3\r\n",
        b"Content-Length: 3\r\nContent-Length: 3\r\n",
        b"Content-Length: -5\r\n",
        b"Content-Length: abc\r\n",
        b"Content-Length: +5\r\n",
        b"Content-Length: 99999999999999999999999\r\n",
    ],
)
def test_ambiguous_or_bad_body_framing_is_a_400_and_the_connection_closes(port, framing):
    """CL with chunked, two CLs, a negative, signed, non-numeric or huge CL: 400, closed (no smuggling)."""
    request = b"POST /api/advise HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s\r\n" % (
        host(port),
        framing,
    )
    status, headers, body = one_reply(port, request + b"3\r\n{}\n\r\n0\r\n\r\n" + get(port))
    assert (status, headers["connection"], body) == (400, "close", b"Invalid HTTP request received.")
    still_answers(port)


def test_a_chunked_body_over_the_limit_is_a_413_before_the_body_ends(port):
    """1 MiB + 64 KiB sent chunked and the body not ended: the 413 arrives without the rest."""
    with connect(port) as sock:
        sock.sendall(
            b"POST /api/advise HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n" % host(port)
        )
        for _ in range(17):
            sock.sendall(b"10000\r\n" + b" " * 65536 + b"\r\n")
        head = sock.recv(65536)
        while b"\r\n\r\n" not in head:
            head += sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 413 ")
    still_answers(port)


def test_a_declared_body_over_the_limit_is_a_413_without_100_continue(port):
    """Expect: 100-continue with a 2 MB Content-Length: a 413 at once, no 100 Continue, no body read."""
    with connect(port) as sock:
        sock.sendall(post(port, b"Expect: 100-continue\r\n", b"").replace(b"Length: 0", b"Length: 2000000"))
        head = sock.recv(65536)
        assert head.startswith(b"HTTP/1.1 413 ") and b"100 Continue" not in head


def test_expect_100_continue_gets_100_then_the_answer(port):
    """Headers with Expect: 100-continue: 100 Continue before the body is sent, then the answer."""
    request = post(port, b"Expect: 100-continue\r\n" + CLOSE)
    head, body = request[: -len(BODY)], request[-len(BODY) :]
    with connect(port) as sock:
        sock.sendall(head)
        assert sock.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        sock.sendall(body)
        [(status, _, answer)] = replies(until_closed(sock))
    assert status == 200 and json.loads(answer)["verdict"]


def test_clients_that_vanish_mid_body_or_before_reading_leave_the_server_answering(port):
    """Bodies cut short, requests sent and the socket closed or reset unread: /healthz still answers."""
    for _ in range(5):
        with connect(port) as sock:
            sock.sendall(post(port)[:-20])
        with connect(port) as sock:
            sock.sendall(post(port) * 3)
        with connect(port) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sock.sendall(post(port) * 3)
    still_answers(port)


def test_a_body_cut_short_by_a_half_close_gets_no_answer_and_no_hang(port):
    """A body that stops short, then the client's end of the stream: the server closes, answering nothing."""
    with connect(port) as sock:
        sock.sendall(post(port)[:-20])
        sock.shutdown(socket.SHUT_WR)
        assert until_closed(sock) == b""


def test_many_headers_and_a_64_kib_header_are_answered(port):
    """100 headers, or one header of 64 KiB: 200."""
    many = b"".join(b"X-Header-%d: v\r\n" % i for i in range(100))
    assert one_reply(port, get(port, extra=many + CLOSE))[0] == 200
    assert one_reply(port, get(port, extra=b"X-Big: " + b"a" * 65536 + b"\r\n" + CLOSE))[0] == 200


@pytest.mark.parametrize(
    "request_head",
    [
        b"GET /healthz HTTP/1.1\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: evil.example\r\n",
        b"GET /healthz HTTP/1.1\r\nHost: evil.example:{port}\r\n",
        b"GET /healthz HTTP/1.0\r\n",
    ],
)
def test_a_missing_or_foreign_host_is_400_bad_host(port, request_head):
    """No Host (HTTP/1.1 or 1.0) or another name: 400 bad-host."""
    status, _, body = one_reply(port, request_head.replace(b"{port}", b"%d" % port) + CLOSE + b"\r\n")
    assert (status, error_code(body)) == (400, "bad-host")


@pytest.mark.parametrize("order", ["foreign first", "foreign last"])
def test_two_host_headers_are_400_bad_host(port, order):
    """Host: evil.example and this server's Host together, in either order: 400, not the last one's answer."""
    hosts = [b"Host: evil.example\r\n", b"Host: %s\r\n" % host(port)]
    if order == "foreign last":
        hosts.reverse()
    status, _, body = one_reply(port, b"GET /healthz HTTP/1.1\r\n" + b"".join(hosts) + CLOSE + b"\r\n")
    assert (status, error_code(body)) == (400, "bad-host")
    assert json.loads(body)["error"]["message"] == "the request has more than one Host"


@pytest.mark.parametrize("order", ["foreign first", "foreign last"])
@pytest.mark.parametrize("header", [b"Origin", b"Referer"])
def test_two_origins_one_of_another_site_are_403_cross_site(port, header, order):
    """Two Origin (or Referer) headers, one naming another site, in either order: 403, whichever comes last."""
    names = [b"%s: http://evil.example/\r\n" % header, b"%s: http://%s/\r\n" % (header, host(port))]
    if order == "foreign last":
        names.reverse()
    status, _, body = one_reply(port, post(port, b"".join(names) + CLOSE))
    assert (status, error_code(body)) == (403, "cross-site")


def test_an_absolute_form_target_for_another_host_is_400_bad_host(port):
    """POST http://evil.example/api/advise with this server's Host: judged by the target's host, 400."""
    request = post(port, CLOSE, target=b"http://evil.example/api/advise")
    status, _, body = one_reply(port, request)
    assert (status, error_code(body)) == (400, "bad-host")


def test_an_absolute_form_target_for_this_server_is_answered(port):
    """GET http://127.0.0.1:PORT/healthz: 200, as in origin form."""
    request = get(port, b"http://%s/healthz" % host(port), CLOSE).replace(
        b"Host: %s" % host(port), b"Host: x"
    )
    assert one_reply(port, request)[0] == 200


@pytest.mark.parametrize("keep_alive", [b"", b"Connection: keep-alive\r\n"])
def test_http_1_0_is_answered_and_closed(port, keep_alive):
    """HTTP/1.0 with or without keep-alive: 200, then the server closes (one_reply reads until it
    does; uvicorn 0.30, the lowest admitted, does not say `Connection: close`, later ones do)."""
    status, headers, _ = one_reply(port, get(port, extra=keep_alive, version=b"1.0"))
    assert (status, headers.get("connection", "close")) == (200, "close")


def test_head_has_the_headers_and_no_body_and_the_connection_goes_on(port):
    """HEAD /healthz then GET /healthz on one connection: a bodiless 200, then the whole GET answer."""
    with connect(port) as sock:
        sock.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: %s\r\n\r\n" % host(port) + get(port, extra=CLOSE))
        raw = until_closed(sock)
    head, _, rest = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 ") and b"content-length: " in head
    [(status, _, body)] = replies(rest)
    assert status == 200 and json.loads(body)["status"] == "ok"


def test_a_malformed_request_is_a_400_and_the_connection_closes(port):
    """Bytes that are not HTTP: 400 Invalid HTTP request, closed, and the server still answers."""
    status, _, body = one_reply(port, b"\x00\x01\x02 hello\r\n\r\n")
    assert (status, body) == (400, b"Invalid HTTP request received.")
    still_answers(port)


def test_a_slow_client_does_not_hold_up_the_others(port):
    """A request line sent one byte per 50 ms: another connection's /healthz answers within a second meanwhile."""
    request = get(port, extra=CLOSE)
    with connect(port) as slow:
        for i, byte in enumerate(request[:20]):
            slow.sendall(bytes([byte]))
            if i % 5 == 0:
                start = time.monotonic()
                still_answers(port)
                assert time.monotonic() - start < 1
            time.sleep(0.05)
        slow.sendall(request[20:])
        assert replies(until_closed(slow))[0][0] == 200


def rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.skipif(sys.platform != "linux", reason="reads the server's RSS in /proc")
def test_unread_pipelined_requests_keep_the_server_memory_bounded():
    """2,000 pipelined POSTs sent and not read: `followup serve` grows by under 32 MB, then all 2,000 are answered in order."""
    from .conftest import free_port

    port = free_port()
    proc, _ = serve("--port", str(port))
    try:
        get_json(f"http://127.0.0.1:{port}/healthz")  # waits until it listens
        with connect(port, 10) as sock:
            sock.sendall(get(port))
            replies(sock.recv(65536))
            before = rss_kib(proc.pid)
            sock.setblocking(False)
            payload, sent = post(port) * 2000, 0
            deadline = time.monotonic() + 10
            while sent < len(payload) and time.monotonic() < deadline:
                try:
                    sent += sock.send(payload[sent : sent + 65536])
                except BlockingIOError:
                    time.sleep(0.01)
            time.sleep(0.5)
            grown = rss_kib(proc.pid) - before
            sock.settimeout(10)
            sock.setblocking(True)
            sock.sendall(payload[sent:] + get(port, extra=CLOSE))
            answers = replies(until_closed(sock))
        assert grown < 32 * 1024, f"grew by {grown} KiB"
        assert [status for status, _, _ in answers] == [200] * 2001
        assert all("verdict" in json.loads(body) for _, _, body in answers[:-1])
    finally:
        proc.terminate()
        proc.wait(10)


class Reading(asyncio.Transport):
    """A transport that keeps what is written and whether reading is paused."""

    def __init__(self) -> None:
        super().__init__()
        self.out = bytearray()
        self.reading = True
        self.closed = False

    def write(self, data: Any) -> None:
        self.out += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 50000), "sockname": ("127.0.0.1", 8000)}.get(name, default)

    def get_write_buffer_size(self) -> int:
        return 0


def test_reading_stays_paused_while_pipelined_requests_wait():
    """Three requests in one read: no more is read until the last is answered (uvicorn resumed after each)."""
    transport = Reading()
    seen: list[bool] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(transport.reading)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    async def run() -> None:
        config = Config(app=app, **OPTIONS)
        config.load()
        protocol = OneWrite(
            config=config, server_state=ServerState(), app_state={}, _loop=asyncio.get_running_loop()
        )
        protocol.connection_made(transport)
        protocol.data_received(b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n" * 3)
        for _ in range(50):
            await asyncio.sleep(0)
        protocol.connection_lost(None)

    asyncio.run(run())
    assert seen == [False, False, False]
    assert transport.reading
    assert transport.out.count(b"HTTP/1.1 200 OK\r\n") == 3


async def opened(chunks: list[bytes], seconds: float) -> Reading:
    """A OneWrite connection with a 0.2 s timeout, sent `chunks` 50 ms apart, after `seconds`."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]})
        await send({"type": "http.response.body", "body": b"ok"})

    config = Config(app=app, **{**OPTIONS, "timeout_keep_alive": 0.2})
    config.load()
    transport = Reading()
    loop = asyncio.get_running_loop()
    protocol = OneWrite(config=config, server_state=ServerState(), app_state={}, _loop=loop)
    protocol.connection_made(transport)
    for chunk in chunks:
        protocol.data_received(chunk)
        await asyncio.sleep(0.05)
    await asyncio.sleep(seconds)
    return transport


@pytest.mark.parametrize(
    "chunks",
    [
        [],
        [bytes([b]) for b in b"GET /healthz HTT"],
        [b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n\r\n", b"GET /"],
    ],
    ids=["nothing", "a slow head", "after an answer"],
)
def test_a_connection_without_a_request_head_in_time_is_closed(chunks):
    """Nothing sent, a head trickling in (a byte per 50 ms), or half a head after an answer: closed after the timeout."""
    transport = asyncio.run(opened(chunks, 0.3))
    assert transport.closed


def test_a_connection_is_not_closed_before_its_timeout():
    """A connection that has sent nothing is still open before timeout_keep_alive has passed."""
    assert not asyncio.run(opened([], 0.05)).closed
