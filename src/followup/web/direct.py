"""The API's busiest endpoint handed straight to its function.

Starlette takes every request through its exception layer, the router (each route's pattern
tried in turn), the route's request wrapper and exception handling before the endpoint: about a
tenth of the server's time per POST /api/advise (bench/http.py). Direct sits just inside the
guard (after its Host, Origin and size checks and with its headers) and calls the endpoint for
an exact (method, path) itself; everything else, and any other method on that path (405), goes
the usual way. An exception still reaches Starlette's outermost layer (a 500), as it would have.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


class Direct:
    """ASGI middleware: requests for one of `endpoints` ((method, path) -> function) skip the router."""

    def __init__(self, app: ASGIApp, endpoints: Mapping[tuple[str, str], Endpoint]):
        self.app = app
        self.endpoints = dict(endpoints)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            endpoint = self.endpoints.get((scope["method"], scope["path"]))
            if endpoint is not None:
                response = await endpoint(Request(scope, receive, send))
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
