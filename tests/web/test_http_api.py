"""The HTTP API in-process: answers as the library gives them (with decision_id and rules_digest),
the CLI's diagnostics with JSON pointers for bad input, batch as JSON Lines, the schemas."""

from __future__ import annotations

import json

import jsonschema

import followup

from ..helpers import RULES
from .conftest import SCENARIO


def test_advise_returns_the_library_answer(client):
    """POST /api/advise gives followup.advise(...).to_json(): decision_id and rules_digest included."""
    r = client.post("/api/advise", json=SCENARIO)
    assert r.status_code == 200 and r.headers["content-type"] == "application/json"
    assert r.json() == followup.advise(SCENARIO, rules=RULES).to_json()
    assert r.json()["decision_id"] and r.json()["rules_digest"].startswith("sha256:")


def test_advise_answers_validate_against_the_served_schema(client):
    """The answer matches /api/schema/answer (the schema `followup schema answer` prints)."""
    schema = client.get("/api/schema/answer").json()
    jsonschema.validate(client.post("/api/advise", json=SCENARIO).json(), schema)


def test_as_of_in_the_query_overrides_the_scenario(client):
    """?as_of= asks the question on another day."""
    r = client.post("/api/advise?as_of=2026-11-13", json=SCENARIO)
    assert r.status_code == 200 and r.json()["as_of"] == "2026-11-13"


def test_without_any_as_of_the_server_asks_as_of_today(client):
    """No as_of anywhere: the server's today (fixed in the tests), as the CLI does."""
    r = client.post("/api/advise", json={"interview": {"date": "2026-11-05"}})
    assert r.status_code == 200 and r.json()["as_of"] == "2026-11-20"


def test_a_bad_scenario_is_422_with_the_cli_diagnostics_and_pointers(client):
    """Each problem: the CLI's code, message and hint, located by a JSON pointer."""
    bad = {**SCENARIO, "company": {"culture": "startp"}, "history": [{"kind": "reply", "date": "2026-11-06"}]}
    r = client.post("/api/advise", json=bad)
    assert r.status_code == 422
    error = r.json()["error"]
    assert (error["code"], error["message"]) == ("unknown-value", "company.culture: unknown value 'startp'")
    got = [(d["pointer"], d["code"], d["message"], d["hint"]) for d in error["diagnostics"]]
    assert got == [
        (
            "/company/culture",
            "unknown-value",
            "company.culture: unknown value 'startp'",
            "did you mean 'startup'?",
        ),
        (
            "/history/0",
            "missing-field",
            "history.outcome is required for a reply",
            "one of: pending, offer, rejected",
        ),
    ]
    jsonschema.validate(r.json(), client.get("/api/schema/error").json())


def test_not_json_is_400_located_in_the_body(client):
    """A body that is not JSON: json-syntax at the parser's line and column."""
    r = client.post(
        "/api/advise", content=b'{"interview":\n  {"date": }}', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400
    (diag,) = r.json()["error"]["diagnostics"]
    assert (diag["code"], diag["line"], diag["column"], diag["message"]) == (
        "json-syntax",
        2,
        12,
        "Expecting value",
    )


def test_a_duplicate_key_is_refused(client):
    """{"a": 1, "a": 2} is a duplicate-key error, as in a file."""
    body = b'{"interview": {"date": "2026-11-05"}, "interview": {}}'
    r = client.post("/api/advise", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "duplicate-key"


def test_the_api_wants_json_and_a_bounded_body(client):
    """Another media type is 415; a body over 1 MiB is 413, declared or not."""
    r = client.post("/api/advise", content=b"{}", headers={"content-type": "text/plain"})
    assert r.status_code == 415 and r.json()["error"]["code"] == "unsupported-media-type"
    big = b'{"id": "' + b"x" * 1_100_000 + b'"}'
    r = client.post("/api/advise", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "too-large"

    def chunks():
        yield b'{"id": "'
        for _ in range(20):
            yield b"x" * 60_000
        yield b'"}'

    r = client.post("/api/advise", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_explain_gives_the_trace_at_a_level(client):
    """POST /api/explain?level=fired: the answer, the fired rules' events and the lineage."""
    r = client.post("/api/explain?level=fired", json=SCENARIO)
    doc = r.json()
    assert r.status_code == 200 and doc["level"] == "fired"
    assert {e["event"] for e in doc["trace"]} <= {"answer", "conflict", "change", "fire", "outcome"}
    assert doc["answer"] == {
        k: v for k, v in followup.advise(SCENARIO, rules=RULES).to_json().items() if k != "schema_version"
    }
    jsonschema.validate(doc, client.get("/api/schema/explanation").json())
    assert client.post("/api/explain?level=most", json=SCENARIO).status_code == 400


def test_batch_streams_one_record_per_line(client):
    """JSON Lines in, one record per line out in order: answers and errors with their line numbers."""
    lines = [
        json.dumps({**SCENARIO, "id": "a"}),
        "{not json",
        json.dumps({"id": 7, "interview": {"date": "x"}}),
        "",
    ]
    r = client.post(
        "/api/batch", content="\n".join(lines).encode(), headers={"content-type": "application/x-ndjson"}
    )
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/x-ndjson")
    records = [json.loads(line) for line in r.text.splitlines()]
    assert [(x["line"], x["id"], "answer" in x) for x in records] == [
        (1, "a", True),
        (2, None, False),
        (3, 7, False),
    ]
    assert records[1]["error"]["code"] == "json-syntax"
    assert records[2]["error"]["diagnostics"][0]["pointer"] == "/interview/date"
    schema = client.get("/api/schema/batch-record").json()
    for record in records:
        jsonschema.validate(record, schema)


def test_batch_refuses_too_many_lines_and_other_media_types(client):
    """More than 1,000 lines is 413 before anything is evaluated; text/plain is 415."""
    body = (json.dumps(SCENARIO) + "\n") * 1001
    r = client.post("/api/batch", content=body.encode(), headers={"content-type": "application/x-ndjson"})
    assert (
        r.status_code == 413 and r.json()["error"]["message"] == "1001 lines; the limit is 1000 per request"
    )
    assert client.post("/api/batch", content=b"{}", headers={"content-type": "text/plain"}).status_code == 415


def test_rules_schemas_and_health(client):
    """GET /api/rules lists the rules with the digest; the schemas are served; /healthz answers."""
    rules = client.get("/api/rules").json()
    assert rules["rules_digest"] == followup.load_rules(RULES).digest
    assert {r["id"] for r in rules["rules"]} == set(followup.load_rules(RULES).rule_ids)
    for kind in ("scenario", "answer", "rules"):
        jsonschema.Draft202012Validator.check_schema(client.get(f"/api/schema/{kind}").json())
    assert client.get("/api/schema/nope").status_code == 404
    assert client.get("/healthz").json() == {
        "schema_version": 1,
        "status": "ok",
        "rules_digest": rules["rules_digest"],
    }


def test_a_request_over_its_time_is_503(monkeypatch):
    """An explanation past the deadline answers 503 `timeout`, not a hang."""
    import time

    from starlette.testclient import TestClient

    from followup.web import api
    from followup.web.guard import Limits

    from .conftest import BASE, make_app

    app = make_app(limits=Limits(seconds=0.2))
    real = api.answer_doc
    monkeypatch.setattr(api, "answer_doc", lambda *a: (time.sleep(1), real(*a))[1])
    with TestClient(app, base_url=BASE) as c:
        r = c.post("/api/explain", json=SCENARIO)
    assert r.status_code == 503
    assert r.json()["error"]["message"] == "the request took longer than 0.2 s and was stopped"


def test_a_bom_left_in_the_body_is_the_standard_librarys_json_syntax_error(client):
    """Two BOMs (the first is taken off as UTF-8-SIG): 400 json-syntax with json's own message."""
    body = b"\xef\xbb\xbf\xef\xbb\xbf" + json.dumps(SCENARIO).encode()
    r = client.post("/api/advise", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert (r.json()["error"]["code"], r.json()["error"]["message"]) == (
        "json-syntax",
        "Unexpected UTF-8 BOM (decode using utf-8-sig)",
    )


def test_a_key_with_half_a_surrogate_pair_is_422_not_utf8_never_echoed(client):
    """{"\\ud800": 1} (a JSON escape of half a pair): 422 not-utf8 at the object, the key not echoed."""
    for path in ("/api/advise", "/api/explain"):
        body = b'{"company": {"cultur\\ud800": "x"}, "interview": {"date": "2026-11-01"}}'
        r = client.post(path, content=body, headers={"content-type": "application/json"})
        assert r.status_code == 422, r.text
        error = r.json()["error"]
        assert (error["code"], error["message"]) == (
            "not-utf8",
            "a key holds U+D800, half of a UTF-16 surrogate pair, which is not a character and has no UTF-8 form",
        )
        assert error["diagnostics"][0]["pointer"] == "/company"
