"""The pipeline in one place: load -> validate -> compile -> evaluate -> decide."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from .cache import cache_file, read_cache, write_cache
from .compiler import Compiled
from .decide import decide
from .engine import Evaluator
from .facts import compute
from .loader import Node, load_file
from .model import Recommendation, RuleSet, Scenario
from .records import Record
from .scenario import validate_scenario


@dataclass(init=False, repr=False, eq=False)  # the methods: records.Record (a dataclass)
class Advisor(Record):
    """A loaded, compiled rule set ready to answer any number of scenarios."""

    ruleset: RuleSet
    compiled: Compiled
    evaluator: Evaluator

    def __init__(self, ruleset: RuleSet, compiled: Compiled, evaluator: Evaluator):
        self.ruleset, self.compiled, self.evaluator = ruleset, compiled, evaluator

    def scenario(self, node: Node, as_of: dt.date | None = None, today: dt.date | None = None) -> Scenario:
        return validate_scenario(node, self.ruleset, as_of=as_of, today=today)

    def evaluate(self, scenario: Scenario, accounts: bool = False) -> Recommendation:
        """The answer for a validated scenario (with `accounts`, also how each computed fact was
        computed, for explanations: rec.how)."""
        assert scenario.as_of is not None
        facts, how = compute(scenario, scenario.as_of, accounts)
        firings = self.evaluator.evaluate(facts)
        rec = decide(self.ruleset, firings, facts, scenario.as_of)
        rec.how = how
        return rec

    def advise_file(
        self, path: str, as_of: dt.date | None = None, today: dt.date | None = None
    ) -> Recommendation:
        return self.evaluate(self.scenario(load_file(path, lenient=True), as_of=as_of, today=today))


def default_rules_dir() -> str:
    """The stock rules: inside the installed package (followup/rules), or, in a source checkout
    used in place, the repository's rules/ directory."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "rules")
    if os.path.isfile(os.path.join(installed, "vocabulary.yaml")):
        return installed
    return os.path.normpath(os.path.join(package, "..", "..", "rules"))


_cache: dict[str, Advisor] = {}


def rules_dir(explicit: str | None = None) -> str:
    """--rules, else $FOLLOWUP_RULES, else the stock rules in the package."""
    if explicit or os.environ.get("FOLLOWUP_RULES"):
        return explicit or os.environ["FOLLOWUP_RULES"]
    return default_rules_dir()


def load_advisor(directory: str | None = None) -> Advisor:
    """Load, validate and compile a rules directory (cached per directory in this process, and
    across processes in the user's cache directory, keyed by the files' contents: a cold
    `followup advise` skips re-reading unchanged rules)."""
    path = os.path.abspath(rules_dir(directory))
    if path not in _cache:
        target = cache_file(path)  # keyed by the files as they are before reading them
        loaded = read_cache(target)
        if loaded is None:
            from .compiler import compile_rules
            from .rules import load_rules

            ruleset = load_rules(path)
            loaded = (ruleset, compile_rules(ruleset))
            if target is not None and cache_file(path) == target:  # not edited while being read
                write_cache(target, loaded)
        ruleset, compiled = loaded
        _cache[path] = Advisor(ruleset, compiled, Evaluator(compiled, path))
    return _cache[path]
