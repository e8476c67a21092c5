"""The answer's timeline, drawn on the server as SVG: the interview, each message sent, each reply,
the employer's stated dates, today, and the window for the next contact, on one axis of days.

Accessible: the SVG is role="img" with a <title> and a <desc> that says it all in words, and
items() gives the same events as text for the page's list beside it. Only presentation
attributes, no style attribute or script (the CSP allows neither); every text is escaped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

from followup.core.model import Recommendation, Scenario
from followup.core.wording import show_date

WIDTH, ROW, TOP, LEFT, RIGHT = 760, 26, 34, 20, 20
SENT = {"thank_you": "Thank-you note sent", "follow_up": "Status follow-up sent"}
OUTCOMES = {"pending": "they are still deciding", "offer": "an offer", "rejected": "they said no"}
NEXT = {1: "the thank-you note", 2: "the status follow-up", 3: "the final follow-up"}
COLOURS = {  # all at least 4.5:1 against white
    "interview": "#1a4f8b",
    "sent": "#1d6b35",
    "reply": "#6b2c91",
    "stated": "#8a4b00",
    "today": "#b00020",
}


@dataclass(frozen=True)
class Item:
    day: dt.date
    kind: str  # interview | sent | reply | stated | today
    text: str


def items(scenario: Scenario, rec: Recommendation) -> list[Item]:
    """The dated events in order (the window is separate: window_text)."""
    out = [Item(scenario.interview_date, "interview", "Interview")]
    for ev in scenario.history:
        if ev.kind == "reply":
            out.append(Item(ev.date, "reply", f"Reply: {OUTCOMES.get(ev.outcome or '', ev.outcome or '')}"))
        else:
            how = f" by {ev.channel}" if ev.channel else ""
            out.append(Item(ev.date, "sent", SENT.get(ev.kind, ev.kind) + how))
    if scenario.decision_by:
        out.append(Item(scenario.decision_by, "stated", "They said they would decide by"))
    if scenario.follow_up_after:
        out.append(Item(scenario.follow_up_after, "stated", "They welcome contact from"))
    out.append(Item(rec.as_of, "today", "Today (the day asked)"))
    return sorted(out, key=lambda i: (i.day, i.kind != "interview", i.kind == "today"))


def window_text(rec: Recommendation) -> str | None:
    """'Window for the final follow-up: from Thu 2026-11-26 (no last day)', or None."""
    if rec.earliest is None and rec.latest is None:
        return None
    what = NEXT.get(rec.contact or 0, "the next contact")
    start = show_date(rec.earliest) if rec.earliest else "now"
    end = f"to {show_date(rec.latest)}" if rec.latest else "(no last day)"
    return f"Window for {what}: from {start} {end}"


def svg(scenario: Scenario, rec: Recommendation) -> str:
    """The picture, as SVG markup ready to put in the page."""
    events = items(scenario, rec)
    days = [i.day for i in events] + [d for d in (rec.earliest, rec.latest) if d]
    first, last = min(days) - dt.timedelta(days=1), max(days) + dt.timedelta(days=2)
    if rec.earliest is not None and rec.latest is None:  # an open window: show a week of it
        last = max(last, rec.earliest + dt.timedelta(days=7))
    span = max((last - first).days, 1)

    def x(day: dt.date) -> float:
        return round(LEFT + (day - first).days * (WIDTH - LEFT - RIGHT) / span, 1)

    height = TOP + ROW * (len(events) + 1) + 40
    axis_y = height - 34
    words = [f"{show_date(i.day)}: {i.text}" for i in events]
    window = window_text(rec)
    if window:
        words.append(window)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" '
        'role="img" aria-labelledby="timeline-title timeline-desc" class="timeline">',
        '<title id="timeline-title">Timeline of this application</title>',
        f'<desc id="timeline-desc">{escape("; ".join(words))}.</desc>',
    ]
    if window:
        start = x(rec.earliest) if rec.earliest else x(rec.as_of)
        end = x(rec.latest + dt.timedelta(days=1)) if rec.latest else WIDTH - RIGHT
        out.append(
            f'<rect x="{start}" y="{TOP - 20}" width="{max(end - start, 2)}" height="{axis_y - TOP + 20}" '
            'fill="#e3f1e6" stroke="#1d6b35" stroke-dasharray="4 3"/>'
        )
        what = f"Window for {NEXT.get(rec.contact or 0, 'the next contact')}"
        anchor, label_x = ("end", end - 4) if start > WIDTH / 2 else ("start", start + 4)
        out.append(
            f'<text x="{label_x}" y="{TOP - 6}" font-size="13" text-anchor="{anchor}" fill="#1d6b35" '
            f'font-weight="bold">{escape(what)}</text>'
        )
    out.append(
        f'<line x1="{LEFT}" y1="{axis_y}" x2="{WIDTH - RIGHT}" y2="{axis_y}" stroke="#333" stroke-width="2"/>'
    )
    tick = scenario.interview_date
    while tick <= last:
        if tick >= first:
            out.append(
                f'<line x1="{x(tick)}" y1="{axis_y - 4}" x2="{x(tick)}" y2="{axis_y + 4}" stroke="#333"/>'
            )
            out.append(
                f'<text x="{x(tick)}" y="{axis_y + 20}" font-size="12" text-anchor="middle" fill="#333">'
                f"{tick.strftime('%b')} {tick.day}</text>"
            )
        tick += dt.timedelta(days=7)
    for row, item in enumerate(events):
        y = TOP + ROW * (row + 1)
        colour = COLOURS[item.kind]
        cx = x(item.day)
        dash = ' stroke-dasharray="3 3"' if item.kind in ("today", "stated") else ""
        out.append(f'<line x1="{cx}" y1="{y}" x2="{cx}" y2="{axis_y}" stroke="{colour}"{dash}/>')
        shape = (
            f'<rect x="{cx - 6}" y="{y - 6}" width="12" height="12" fill="{colour}"/>'
            if item.kind in ("stated", "today")
            else f'<circle cx="{cx}" cy="{y}" r="6" fill="{colour}"/>'
        )
        out.append(shape)
        anchor, dx = ("end", -10) if cx > WIDTH * 0.6 else ("start", 10)
        out.append(
            f'<text x="{cx + dx}" y="{y + 4}" font-size="13" text-anchor="{anchor}" fill="{colour}">'
            f"{escape(item.text)}, {escape(show_date(item.day))}</text>"
        )
    out.append("</svg>")
    return "\n".join(out)
