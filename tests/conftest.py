"""Fixtures shared across the suite's folders."""

from __future__ import annotations

import pytest


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    """A private cache directory for the test (FOLLOWUP_CACHE_DIR), caching on; not created yet."""
    path = tmp_path / "cache"
    monkeypatch.setenv("FOLLOWUP_CACHE_DIR", str(path))
    monkeypatch.delenv("FOLLOWUP_CACHE", raising=False)
    return path
