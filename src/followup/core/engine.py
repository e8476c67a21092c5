"""The only module that imports durable-rules. Evaluates compiled rules over one scenario's facts.

It drives the engine's C extension (`durable_rules_engine`, part of durable-rules) directly, with
the same call sequence durable's own `Ruleset` uses (assert, start_action_for_state,
update_state, complete_and_start_action), minus its Python dispatch layer: no `Host`, so no timer
threads (fault 8) and no swallowed action exceptions (fault 15). Safe use, following
shared/durable-rules.md:
- each ruleset is created once per process per rules digest, from a fresh JSON copy (fault 17);
- one fixed session id, reused: after each scenario every fact it stored is retracted, the
  scenario fact first; sessions are never deleted (faults 1, 2, 13);
- an exception while handling an action abandons it and fails the evaluation loudly;
- "no rule matched" and "already observed" are normal outcomes, not errors (fault 14);
- facts carry one type per field, and no free text (faults 11, 12).

Python 3.13 removed `PyEval_CallObject`, which the extension calls only from the storage and
queue callbacks its `set_*_callback` functions install; this adapter never installs one. Loading
the extension with lazy symbol binding (RTLD_LAZY) defers resolving that symbol to a first call
that never comes, so the extension loads and works on 3.13 exactly as on 3.11. The binding mode
is changed only while this one import runs. (3.14 removes nothing else the extension uses: it
calls only PyArg_ParseTuple, Py_BuildValue, PyErr_*, PyLong_*, PyModule_* and reference counting.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from functools import partial
from typing import Any

from .compiler import SCENARIO_KIND, Compiled, derived_kind, key
from .errors import Diagnostic, FollowupError, Location
from .facts import FACTS
from .model import Firing, Value


def _load_extension() -> Any:
    """Import the engine's C extension with lazy symbol binding (see the module docstring)."""
    if "durable_rules_engine" in sys.modules or not hasattr(sys, "setdlopenflags"):
        import durable_rules_engine

        return durable_rules_engine
    flags = sys.getdlopenflags()
    sys.setdlopenflags((flags & ~os.RTLD_NOW) | os.RTLD_LAZY)
    try:
        import durable_rules_engine
    finally:
        sys.setdlopenflags(flags)
    return durable_rules_engine


_c = _load_extension()

SID = "1"
NOT_HANDLED, OBSERVED, QUEUED = 1, 2, 3  # result codes of the engine's assert/retract
_NOT_STORED = (NOT_HANDLED, OBSERVED)


class EngineError(FollowupError):
    """The engine failed on a scenario (an action raised, or the engine refused a fact)."""

    def __init__(self, source: str, message: str):
        super().__init__([Diagnostic(Location(source), "engine-error", message)])


_handles: dict[str, int] = {}
# engine property of each fact the engine sees (free text never enters a fact: faults 10, 11)
_ENGINE_KEYS = {name: key(name) for name, spec in FACTS.items() if spec.type != "text"}


def _matched(engine_rule: Any, message_text: str) -> dict[str, Value]:
    """The facts one firing matched, decoded from the engine's match record."""
    matched: dict[str, Value] = {}
    for fact in json.loads(message_text)[engine_rule.name].values():
        kind = fact.get("kind")
        if kind == SCENARIO_KIND:
            for lit in engine_rule.literals:
                if lit.fact in FACTS and key(lit.fact) in fact:
                    matched[lit.fact] = fact[key(lit.fact)]
        elif isinstance(kind, str) and kind.startswith("d:"):
            matched[kind[2:]] = fact.get("v")
    return matched


class Evaluator:
    """Evaluates scenarios against one compiled rule set; any number of them, one at a time."""

    def __init__(self, compiled: Compiled, source: str = "<rules>"):
        self.source = source
        self.name = compiled.name
        if self.name not in _handles:
            try:
                _handles[self.name] = _c.create_ruleset(self.name, json.dumps(compiled.definition))
            except Exception as exc:  # noqa: BLE001 - the engine's own refusal (e.g. error 108)
                raise FollowupError(
                    [Diagnostic(Location(source), "engine-limit", f"the engine refused the rules: {exc}")]
                ) from None
        self._h = _handles[self.name]
        self._rules = compiled.rules
        # per engine rule: what a firing records and the derived facts it asserts, as engine text
        self._plan = {
            name: (
                rule.rule,
                rule.alternative,
                rule.asserts,
                tuple(json.dumps({"kind": derived_kind(n), "v": v, "sid": SID}) for n, v in rule.asserts),
                rule,
            )
            for name, rule in compiled.rules.items()
        }

    def evaluate(self, facts: dict[str, Any]) -> list[Firing]:
        """Assert the scenario's facts, let the rules chain, return the firings in order."""
        scenario: dict[str, Any] = {"sid": SID, "kind": SCENARIO_KIND}
        for name, value in facts.items():
            prop = _ENGINE_KEYS.get(name)
            if prop is not None:
                scenario[prop] = value.isoformat() if isinstance(value, dt.date) else value
        text = json.dumps(scenario)
        stored: list[str] = []
        firings: list[Firing] = []
        try:
            try:
                code, state = _c.assert_fact(self._h, text)[:2]
            except Exception as exc:  # the engine refused the fact (e.g. error 303)
                raise EngineError(self.source, f"the engine refused the scenario: {exc}") from None
            if code == NOT_HANDLED:
                return firings  # no rule matched: a defined outcome, nothing was stored
            if code == OBSERVED:
                raise EngineError(self.source, "scenario fact was already in the session")
            stored.append(text)
            self._run_actions(0 if code == QUEUED else state, firings, stored)
            return firings
        finally:
            self._cleanup(stored)

    def _run_actions(self, state: int, firings: list[Firing], stored: list[str]) -> None:
        """Run every activation to completion. A failure while handling one is recorded and the
        activation still completed (abandoning it leaves the session unusable), then the
        evaluation fails loudly. (The hot path: one pass per firing, nothing built that is not
        needed; the facts a firing matched are decoded only when an explanation asks.)"""
        h, plan, errors = self._h, self._plan, []
        assert_fact, update_state, complete = _c.assert_fact, _c.update_state, _c.complete_and_start_action
        result = _c.start_action_for_state(h, state)
        while result:
            state_text, message_text = result[0], result[1]
            try:
                # the message is {"<rule id>#<n>": {alias: fact, ...}}: the rule name is its first key
                rule_id, alternative, asserts, texts, engine_rule = plan[
                    message_text[2 : message_text.index('"', 2)]
                ]
                firings.append(
                    Firing(
                        len(firings),
                        rule_id,
                        alternative,
                        None,
                        asserts,
                        partial(_matched, engine_rule, message_text),
                    )
                )
                for text in texts:
                    if assert_fact(h, text)[0] not in _NOT_STORED:
                        stored.append(text)
            except Exception as exc:
                rule = self._rules.get(next(iter(json.loads(message_text)), ""))
                errors.append(f"{rule.rule if rule else '?'}: {type(exc).__name__}: {exc}")
            update_state(h, state_text)
            message = complete(h, state)
            result = (state_text, message) if message else None
        if errors:
            raise EngineError(self.source, "a rule's action failed: " + "; ".join(errors))

    def _cleanup(self, stored: list[str]) -> None:
        """Retract everything the scenario left in the session, the scenario fact first."""
        for text in stored:
            code, state = _c.retract_fact(self._h, text)[:2]
            if code not in (NOT_HANDLED, OBSERVED, QUEUED):
                self._drain(state)

    def _drain(self, state: int) -> None:
        # retraction activates nothing in compiled rules (no negated patterns); complete any
        # activation anyway so the session is left clean
        result = _c.start_action_for_state(self._h, state)
        while result:
            result = _c.complete_and_start_action(self._h, state)
