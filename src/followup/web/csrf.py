"""Tokens against cross-site request forgery, for the forms that change the tracker's database
("I sent it today", "They replied").

The guard already refuses a POST whose Origin or Referer names another site; these tokens are a
second, independent lock. Each server process draws a random secret at start (never stored,
never sent); a form's token is HMAC-SHA256(secret, the path it posts to), in a hidden field. A
page on another site cannot read the token (the same-origin policy; the app answers no CORS
request, and its Host check stops DNS rebinding), so it cannot forge a form that passes. A
token from another process (a restarted server, another port) is refused: reload the page. No
cookie is involved, so there is no session to ride.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

FIELD = "csrf"  # the hidden field's name


class Tokens:
    """The tokens of one server process."""

    def __init__(self, secret: bytes | None = None):
        self._secret = secret if secret is not None else secrets.token_bytes(32)

    def token(self, action: str) -> str:
        """The token for a form that posts to `action` (a path)."""
        return hmac.new(self._secret, action.encode("utf-8"), hashlib.sha256).hexdigest()

    def valid(self, action: str, given: str) -> bool:
        """Whether `given` is this process's token for `action` (compared in constant time)."""
        expected = self.token(action).encode("ascii")
        return hmac.compare_digest(expected, given.encode("utf-8", "replace"))
