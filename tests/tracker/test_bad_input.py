"""Bad input to `followup track`: an unknown id, a date before the interview, an event after
today, a value not in the vocabulary... Each is a located diagnostic (code, message; for an id,
the argument), exit 2, and the database is left byte for byte as it was."""

from __future__ import annotations

import pytest

from .helpers import ACME, ZETA, digest, rows, track, tracked, write

CASES = [
    (
        ["show", "99"],
        "ID:1:1: error: unknown-id: no application '99' in {db} (followup track list --all shows every id)\n",
    ),
    (
        ["show", "\udcff"],  # a byte that is not UTF-8 in the argument
        "ID:1:1: error: unknown-id: no application '\\udcff' in {db} (followup track list --all shows every id)\n",
    ),
    (["show", "acm"], "ID:1:1: error: unknown-id: no application 'acm' in {db} (did you mean 'acme'?)\n"),
    (
        ["log", "99", "sent", "follow_up"],
        "ID:1:1: error: unknown-id: no application '99' in {db} (followup track list --all shows every id)\n",
    ),
    (
        ["edit", "99", "--set", "company.culture=startup"],
        "ID:1:1: error: unknown-id: no application '99' in {db} (followup track list --all shows every id)\n",
    ),
    (
        ["archive", "99"],
        "ID:1:1: error: unknown-id: no application '99' in {db} (followup track list --all shows every id)\n",
    ),
    (
        ["log", "1", "sent", "follow_up", "--date", "2026-11-01"],
        "--date:1:1: error: date-before-interview: history follow_up dated 2026-11-01 "
        "is before the interview on 2026-11-05\n",
    ),
    (
        ["log", "1", "sent", "follow_up", "--date", "tomorrow"],
        "--date:1:1: error: date-after-as-of: history follow_up dated 2026-11-21 is after as_of 2026-11-20\n",
    ),
    (
        ["log", "1", "sent", "follow_up", "--date", "someday"],
        "--date:1:1: error: bad-date: 'someday' is not a date I understand; type a date like 2026-11-05, "
        "or today, yesterday, 3 days ago, 2 weeks ago, in 10 days, or a weekday\n",
    ),
    (
        ["log", "1", "reply", "ofer"],
        "OUTCOME:1:1: error: unknown-value: history.outcome: unknown value 'ofer' (did you mean 'offer'?)\n",
    ),
    (
        ["log", "1", "sent", "folow_up", "--channel", "emial"],
        "--channel:1:1: error: unknown-value: history.channel: unknown value 'emial' (did you mean 'email'?)\n"
        "KIND:1:1: error: unknown-value: history.kind: unknown value 'folow_up' (did you mean 'follow_up'?)\n",
    ),
    (
        ["log", "1", "sent", "reply"],
        "KIND:1:1: error: bad-value: a reply is not sent (log it as: track log ID reply OUTCOME)\n",
    ),
    (
        [
            "edit",
            "1",
            "--set",
            "company.culture=startp",
            "--unset",
            "interview.date",
            "--set",
            "compny.size=small",
        ],
        "--set:1:1: error: unknown-key: 'compny.size' is not a field of the scenario (did you mean 'company.size'?)\n"
        "--set:1:1: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)\n"
        "--unset:1:1: error: missing-field: interview.date is required (set another value instead)\n",
    ),
    (
        ["edit", "1", "--set", "timeline.decision_by=2026-10-01"],
        "--set:1:1: error: date-before-interview: timeline.decision_by 2026-10-01 is before the interview on 2026-11-05\n",
    ),
    (
        ["edit", "1", "--set", "interview.date=in 3 days"],
        "--set:1:1: error: as-of-before-interview: as_of 2026-11-20 is before the interview on 2026-11-23\n"
        "application 1:1:1: error: date-before-interview: history thank_you dated 2026-11-05 "
        "is before the interview on 2026-11-23\n",
    ),
    (
        ["edit", "1", "--set", "history=[]"],
        "--set:1:1: error: unknown-key: 'history' is not a field of the scenario "
        "(log events with followup track log; change past ones in the editor (track edit ID))\n",
    ),
    (
        ["edit", "1", "--set", "oops"],
        "--set:1:1: error: bad-value: 'oops' is not PATH=VALUE (e.g. company.culture=startup)\n",
    ),
]


@pytest.mark.parametrize(("args", "expected"), CASES, ids=[" ".join(a) for a, _ in CASES])
def test_a_mistake_is_located_exits_2_and_changes_nothing(tmp_path, args, expected):
    """The whole message on stderr, nothing on stdout, exit 2, the database bytes and rows unchanged."""
    db = tracked(tmp_path, ZETA, ACME)
    before, data = digest(db), rows(db)
    result = track(db, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr == expected.format(db=db)
    assert result.stdout == ""
    assert digest(db) == before and rows(db) == data


def test_adding_a_file_with_mistakes_reports_each_at_its_line_and_adds_nothing(tmp_path):
    """An event after today and a value not in the vocabulary, both located in the file."""
    db = tracked(tmp_path, ZETA)
    before = digest(db)
    bad = write(
        tmp_path,
        "bad.yaml",
        "company: {name: Initech, culture: startp}\ninterview: {date: 2026-11-02}\n"
        "history:\n  - {kind: follow_up, date: 2026-11-21}\n",
    )
    result = track(db, "add", bad)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{bad}:1:35: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)\n"
        f"{bad}:4:29: error: date-after-as-of: history follow_up dated 2026-11-21 is after as_of 2026-11-20\n"
    )
    assert digest(db) == before


def test_adding_to_a_database_that_does_not_exist_creates_nothing_when_refused(tmp_path):
    """A refused first add leaves no database file behind."""
    bad = write(tmp_path, "bad.yaml", "interview: {date: 2026-11-25}\n")
    result = track(tmp_path / "new.db", "add", bad)
    assert result.exit_code == 2
    assert (
        result.stderr
        == f"{bad}:1:19: error: as-of-before-interview: as_of 2026-11-20 is before the interview on 2026-11-25\n"
    )
    assert not (tmp_path / "new.db").exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "id: acme\ninterview: {date: 2026-11-02}\n",
            "{path}:1:5: error: id-taken: id 'acme' is taken by another application "
            "(change it, or leave the id out to have the application numbered)\n",
        ),
        (
            "id: 'my app'\ninterview: {date: 2026-11-02}\n",
            "{path}:1:5: error: bad-id: id 'my app' cannot name an application: use at most 40 letters, digits, "
            "'.', '_' or '-', starting with a letter or a digit (or leave the id out to have the application numbered)\n",
        ),
    ],
    ids=["id-taken", "bad-id"],
)
def test_what_the_tracker_cannot_keep_is_refused(tmp_path, text, expected):
    """A taken or untypeable id, or text with no UTF-8 form: located, exit 2, nothing added."""
    db = tracked(tmp_path, ACME)
    before = digest(db)
    path = write(tmp_path, "new.yaml", text)
    result = track(db, "add", path)
    assert result.exit_code == 2
    assert result.stderr == expected.format(path=path)
    assert digest(db) == before


def test_text_without_a_utf8_form_is_refused(tmp_path):
    """A byte that is not UTF-8 on the command line reaches Python as a lone surrogate: refused."""
    db = tracked(tmp_path, ZETA)
    before = digest(db)
    result = track(db, "edit", "1", "--set", "company.name=Zeta\udcff")
    assert result.exit_code == 2
    assert result.stderr == (
        "--set:1:1: error: not-utf8: this text holds a lone UTF-16 surrogate, which is not a character "
        "and cannot be kept (write the character itself)\n"
    )
    assert digest(db) == before


def test_a_control_character_is_refused_as_in_a_scenario_file(tmp_path):
    """Text a scenario file cannot hold (an escape sequence that would redraw the terminal in
    `track list`) cannot get in by --set either."""
    db = tracked(tmp_path, ZETA)
    before = digest(db)
    result = track(db, "edit", "1", "--set", "company.name=\x1b[2JZeta")
    assert result.exit_code == 2
    assert result.stderr == "--set:1:1: error: bad-value: control character U+001B is not allowed\n"
    assert digest(db) == before


@pytest.mark.parametrize("suffix", ["", "-wal"])
@pytest.mark.parametrize("command", [["export", "-o"], ["ics", "-o"], ["show", "1", "--record"]])
def test_no_output_is_written_over_the_database(tmp_path, command, suffix):
    """-o / --record naming the database (or its WAL file) is refused: it would replace it."""
    db = tracked(tmp_path, ZETA)
    before = rows(db)
    target = db + suffix
    result = track(db, *command, target)
    assert result.exit_code == 2
    assert result.stderr == (
        f"{target}:1:1: error: output-is-database: is the tracker's database; writing there would "
        "replace it (give another file)\n"
    )
    assert rows(db) == before


def test_a_stored_application_that_no_longer_validates_is_an_error_row_not_a_crash(tmp_path):
    """Asked as of a day before a logged event: list marks that row, show explains it (exit 2)."""
    db = tracked(tmp_path, ZETA, ACME)
    listed = track(db, "list", as_of="2026-11-12")
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[2] == (
        "acme  Acme Robotics  Head of Data  error: date-after-as-of    -      -                    -"
    )
    shown = track(db, "show", "acme", as_of="2026-11-12")
    assert shown.exit_code == 2
    assert shown.stderr == (
        "application acme:1:1: error: date-after-as-of: history reply dated 2026-11-13 is after as_of 2026-11-12\n"
    )
