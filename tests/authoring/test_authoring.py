"""Rule authoring: lint (one broken file per code), schemas vs loader, check, diff, rules, init."""

from __future__ import annotations

import glob
import json
import os
import re
import shutil
import subprocess

import jsonschema
import pytest
from click.testing import CliRunner

from followup.audit.record import jsonable
from followup.authoring.schema import rules_schema, scenario_schema
from followup.cli import main
from followup.core.errors import FollowupError
from followup.core.loader import load_file
from followup.core.rules import load_rules

from ..helpers import ROOT, RULES, SCENARIOS, copy_rules, edit_yaml

LINT_CASES = sorted(glob.glob(os.path.join(os.path.dirname(__file__), "lint_cases", "*.yaml")))
STRUCTURAL = {
    "yaml-syntax",
    "unknown-key",
    "missing-key",
    "wrong-type",
    "unknown-fact",
    "unknown-value",
    "unknown-claim",
}


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def _spec(path: str) -> tuple[int, str, str | None, str | None]:
    """(line, code, file the problem is in, file the case appends to) from the header comments."""
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^# expect: (\d+) ([a-z-]+)(?: (\S+))?$", text, re.M)
    assert m, f"{path} states no '# expect: LINE CODE'"
    append = re.search(r"^# append: (\S+)$", text, re.M)
    return int(m.group(1)), m.group(2), m.group(3), append.group(1) if append else None


def _replaces(path: str) -> str | None:
    """The rules file a case takes the place of, whole (`# replace: messages.yaml`)."""
    m = re.search(r"^# replace: (\S+)$", open(path, encoding="utf-8").read(), re.M)
    return m.group(1) if m else None


def _install(case: str, rules: str) -> str:
    """Put a broken case into a rules copy; returns the path of the file it became."""
    _, _, _, append = _spec(case)
    if _replaces(case):
        target = os.path.join(rules, str(_replaces(case)))
        shutil.copy(case, target)
        return target
    if append:
        target = os.path.join(rules, append)
        body = "".join(line for line in open(case, encoding="utf-8") if not line.startswith("#"))
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(body)
        return target
    target = os.path.join(rules, "zz-" + os.path.basename(case))
    shutil.copy(case, target)
    return target


plain = jsonable  # YAML values as JSON would carry them (dates as ISO text)


@pytest.fixture(scope="module")
def schemas():
    ruleset = load_rules(RULES)
    return (
        jsonschema.Draft202012Validator(rules_schema(ruleset)),
        jsonschema.Draft202012Validator(scenario_schema(ruleset)),
    )


def test_stock_rules_lint_clean_under_strict():
    """The stock rules have no errors and no warnings."""
    result = run("lint", "--rules", RULES, "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_every_required_code_has_a_broken_file():
    """One broken file per lint code the issue names."""
    codes = {_spec(p)[1] for p in LINT_CASES}
    assert codes >= {
        "yaml-syntax",
        "unknown-key",
        "missing-key",
        "wrong-type",
        "unknown-fact",
        "unknown-value",
        "duplicate-id",
        "unknown-claim",
        "uncovered-claim",
        "never-fires",
        "unused-fact",
        "chaining-cycle",
        "ambiguous-precedence",
        "unknown-placeholder",
        "missing-template",
        "unreachable-template",
        "duplicate-template",
    }


@pytest.mark.parametrize("case", LINT_CASES, ids=[os.path.basename(p) for p in LINT_CASES])
def test_lint_reports_the_stated_line_and_code(case, tmp_path):
    """Added to a copy of the stock rules, the broken file yields its code at its line."""
    line, code, where, _ = _spec(case)
    rules = copy_rules(str(tmp_path))
    target = _install(case, rules)
    path = os.path.join(rules, where) if where else target
    result = run("lint", "--rules", rules, "--format", "json", "--strict")
    assert result.exit_code == 1, result.output
    problems = json.loads(result.stdout)["problems"]
    hits = [p for p in problems if p["code"] == code and p["path"] == path and p["line"] == line]
    assert hits, f"expected {path}:{line} {code}; got {[(p['path'], p['line'], p['code']) for p in problems]}"
    ordered = [(p["path"], p["line"], p["column"]) for p in problems]
    assert ordered == sorted(ordered)


def test_warnings_fail_only_under_strict(tmp_path):
    """A warning alone exits 0, and 1 with --strict; the text form names the level."""
    rules = copy_rules(str(tmp_path))
    _install(os.path.join(os.path.dirname(__file__), "lint_cases", "unused-fact.yaml"), rules)
    assert run("lint", "--rules", rules).exit_code == 0
    result = run("lint", "--rules", rules, "--strict")
    assert result.exit_code == 1
    assert ":3:5: warning: unused-fact: rule 'asserts-unused' asserts 'nobody_reads_this'" in result.stdout


def test_lint_of_a_missing_directory_is_unusable_input(tmp_path):
    """No rules directory at all: exit 2."""
    assert run("lint", "--rules", str(tmp_path / "nope")).exit_code == 2


def test_every_bundled_file_passes_schema_and_loader(schemas):
    """Stock rule files, fixtures and examples satisfy both their JSON Schema and the loader."""
    rules_v, scen_v = schemas
    load_rules(RULES)
    for path in sorted(glob.glob(os.path.join(RULES, "*.yaml"))):
        assert not list(rules_v.iter_errors(plain(load_file(path).plain()))), path
    for path in sorted(
        glob.glob(os.path.join(SCENARIOS, "*.yaml")) + glob.glob(os.path.join(SCENARIOS, "examples", "*"))
    ):
        assert not list(scen_v.iter_errors(plain(load_file(path).plain()))), path


def test_every_broken_file_is_refused_by_the_loader_and_structural_ones_by_the_schema(schemas, tmp_path):
    """Each lint case fails lint; those whose mistake is structural also fail the JSON Schema."""
    rules_v, _ = schemas
    for case in LINT_CASES:
        _, code, _, append = _spec(case)
        if append:
            continue
        if code in STRUCTURAL and code != "yaml-syntax":
            assert list(rules_v.iter_errors(plain(load_file(case).plain()))), case
        elif code == "yaml-syntax":
            with pytest.raises(FollowupError):
                load_file(case)


def test_bad_scenario_corpus_fails_loader_and_schema(schemas):
    """Every broken scenario that parses as YAML is refused by the scenario schema too."""
    _, scen_v = schemas
    corpus = sorted(
        glob.glob(os.path.join(os.path.dirname(__file__), "..", "core", "bad_scenarios", "*.yaml"))
    )
    checked = 0
    for path in corpus:
        try:
            node = load_file(path)
        except FollowupError:
            continue  # not even YAML: the schema never sees it
        doc = plain(node.plain())
        text = open(path, encoding="utf-8").read()
        semantic = any(
            c in text
            for c in (
                "date-before-interview",
                "date-after-as-of",
                "as-of-before-interview",
                "bad-date",
                "not-allowed",
                "missing-field",
            )
        )
        if not semantic:
            assert list(scen_v.iter_errors(doc)), path
            checked += 1
    assert checked >= 10


def test_shipped_schema_files_match_the_generator():
    """schemas/*.json (shipped as followup.schemas) are what `followup schema` prints for the stock rules."""
    for kind in ("rules", "scenario"):
        result = run("schema", kind, "--rules", RULES)
        with open(os.path.join(ROOT, "schemas", f"{kind}.schema.json"), encoding="utf-8") as fh:
            assert json.loads(fh.read()) == json.loads(result.stdout), f"regenerate {kind}.schema.json"


def test_shipped_yaml_files_reference_the_schemas():
    """Every stock rule file, fixture and example names its schema for the editor."""
    files = (
        glob.glob(os.path.join(RULES, "*.yaml"))
        + glob.glob(os.path.join(SCENARIOS, "*.yaml"))
        + glob.glob(os.path.join(SCENARIOS, "examples", "*.yaml"))
    )
    for path in files:
        first = open(path, encoding="utf-8").readline()
        assert first.startswith("# yaml-language-server: $schema="), path
        target = os.path.normpath(os.path.join(os.path.dirname(path), first.split("=", 1)[1].strip()))
        assert os.path.isfile(target), path


def test_check_passes_the_stock_suite_with_full_coverage():
    """`followup check --coverage`: every case passes and every rule is fired by some case."""
    result = run("check", SCENARIOS, "--rules", RULES, "--coverage")
    assert result.exit_code == 0, result.output[-2000:]
    assert "Rules no case fires: none" in result.stdout
    assert re.search(r"^\d+ passed, 0 failed$", result.stdout, re.M)


def _edited(tmp_path) -> str:
    rules = copy_rules(str(tmp_path))

    def later(data):
        for rule in data["rules"]:
            if rule["id"] in ("status-due", "status-too-early"):
                cond = rule["when"]["all"][1]
                key = ">=" if ">=" in cond else "<"
                cond[key] = 8
                rule["then"]["earliest"]["plus_days"] = 8  # the window moves with the threshold

    edit_yaml(os.path.join(rules, "timing.yaml"), later)
    return rules


def test_check_catches_an_edit_that_changes_advice(tmp_path):
    """A threshold edit fails the day-7 case; -v shows expected vs actual and the explanation."""
    rules = _edited(tmp_path)
    result = run("check", SCENARIOS, "--rules", rules, "-v")
    assert result.exit_code == 1
    assert "FAIL " + os.path.join(SCENARIOS, "status.yaml") + "::day-7-due" in result.stdout
    block = result.stdout.split("::day-7-due", 1)[1]
    assert "action: expected 'send_follow_up'" in block and "actual   'wait'" in block
    assert "explanation of the actual answer:" in block and "status-too-early" in block


def test_check_default_output_is_one_line_per_failing_case(tmp_path):
    """Without -v: a FAIL line per failing case (first mismatch, count of the others), the counts, a pointer to -v."""
    rules = _edited(tmp_path)
    result = run("check", SCENARIOS, "--rules", rules)
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    failed = int(re.fullmatch(r"\d+ passed, (\d+) failed", lines[-2]).group(1))
    assert failed > 1 and len(lines) == failed + 2
    assert all(line.startswith("FAIL ") for line in lines[:-2])
    status = os.path.join(SCENARIOS, "status.yaml")
    day7 = next(line for line in lines if "::day-7-due:" in line)
    assert re.fullmatch(
        re.escape(f"FAIL {status}::day-7-due: action expected 'send_follow_up', got 'wait'")
        + r" \(\+\d+ more mismatches\)",
        day7,
    )
    assert lines[-1] == "(-v shows every mismatch and the explanation of each actual answer)"


def test_check_verbose_lists_passing_cases_and_json_is_unchanged_by_it(tmp_path):
    """-v adds a PASS line per passing case; --format json has one entry per case whatever -v says."""
    rules = _edited(tmp_path)
    verbose = run("check", SCENARIOS, "--rules", rules, "-v")
    assert (
        "PASS " + os.path.join(SCENARIOS, "thank-you.yaml") + "::day-1-still-within-window" in verbose.stdout
    )
    plain = json.loads(run("check", SCENARIOS, "--rules", rules, "--format", "json").stdout)
    assert plain == json.loads(run("check", SCENARIOS, "--rules", rules, "--format", "json", "-v").stdout)
    assert len(plain["cases"]) == plain["passed"] + plain["failed"] and plain["failed"] > 1


def test_diff_describes_the_edit(tmp_path):
    """`followup diff` lists changed cases side by side and counts them; exit 1."""
    rules = _edited(tmp_path)
    result = run("diff", "--base", RULES, "--rules", rules, SCENARIOS)
    assert result.exit_code == 1
    assert "CHANGED " + os.path.join(SCENARIOS, "status.yaml") + "::day-7-due" in result.stdout
    assert re.search(r"\* action +send_follow_up +-> wait", result.stdout)
    assert "no longer fires: status-due" in result.stdout
    assert re.search(r"^\d+ changed, \d+ unchanged$", result.stdout, re.M)
    same = run("diff", "--base", RULES, "--rules", RULES, SCENARIOS)
    assert same.exit_code == 0 and same.stdout.startswith("0 changed")


def test_diff_base_as_git_revision(tmp_path):
    """--base takes a git revision of the rules directory."""
    repo = tmp_path / "repo"
    shutil.copytree(RULES, repo / "rules")
    git = ["git", "-C", str(repo), "-c", "user.email=t@t", "-c", "user.name=t"]
    subprocess.run(git[:3] + ["init", "-q"], check=True)
    subprocess.run(git + ["add", "-A"], check=True)
    subprocess.run(git + ["commit", "-qm", "stock"], check=True)
    edited = _edited(tmp_path / "e")
    for name in os.listdir(edited):
        shutil.copy(os.path.join(edited, name), repo / "rules" / name)
    result = run("diff", "--base", "HEAD", "--rules", str(repo / "rules"), SCENARIOS)
    assert result.exit_code == 1, result.output
    assert "day-7-due" in result.stdout
    bad = run("diff", "--base", "no-such-rev", "--rules", str(repo / "rules"), SCENARIOS)
    assert bad.exit_code == 2 and "bad-base" in bad.output


def test_rules_lists_every_rule():
    """`followup rules` shows each rule with its file, priority and sources."""
    result = run("rules", "--rules", RULES, "--format", "json")
    rows = json.loads(result.stdout)["rules"]
    assert {r["id"] for r in rows} == {r.id for r in load_rules(RULES).rules}
    due = next(r for r in rows if r["id"] == "status-due")
    assert due["file"] == "timing.yaml" and due["priority"] == 20 and "001-02" in due["sources"]


def test_init_copies_a_house_variant_that_lints_and_checks(tmp_path):
    """`followup init DIR` writes rules, scenarios and schemas that work, and never overwrites."""
    house = tmp_path / "house"
    assert run("init", str(house)).exit_code == 0
    assert run("lint", "--rules", str(house / "rules"), "--strict").exit_code == 0
    checked = run("check", str(house / "scenarios"), "--rules", str(house / "rules"))
    assert checked.exit_code == 0, checked.output[-1500:]
    first = (house / "rules" / "timing.yaml").read_text().splitlines()[0]
    assert first == "# yaml-language-server: $schema=../schemas/rules.schema.json"
    assert (house / "schemas" / "scenario.schema.json").is_file()
    again = run("init", str(house))
    assert again.exit_code == 2 and "already exists" in again.output


def test_pre_commit_hooks_file_declares_lint_and_check():
    """.pre-commit-hooks.yaml offers followup-lint and followup-check."""
    import yaml

    hooks = yaml.safe_load(open(os.path.join(ROOT, ".pre-commit-hooks.yaml"), encoding="utf-8"))
    ids = {h["id"]: h for h in hooks}
    assert ids["followup-lint"]["entry"].startswith("followup lint")
    assert ids["followup-check"]["entry"].startswith("followup check")
