"""The `followup advise` command: text and JSON answers, options, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from click.testing import CliRunner

from followup.cli import main

from ..helpers import ROOT, RULES, copy_rules, edit_yaml

EXAMPLES = os.path.join(ROOT, "scenarios", "examples")
EXAMPLE = os.path.join(EXAMPLES, "second-follow-up.yaml")
KEYS = {
    "action",
    "verdict",
    "contact",
    "earliest",
    "latest",
    "window_note",
    "channel",
    "summary",
    "reasons",
    "conflicts",
    "advice",
    "rules_digest",
}


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(main, list(args), env=env)


def test_json_answer_has_the_documented_keys():
    """--format json prints one object with every documented key, exactly so named."""
    result = run("advise", EXAMPLE, "--rules", RULES, "--format", "json")
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert KEYS <= set(answer)
    assert answer["action"] == "wait" and answer["verdict"] == "not_yet"
    assert answer["contact"] == 3 and answer["earliest"] == "2026-11-26"
    assert answer["summary"] == "Not yet: wait until Thu 2026-11-26, the date they gave."
    for reason in answer["reasons"]:
        assert set(reason) == {"rule", "says", "sources"} and reason["sources"]
    for conflict in answer["conflicts"]:
        assert conflict["took"]["claims"] and conflict["other_sides"]


def test_text_answer_leads_with_the_summary_then_reasons_with_sources():
    """The text format's first line is the plain answer; reasons name their sources."""
    result = run("advise", EXAMPLE, "--rules", RULES)
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0] == "Not yet: wait until Thu 2026-11-26, the date they gave."
    assert "Why:" in lines
    assert (
        "[contact-after-hold-final] sources: 004-06, 004-05 (Should You Follow Up After a Job Interview?)"
        in result.output
    )
    assert "Where the sources disagree:" in lines


def test_every_bundled_example_answers_in_text_and_json():
    """Each file in scenarios/examples answers with exit 0 in both formats, and they agree."""
    names = sorted(os.listdir(EXAMPLES))
    assert len(names) >= 3
    for name in names:
        path = os.path.join(EXAMPLES, name)
        text = run("advise", path, "--rules", RULES)
        js = run("advise", path, "--rules", RULES, "--format", "json")
        assert text.exit_code == 0 and js.exit_code == 0, (name, text.output, js.output)
        assert text.output.splitlines()[0] == json.loads(js.output)["summary"]


def test_as_of_option_overrides_the_file():
    """--as-of replaces the scenario's as_of: on the stated date the hold is over."""
    result = run("advise", EXAMPLE, "--rules", RULES, "--as-of", "2026-11-26", "--format", "json")
    answer = json.loads(result.output)
    assert answer["as_of"] == "2026-11-26"
    assert (answer["action"], answer["verdict"]) == ("send_final_follow_up", "yes")


def test_bad_as_of_option_is_a_usage_error():
    """A malformed --as-of exits 2 with a message, no traceback."""
    result = run("advise", EXAMPLE, "--as-of", "2026-13-01")
    assert result.exit_code == 2
    assert "is not a date YYYY-MM-DD" in result.output
    assert "Traceback" not in result.output


def test_rules_from_environment_variable(tmp_path):
    """FOLLOWUP_RULES points at an edited copy of the rules, and the answer follows it."""
    rules = copy_rules(str(tmp_path))

    def later(data):
        for rule in data["rules"]:
            if rule["id"] == "contact-after-hold-final":
                rule["then"]["earliest"]["plus_days"] = 3

    edit_yaml(os.path.join(rules, "timeline.yaml"), later)
    result = run("advise", EXAMPLE, "--format", "json", env={"FOLLOWUP_RULES": rules})
    assert json.loads(result.output)["earliest"] == "2026-11-29"
    stock = json.loads(run("advise", EXAMPLE, "--format", "json", "--rules", RULES).output)
    assert stock["earliest"] == "2026-11-26"
    assert stock["rules_digest"] != json.loads(result.output)["rules_digest"]


def test_broken_rules_directory_exits_2_with_located_message(tmp_path):
    """A mistake in an edited rules copy is reported with file:line:col and exit 2."""
    rules = copy_rules(str(tmp_path))
    path = os.path.join(rules, "timing.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            text.replace('{fact: days_since_interview, "<": 7}', '{fact: days_since_interviw, "<": 7}', 1)
        )
    result = run("advise", EXAMPLE, "--rules", rules)
    assert result.exit_code == 2
    assert (
        f"{path}:" in result.output
        and "error: unknown-fact: unknown fact 'days_since_interviw'" in result.output
    )
    assert "did you mean 'days_since_interview'?" in result.output


def test_installed_console_script_runs_from_any_directory(tmp_path):
    """The `followup` script works outside the checkout, with the stock rules."""
    exe = os.path.join(os.path.dirname(sys.executable), "followup")
    proc = subprocess.run(
        [exe, "advise", EXAMPLE, "--format", "json"], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["action"] == "wait"


def test_compiled_rules_cache_is_used_and_invalidated(tmp_path):
    """A second process reads the cached compiled rules; editing a rule file or damaging the
    cache entry makes it rebuild, and answers follow the edit."""
    rules = copy_rules(str(tmp_path))
    cache = tmp_path / "cache"
    env = {**os.environ, "FOLLOWUP_CACHE_DIR": str(cache)}
    exe = os.path.join(os.path.dirname(sys.executable), "followup")

    def advise():
        proc = subprocess.run(
            [exe, "advise", EXAMPLE, "--rules", rules, "--format", "json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    first = advise()
    entries = sorted(cache.glob("rules-*"))
    assert len(entries) == 1 and [p.name[:9] for p in cache.iterdir() if p not in entries] == ["messages-"]
    assert advise() == first
    entries[0].write_bytes(b"not an entry")
    assert advise() == first  # a damaged entry is rebuilt, not trusted

    def later(data):
        for rule in data["rules"]:
            if rule["id"] == "contact-after-hold-final":
                rule["then"]["earliest"]["plus_days"] = 2

    edit_yaml(os.path.join(rules, "timeline.yaml"), later)
    assert advise()["earliest"] == "2026-11-28"
    assert len(list(cache.glob("rules-*"))) == 2
