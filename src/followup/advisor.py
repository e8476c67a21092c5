"""The pipeline in one place: load -> validate -> compile -> evaluate -> decide."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from .compiler import Compiled, compile_rules
from .decide import decide
from .engine import Evaluator
from .facts import compute
from .loader import Node, load_file
from .model import Recommendation, RuleSet, Scenario
from .rules import default_rules_dir, load_rules
from .scenario import validate_scenario


@dataclass
class Advisor:
    """A loaded, compiled rule set ready to answer any number of scenarios."""

    ruleset: RuleSet
    compiled: Compiled
    evaluator: Evaluator

    def scenario(self, node: Node, as_of: dt.date | None = None, today: dt.date | None = None) -> Scenario:
        return validate_scenario(node, self.ruleset, as_of=as_of, today=today)

    def evaluate(self, scenario: Scenario) -> Recommendation:
        assert scenario.as_of is not None
        facts, how = compute(scenario, scenario.as_of)
        firings = self.evaluator.evaluate(facts)
        rec = decide(self.ruleset, firings, facts, scenario.as_of)
        rec.how = how
        return rec

    def advise_file(self, path: str, as_of: dt.date | None = None,
                    today: dt.date | None = None) -> Recommendation:
        return self.evaluate(self.scenario(load_file(path, lenient=True), as_of=as_of, today=today))


_cache: dict[str, Advisor] = {}


def rules_dir(explicit: str | None = None) -> str:
    """--rules, else $FOLLOWUP_RULES, else the stock rules in the package."""
    return explicit or os.environ.get("FOLLOWUP_RULES") or default_rules_dir()


def load_advisor(directory: str | None = None) -> Advisor:
    """Load, validate and compile a rules directory (cached per directory in this process)."""
    path = os.path.abspath(rules_dir(directory))
    if path not in _cache:
        ruleset = load_rules(path)
        compiled = compile_rules(ruleset)
        _cache[path] = Advisor(ruleset, compiled, Evaluator(compiled, path))
    return _cache[path]
