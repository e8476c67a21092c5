"""The engine's fault table (shared/durable-rules.md): our adapter must never reach a fault.

One test per applicable row. Each test runs its probe in a fresh interpreter
(`subprocess.run([sys.executable, "-c", ...], timeout=...)`), so a segfault or a hang fails
that one test instead of taking pytest down. The probe prints one `RESULT <json>` line that the
test reads.

Faults 3, 4 and 12 were first reached through paths the compiler did not count (one_of values,
derived fact kinds, != tests, thresholds spread over fields, mixed-type derived facts); those
tests now assert the refusal.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
STOCK = ROOT / "rules"
SPECIAL = ("vocabulary.yaml", "answer.yaml", "conflicts.yaml", "sources.yaml")

# ---- subprocess harness ----------------------------------------------------------------------

PRELUDE = '''
import json, sys, threading, time, datetime as dt
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.loader import parse_text

def scenario(adv, text):
    return adv.scenario(parse_text("scenario.yaml", text))

def answer(rec):
    return [rec.action, rec.verdict, rec.contact, str(rec.earliest), str(rec.latest),
            rec.channel, rec.summary, rec.advice, rec.fired]

def count(rec, rule_id):
    return sum(1 for f in rec.firings if f.rule == rule_id)

def diag(exc):
    return [[d.code, d.message] for d in exc.diagnostics]

def capture_engine_facts():
    """Record every fact the adapter hands to the engine, and every sid it uses; refuse delete_state."""
    import followup.core.engine as fe
    real = fe._c
    seen = {"facts": [], "sids": set()}
    class Spy:
        def __getattr__(self, name):
            return getattr(real, name)
        def assert_fact(self, handle, text):
            fact = json.loads(text)
            seen["facts"].append(fact); seen["sids"].add(fact.get("sid"))
            return real.assert_fact(handle, text)
        def retract_fact(self, handle, text):
            seen["sids"].add(json.loads(text).get("sid"))
            return real.retract_fact(handle, text)
        def delete_state(self, *a, **k):
            raise AssertionError("delete_state called (fault 1)")
    fe._c = Spy()
    return seen

def result(**kw):
    print("RESULT " + json.dumps(kw, default=str), flush=True)
'''


def run_probe(
    code: str, *args: str, timeout: float = 30
) -> tuple[subprocess.CompletedProcess[str] | None, Any]:
    """Run PRELUDE + code in a fresh interpreter; return (process, RESULT payload).

    The process is None when it hit the timeout (a hang)."""
    env = {k: v for k, v in os.environ.items() if k != "FOLLOWUP_RULES"}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", PRELUDE + textwrap.dedent(code), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            env=env,
        )
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        return None, {"timeout": timeout, "stdout before the hang": out}
    payload = None
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            payload = json.loads(line[len("RESULT ") :])
    return proc, payload


def ok(proc: subprocess.CompletedProcess[str] | None, what: str) -> None:
    """The probe ended by itself, with exit code 0."""
    assert proc is not None, f"{what}: the probe hung (timeout)"
    assert proc.returncode == 0, (
        f"{what}: the probe died with exit code {proc.returncode}"
        f"\n--- stdout\n{proc.stdout[-2000:]}\n--- stderr\n{proc.stderr[-3000:]}"
    )


# ---- rules directories -----------------------------------------------------------------------


def rule(rid: str, when: Any = None, then: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """One rule in the rules-file format (see rules/timing.yaml)."""
    r: dict[str, Any] = {"id": rid, "description": f"test rule {rid}", "sources": ["000-01"]}
    if when is not None:
        r["when"] = when
    r["then"] = then or {"advice": [f"advice from {rid}"]}
    r["says"] = f"{rid} fired."
    r.update(extra)
    return r


def rules_dir(tmp_path: Path, name: str, rules: list[dict[str, Any]], keep_stock: bool = False) -> str:
    """A copy of rules/ (only its vocabulary/answer/conflicts/sources unless keep_stock) plus
    one topic file holding `rules`."""
    path = tmp_path / name
    shutil.copytree(STOCK, path)
    if not keep_stock:
        for f in path.iterdir():
            if f.name not in SPECIAL:
                f.unlink()
        # answer.yaml may name derived facts of the stock rules (branch_facts): not ours
        answer = yaml.safe_load((path / "answer.yaml").read_text())
        answer.pop("branch_facts", None)
        (path / "answer.yaml").write_text(yaml.safe_dump(answer, sort_keys=False))
    if rules:
        with open(path / "zz_probe.yaml", "w") as fh:
            yaml.safe_dump({"topic": "probe", "rules": rules}, fh, sort_keys=False)
    return str(path)


DAYS = "days_since_interview"

# A tiny rule base: two rules derive the same fact, one reads it; a thank-you sent and 7-29
# days since the interview matches no rule at all.
TINY = [
    rule("early", {"fact": DAYS, "<": 7}, {"facts": {"stage": "early"}}),
    rule(
        "early-no-thanks",
        {"all": [{"fact": "thank_you_sent", "equals": False}, {"fact": DAYS, "<": 7}]},
        {"facts": {"stage": "early"}},
    ),
    rule(
        "act-early",
        {"fact": "stage", "equals": "early"},
        {"action": "send_thank_you", "verdict": "yes", "contact": 1},
    ),
    rule(
        "late",
        {"all": [{"fact": "thank_you_sent", "equals": False}, {"fact": DAYS, ">=": 30}]},
        {"action": "move_on", "verdict": "no"},
    ),
]
UNMATCHED = (
    "interview: {date: 2024-01-01}\nas_of: 2024-01-15\nhistory: [{kind: thank_you, date: 2024-01-02}]\n"
)
EARLY = "interview: {date: 2024-01-01}\nas_of: 2024-01-02\n"


def scenario_texts() -> list[str]:
    """A spread of valid scenarios over the facts the stock rules read."""
    out = []
    histories = [
        "[]",
        "[{kind: thank_you, date: 2024-01-02}]",
        "[{kind: thank_you, date: 2024-01-02}, {kind: follow_up, date: 2024-01-09}]",
        "[{kind: thank_you, date: 2024-01-02}, {kind: follow_up, date: 2024-01-09}, "
        "{kind: reply, date: 2024-01-10, outcome: pending}]",
        "[{kind: thank_you, date: 2024-01-02}, {kind: follow_up, date: 2024-01-09}, "
        "{kind: follow_up, date: 2024-01-17}]",
        "[{kind: thank_you, date: 2024-01-02}, {kind: reply, date: 2024-01-03, outcome: rejected}]",
    ]
    contexts = [
        "",
        "company: {culture: startup, size: small}\ninterview: {date: 2024-01-01, format: informal, medium: video}\n",
        "company: {culture: traditional, size: large}\nposition: {level: senior}\n"
        "contact: {interviewer_channel: linkedin, rapport: strong}\n",
    ]
    for h in histories:
        for c in contexts:
            for as_of in ("2024-01-20", "2024-02-20"):
                text = c if "interview:" in c else c + "interview: {date: 2024-01-01}\n"
                out.append(
                    text
                    + f"as_of: {as_of}\nhistory: {h}\n"
                    + ("timeline: {decision_by: 2024-01-25}\n" if h.count("follow_up") else "")
                )
    out.append(EARLY)
    return out


# ---- faults 1, 2, 13: sessions -----------------------------------------------------------------


def test_fault_1_2_13_many_scenarios_one_session(tmp_path: Path) -> None:
    """Faults 1/2/13: 3,000 evaluations (matched and unmatched) in one process, one sid, no delete_state, stable answers."""
    tiny = rules_dir(tmp_path, "tiny", TINY)
    proc, res = run_probe(
        """
        texts = json.loads(sys.argv[2])
        stock, tiny = load_advisor(None), load_advisor(sys.argv[1])
        seen = capture_engine_facts()
        cases = [(stock, scenario(stock, t)) for t in texts]
        cases += [(tiny, scenario(tiny, t)) for t in (UNMATCHED_T, EARLY_T)] * 10
        done = [0]
        def run(adv, sc):
            done[0] += 1
            try:
                return answer(adv.evaluate(sc))
            except FollowupError as exc:  # a rules problem, not the engine; still must be stable
                return ["rules-error", diag(exc)]
        first = [run(a, s) for a, s in cases]
        n = len(cases)
        for i in range(3000):
            run(*cases[i % n])
        last = [run(a, s) for a, s in cases]
        unmatched = answer(tiny.evaluate(scenario(tiny, UNMATCHED_T)))
        import followup.core.engine as fe
        left = {a.evaluator.name: json.loads(fe._c.get_facts(a.evaluator._h, "1")) for a in (stock, tiny)}
        result(stable=first == last, diff=[(f, l) for f, l in zip(first, last) if f != l][:3],
               sids=sorted(seen["sids"]), unmatched=unmatched, left=left, n=n, done=done[0],
               unmatched_cfg=tiny.ruleset.unmatched)
    """.replace("UNMATCHED_T", repr(UNMATCHED)).replace("EARLY_T", repr(EARLY)),
        tiny,
        json.dumps(scenario_texts()),
        timeout=45,
    )
    ok(proc, "3,000 evaluations")
    assert res["done"] >= 3000 + 2 * res["n"], res["done"]
    assert res["stable"], f"answers changed over 3,000 evaluations: {res['diff']}"
    assert res["sids"] == ["1"], f"more than one session id used: {res['sids']}"
    assert res["left"] == {k: [] for k in res["left"]}, f"facts left in the session: {res['left']}"
    assert res["unmatched"][:2] == [res["unmatched_cfg"]["action"], res["unmatched_cfg"]["verdict"]]
    assert res["unmatched"][-1] == []


# ---- fault 3: 512 distinct tests under one node ------------------------------------------------

REFUSE_PROBE = """
    try:
        load_advisor(sys.argv[1])
        result(refused=None)
    except FollowupError as exc:
        result(refused=diag(exc))
"""


def test_fault_3_too_many_distinct_tests_refused(tmp_path: Path) -> None:
    """Fault 3: 520 `equals` tests on one fact are refused by the compiler (engine-limit), no hang."""
    d = rules_dir(tmp_path, "r", [rule(f"eq-{i}", {"fact": DAYS, "equals": i}) for i in range(520)])
    proc, res = run_probe(REFUSE_PROBE, d, timeout=20)
    ok(proc, "520 equals tests")
    assert res["refused"], "the compiler accepted 520 distinct tests on one fact (fault 3 hangs at 512)"
    codes = {c for c, _ in res["refused"]}
    assert codes == {"engine-limit"}, res["refused"]
    assert any("distinct engine tests" in m and "512" in m for _, m in res["refused"]), res["refused"]


HANG_PROBE = """
    from followup.core.compiler import compile_rules
    from followup.core.rules import load_rules
    try:
        compile_rules(load_rules(sys.argv[1]))
    except FollowupError as exc:
        result(refused=diag(exc))
        sys.exit(0)
    print("compiler accepted it; registering and evaluating ...", flush=True)
    adv = load_advisor(sys.argv[1])
    print("registered", flush=True)
    rec = adv.evaluate(scenario(adv, EARLY_T))
    result(refused=None, fired=len(rec.fired))
""".replace("EARLY_T", repr(EARLY))


def test_fault_3_one_of_alternatives_counted(tmp_path: Path) -> None:
    """Fault 3: one `one_of` with 520 values must be refused (each value is a child test in the engine)."""
    d = rules_dir(tmp_path, "r", [rule("many", {"fact": DAYS, "one_of": list(range(520))})])
    proc, res = run_probe(HANG_PROBE, d, timeout=6)
    assert proc is not None, (
        "FAULT 3 REACHED: compiler accepted `one_of` with 520 values; "
        f"load_advisor hangs in register_rulesets: {res}"
    )
    ok(proc, "one_of 520")
    assert res["refused"] and {c for c, _ in res["refused"]} == {"engine-limit"}, res


def test_fault_3_derived_kinds_counted(tmp_path: Path) -> None:
    """Fault 3: 511 distinct derived facts (511 `kind` tests at the root) must be refused, not hang."""
    n = 511
    rules = [rule("make", {"fact": DAYS, "<": 7}, {"facts": {f"f{i}": True for i in range(n)}})]
    rules += [rule(f"use-{i}", {"fact": f"f{i}", "equals": True}) for i in range(n)]
    proc, res = run_probe(HANG_PROBE, rules_dir(tmp_path, "r", rules), timeout=8)
    assert proc is not None, (
        "FAULT 3 REACHED: compiler accepted 511 derived fact kinds; "
        f"the first evaluate hangs in assert_fact: {res}"
    )
    ok(proc, "511 derived kinds")
    assert res["refused"] and {c for c, _ in res["refused"]} == {"engine-limit"}, res


# ---- fault 4: > 64 satisfied sibling tests -----------------------------------------------------


def test_fault_4_threshold_ladder_refused(tmp_path: Path) -> None:
    """Fault 4: 70 rules `days_since_interview >= i` are refused by the compiler (engine-limit)."""
    d = rules_dir(tmp_path, "r", [rule(f"ge-{i}", {"fact": DAYS, ">=": i}) for i in range(70)])
    proc, res = run_probe(REFUSE_PROBE, d, timeout=20)
    ok(proc, "70 thresholds")
    assert res["refused"], "the compiler accepted a 70-step threshold ladder (fault 4 rejects > 64)"
    assert {c for c, _ in res["refused"]} == {"engine-limit"}, res["refused"]
    assert any("64" in m and DAYS in m for _, m in res["refused"]), res["refused"]


LADDERS = {
    "two-fields": [rule(f"a-{i}", {"fact": DAYS, ">=": i}) for i in range(35)]
    + [rule(f"b-{i}", {"fact": "days_since_thank_you", ">=": i}) for i in range(35)],
    "not-equals": [rule(f"n-{i}", {"not": {"fact": DAYS, "equals": i}}) for i in range(70)],
}
LADDER_SCENARIO = (
    "interview: {date: 2024-01-01}\nas_of: 2024-06-01\nhistory: [{kind: thank_you, date: 2024-01-02}]\n"
)


@pytest.mark.parametrize("ladder", sorted(LADDERS))
def test_fault_4_sibling_limit_across_fields(tmp_path: Path, ladder: str) -> None:
    """Fault 4: > 64 simultaneously true tests on the scenario fact must be refused at compile time."""
    proc, res = run_probe(
        """
        try:
            adv = load_advisor(sys.argv[1])
        except FollowupError as exc:
            result(refused=diag(exc)); sys.exit(0)
        try:
            rec = adv.evaluate(scenario(adv, sys.argv[2]))
            result(refused=None, answer=answer(rec))
        except Exception as exc:
            result(refused=None, error=f"{type(exc).__module__}.{type(exc).__name__}: {exc}")
    """,
        rules_dir(tmp_path, "r", LADDERS[ladder]),
        LADDER_SCENARIO,
        timeout=20,
    )
    ok(proc, ladder)
    assert res["refused"] and {c for c, _ in res["refused"]} == {"engine-limit"}, (
        f"FAULT 4 REACHED ({ladder}): compiler accepted it; evaluate gave {res}"
    )


# ---- fault 19: the match stack counts nodes, not distinct tests --------------------------------

# The same 30 thresholds under two prefixes: `culture = startup` alone (35 thresholds) and
# `culture = startup, thank_you_sent = true` (30 of the same thresholds). Only 35 distinct tests
# on days_since_interview, but 65 nodes one fact can need on the engine's 64-entry stack.
NODE_LADDERS = [
    rule(f"a-{i}", {"all": [{"fact": "company.culture", "equals": "startup"}, {"fact": DAYS, ">": i}]})
    for i in range(35)
] + [
    rule(
        f"b-{i}",
        {
            "all": [
                {"fact": "company.culture", "equals": "startup"},
                {"fact": "thank_you_sent", "equals": True},
                {"fact": DAYS, ">": i},
            ]
        },
    )
    for i in range(30)
]


def _far_and_near(days: int) -> str:
    import datetime as dt

    as_of = dt.date(2024, 1, 1) + dt.timedelta(days=days)
    return (
        f"company: {{culture: startup}}\ninterview: {{date: 2024-01-01}}\nas_of: {as_of}\n"
        "history: [{kind: thank_you, date: 2024-01-02}]\n"
    )


def test_fault_19_thresholds_under_two_prefixes_refused(tmp_path: Path) -> None:
    """Fault 19: thresholds repeated under two prefixes are refused (engine-limit at a rule), and
    without that refusal the engine really rejects a scenario far from the thresholds (303)."""
    d = rules_dir(tmp_path, "r", NODE_LADDERS)
    proc, res = run_probe(REFUSE_PROBE, d, timeout=20)
    ok(proc, "node ladders")
    assert res["refused"], "the compiler accepted thresholds under two prefixes (fault 19)"
    assert {c for c, _ in res["refused"]} == {"engine-limit"}, res["refused"]
    assert any("64" in m and DAYS in m and "303" in m for _, m in res["refused"]), res["refused"]
    proc, res = run_probe(
        """
        import followup.core.engine_limits as el
        el.check = lambda definition: []  # what the compiler accepted before it counted nodes
        adv = load_advisor(sys.argv[1])
        out = {}
        for name, text in (("near", sys.argv[2]), ("far", sys.argv[3])):
            try:
                adv.evaluate(scenario(adv, text))
                out[name] = "answered"
            except FollowupError as exc:
                out[name] = diag(exc)
        result(**out)
    """,
        d,
        _far_and_near(15),
        _far_and_near(111),
        timeout=20,
    )
    ok(proc, "node ladders, unchecked")
    assert res["near"] == "answered", res
    assert res["far"] != "answered" and "303" in res["far"][0][1], res


def test_fault_19_located_at_a_rule_and_reported_by_lint(tmp_path: Path) -> None:
    """Fault 19: the refusal names a rule's file and line; `followup lint` reports it too."""
    d = rules_dir(tmp_path, "r", NODE_LADDERS)
    proc = subprocess.run(
        [sys.executable, "-m", "followup.cli", "lint", "--rules", d],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = [line for line in proc.stdout.splitlines() if ": error: engine-limit:" in line]
    assert found, proc.stdout
    path, line = found[0].split(":")[:2]
    assert path.endswith(".yaml") and int(line) > 1, found[0]


# ---- fault 20: many rules ending on one identical condition -------------------------------------


def test_fault_20_rules_sharing_one_condition_refused(tmp_path: Path) -> None:
    """Fault 20: 300 rules with one identical `when` are a located engine-limit, not error 108."""
    same = {"all": [{"fact": DAYS, ">=": 3}, {"fact": "company.culture", "equals": "startup"}]}
    d = rules_dir(tmp_path, "r", [rule(f"same-{i}", same) for i in range(300)])
    proc, res = run_probe(REFUSE_PROBE, d, timeout=30)
    ok(proc, "256 identical conditions")
    assert res["refused"] and {c for c, _ in res["refused"]} == {"engine-limit"}, res
    assert any("108" in m and "256" in m for _, m in res["refused"]), res["refused"]


def test_fault_20_raw_engine_error_is_a_located_rules_error(tmp_path: Path) -> None:
    """Fault 20: should the engine still refuse a rule set, its raw error becomes engine-limit.
    (300, not 257: the engine's check reads one slot past its 256-entry table, so the 257th rule
    on one condition either fails or silently writes into the next table; from the 258th it fails.)"""
    same = {"all": [{"fact": DAYS, ">=": 3}, {"fact": "company.culture", "equals": "startup"}]}
    d = rules_dir(tmp_path, "r", [rule(f"same-{i}", same) for i in range(300)])
    proc, res = run_probe(
        """
        import followup.core.engine_limits as el
        el.check = lambda definition: []
        try:
            load_advisor(sys.argv[1])
            result(refused=None)
        except FollowupError as exc:
            result(refused=diag(exc))
    """,
        d,
        timeout=30,
    )
    ok(proc, "raw engine error")
    assert res["refused"] and res["refused"][0][0] == "engine-limit", res
    assert "108" in res["refused"][0][1], res


# ---- fault 5: > 16 patterns in one all ---------------------------------------------------------


def test_fault_5_pattern_limit(tmp_path: Path) -> None:
    """Fault 5: 16 patterns in one engine rule evaluate; 17 are refused (too-complex), never error 304."""

    def rules(n: int) -> list[dict[str, Any]]:
        flags = {f"f{i}": True for i in range(n)}
        return [
            rule("make", {"fact": DAYS, "<": 7}, {"facts": flags}),
            rule("use", {"all": [{"fact": DAYS, "<": 7}] + [{"fact": f, "equals": True} for f in flags]}),
        ]

    proc, res = run_probe(
        """
        adv = load_advisor(sys.argv[1])
        patterns = max(len(r["all"]) for r in adv.compiled.definition.values())
        rec = adv.evaluate(scenario(adv, EARLY_T))
        try:
            load_advisor(sys.argv[2])
            refused = None
        except FollowupError as exc:
            refused = diag(exc)
        result(patterns=patterns, use=count(rec, "use"), refused=refused)
    """.replace("EARLY_T", repr(EARLY)),
        rules_dir(tmp_path, "p16", rules(15)),
        rules_dir(tmp_path, "p17", rules(16)),
        timeout=20,
    )
    ok(proc, "16/17 patterns")
    assert res["patterns"] == 16 and res["use"] == 1, res
    assert res["refused"] and res["refused"][0][0] == "too-complex", res
    assert "more than 16 facts" in res["refused"][0][1]


# ---- fault 6: cross-fact joins ---------------------------------------------------------------


def test_fault_6_no_cross_fact_references(tmp_path: Path) -> None:
    """Fault 6: no compiled condition reads another fact's value (every operand is a constant)."""
    proc, res = run_probe(
        """
        from followup.core.compiler import compile_rules
        from followup.core.rules import load_rules
        bad, tests = [], 0
        def walk(expr, aliases, where):
            global tests
            assert isinstance(expr, dict) and len(expr) == 1, (where, expr)
            (op, arg), = expr.items()
            if op in ("$and", "$or"):
                for e in arg:
                    walk(e, aliases, where)
                return
            tests += 1
            if op.startswith("$"):
                assert isinstance(arg, dict) and len(arg) == 1, (where, expr)
                (field, value), = arg.items()
            else:
                field, value = op, arg
            if isinstance(value, (dict, list)) or field in aliases:
                bad.append([where, expr])
        for d in sys.argv[1:]:
            for name, r in compile_rules(load_rules(d)).definition.items():
                aliases = {a for p in r["all"] for a in p}
                for p in r["all"]:
                    (alias, expr), = p.items()
                    walk(expr, aliases, name)
        result(bad=bad, tests=tests)
    """,
        str(STOCK),
        rules_dir(tmp_path, "tiny", TINY),
        timeout=20,
    )
    ok(proc, "definition walk")
    assert res["tests"] > 50
    assert res["bad"] == [], f"conditions referencing another fact: {res['bad']}"


# ---- fault 7: patterns with only $ex/$nex ------------------------------------------------------


def test_fault_7_every_pattern_has_kind_and_fires_once(tmp_path: Path) -> None:
    """Fault 7: each compiled pattern starts with a positive `kind` test; exists-only rules fire once."""
    d = rules_dir(
        tmp_path,
        "r",
        [
            rule("medium-given", {"fact": "interview.medium", "exists": True}),
            rule("medium-absent", {"fact": "interview.medium", "exists": False}),
            rule("medium-not-given", {"not": {"fact": "interview.medium", "exists": True}}),
            rule("always"),
        ],
    )
    proc, res = run_probe(
        """
        from followup.core.compiler import compile_rules
        from followup.core.rules import load_rules
        bad = []
        for d in sys.argv[1:]:
            for name, r in compile_rules(load_rules(d)).definition.items():
                for p in r["all"]:
                    (alias, expr), = p.items()
                    first = expr["$and"][0] if "$and" in expr else expr
                    if list(first) != ["kind"] or not isinstance(first["kind"], str):
                        bad.append([name, p])
        adv = load_advisor(sys.argv[2])
        counts = {}
        for text in ("interview: {date: 2024-01-01, medium: video}\\nas_of: 2024-01-02\\n",
                     "interview: {date: 2024-01-01}\\nas_of: 2024-01-02\\n"):
            rec = adv.evaluate(scenario(adv, text))
            counts[text[:40]] = {r: count(rec, r) for r in
                                 ("medium-given", "medium-absent", "medium-not-given", "always")}
        result(bad=bad, counts=list(counts.values()))
    """,
        str(STOCK),
        d,
        timeout=20,
    )
    ok(proc, "exists-only rules")
    assert res["bad"] == [], f"patterns without a leading positive kind test: {res['bad']}"
    given, absent = res["counts"]
    assert given == {"medium-given": 1, "medium-absent": 0, "medium-not-given": 0, "always": 1}, given
    assert absent == {"medium-given": 0, "medium-absent": 1, "medium-not-given": 1, "always": 1}, absent


# ---- fault 8: timer threads ------------------------------------------------------------------


def test_fault_8_no_timer_threads() -> None:
    """Fault 8: loading and evaluating start no thread; after 1.5 s idle evaluation still works, on the main thread."""
    proc, res = run_probe(
        """
        import followup.core.engine as fe
        before = threading.active_count()
        adv = load_advisor(None)
        sc = scenario(adv, EARLY_T)
        threads = set()
        real = fe.Firing
        def firing(*a, **k):
            threads.add(threading.current_thread().name)
            return real(*a, **k)
        fe.Firing = firing
        one = answer(adv.evaluate(sc))
        after = threading.active_count()
        time.sleep(1.5)
        two = answer(adv.evaluate(sc))
        result(before=before, after=after, idle=threading.active_count(), same=one == two,
               threads=sorted(threads), names=[t.name for t in threading.enumerate()])
    """.replace("EARLY_T", repr(EARLY)),
        timeout=20,
    )
    ok(proc, "timer threads")
    assert res["before"] == res["after"] == res["idle"] == 1, res
    assert res["same"], "the answer changed after idling"
    assert res["threads"] == ["MainThread"], f"actions ran on other threads: {res['threads']}"


# ---- fault 9: $or fires once per true alternative ----------------------------------------------


def test_fault_9_any_with_two_true_alternatives_concludes_once(tmp_path: Path) -> None:
    """Fault 9: an `any` (or duplicated one_of) with two true alternatives is fired and concluded once."""
    d = rules_dir(
        tmp_path,
        "r",
        [
            rule(
                "both",
                {"any": [{"fact": DAYS, "<": 7}, {"fact": "thank_you_sent", "equals": False}]},
                {"facts": {"next_step": "thanks"}, "advice": ["Say thanks once."]},
            ),
            rule(
                "twice-listed",
                {"fact": "interview.format", "one_of": ["unknown", "unknown"]},
                {"facts": {"fmt": "plain"}},
            ),
            rule(
                "down",
                {"fact": "next_step", "equals": "thanks"},
                {"action": "send_thank_you", "verdict": "yes"},
            ),
            rule("down-fmt", {"fact": "fmt", "equals": "plain"}),
        ],
    )
    proc, res = run_probe(
        """
        adv = load_advisor(sys.argv[1])
        rec = adv.evaluate(scenario(adv, EARLY_T))
        result(fired=rec.fired, advice=rec.advice, action=rec.action,
               down=count(rec, "down"), down_fmt=count(rec, "down-fmt"),
               trace=[f.rule for f in rec.firings])
    """.replace("EARLY_T", repr(EARLY)),
        d,
        timeout=20,
    )
    ok(proc, "any with two true alternatives")
    assert sorted(res["fired"]) == ["both", "down", "down-fmt", "twice-listed"], res
    assert len(res["fired"]) == len(set(res["fired"])), res["fired"]
    assert res["advice"].count("Say thanks once.") == 1, res["advice"]
    assert res["down"] == 1 and res["down_fmt"] == 1, f"a conclusion was drawn twice: {res}"
    assert res["action"] == "send_thank_you"


# ---- faults 10, 11: fact size and long strings -------------------------------------------------


def test_fault_10_11_no_free_text_in_facts(tmp_path: Path) -> None:
    """Faults 10/11: free text stays out of the engine fact; a 9,000-char company name (and 70,000 in Python) still evaluates."""
    long_name = "Acme " * 1800  # 9,000 characters
    name, interviewer, title = json.dumps(long_name), json.dumps("Dr " * 3000), json.dumps("Engineer " * 1000)
    text = (
        f"company: {{name: {name}, culture: startup}}\n"
        f"interview: {{date: 2024-01-01, interviewer: {interviewer}}}\n"
        f"position: {{title: {title}}}\nas_of: 2024-01-09\n"
        "history: [{kind: thank_you, date: 2024-01-02}]\n"
    )
    path = tmp_path / "long.yaml"
    path.write_text(text)
    short = tmp_path / "short.yaml"
    short.write_text(
        text.replace(json.dumps(long_name), "Acme")
        .replace(json.dumps("Dr " * 3000), "Kim")
        .replace(json.dumps("Engineer " * 1000), "Engineer")
    )
    proc, res = run_probe(
        """
        import dataclasses
        from followup.core.facts import FACTS
        adv = load_advisor(None)
        seen = capture_engine_facts()
        long_rec = adv.advise_file(sys.argv[1])
        short_rec = adv.advise_file(sys.argv[2])
        sc = adv.scenario(parse_text("s.yaml", open(sys.argv[2]).read()))
        huge = dataclasses.replace(sc, fields={**sc.fields, "company.name": "x" * 70000})
        huge_rec = adv.evaluate(huge)
        text_keys = {k.replace(".", "__") for k, s in FACTS.items() if s.type == "text"}
        facts = seen["facts"]
        result(same=[long_rec.action, long_rec.verdict, long_rec.fired] == [short_rec.action, short_rec.verdict, short_rec.fired],
               huge_same=[huge_rec.action, huge_rec.fired] == [short_rec.action, short_rec.fired],
               text_in_facts=sorted({k for f in facts for k in f} & text_keys),
               max_props=max(len(f) for f in facts),
               max_str=max(len(v) for f in facts for v in f.values() if isinstance(v, str)))
    """,
        str(path),
        str(short),
        timeout=20,
    )
    ok(proc, "long free text")
    assert res["same"] and res["huge_same"], res
    assert res["text_in_facts"] == [], f"free text reached the engine: {res['text_in_facts']}"
    assert res["max_props"] < 100, res  # the engine's limit is 253
    assert res["max_str"] <= 80, res  # short words and ISO dates only


# ---- fault 12: types -------------------------------------------------------------------------


def test_fault_12_one_type_per_field() -> None:
    """Fault 12: every field of the engine's scenario fact has one Python type (bools stay bools, ints ints)."""
    proc, res = run_probe(
        """
        from followup.core.facts import FACTS
        from followup.core.compiler import key
        adv = load_advisor(None)
        seen = capture_engine_facts()
        for t in json.loads(sys.argv[1]):
            adv.evaluate(scenario(adv, t))
        types = {}
        for f in seen["facts"]:
            if f.get("kind") != "scenario":
                continue  # derived facts: checked below, one type per name
            for k, v in f.items():
                types.setdefault(k, set()).add(type(v).__name__)
        want = {"enum": "str", "int": "int", "bool": "bool", "date": "str"}
        expected = {key(n): want[s.type] for n, s in FACTS.items() if s.type in want}
        expected.update(sid="str", kind="str")
        derived = {n: sorted({type(v).__name__ for v in vs}) for n, vs in adv.ruleset.derived.items()}
        result(types={k: sorted(v) for k, v in types.items()}, expected=expected, derived=derived,
               n=len(seen["facts"]))
    """,
        json.dumps(scenario_texts()),
        timeout=30,
    )
    ok(proc, "types")
    types, expected = res["types"], res["expected"]
    assert set(types) <= set(expected), f"unexpected engine properties: {set(types) - set(expected)}"
    assert len(types) >= 20, types
    wrong = {k: t for k, t in types.items() if t != [expected[k]]}
    assert wrong == {}, f"fields with the wrong or mixed types: {wrong}"
    mixed = {n: t for n, t in res["derived"].items() if len(t) != 1}
    assert mixed == {}, f"stock derived facts asserted with several types: {mixed}"


def test_fault_12_derived_fact_with_two_types(tmp_path: Path) -> None:
    """Fault 12: a derived fact asserted as 1 by one rule and "1" by another must be refused (or not confused)."""
    d = rules_dir(
        tmp_path,
        "r",
        [
            rule("make-text", {"fact": DAYS, ">": 1000}, {"facts": {"lvl": "1"}}),
            rule("make-number", {"fact": DAYS, "<": 7}, {"facts": {"lvl": 1}}),
            rule("on-text", {"fact": "lvl", "equals": "1"}, {"action": "send_thank_you", "verdict": "yes"}),
        ],
    )
    proc, res = run_probe(
        """
        try:
            adv = load_advisor(sys.argv[1])
        except FollowupError as exc:
            result(refused=diag(exc)); sys.exit(0)
        rec = adv.evaluate(scenario(adv, EARLY_T))
        result(refused=None, fired=rec.fired, action=rec.action)
    """.replace("EARLY_T", repr(EARLY)),
        d,
        timeout=20,
    )
    ok(proc, "mixed-type derived fact")
    assert res["refused"] and {c for c, _ in res["refused"]} == {"mixed-types"}, res
    assert res["refused"] or "on-text" not in res["fired"], (
        f'FAULT 12 REACHED: only lvl=1 (a number) was derived, yet the rule testing lvl == "1" '
        f"(text) fired: {res}"
    )


# ---- fault 14: not handled / already observed --------------------------------------------------


def test_fault_14_unmatched_and_duplicate_derivations(tmp_path: Path) -> None:
    """Fault 14: a scenario no rule matches gets the `unmatched` answer; two rules deriving one fact are fine."""
    proc, res = run_probe(
        """
        adv = load_advisor(sys.argv[1])
        none = adv.evaluate(scenario(adv, UNMATCHED_T))
        early = adv.evaluate(scenario(adv, EARLY_T))
        none2 = adv.evaluate(scenario(adv, UNMATCHED_T))
        result(none=answer(none), none2=answer(none2), cfg=adv.ruleset.unmatched,
               fired=early.fired, act=count(early, "act-early"), action=early.action)
    """.replace("UNMATCHED_T", repr(UNMATCHED)).replace("EARLY_T", repr(EARLY)),
        rules_dir(tmp_path, "tiny", TINY),
        timeout=20,
    )
    ok(proc, "unmatched scenario")
    cfg = res["cfg"]
    action, verdict, _, _, _, _, summary, _, fired = res["none"]
    assert [action, verdict, summary, fired] == [cfg["action"], cfg["verdict"], cfg["summary"], []], res
    assert res["none2"] == res["none"]
    assert sorted(res["fired"]) == ["act-early", "early", "early-no-thanks"], res
    assert res["act"] == 1 and res["action"] == "send_thank_you", res


# ---- fault 15: exceptions inside actions -------------------------------------------------------


def test_fault_15_action_exception_fails_loudly() -> None:
    """Fault 15: an exception inside an action raises EngineError (with the rule id), never a silent answer."""
    proc, res = run_probe(
        """
        import followup.core.engine as fe
        adv = load_advisor(None)
        sc = scenario(adv, EARLY_T)
        good = answer(adv.evaluate(sc))
        real = fe.Firing
        def boom(*a, **k):
            raise RuntimeError("boom in action")
        fe.Firing = boom
        try:
            rec = adv.evaluate(sc)
            outcome = ["answered", answer(rec)]
        except fe.EngineError as exc:
            outcome = ["EngineError", str(exc)]
        fe.Firing = real
        again = answer(adv.evaluate(sc))
        result(outcome=outcome, same_after=again == good, rules=[r.id for r in adv.ruleset.rules])
    """.replace("EARLY_T", repr(EARLY)),
        timeout=20,
    )
    ok(proc, "raising action")
    kind, detail = res["outcome"]
    assert kind == "EngineError", f"an action raised but evaluate answered silently: {detail}"
    assert "engine-error" in detail and any(
        f"{r}: RuntimeError: boom in action" in detail for r in res["rules"]
    ), detail
    assert res["same_after"], "the session was left dirty after the failed evaluation"


# ---- fault 16: negative pri ----------------------------------------------------------------


def test_fault_16_no_negative_pri(tmp_path: Path) -> None:
    """Fault 16: compiled `pri` values are whole numbers >= 0; `priority: -5` is refused."""
    d = rules_dir(tmp_path, "r", [rule("neg", {"fact": DAYS, "<": 7}, priority=-5)])
    proc, res = run_probe(
        """
        adv = load_advisor(None)
        pris = sorted({r["pri"] for r in adv.compiled.definition.values()})
        try:
            load_advisor(sys.argv[1])
            refused = None
        except FollowupError as exc:
            refused = diag(exc)
        result(pris=pris, types=sorted({type(p).__name__ for p in pris}), refused=refused)
    """,
        d,
        timeout=20,
    )
    ok(proc, "pri")
    assert res["pris"] and min(res["pris"]) >= 0 and res["types"] == ["int"], res
    assert res["refused"] == [["wrong-type", "priority must be a whole number from 0 to 1000"]], res


# ---- fault 17: re-registering rulesets -----------------------------------------------------


def test_fault_17_several_rule_dirs_in_one_process(tmp_path: Path) -> None:
    """Fault 17: two rules dirs, the same dir twice and an identical copy load in one process, one Host, answers intact."""
    tiny = rules_dir(tmp_path, "tiny", TINY)
    copy = rules_dir(tmp_path, "copy", [], keep_stock=True)
    proc, res = run_probe(
        """
        import followup.core.engine as fe
        stock = load_advisor(None)
        one = answer(stock.evaluate(scenario(stock, EARLY_T)))
        tiny = load_advisor(sys.argv[1])
        t1 = answer(tiny.evaluate(scenario(tiny, EARLY_T)))
        again = load_advisor(None)
        copy = load_advisor(sys.argv[2])
        two = answer(again.evaluate(scenario(again, EARLY_T)))
        three = answer(copy.evaluate(scenario(copy, EARLY_T)))
        t2 = answer(tiny.evaluate(scenario(tiny, EARLY_T)))
        advs = [stock, tiny, again, copy]
        result(same=one == two == three, tiny_same=t1 == t2,
               names=[a.evaluator.name for a in advs],
               handles=len({a.evaluator._h for a in advs}),
               run_keys=[n for a in advs for n, r in a.compiled.definition.items() if "run" in r],
               threads=threading.active_count())
    """.replace("EARLY_T", repr(EARLY)),
        tiny,
        copy,
        timeout=20,
    )
    ok(proc, "several rules dirs")
    stock, tiny_name, again, copy_name = res["names"]
    assert stock == again == copy_name and tiny_name != stock, res["names"]
    assert res["same"] and res["tiny_same"], res
    assert res["handles"] == 2 and res["threads"] == 1, res  # one engine ruleset per distinct rules
    assert res["run_keys"] == [], "the compiled definition was mutated by registration"


# ---- fault 18: negation of derived facts ----------------------------------------------------


@pytest.mark.parametrize(
    "when",
    [
        {"not": {"fact": "stage", "equals": "early"}},
        {"fact": "stage", "exists": False},
        {"not": {"all": [{"fact": DAYS, "<": 7}, {"fact": "stage", "one_of": ["early"]}]}},
        {
            "not": {
                "any": [
                    {"fact": "thank_you_sent", "equals": True},
                    {"not": {"not": {"fact": "stage", "equals": "early"}}},
                ]
            }
        },
    ],
    ids=["not-equals", "exists-false", "not-all", "not-any-double-not"],
)
def test_fault_18_negated_derived_refused(tmp_path: Path, when: dict[str, Any]) -> None:
    """Fault 18: a condition that negates a derived fact is refused (negated-derived)."""
    d = rules_dir(tmp_path, "r", TINY + [rule("no-stage", when)])
    proc, res = run_probe(REFUSE_PROBE, d, timeout=20)
    ok(proc, "negated derived")
    assert res["refused"], "a negated derived fact was accepted (fault 18)"
    assert {c for c, _ in res["refused"]} == {"negated-derived"}, res["refused"]


LAZY_PROBE = r"""
import os, sys
seen = []
class Probe:
    def find_spec(self, name, path=None, target=None):
        if name == "durable_rules_engine":
            seen.append(sys.getdlopenflags())
        return None
sys.meta_path.insert(0, Probe())
before = sys.getdlopenflags() | os.RTLD_NOW
sys.setdlopenflags(before)
import followup.core.engine
print(bool(seen[0] & os.RTLD_LAZY), bool(seen[0] & os.RTLD_NOW), sys.getdlopenflags() == before)
"""


def test_the_extension_is_imported_with_lazy_symbol_binding():
    """Python 3.13 dropped PyEval_CallObject, which the extension names but the adapter never
    calls: the engine module imports it with RTLD_LAZY (not RTLD_NOW), then restores the flags."""
    proc = subprocess.run([sys.executable, "-c", LAZY_PROBE], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["True", "False", "True"]
