"""`followup serve`: the web page for people and the HTTP API for programs, on one local server.
Only wires options to the app (followup.web); starlette, uvicorn and jinja2 load only here. My
applications shows the tracker's database (--db, else $FOLLOWUP_DB, else the default, as
`followup track`): the web app is handed a followup.tracker.service.TrackerService over it, the
shape followup.web.tracking.Applications describes (web does not import the tracker)."""

from __future__ import annotations

import sys
from typing import Any

import click

from followup.core.errors import FollowupError

from .app import DB, RULES, fail, main

LOCAL = ("127.0.0.1", "localhost", "::1")


def build_app(
    rules: str | None,
    host: str = "127.0.0.1",
    port: int = 8000,
    db: str | None = None,
    busy_timeout: float | None = None,
    **options: Any,
) -> Any:
    """The web app for a rules directory, with the schemas `followup schema` prints for it, and
    My applications over the tracker's database `db` (resolved as `followup track` does; a
    write waits `busy_timeout` seconds for another writer, default the tracker's)."""
    from followup.core.advisor import load_advisor
    from followup.tracker.service import TrackerService
    from followup.tracker.store import database_path
    from followup.web.app import NEEDED, create_app

    from .authoring import schema_doc

    advisor = load_advisor(rules)
    schemas = {kind: schema_doc(kind, advisor.ruleset) for kind in NEEDED}
    tracker = TrackerService(database_path(db), advisor, busy_timeout)
    return create_app(advisor, schemas, host=host, port=port, tracker=tracker, **options)


def is_local(host: str) -> bool:
    return host in LOCAL or host.startswith("127.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="port to listen on"
)
@RULES
@DB
def serve(host: str, port: int, rules: str | None, db: str | None) -> None:
    """Serve the form and the answer pages, and My applications over the tracker's database
    (for people), and the HTTP API (for programs): open the address it prints in a browser.
    Ctrl-C stops it."""
    import uvicorn

    try:
        app = build_app(rules, host, port, db)
    except FollowupError as exc:
        fail(exc)
        return
    if not is_local(host):
        click.echo(
            f"warning: listening on {host}, reachable from other machines: anyone who can reach it "
            "can use it (it has no accounts); the Host check against DNS rebinding is off. Put it "
            "behind a proxy that authenticates, or use --host 127.0.0.1.",
            err=True,
        )
    shown = f"[{host}]" if ":" in host else host
    click.echo(
        f"followup serve: http://{shown}:{port}/  (API: /api/advise, OpenAPI: /openapi.json)", err=True
    )
    from followup.web.server import OPTIONS

    uvicorn.run(app, host=host, port=port, **OPTIONS)
    sys.exit(0)
