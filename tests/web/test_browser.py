"""The pages in a real browser: Debian's headless Chromium driven by Playwright against a real
uvicorn server. Fills the form, submits, reads the answer and the timeline, copies the draft,
downloads the .ics, triggers a field error, runs axe-core (no serious or critical violation) and
saves screenshots as test artifacts under test-artifacts/screenshots/ (git ignores it; a run leaves
the checkout as it was), or where FOLLOWUP_SCREENSHOTS says: `FOLLOWUP_SCREENSHOTS=docs/screenshots`
refreshes the README's copies. Without a browser these tests skip with the reason;
under FOLLOWUP_REQUIRE_BROWSER=1 (CI) a missing browser fails them."""

from __future__ import annotations

import os
import shutil

import pytest

from ..helpers import ROOT

# FOLLOWUP_CHROMIUM: another browser binary (the tests use it to show what a missing one does)
CHROMIUM = os.environ.get("FOLLOWUP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = os.environ.get("FOLLOWUP_SCREENSHOTS") or os.path.join(ROOT, "test-artifacts", "screenshots")
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install playwright; the browser is the OS's chromium)"
    if not os.path.exists(CHROMIUM):
        return f"no chromium at {CHROMIUM} (apt-get install chromium)"
    return None


@pytest.fixture(scope="module")
def browser():
    why = _missing()
    if why:
        if os.environ.get("FOLLOWUP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"FOLLOWUP_REQUIRE_BROWSER=1 but {why}")
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        viewport={"width": 1000, "height": 900}, accept_downloads=True, base_url=live_server
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def shot(page, name: str) -> None:
    os.makedirs(SHOTS, exist_ok=True)
    page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def axe_problems(page) -> list[str]:
    """axe-core's serious and critical violations on the current page."""
    import axe_playwright_python

    source = os.path.join(os.path.dirname(axe_playwright_python.__file__), "axe.min.js")
    with open(source, encoding="utf-8") as fh:
        page.evaluate(
            fh.read() + "\n;undefined"
        )  # evaluated by the driver: the page's CSP allows no inline script
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def fill_form(page) -> None:
    page.goto("/")
    page.fill("#interview\\.date", "2026-11-05")
    page.fill("#company\\.name", "Acme Robotics")
    page.select_option("#company\\.culture", "startup")
    page.select_option("#history\\.0\\.kind", "thank_you")
    page.fill("#history\\.0\\.date", "2026-11-05")
    page.click("#add-row")  # JavaScript adds the row without a round trip
    page.select_option("#history\\.1\\.kind", "follow_up")
    page.fill("#history\\.1\\.date", "2026-11-12")
    page.select_option("#history\\.1\\.channel", "email")


def test_fill_submit_and_read_the_answer(page):
    """The form answers: verdict first, the timeline picture and its text, the draft; axe finds nothing serious."""
    fill_form(page)
    assert page.locator(".history-row").count() == 2
    assert axe_problems(page) == []
    shot(page, "form")
    page.click("#advise")
    page.wait_for_url("**/answer?s=*")
    assert (
        page.inner_text("#summary")
        == "Yes: send one final, courteous follow-up now; after it, move on if they stay silent."
    )
    assert page.inner_text(".badge") == "Yes, today is fine"
    assert page.locator("svg.timeline title").text_content() == "Timeline of this application"
    timeline = page.inner_text("#timeline-text")
    assert (
        "2026-11-12: Status follow-up sent by email" in timeline
        and "Window for the final follow-up" in timeline
    )
    assert page.locator("svg.timeline circle").count() == 3  # the interview and the two messages
    assert axe_problems(page) == []
    shot(page, "answer")
    assert page.console_errors == []  # type: ignore[attr-defined]


def test_copy_the_draft_and_download_the_calendar(page, live_server):
    """The copy button puts the draft on the clipboard; 'Add to calendar' downloads the .ics."""
    fill_form(page)
    page.click("#advise")
    page.wait_for_url("**/answer?s=*")
    page.click("#copy-draft")
    page.wait_for_function("document.getElementById('copy-status').textContent.startsWith('Copied')")
    assert page.evaluate("navigator.clipboard.readText()") == page.inner_text("#draft-text")
    with page.expect_download() as info:
        page.click("#calendar")
    download = info.value
    assert download.suggested_filename == "follow-up.ics"
    with open(download.path(), encoding="utf-8", newline="") as fh:
        ics = fh.read()
    assert ics.startswith("BEGIN:VCALENDAR\r\n") and "DTSTART;VALUE=DATE:20261120" in ics


def test_a_field_error_shows_beside_the_field(page):
    """A reply without its outcome: the message beside that field, announced, and axe-clean."""
    fill_form(page)
    page.click("#add-row")
    page.select_option("#history\\.2\\.kind", "reply")
    page.fill("#history\\.2\\.date", "2026-11-13")
    page.click("#advise")
    error = page.locator("#history\\.2\\.outcome-error")
    error.wait_for()
    assert error.inner_text() == "history.outcome is required for a reply (one of: pending, offer, rejected)"
    assert page.get_attribute("#history\\.2\\.outcome", "aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert axe_problems(page) == []
    shot(page, "form-error")


def test_the_form_works_without_javascript(browser, live_server):
    """With JavaScript off, 'Add an event' is answered by the server and the form still submits."""
    context = browser.new_context(java_script_enabled=False, base_url=live_server)
    pg = context.new_page()
    pg.goto("/")
    pg.fill("#interview\\.date", "2026-11-05")
    pg.click("#add-row")
    assert pg.locator(".history-row").count() == 2
    pg.select_option("#history\\.1\\.kind", "thank_you")
    pg.fill("#history\\.1\\.date", "2026-11-05")
    pg.click("#advise")
    pg.wait_for_url("**/answer?s=*")
    assert pg.inner_text("#summary").startswith("Yes: send one short status follow-up now")
    assert pg.locator("#copy-draft").is_hidden()  # only JavaScript shows the copy button
    context.close()


def test_keyboard_reaches_the_form(page):
    """Tab from the top reaches the skip link, then the navigation's three links, then the first field."""
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"
    for _ in range(4):
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "as_of"


def test_the_rules_page_is_accessible(page):
    """/rules lists the rules and the claims; axe finds nothing serious."""
    page.goto("/rules")
    assert page.locator("table tbody tr").count() > 30
    assert axe_problems(page) == []
    shot(page, "rules")


def test_ci_installs_the_browser_and_requires_it():
    """.ci/run installs chromium when missing and exports FOLLOWUP_REQUIRE_BROWSER=1 before the test command runs."""
    with open(os.path.join(ROOT, ".ci", "run"), encoding="utf-8") as fh:
        script = fh.read()
    assert "apt-get install -y -qq chromium" in script
    assert script.index("export FOLLOWUP_REQUIRE_BROWSER=1") < script.index('bash -c "$TEST_COMMAND"')


def test_a_missing_browser_fails_under_require_browser(tmp_path):
    """With FOLLOWUP_REQUIRE_BROWSER=1 and no chromium the browser tests fail; without it they skip with the reason."""
    import subprocess
    import sys

    test = os.path.join(ROOT, "tests", "web", "test_browser.py") + "::test_the_rules_page_is_accessible"
    env = {**os.environ, "FOLLOWUP_CHROMIUM": str(tmp_path / "no-chromium")}
    env.pop("FOLLOWUP_REQUIRE_BROWSER", None)
    skipped = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rs", test],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert (
        skipped.returncode == 0
        and f"no chromium at {tmp_path / 'no-chromium'} (apt-get install chromium)" in skipped.stdout
    )
    env["FOLLOWUP_REQUIRE_BROWSER"] = "1"
    failed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", test],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )
    assert failed.returncode == 1 and "FOLLOWUP_REQUIRE_BROWSER=1 but no chromium" in failed.stdout
