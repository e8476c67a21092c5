"""`followup init DIR`: a house copy of the stock rules and scenarios, with the JSON Schemas."""

from __future__ import annotations

import json
import os
import re
import shutil

from followup.core.advisor import default_rules_dir
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.rules import load_rules

from .schema import rules_schema, scenario_schema

SCHEMA_COMMENT = re.compile(r"^# yaml-language-server: \$schema=.*$", re.M)


def stock_scenarios_dir() -> str:
    """The stock scenarios: inside the installed package, or the checkout's scenarios/."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "stock_scenarios")
    if os.path.isdir(installed):
        return installed
    return os.path.normpath(os.path.join(package, "..", "..", "scenarios"))


def init(directory: str) -> int:
    """Copy rules/ and scenarios/ into DIR (which must not hold them yet) and write schemas/."""
    rules_dst = os.path.join(directory, "rules")
    scen_dst = os.path.join(directory, "scenarios")
    for path in (rules_dst, scen_dst):
        if os.path.exists(path):
            raise FollowupError(
                [Diagnostic(Location(path), "exists", "already exists; init never overwrites")]
            )
    try:
        shutil.copytree(default_rules_dir(), rules_dst, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        shutil.copytree(stock_scenarios_dir(), scen_dst, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
        os.makedirs(os.path.join(directory, "schemas"), exist_ok=True)
        ruleset = load_rules(rules_dst)
        for name, doc in (("rules", rules_schema(ruleset)), ("scenario", scenario_schema(ruleset))):
            with open(os.path.join(directory, "schemas", f"{name}.schema.json"), "w", encoding="utf-8") as fh:
                json.dump(doc, fh, indent=2)
                fh.write("\n")
    except OSError as exc:
        raise FollowupError(
            [Diagnostic(Location(directory), "cannot-write", exc.strerror or str(exc))]
        ) from None
    count = 2
    for root, _, files in os.walk(directory):
        for name in files:
            if not name.endswith(".yaml"):
                continue
            path = os.path.join(root, name)
            depth = os.path.relpath(root, directory).count(os.sep) + 1
            kind = "rules" if os.path.relpath(path, directory).startswith("rules") else "scenario"
            target = "../" * depth + f"schemas/{kind}.schema.json"
            _point_schema(path, target)
            count += 1
    return count


def _point_schema(path: str, target: str) -> None:
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except (UnicodeDecodeError, OSError):
        return  # deliberately broken fixture inputs stay byte for byte
    line = f"# yaml-language-server: $schema={target}"
    if SCHEMA_COMMENT.search(text):
        text = SCHEMA_COMMENT.sub(line.replace("\\", "\\\\"), text, count=1)
    else:
        return
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
