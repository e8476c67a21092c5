"""The compiled-rules cache: a rules directory, validated and compiled, kept between processes in
the user's cache directory so a cold `followup advise` skips re-reading unchanged rules.

An entry is data only: a header line `followup-rules-cache KEY CHECKSUM` and the JSON of
cache_format.to_data, read back by cache_reader.from_data, which checks every value; nothing in it
is ever executed. KEY hashes the contents of the rule files and of the modules that produce an
entry (this package's core/*.py), the rules directory's path, the followup, format and Python
versions: an edit shows in the key whatever its size or modification time. CHECKSUM hashes the
JSON, so a damaged entry is a miss.

An entry is read or written only through a directory owned by the user and writable by no one
else; the entry must be a regular file with the same owner and mode (checked on the opened file,
never following a symlink, never blocking on a FIFO or device). Anything else, and any failure, is
a miss or a skipped write: no cache is only slower. Writes go to a temporary file in the same
directory (mode 0600), then os.replace; the temporary file is removed on failure.

read_data and write_data keep any other entry the same way (messages/template_cache.py: the
checked message templates); the caller's own reader checks every value of what it reads.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from typing import Any

from .compiler import Compiled
from .model import RuleSet

try:  # hashlib.blake2b is _blake2.blake2b; importing hashlib itself costs ~3 ms more (OpenSSL)
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - another Python implementation
    from hashlib import blake2b

MAGIC = b"followup-rules-cache"
MAX_HASHED = 1 << 20  # bytes of one rule file or module (the loader's limit for a rule file)
MAX_ENTRY = 16 << 20  # bytes of one cache entry (the stock rules take ~50 KB)
CODE = os.path.dirname(os.path.abspath(__file__))
_READ = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)


def cache_dir() -> str:
    """$FOLLOWUP_CACHE_DIR, else $XDG_CACHE_HOME/followup-advisor (~/.cache/followup-advisor); a
    relative XDG_CACHE_HOME is ignored, as the XDG base directory specification says."""
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    return os.environ.get("FOLLOWUP_CACHE_DIR") or os.path.join(
        xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache"), "followup-advisor"
    )


def cache_file(path: str) -> str | None:
    """Where the compiled rules of a directory are cached; None when caching is off, unsupported
    here, or a rule file or module cannot be read as a regular file."""
    if not enabled():
        return None
    key = cache_key(path)
    return None if key is None else os.path.join(cache_dir(), f"rules-{key}.json")


def hasher() -> Any:
    """A new hash of the kind entry keys are (BLAKE2b, 32 bytes)."""
    return blake2b(digest_size=32)


def enabled() -> bool:
    """Caching is on ($FOLLOWUP_CACHE is not `off`) and supported here."""
    return os.environ.get("FOLLOWUP_CACHE", "on") != "off" and _supported()


def cache_key(path: str) -> str | None:
    """A hash of everything an entry depends on (see the module docstring)."""
    from .cache_format import FORMAT
    from .version import __version__

    h = blake2b(digest_size=32)
    h.update(repr((FORMAT, __version__, sys.implementation.name, sys.version_info[:2])).encode())
    for directory, suffixes in ((path, (".yaml", ".yml")), (CODE, (".py",))):
        try:
            names = sorted(n for n in os.listdir(directory) if n.endswith(suffixes))
        except OSError:
            return None
        h.update(b"\0dir %d:%s %d\n" % (len(os.fsencode(directory)), os.fsencode(directory), len(names)))
        for name in names:
            data = read_regular(os.path.join(directory, name), MAX_HASHED)
            if data is None:
                return None
            h.update(b"%d:%s %d:" % (len(os.fsencode(name)), os.fsencode(name), len(data)))
            h.update(data)
    return h.hexdigest()


def read_cache(target: str | None) -> tuple[RuleSet, Compiled] | None:
    """The cached rules at `target` (from cache_file), or None for a miss: no entry, an unsafe
    directory or entry, or an entry that is not exactly what write_cache writes."""
    data = read_data(target)
    if data is None:
        return None
    from .cache_reader import from_data

    try:
        return from_data(data)
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss, never trusted
        return None


def read_data(target: str | None) -> Any:
    """The JSON data of the entry file `target` (its header checked), or None for a miss. Only the
    caller's own reader, checking every value, may turn it into anything else."""
    if target is None:
        return None
    base, name = os.path.split(target)
    dir_fd = _open_private_dir(base)
    if dir_fd is None:
        return None
    try:
        data = read_regular(name, MAX_ENTRY, dir_fd=dir_fd, private=True)
    finally:
        os.close(dir_fd)
    if data is None:
        return None
    head, newline, payload = data.partition(b"\n")
    if not newline or head != _header(name, payload):
        return None
    try:
        return json.loads(payload.decode("ascii"))
    except Exception:  # noqa: BLE001 - not ASCII JSON (or nested past the parser's limit): a miss
        return None


def write_cache(target: str | None, loaded: tuple[RuleSet, Compiled]) -> None:
    """Store compiled rules at `target`, atomically; skipped when the directory is not private."""
    if target is None:
        return
    from .cache_format import to_data

    try:
        data = to_data(*loaded)
    except Exception:  # noqa: BLE001 - rules the format cannot hold exactly are not cached
        return
    write_data(target, data)


def write_data(target: str, data: Any) -> None:
    """Store JSON data as the entry file `target`, atomically; skipped when the directory is not
    private or the data is not JSON."""
    base, name = os.path.split(target)
    try:
        entry = entry_bytes(name, data)
    except (TypeError, ValueError):
        return
    try:
        os.makedirs(base, mode=0o700, exist_ok=True)
    except OSError:
        return
    dir_fd = _open_private_dir(base)
    if dir_fd is None:
        return
    try:
        _store(dir_fd, name, entry)
    except OSError:
        pass  # no cache is only slower
    finally:
        os.close(dir_fd)


def entry_bytes(name: str, data: Any) -> bytes:
    """The bytes of the entry file `name` holding `data`: the header line, then the JSON."""
    payload = json.dumps(data, separators=(",", ":")).encode("ascii")  # ensure_ascii: always ASCII
    return _header(name, payload) + b"\n" + payload


def _supported() -> bool:
    """The calls the checks rely on exist (POSIX)."""
    return (
        hasattr(os, "geteuid")
        and hasattr(os, "O_NOFOLLOW")
        and hasattr(os, "O_DIRECTORY")
        and {os.open, os.stat, os.rename, os.unlink} <= os.supports_dir_fd
    )


def _private(st: os.stat_result) -> bool:
    """Owned by the user running followup and writable by no one else."""
    return st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _open_private_dir(path: str) -> int | None:
    """A descriptor of the cache directory if it is private, else None."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        if _private(os.fstat(fd)):
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def read_regular(path: str, limit: int, dir_fd: int | None = None, private: bool = False) -> bytes | None:
    """The bytes of a regular file of at most `limit` bytes, else None. Anything else at the path
    (a FIFO, a directory, a device) is neither opened when seen beforehand nor read when found
    afterwards; with `private`, symlinks are not followed and the file must be private."""
    try:
        before = os.stat(path, dir_fd=dir_fd, follow_symlinks=not private)
        if not stat.S_ISREG(before.st_mode):
            return None
        fd = os.open(path, _READ | (os.O_NOFOLLOW if private else 0), dir_fd=dir_fd)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > limit or (private and not _private(st)):
            return None
        parts = []
        left = limit + 1
        while left > 0:
            part = os.read(fd, left)
            if not part:
                break
            parts.append(part)
            left -= len(part)
    except OSError:
        return None
    finally:
        os.close(fd)
    data = b"".join(parts)
    return data if len(data) <= limit else None


def _store(dir_fd: int, name: str, data: bytes) -> None:
    """Write `name` in the directory atomically: a new temporary file (mode 0600, O_EXCL), then
    os.replace; on any failure, or an interrupt, the temporary file is removed."""
    tmp = f".{name}.{os.urandom(8).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o600, dir_fd=dir_fd)
    try:
        try:
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                if not written:
                    raise OSError(f"nothing written to {tmp}")
                view = view[written:]
        finally:
            os.close(fd)
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        try:
            os.unlink(tmp, dir_fd=dir_fd)
        except OSError:
            pass
        raise


def _header(name: str, payload: bytes) -> bytes:
    """The first line of the entry file `name` holding `payload`: its key and checksum."""
    key = name.removeprefix("rules-").removesuffix(".json")
    return b"%s %s %s" % (MAGIC, os.fsencode(key), blake2b(payload, digest_size=32).hexdigest().encode())
