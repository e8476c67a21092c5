"""The stock rules: they load, cover the guidance, declare its conflicts; the digest; and the
rule validator's messages."""

from __future__ import annotations

import os
import re

import pytest

from followup.core.compiler import compile_rules
from followup.core.errors import FollowupError
from followup.core.rules import load_rules

from ..helpers import GUIDANCE, RULES, add_rule_file, copy_rules, edit_yaml


@pytest.fixture(scope="module")
def stock():
    return load_rules(RULES)


def _guidance() -> str:
    if not os.path.exists(GUIDANCE):
        pytest.skip("shared/guidance.md is not beside the checkout")
    with open(GUIDANCE, encoding="utf-8") as fh:
        return fh.read()


def test_stock_rules_load_and_compile(stock):
    """The stock rules validate and compile without a single diagnostic."""
    compiled = compile_rules(stock)
    assert len(stock.rules) >= 30
    assert set(compiled.depth) == {r.id for r in stock.rules}


def test_sources_file_lists_exactly_the_guidance_claims(stock):
    """rules/sources.yaml holds every claim id of shared/guidance.md and no other."""
    ids = re.findall(r"^- (\d{3}-\d{2}) ", _guidance(), flags=re.M)
    assert sorted(stock.claims) == sorted(ids)


def test_every_claim_is_cited_or_deliberately_not_encoded(stock):
    """Each claim is cited by a rule, or marked encoded: false with a reason, never both."""
    cited = {c for r in stock.rules for c in r.sources}
    for claim in stock.claims.values():
        if claim.encoded:
            assert claim.id in cited, f"{claim.id} is neither cited nor marked encoded: false"
        else:
            assert claim.reason.strip(), claim.id
            assert claim.id not in cited, f"{claim.id} is cited but marked not encoded"


def test_every_disagreement_of_the_guidance_is_a_declared_conflict(stock):
    """Each bullet under 'Where the articles disagree' maps to one conflict holding all its claims,
    and some rule decides each conflict."""
    text = _guidance().split("## Where the articles disagree", 1)[1]
    bullets = [b for b in text.splitlines() if b.startswith("- ")]
    assert len(bullets) == 3
    for bullet in bullets:
        claims = set(re.findall(r"\d{3}-\d{2}", bullet))
        for m in re.finditer(r"(\d{3})-(\d{2})\.\.(\d{2})", bullet):
            claims |= {f"{m.group(1)}-{n:02d}" for n in range(int(m.group(2)), int(m.group(3)) + 1)}
        owners = [c for c in stock.conflicts.values() if claims <= {x for s in c.sides for x in s.claims}]
        assert len(owners) == 1, bullet
    decided = {c for r in stock.rules for c, _ in r.decides}
    assert decided == set(stock.conflicts)


def test_digest_ignores_formatting_but_not_meaning(tmp_path, stock):
    """Re-serialising the YAML keeps the digest; changing one threshold changes it."""
    rules = copy_rules(str(tmp_path / "a"))
    for name in os.listdir(rules):
        edit_yaml(os.path.join(rules, name), lambda data: None)  # comments and layout are gone
    assert load_rules(rules).digest == stock.digest

    def bump(data):
        for rule in data["rules"]:
            if rule["id"] == "status-due":
                rule["when"]["all"][1][">="] = 8

    edit_yaml(os.path.join(rules, "timing.yaml"), bump)
    assert load_rules(rules).digest != stock.digest


BROKEN = """\
rules:
  - id: broken
    description: A rule with mistakes.
    sources: ["000-02", "009-01"]
    priority: -5
    when:
      all:
        - {fact: days_since_intervew, ">=": 7}
        - {fact: company.culture, equals: startupp}
        - not: {fact: next_contact, equals: status}
    then:
      action: send_follow_ups
    says: "{days_since_interview.__class__} days"
"""


def test_rule_validator_reports_every_problem_with_location(tmp_path):
    """One run reports all mistakes of a rule file, each located, with did-you-mean hints."""
    rules = copy_rules(str(tmp_path))
    path = add_rule_file(rules, "broken.yaml", BROKEN)
    with pytest.raises(FollowupError) as exc:
        load_rules(rules)
    got = [d.render() for d in exc.value.diagnostics]
    assert got == [
        f"{path}:4:25: error: unknown-claim: unknown claim id '009-01' (did you mean '004-01'?)",
        f"{path}:5:15: error: wrong-type: priority must be a whole number from 0 to 1000",
        f"{path}:8:18: error: unknown-fact: unknown fact 'days_since_intervew' "
        "(did you mean 'days_since_interview'?)",
        f"{path}:9:43: error: unknown-value: 'company.culture' has no value 'startupp' "
        "(did you mean 'startup'?)",
        f"{path}:10:16: error: negated-derived: 'next_contact' is derived by rules; a test on it "
        "cannot sit under 'not' (use a positive test, or a higher priority / overrides)",
        f"{path}:12:15: error: unknown-value: action: unknown value 'send_follow_ups' "
        "(did you mean 'send_follow_up'?)",
        f"{path}:13:11: error: unknown-placeholder: {{days_since_interview.__class__}} is not a "
        "fact or answer part (did you mean 'days_since_interview'?)",
    ]


def test_duplicate_ids_unknown_overrides_and_cycles_are_refused(tmp_path):
    """A duplicate rule id, an override of a missing rule, and a chaining cycle are errors."""
    rules = copy_rules(str(tmp_path))
    path = add_rule_file(
        rules,
        "dup.yaml",
        """\
rules:
  - id: status-due
    description: Duplicate id.
    sources: ["000-02"]
    overrides: [no-such-rule]
    then: {facts: {loop_a: true}}
    says: "x"
""",
    )
    with pytest.raises(FollowupError) as exc:
        load_rules(rules)
    codes = [d.code for d in exc.value.diagnostics]
    assert sorted(codes) == ["duplicate-id", "unknown-rule"], codes
    os.remove(path)
    add_rule_file(
        rules,
        "cycle.yaml",
        """\
rules:
  - id: loop-a
    description: A feeds B.
    sources: ["000-02"]
    when: {fact: loop_b, equals: true}
    then: {facts: {loop_a: true}}
    says: "a"
  - id: loop-b
    description: B feeds A.
    sources: ["000-02"]
    when: {fact: loop_a, equals: true}
    then: {facts: {loop_b: true}}
    says: "b"
""",
    )
    with pytest.raises(FollowupError) as exc:
        compile_rules(load_rules(rules))
    assert [d.code for d in exc.value.diagnostics] == ["chaining-cycle"]
    assert "loop-a -> loop-b -> loop-a" in exc.value.diagnostics[0].message


def test_placeholders_are_only_names_never_code(tmp_path, stock):
    """A sentence is filled by name lookup only: format specs and attributes are not run."""
    from followup.core.wording import fill

    assert fill("{a} and {b.__class__} and {c:>10}", {"a": 1}) == "1 and (not given) and (not given)"
