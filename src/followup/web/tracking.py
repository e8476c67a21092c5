"""What "My applications" asks of the tracker, as an interface. The web app is given an object
of this shape (cli/serve.py builds followup.tracker.service.TrackerService over `--db`); web and
tracker are sibling layers, so neither imports the other, as the app is given authoring's
schemas. Each method opens the database for that call only; user mistakes and database troubles
are FollowupErrors with the tracker's located diagnostics, given an HTTP status by status_of.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

from followup.core.errors import FollowupError

# the store's codes for a database that cannot be used at all (store.py), not a user's mistake
DATABASE_CODES = {
    *("not-a-database", "not-a-tracker-database", "newer-database", "corrupt-database", "database-error"),
    *("unreadable", "read-only", "cannot-write", "not-a-file"),
}


class Applications(Protocol):
    """The tracker's database at `database`, as the pages use it."""

    @property
    def database(self) -> str: ...

    def listing(self, as_of: dt.date) -> dict[str, Any]:
        """`followup track list --format json` as of the day, each row with its `history`, its
        `version`, its `words` (who, company, role, next, today, window, channel, problems) and
        `sent` (what "I sent it today" logs: {kind, channel, what}, or null); and `archived`:
        how many are not listed."""
        ...

    def application(self, app_id: str, as_of: dt.date) -> dict[str, Any]:
        """One application's row (as in listing) with its `scenario` document (`track export`'s)."""
        ...

    def log_sent(self, app_id: str, kind: str, channel: str | None, day: dt.date, seen: str) -> bool:
        """`track log ID sent KIND` on `day`, as of that day; False when already in the history;
        `changed-meanwhile` when the history is no longer the one whose `version` is `seen`."""
        ...

    def log_reply(self, app_id: str, outcome: str, day: dt.date) -> bool:
        """`track log ID reply OUTCOME` on `day`, as of that day; False when already there."""
        ...

    def calendar(self, as_of: dt.date) -> bytes | None:
        """`followup track ics`'s bytes as of the day; None when no application has a reminder."""
        ...


def status_of(exc: FollowupError) -> int:
    """The HTTP status for a tracker's refusal: 404 no such application, 409 it changed since the
    page was shown, 503 the database is busy
    (another program is writing), 500 a database that cannot be used, else 422 (the change would
    make the application's history impossible: the validator's diagnostics)."""
    codes = {d.code for d in exc.diagnostics}
    if "unknown-id" in codes:
        return 404
    if "changed-meanwhile" in codes:
        return 409
    if "database-busy" in codes:
        return 503
    if codes & DATABASE_CODES:
        return 500
    return 422
