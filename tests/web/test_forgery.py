"""Cross-site request forgery against My applications' buttons, in-process: a forged press is
refused and changes no row of the database, by either lock alone (the guard's Origin/Referer
check, the form's token); the real press, the control, does change it."""

from __future__ import annotations

import pytest

from ..tracker.helpers import digest, rows
from .conftest import BASE
from .tracked import client, form_of, seeded

SENT, REPLIED = "/applications/sent", "/applications/replied"
EVIL = "http://evil.example"


@pytest.fixture
def db(tmp_path):
    return seeded(tmp_path)


def fields(c, action: str = SENT, app_id: str = "2") -> dict[str, str]:
    return form_of(c.get("/applications").text, action, app_id)


def refused_and_unchanged(db: str, send) -> object:
    before, bytes_before = rows(db), digest(db)
    r = send()
    assert r.status_code == 403, r.text
    assert rows(db) == before and digest(db) == bytes_before
    return r


def test_the_real_press_changes_the_database(db):
    """The control: the page's own form, with its Origin, logs the event (so the refusals below are the locks' doing)."""
    c = client(db)
    before = rows(db)[1]
    r = c.post(SENT, data=fields(c), headers={"origin": BASE}, follow_redirects=False)
    assert r.status_code == 303 and len(rows(db)[1]) == len(before) + 1


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": EVIL},
        {"origin": "http://127.0.0.1:9999"},  # the same host on another port is another site
        {"referer": EVIL + "/attack.html"},  # no Origin, a Referer from another site
        {"origin": "null"},  # a sandboxed frame or a data: page
    ],
    ids=["other-origin", "other-port", "other-referer", "null-origin"],
)
@pytest.mark.parametrize("action", [SENT, REPLIED])
def test_a_press_from_another_site_is_refused_even_with_a_valid_token(db, headers, action):
    """The guard alone: another Origin (or, without one, another Referer) is refused 403 with a valid token in the form."""
    c = client(db)
    form = fields(c, action)
    r = refused_and_unchanged(db, lambda: c.post(action, data=form, headers=headers, follow_redirects=False))
    assert "a request from another site is refused" in r.text


@pytest.mark.parametrize(
    "token",
    [None, "", "0" * 64, "é" * 64, "not a token"],
    ids=["no-token", "empty", "wrong", "non-ascii", "garbage"],
)
def test_a_press_without_this_servers_token_is_refused(db, token):
    """The token alone: the same site (or no Origin at all, as a program sends) without the right token is refused 403."""
    c = client(db)
    form = fields(c)
    if token is None:
        del form["csrf"]
    else:
        form["csrf"] = token
    for headers in ({"origin": BASE}, {}):
        r = refused_and_unchanged(
            db, lambda h=headers: c.post(SENT, data=form, headers=h, follow_redirects=False)
        )
        assert (
            "csrf:1:1: error: bad-token: this form did not come from this server&#39;s page "
            "(or the server was restarted since) (reload My applications and press the button again; "
            "nothing was changed)" in r.text
        )


def test_a_token_from_another_server_process_is_refused(db):
    """Each process draws its own secret: a form from one server (or before a restart) is refused by another."""
    first, second = client(db), client(db)
    form = fields(first)
    refused_and_unchanged(db, lambda: second.post(SENT, data=form, follow_redirects=False))
    assert first.post(SENT, data=form, follow_redirects=False).status_code == 303


def test_a_token_is_for_one_button_only(db):
    """The token of 'I sent it today' does not pass 'They replied'."""
    c = client(db)
    form = fields(c, REPLIED) | {"csrf": fields(c, SENT)["csrf"]}
    refused_and_unchanged(db, lambda: c.post(REPLIED, data=form, follow_redirects=False))


def test_what_a_cross_site_form_can_send_otherwise_changes_nothing(db):
    """A text/plain or multipart body (what a form on another site may send) is 415; a GET with the fields is 405."""
    c = client(db)
    form = fields(c)
    before = digest(db)
    body = "&".join(f"{k}={v}" for k, v in form.items())
    assert c.post(SENT, content=body, headers={"content-type": "text/plain"}).status_code == 415
    assert c.post(SENT, files={"x": ("x", b"y")}, data=form).status_code == 415
    assert c.get(SENT, params=form).status_code == 405
    assert digest(db) == before
