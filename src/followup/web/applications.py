"""My applications: the tracker's applications in the browser (`followup serve --db PATH`).

    GET  /applications             the rows `followup track list` shows, what is due first
    GET  /applications.json        its JSON twin: track list's document, each row with its words
    GET  /applications.ics         every reminder in one calendar: `followup track ics`'s bytes
    GET  /application?id=ID        one application: its history, the buttons, and its answer as
                                   the answer page shows it (the same view and template)
    GET  /application.json?id=ID   its JSON twin
    POST /applications/sent        "I sent it today": logs the message the page named, if
                                   nothing was logged since the page was shown
    POST /applications/replied     "They replied": logs their reply (pending, offer or rejected)

"Today" is the server's today unless the page was asked with ?as_of=YYYY-MM-DD, which its links
and forms keep. The POSTs change the database: besides the guard's Origin check they need the
page's token (csrf.py); a GET never changes anything. A change that passes redirects (303) back
to the page it was made on, which says what was logged; a refused one shows the tracker's
located diagnostics on that page (404 no such application, 409 something was logged since the
page was shown, 422 the validator's refusal, 503 the database is busy) and changes nothing.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from followup.core.errors import FollowupError
from followup.core.schema_version import versioned
from followup.core.wording import show_date

from . import share
from .api import Failed, as_of_day, error_response, query_as_of
from .csrf import FIELD
from .guard import TooLarge, problem, read_body
from .pages import _decide_with_changes, answer_view, ctx_of, render
from .tracking import Applications, status_of
from .views import history_words, notice, outcomes
from .work import Timeout, timeout_error

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

SENT_KINDS = ("thank_you", "follow_up")
OUTCOMES = ("pending", "offer", "rejected")
ACTIONS = ("/applications/sent", "/applications/replied")
LIST = "/applications"
MAX_FIELDS = 20
TITLES = {403: "Refused", 404: "Not found", 503: "Try again in a moment"}
SHOWN = ("id", "archived", "status", "send_on", "history", "version", "words", "sent")  # an application's row


def tracker(ctx: Context) -> Applications:
    assert ctx.applications is not None  # create_app routes here only when it was given one
    return ctx.applications


def link(path: str, params: dict[str, str], as_of: str | None) -> str:
    """A URL on this server, keeping the page's ?as_of when it was given."""
    query = {**params, **({"as_of": as_of} if as_of else {})}
    return path + ("?" + urlencode(query) if query else "")


def failure(
    request: Request,
    status: int,
    messages: list[str],
    exc: FollowupError | None = None,
    title: str | None = None,
) -> Response:
    """An error: the JSON error document for a twin or the calendar, else a page of messages."""
    if request.url.path.endswith((".json", ".ics")) and exc is not None:
        return error_response(status, exc)
    title = title or TITLES.get(status, "Nothing was changed")
    back = (LIST, "Back to My applications")
    shown = list(dict.fromkeys(messages))  # a refused change and the page shown after it may agree
    return render(request, "error.html", status, messages=shown, title=title, back=back)


def _rendered(exc: FollowupError) -> list[str]:
    return [d.render() for d in exc.diagnostics]


def forms(ctx: Context) -> dict[str, dict[str, str]]:
    """The two forms' actions and tokens."""
    return {path.rsplit("/", 1)[1]: {"action": path, "token": ctx.tokens.token(path)} for path in ACTIONS}


def page_day(request: Request) -> tuple[dt.date, str | None]:
    """The page's day (?as_of, else the server's today) and the ?as_of given, if any."""
    as_of = query_as_of(request)
    return as_of or ctx_of(request).today(), as_of.isoformat() if as_of else None


async def listing_page(request: Request) -> Response:
    try:
        day, as_of = page_day(request)
    except Failed as exc:
        return failure(request, exc.status, _rendered(exc.exc), exc.exc)
    return await show_list(request, day, as_of)


async def show_list(
    request: Request, day: dt.date, as_of: str | None, status: int = 200, problems: list[str] | None = None
) -> Response:
    """The list page (or its twin), with the problems of a refused change when there are any."""
    ctx = ctx_of(request)
    try:
        doc = await ctx.engine.run(tracker(ctx).listing, day)
    except FollowupError as exc:
        return failure(request, status_of(exc), [*(problems or []), *_rendered(exc)], exc)
    except Timeout:
        late = timeout_error(ctx.limits.seconds)
        return failure(request, 503, _rendered(late), late)
    rows = [
        {**row, "links": {"page": link("/application", {"id": row["id"]}, as_of)}}
        for row in doc["applications"]
    ]
    reminders = any(row["send_on"] for row in rows)
    view = {
        **doc,
        "applications": rows,
        "database": tracker(ctx).database,
        "links": {
            "page": link(LIST, {}, as_of),
            "today": LIST,
            "json": link(LIST + ".json", {}, as_of),
            "calendar": link(LIST + ".ics", {}, as_of) if reminders else None,
        },
    }
    if request.url.path.endswith(".json"):
        return JSONResponse(view, status_code=status)
    return render(
        request,
        "applications.html",
        status,
        view=view,
        day_words=show_date(day),
        as_of=as_of,
        forms=forms(ctx),
        outcomes=outcomes(),
        notice=None if problems else notice(request.query_params, rows),
        problems=problems or [],
        wide=True,
        title="My applications",
    )


async def application_page(request: Request) -> Response:
    try:
        day, as_of = page_day(request)
    except Failed as exc:
        return failure(request, exc.status, _rendered(exc.exc), exc.exc)
    return await show_application(request, request.query_params.get("id", ""), day, as_of)


async def show_application(
    request: Request,
    app_id: str,
    day: dt.date,
    as_of: str | None,
    status: int = 200,
    problems: list[str] | None = None,
) -> Response:
    """One application's page (or twin): the answer page's view of its scenario as of the day."""
    from followup.core.mapping import from_mapping

    ctx = ctx_of(request)
    try:
        row = await ctx.engine.run(tracker(ctx).application, app_id, day)
        if row["answer"] is None:  # the tracker's problems with it, as the list shows them
            unanswered = f"Application {app_id} has no answer as of {show_date(day)}"
            if request.url.path.endswith(".json"):
                return JSONResponse(versioned({"error": row["error"]}), status_code=422)
            messages = [*(problems or []), *row["words"]["problems"]]
            return failure(request, 422, messages, title=None if problems else unanswered)
        doc = {**row["scenario"], "as_of": day.isoformat()}
        decision, found = await ctx.engine.run(_decide_with_changes, ctx, from_mapping(doc))
    except FollowupError as exc:
        return failure(request, status_of(exc), [*(problems or []), *_rendered(exc)], exc)
    except Timeout:
        late = timeout_error(ctx.limits.seconds)
        return failure(request, 503, _rendered(late), late)
    view = answer_view(ctx, share.encode(doc), decision, found)
    view["links"].update(
        edit=None,
        json=link("/application.json", {"id": app_id}, as_of),
        application=link("/application", {"id": app_id}, as_of),
        list=link(LIST, {}, as_of),
    )
    view["application"] = {k: row[k] for k in SHOWN}
    if request.url.path.endswith(".json"):
        return JSONResponse(view, status_code=status)
    return render(
        request,
        "application.html",
        status,
        view=view,
        app=dict(view["application"], answer=view["answer"]),
        history=history_words(row["history"]),
        svg=_svg(decision),
        as_of=as_of,
        forms=forms(ctx),
        outcomes=outcomes(),
        notice=None if problems else notice(request.query_params, [row]),
        problems=problems or [],
        title=f"{row['words']['who']}: {decision.rec.summary}",
    )


def _svg(decision: Any) -> str:
    from . import timeline

    return timeline.svg(decision.scenario, decision.rec)


async def calendar(request: Request) -> Response:
    """Every reminder in one calendar, as `followup track ics` writes it on the same day."""
    ctx = ctx_of(request)
    try:
        day, _ = page_day(request)
        data = await ctx.engine.run(tracker(ctx).calendar, day)
    except Failed as exc:
        return error_response(exc.status, exc.exc)
    except FollowupError as exc:
        return error_response(status_of(exc), exc)
    except Timeout:
        return error_response(503, timeout_error(ctx.limits.seconds))
    if data is None:
        message = "no application has a next message to send"
        return error_response(404, problem("no-reminder", message, "", "applications"))
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="follow-ups.ics"'},
    )


async def posted_fields(request: Request, limit: int) -> dict[str, str]:
    """A form's fields (each at most once); Failed with 415, 413 or 400."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        message = "send the form as application/x-www-form-urlencoded"
        raise Failed(415, problem("unsupported-media-type", message))
    try:
        body = await read_body(request.receive, limit)
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except TooLarge as exc:
        raise Failed(413, exc) from None
    except ValueError:
        raise Failed(400, problem("bad-request", "too many fields in the form")) from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Failed(400, problem("bad-request", "a field appears twice in the form"))
    return fields


def form_day(fields: dict[str, str]) -> dt.date | None:
    """The page's ?as_of, kept in the form's `as_of` field ("" or absent: the server's today)."""
    value = fields.get("as_of", "")
    return as_of_day(value, "as_of") if value else None


def _choice(fields: dict[str, str], name: str, allowed: tuple[str, ...]) -> str:
    value = fields.get(name, "")
    if value not in allowed:
        message = f"{name}: {value[:40]!r} is not one of: {', '.join(allowed)}"
        raise Failed(400, problem("bad-value", message, "press a button on the page", name))
    return value


async def log_event(request: Request) -> Response:
    """The two buttons ("I sent it today", "They replied"): checked, the token first; logged;
    redirected back to the page they were pressed on."""
    ctx = ctx_of(request)
    action = request.url.path
    try:
        fields = await posted_fields(request, ctx.limits.body)
    except Failed as exc:
        return failure(request, exc.status, _rendered(exc.exc))
    if not ctx.tokens.valid(action, fields.get(FIELD, "")):
        refusal = problem(
            "bad-token",
            "this form did not come from this server's page (or the server was restarted since)",
            "reload My applications and press the button again; nothing was changed",
            FIELD,
        )
        return failure(request, 403, _rendered(refusal))
    app_id = fields.get("id", "")
    back = fields.get("back") == "application"
    try:
        as_of = form_day(fields)
        day = as_of or ctx.today()
        if action.endswith("/sent"):
            kind = _choice(fields, "kind", SENT_KINDS)
            channel, seen = fields.get("channel") or None, fields.get("version", "")
            added = await run_in_threadpool(tracker(ctx).log_sent, app_id, kind, channel, day, seen)
            event = {"event": kind}
        else:
            outcome = _choice(fields, "outcome", OUTCOMES)
            added = await run_in_threadpool(tracker(ctx).log_reply, app_id, outcome, day)
            event = {"event": "reply", "outcome": outcome}
    except Failed as exc:
        return failure(request, exc.status, _rendered(exc.exc))
    except FollowupError as exc:
        shown = as_of.isoformat() if as_of else None
        status, problems = status_of(exc), _rendered(exc)
        if back:
            page = await show_application(request, app_id, day, shown, status, problems)
        else:
            page = await show_list(request, day, shown, status, problems)
        if page.status_code == 503:
            page.headers["retry-after"] = "1"
        return page
    done = {"logged": app_id, **event, "on": day.isoformat(), **({} if added else {"again": "1"})}
    shown = as_of.isoformat() if as_of else None
    target = link("/application", {"id": app_id, **done}, shown) if back else link(LIST, done, shown)
    return RedirectResponse(target + "#notice", status_code=303)
