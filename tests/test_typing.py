"""The source is type-checked: mypy --strict on src/ (the style the project keeps)."""

from __future__ import annotations

import os
import subprocess
import sys

from .helpers import ROOT


def test_mypy_strict_is_clean(tmp_path):
    """mypy --strict finds nothing in src/followup."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--config-file",
            os.path.join(ROOT, "pyproject.toml"),
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            os.path.join(ROOT, "src", "followup"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
