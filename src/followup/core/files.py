"""Reading and writing the user's files safely.

Reading: `-` is standard input; any other path must be a regular file (a FIFO, a device or a
socket is refused at once instead of blocking), and at most `limit` bytes are read. Writing:
the whole file or nothing (a temporary file in the same directory, flushed to disk, then renamed
over the target); only regular files are ever replaced, a symbolic link is followed to the file
it names, and an existing file keeps its permissions.
"""

from __future__ import annotations

import os
import stat
import sys

from .errors import Diagnostic, FollowupError, Location

STDIN = "<stdin>"

_KINDS = {
    stat.S_IFIFO: "a FIFO (named pipe)",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFSOCK: "a socket",
    stat.S_IFDIR: "a directory",
}


def kind_of(mode: int) -> str:
    """What a file is, in words, from its st_mode."""
    return _KINDS.get(stat.S_IFMT(mode), "not a regular file")


def _fail(path: str, code: str, message: str) -> FollowupError:
    return FollowupError([Diagnostic(Location(path), code, message)])


def read_input(path: str, limit: int) -> tuple[str, bytes]:
    """(name to show in diagnostics, at most limit + 1 bytes) of `path`, or of stdin for "-"."""
    if path == "-":
        try:
            return STDIN, sys.stdin.buffer.read(limit + 1)
        except (OSError, ValueError, AttributeError) as exc:
            raise _fail(STDIN, "unreadable", str(exc)) from None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise _fail(path, "no-such-file", "file not found") from None
    except IsADirectoryError:
        raise _fail(path, "not-a-file", "is a directory, not a file") from None
    except OSError as exc:
        raise _fail(path, "unreadable", exc.strerror or str(exc)) from None
    with os.fdopen(fd, "rb") as fh:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise _fail(path, "not-a-file", f"is {kind_of(mode)}, not a regular file")
        try:
            return path, fh.read(limit + 1)
        except OSError as exc:
            raise _fail(path, "unreadable", exc.strerror or str(exc)) from None


def write_atomically(path: str, data: str | bytes) -> None:
    """Write the whole file or nothing. Refuses a target that exists and is not a regular file
    (a device, a FIFO, a directory); follows a symbolic link to the file it names; keeps an
    existing file's permission bits (a new file gets the usual ones, under the umask)."""
    target = os.path.realpath(path)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise _fail(path, "cannot-write", exc.strerror or str(exc)) from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise _fail(path, "not-a-file", f"is {kind_of(st.st_mode)}; give the path of a regular file")
    mode = stat.S_IMODE(st.st_mode) if st is not None else 0o666 & ~_umask()
    directory = os.path.dirname(target) or "."
    try:
        import tempfile  # here: reading commands never pay for its import

        fd, tmp = tempfile.mkstemp(prefix=".followup-", dir=directory)
    except OSError as exc:
        raise _fail(path, "cannot-write", exc.strerror or str(exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException as exc:  # an OSError, or an interrupt (Ctrl-C): no temporary file stays
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if not isinstance(exc, OSError):
            raise
        raise _fail(path, "cannot-write", exc.strerror or str(exc)) from None
    _sync_directory(directory)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _sync_directory(directory: str) -> None:
    """Make the rename itself durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
