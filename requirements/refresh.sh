#!/bin/sh
# Regenerate the lock files from pyproject.toml and build.in (needs uv: pip install uv).
# One universal resolution covers every supported Python (markers where they differ).
set -eu
cd "$(dirname "$0")/.."
PY=3.11  # the oldest supported Python; the resolution is universal across 3.11-3.13
uv pip compile --quiet --universal --python-version "$PY" --generate-hashes \
    requirements/build.in -o requirements/build.lock
uv pip compile --quiet --universal --python-version "$PY" --generate-hashes \
    pyproject.toml --extra test -o requirements/test.lock
# the lowest runtime versions pyproject.toml admits, tested once per CI run
uv pip compile --quiet --universal --python-version "$PY" --generate-hashes \
    --resolution lowest-direct pyproject.toml -o requirements/lowest.lock
