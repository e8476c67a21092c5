"""A scenario in a URL: `?s=TOKEN`, the scenario's JSON compressed (zlib) and written in URL-safe
base64 without padding, so an answer page can be bookmarked and shared and nothing is stored on
the server. Bounded both ways: a token is at most MAX_TOKEN characters and expands to at most
loader.MAX_BYTES; anything else is a located diagnostic, never an exception."""

from __future__ import annotations

import base64
import binascii
import json
import zlib
from typing import Any

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import MAX_BYTES

MAX_TOKEN = 16_000  # characters: well inside what browsers and proxies accept in a URL
WHERE = Location("s")


def encode(scenario: dict[str, Any]) -> str:
    """The token for a scenario (plain JSON values)."""
    text = json.dumps(scenario, ensure_ascii=False, separators=(",", ":"), default=str)
    packed = zlib.compress(text.encode("utf-8"), 9)
    return base64.urlsafe_b64encode(packed).decode("ascii").rstrip("=")


def decode(token: str) -> Any:
    """The scenario's JSON value from a token; FollowupError when it is not one."""
    if len(token) > MAX_TOKEN:
        raise _bad("too-large", f"the shared scenario is {len(token)} characters; the limit is {MAX_TOKEN}")
    try:
        packed = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        inflater = zlib.decompressobj()
        data = inflater.decompress(packed, MAX_BYTES + 1)
    except (binascii.Error, ValueError, zlib.error):
        raise _bad("bad-link", "this link does not hold a scenario (was it cut short?)") from None
    if len(data) > MAX_BYTES or inflater.unconsumed_tail:
        raise _bad("too-large", f"the shared scenario expands beyond {MAX_BYTES} bytes")
    try:
        return json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise _bad("bad-link", "this link does not hold a scenario (was it cut short?)") from None


def _bad(code: str, message: str) -> FollowupError:
    return FollowupError([Diagnostic(WHERE, code, message, "start again from the form")])
