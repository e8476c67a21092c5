"""Dates as people type them, counted from a reference day; and text that survives the saved file."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from followup.ask.dates import DateError, parse_day
from followup.ask.prompts import Prompter
from followup.ask.save import scenario_yaml
from followup.core.loader import parse_text
from followup.core.questions import CONTEXT

FRIDAY = dt.date(2026, 11, 20)


@pytest.mark.parametrize(
    ("text", "future", "day"),
    [
        ("2026-11-05", False, "2026-11-05"),
        ("today", False, "2026-11-20"),
        ("Yesterday", False, "2026-11-19"),
        ("tomorrow", True, "2026-11-21"),
        ("3 days ago", False, "2026-11-17"),
        ("a day ago", False, "2026-11-19"),
        ("2 weeks ago", False, "2026-11-06"),
        ("two  weeks ago", False, "2026-11-06"),
        ("in 10 days", True, "2026-11-30"),
        ("in one week", True, "2026-11-27"),
        ("thursday", False, "2026-11-19"),
        ("Fri", False, "2026-11-20"),
        ("friday", True, "2026-11-20"),
        ("last friday", False, "2026-11-13"),
        ("monday", True, "2026-11-23"),
        ("next friday", True, "2026-11-27"),
    ],
)
def test_date_phrases(text, future, day):
    """Each phrase names one calendar day relative to Fri 2026-11-20; a weekday is its most recent
    occurrence (today included), or the next one for a day still to come."""
    assert parse_day(text, FRIDAY, future).isoformat() == day


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "end of next week",
            "'end of next week' is not a date I understand; type a date like 2026-11-05, or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday",
        ),
        (
            "2026-02-30",
            "'2026-02-30' is not a date I understand; type a date like 2026-11-05, or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday",
        ),
        (
            "t",
            "'t' is not a date I understand; type a date like 2026-11-05, or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday",
        ),
        (
            "9999 weeks ago",
            "'9999 weeks ago' is not a date I understand; type a date like 2026-11-05, or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday",
        ),
        ("1899-12-31", "1899-12-31 is outside the dates the advisor works with (1900-01-01 to 9000-12-31)"),
    ],
)
def test_what_is_not_a_date_says_what_would_be(text, message):
    """Unknown phrases, impossible dates and far-off counts are refused with the forms that work."""
    with pytest.raises(DateError) as exc:
        parse_day(text, FRIDAY)
    assert str(exc.value) == message


def scripted(lines: list[str]) -> tuple[Prompter, list[str]]:
    out: list[str] = []
    feed = iter(lines)

    def read(prompt: str) -> str:
        out.append(prompt)
        return next(feed)

    return Prompter(read, out.append), out


def test_a_choice_takes_a_number_a_word_or_a_unique_start_and_enter_is_not_sure():
    """startup, 2, 'trad' and Enter (not sure) are each understood; 'xyz' is asked again."""
    question = CONTEXT["company.culture"]
    for typed, want in (
        (["startup"], "startup"),
        (["2"], "traditional"),
        (["xyz", "trad"], "traditional"),
        ([""], None),
    ):
        prompter, out = scripted(typed)
        assert prompter.choice(question, ["startup", "traditional"]) == want
        assert ("  'xyz' is not one of the choices; type a number from 1 to 3.\n" in out) == ("xyz" in typed)


def test_a_day_outside_the_allowed_range_is_asked_again_with_the_reason():
    """An interview 'tomorrow' is refused by the check, then 'yesterday' confirmed."""
    prompter, out = scripted(["tomorrow", "yesterday"])
    confirm = iter([""])
    prompter.confirm = lambda text: next(confirm) == ""  # type: ignore[method-assign]
    day = prompter.day(
        CONTEXT["company.culture"], FRIDAY, lambda d: "that is after today" if d > FRIDAY else None
    )
    assert day == dt.date(2026, 11, 19)
    assert "  that is after today; please type another day.\n" in out


@given(st.text(min_size=1, max_size=200).filter(lambda s: s.strip()))
def test_any_typed_text_reads_back_from_the_saved_file_unchanged(name):
    """Whatever a name looks like (yes, null, 1:30, 0x1F, quotes, non-ASCII), the saved YAML gives it back as that text."""
    clean = " ".join("".join(c for c in name if c.isprintable()).split())
    if not clean:
        return
    doc = {"interview": {"date": dt.date(2026, 11, 5)}, "candidate": {"name": clean}}
    node = parse_text("<saved>", scenario_yaml(doc, FRIDAY, "x.yaml"))
    assert node.plain()["candidate"]["name"] == clean
