"""A scenario given as Python values (a Mapping from the Python API, a parsed JSON request body)
-> the located tree the validator reads, each value located by its JSON pointer (RFC 6901) instead
of a line and column, under the same limits as a file (loader.py): values counted, nesting,
string length, 64-bit whole numbers, and only the types a YAML or JSON document can hold.

Problems confined to one value (a too-long string, a key that is not text, an object of another
type) are collected on the root's `problems` and the value marked bad, as the lenient file loader
does, so validation reports them beside its own findings. Iterative, so no input can exhaust the
stack.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from .errors import Diagnostic, FollowupError, Location
from .loader import _TOO_DEEP, MAX_DEPTH, MAX_INT_BITS, MAX_STRING, MAX_VALUES, Node, _short

SCALARS = (str, int, float, bool, dt.date, type(None))  # dt.datetime is a dt.date


def escape(key: str) -> str:
    """One reference token of a JSON pointer: `~` as `~0`, `/` as `~1`."""
    return key.replace("~", "~0").replace("/", "~1")


def from_mapping(value: Any, path: str = "scenario") -> Node:
    """Python values -> a located tree (see the module docstring). Raises FollowupError for what
    stops reading altogether (too deep, too many values); other problems are on `problems`."""
    problems: list[Diagnostic] = []
    count = 0
    root_box: list[Node] = []
    # (value, pointer, depth, where the built node goes: a list to append to, or (dict, key))
    todo: list[tuple[Any, str, int, Any]] = [(value, "", 0, root_box)]
    while todo:
        item, pointer, depth, into = todo.pop()
        loc = Location(path, pointer=pointer)
        count += 1
        if count > MAX_VALUES:
            raise FollowupError(
                [*problems, Diagnostic(loc, "too-large", f"the value holds more than {MAX_VALUES} values")]
            )
        node = _scalar(item, loc, problems)
        if node is None and depth >= MAX_DEPTH:
            raise FollowupError([*problems, Diagnostic(loc, "too-deep", _TOO_DEEP)])
        if node is None and isinstance(item, Mapping):
            items: dict[str, Node] = {}
            key_locs: dict[str, Location] = {}
            node = Node(items, loc, key_locs)
            pending = []
            for key, child in item.items():
                if not isinstance(key, str):
                    problems.append(Diagnostic(loc, "wrong-type", f"a key must be text, not {_short(key)}"))
                    continue
                surrogate = _not_utf8(key, loc, "a key")  # never echoed in a message or pointer
                if surrogate is not None:
                    problems.append(surrogate)
                    continue
                child_pointer = f"{pointer}/{escape(key)}"
                key_locs[key] = Location(path, pointer=child_pointer)
                pending.append((child, child_pointer, depth + 1, (items, key)))
            todo.extend(reversed(pending))  # popped, and so filled in, in the given order
        elif node is None and isinstance(item, (list, tuple)):
            children: list[Node] = []
            node = Node(children, loc)
            for index in reversed(range(len(item))):
                todo.append((item[index], f"{pointer}/{index}", depth + 1, children))
        elif node is None:
            problems.append(
                Diagnostic(loc, "wrong-type", f"a value of type {type(item).__name__} is not allowed here")
            )
            node = Node(None, loc, bad=True)
        if isinstance(into, list):
            into.append(node)
        else:
            into[0][into[1]] = node
    root = root_box[0]
    root.problems = problems
    return root


def _scalar(item: Any, loc: Location, problems: list[Diagnostic]) -> Node | None:
    """A scalar's node (bad when over a limit), or None for a mapping, a list or another type."""
    if not isinstance(item, SCALARS):
        return None
    if isinstance(item, str):
        if len(item) > MAX_STRING:
            problems.append(
                Diagnostic(loc, "too-long", f"value of {len(item)} characters; the limit is {MAX_STRING}")
            )
            return Node(None, loc, bad=True)
        surrogate = _not_utf8(item, loc, "the text")
        if surrogate is not None:
            problems.append(surrogate)
            return Node(None, loc, bad=True)
    elif isinstance(item, int) and not isinstance(item, bool) and item.bit_length() > MAX_INT_BITS:
        message = f"the number is too large: whole numbers fit in {MAX_INT_BITS + 1} bits"
        problems.append(Diagnostic(loc, "bad-value", message))
        return Node(None, loc, bad=True)
    elif isinstance(item, dt.datetime) and item.time() == dt.time() and item.tzinfo is None:
        item = item.date()  # as the file loader reads a midnight timestamp
    return Node(item, loc)


def _not_utf8(text: str, loc: Location, what: str) -> Diagnostic | None:
    """`not-utf8` when the text holds half of a surrogate pair (a JSON `\\ud800` escape, or a
    Python str), which no UTF-8 output can hold; else None."""
    if text.isascii():
        return None
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return Diagnostic(
            loc,
            "not-utf8",
            f"{what} holds U+{ord(text[exc.start]):04X}, half of a UTF-16 surrogate pair, "
            "which is not a character and has no UTF-8 form",
            "write the character itself",
        )
    return None
