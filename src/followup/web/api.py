"""The HTTP API, for programs: the pages' JSON twins and the decision endpoints.

    POST /api/advise   scenario JSON -> the answer (with decision_id and rules_digest)
    POST /api/explain  scenario JSON -> the answer with its trace and lineage (?level=)
    POST /api/batch    JSON Lines in -> JSON Lines out (one record per line, streamed)
    GET  /api/rules    the rules;  GET /api/schema/{scenario,answer,rules,...};  GET /healthz

`?as_of=YYYY-MM-DD` overrides the scenario's as_of; with neither, the question is asked as of
the server's today, as the command line does. Bad input: 400 (not JSON, not UTF-8), 413 (too
large), 415 (not JSON), 422 (a scenario with problems), each with the command line's diagnostics
located by JSON pointer (`followup schema error`); 503 when a request runs over its time.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from followup.audit.trace import LEVEL_EVENTS, filter_level, lineage
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.schema_version import SCHEMA_VERSION, versioned

from .guard import TooLarge, error_body, problem, read_body
from .work import Timeout, decide, timeout_error

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

JSON_TYPES = ("application/json",)
LINES_TYPES = ("application/x-ndjson", "application/jsonl", "application/json-lines", "application/jsonlines")
BATCH_CHUNK = 50  # lines evaluated per turn on the engine thread


class Failed(Exception):
    """A request refused with this status and these diagnostics."""

    def __init__(self, status: int, exc: FollowupError):
        self.status = status
        self.exc = exc


class Compact(JSONResponse):
    """A JSON response with the bytes Starlette's JSONResponse writes (compact separators, UTF-8,
    keys in order) from orjson, a tenth of the cost: an answer's JSON took an eighth of a POST
    /api/advise (bench/http.py). For documents of text, whole numbers up to 64 bits, booleans,
    null, lists and objects with text keys (the API's answers and errors; no floats), which
    tests/web/test_compact.py checks byte for byte against JSONResponse. Anything orjson refuses
    (a whole number over 64 bits, half of a surrogate pair) is written by the standard library
    instead, that half as its escape, as batch records write it: never a 500."""

    def render(self, content: Any) -> bytes:
        try:
            return orjson.dumps(content)
        except TypeError:
            text = json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            return text.encode("utf-8", "backslashreplace")


def error_response(status: int, exc: FollowupError) -> JSONResponse:
    return Compact(error_body(exc), status_code=status)


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        key = next(k for k, _ in pairs if k in seen or seen.add(k))  # type: ignore[func-returns-value]
        raise Failed(400, problem("duplicate-key", f"key {key[:60]!r} appears twice in one object"))
    return obj


# one decoder for every body (json.loads with a hook builds one per call); a leading BOM still
# goes to json.loads, for its own message
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs)


def parse_json(data: bytes, where: str = "request") -> Any:
    """A JSON body -> its value; Failed(400) with a located diagnostic when it is not JSON."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Failed(
            400,
            FollowupError(
                [Diagnostic(Location(where), "not-utf8", f"byte 0x{data[exc.start]:02x} is not valid UTF-8")]
            ),
        ) from None
    if not text.strip():
        raise Failed(400, problem("empty-file", "the request body is empty", where=where))
    try:
        return json.loads(text) if text.startswith("\ufeff") else _DECODER.decode(text)
    except json.JSONDecodeError as exc:
        loc = Location(where, exc.lineno, exc.colno)
        raise Failed(400, FollowupError([Diagnostic(loc, "json-syntax", exc.msg)])) from None
    except RecursionError:
        raise Failed(400, problem("too-deep", "values nest too deeply", where=where)) from None
    except ValueError as exc:  # an integer with too many digits
        raise Failed(400, problem("json-syntax", str(exc), where=where)) from None


def query_as_of(request: Request) -> dt.date | None:
    if not request.scope["query_string"]:  # most calls: no query to parse
        return None
    value = request.query_params.get("as_of")
    return None if value is None else as_of_day(value, "query")


def as_of_day(value: str, where: str) -> dt.date:
    """An as_of given in a request (`where`: query or a form field) as a day, or a 400."""
    from followup.core.scenario import date_out_of_range, parse_date

    day = parse_date(value)
    if day is None or date_out_of_range(day):
        why = date_out_of_range(day) if day else f"{value[:60]!r} is not a date YYYY-MM-DD"
        raise Failed(400, problem("bad-date", f"as_of: {why}", where=where))
    return day


async def json_body(request: Request, types: tuple[str, ...], limit: int) -> bytes:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind not in types:
        raise Failed(
            415, problem("unsupported-media-type", f"send the body as {types[0]}, not {kind or 'nothing'!r}")
        )
    try:
        return await read_body(request.receive, limit)
    except TooLarge as exc:
        raise Failed(413, exc) from None


async def evaluate(request: Request, explain_level: str | None = None) -> Response:
    """advise and explain: one scenario in, its answer (and trace) out."""
    from followup.core.mapping import from_mapping

    ctx = ctx_of(request)
    try:
        as_of = query_as_of(request)
        value = parse_json(await json_body(request, JSON_TYPES, ctx.limits.body))
        node = from_mapping(value, "scenario")
        if explain_level is None:
            doc = ctx.engine.run_now(answer_doc, ctx, node, as_of, None)
        else:
            doc = await ctx.engine.run(answer_doc, ctx, node, as_of, explain_level)
    except Failed as failed:
        return error_response(failed.status, failed.exc)
    except FollowupError as exc:
        return error_response(422, exc)
    except Timeout:
        return error_response(503, timeout_error(ctx.limits.seconds))
    return Compact(doc)


def answer_doc(ctx: Context, node: Any, as_of: dt.date | None, level: str | None) -> dict[str, Any]:
    """On the engine thread: the answer document, or the explanation at `level`."""
    decision = decide(ctx.advisor, node, as_of, ctx.today())
    if level is None:
        return decision.answer.to_json()
    from followup.audit.explain import explain as run_explain

    _, trace = run_explain(ctx.advisor, decision.scenario)
    answer = decision.answer.to_json()
    del answer["schema_version"]
    return versioned(
        {"answer": answer, "level": level, "trace": filter_level(trace, level), "lineage": lineage(trace)}
    )


async def advise(request: Request) -> Response:
    return await evaluate(request)


async def explain(request: Request) -> Response:
    level = request.query_params.get("level", "full")
    if level not in LEVEL_EVENTS:
        return error_response(
            400,
            problem(
                "unknown-value",
                f"level: unknown value {level[:60]!r}",
                "one of: answer, fired, full",
                "query",
            ),
        )
    return await evaluate(request, level)


async def batch(request: Request) -> Response:
    """JSON Lines in, JSON Lines out: one record per input line, in order, streamed."""
    ctx = ctx_of(request)
    try:
        as_of = query_as_of(request)
        body = await json_body(request, LINES_TYPES, ctx.limits.batch_body)
    except Failed as failed:
        return error_response(failed.status, failed.exc)
    lines = body.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    if len(lines) > ctx.limits.batch_lines:
        return error_response(
            413,
            problem("too-large", f"{len(lines)} lines; the limit is {ctx.limits.batch_lines} per request"),
        )

    async def records() -> AsyncIterator[bytes]:
        for start in range(0, len(lines), BATCH_CHUNK):
            chunk = lines[start : start + BATCH_CHUNK]
            try:
                out = await ctx.engine.run(batch_records, ctx, start + 1, chunk, as_of)
            except Timeout:
                out = [_record(start + 1, None, {"error": _error(timeout_error(ctx.limits.seconds))})]
                yield out[0]
                return
            yield b"".join(out)

    return StreamingResponse(records(), media_type="application/x-ndjson")


def _error(exc: FollowupError) -> dict[str, Any]:
    body: dict[str, Any] = error_body(exc)["error"]
    return body


def _record(line: int, rid: Any, outcome: dict[str, Any]) -> bytes:
    doc = {"schema_version": SCHEMA_VERSION, "line": line, "id": rid, **outcome}
    return (json.dumps(doc, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def batch_records(ctx: Context, first: int, chunk: list[bytes], as_of: dt.date | None) -> list[bytes]:
    """On the engine thread: each line's record (an answer, or an error with its diagnostics)."""
    from followup.core.mapping import from_mapping

    out = []
    today = ctx.today()
    for number, data in enumerate(chunk, first):
        value: Any = None
        try:
            value = parse_json(data.rstrip(b"\r"), where=f"line {number}")
            node = from_mapping(value, f"line {number}")
            answer = decide(ctx.advisor, node, as_of, today).answer.to_json()
            del answer["schema_version"]
            out.append(_record(number, _rid(value), {"answer": answer}))
        except Failed as failed:
            out.append(_record(number, None, {"error": _error(failed.exc)}))
        except FollowupError as exc:
            out.append(_record(number, _rid(value), {"error": _error(exc)}))
    return out


def _rid(value: Any) -> str | int | None:
    rid = value.get("id") if isinstance(value, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, (str, int)):
        return None
    return rid if not isinstance(rid, int) or rid.bit_length() <= 63 else None


async def rules(request: Request) -> Response:
    from followup.core.rules import rule_list

    ruleset = ctx_of(request).advisor.ruleset
    return JSONResponse(versioned({"rules_digest": ruleset.digest, "rules": rule_list(ruleset)}))


async def schema(request: Request) -> Response:
    schemas = ctx_of(request).schemas
    kind = request.path_params["kind"]
    if kind not in schemas:
        return error_response(
            404,
            problem(
                "unknown-value", f"no schema {kind[:60]!r}", "one of: " + ", ".join(sorted(schemas)), "path"
            ),
        )
    return JSONResponse(schemas[kind])


async def healthz(request: Request) -> Response:
    ctx = ctx_of(request)
    return JSONResponse(versioned({"status": "ok", "rules_digest": ctx.advisor.ruleset.digest}))


async def openapi(request: Request) -> Response:
    return JSONResponse(ctx_of(request).openapi)
