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


def delete_rule(rules_dir: str, rule_id: str) -> None:
    """Remove a rule from its file and from every `overrides` list that names it."""
    for name in os.listdir(rules_dir):

        def drop(data: Any) -> None:
            if isinstance(data, dict) and isinstance(data.get("rules"), list):
                data["rules"] = [r for r in data["rules"] if r.get("id") != rule_id]
                for r in data["rules"]:
                    if rule_id in r.get("overrides", []):
                        r["overrides"].remove(rule_id)
                        if not r["overrides"]:
                            del r["overrides"]

        edit_yaml(os.path.join(rules_dir, name), drop)
