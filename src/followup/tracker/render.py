"""The tracker's answers as text: the list, "what today?", one application, and the one-line
notes of the changing commands. Rendering only: nothing here evaluates or writes. Free text from
the scenario (company, role) is shown on one line, its whitespace collapsed."""

from __future__ import annotations

import datetime as dt

from followup.audit.render import to_text
from followup.core.model import RuleSet
from followup.core.wording import show_date

from .answers import WEEK, Answer
from .documents import Application

ACTIONS = {
    "send_thank_you": "send the thank-you note",
    "send_follow_up": "send the status follow-up",
    "send_final_follow_up": "send the final follow-up",
    "move_on": "move on",
    "stop": "stop",
}
CONTACTS = {1: "thank-you note", 2: "status follow-up", 3: "final follow-up"}
VERDICTS = {"yes": "yes", "not_yet": "not yet", "no": "no"}
COLUMNS = ("ID", "COMPANY", "ROLE", "NEXT", "TODAY", "WINDOW", "CHANNEL")
WIDEST = {"COMPANY": 24, "ROLE": 24}


def one_line(text: str | None, limit: int = 0) -> str:
    """Free text on one line: whitespace collapsed, anything not printable left out."""
    words = " ".join("".join(c for c in str(text or "") if c.isprintable() or c.isspace()).split())
    return words if not limit or len(words) <= limit else words[: limit - 3] + "..."


def who(app: Application) -> str:
    """'Acme Robotics, Head of Data'; the interview day when the company has no name."""
    name = one_line(app.company) or f"(interview of {app.interview_date})"
    return f"{name}, {one_line(app.title)}" if app.title else name


def next_action(one: Answer) -> str:
    if one.rec is None:
        return f"error: {one.problems[0].code}" if one.problems else "error"
    action = one.rec.action
    if action == "wait" and one.rec.contact in CONTACTS:
        return f"wait: {CONTACTS[one.rec.contact]}"
    return ACTIONS.get(action, action.replace("_", " "))


def window(one: Answer) -> str:
    rec = one.rec
    if rec is None or (rec.earliest is None and rec.latest is None):
        return "-"
    start = show_date(rec.earliest) if rec.earliest else "now"
    return f"{start} to {show_date(rec.latest)}" if rec.latest else f"from {start}"


def row(one: Answer) -> list[str]:
    rec = one.rec
    return [
        one.app.id,
        one_line(one.app.company, WIDEST["COMPANY"]) or "-",
        one_line(one.app.title, WIDEST["ROLE"]) or "-",
        next_action(one),
        VERDICTS.get(rec.verdict, rec.verdict) if rec else "-",
        window(one),
        (rec.channel if rec else None) or "-",
    ]


def list_text(all_answers: list[Answer], as_of: dt.date, hidden: int = 0, archived: bool = False) -> str:
    """The table of `track list`, then a line counting what it shows (and what it hides)."""
    what = "archived application" if archived else "application"
    count = f"{len(all_answers)} {what}{'' if len(all_answers) == 1 else 's'} as of {show_date(as_of)}"
    if hidden:
        count += f" ({hidden} archived not shown: --archived lists them)"
    if not all_answers:
        empty = (
            "No archived applications."
            if archived
            else "No applications yet: add one with followup track add."
        )
        return f"{empty}\n{count}\n" if hidden else f"{empty}\n"
    table = [list(COLUMNS)] + [row(a) for a in all_answers]
    widths = [max(len(r[i]) for r in table) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return "\n".join([*lines, count]) + "\n"


def _days(n: int) -> str:
    return "1 day" if n == 1 else f"{n} days"


def today_text(parts: dict[str, list[Answer]], as_of: dt.date, later: Answer | None = None) -> str:
    """`track today`: what to send today, what becomes due this week, what could not be answered."""
    lines = []
    width = max((len(a.app.id) for items in parts.values() for a in items), default=0)
    due = parts["due"]
    if due:
        lines.append(f"To send today, {show_date(as_of)}:")
        for one in due:
            since = one.due_since
            late = (
                f" (due since {show_date(since)}, {_days((as_of - since).days)})"
                if since and since < as_of
                else ""
            )
            lines.append(f"  {one.app.id.ljust(width)}  {who(one.app)}{late}")
            lines.append(f"  {'':{width}}  {one.rec.summary if one.rec else ''}")
            lines.append(f"  {'':{width}}  the message: followup track show {one.app.id}")
    else:
        lines.append(f"Nothing to send today, {show_date(as_of)}.")
    until = as_of + dt.timedelta(days=WEEK)
    coming = parts["this_week"]
    if coming:
        lines.append("")
        lines.append(f"Coming this week, until {show_date(until)}:")
        for one in coming:
            day = one.send_on or as_of
            what = CONTACTS.get(one.rec.contact or 0, "next message") if one.rec else "next message"
            how = f" by {one.rec.channel}" if one.rec and one.rec.channel else ""
            when = f"on {show_date(day)} (in {_days((day - as_of).days)})"
            lines.append(f"  {one.app.id.ljust(width)}  {who(one.app)}: {what}{how} {when}")
    else:
        lines.append(f"Nothing else becomes due by {show_date(until)}.")
    if later is not None and later.send_on is not None:
        lines.append(f"Next after that: {show_date(later.send_on)} ({later.app.id}  {who(later.app)}).")
    if parts["errors"]:
        lines.append("")
        lines.append("Could not be answered (followup track show ID says why):")
        for one in parts["errors"]:
            lines.append(
                f"  {one.app.id}  {who(one.app)}: {one.problems[0].render() if one.problems else ''}"
            )
    return "\n".join(lines) + "\n"


def history_lines(app: Application) -> list[str]:
    lines = []
    for e in app.history:
        day = dt.date.fromisoformat(e["date"]) if isinstance(e.get("date"), str) else None
        cells = [show_date(day) if day else str(e.get("date")), f"{e['kind']:<10}"]
        cells += [e[k] for k in ("outcome", "channel") if e.get(k)]
        lines.append("  " + "  ".join(cells).rstrip())
    return lines or ["  (nothing logged yet)"]


def show_text(one: Answer, ruleset: RuleSet) -> str:
    """`track show`: the application, its history, then the answer as `advise` words it."""
    app = one.app
    head = [f"Application {app.id}: {who(app)}{'  (archived)' if app.archived else ''}"]
    if app.interview_date:
        head.append(f"Interview: {show_date(dt.date.fromisoformat(app.interview_date))}")
    head += ["History:", *history_lines(app), ""]
    body = to_text(one.rec, ruleset, one.draft) if one.rec is not None else ""
    return "\n".join(head) + "\n" + body


def added_text(one: Answer) -> str:
    """The note after `track add`: the id to use, and today's answer in one sentence."""
    lines = [f"Added application {one.app.id}: {who(one.app)}."]
    if one.rec is not None:
        lines.append(one.rec.summary)
    lines.append(f"The reasons and the message: followup track show {one.app.id}")
    return "\n".join(lines) + "\n"
