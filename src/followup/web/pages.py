"""The pages, for people, each with its JSON twin at the same URL plus `.json` (as Datasette does):

    /              the form (GET; ?s=TOKEN fills it in to edit), posted back to itself
    /answer        the answer for ?s=TOKEN (the scenario travels in the URL: bookmark, share)
    /answer.ics    the calendar reminder;   /scenario.yaml  the scenario as a file
    /rules         the rules and the claims they encode

The form works without JavaScript: "Add a row" and "Remove" are submit buttons the server
answers by drawing the form again; a valid scenario redirects (303) to its /answer URL; problems
are shown beside their fields with the command line's messages (422).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from followup.core.errors import FollowupError
from followup.core.schema_version import versioned

from . import form as forms
from . import share
from .guard import TooLarge, problem, read_body
from .work import Decision, Timeout, changes, decide, timeout_error

if TYPE_CHECKING:  # pragma: no cover
    from .app import Context

VERDICTS = {"yes": "Yes, today is fine", "not_yet": "Not yet", "no": "No"}
ACTIONS = {
    "send_thank_you": "Send the thank-you note",
    "send_follow_up": "Send a status follow-up",
    "send_final_follow_up": "Send the final follow-up",
    "wait": "Wait",
    "move_on": "Move on",
    "stop": "Stop here",
}


def ctx_of(request: Request) -> Context:
    ctx: Context = request.app.state.ctx
    return ctx


def render(request: Request, template: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = ctx_of(request).templates.get_template(template).render(**values)
    return HTMLResponse(html, status_code=status)


def form_page(
    request: Request, state: forms.State, errors: dict[str, list[str]] | None = None, status: int = 200
) -> HTMLResponse:
    ctx = ctx_of(request)
    state.values.setdefault("as_of", ctx.today().isoformat())
    if not state.rows:
        state.rows.append({})
    return render(
        request,
        "form.html",
        status,
        spec=ctx.spec,
        state=state,
        errors=errors or {},
        max_rows=forms.MAX_ROWS,
        title="Is a follow-up okay now?",
    )


async def form_get(request: Request) -> Response:
    """The form, empty or filled in from ?s= (to edit a shared scenario)."""
    token = request.query_params.get("s")
    state = forms.State()
    if token:
        try:
            state = forms.from_scenario(share.decode(token))
        except FollowupError as exc:
            return form_page(request, state, {"": _messages(exc)}, 400)
    if request.url.path.endswith(".json"):
        return JSONResponse(
            versioned({"form": ctx_of(request).spec.to_json(), "values": state.values, "history": state.rows})
        )
    return form_page(request, state)


async def form_post(request: Request) -> Response:
    """The form sent back: add or remove a row, or answer it."""
    ctx = ctx_of(request)
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if kind != "application/x-www-form-urlencoded":
            raise problem("unsupported-media-type", "send the form as application/x-www-form-urlencoded")
        body = await read_body(request.receive, ctx.limits.body)
        pairs = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=500)
    except TooLarge as exc:
        return form_page(request, forms.State(), {"": _messages(exc)}, 413)
    except (FollowupError, ValueError) as exc:
        messages = _messages(exc) if isinstance(exc, FollowupError) else ["too many fields in the form"]
        return form_page(request, forms.State(), {"": messages}, 400)
    state = forms.from_post(pairs, ctx.spec)
    if state.action != "advise":
        return form_page(request, state)
    doc, rows = forms.to_scenario(state)
    try:
        await ctx.engine.run(_check, ctx, doc)
    except FollowupError as exc:
        return form_page(request, state, forms.errors_by_field(exc.diagnostics, rows, ctx.spec), 422)
    except Timeout:
        return form_page(request, state, {"": _messages(timeout_error(ctx.limits.seconds))}, 503)
    return RedirectResponse(f"/answer?s={share.encode(doc)}", status_code=303)


def _check(ctx: Context, doc: dict[str, Any]) -> None:
    from followup.core.mapping import from_mapping

    decide(ctx.advisor, from_mapping(doc), None, ctx.today())


def _messages(exc: FollowupError) -> list[str]:
    return [d.message + (f" ({d.hint})" if d.hint else "") for d in exc.diagnostics]


async def _decision(request: Request) -> tuple[Any, Decision, list[dict[str, Any]]] | Response:
    """The scenario in ?s=, evaluated with what would change it; or the form with its problems."""
    from followup.core.mapping import from_mapping

    ctx = ctx_of(request)
    token = request.query_params.get("s", "")
    doc: Any = None
    try:
        doc = share.decode(token) if token else None
        if doc is None:
            raise problem("missing-field", "no scenario in this link", "fill in the form", "s")
        node = from_mapping(doc)
        decision, found = await ctx.engine.run(_decide_with_changes, ctx, node)
    except FollowupError as exc:
        if request.url.path.endswith(".json") or request.url.path.endswith(".ics"):
            from .api import error_response

            return error_response(422, exc)
        state = forms.from_scenario(doc)
        rows = list(range(len(state.rows)))
        return form_page(request, state, forms.errors_by_field(exc.diagnostics, rows, ctx.spec), 422)
    except Timeout:
        from .api import error_response

        return error_response(503, timeout_error(ctx.limits.seconds))
    return doc, decision, found


def _decide_with_changes(ctx: Context, node: Any) -> tuple[Decision, list[dict[str, Any]]]:
    decision = decide(ctx.advisor, node, None, ctx.today())
    return decision, changes(ctx.advisor, decision)


def answer_view(ctx: Context, token: str, decision: Decision, found: list[dict[str, Any]]) -> dict[str, Any]:
    """What the answer page shows, as data: also its JSON twin."""
    from followup.audit.render import message_text, window_text

    from . import timeline

    ruleset = ctx.advisor.ruleset
    rec, draft = decision.rec, decision.draft

    def claims(ids: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
        return [
            {
                "claim": cid,
                "article": ruleset.articles.get(cid[:3], ""),
                "text": ruleset.claims[cid].text if cid in ruleset.claims else "",
            }
            for cid in ids
        ]

    answer = decision.answer.to_json()
    del answer["schema_version"]
    return versioned(
        {
            "answer": answer,
            "verdict_words": VERDICTS.get(rec.verdict, rec.verdict),
            "action_words": ACTIONS.get(rec.action, rec.action),
            "window": window_text(answer["earliest"], answer["latest"]),
            "timeline": [
                {"date": i.day.isoformat(), "kind": i.kind, "text": i.text}
                for i in timeline.items(decision.scenario, rec)
            ],
            "timeline_window": timeline.window_text(rec),
            "reasons": [
                {"rule": r["rule"], "says": r["says"], "sources": claims(r["sources"])} for r in rec.reasons
            ],
            "conflicts": [
                {
                    "question": c["question"],
                    "took": {"position": c["took"]["position"], "claims": claims(c["took"]["claims"])},
                    "other_sides": [
                        {"position": o["position"], "claims": claims(o["claims"])} for o in c["other_sides"]
                    ],
                    "decided_by": c["decided_by"],
                }
                for c in rec.conflicts
            ],
            "changes": [ev["text"] for ev in found],
            "draft_text": message_text(draft) if draft is not None else None,
            "links": {
                "page": f"/answer?s={token}",
                "json": f"/answer.json?s={token}",
                "edit": f"/?s={token}",
                "scenario": f"/scenario.yaml?s={token}",
                "calendar": f"/answer.ics?s={token}" if draft is not None else None,
            },
        }
    )


async def answer_page(request: Request) -> Response:
    got = await _decision(request)
    if isinstance(got, Response):
        return got
    _, decision, found = got
    ctx = ctx_of(request)
    view = answer_view(ctx, request.query_params["s"], decision, found)
    if request.url.path.endswith(".json"):
        return JSONResponse(view)
    from . import timeline

    return render(
        request,
        "answer.html",
        view=view,
        svg=timeline.svg(decision.scenario, decision.rec),
        title=decision.rec.summary,
    )


async def calendar(request: Request) -> Response:
    """The .ics reminder for the answer (404 when it sends nothing: no reminder to add)."""
    from followup.messages.calendar import reminder_ics

    got = await _decision(request)
    if isinstance(got, Response):
        return got
    _, decision, _ = got
    try:
        data = reminder_ics(decision.rec, decision.scenario, decision.draft)
    except ValueError as exc:
        from .api import error_response

        return error_response(404, problem("no-reminder", str(exc)))
    return Response(
        data,
        media_type="text/calendar; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="follow-up.ics"'},
    )


async def scenario_file(request: Request) -> Response:
    """The scenario as YAML that `followup advise` reads (as_of kept: the page's day)."""
    import yaml

    try:
        doc = share.decode(request.query_params.get("s", ""))
    except FollowupError as exc:
        from .api import error_response

        return error_response(400, exc)
    header = HEADER
    text = header + yaml.safe_dump(
        doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return Response(
        text.encode("utf-8", "backslashreplace"),
        media_type="application/yaml; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="interview.yaml"'},
    )


HEADER = """\
# An interview, saved from `followup serve`. Ask again: followup advise interview.yaml
# (as_of is the day it was asked: remove that line to ask as of today, or use --as-of)
"""


async def rules_page(request: Request) -> Response:
    from followup.core.rules import rule_list

    ruleset = ctx_of(request).advisor.ruleset
    claims = [
        {"claim": c.id, "article": ruleset.articles.get(c.id[:3], ""), "text": c.text}
        for c in sorted(ruleset.claims.values(), key=lambda c: c.id)
    ]
    view = versioned({"rules_digest": ruleset.digest, "rules": rule_list(ruleset), "claims": claims})
    if request.url.path.endswith(".json"):
        return JSONResponse(view)
    descriptions = {r.id: r.description for r in ruleset.rules}
    return render(request, "rules.html", view=view, descriptions=descriptions, title="The rules")
