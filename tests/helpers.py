"""Shared test helpers: paths, and copying the stock rules to edit them."""

from __future__ import annotations

import os
import shutil
from typing import Any

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RULES = os.path.join(ROOT, "rules")
SCENARIOS = os.path.join(ROOT, "scenarios")
GUIDANCE = os.path.join(ROOT, "..", "shared", "guidance.md")


def copy_rules(dest: str) -> str:
    """A copy of the stock rules in dest/rules, to edit."""
    target = os.path.join(dest, "rules")
    shutil.copytree(RULES, target)
    return target


def edit_yaml(path: str, change: Any) -> None:
    """Load a YAML file, let `change(data)` edit it in place, and write it back."""
    with open(path, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    change(data)
    with open(path, "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh, sort_keys=False, allow_unicode=True)


def add_rule_file(rules_dir: str, name: str, text: str) -> str:
    path = os.path.join(rules_dir, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
