"""My applications under test: a tracker database seeded with `followup track add` (the tracker
tests' scenarios), the web app over it in-process, and the forms read back from its pages."""

from __future__ import annotations

import html as htmllib
import re
from typing import Any

from starlette.testclient import TestClient

from ..tracker.helpers import ACME, FRESH, LUMEN, NORTHWIND, ZETA, tracked
from .conftest import BASE, make_app

# added in this order, they get the ids acme, 1 (Northwind), 2 (Zeta Labs), 3 (Lumen), 4 (Orbit)
FIVE = (ACME, NORTHWIND, ZETA, LUMEN, FRESH)
ORDER = ["2", "4", "1", "acme", "3"]  # as of 2026-11-20, what is due first
EXTRA = ("history", "version", "words", "sent", "links")  # what a row of the page's twin adds to track list's


def seeded(tmp_path: Any, *texts: str) -> str:
    """A tracker database holding these scenarios (default: FIVE); its path."""
    return tracked(tmp_path, *(texts or FIVE))


def client(db: str, **options: Any) -> TestClient:
    return TestClient(make_app(db, **options), base_url=BASE)


def forms(page: str) -> list[dict[str, str]]:
    """Every POST form of a page: its action and its fields (hidden inputs, a select's first option)."""
    found = []
    for action, body in re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S):
        fields = {"action": action}
        for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', body):
            fields[name] = htmllib.unescape(value)
        select = re.search(r'<select id="[^"]+" name="([^"]+)">\s*<option value="([^"]+)"', body)
        if select:
            fields[select.group(1)] = select.group(2)
        found.append(fields)
    return found


def form_of(page: str, action: str, app_id: str) -> dict[str, str]:
    """The form posting to `action` for application `app_id` (without its `action` key)."""
    for f in forms(page):
        if f["action"] == action and f["id"] == app_id:
            return {k: v for k, v in f.items() if k != "action"}
    raise AssertionError(f"no form {action} for {app_id}")


def press(c: TestClient, action: str, app_id: str, page: str = "/applications", **changes: str) -> Any:
    """Press a button as the page offers it (its form's fields, with `changes`), not following the redirect."""
    fields = {**form_of(c.get(page).text, action, app_id), **changes}
    return c.post(action, data=fields, follow_redirects=False)


def table(page: str) -> list[list[str]]:
    """The list page's rows: the text of each cell but the last (the buttons), up to a line break."""
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S)
    assert body, "no table"
    out = []
    for row in re.findall(r"<tr [^>]*>(.*?)</tr>", body.group(1), re.S):
        cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
        out.append(
            [htmllib.unescape(re.sub(r"<br>.*|<[^>]+>", "", c, flags=re.S)).strip() for c in cells[:-1]]
        )
    return out
