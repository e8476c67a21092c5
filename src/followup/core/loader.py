"""YAML/JSON text -> a tree of located values (every value keeps its file:line:col).

Only the YAML core types are built (str, int, float, bool as true/false, null, dates); any other
tag is refused, so no object is ever constructed from a document. Sizes are bounded: the file, the
number of values after alias expansion, and the nesting depth.

One module of some 360 lines on purpose: the limits, the parser's configuration, the precheck and
the tree builder guard one another (every limit is checked before the step it protects runs), and
a reader of one needs the others in view. flow_depth.py holds the one part that stands alone.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from .errors import Diagnostic, FollowupError, Location
from .files import read_input
from .flow_depth import TooDeep, check_flow_depth

MAX_BYTES = 1_048_576  # 1 MiB per file
MAX_VALUES = 50_000  # values after alias expansion (alias bombs)
MAX_DEPTH = 32  # nesting of mappings/sequences
MAX_STRING = 10_000  # characters in one string value
MAX_INT_BITS = 63  # whole numbers are signed 64-bit (what JSON readers and the engine expect)
_TOO_DEEP = f"values nest deeper than {MAX_DEPTH} levels"

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loader with YAML 1.2 booleans: only true/false, never yes/no/on/off."""


# YAML 1.1's int and float patterns without its base-60 numbers (1:30:00 = 5400): such values
# stay text here, as in YAML 1.2
_NUMBERS = {
    "tag:yaml.org,2002:int": re.compile(
        r"""^(?:[-+]?0b[0-1_]+
        |[-+]?0[0-7_]+
        |[-+]?(?:0|[1-9][0-9_]*)
        |[-+]?0x[0-9a-fA-F_]+)$""",
        re.X,
    ),
    "tag:yaml.org,2002:float": re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?
        |\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
}


def _without_sexagesimal(tag: str, rx: Any) -> Any:
    return _NUMBERS.get(tag, rx)


_Loader.yaml_implicit_resolvers = {
    first: [(tag, _without_sexagesimal(tag, rx)) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}
_constructor = yaml.constructor.SafeConstructor()

Scalar = str | int | float | bool | None | dt.date


_NO_KEYS: dict[str, Location] = {}
_NO_PROBLEMS: list[Diagnostic] = []


class Node:
    """A value from a document with where it stood. Mappings keep where each key stood."""

    __slots__ = ("value", "loc", "key_locs", "bad", "problems")

    def __init__(
        self,
        value: Any,
        loc: Location,
        key_locs: dict[str, Location] | None = None,
        bad: bool = False,
        problems: list[Diagnostic] | None = None,
    ):
        self.value = value  # dict[str, Node] | list[Node] | Scalar
        self.loc = loc
        # shared empty defaults: nodes are built per value, and these are only ever replaced
        self.key_locs = key_locs if key_locs is not None else _NO_KEYS
        self.bad = bad  # the loader already reported a problem with this value
        self.problems = problems if problems is not None else _NO_PROBLEMS  # root: non-fatal problems

    def __repr__(self) -> str:
        return f"Node({self.value!r}, {self.loc})"

    @property
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    @property
    def is_list(self) -> bool:
        return isinstance(self.value, list)

    def plain(self) -> Any:
        """The value without locations (dicts, lists, scalars)."""
        if isinstance(self.value, dict):
            return {k: v.plain() for k, v in self.value.items()}
        if isinstance(self.value, list):
            return [v.plain() for v in self.value]
        return self.value


def _short(value: Any, limit: int = 60) -> str:
    """repr() of a value for a message, cut to a readable length."""
    if isinstance(value, int) and value.bit_length() > 200:  # repr() of a huge int is slow or refused
        return f"a {value.bit_length()}-bit number"
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 5] + "...'"


def _loc(path: str, mark: Any) -> Location:
    return Location(path, mark.line + 1, mark.column + 1)


def _offset_location(path: str, data: bytes | str, offset: int) -> Location:
    """1-based line and column of an offset into bytes (a byte column) or text (a character one)."""
    newline: Any = b"\n" if isinstance(data, bytes) else "\n"
    line = data.count(newline, 0, offset) + 1
    column = offset - (data.rfind(newline, 0, offset) + 1) + 1
    return Location(path, line, column)


def _precheck(path: str, text: str) -> None:
    """Walk the parser's events (iteratively, no recursion) before building anything: refuse
    documents nested deeper than MAX_DEPTH or with more than MAX_VALUES values, early, so a
    hostile file costs little time and never reaches the recursive composer. Flow collections are
    measured on the text first (flow_depth.py): a parser reading ahead may stop on its own limit
    before the events reach this one. When they nest too deep, the events of the text up to the
    first too-deep bracket say where the document first went past the limit."""
    try:
        check_flow_depth(text, MAX_DEPTH)
    except TooDeep as exc:
        try:
            _walk_events(path, text[: exc.offset + 1])
        except yaml.YAMLError:
            pass
        raise FollowupError(
            [Diagnostic(_offset_location(path, text, exc.offset), "too-deep", _TOO_DEEP)]
        ) from None
    _walk_events(path, text)


def _walk_events(path: str, text: str) -> None:
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=_Loader):
        kind = type(event).__name__
        if kind in ("SequenceStartEvent", "MappingStartEvent"):
            depth += 1
            count += 1
            if depth > MAX_DEPTH:
                raise FollowupError([Diagnostic(_loc(path, event.start_mark), "too-deep", _TOO_DEEP)])
        elif kind in ("SequenceEndEvent", "MappingEndEvent"):
            depth -= 1
        elif kind in ("ScalarEvent", "AliasEvent"):
            count += 1
        if count > MAX_VALUES:
            message = f"document has more than {MAX_VALUES} values"
            raise FollowupError([Diagnostic(_loc(path, event.start_mark), "too-large", message)])


def _is_tab(text: str, index: int) -> bool:
    """Whether the parser stopped on a tab (or on the indentation before one)."""
    return 0 <= index < len(text) and (text[index] == "\t" or text[index:].lstrip(" ").startswith("\t"))


def decode(path: str, data: bytes) -> str:
    """Bytes -> text, refusing what is too large, empty or not UTF-8."""
    if len(data) > MAX_BYTES:
        raise FollowupError(
            [Diagnostic(Location(path), "too-large", f"file is {len(data)} bytes; the limit is {MAX_BYTES}")]
        )
    if b"\x00" in data:
        at = data.find(b"\x00")
        raise FollowupError(
            [
                Diagnostic(
                    _offset_location(path, data, at),
                    "binary",
                    "file contains NUL bytes; it is not a text file",
                )
            ]
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FollowupError(
            [
                Diagnostic(
                    _offset_location(path, data, exc.start),
                    "not-utf8",
                    f"byte 0x{data[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None
    if not text.strip() or all(
        not line.strip() or line.lstrip().startswith("#") for line in text.splitlines()
    ):
        raise FollowupError([Diagnostic(Location(path), "empty-file", "file is empty")])
    return text


def parse_text(path: str, text: str, lenient: bool = False) -> Node:
    """Text -> located tree. Raises FollowupError with every problem found while building it;
    with `lenient`, problems confined to single values (a duplicate key, a refused tag, an
    over-long string) are returned on `root.problems` and those values marked `bad`, so a
    validator can report its own findings beside them."""
    try:
        _precheck(path, text)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = _loc(path, mark) if mark else Location(path)
        problem = (exc.problem or "invalid YAML").strip()
        if "maximum nesting depth" in problem:  # the parser's own limit, should it come first
            raise FollowupError([Diagnostic(loc, "too-deep", _TOO_DEEP)]) from None
        if mark is not None and _is_tab(text, mark.index) and ("tab" in problem or "cannot start" in problem):
            raise FollowupError(
                [
                    Diagnostic(
                        loc,
                        "yaml-syntax",
                        "a tab character here: YAML indents with spaces, not tabs",
                        "replace the tab with spaces",
                    )
                ]
            ) from None
        context = f" {exc.context.strip()}" if exc.context else ""
        raise FollowupError([Diagnostic(loc, "yaml-syntax", f"{problem}{context}")]) from None
    except yaml.reader.ReaderError as exc:  # control characters and the like
        loc = _offset_location(path, text, exc.position)
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or " ")
        raise FollowupError(
            [Diagnostic(loc, "yaml-syntax", f"control character U+{char:04X} is not allowed")]
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = _loc(path, mark) if mark else Location(path)
        raise FollowupError([Diagnostic(loc, "yaml-syntax", str(exc).splitlines()[0])]) from None
    except RecursionError:
        raise FollowupError([Diagnostic(Location(path), "too-deep", "values nest too deeply")]) from None
    if root is None:
        raise FollowupError([Diagnostic(Location(path), "empty-file", "file is empty")])
    problems: list[Diagnostic] = []
    budget = [MAX_VALUES]
    try:
        tree = _build(path, root, problems, budget, 0)
    finally:  # the constructor remembers every object it built: forget them per document
        _constructor.constructed_objects.clear()
        _constructor.recursive_objects.clear()
    if problems and not lenient:
        raise FollowupError(problems)
    tree.problems = problems
    return tree


def load_file(path: str, lenient: bool = False) -> Node:
    """Read a YAML or JSON file ("-": standard input) into a located tree (see parse_text for
    `lenient`). Only regular files are read: a FIFO or a device is refused, never waited on."""
    name, data = read_input(path, MAX_BYTES)
    return parse_text(name, decode(name, data), lenient)


def _build(path: str, node: Any, problems: list[Diagnostic], budget: list[int], depth: int) -> Node:
    loc = _loc(path, node.start_mark)
    budget[0] -= 1
    if budget[0] < 0:
        problems.append(
            Diagnostic(loc, "too-large", f"document expands to more than {MAX_VALUES} values (aliases?)")
        )
        raise FollowupError(problems)
    if depth > MAX_DEPTH:
        problems.append(Diagnostic(loc, "too-deep", f"values nest deeper than {MAX_DEPTH} levels"))
        raise FollowupError(problems)
    if isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.tag not in (
        "tag:yaml.org,2002:map",
        "tag:yaml.org,2002:seq",
    ):
        problems.append(Diagnostic(loc, "unsupported-tag", f"tag {_short(node.tag)} is not allowed"))
        return Node(None, loc, bad=True)
    if isinstance(node, yaml.MappingNode):
        items: dict[str, Node] = {}
        key_locs: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key_loc = _loc(path, key_node.start_mark)
            if key_node.tag == "tag:yaml.org,2002:merge":
                problems.append(Diagnostic(key_loc, "unsupported-tag", "merge keys (<<) are not allowed"))
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(Diagnostic(key_loc, "wrong-type", "a key must be a plain word"))
                continue
            key = key_node.value
            if key in items:
                problems.append(Diagnostic(key_loc, "duplicate-key", f"key {_short(key)} appears twice"))
                continue
            items[key] = _build(path, value_node, problems, budget, depth + 1)
            key_locs[key] = key_loc
        return Node(items, loc, key_locs)
    if isinstance(node, yaml.SequenceNode):
        return Node([_build(path, v, problems, budget, depth + 1) for v in node.value], loc)
    # scalar
    if node.tag not in _SCALAR_TAGS:
        problems.append(Diagnostic(loc, "unsupported-tag", f"tag {_short(node.tag)} is not allowed"))
        return Node(None, loc, bad=True)
    if len(node.value) > MAX_STRING:
        problems.append(
            Diagnostic(loc, "too-long", f"value of {len(node.value)} characters; the limit is {MAX_STRING}")
        )
        return Node(None, loc, bad=True)
    try:
        value = _constructor.construct_object(node, deep=True)
    except (yaml.YAMLError, ValueError, OverflowError) as exc:
        if node.tag == "tag:yaml.org,2002:timestamp":
            return Node(node.value, loc)  # an impossible date stays text; validators say why
        problems.append(Diagnostic(loc, "bad-value", f"cannot read {_short(node.value)}: {exc}"))
        return Node(None, loc, bad=True)
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        message = f"the number is too large: whole numbers fit in {MAX_INT_BITS + 1} bits"
        problems.append(Diagnostic(loc, "bad-value", message))
        return Node(None, loc, bad=True)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() and value.tzinfo is None else value
    return Node(value, loc)


def from_plain(path: str, value: Any, line: int = 1) -> Node:
    """Wrap already-parsed JSON values (json.loads) as a tree, every node located at `line`: the
    fast path for many scenarios. Strings that look like dates stay strings, as in JSON. Callers
    re-parse with parse_text for exact locations when validation finds a problem."""
    return _wrap(value, Location(path, line, 1), 1)


def _wrap(value: Any, loc: Location, depth: int) -> Node:
    if isinstance(value, (dict, list)) and depth > MAX_DEPTH:
        raise FollowupError([Diagnostic(loc, "too-deep", f"values nest deeper than {MAX_DEPTH} levels")])
    if isinstance(value, dict):
        return Node({k: _wrap(v, loc, depth + 1) for k, v in value.items()}, loc, dict.fromkeys(value, loc))
    if isinstance(value, list):
        return Node([_wrap(v, loc, depth + 1) for v in value], loc)
    return Node(value, loc)
