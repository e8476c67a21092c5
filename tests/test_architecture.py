"""The layout holds: the import-linter contracts in pyproject.toml are kept (and would catch a
wrong import), and ruff finds nothing to lint or reformat."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from .helpers import ROOT

BIN = os.path.dirname(sys.executable)


def _lint_imports(pythonpath: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run(
        [os.path.join(BIN, "lint-imports"), "--config", os.path.join(ROOT, "pyproject.toml"), "--no-cache"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=300,
    )


def test_import_contracts_are_kept():
    """Each layer imports only the layers below it; only core.engine imports durable-rules."""
    proc = _lint_imports(os.path.join(ROOT, "src"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


def test_an_upward_import_breaks_the_contract(tmp_path):
    """core importing the audit layer, the CLI importing the engine library, or the web layer
    importing its sibling the tracker, is reported."""
    shutil.copytree(os.path.join(ROOT, "src", "followup"), tmp_path / "followup")
    with open(tmp_path / "followup" / "core" / "facts.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom followup.audit import render  # noqa: E402,F401\n")
    with open(tmp_path / "followup" / "cli" / "answers.py", "a", encoding="utf-8") as fh:
        fh.write("\nimport durable_rules_engine  # noqa: E402,F401\n")
    with open(tmp_path / "followup" / "web" / "pages.py", "a", encoding="utf-8") as fh:
        fh.write("\nfrom followup.tracker import store  # noqa: E402,F401\n")
    proc = _lint_imports(str(tmp_path))
    assert proc.returncode != 0
    assert "followup.core.facts -> followup.audit.render" in proc.stdout
    assert "followup.cli.answers -> durable_rules_engine" in proc.stdout
    assert "followup.web.pages -> followup.tracker.store" in proc.stdout  # siblings


def test_ruff_lint_and_format_are_clean():
    """ruff check and ruff format --check pass on the sources, tests and bench."""
    for args in (["check", "."], ["format", "--check", "."]):
        proc = subprocess.run(
            [os.path.join(BIN, "ruff"), *args, "--no-cache"],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=300,
        )
        assert proc.returncode == 0, " ".join(args) + "\n" + proc.stdout + proc.stderr


MODULE_LINES, CLASS_LINES = 360, 160  # the "~350" and "~150"


def test_modules_and_classes_stay_small_or_say_why():
    """No module over ~350 lines and no class over ~150 unless its module docstring says why ("on purpose")."""
    import ast

    over = []
    for folder, _, names in os.walk(os.path.join(ROOT, "src", "followup")):
        for name in names:
            if not name.endswith(".py"):
                continue
            path = os.path.join(folder, name)
            with open(path, encoding="utf-8") as fh:
                source = fh.read()
            tree = ast.parse(source)
            doc = ast.get_docstring(tree) or ""
            why = "on purpose" in doc
            if source.count("\n") > MODULE_LINES and not why:
                over.append(f"{path}: {source.count(chr(10))} lines")
            for node in ast.walk(tree):
                if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > CLASS_LINES:
                    if not (why and node.name in doc):
                        over.append(f"{path}: class {node.name}, {node.end_lineno - node.lineno + 1} lines")
    assert not over, over
