"""Fixtures shared by the `followup batch` tests."""

from __future__ import annotations

from typing import Any

import pytest

from .helpers import batch, results, scenario, write_lines


@pytest.fixture(scope="session")
def big(tmp_path_factory: Any) -> tuple[str, list[dict[str, Any]]]:
    """3,000 records (line 1235 invalid) and the results of an uninterrupted run over them."""
    base = tmp_path_factory.mktemp("big")
    items: list[Any] = [scenario(i) for i in range(3000)]
    items[1234] = '{"id": "bad", "interview": {"date": "2026-11-05"}, "as_of": "2026-11-01"}'
    src = write_lines(base / "in.jsonl", items)
    out = base / "reference.jsonl"
    run = batch(src, "-o", str(out), "--workers", "2")
    assert run.returncode == 1, run.stderr
    return src, results(out)
