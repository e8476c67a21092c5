"""`followup batch --resume` only continues the run it is given: the same INPUT (in the part
already answered), --as-of and rules; OUTPUT.resume records them. A write that fails part-way
(full disk, file size limit) leaves only complete lines, and --resume then finishes the run."""

from __future__ import annotations

import datetime as dt
import json
import os
import resource
import signal
from typing import Any

import pytest

from followup.core.advisor import load_advisor

from ..helpers import RULES, copy_rules, edit_yaml
from .helpers import batch, complete_lines, first_error, results, scenario, write_lines

HINT = "resume with the INPUT, --as-of and --rules of the run being resumed, or run without --resume to start over"


@pytest.fixture
def answered(tmp_path):
    """60 scenarios answered by a complete run: (INPUT, OUTPUT, OUTPUT's bytes)."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(i) for i in range(60)])
    out = tmp_path / "out.jsonl"
    run = batch(src, "-o", str(out), "--workers", "1")
    assert run.returncode == 0, run.stderr
    return src, out, out.read_bytes()


def edit_lines(path: str, change: Any) -> None:
    with open(path, "rb") as fh:
        lines = fh.read().splitlines(keepends=True)
    change(lines)
    with open(path, "wb") as fh:
        fh.write(b"".join(lines))


def refused(run: Any, out: Any, before: bytes) -> str:
    """The one located error of a refused resume (exit 2, OUTPUT unchanged)."""
    assert run.returncode == 2, run.stderr
    assert out.read_bytes() == before
    return first_error(run.stderr)


def test_resume_refuses_an_input_edited_in_the_part_already_answered(answered):
    """One answered line of INPUT changed since: --resume says so, exit 2, OUTPUT unchanged."""
    src, out, before = answered

    def change(lines: list[bytes]) -> None:
        lines[9] = json.dumps(scenario(9, as_of="2026-11-27")).encode() + b"\n"

    edit_lines(src, change)
    run = batch(src, "-o", str(out), "--resume")
    assert refused(run, out, before) == (
        f"{src}:1:1: error: resume-mismatch: INPUT's first 60 lines are not those answered in OUTPUT ({HINT})"
    )


def test_resume_refuses_an_input_shorter_than_the_part_already_answered(answered):
    """INPUT cut to 30 lines after 60 were answered: refused."""
    src, out, before = answered
    edit_lines(src, lambda lines: lines.__delitem__(slice(30, None)))
    run = batch(src, "-o", str(out), "--resume")
    assert refused(run, out, before) == (
        f"{src}:1:1: error: resume-mismatch: INPUT has 30 lines; OUTPUT answers 60 ({HINT})"
    )


def test_resume_refuses_another_as_of(answered):
    """--as-of given on resume but not on the first run (or another date): refused, saying both."""
    src, out, before = answered
    run = batch(src, "-o", str(out), "--resume", "--as-of", "2026-11-27")
    assert refused(run, out, before) == (
        "<arguments>:1:1: error: resume-mismatch: the run being resumed had no --as-of; "
        f"this one has --as-of 2026-11-27 ({HINT})"
    )


def test_resume_refuses_other_rules(answered, tmp_path):
    """Rules whose meaning changed since the first run: refused, naming both digests."""
    src, out, before = answered
    rules = copy_rules(str(tmp_path / "edited"))

    def change(data: Any) -> None:
        data["rules"][0]["priority"] = data["rules"][0].get("priority", 0) + 1

    edit_yaml(os.path.join(rules, "timing.yaml"), change)
    old, new = load_advisor(RULES).ruleset.digest, load_advisor(rules).ruleset.digest
    run = batch(src, "-o", str(out), "--resume", "--rules", rules)
    assert refused(run, out, before) == (
        f"{os.path.abspath(rules)}:1:1: error: resume-mismatch: these rules ({new}) are not those of "
        f"the run being resumed ({old}, from {os.path.abspath(RULES)}) ({HINT})"
    )


def test_resume_takes_the_same_rules_from_another_directory_and_answers_appended_lines(answered, tmp_path):
    """Rules compared by meaning: an unchanged copy resumes; lines appended to INPUT since are answered after the kept ones."""
    src, out, before = answered
    rules = copy_rules(str(tmp_path / "copy"))
    edit_lines(
        src, lambda lines: lines.extend(json.dumps(scenario(i)).encode() + b"\n" for i in range(60, 65))
    )
    run = batch(src, "-o", str(out), "--resume", "--rules", rules)
    assert run.returncode == 0, run.stderr
    assert out.read_bytes().startswith(before)
    assert [r["id"] for r in complete_lines(out)] == [f"s{i}" for i in range(65)]


def test_resume_refuses_an_output_without_its_resume_record(answered):
    """OUTPUT with results but no OUTPUT.resume (deleted, or written by another tool): refused."""
    src, out, before = answered
    os.remove(f"{out}.resume")
    run = batch(src, "-o", str(out), "--resume")
    assert refused(run, out, before) == (
        f"{out}:1:1: error: no-resume-record: OUTPUT has results but no resume record ({out}.resume) "
        "to check INPUT, --as-of and --rules against (run without --resume to start over)"
    )


@pytest.mark.parametrize("resume", [False, True], ids=["new-run", "resume"])
def test_a_file_in_the_place_of_the_resume_record_is_never_overwritten(tmp_path, resume):
    """OUTPUT.resume that batch did not write is refused, not overwritten."""
    src = write_lines(tmp_path / "in.jsonl", [scenario(0)])
    out = tmp_path / "out.jsonl"
    out.write_bytes(b"")
    notes = tmp_path / "out.jsonl.resume"
    notes.write_text('{"my": "notes"}\n')
    run = batch(src, "-o", str(out), *(["--resume"] if resume else []))
    assert (run.returncode, first_error(run.stderr)) == (
        2,
        f"{notes}:1:1: error: not-a-resume-record: is not a followup batch resume record "
        "(move it away: batch keeps its resume record there)",
    )
    assert notes.read_text() == '{"my": "notes"}\n'


def test_resume_answers_records_without_as_of_on_the_day_of_the_run_it_resumes(answered):
    """Records without as_of get the first run's day (recorded in OUTPUT.resume), not the resuming day."""
    src, out, _ = answered
    with open(f"{out}.resume", encoding="utf-8") as fh:
        record = json.load(fh)
    record["today"] = "2026-11-25"
    with open(f"{out}.resume", "w", encoding="utf-8") as fh:
        json.dump(record, fh)
    later = [{k: v for k, v in scenario(i).items() if k != "as_of"} for i in range(60, 63)]
    edit_lines(src, lambda lines: lines.extend(json.dumps(doc).encode() + b"\n" for doc in later))
    run = batch(src, "-o", str(out), "--resume")
    assert run.returncode == 0, run.stderr
    assert [r["answer"]["as_of"] for r in results(out)[60:]] == ["2026-11-25"] * 3


def limit_file_size(size: int) -> Any:
    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)

    return apply


def test_a_write_that_fails_part_way_keeps_only_complete_lines_and_resume_finishes(tmp_path, big):
    """OUTPUT hitting a file size limit mid-line (as on a full disk): cut back to its last complete line, exit 2, located; --resume then finishes."""
    src, reference = big
    out = tmp_path / "out.jsonl"
    run = batch(
        src,
        "-o",
        str(out),
        "--workers",
        "2",
        preexec_fn=limit_file_size(300_000),
        env={"FOLLOWUP_CACHE": "off"},
    )
    assert (run.returncode, first_error(run.stderr)) == (
        2,
        f"{out}:1:1: error: write-failed: File too large (OUTPUT keeps the complete result lines "
        "written before; run the same command with --resume once there is room)",
    )
    kept = complete_lines(out)
    assert 0 < len(kept) < 3000 and kept == reference[: len(kept)]
    assert 300_000 - 5_000 < out.stat().st_size <= 300_000
    run = batch(src, "-o", str(out), "--workers", "2", "--resume")
    assert run.returncode == 1, run.stderr
    assert complete_lines(out) == reference


def test_a_resume_record_that_cannot_be_written_is_reported_once_and_tried_again(tmp_path, capsys):
    """OUTPUT.resume that cannot be written: one warning on stderr; a later save, once it can, writes it."""
    from followup.batch.io import Input
    from followup.batch.resume import Tracker

    side = tmp_path / "missing" / "out.jsonl.resume"
    source = Input(0, "in.jsonl", os.stat(tmp_path))
    tracker = Tracker(str(side), 0o640, source, None, dt.date(2026, 11, 20), "sha256:ab", "/rules")
    tracker.save(0)
    tracker.save(0)
    assert capsys.readouterr().err == (
        f"{side}:1:1: warning: resume-record: cannot write the resume record (No such file or directory); "
        "--resume cannot continue from results written while it cannot\n"
    )
    side.parent.mkdir()
    tracker.save(0)
    assert json.loads(side.read_text())["today"] == "2026-11-20"
    assert side.stat().st_mode & 0o777 == 0o640
