"""`followup track edit`: fields with --set/--unset, the whole scenario with --file, or in the
user's editor as YAML, checked before anything is saved; a refused edit changes nothing and an
edit in the editor is never lost."""

from __future__ import annotations

import json
import os
import sys
import tempfile

from .helpers import ACME, ZETA, digest, ok, track, tracked, write

EDIT = """\
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
open(path, "w", encoding="utf-8").write(text.replace({old!r}, {new!r}))
"""


def own_tmp(tmp_path, monkeypatch) -> str:
    """A temporary directory of the test's own, for the file the editor gets."""
    path = tmp_path / "tmp"
    path.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(path))
    return str(path)


def editor(tmp_path, old: str, new: str, before: str = "") -> dict[str, str]:
    """$EDITOR as a script that replaces `old` with `new` in the file it is given (after running
    the Python statement `before`)."""
    script = write(tmp_path, "editor.py", before + EDIT.format(old=old, new=new))
    return {"EDITOR": f"{sys.executable} {script}", "VISUAL": ""}


def exported(db: str, app_id: str) -> dict:
    return json.loads(ok(track(db, "show", app_id, "--format", "json")).stdout)["scenario"]


def test_set_and_unset_fields_with_dates_in_words(tmp_path):
    """--set takes PATH=VALUE (a date field also 'in 2 weeks'); --unset removes a field."""
    db = tracked(tmp_path, ACME)
    result = ok(
        track(
            db,
            "edit",
            "acme",
            "--set",
            "company.culture=traditional",
            "--set",
            "timeline.decision_by=in 2 weeks",
            "--unset",
            "timeline.follow_up_after",
            "--set",
            "candidate.name=Sam Poe",
        )
    )
    assert result.stdout == "Saved application acme.\n"
    doc = exported(db, "acme")
    assert doc["company"]["culture"] == "traditional"
    assert doc["timeline"] == {"decision_by": "2026-12-04"}
    assert doc["candidate"] == {"name": "Sam Poe"}
    assert len(doc["history"]) == 3


def test_file_replaces_the_scenario_and_keeps_the_id(tmp_path):
    """--file FILE: the application becomes FILE's scenario (an id in it must be this one's)."""
    db = tracked(tmp_path, ZETA)
    new = write(
        tmp_path, "new.yaml", "company: {name: Zeta Labs, size: small}\ninterview: {date: 2026-11-06}\n"
    )
    ok(track(db, "edit", "1", "--file", new))
    assert exported(db, "1") == {
        "id": "1",
        "company": {"name": "Zeta Labs", "size": "small"},
        "interview": {"date": "2026-11-06"},
    }
    other = write(tmp_path, "other.yaml", "id: zeta\ninterview: {date: 2026-11-06}\n")
    before = digest(db)
    refused = track(db, "edit", "1", "--file", other)
    assert refused.exit_code == 2
    assert refused.stderr == (
        f"{other}:1:5: error: bad-id: the id 'zeta' is not this application's ('1'); an id cannot change (leave the id out)\n"
    )
    assert digest(db) == before


def test_the_editor_edits_the_scenario_as_yaml(tmp_path):
    """The editor gets the scenario as YAML (dates unquoted); what it saves is checked and kept."""
    db = tracked(tmp_path, ACME)
    result = ok(track(db, "edit", "acme", env=editor(tmp_path, "culture: startup", "culture: traditional")))
    assert result.stdout == "Saved application acme.\n"
    assert exported(db, "acme")["company"]["culture"] == "traditional"


def test_the_editor_closed_without_a_change_saves_nothing(tmp_path, monkeypatch):
    """No change in the editor: 'No change.', the database untouched, no file left behind."""
    db = tracked(tmp_path, ACME)
    before = digest(db)
    env = editor(tmp_path, "nothing-to-find", "x")
    temp = own_tmp(tmp_path, monkeypatch)
    result = ok(track(db, "edit", "acme", env=env))
    assert result.stdout == "No change.\n"
    assert digest(db) == before and os.listdir(temp) == []


def test_a_mistake_in_the_editor_is_located_and_the_edit_kept(tmp_path, monkeypatch):
    """A value not in the vocabulary: located in the edited file, which is kept for --file; exit 2."""
    db = tracked(tmp_path, ACME)
    before = digest(db)
    env = editor(tmp_path, "culture: startup", "culture: startp")
    temp = own_tmp(tmp_path, monkeypatch)
    result = track(db, "edit", "acme", env=env)
    assert result.exit_code == 2
    (kept,) = os.listdir(temp)
    path = os.path.join(temp, kept)
    assert result.stderr == (
        f"{path}:7:12: error: unknown-value: company.culture: unknown value 'startp' (did you mean 'startup'?)\n"
        f"Nothing was saved. Your edit is kept in {path}; once it is right:\n"
        f"  followup track edit acme --file {path}\n"
    )
    assert digest(db) == before
    with open(path, encoding="utf-8") as fh:
        fixed = fh.read().replace("startp", "startup").replace("size: small", "size: medium")
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(fixed)
    ok(track(db, "edit", "acme", "--file", path))
    assert exported(db, "acme")["company"]["size"] == "medium"


def test_an_edit_never_undoes_a_log_made_while_the_editor_was_open(tmp_path, monkeypatch):
    """Another program logs to the application meanwhile: the edit is refused, the log kept."""
    db = tracked(tmp_path, ZETA)
    log = (
        "import os, subprocess\n"
        f"subprocess.run([{sys.executable!r}, '-m', 'followup.cli', 'track', 'log', '1', 'sent', 'follow_up',"
        f" '--db', {db!r}, '--as-of', '2026-11-20'], check=True, env={{**os.environ, 'FOLLOWUP_DB': ''}})\n"
    )
    env = editor(tmp_path, "culture: startup", "culture: traditional", before=log)
    own_tmp(tmp_path, monkeypatch)  # the refused edit is kept there, not in /tmp
    result = track(db, "edit", "1", env=env)
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "ID:1:1: error: changed-meanwhile: application 1 changed while it was being edited "
        "(an event logged, or another edit) (nothing was saved; edit it again)\n"
    )
    doc = exported(db, "1")
    assert doc["company"]["culture"] == "startup"
    assert [e["kind"] for e in doc["history"]] == ["thank_you", "follow_up"]


def test_no_editor_and_no_terminal_is_a_clear_error(tmp_path):
    """Without $EDITOR and a terminal, say what to do instead of starting vi on a pipe."""
    db = tracked(tmp_path, ZETA)
    result = track(db, "edit", "1", env={"EDITOR": "", "VISUAL": ""})
    assert result.exit_code == 2
    assert result.stderr == (
        "$EDITOR:1:1: error: no-editor: no editor to open (set $EDITOR, or use --set PATH=VALUE or --file FILE)\n"
    )


def test_text_that_looks_like_a_date_stays_text_through_the_editor(tmp_path):
    """A company named '2026-11-05' is quoted in the YAML, so saving keeps it text (not a date)."""
    db = tracked(tmp_path, "company: {name: '2026-11-05', culture: startup}\ninterview: {date: 2026-11-05}\n")
    ok(track(db, "edit", "1", env=editor(tmp_path, "culture: startup", "culture: traditional")))
    assert exported(db, "1")["company"] == {"name": "2026-11-05", "culture": "traditional"}
