"""My applications in-process: the list is `followup track list`'s rows in its order, each opening
its answer; "I sent it today" and "They replied" log what `followup track log` logs and come back
saying so; refused, unknown and busy cases change nothing; the calendar is `followup track ics`'s
bytes. Every database is seeded with `followup track add` and compared with the commands' output."""

from __future__ import annotations

import json
import os
import re
import sqlite3

from ..tracker.helpers import LUMEN, ok, rows, track
from .tracked import EXTRA, ORDER, client, form_of, forms, press, seeded, table

SENT, REPLIED = "/applications/sent", "/applications/replied"


def cli_table(db: str, as_of: str = "2026-11-20") -> list[list[str]]:
    """`followup track list`'s table, split into cells, without the ID column."""
    lines = ok(track(db, "list", as_of=as_of)).output.splitlines()[1:-1]
    return [re.split(r"\s{2,}", line)[1:] for line in lines]


def errors(page: str) -> list[str]:
    block = re.search(r'<div class="error-summary"[^>]*>.*?<ul>(.*?)</ul>', page, re.S)
    assert block, "no error summary"
    return [m.replace("&#39;", "'") for m in re.findall(r"<li>(.*?)</li>", block.group(1))]


def notice(page: str) -> list[str]:
    block = re.search(r'<div class="notice" id="notice"[^>]*>(.*?)</div>', page, re.S)
    return re.findall(r"<p>(.*?)</p>", block.group(1)) if block else []


def test_the_list_shows_track_lists_rows_in_its_order(tmp_path):
    """Company, role, next, today, window, channel: cell for cell the table `followup track list` prints."""
    db = seeded(tmp_path)
    page = client(db).get("/applications").text
    assert table(page) == cli_table(db)
    assert re.findall(r'<tr id="app-([^"]+)"', page) == ORDER


def test_the_json_twin_is_track_list_json_with_the_pages_words(tmp_path):
    """/applications.json holds track list --format json's document; each row adds only its history, words, buttons and links."""
    db = seeded(tmp_path)
    twin = client(db).get("/applications.json").json()
    cli = json.loads(ok(track(db, "list", "--format", "json")).output)
    assert [{k: v for k, v in row.items() if k not in EXTRA} for row in twin["applications"]] == cli[
        "applications"
    ]
    assert twin["as_of"] == "2026-11-20" and twin["archived"] == 0 and twin["database"] == db
    zeta = twin["applications"][0]
    assert zeta["links"] == {"page": "/application?id=2"}
    assert zeta["sent"] == {"kind": "follow_up", "channel": "email", "what": "status follow-up"}


def test_each_row_opens_its_answer(tmp_path):
    """A row's company links to its page, which gives the answer `followup track show` gives, with its history."""
    db = seeded(tmp_path)
    c = client(db)
    assert '<a href="/application?id=acme">Acme Robotics</a>' in c.get("/applications").text
    shown = json.loads(ok(track(db, "show", "acme", "--format", "json")).output)["answer"]
    twin = c.get("/application.json?id=acme").json()
    del twin["answer"]["decision_id"]
    assert twin["answer"] == shown
    page = c.get("/application?id=acme").text
    assert f'<h1 id="summary">{shown["summary"]}</h1>' in page
    assert re.findall(r'<ol class="history" id="history">(.*?)</ol>', page, re.S)[0].count("<li>") == 3
    assert "Thu 2026-11-12</time>: a follow-up, by email" in page
    assert "Subject: " in page and 'id="draft-text"' in page  # the message, as on the answer page


def test_the_buttons_name_the_message_the_answer_sends(tmp_path):
    """'I sent it today' logs a thank_you where the next contact is the thank-you, a follow_up for a status or final follow-up; nothing to send, no button."""
    db = seeded(tmp_path)
    page = client(db).get("/applications").text
    assert form_of(page, SENT, "4")["kind"] == "thank_you"
    assert form_of(page, SENT, "2")["kind"] == "follow_up"
    assert form_of(page, SENT, "acme")["kind"] == "follow_up"  # not yet: it can still be sent early
    assert [f["action"] for f in forms(page) if f["id"] == "3"] == [REPLIED]  # Lumen: nothing to send
    assert '>I sent it today<span class="visually-hidden">: the thank-you note to Orbit</span>' in page


def test_i_sent_it_today_logs_it_and_says_so(tmp_path):
    """The press logs `sent follow_up` today (one new event, with the answer's channel), redirects back, and the page says what changed."""
    db = seeded(tmp_path)
    c = client(db)
    apps, events = rows(db)
    r = press(c, SENT, "2")
    assert r.status_code == 303
    assert r.headers["location"] == "/applications?logged=2&event=follow_up&on=2026-11-20#notice"
    after_apps, after_events = rows(db)
    assert after_apps == apps and [e[2:] for e in after_events[len(events) :]] == [
        ("follow_up", "2026-11-20", "email", None)
    ]
    page = c.get(r.headers["location"]).text
    assert notice(page) == [
        "Logged for Zeta Labs: a follow-up sent on Fri 2026-11-20.",
        "Now: Not yet: a final follow-up is fine here, from Fri 2026-11-27.",
    ]
    assert table(page) == cli_table(db)  # the row changed as the command line sees it


def test_they_replied_logs_the_outcome_chosen(tmp_path):
    """'They replied' with 'they made an offer' logs `reply offer` today; the row now says stop."""
    db = seeded(tmp_path)
    c = client(db)
    r = press(c, REPLIED, "acme", outcome="offer")
    assert r.status_code == 303
    assert rows(db)[1][-1][2:] == ("reply", "2026-11-20", None, "offer")
    page = c.get(r.headers["location"]).text
    assert notice(page) == [
        "Logged for Acme Robotics, Head of Data: their reply on Fri 2026-11-20: they made an offer.",
        "Now: No follow-up needed: they made you an offer, so answer that instead.",
    ]
    assert table(page)[-1] == ["Acme Robotics", "Head of Data", "stop", "no", "-", "-"]


def test_pressing_twice_logs_once(tmp_path):
    """The same button pressed twice (a double click, a resent form) keeps one event and says so."""
    db = seeded(tmp_path)
    c = client(db)
    fields = form_of(c.get("/applications").text, SENT, "4")
    assert c.post(SENT, data=fields, follow_redirects=False).status_code == 303
    events = rows(db)[1]
    r = c.post(SENT, data=fields, follow_redirects=False)
    assert rows(db)[1] == events
    assert notice(c.get(r.headers["location"]).text)[0] == (
        "Already in the history of Orbit, Designer, not logged again: the thank-you note sent on Fri 2026-11-20."
    )


def test_a_page_shown_before_something_was_logged_logs_nothing(tmp_path):
    """A page left open while something else was logged (in another tab, on the command line): its 'I sent it today' is refused 409, nothing logged."""
    db = seeded(tmp_path)
    c = client(db)
    stale = form_of(c.get("/applications").text, SENT, "2")
    ok(track(db, "log", "2", "sent", "follow_up", "--date", "2026-11-19"))
    before = rows(db)
    r = c.post(SENT, data=stale, follow_redirects=False)
    assert r.status_code == 409 and errors(r.text) == [
        "id:1:1: error: changed-meanwhile: application 2 changed since the page was shown (something was logged) "
        "(nothing was logged; see its answer again and press the button if it still applies)"
    ]
    assert rows(db) == before
    fresh = form_of(r.text, SENT, "2")  # the page shown with the refusal is up to date
    assert fresh["version"] != stale["version"]


def test_a_press_on_the_application_page_comes_back_to_it(tmp_path):
    """From an application's page, the redirect goes back to that page (with ?as_of kept), which says what was logged."""
    db = seeded(tmp_path)
    c = client(db)
    r = press(c, REPLIED, "1", page="/application?id=1&as_of=2026-11-19", outcome="pending")
    assert r.headers["location"] == (
        "/application?id=1&logged=1&event=reply&outcome=pending&on=2026-11-19&as_of=2026-11-19#notice"
    )
    page = c.get(r.headers["location"]).text
    assert notice(page) == [
        "Logged for Northwind, Analyst: their reply on Thu 2026-11-19: they are still deciding."
    ]
    assert "Thu 2026-11-19</time>: their reply: they are still deciding" in page


def test_as_of_is_the_pages_today_and_is_kept(tmp_path):
    """?as_of answers as of that day (as track list --as-of does) and is kept in the links, the calendar and the forms."""
    db = seeded(tmp_path)
    page = client(db).get("/applications?as_of=2026-11-19").text
    assert table(page) == cli_table(db, "2026-11-19")
    assert '<a href="/application?id=2&amp;as_of=2026-11-19">' in page
    assert 'href="/applications.ics?as_of=2026-11-19"' in page
    assert form_of(page, SENT, "2")["as_of"] == "2026-11-19"
    assert '(<a href="/applications">back to today</a>)' in page
    assert form_of(client(db).get("/applications").text, SENT, "2").get("as_of") is None  # today: not fixed


def test_a_bad_as_of_is_refused(tmp_path):
    """?as_of that is not a date: 400 with the API's message, on the page and the twin."""
    c = client(seeded(tmp_path))
    r = c.get("/applications?as_of=2026-13-01")
    assert (
        r.status_code == 400
        and "query:1:1: error: bad-date: as_of: &#39;2026-13-01&#39; is not a date YYYY-MM-DD" in r.text
    )
    assert (
        c.get("/applications.json?as_of=x").json()["error"]["message"]
        == "as_of: 'x' is not a date YYYY-MM-DD"
    )


def test_a_row_without_an_answer_shows_why_and_has_no_buttons(tmp_path):
    """As of a day before Orbit's interview its row shows the validator's message, no button; its page says why (422)."""
    db = seeded(tmp_path)
    c = client(db)
    page = c.get("/applications?as_of=2026-11-16").text
    orbit = re.search(r'<tr id="app-4"[^>]*>(.*?)</tr>', page, re.S).group(1)
    assert (
        "error: as-of-before-interview" in orbit
        and "as_of 2026-11-16 is before the interview on 2026-11-20" in orbit
    )
    assert "<form" not in orbit and "Open it to see why it has no answer." in orbit
    r = c.get("/application?id=4&as_of=2026-11-16")
    assert r.status_code == 422 and "<h1>Application 4 has no answer as of Mon 2026-11-16</h1>" in r.text
    assert (
        "<li>application 4:1:1: error: as-of-before-interview: as_of 2026-11-16 is before the interview on 2026-11-20</li>"
        in r.text
    )
    twin = c.get("/application.json?id=4&as_of=2026-11-16")
    assert twin.status_code == 422 and twin.json()["error"]["code"] == "as-of-before-interview"


def test_an_unknown_application_is_a_404(tmp_path):
    """/application?id=nope: 404 with the tracker's message and a way back; the twin a 404 error document."""
    db = seeded(tmp_path)
    c = client(db)
    r = c.get("/application?id=acm")
    assert r.status_code == 404
    assert (
        f"<li>id:1:1: error: unknown-id: no application &#39;acm&#39; in {db} (did you mean &#39;acme&#39;?)</li>"
        in r.text
    )
    assert '<a href="/applications">Back to My applications</a>' in r.text
    twin = c.get("/application.json?id=acm")
    assert twin.status_code == 404 and twin.json()["error"]["code"] == "unknown-id"


def test_a_press_for_an_unknown_application_is_a_404_and_changes_nothing(tmp_path):
    """A form naming an application that is not in the database (forged, or for another database) is refused 404."""
    db = seeded(tmp_path)
    c = client(db)
    before = rows(db)
    r = press(c, SENT, "2", id="9")
    assert r.status_code == 404 and errors(r.text) == [
        f"id:1:1: error: unknown-id: no application '9' in {db} (followup track list --all shows every id)"
    ]
    assert rows(db) == before


def test_a_log_the_tracker_refuses_shows_its_message_and_changes_nothing(tmp_path):
    """I sent it 'today' = a day before Orbit's interview (?as_of): 422 with the tracker's located messages, on the page pressed."""
    db = seeded(tmp_path)
    c = client(db)
    before = rows(db)
    r = press(c, SENT, "4", as_of="2026-11-19")
    assert r.status_code == 422
    assert errors(r.text) == [
        "application 4:1:1: error: as-of-before-interview: as_of 2026-11-19 is before the interview on 2026-11-20",
        "as_of:1:1: error: date-before-interview: history thank_you dated 2026-11-19 is before the interview on 2026-11-20",
    ]
    assert rows(db) == before
    r = press(c, SENT, "4", page="/application?id=4", as_of="2026-11-19", back="application")
    assert r.status_code == 422 and "<h1>Nothing was changed</h1>" in r.text and rows(db) == before
    assert "<li>as_of:1:1: error: date-before-interview: history thank_you dated 2026-11-19" in r.text


def test_a_busy_database_is_a_503_and_changes_nothing(tmp_path):
    """While another program holds the write lock, a press waits its timeout, then 503 with a clear message and Retry-After."""
    db = seeded(tmp_path)
    c = client(db, busy_timeout=0.2)
    fields = form_of(c.get("/applications").text, SENT, "2")
    before = rows(db)
    other = sqlite3.connect(db, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = c.post(SENT, data=fields, follow_redirects=False)
    finally:
        other.execute("ROLLBACK")
        other.close()
    assert r.status_code == 503 and r.headers["retry-after"] == "1"
    assert errors(r.text) == [
        f"{db}:1:1: error: database-busy: the database is busy: another program is writing to it (try again in a moment)"
    ]
    assert rows(db) == before


def test_bad_button_values_are_refused(tmp_path):
    """A kind that is not sent (reply), an outcome not in the vocabulary, a bad as_of field: 400, nothing changed."""
    db = seeded(tmp_path)
    c = client(db)
    before = rows(db)
    assert press(c, SENT, "2", kind="reply").status_code == 400
    r = press(c, REPLIED, "2", outcome="maybe")
    assert (
        r.status_code == 400 and "outcome: &#39;maybe&#39; is not one of: pending, offer, rejected" in r.text
    )
    assert press(c, REPLIED, "2", as_of="someday").status_code == 400
    assert rows(db) == before


def test_the_calendar_is_track_ics_on_the_same_day(tmp_path):
    """'Download all reminders (.ics)' gives the bytes `followup track ics` writes, as of today or ?as_of."""
    db = seeded(tmp_path)
    c = client(db)
    assert (
        'href="/applications.ics" download id="calendar-all">Download all reminders (.ics)</a>'
        in c.get("/applications").text
    )
    for query, as_of in (("", "2026-11-20"), ("?as_of=2026-11-19", "2026-11-19")):
        r = c.get("/applications.ics" + query)
        assert r.headers["content-type"] == "text/calendar; charset=utf-8"
        assert r.headers["content-disposition"] == 'attachment; filename="follow-ups.ics"'
        assert r.content == ok(track(db, "ics", as_of=as_of)).stdout_bytes


def test_no_reminders_means_no_link_and_a_404(tmp_path):
    """Only applications with nothing to send: no calendar link, and /applications.ics is a 404 saying why."""
    db = seeded(tmp_path, LUMEN)
    c = client(db)
    assert "calendar-all" not in c.get("/applications").text
    r = c.get("/applications.ics")
    assert (
        r.status_code == 404 and r.json()["error"]["message"] == "no application has a next message to send"
    )


def test_an_empty_database_says_how_to_add_one(tmp_path):
    """No database yet: a friendly empty state pointing to `followup track add` and the form, and no file is created."""
    db = str(tmp_path / "new.db")
    page = client(db).get("/applications").text
    assert '<h2 id="empty-heading">No applications yet</h2>' in page
    assert "<code>followup track add</code> asks the questions of the form" in page
    assert '<a href="/">Ask about an interview with the form</a>' in page
    assert "<table" not in page and "calendar-all" not in page
    assert client(db).get("/applications.json").json()["applications"] == []
    assert not os.path.exists(db)


def test_archived_applications_are_counted_not_listed(tmp_path):
    """An archived application is not a row; the page says how many are not shown and how to list them."""
    db = seeded(tmp_path)
    ok(track(db, "archive", "3"))
    page = client(db).get("/applications").text
    assert 'id="app-3"' not in page
    assert "1 archived application not shown (<code>followup track list --archived</code>)" in page


def test_get_never_changes_the_database(tmp_path):
    """GET and HEAD on the buttons' addresses are 405; reading every page, even with a notice's query, changes no byte."""
    from ..tracker.helpers import digest

    db = seeded(tmp_path)
    c = client(db)
    before = digest(db)
    for action in (SENT, REPLIED):
        assert c.get(action, params={**form_of(c.get("/applications").text, action, "2")}).status_code == 405
        assert c.head(action).status_code == 405
    for url in (
        "/applications?logged=2&event=follow_up&on=2026-11-20",
        "/application?id=2",
        "/applications.ics",
        "/applications.json",
    ):
        assert c.get(url).status_code == 200
    assert digest(db) == before


def test_a_crafted_notice_claims_nothing(tmp_path):
    """A link with a notice's query for an event that is not in the history shows no notice."""
    c = client(seeded(tmp_path))
    assert notice(c.get("/applications?logged=2&event=follow_up&on=2026-11-20").text) == []
    assert notice(c.get("/applications?logged=2&event=thank_you&on=2026-11-05").text) == [
        "Logged for Zeta Labs: the thank-you note sent on Thu 2026-11-05.",
        "Now: Yes: send one short status follow-up now; 15 days have passed since the interview.",
    ]


def test_a_file_that_is_not_a_database_is_a_500_saying_so(tmp_path):
    """--db naming a text file: the page says what `followup track` says (500: the server's database, not the user's input); the twin the same as JSON."""
    db = tmp_path / "notes.txt"
    db.write_text("not a database\n" * 100, encoding="utf-8")
    c = client(str(db))
    r = c.get("/applications")
    assert r.status_code == 500
    assert (
        f"<li>{db}:1:1: error: not-a-database: is not a SQLite database (give --db the path of a tracker "
        "database, or of a file that does not exist yet)</li>" in r.text
    )
    assert c.get("/applications.json").json()["error"]["code"] == "not-a-database"
    assert db.read_text(encoding="utf-8") == "not a database\n" * 100
