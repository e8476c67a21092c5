"""The only module that imports durable-rules. Evaluates compiled rules over one scenario's facts.

Safe use, following shared/durable-rules.md:
- one Host per process with its timer threads disabled (fault 8), rulesets registered once per
  rules digest from a fresh copy of the definition (fault 17);
- one fixed session id, reused: after each scenario every fact it stored is retracted, the
  scenario fact first; sessions are never deleted (faults 1, 2, 13);
- every action is wrapped: an exception inside it fails the evaluation loudly (fault 15);
- "no rule matched" and "already observed" are normal outcomes, not errors (fault 14);
- facts carry one type per field, and no free text (faults 11, 12).
"""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

from durable import engine as _durable

from .compiler import SCENARIO_KIND, Compiled, derived_kind, key
from .errors import Diagnostic, FollowupError, Location
from .facts import FACTS
from .model import Firing, Value

SID = "1"


class EngineError(FollowupError):
    """The engine failed on a scenario (an action raised, or the engine refused a fact)."""

    def __init__(self, source: str, message: str):
        super().__init__([Diagnostic(Location(source), "engine-error", message)])


class _Host(_durable.Host):
    def _run(self) -> None:  # no timer threads (fault 8)
        pass


_host: _Host | None = None
_registered: set[str] = set()


def _get_host() -> _Host:
    global _host
    if _host is None:
        _host = _Host()
    return _host


def version() -> str:
    from importlib.metadata import version as _v

    return _v("durable-rules")


class Evaluator:
    """Evaluates scenarios against one compiled rule set; any number of them, one at a time."""

    def __init__(self, compiled: Compiled, source: str = "<rules>"):
        self.compiled = compiled
        self.source = source
        self.name = compiled.name
        self._firings: list[Firing] = []
        self._stored: list[dict[str, Any]] = []
        self._errors: list[str] = []
        host = _get_host()
        if self.name not in _registered:
            definition = copy.deepcopy(compiled.definition)
            for rule_name in definition:
                definition[rule_name]["run"] = self._action(rule_name)
            host.register_rulesets({self.name: definition})
            _registered.add(self.name)
            _evaluators[self.name] = self
        else:
            # the ruleset's actions are bound to the first evaluator; share its state
            first = _evaluators[self.name]
            self._firings, self._stored, self._errors = first._firings, first._stored, first._errors
        self._host = host

    def _action(self, rule_name: str) -> Any:
        engine_rule = self.compiled.rules[rule_name]

        def run(c: Any) -> None:
            try:
                matched: dict[str, Value] = {}
                for fact in (c._m or {}).values():
                    kind = fact.get("kind")
                    if kind == SCENARIO_KIND:
                        for lit in engine_rule.literals:
                            if lit.fact in FACTS and key(lit.fact) in fact:
                                matched[lit.fact] = fact[key(lit.fact)]
                    elif isinstance(kind, str) and kind.startswith("d:"):
                        matched[kind[2:]] = fact.get("v")
                firings = self._firings
                firings.append(Firing(len(firings), engine_rule.rule, engine_rule.alternative, matched,
                                      engine_rule.asserts))
                for name, value in engine_rule.asserts:
                    fact = {"kind": derived_kind(name), "v": value, "sid": SID}
                    try:
                        c.assert_fact(fact)
                        self._stored.append(fact)
                    except (_durable.MessageObservedException, _durable.MessageNotHandledException):
                        pass
            except Exception as exc:  # noqa: BLE001 - recorded and re-raised after the assert
                self._errors.append(f"{engine_rule.rule}: {type(exc).__name__}: {exc}")

        return run

    def evaluate(self, facts: dict[str, Any]) -> list[Firing]:
        """Assert the scenario's facts, let the rules chain, return the firings in order."""
        self._firings.clear()
        self._stored.clear()
        self._errors.clear()
        scenario: dict[str, Any] = {"sid": SID, "kind": SCENARIO_KIND}
        for name, value in facts.items():
            spec = FACTS.get(name)
            if spec is None or spec.type == "text":
                continue
            scenario[key(name)] = value.isoformat() if isinstance(value, dt.date) else value
        try:
            try:
                self._host.assert_fact(self.name, scenario)
                self._stored.insert(0, scenario)
            except _durable.MessageNotHandledException:
                pass  # no rule matched: a defined outcome, nothing was stored
            except _durable.MessageObservedException:
                raise EngineError(self.source, "scenario fact was already in the session") from None
            except Exception as exc:  # the engine refused the fact (e.g. error 303)
                raise EngineError(self.source, f"the engine refused the scenario: {exc}") from None
            if self._errors:
                raise EngineError(self.source, "a rule's action failed: " + "; ".join(self._errors))
            return list(self._firings)
        finally:
            self._cleanup()

    def _cleanup(self) -> None:
        stored = list(self._stored)
        self._stored.clear()
        for fact in stored:  # the scenario fact first
            try:
                self._host.retract_fact(self.name, fact)
            except (_durable.MessageObservedException, _durable.MessageNotHandledException):
                pass


_evaluators: dict[str, Evaluator] = {}
