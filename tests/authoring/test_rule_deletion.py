"""Every rule matters: deleting any single rule makes at least one scenario fixture fail."""

from __future__ import annotations

import pytest

from followup.authoring.fixtures import fixture_files, load_cases, run_case
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.rules import load_rules

from ..helpers import RULES, SCENARIOS, copy_rules, delete_rule

STOCK = load_rules(RULES)
CASES = [c for f in fixture_files([SCENARIOS]) for c in load_cases(f)]


@pytest.mark.parametrize("rule_id", [r.id for r in STOCK.rules])
def test_deleting_the_rule_fails_a_fixture(rule_id, tmp_path):
    """With this one rule deleted, some fixture case no longer gets its expected answer."""
    rules = copy_rules(str(tmp_path))
    delete_rule(rules, rule_id)
    try:
        advisor = load_advisor(rules)
    except FollowupError as exc:
        # other rules test a fact value only this rule asserts: the validator refuses the rule
        # set, so every case fails to run; that is caught, loudly, by `followup advise` too
        assert exc.diagnostics[0].code in ("never-fires", "unknown-fact"), exc
        return
    assert rule_id not in {r.id for r in advisor.ruleset.rules}
    failed = [c.id for c in CASES if not run_case(c, advisor).passed]
    assert failed, f"no fixture case notices that rule {rule_id} was deleted"
