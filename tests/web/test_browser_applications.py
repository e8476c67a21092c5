"""My applications in a real browser (Debian's Chromium through Playwright, as test_browser.py):
a database seeded with `followup track add`, served by a real uvicorn server. Opens the list,
follows a row to its answer, presses "I sent it today" and "They replied", downloads the calendar
and reads it back with vobject; runs axe-core; and shows that a page on another site, served by a
second server on another port, cannot change the database. Screenshots as test_browser.py."""

from __future__ import annotations

import contextlib
import functools
import http.server
import threading
from collections.abc import Iterator

import pytest

from ..tracker.helpers import digest, ok, rows, track
from .conftest import free_port, serving
from .test_browser import axe_problems, browser, shot  # noqa: F401 - `browser` is a fixture
from .tracked import ORDER, form_of, seeded


@pytest.fixture
def site(tmp_path) -> Iterator[tuple[str, str]]:
    """(the database, the base URL of a real server over it)."""
    db = seeded(tmp_path)
    with serving(db) as base:
        yield db, base


@pytest.fixture
def page(browser, site):  # noqa: F811 - the fixture imported above
    context = browser.new_context(
        viewport={"width": 1200, "height": 900}, accept_downloads=True, base_url=site[1]
    )
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def cells(page, app_id: str) -> list[str]:
    """A row's cells (company ... channel) as the browser shows them."""
    return page.locator(f'[id="app-{app_id}"] > :is(th, td)').all_inner_texts()[:6]


def test_the_list_opens_each_answer(page, site):
    """The rows in track list's order; a row's link opens its answer; both pages axe-clean."""
    db, _ = site
    page.goto("/applications")
    assert page.locator("#applications tbody tr").evaluate_all("rows => rows.map(r => r.id)") == [
        f"app-{i}" for i in ORDER
    ]
    assert cells(page, "2") == [
        "Zeta Labs",
        "-",
        "send the status follow-up",
        "yes",
        "from Thu 2026-11-12",
        "email",
    ]
    assert axe_problems(page) == []
    shot(page, "applications")
    page.set_viewport_size({"width": 400, "height": 900})  # a phone: one block per application
    assert page.locator("#applications thead").bounding_box()["width"] <= 1
    assert axe_problems(page) == []
    page.set_viewport_size({"width": 1200, "height": 900})
    page.get_by_role("link", name="Acme Robotics").click()
    page.wait_for_url("**/application?id=acme")
    summary = ok(track(db, "show", "acme")).output.split("Why:")[0]
    assert page.inner_text("#summary") in summary
    assert (
        page.locator("#history li").all_inner_texts()[-1]
        == "Fri 2026-11-13: their reply: they are still deciding"
    )
    assert axe_problems(page) == []
    shot(page, "application")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_an_empty_database_is_accessible(browser, tmp_path):  # noqa: F811
    """No database yet: the empty state, axe-clean."""
    with serving(str(tmp_path / "none.db")) as base:
        context = browser.new_context(base_url=base)
        pg = context.new_page()
        pg.goto("/applications")
        assert pg.inner_text("#empty-heading") == "No applications yet"
        assert axe_problems(pg) == []
        shot(pg, "applications-empty")
        context.close()


def test_the_buttons_change_the_row(page, site):
    """'I sent it today' and 'They replied' (an offer) each log one event; the row and the notice say what changed."""
    db, _ = site
    page.goto("/applications")
    events = len(rows(db)[1])
    page.click("#sent-list-2")
    page.wait_for_url("**/applications?logged=2&event=follow_up&on=2026-11-20#notice")
    assert page.inner_text("#notice p") == "Logged for Zeta Labs: a follow-up sent on Fri 2026-11-20."
    assert cells(page, "2")[2:4] == ["wait: final follow-up", "not yet"]
    page.select_option("#outcome-list-acme", "offer")
    page.click("#replied-list-acme")
    page.wait_for_url("**/applications?logged=acme&event=reply&outcome=offer*")
    assert cells(page, "acme")[2:] == ["stop", "no", "-", "-"]
    assert [e[2:] for e in rows(db)[1][events:]] == [
        ("follow_up", "2026-11-20", "email", None),
        ("reply", "2026-11-20", None, "offer"),
    ]
    assert axe_problems(page) == []
    shot(page, "applications-logged")


def test_the_calendar_downloads_every_reminder(page, site):
    """'Download all reminders (.ics)' saves `followup track ics`'s bytes; vobject reads one event per reminder."""
    import vobject

    db, _ = site
    page.goto("/applications")
    with page.expect_download() as info:
        page.click("#calendar-all")
    download = info.value
    assert download.suggested_filename == "follow-ups.ics"
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data == ok(track(db, "ics")).stdout_bytes
    calendar = vobject.readOne(data.decode("utf-8"))
    events = sorted((str(e.dtstart.value), e.summary.value) for e in calendar.vevent_list)
    assert events == [
        ("2026-11-20", "Send the status follow-up to Zeta Labs"),
        ("2026-11-20", "Send the thank-you note to Orbit"),
        ("2026-11-26", "Send the final follow-up to Acme Robotics"),
        ("2026-11-26", "Send the status follow-up to Northwind"),
    ]


def test_the_buttons_work_by_keyboard_and_without_javascript(browser, site):  # noqa: F811
    """JavaScript off: Tab from a row's link reaches its 'I sent it today', Enter presses it, the row changes."""
    db, base = site
    context = browser.new_context(java_script_enabled=False, base_url=base)
    pg = context.new_page()
    pg.goto("/applications")
    pg.focus('a[href="/application?id=4"]')
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.id") == "sent-list-4"
    pg.keyboard.press("Enter")
    pg.wait_for_url("**/applications?logged=4&event=thank_you*")
    assert cells(pg, "4")[2] == "wait: status follow-up"
    assert rows(db)[1][-1][2:] == ("thank_you", "2026-11-20", "email", None)
    context.close()


ATTACK = """<!doctype html><html><head><title>Win a prize</title></head><body>
<form id="f" method="post" action="{action}">{fields}</form>
<script>
fetch("{action}", {{method: "POST", mode: "no-cors", body: new URLSearchParams(new FormData(document.getElementById("f")))}})
  .finally(function () {{ document.getElementById("f").submit(); }});
</script></body></html>"""


@contextlib.contextmanager
def other_site(directory: str) -> Iterator[str]:
    """A second, plain HTTP server on another port (another origin) serving `directory`."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=directory)
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


def test_a_page_on_another_site_cannot_change_the_database(browser, site, tmp_path):  # noqa: F811
    """A page from another origin posts the form (by fetch, then by an auto-submitting form), even with the real token: refused, no byte changed."""
    import httpx

    db, base = site
    stolen = form_of(
        httpx.get(base + "/applications").text, "/applications/sent", "2"
    )  # the worst case: a leaked token
    fields = "".join(f'<input type="hidden" name="{k}" value="{v}">' for k, v in stolen.items())
    (tmp_path / "attack").mkdir()
    (tmp_path / "attack" / "attack.html").write_text(
        ATTACK.format(action=base + "/applications/sent", fields=fields), encoding="utf-8"
    )
    before, bytes_before = rows(db), digest(db)
    with other_site(str(tmp_path / "attack")) as evil:
        context = browser.new_context()
        pg = context.new_page()
        statuses: list[int] = []
        pg.on("response", lambda r: statuses.append(r.status) if r.url.startswith(base) else None)
        pg.goto(evil + "/attack.html")
        pg.wait_for_url(base + "/applications/sent")
        assert pg.inner_text("h1") == "Refused"
        assert "a request from another site is refused" in pg.inner_text("main")
        context.close()
    assert 403 in statuses and all(s == 403 for s in statuses)
    assert rows(db) == before and digest(db) == bytes_before
