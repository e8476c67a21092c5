"""web/direct.py: POST /api/advise goes straight to its function, inside the guard; every other
method on that path and every other path still go through Starlette's router."""

from __future__ import annotations

import asyncio

from starlette.responses import PlainTextResponse

from followup.web.direct import Direct

from .conftest import SCENARIO


def call(app, method: str, path: str) -> list[dict]:
    """Run one request through the ASGI app and return what it sent."""
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path, "query_string": b"", "headers": []}
    asyncio.run(app(scope, receive, send))
    return sent


def test_only_the_named_method_and_path_skip_the_inner_app():
    """(POST, /api/advise) reaches the endpoint; GET on that path and POST elsewhere reach the inner app."""
    inner_calls: list[str] = []

    async def inner(scope, receive, send) -> None:
        inner_calls.append(f"{scope['method']} {scope['path']}")
        await PlainTextResponse("router")(scope, receive, send)

    async def endpoint(request) -> PlainTextResponse:
        return PlainTextResponse(f"direct {request.method}")

    app = Direct(inner, {("POST", "/api/advise"): endpoint})
    assert call(app, "POST", "/api/advise")[1]["body"] == b"direct POST"
    assert call(app, "GET", "/api/advise")[1]["body"] == b"router"
    assert call(app, "POST", "/api/advise/")[1]["body"] == b"router"
    assert inner_calls == ["GET /api/advise", "POST /api/advise/"]


def test_the_app_answers_advise_directly_and_other_methods_with_405(client):
    """Through the whole app: POST answers with the guard's headers; GET is 405 as before."""
    r = client.post("/api/advise", json=SCENARIO)
    assert r.status_code == 200 and r.json()["verdict"]
    assert "default-src" in r.headers["content-security-policy"]
    g = client.get("/api/advise")
    assert g.status_code == 405 and g.json()["error"]["code"] == "method-not-allowed"
