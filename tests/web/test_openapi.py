"""The OpenAPI document: valid by an independent validator, and the API exercised against it by
schemathesis (property-based, in-process): no 5xx, and every status, media type and body as
documented. Examples per operation are bounded to keep the suite quick."""

from __future__ import annotations

import os
import subprocess
import sys

import schemathesis
from hypothesis import HealthCheck, settings
from openapi_spec_validator import validate
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from followup.cli.serve import build_app

from ..helpers import ROOT, RULES
from .conftest import TODAY

# bound as on a server (0.0.0.0): no Host check (test_pages covers it), since schemathesis calls
# the app under its own test host name
APP = build_app(RULES, "0.0.0.0", 8000, today=lambda: TODAY)
# the document GET /openapi.json serves (api.openapi), taken without a request: from_asgi's client
# left an anyio portal thread running from collection on, and every later fork (pexpect, batch's
# workers) then forked a multi-threaded process (Python 3.12+ warned: the child can deadlock)
SCHEMA = schemathesis.openapi.from_dict(APP.state.ctx.openapi)
SCHEMA.app = APP


@schemathesis.serializer("application/x-ndjson")
def _lines(ctx: object, value: object) -> bytes:
    """A generated batch body as sent: text as it is, anything else as one JSON line."""
    import json

    return (
        value.encode("utf-8", "surrogatepass")
        if isinstance(value, str)
        else (json.dumps(value) + "\n").encode()
    )


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_collecting_this_module_starts_no_thread():
    """Importing it leaves the process single-threaded: tests that fork (pexpect, batch's workers)
    run after collection, and a fork beside a running thread can deadlock the child."""
    code = "import threading, tests.web.test_openapi; print(threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.stdout.strip() == "1", out.stderr


def test_the_document_is_valid_openapi():
    """openapi-spec-validator (independent of the app and of schemathesis) accepts the document."""
    with TestClient(APP) as client:
        doc = client.get("/openapi.json").json()
    validate(doc)
    assert doc["openapi"] == "3.1.0"
    assert set(doc["paths"]) == {
        "/api/advise",
        "/api/explain",
        "/api/batch",
        "/api/rules",
        "/api/schema/{kind}",
        "/healthz",
    }


@SCHEMA.parametrize()
@settings(
    max_examples=int(os.environ.get("FOLLOWUP_API_EXAMPLES", "15")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_the_api_keeps_to_its_document(case):
    """Generated requests (valid and not) never get a 5xx, and each response is as documented."""
    case.call_and_validate(checks=CHECKS)
