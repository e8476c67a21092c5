"""The compiled-rules cache: a rules directory, validated and compiled, kept between processes in
the user's cache directory so a cold `followup advise` skips re-reading unchanged rules."""

from __future__ import annotations

import os

from .compiler import Compiled
from .model import RuleSet


def cache_file(path: str) -> str | None:
    """Where the compiled rules of a directory are cached; None when caching is off."""
    if os.environ.get("FOLLOWUP_CACHE", "on") == "off":
        return None
    import sys
    import zlib

    from followup import __version__

    code = os.path.dirname(os.path.abspath(__file__))
    try:
        stats = sorted(
            (n, st.st_size, st.st_mtime_ns)
            for n in os.listdir(path)
            if n.endswith((".yaml", ".yml"))
            for st in [os.stat(os.path.join(path, n))]
        )
        # the code that validates and compiles is part of the key too (an edited checkout)
        stats += sorted(
            (n, st.st_size, st.st_mtime_ns)
            for n in os.listdir(code)
            if n.endswith(".py")
            for st in [os.stat(os.path.join(code, n))]
        )
    except OSError:
        return None
    base = os.environ.get("FOLLOWUP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "followup-advisor"
    )
    raw = repr((path, stats, __version__, sys.version_info[:2])).encode()
    key = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}{len(raw):x}"  # hashlib costs 2 ms to import
    return os.path.join(base, f"rules-{key}.pickle")


def read_cache(target: str | None) -> tuple[RuleSet, Compiled] | None:
    if target is None or not os.path.exists(target):
        return None
    import pickle

    try:
        with open(target, "rb") as fh:
            loaded = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a damaged cache entry is rebuilt
        return None
    if not (
        isinstance(loaded, tuple)
        and len(loaded) == 2
        and isinstance(loaded[0], RuleSet)
        and isinstance(loaded[1], Compiled)
    ):
        return None
    return loaded


def write_cache(target: str | None, loaded: tuple[RuleSet, Compiled]) -> None:
    if target is None:
        return
    import pickle
    import tempfile

    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".rules-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass  # no cache is only slower
