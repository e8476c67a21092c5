"""The app's guard, one ASGI middleware around every request: safe on a laptop and behind a proxy.

- Host check (against DNS rebinding): when the server is bound to a loopback address, only
  `localhost`, `127.0.0.1` and `[::1]` with the server's port are accepted as Host (400 else);
  a request with more than one Host is refused (400) whatever the address.
- Cross-site requests: a request that is not GET/HEAD/OPTIONS must come from the page itself:
  an `Origin` (else a `Referer`) naming another host is refused (403), and so is a request with
  several where any one does; a request with neither
  (a program, not a browser) passes. The JSON API also needs a JSON Content-Type, which a
  cross-site form cannot send without a CORS preflight the app never answers.
- A declared body over the route's limit is refused before it is read (413); bodies are read
  with the same cap (read_body) whatever they declare.
- Security headers on every response: a CSP without inline script or style (`script-src
  'self'`), frame-ancestors 'none', nosniff, Referrer-Policy same-origin (a shared answer's URL
  holds the scenario: it is never sent to another site), no caching of answers.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.schema_version import versioned

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGI = Callable[[Scope, Receive, Send], Awaitable[None]]

LOOPBACK = {"127.0.0.1", "localhost", "::1", "[::1]"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"cache-control", b"no-store"),
]


@dataclass(frozen=True)
class Limits:
    """Request limits: body bytes (batch bodies are larger), batch lines, seconds per request."""

    body: int = 1_048_576
    batch_body: int = 8 * 1_048_576
    batch_lines: int = 1_000
    seconds: float = 10.0

    def for_path(self, path: str) -> int:
        return self.batch_body if path == "/api/batch" else self.body


def allowed_hosts(host: str, port: int) -> set[str] | None:
    """The Host values accepted when bound to `host`: None (any) unless it is a loopback address."""
    if host not in LOOPBACK and not host.startswith("127."):
        return None
    names = {"localhost", "127.0.0.1", "[::1]"} | ({host} if host.startswith("127.") else set())
    accepted = {f"{name}:{port}" for name in names}
    if port == 80:
        accepted |= names
    return accepted


def error_body(exc: FollowupError) -> dict[str, Any]:
    """The API's error document: the first problem, then all of them (`followup schema error`)."""
    first = exc.diagnostics[0]
    return versioned(
        {
            "error": {
                "code": first.code,
                "message": first.message,
                "diagnostics": [d.to_json() for d in exc.diagnostics],
            }
        }
    )


def problem(code: str, message: str, hint: str = "", where: str = "request") -> FollowupError:
    return FollowupError([Diagnostic(Location(where), code, message, hint)])


class Guard:
    """The middleware (see the module docstring)."""

    def __init__(self, app: ASGI, hosts: set[str] | None, limits: Limits):
        self.app = app
        self.hosts = hosts
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[str, list[str]] = {}  # every value of each header, in order: one pass
        for name, value in scope["headers"]:
            headers.setdefault(name.decode("latin-1").lower(), []).append(value.decode("latin-1"))
        refusal = self.refusal(scope, headers)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *HEADERS]
            await send(message)

        if refusal is not None:
            status, exc = refusal
            await respond(send_with_headers, status, exc, scope["path"])
            return
        await self.app(scope, receive, send_with_headers)

    def refusal(self, scope: Scope, headers: dict[str, list[str]]) -> tuple[int, FollowupError] | None:
        hosts = headers.get("host", [])
        if len(hosts) > 1:
            return 400, problem("bad-host", "the request has more than one Host", "send one Host header")
        host = hosts[0] if hosts else ""
        if self.hosts is not None and host.lower() not in self.hosts:
            return 400, problem(
                "bad-host",
                f"this server answers to localhost, not to {host[:60]!r}",
                "open it as http://127.0.0.1 or http://localhost with its port",
            )
        if scope["method"] not in SAFE_METHODS:
            origins = headers.get("origin") or headers.get("referer") or []  # all of them, not the last
            if any(o == "null" or urlsplit(o).netloc.lower() != host.lower() for o in origins):
                return 403, problem(
                    "cross-site",
                    "a request from another site is refused",
                    "send the form from this server's own page",
                )
        declared = headers.get("content-length", [None])[-1]
        limit = self.limits.for_path(scope["path"])
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            return 413, problem("too-large", f"the request body is over {limit} bytes")
        return None


async def respond(send: Send, status: int, exc: FollowupError, path: str) -> None:
    """An error response: JSON for the API, a plain page otherwise."""
    if path.startswith("/api/") or path.endswith(".json") or path == "/healthz":
        body = json.dumps(error_body(exc), ensure_ascii=False).encode("utf-8")
        kind = b"application/json"
    else:
        lines = "".join(
            f"<li>{_html(d.message)}{' (' + _html(d.hint) + ')' if d.hint else ''}</li>"
            for d in exc.diagnostics
        )
        body = (
            '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Refused</title></head>'
            f"<body><main><h1>Refused</h1><ul>{lines}</ul>"
            '<p><a href="/">Back to the form</a></p></main></body></html>'
        ).encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", kind), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _html(text: str) -> str:
    from html import escape

    return escape(text)


async def read_body(receive: Receive, limit: int) -> bytes:
    """The request body, refused (413) as soon as it passes `limit` bytes."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise problem("disconnected", "the client went away")
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class TooLarge(FollowupError):
    def __init__(self, limit: int):
        super().__init__(
            [Diagnostic(Location("request"), "too-large", f"the request body is over {limit} bytes")]
        )
