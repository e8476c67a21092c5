"""`followup batch`'s resume record, OUTPUT.resume: what --resume needs to continue a run safely.

OUTPUT stays pure JSON Lines; beside it, a small JSON file (written whole, through a temporary
file and a rename, each time OUTPUT is fsynced, and at the end) says: the --as-of of the run and
the day it took as today, the rules (digest, and directory for messages), and how far OUTPUT is
known good: `lines` result lines in `output_bytes` bytes, answering INPUT lines whose bytes hash
to `input_sha256` (SHA-256 over the BLAKE2b digest of each line, so it can be kept up to date in
output order while INPUT is read ahead). OUTPUT is written before the record, so the record never
claims more than OUTPUT holds; --resume cuts OUTPUT back to what the record vouches for (results
written after the last fsync are answered again) and refuses, saying what differs, when INPUT's
first `lines` lines, --as-of or the rules' meaning are not those of the run it resumes. A file
at OUTPUT.resume that batch did not write is never overwritten."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import stat
import sys
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from followup.core.errors import Diagnostic, Location

from .io import fatal, wait_for

if TYPE_CHECKING:  # pragma: no cover
    from .io import Input, Reader

FORMAT = "followup batch resume record 1"
MAX_BYTES = 64 << 10
HINT = (
    "resume with the INPUT, --as-of and --rules of the run being resumed, "
    "or run without --resume to start over"
)


@dataclass
class Record:
    """The content of OUTPUT.resume."""

    format: str
    input: str  # INPUT's name, for messages
    as_of: str | None  # --as-of, ISO
    today: str  # the day records without as_of were answered as of, ISO
    rules: str  # the rules directory, for messages
    rules_digest: str
    lines: int
    output_bytes: int
    input_sha256: str


def record_path(output: str) -> str:
    return output + ".resume"


def not_ours(path: str) -> Any:
    return fatal(
        path,
        "not-a-resume-record",
        "is not a followup batch resume record",
        "move it away: batch keeps its resume record there",
    )


def read_record(path: str, source: Input) -> Record | None:
    """The record at `path`; None when there is none. Fatal when a file there is not one."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise not_ours(path) from None
    except OSError as exc:
        raise fatal(path, "unreadable", exc.strerror or str(exc)) from None
    with open(fd, "rb") as fh:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or (st.st_dev, st.st_ino) == (source.st.st_dev, source.st.st_ino):
            raise not_ours(path)
        data = fh.read(MAX_BYTES + 1)
    try:
        record = Record(**json.loads(data))
    except (ValueError, TypeError, RecursionError):
        raise not_ours(path) from None
    if not _valid(record):
        raise not_ours(path)
    return record


def _valid(r: Record) -> bool:
    texts = (r.format, r.input, r.today, r.rules, r.rules_digest, r.input_sha256)
    numbers = (r.lines, r.output_bytes)
    try:
        dt.date.fromisoformat(r.today)
        if r.as_of is not None:
            dt.date.fromisoformat(r.as_of)
    except (TypeError, ValueError):
        return False
    return (
        r.format == FORMAT
        and all(isinstance(t, str) for t in texts)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
        and len(r.input_sha256) == 64
    )


def check_as_of(record: Record, as_of: dt.date | None) -> None:
    new = as_of.isoformat() if as_of else None
    if new != record.as_of:

        def said(value: str | None) -> str:
            return f"--as-of {value}" if value else "no --as-of"

        raise fatal(
            "<arguments>",
            "resume-mismatch",
            f"the run being resumed had {said(record.as_of)}; this one has {said(new)}",
            HINT,
        )


def check_rules(record: Record, digest: str, rules: str) -> None:
    """Rules are compared by meaning (their digest): the same rules in another directory resume."""
    if digest != record.rules_digest:
        raise fatal(
            rules,
            "resume-mismatch",
            f"these rules ({digest}) are not those of the run being resumed "
            f"({record.rules_digest}, from {record.rules})",
            HINT,
        )


class Tracker:
    """Keeps OUTPUT.resume up to date: add() each result line's input digest as it goes to
    OUTPUT, save() once OUTPUT is fsynced. A record that cannot be written is reported once (and
    tried again at each save)."""

    def __init__(
        self,
        path: str,
        mode: int,
        source: Input,
        as_of: dt.date | None,
        today: dt.date,
        digest: str,
        rules: str,
    ):
        self.path = path
        self.mode = mode  # OUTPUT's permissions
        self.source = source.name
        self.as_of = as_of.isoformat() if as_of else None
        self.today = today.isoformat()
        self.rules, self.digest = rules, digest
        self.hasher = hashlib.sha256()
        self.lines = 0
        self.failed = False

    def add(self, digest: bytes) -> None:
        self.hasher.update(digest)
        self.lines += 1

    def skip_answered(self, reader: Reader, record: Record, stop: list[int]) -> int | None:
        """Read INPUT's first record.lines lines, checking they are those already answered.
        Returns their size in bytes; None when a signal stopped the run meanwhile."""
        skipped = 0
        while self.lines < record.lines:
            if stop:
                return None
            job = reader.pull()
            if job is None:
                if reader.exhausted:
                    raise fatal(
                        reader.name,
                        "resume-mismatch",
                        f"INPUT has {self.lines:,} lines; OUTPUT answers {record.lines:,}",
                        HINT,
                    )
                wait_for(reader.fd, 0.1)
                continue
            self.add(job.digest)
            skipped += job.size
        if self.hasher.hexdigest() != record.input_sha256:
            raise fatal(
                reader.name,
                "resume-mismatch",
                f"INPUT's first {record.lines:,} lines are not those answered in OUTPUT",
                HINT,
            )
        return skipped

    def save(self, output_bytes: int) -> None:
        record = Record(
            FORMAT,
            self.source,
            self.as_of,
            self.today,
            self.rules,
            self.digest,
            self.lines,
            output_bytes,
            self.hasher.hexdigest(),
        )
        try:
            write_atomically(
                self.path, (json.dumps(asdict(record), indent=1) + "\n").encode("utf-8"), self.mode
            )
        except OSError as exc:  # tried again at the next fsync; reported once
            if not self.failed:
                self.failed = True
                why = exc.strerror or str(exc)
                warning = Diagnostic(
                    Location(self.path),
                    "resume-record",
                    f"cannot write the resume record ({why}); "
                    "--resume cannot continue from results written while it cannot",
                    level="warning",
                )
                sys.stderr.write(warning.render() + "\n")
                sys.stderr.flush()


def write_atomically(path: str, data: bytes, mode: int) -> None:
    """A temporary file in the same directory, fsynced, renamed over `path`; removed on failure."""
    import tempfile

    directory, name = os.path.split(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{name}.")
    try:
        os.fchmod(fd, mode)
        with open(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
