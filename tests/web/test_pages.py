"""The pages in-process: the form without JavaScript (submit, add and remove rows, errors beside
their fields), the answer page and its JSON twin, the shared link, the downloads; and the guard
(Host check, cross-site refusal, security headers)."""

from __future__ import annotations

import re

import pytest
import yaml
from markupsafe import escape as html_escape  # what Jinja2's autoescape uses

import followup

from ..helpers import RULES
from .conftest import SCENARIO

FORM = {
    "as_of": "2026-11-20",
    "interview.date": "2026-11-05",
    "company.name": "Acme Robotics",
    "company.culture": "startup",
    "history.0.kind": "thank_you",
    "history.0.date": "2026-11-05",
    "history.1.kind": "follow_up",
    "history.1.date": "2026-11-12",
    "history.2.kind": "",
    "history.2.date": "",
}


def field_errors(html: str, name: str) -> list[str]:
    block = re.search(rf'<ul class="field-errors" id="{re.escape(name)}-error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", block.group(1)) if block else []


def answer_url(client, form) -> str:
    r = client.post("/", data={**form, "action": "advise"}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return r.headers["location"]


def test_the_form_asks_what_followup_ask_asks(client):
    """Labels and hints come from core.questions; choices from the vocabulary, with 'not sure'."""
    from followup.core import questions as q

    html = client.get("/").text
    for question in (q.INTERVIEW_DATE, q.COMPANY, q.CONTEXT["company.culture"], q.OUTCOME):
        assert str(html_escape(question.text)) in html and str(html_escape(question.why)) in html
    assert '<option value="startup">a startup, informal and fast</option>' in html
    assert '<input id="interview.date" name="interview.date" type="date"' in html
    assert 'value="2026-11-20"' in html  # as_of defaults to today


def test_a_valid_form_redirects_to_the_answer_the_library_gives(client):
    """Submitting the form (no JavaScript) answers as followup.advise does, at a shareable URL."""
    url = answer_url(client, FORM)
    assert url.startswith("/answer?s=")
    page = client.get(url).text
    expected = followup.advise(SCENARIO, rules=RULES)
    assert f'<h1 id="summary">{expected.summary}</h1>' in page
    twin = client.get(url.replace("/answer", "/answer.json")).json()
    answer = expected.to_json()
    del answer["schema_version"]
    assert twin["answer"] == answer


def test_the_answer_page_shows_everything_in_order(client):
    """Verdict, timeline (SVG with title/desc and a text list), draft, reasons with claims, disagreements, changes."""
    page = client.get(answer_url(client, {**FORM, "as_of": "2026-11-16"})).text
    order = [
        "Not yet",
        "Timeline",
        "<svg",
        "The message to send",
        "Why",
        "Where the sources disagree",
        "What would change it",
    ]
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert '<title id="timeline-title">' in page and '<desc id="timeline-desc">' in page
    assert "2026-11-12</time>: Status follow-up sent" in page
    assert "Window for the final follow-up" in page
    assert 'id="draft-text"' in page and "Subject: Final follow-up" in page
    rules = followup.load_rules(RULES)
    claim = rules._advisor.ruleset.claims["001-03"]
    assert f"<blockquote>{claim.text}</blockquote>" in page


def test_a_field_error_is_shown_beside_its_field_with_the_cli_message(client):
    """An impossible date and a reply without outcome: messages beside their fields, 422."""
    form = {**FORM, "interview.date": "2026-02-30", "history.2.kind": "reply", "history.2.date": "2026-11-13"}
    r = client.post("/", data={**form, "action": "advise"})
    assert r.status_code == 422
    assert field_errors(r.text, "interview.date") == [
        "interview.date: &#39;2026-02-30&#39; is not a real date"
    ]
    assert field_errors(r.text, "history.2.outcome") == [
        "history.outcome is required for a reply (one of: pending, offer, rejected)"
    ]
    assert 'aria-invalid="true"' in r.text and 'value="Acme Robotics"' in r.text  # the answers are kept


def test_a_missing_interview_date_is_shown_at_that_field(client):
    """The root-level missing-field goes to the field its message names."""
    r = client.post("/", data={"as_of": "2026-11-20", "action": "advise"})
    assert field_errors(r.text, "interview.date") == ["interview.date is required"]


def test_rows_are_added_and_removed_by_the_server(client):
    """'Add an event' and 'Remove' are plain submit buttons: the form comes back with one row more or less."""
    r = client.post("/", data={**FORM, "action": "add-row"})
    assert r.status_code == 200 and r.text.count('class="history-row"') == 4
    r = client.post("/", data={**FORM, "action": "remove-row-0"})
    assert r.text.count('class="history-row"') == 2
    assert 'name="history.0.kind"' in r.text and re.search(r'<option value="follow_up" selected>', r.text)


def test_the_shared_link_fills_the_form_and_downloads_the_scenario(client):
    """/?s= edits the scenario; /scenario.yaml is a file `followup advise` answers the same."""
    url = answer_url(client, FORM)
    token = url.split("s=", 1)[1]
    assert 'value="Acme Robotics"' in client.get(f"/?s={token}").text
    r = client.get(f"/scenario.yaml?s={token}")
    assert r.headers["content-disposition"] == 'attachment; filename="interview.yaml"'
    doc = yaml.safe_load(r.text)
    assert followup.advise(doc, rules=RULES).summary == followup.advise(SCENARIO, rules=RULES).summary


def test_a_broken_or_huge_link_is_explained_not_crashed(client):
    """A cut-short token, or one expanding beyond the limit, shows the form with the reason."""
    r = client.get("/answer?s=eNqrVkosjs9PU7JSMjIwMtM1NNQ")
    assert r.status_code == 422 and "this link does not hold a scenario" in r.text
    r = client.get("/answer?s=" + "A" * 16_001)
    assert r.status_code == 422 and "the limit is 16000" in r.text


def test_a_link_whose_scenario_has_half_a_surrogate_pair_in_a_key_is_a_422_page(client):
    """A hand-made link holding {"\\ud800": 1}: each page says not-utf8 (422), never a 500."""
    import base64
    import zlib

    text = b'{"\\ud800":1,"interview":{"date":"2026-11-01"},"as_of":"2026-11-20"}'
    token = base64.urlsafe_b64encode(zlib.compress(text, 9)).decode("ascii").rstrip("=")
    for path in ("/answer", "/answer.json", "/answer.ics"):
        r = client.get(path, params={"s": token})
        assert r.status_code == 422 and "half of a UTF-16 surrogate pair" in r.text, (path, r.text[:200])


def test_the_calendar_download_is_the_reminder(client):
    """/answer.ics is the .ics the CLI writes; an answer that sends nothing has none (404)."""
    r = client.get(answer_url(client, FORM).replace("/answer", "/answer.ics"))
    assert r.headers["content-type"] == "text/calendar; charset=utf-8"
    assert (
        r.text.startswith("BEGIN:VCALENDAR\r\n")
        and "SUMMARY:Send the final follow-up to Acme Robotics" in r.text
    )
    stop = {**FORM, "history.2.kind": "reply", "history.2.date": "2026-11-13"}
    stop["history.2.outcome"] = "rejected"
    page = client.get(answer_url(client, stop))
    assert 'id="calendar"' not in page.text
    assert client.get(answer_url(client, stop).replace("/answer", "/answer.ics")).status_code == 404


def test_every_page_has_a_json_twin(client):
    """/.json, /answer.json and /rules.json carry the pages' data with schema_version."""
    assert [f["name"] for f in client.get("/.json").json()["form"]["fields"]][:2] == [
        "as_of",
        "interview.date",
    ]
    rules = client.get("/rules.json").json()
    assert rules["schema_version"] == 1 and rules["claims"]
    assert "001-03" in client.get("/rules").text


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1:9999", "localhost.evil.example:8000"])
def test_a_foreign_host_header_is_refused(client, host):
    """DNS rebinding: a Host other than localhost/127.0.0.1/[::1] with the port is 400."""
    r = client.get("/", headers={"host": host})
    assert r.status_code == 400 and "this server answers to localhost" in r.text


@pytest.mark.parametrize("host", ["localhost:8000", "127.0.0.1:8000", "[::1]:8000"])
def test_the_local_names_are_accepted(client, host):
    """The loopback names with the server's port pass the Host check."""
    assert client.get("/healthz", headers={"host": host}).status_code == 200


def test_cross_site_posts_are_refused(client):
    """A POST whose Origin (or Referer) is another site is 403; the page's own origin passes."""
    r = client.post("/", data={**FORM, "action": "advise"}, headers={"origin": "http://evil.example"})
    assert r.status_code == 403
    r = client.post("/api/advise", json=SCENARIO, headers={"referer": "http://evil.example/x"})
    assert r.status_code == 403 and r.json()["error"]["code"] == "cross-site"
    assert client.post("/api/advise", json=SCENARIO, headers={"origin": "null"}).status_code == 403
    ok = client.post(
        "/",
        data={**FORM, "action": "advise"},
        headers={"origin": "http://127.0.0.1:8000"},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_every_response_carries_the_security_headers(client):
    """CSP without inline script, frame-ancestors none, nosniff, same-origin referrers: on pages, API and errors."""
    for r in (
        client.get("/"),
        client.post("/api/advise", json={}),
        client.get("/nope"),
        client.get("/", headers={"host": "x"}),
    ):
        csp = r.headers["content-security-policy"]
        assert (
            "script-src 'self';" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        )
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"


def test_no_page_has_inline_script_or_style(client):
    """Script and style come from /static only: no <script> body, no style attribute, no on* handler."""
    for page in (client.get("/").text, client.get(answer_url(client, FORM)).text, client.get("/rules").text):
        assert re.findall(r"<script[^>]*>\s*[^<\s]", page) == []
        assert " style=" not in page and not re.search(r"\son[a-z]+=", page)


def test_text_is_escaped_everywhere(client):
    """A company called <script> is shown as text in the page, the SVG and the draft."""
    url = answer_url(client, {**FORM, "company.name": "<script>alert(1)</script>"})
    page = client.get(url).text
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
