"""How deep a YAML text nests its flow collections (`[...]`, `{...}`), found from the text alone,
before any parser runs.

Why: the loader walks the parser's events and refuses a document nested deeper than its limit,
but a parser reads ahead. libyaml (bundled with PyYAML 6.0.4) scans a whole run of `[[[[...` on
one line before it emits the first event, and stops itself at 1,000 levels ("exceeded maximum
nesting depth"), so the loader's own limit never got to speak. Counting flow nesting in the text
first makes the limit hold whatever parser version is installed.

How: a small scanner that knows just enough YAML to find flow collections. In block context it
looks for a `[` or `{` only where a node can start (after indentation, `- `, `? `, `key: `, an
anchor or a tag), and skips comments, quoted scalars, block scalars (`|`, `>`) and multi-line
plain scalars, so brackets inside text never count. Inside a flow collection every bracket
outside a quoted scalar or a comment counts (flow plain scalars cannot hold brackets). Where the
scanner is unsure it counts less, never more: it never refuses a document the parser would read
within the limit; anything it misses is still caught by the event walk.
"""

from __future__ import annotations

import re

_DOUBLE = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)
_SINGLE = re.compile(r"'(?:[^']|'')*'", re.S)
_FLOW_SPECIAL = re.compile(r"[\[\]{},\"'#:?]")
_PLAIN_END = re.compile(r": |:$| #")


class TooDeep(Exception):
    """Flow collections nest deeper than the limit; `offset` is where the first too-deep one opens."""

    def __init__(self, offset: int):
        super().__init__(offset)
        self.offset = offset


def check_flow_depth(text: str, limit: int) -> None:
    """Raise TooDeep when flow collections nest deeper than `limit`. Cheap when the text has few
    brackets (nothing can nest deeper than the number of opening brackets)."""
    if text.count("[") + text.count("{") <= limit:
        return
    _Scanner(text, limit).run()


def max_flow_depth(text: str) -> int:
    """The deepest flow nesting the scanner finds (for tests)."""
    scanner = _Scanner(text, None)
    scanner.run()
    return scanner.deepest


class _Scanner:
    def __init__(self, text: str, limit: int | None):
        self.text = text
        self.limit = limit
        self.deepest = 0

    def run(self) -> None:
        text, n = self.text, len(self.text)
        pos = 0
        skip_deeper_than: int | None = None  # lines indented more than this belong to a scalar
        open_lines: list[int] = []  # indentation of the lines that may open an enclosing block
        while pos < n:
            end = text.find("\n", pos)
            end = n if end < 0 else end
            line = text[pos:end]
            body = line.lstrip(" ")
            indent = len(line) - len(body)
            if skip_deeper_than is not None:
                if not body.strip() or indent > skip_deeper_than:
                    pos = end + 1
                    continue
                skip_deeper_than = None
            if not body.strip() or body.startswith("#"):
                pos = end + 1
                continue
            while open_lines and open_lines[-1] >= indent:
                open_lines.pop()
            enclosing = open_lines[-1] if open_lines else -1
            open_lines.append(indent)
            pos, skip_deeper_than = self._block_line(pos + indent, enclosing)
            if pos <= end:
                pos = end + 1
                continue
            # a quoted scalar or flow collection ran over into later lines: the rest of the line
            # it ended on is still block context
            nl = text.find("\n", pos)
            nl = n if nl < 0 else nl
            rest = text[pos:nl]
            if rest.strip() and not rest.lstrip().startswith("#"):
                pos, skip_deeper_than = self._block_line(pos, enclosing)
            pos = max(pos, nl + 1)

    def _block_line(self, p: int, enclosing: int) -> tuple[int, int | None]:
        """Scan block context from p (a node start) to the end of its line. Returns where the
        scan stopped and, when a block or multi-line plain scalar may follow on more-indented
        lines, the indentation those lines must exceed: that of the key or `-` the scalar
        belongs to, else of the block enclosing the line."""
        text = self.text
        end = text.find("\n", p)
        end = len(text) if end < 0 else end
        parent = enclosing
        while p < end:
            c = text[p]
            if c in " \t":
                p += 1
            elif c == "#":
                return end, None
            elif c in "-?:" and (p + 1 >= end or text[p + 1] in " \t"):
                if c != ":":
                    parent = p - (text.rfind("\n", 0, p) + 1)
                p += 1
            elif text.startswith(("---", "..."), p) and (p + 3 >= end or text[p + 3] in " \t"):
                p += 3
            elif c in "&!*":
                while p < end and text[p] not in " \t":
                    p += 1
            elif c in "[{":
                p = self._flow(p)
                if p > end:
                    return p, None
                p = self._after_key(p, end)
                if p < 0:
                    return end, None
            elif c in "\"'":
                closed = (_DOUBLE if c == '"' else _SINGLE).match(text, p)
                if closed is None:
                    return len(text), None
                p = closed.end()
                if p > end:
                    return p, None
                p = self._after_key(p, end)
                if p < 0:
                    return end, None
            elif c in "|>":
                return end, parent
            else:  # a plain scalar: a key if `: ` follows on this line, else text to the line end,
                # continued on the lines indented more than the key or `-` it belongs to
                found = _PLAIN_END.search(text, p, end)
                if found is None:
                    return end, parent
                if found.group() == " #":
                    return end, None
                parent = p - (text.rfind("\n", 0, p) + 1)
                p = found.start() + 1
        return end, None

    def _after_key(self, p: int, end: int) -> int:
        """After a quoted or flow node: past its `:` when it is a key, else -1 (nothing to scan)."""
        text = self.text
        while p < end and text[p] in " \t":
            p += 1
        if p < end and text[p] == ":":
            return p + 1
        return -1

    def _flow(self, p: int) -> int:
        """Scan a flow collection opening at p; returns the offset just past its end."""
        text, n = self.text, len(self.text)
        depth = 0
        at_start = True
        while p < n:
            found = _FLOW_SPECIAL.search(text, p)
            if found is None:
                return n
            q = found.start()
            if q > p and text[p:q].strip():
                at_start = False
            c = text[q]
            if c in "[{":
                depth += 1
                if depth > self.deepest:
                    self.deepest = depth
                    if self.limit is not None and depth > self.limit:
                        raise TooDeep(q)
                at_start = True
                p = q + 1
            elif c in "]}":
                depth -= 1
                p = q + 1
                at_start = False
                if depth == 0:
                    return p
            elif c == "#":
                if q == 0 or text[q - 1] in " \t\n":
                    nl = text.find("\n", q)
                    p = n if nl < 0 else nl
                else:
                    at_start = False
                    p = q + 1
            elif c in "\"'":
                closed = (_DOUBLE if c == '"' else _SINGLE).match(text, q) if at_start else None
                if at_start and closed is None:
                    return n
                p = closed.end() if closed is not None else q + 1
                at_start = False
            else:  # , : ?
                at_start = True
                p = q + 1
        return n
