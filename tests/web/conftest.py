"""The web app under test: built as `followup serve` builds it, with a fixed today; a client that
talks to it in-process, and a real uvicorn server on a free port for the browser."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from followup.cli.serve import build_app
from followup.web.server import OPTIONS

from ..helpers import RULES

TODAY = dt.date(2026, 11, 20)
PORT = 8000
BASE = f"http://127.0.0.1:{PORT}"
SCENARIO = {
    "as_of": "2026-11-20",
    "company": {"name": "Acme Robotics", "culture": "startup"},
    "interview": {"date": "2026-11-05"},
    "history": [{"kind": "thank_you", "date": "2026-11-05"}, {"kind": "follow_up", "date": "2026-11-12"}],
}


# a tracker database that does not exist: My applications is empty, and reading it creates nothing
NO_DB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "no-such-directory", "applications.db")


def make_app(db: str = NO_DB, **options: Any) -> Any:
    return build_app(RULES, "127.0.0.1", PORT, db=db, today=lambda: TODAY, **options)


@pytest.fixture(scope="session")
def app() -> Any:
    return make_app()


@pytest.fixture
def client(app: Any) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE) as c:
        yield c


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(db: str = NO_DB) -> Iterator[str]:
    """A real uvicorn server in a thread on a free port, set up as `followup serve` sets it up
    (web.server.OPTIONS), over the tracker database `db`; its base URL."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            build_app(RULES, "127.0.0.1", port, db=db, today=lambda: TODAY),
            host="127.0.0.1",
            port=port,
            **OPTIONS,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    """A real uvicorn server in a thread on a free port; its base URL."""
    with serving() as url:
        yield url
