"""core/jsonline.py load_json: a line's JSON read by one shared decoder, with the standard
library's own diagnostics (a BOM left inside the line, a duplicate key sent to the slow path)."""

from __future__ import annotations

import pytest

from followup.core.errors import FollowupError
from followup.core.jsonline import load_json


def test_a_bom_left_in_the_line_is_the_standard_librarys_json_syntax_error():
    """A second BOM (the first is taken off when the line is decoded): json's own message, column 1."""
    with pytest.raises(FollowupError) as caught:
        load_json("in.jsonl", 3, '\ufeff{"id": 1}')
    (d,) = caught.value.diagnostics
    assert (d.code, d.message, d.location.line, d.location.column) == (
        "json-syntax",
        "Unexpected UTF-8 BOM (decode using utf-8-sig)",
        3,
        1,
    )


def test_a_duplicate_key_is_read_but_kept_off_the_fast_path():
    """{"a": 1, "a": 2}: the value json gives (the last), and fast is False (advise's reading decides)."""
    assert load_json("in.jsonl", 1, '{"a": 1, "a": 2}') == ({"a": 2}, False)
    assert load_json("in.jsonl", 1, '{"a": 1, "b": 2}') == ({"a": 1, "b": 2}, True)
