"""Hostile rule files: each one, dropped into a copy of the stock rules, makes `followup advise`
exit 2 with a located message, fast, with no traceback and nothing executed; and hypothesis
fuzzing of the rule loader and compiler."""

from __future__ import annotations

import glob
import os
import shutil
import time

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.cli import main
from followup.core.compiler import compile_rules
from followup.core.errors import FollowupError
from followup.core.rules import load_rules

from ..helpers import ROOT, RULES, copy_rules

HOSTILE = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "bad_rules", "*.yaml")))
EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")


OVERSIZED = "<generated: a comment line past the 1 MiB limit>"


@pytest.mark.parametrize(
    "path", HOSTILE + [OVERSIZED], ids=[os.path.basename(p) for p in HOSTILE] + ["oversized"]
)
def test_hostile_rule_file_is_refused_cleanly(path, tmp_path):
    """exit 2, every stderr line located in the hostile file or the rules directory, < 1 s."""
    rules = copy_rules(str(tmp_path))
    if path == OVERSIZED:
        target = os.path.join(rules, "zz-oversized.yaml")
        with open(target, "w", encoding="utf-8") as fh:
            fh.write("# " + "x" * (1024 * 1024 + 10) + "\n")
    else:
        target = os.path.join(rules, "zz-" + os.path.basename(path))
        shutil.copy(path, target)
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["advise", EXAMPLE, "--rules", rules])
    elapsed = time.perf_counter() - start
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line]
    assert lines and all(line.startswith((target + ":", rules + ":")) for line in lines), lines
    assert elapsed < 1.0, f"{elapsed:.2f}s"
    assert not os.path.exists("/tmp/followup-pwned-rules")


def test_the_hostile_corpora_are_big_enough():
    """At least 40 broken or hostile scenario and rule files in all."""
    scenarios = glob.glob(os.path.join(os.path.dirname(__file__), "bad_scenarios", "*"))
    assert len(HOSTILE) + 1 >= 12 and len(HOSTILE) + 1 + len(scenarios) >= 40


# ---- fuzzing: mutate the stock rules; the result loads and answers, or is refused ----------------

with open(os.path.join(RULES, "timing.yaml"), encoding="utf-8") as fh:
    TIMING = yaml.safe_load(fh)

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-5, 400),
    st.text(max_size=12),
    st.sampled_from(
        [
            "status",
            "final",
            "thank_you",
            "next_contact",
            "days_since_interview",
            ">=",
            "equals",
            "one_of",
            "all",
            "any",
            "not",
            "wait",
            "yes",
        ]
    ),
    st.lists(st.integers(0, 30), max_size=3),
)


@st.composite
def mutated(draw):
    """The timing rules with a few keys of a few rules replaced by arbitrary values."""
    import copy

    data = copy.deepcopy(TIMING)
    for _ in range(draw(st.integers(1, 4))):
        rule = draw(st.sampled_from(data["rules"]))
        path = [rule]
        node = rule
        while isinstance(node, (dict, list)) and node and draw(st.booleans()):
            key = draw(st.sampled_from(sorted(node) if isinstance(node, dict) else list(range(len(node)))))
            path.append(key)
            node = node[key]
        parent = rule
        for key in path[1:-1]:
            parent = parent[key]
        if len(path) > 1:
            parent[path[-1]] = draw(VALUES)
        else:
            rule[draw(st.sampled_from(["when", "then", "priority", "overrides", "sources", "extra"]))] = draw(
                VALUES
            )
    return data


@settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(mutated())
def test_fuzzed_rules_load_and_answer_or_are_refused(tmp_path_factory, data):
    """Any mutation either validates, compiles and gives exactly one answer, or is refused with
    located diagnostics; never another exception."""
    from followup.core.advisor import Advisor
    from followup.core.engine import Evaluator
    from followup.core.loader import load_file

    rules = copy_rules(str(tmp_path_factory.mktemp("fuzz")))
    with open(os.path.join(rules, "timing.yaml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(data, fh)
    try:
        ruleset = load_rules(rules)
        compiled = compile_rules(ruleset)
    except FollowupError as exc:
        assert exc.diagnostics and all(d.location.path.startswith(rules) for d in exc.diagnostics)
        return
    advisor = Advisor(ruleset, compiled, Evaluator(compiled, rules))
    try:
        rec = advisor.evaluate(advisor.scenario(load_file(EXAMPLE)))
    except FollowupError as exc:  # e.g. two equal-priority rules now disagree
        assert {d.code for d in exc.diagnostics} <= {"ambiguous-answer"}
        return
    assert rec.action in ruleset.vocabulary["answer.action"]
