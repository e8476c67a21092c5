"""One scenario per line of JSON Lines text, read as `followup batch` reads it and validated with
advise's exact diagnostics, at SOURCE:LINE:COLUMN. Shared by batch (one worker per record) and the
tracker's `track import`; how a line is read, and why two paths, is told in followup.batch.

Line by line: bytes -> text (decode_line: binary, not-utf8, a blank line), text -> JSON value
(load_json: json-syntax), then validate_line: straight from the JSON value when the YAML reading
advise does could find nothing more (the fast path, core/plain.py: no located tree is built),
else read exactly as advise reads a file.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import Diagnostic, FollowupError, Location

if TYPE_CHECKING:  # pragma: no cover
    from .advisor import Advisor
    from .loader import Node
    from .model import Scenario


def relocate(diagnostics: list[Diagnostic], source: str, line: int) -> list[Diagnostic]:
    """Diagnostics about the line's text, moved from "line 1 of a document" to INPUT:line."""
    return [
        replace(d, location=Location(source, line, d.location.column or 1))
        if d.location.path == source
        else d
        for d in diagnostics
    ]


def decode_line(source: str, line: int, data: bytes) -> str:
    """Bytes -> text with advise's codes (binary, not-utf8) and `empty-file` for a blank line."""
    if b"\x00" in data:
        raise FollowupError(
            [
                Diagnostic(
                    Location(source, line, data.find(b"\x00") + 1),
                    "binary",
                    "line contains NUL bytes; it is not text",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FollowupError(
            [
                Diagnostic(
                    Location(source, line, exc.start + 1),
                    "not-utf8",
                    f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None
    if not text.strip():
        raise FollowupError([Diagnostic(Location(source, line, 1), "empty-file", "line is empty")])
    return text


class _DuplicateKey(Exception):
    pass


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        raise _DuplicateKey
    return obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.S)


def lone_surrogate(text: str) -> tuple[int, str] | None:
    """(column, escape) of the first \\uXXXX escape of half a UTF-16 surrogate pair without its
    other half, in a line that is valid JSON (where every backslash starts an escape)."""
    high: re.Match[str] | None = None
    for m in _ESCAPE.finditer(text):
        unit = int(m.group(1), 16) if m.group(1) else -1
        if high is not None and not (0xDC00 <= unit <= 0xDFFF and m.start() == high.end()):
            return high.start() + 1, high.group(0)
        if high is not None:  # a pair
            high = None
        elif 0xD800 <= unit <= 0xDBFF:
            high = m
        elif 0xDC00 <= unit <= 0xDFFF:
            return m.start() + 1, m.group(0)
    return (high.start() + 1, high.group(0)) if high is not None else None


# one decoder for every line (json.loads with a hook builds a new one per call); a leading BOM
# still goes to json.loads, for its own message
_DECODER = json.JSONDecoder(object_pairs_hook=_unique_pairs)


def load_json(source: str, line: int, text: str) -> tuple[Any, bool]:
    """The line as JSON, or a `json-syntax` diagnostic at the parser's column; and whether the
    fast path may validate that value as it is (loader.from_plain). It may when the YAML reading
    advise does could find nothing more: no duplicate key, no character or escape YAML refuses,
    and a line too short to hold a string over loader.MAX_STRING or to nest too deep to validate."""
    from yaml.reader import Reader

    from .loader import MAX_STRING, parse_text

    try:
        obj = json.loads(text) if text.startswith("\ufeff") else _DECODER.decode(text)
    except _DuplicateKey:
        return json.loads(text), False
    except json.JSONDecodeError as exc:
        raise FollowupError([Diagnostic(Location(source, line, exc.colno), "json-syntax", exc.msg)]) from None
    except RecursionError:  # deeper than json goes: what advise says about it
        parse_text(source, text, lenient=True)
        raise FollowupError(
            [Diagnostic(Location(source, line, 1), "too-deep", "values nest too deeply")]
        ) from None
    except ValueError as exc:  # e.g. an integer with too many digits
        raise FollowupError([Diagnostic(Location(source, line, 1), "json-syntax", str(exc))]) from None
    fast = (
        len(text) <= MAX_STRING
        and not Reader.NON_PRINTABLE.search(text)
        and not _SURROGATE_ESCAPE.search(text)
    )
    return obj, fast


def refuse_lone_surrogates(source: str, line: int, text: str) -> None:
    """A lone surrogate escape makes text that cannot be UTF-8: `not-utf8`, as a byte that is not
    UTF-8 would be (advise's YAML reader stops at it with a yaml-syntax error instead)."""
    lone = lone_surrogate(text) if _SURROGATE_ESCAPE.search(text) else None
    if lone is not None:
        column, escape = lone
        raise FollowupError(
            [
                Diagnostic(
                    Location(source, line, column),
                    "not-utf8",
                    f"{escape} escapes a lone UTF-16 surrogate, "
                    "which is not a character and has no UTF-8 form",
                    "write the character itself, or both halves of its surrogate pair",
                )
            ]
        )


def load_tree(source: str, text: str, obj: Any) -> Node:
    """The line as advise reads a file (located tree, lenient). JSON that the YAML reader refuses
    (surrogate-pair escapes such as \\ud83d\\ude00) is read again from its decoded form."""
    from .loader import parse_text

    try:
        return parse_text(source, text, lenient=True)
    except FollowupError as exc:
        if not any(d.code == "yaml-syntax" for d in exc.diagnostics):
            raise
        try:
            return parse_text(source, json.dumps(obj, ensure_ascii=False), lenient=True)
        except FollowupError:
            raise exc from None


def validate_line(
    advisor: Advisor,
    source: str,
    line: int,
    text: str,
    obj: Any,
    fast: bool,
    as_of: dt.date | None,
    today: dt.date | None,
) -> Scenario:
    """The line's scenario, validated as of `as_of` (else its own as_of, else `today`). Raises
    FollowupError with advise's diagnostics; call relocate() to place them at SOURCE:LINE."""
    if fast:
        from .plain import scenario_from_plain

        scenario = scenario_from_plain(obj, advisor.ruleset, source, as_of=as_of, today=today)
        if scenario is not None:
            return scenario  # else: read again as advise does, for its exact diagnostics
    else:
        refuse_lone_surrogates(source, line, text)
    return advisor.scenario(load_tree(source, text, obj), as_of=as_of, today=today)
