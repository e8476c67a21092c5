"""The flow-depth scanner (core/flow_depth.py): the loader's depth limit holds whatever the parser
does, and the scanner never counts deeper than the document really nests."""

from __future__ import annotations

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.core.errors import FollowupError
from followup.core.flow_depth import max_flow_depth
from followup.core.loader import MAX_DEPTH, parse_text


def _refusal(text: str) -> tuple[str, int, int]:
    try:
        parse_text("f.yaml", text)
    except FollowupError as exc:
        d = exc.diagnostics[0]
        return d.code, d.location.line, d.location.column
    return ("loaded", 0, 0)


def test_deep_flow_sequence_is_too_deep_before_the_parser_limit():
    """5,000 nested `[` (libyaml stops itself at 1,000) is the loader's own too-deep, at the 33rd."""
    assert _refusal("[" * 5000 + "]" * 5000) == ("too-deep", 1, MAX_DEPTH + 1)
    assert _refusal("a:\n  b: " + "[" * 1500 + "]" * 1500) == (
        "too-deep",
        2,
        6 + MAX_DEPTH - 2,
    )  # two mappings above it
    assert _refusal('{"a": ' * 2000 + "1" + "}" * 2000)[0] == "too-deep"


def test_the_limit_itself_loads_and_one_more_is_refused():
    """32 nested flow sequences load; 33 are too deep."""
    assert _refusal("[" * 32 + "]" * 32)[0] == "loaded"
    assert _refusal("[" * 33 + "]" * 33) == ("too-deep", 1, 33)


def test_brackets_inside_text_never_count():
    """Brackets in comments, quoted, block and plain (also multi-line) scalars are text."""
    deep = "[" * 40
    for text in (
        f"# {deep}\na: 1\n",
        f"a: '{deep}'\n",
        f'a: "{deep}"\n',
        f"a: x{deep}\n",
        f"a: |\n  {deep}\n  more\nb: 2\n",
        f"- >\n  {deep}\n",
        f"a: some text\n  {deep} more\n",
        f"- item\n  {deep}\n",
        f'{{"a": "{deep}", "b": [1, "]]]"]}}',
        f"[it's, '{deep}', \"{deep}\"]",
    ):
        assert _refusal(text)[0] == "loaded", text


def test_a_tab_used_for_indentation_is_named():
    """A tab in the indentation is reported as a tab, with what YAML wants instead."""
    for text in ("a:\n\tb: 1\n", "- x\n\t- y\n"):
        with_tab = None
        try:
            parse_text("f.yaml", text)
        except FollowupError as exc:
            with_tab = exc.diagnostics[0]
        assert with_tab is not None
        assert with_tab.render() == (
            "f.yaml:2:1: error: yaml-syntax: a tab character here: YAML indents with spaces, not tabs "
            "(replace the tab with spaces)"
        )


def _real_depth(text: str) -> int:
    depth = deepest = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):  # the pure-Python parser: no limit
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            deepest = max(deepest, depth)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
    return deepest


TEXT = st.text(alphabet="ab []{}#:'\",-?|>&*!\n\t", max_size=12)
LEAF = st.one_of(st.integers(), st.booleans(), st.none(), TEXT)
TREE = st.recursive(
    LEAF,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(TEXT, inner, max_size=4)),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(TREE, st.sampled_from([None, True, False]), st.integers(0, 3))
def test_scanner_never_counts_deeper_than_the_document(tree, flow_style, width_choice):
    """For any dumped document (block, flow or mixed style, text full of YAML's own characters),
    the scanner's flow depth is at most the real nesting depth; for a flow-only dump, exactly it."""
    width = [20, 40, 80, 10_000][width_choice]
    text = yaml.safe_dump(tree, default_flow_style=flow_style, width=width, allow_unicode=True)
    real = _real_depth(text)
    found = max_flow_depth(text)
    assert found <= real
    if flow_style is True and isinstance(tree, (list, dict)):
        assert found == real


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="a []{}#:'\"-\n ", max_size=60))
def test_scanner_never_refuses_what_the_parser_reads_shallow(text):
    """On arbitrary text the parser accepts, the scanner finds no deeper flow nesting than there is."""
    try:
        real = _real_depth(text)
    except yaml.YAMLError:
        return
    assert max_flow_depth(text) <= real
