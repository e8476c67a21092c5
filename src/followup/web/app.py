"""The web app: a plain Starlette object built by create_app (no global state), serving the pages
(pages.py), My applications (applications.py, over the tracker it is given), the HTTP API
(api.py), the OpenAPI document and the static files, behind the guard (guard.py). `followup
serve` builds it and hands it to uvicorn; the tests build it the same way and talk to it
in-process or through a real server."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import jinja2
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from followup.audit import schemas as out
from followup.core.advisor import Advisor

from . import api, applications, pages
from .csrf import Tokens
from .direct import Direct
from .form import Spec, form_spec
from .guard import Guard, Limits, allowed_hosts, problem
from .openapi import openapi
from .tracking import Applications
from .work import Engine

HERE = os.path.dirname(os.path.abspath(__file__))
NEEDED = ("scenario", "rules", "rule-list")  # schemas the app is given (the others it makes)


@dataclass
class Context:
    """What every request reads: the rules, the engine thread, the limits, the form, the schemas;
    the tracker My applications shows, and this process's CSRF tokens."""

    advisor: Advisor
    engine: Engine
    limits: Limits
    spec: Spec
    schemas: dict[str, dict[str, Any]]
    openapi: dict[str, Any]
    templates: jinja2.Environment
    today: Callable[[], dt.date] = field(default=dt.date.today)
    applications: Applications | None = None
    tokens: Tokens = field(default_factory=Tokens)


def templates() -> jinja2.Environment:
    """Jinja2 over the package's templates, autoescaping everything (no data is ever a template)."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(os.path.join(HERE, "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_app(
    advisor: Advisor,
    schemas: dict[str, dict[str, Any]],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    limits: Limits | None = None,
    today: Callable[[], dt.date] = dt.date.today,
    tracker: Applications | None = None,
) -> Starlette:
    """The app for one loaded rule set. `schemas` holds `followup schema scenario|rules|rule-list`
    for these rules; `host`/`port` are where it is served (the Host check follows them);
    `today` is the only clock it reads (the form's default day, and API calls without as_of);
    `tracker` is the database My applications shows and changes (None: no such pages)."""
    limits = limits or Limits()
    ruleset = advisor.ruleset
    all_schemas = {
        **{k: schemas[k] for k in NEEDED},
        "answer": out.answer_schema(ruleset),
        "explanation": out.explanation_schema(ruleset),
        "batch-record": out.batch_record_schema(ruleset),
        "error": out.error_schema(),
    }
    ctx = Context(
        advisor,
        Engine(limits.seconds),
        limits,
        form_spec(ruleset),
        all_schemas,
        openapi(all_schemas),
        templates(),
        today,
        tracker,
    )
    ctx.templates.globals["my_applications"] = tracker is not None  # the link in the navigation
    routes = [
        # Direct (direct.py) hands POST /api/advise to its function; listed for other methods (405)
        Route("/api/advise", api.advise, methods=["POST"]),
        Route("/", pages.form_get, methods=["GET"]),
        Route("/", pages.form_post, methods=["POST"]),
        Route("/.json", pages.form_get, methods=["GET"]),
        Route("/answer", pages.answer_page, methods=["GET"]),
        Route("/answer.json", pages.answer_page, methods=["GET"]),
        Route("/answer.ics", pages.calendar, methods=["GET"]),
        Route("/scenario.yaml", pages.scenario_file, methods=["GET"]),
        Route("/rules", pages.rules_page, methods=["GET"]),
        Route("/rules.json", pages.rules_page, methods=["GET"]),
        *(_tracker_routes() if tracker is not None else []),
        Route("/api/explain", api.explain, methods=["POST"]),
        Route("/api/batch", api.batch, methods=["POST"]),
        Route("/api/rules", api.rules, methods=["GET"]),
        Route("/api/schema/{kind}", api.schema, methods=["GET"]),
        Route("/healthz", api.healthz, methods=["GET"]),
        Route("/openapi.json", api.openapi, methods=["GET"]),
        Mount("/static", StaticFiles(directory=os.path.join(HERE, "static")), name="static"),
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        ctx.engine.close()

    app = Starlette(routes=routes, exception_handlers={HTTPException: _http_error}, lifespan=lifespan)
    app.state.ctx = ctx
    app.add_middleware(Direct, endpoints={("POST", "/api/advise"): api.advise})  # inside the guard
    app.add_middleware(Guard, hosts=allowed_hosts(host, port), limits=limits)
    return app


def _tracker_routes() -> list[Route]:
    return [
        Route("/applications", applications.listing_page, methods=["GET"]),
        Route("/applications.json", applications.listing_page, methods=["GET"]),
        Route("/applications.ics", applications.calendar, methods=["GET"]),
        Route("/application", applications.application_page, methods=["GET"]),
        Route("/application.json", applications.application_page, methods=["GET"]),
        *(Route(path, applications.log_event, methods=["POST"]) for path in applications.ACTIONS),
    ]


async def _http_error(request: Request, exc: Exception) -> Response:
    """404, 405 and the like: JSON for the API, a short page otherwise, with the guard's headers."""
    assert isinstance(exc, HTTPException)
    codes = {404: "not-found", 405: "method-not-allowed"}
    failure = problem(codes.get(exc.status_code, "http-error"), str(exc.detail), where="request")
    if request.url.path.startswith("/api/") or request.url.path.endswith(".json"):
        return api.error_response(exc.status_code, failure)
    return pages.render(
        request, "error.html", exc.status_code, messages=[str(exc.detail)], title=str(exc.detail)
    )
