"""The tracker's store: one SQLite database file (the standard library's sqlite3), shared by the
command line and a web server.

Where: `--db PATH`, else $FOLLOWUP_DB, else `applications.db` in the user's data directory
(platformdirs: ~/.local/share/followup-advisor on Linux), created with mode 0700. A new database
file is created with mode 0600: it holds a job search.

How it is opened: WAL journal (readers never wait for a writer, a writer never waits for
readers), foreign keys on, synchronous=FULL (a committed write survives a power cut), a busy
timeout. Every write is one transaction begun with BEGIN IMMEDIATE (it takes the write lock at
once, so two writers queue instead of one failing half-way); every read is one transaction too
(one consistent snapshot). A writer that waits longer than the timeout gets `database-busy`
(exit 2), never a partial write. Opening migrates the schema (migrations.py).

Reading commands do not create a database: a missing file reads as no applications (an empty
database in memory), so a mistyped --db makes no stray file.
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from contextlib import contextmanager

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.files import kind_of

from .migrations import check, migrate

APP_NAME = "followup-advisor"
DB_FILE = "applications.db"
ENV = "FOLLOWUP_DB"
BUSY_TIMEOUT = 5.0  # seconds a write waits for another writer before `database-busy`


def default_path() -> str:
    """applications.db in the user's data directory."""
    from platformdirs import user_data_dir

    return os.path.join(user_data_dir(APP_NAME, appauthor=False), DB_FILE)


def database_path(explicit: str | None = None) -> str:
    """--db, else $FOLLOWUP_DB, else the default path."""
    return explicit or os.environ.get(ENV) or default_path()


def fail(path: str, code: str, message: str, hint: str = "") -> FollowupError:
    return FollowupError([Diagnostic(Location(path), code, message, hint)])


_ERRORS = {  # SQLite's error name -> (code, message, hint)
    "SQLITE_BUSY": (
        "database-busy",
        "the database is busy: another program is writing to it",
        "try again in a moment",
    ),
    "SQLITE_LOCKED": (
        "database-busy",
        "the database is busy: another program is writing to it",
        "try again in a moment",
    ),
    "SQLITE_NOTADB": (
        "not-a-database",
        "is not a SQLite database",
        "give --db the path of a tracker database, or of a file that does not exist yet",
    ),
    "SQLITE_READONLY": ("read-only", "the database cannot be written to", "check its permissions"),
    "SQLITE_CANTOPEN": ("unreadable", "the database cannot be opened", "check the path and its permissions"),
    "SQLITE_FULL": ("cannot-write", "the disk is full", "nothing was changed; free some space"),
    "SQLITE_CORRUPT": ("corrupt-database", "the database is damaged", "restore it from a `track export`"),
    "SQLITE_IOERR": ("cannot-write", "the database could not be read or written (an I/O error)", ""),
}


def database_error(path: str, exc: sqlite3.Error) -> FollowupError:
    """A SQLite error as a diagnostic about the database file."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    base = "_".join(name.split("_")[:2])  # SQLITE_BUSY_SNAPSHOT -> SQLITE_BUSY
    code, message, hint = _ERRORS.get(base) or ("database-error", str(exc), "")
    if code == "database-error" and "locked" in str(exc):  # the busy timeout ran out
        code, message, hint = _ERRORS["SQLITE_BUSY"]
    return fail(path, code, message, hint)


class Store:
    """An open tracker database. Use `reading()` and `writing()` for every access."""

    def __init__(self, path: str, conn: sqlite3.Connection, exists: bool = True):
        self.path = path
        self.conn = conn
        self.exists = exists  # False: the file does not exist; this is an empty store in memory

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """One read transaction: a consistent snapshot, however many queries."""
        with self._transaction("BEGIN") as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, begun with BEGIN IMMEDIATE: all of it is committed or none.
        A FollowupError raised inside rolls it back and goes on."""
        if not self.exists:
            raise AssertionError("a store opened for reading only")  # pragma: no cover
        with self._transaction("BEGIN IMMEDIATE") as conn:
            yield conn

    @contextmanager
    def _transaction(self, begin: str) -> Iterator[sqlite3.Connection]:
        try:
            self.conn.execute(begin)
        except sqlite3.Error as exc:
            raise database_error(self.path, exc) from None
        try:
            yield self.conn
            self.conn.execute("COMMIT")
        except BaseException as exc:
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass  # SQLite already rolled back (e.g. after SQLITE_FULL)
            if isinstance(exc, sqlite3.Error):
                raise database_error(self.path, exc) from None
            raise

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_store(path: str | None = None, create: bool = True, timeout: float | None = None) -> Store:
    """The database at `path` (see database_path), migrated to the current schema. With
    `create` False a missing file is not created: the store is empty (in memory). A write waits
    `timeout` seconds (default BUSY_TIMEOUT) for another writer."""
    timeout = BUSY_TIMEOUT if timeout is None else timeout
    explicit = path
    path = database_path(path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise fail(path, "unreadable", exc.strerror or str(exc)) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise fail(path, "not-a-file", f"is {kind_of(st.st_mode)}, not a database file")
    exists = st is not None or create
    if st is None and create:
        _create(path, default=not explicit and not os.environ.get(ENV))
    conn = _connect(path if exists else ":memory:", path, timeout)
    try:
        check(conn, path)  # the tracker's, or new: before anything is changed in it
        if exists:
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
        migrate(conn, path)
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(path, exc) from None
    except BaseException:
        conn.close()
        raise
    return Store(path, conn, exists)


def _create(path: str, default: bool) -> None:
    """A new, empty database file, readable by its owner only."""
    directory = os.path.dirname(os.path.abspath(path))
    if default:
        try:
            os.makedirs(directory, mode=0o700, exist_ok=True)
        except OSError as exc:
            raise fail(directory, "cannot-write", exc.strerror or str(exc)) from None
    elif not os.path.isdir(directory):
        raise fail(path, "no-such-file", f"the directory {directory} does not exist", "create it first")
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass  # another process created it meanwhile: open that one
    except OSError as exc:
        raise fail(path, "cannot-write", exc.strerror or str(exc)) from None


def _connect(target: str, path: str, timeout: float) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(target, timeout=timeout, isolation_level=None)
    except sqlite3.Error as exc:
        raise database_error(path, exc) from None
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
    except sqlite3.Error as exc:
        conn.close()
        raise database_error(path, exc) from None
    return conn
