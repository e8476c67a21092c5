"""Bad and hostile scenario input: every problem is located and coded, exit 2, no traceback, fast.

The corpus in tests/core/bad_scenarios/ states what each file must produce: leading comment lines
`# expect: LINE:COL CODE` (one per expected stderr line, in order) and optionally
`# args: --as-of ...` for extra command-line options. Files that cannot carry a comment (empty,
binary, non-UTF-8, JSON) have a sidecar `NAME.expect` with the same lines.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from followup.cli import main
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.loader import MAX_BYTES, decode, parse_text
from followup.core.model import Scenario
from followup.core.rules import load_rules
from followup.core.scenario import SHAPE, validate_scenario

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
RULES = str(ROOT / "rules")
CORPUS = HERE / "bad_scenarios"
LIMIT_SECONDS = 1.0

EXPECT_LINE = re.compile(r"^# expect: (\d+):(\d+) ([a-z0-9-]+)\s*$")
ARGS_LINE = re.compile(r"^# args:(.*)$")
RENDERED = re.compile(r"^(?P<path>.+):(?P<line>\d+):(?P<col>\d+): error: (?P<code>[a-z0-9-]+): (?P<msg>.+)$")

BASE = "as_of: 2026-11-20\ninterview:\n  date: 2026-11-05\n  medium: video\n"


# ---- helpers -----------------------------------------------------------------------------------


def _read_spec(path: Path) -> tuple[list[tuple[int, int, str]], list[str]]:
    """(expected (line, col, code) list, extra CLI args) from a corpus file or its sidecar."""
    sidecar = path.with_name(path.name + ".expect")
    if sidecar.exists():
        lines = sidecar.read_text(encoding="utf-8").splitlines()
    else:
        text = path.read_bytes()[:4096].decode("utf-8-sig")
        lines = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            lines.append(line)
    expected, args = [], []
    for line in lines:
        line = line.rstrip("\r")
        if m := EXPECT_LINE.match(line):
            expected.append((int(m[1]), int(m[2]), m[3]))
        elif m := ARGS_LINE.match(line):
            args.extend(shlex.split(m[1]))
    return expected, args


def _corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.iterdir() if p.is_file() and not p.name.endswith(".expect"))


def _invoke(path: str, *args: str):
    """Run `followup advise PATH --rules RULES ARGS` in-process; (result, seconds)."""
    start = time.perf_counter()
    result = CliRunner().invoke(main, ["advise", path, "--rules", RULES, *args])
    return result, time.perf_counter() - start


def _assert_clean_failure(result, elapsed: float) -> None:
    """Exit 2, nothing on stdout, no traceback, within the time limit."""
    crashed = result.exception is not None and not isinstance(result.exception, SystemExit)
    detail = "".join(traceback.format_exception(result.exception)) if crashed else result.output
    assert not crashed, f"uncaught exception:\n{detail}"
    assert "Traceback" not in result.output
    assert result.exit_code == 2, f"exit {result.exit_code}:\n{result.output}"
    assert result.stdout == ""
    assert elapsed < LIMIT_SECONDS, f"took {elapsed:.2f}s"


def _assert_located(stderr: str, path: str) -> list[str]:
    """Every stderr line is `PATH:LINE:COL: error: CODE: message`; returns the lines."""
    lines = stderr.splitlines()
    assert lines, "no diagnostics on stderr"
    for line in lines:
        m = RENDERED.match(line)
        assert m and m["path"] == path and int(m["line"]) >= 1 and int(m["col"]) >= 1, line[:300]
    return lines


def _assert_prefixes(stderr: str, path: str, expected: list[tuple[int, int, str]]) -> None:
    lines = _assert_located(stderr, path)
    want = [f"{path}:{ln}:{col}: error: {code}: " for ln, col, code in expected]
    got = [line[:300] for line in lines]
    assert len(lines) == len(want), f"expected {want}\ngot {got}"
    for line, prefix in zip(lines, want, strict=True):
        assert line.startswith(prefix), f"expected {want}\ngot {got}"


@pytest.fixture(scope="module")
def ruleset():
    """The stock rules, loaded once."""
    return load_rules(RULES)


@pytest.fixture(scope="module", autouse=True)
def warm_advisor():
    """Load and compile the rules once so per-file timings measure the scenario, not the rules."""
    load_advisor(RULES)


def diagnose(ruleset, text: str, path: str = "s.yaml", **kwargs) -> list[str]:
    """Rendered diagnostics for a scenario text (parse + validate); [] when it is valid."""
    try:
        validate_scenario(parse_text(path, text, lenient=True), ruleset, **kwargs)
    except FollowupError as exc:
        return [d.render() for d in exc.diagnostics]
    return []


# ---- the corpus through the command line ---------------------------------------------------------


def test_corpus_is_big_enough_and_every_file_states_its_expectation():
    """The corpus holds at least 30 files and each states at least one `# expect:` line."""
    files = _corpus_files()
    assert len(files) >= 30
    for path in files:
        assert _read_spec(path)[0], f"{path.name} has no '# expect:' line"


@pytest.mark.parametrize("path", _corpus_files(), ids=lambda p: p.name)
def test_corpus_file_fails_cleanly_with_located_diagnostics(path: Path):
    """A corpus file exits 2 with exactly the expected located diagnostics, fast, no traceback."""
    expected, args = _read_spec(path)
    result, elapsed = _invoke(str(path), *args)
    _assert_clean_failure(result, elapsed)
    _assert_prefixes(result.stderr, str(path), expected)


@pytest.mark.parametrize(
    "name", ["unknown_value.yaml", "python_object_apply.yaml", "latin1.yaml", "garbage.bin"]
)
def test_console_script_exits_2_with_empty_stdout(name: str):
    """The installed `followup` script exits 2, prints nothing on stdout, only diagnostics on stderr."""
    script = shutil.which("followup", path=os.path.dirname(sys.executable)) or shutil.which("followup")
    assert script, "the followup console script is not installed"
    path = str(CORPUS / name)
    expected, args = _read_spec(CORPUS / name)
    start = time.perf_counter()
    proc = subprocess.run(
        [script, "advise", path, "--rules", RULES, *args], capture_output=True, text=True, timeout=30
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stderr
    _assert_prefixes(proc.stderr, path, expected)
    assert elapsed < 2 * LIMIT_SECONDS  # includes interpreter start-up and rule compilation


# ---- hostile files generated at test time (too big to keep in the repository) ----------------------


def _oversized() -> str:
    return "# padding\n" + "a: b\n" * (MAX_BYTES // 5 + 1)


def _huge_flow_list() -> str:
    body = "1," * ((MAX_BYTES - 64) // 2)
    return f"history: [{body}1]\n"


def _many_duplicate_keys() -> str:
    return BASE + "as_of: 2026-11-20\n" * ((MAX_BYTES - 200) // 18)


def _many_unknown_keys() -> str:
    return BASE + "company:\n" + "".join(f"  k{i}: 1\n" for i in range(45_000))


def test_oversized_file_is_refused_before_parsing(tmp_path: Path):
    """A file over 1 MiB gives one `too-large` diagnostic at 1:1, quickly."""
    path = tmp_path / "big.yaml"
    path.write_text(_oversized())
    assert path.stat().st_size > MAX_BYTES
    result, elapsed = _invoke(str(path))
    _assert_clean_failure(result, elapsed)
    _assert_prefixes(result.stderr, str(path), [(1, 1, "too-large")])
    assert f"the limit is {MAX_BYTES}" in result.stderr


@pytest.mark.parametrize(
    "make, code",
    [
        (_huge_flow_list, "too-large"),
        (_many_duplicate_keys, "too-large"),  # every key counts toward the value limit
        (_many_unknown_keys, "too-large"),
    ],
    ids=["huge-flow-list", "many-duplicate-keys", "many-unknown-keys"],
)
def test_big_documents_under_the_size_limit_fail_within_a_second(tmp_path: Path, make, code: str):
    """Just under 1 MiB of values, duplicate keys or unknown keys: exit 2, located, under 1 s."""
    path = tmp_path / "big.yaml"
    path.write_text(make())
    assert path.stat().st_size <= MAX_BYTES
    result, elapsed = _invoke(str(path))
    lines = _assert_located(result.stderr, str(path))
    assert RENDERED.match(lines[0])["code"] == code
    _assert_clean_failure(result, elapsed)


@pytest.mark.parametrize(
    "text",
    [
        "- " * 100_000 + "x\n",
        "? " * 100_000 + "x\n",
    ],
    ids=["block-sequences", "complex-keys"],
)
def test_deep_block_nesting_fails_cleanly_in_a_separate_process(tmp_path: Path, text: str):
    """Block nesting 100,000 deep (no brackets) is refused as too-deep, not a crash (subprocess)."""
    path = tmp_path / "deep.yaml"
    path.write_text(text)
    script = shutil.which("followup", path=os.path.dirname(sys.executable)) or shutil.which("followup")
    start = time.perf_counter()
    proc = subprocess.run(
        [script, "advise", str(path), "--rules", RULES], capture_output=True, text=True, timeout=30
    )
    elapsed = time.perf_counter() - start
    assert proc.returncode == 2, f"exit {proc.returncode} (negative = killed by a signal)"
    assert proc.stdout == "" and "Traceback" not in proc.stderr
    lines = _assert_located(proc.stderr, str(path))
    assert RENDERED.match(lines[0])["code"] == "too-deep"
    assert elapsed < 2 * LIMIT_SECONDS


# ---- whole messages, one per scenario error code -----------------------------------------------------


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "as_of: 2026-11-20\ninterview:\n  medium: video\n",
            "s.yaml:3:3: error: missing-field: interview.date is required",
        ),
        (
            BASE + "postion:\n  title: Engineer\n",
            "s.yaml:5:1: error: unknown-key: unknown key 'postion' (did you mean 'position'?)",
        ),
        (
            BASE + "company:\n  nmae: Acme\n",
            "s.yaml:6:3: error: unknown-key: unknown key 'company.nmae' (did you mean 'name'?)",
        ),
        (
            BASE + "company:\n  zzz: 1\n",
            "s.yaml:6:3: error: unknown-key: unknown key 'company.zzz' (expected one of: name, culture, size)",
        ),
        (
            BASE.replace("video", "vidoe"),
            "s.yaml:4:11: error: unknown-value: interview.medium: unknown value 'vidoe' (did you mean 'video'?)",
        ),
        (
            BASE + "history:\n  - {kind: thankyou, date: 2026-11-05}\n",
            "s.yaml:6:12: error: unknown-value: history.kind: unknown value 'thankyou' (did you mean 'thank_you'?)",
        ),
        (
            BASE + "company:\n  culture: nonprofit\n",
            "s.yaml:6:12: error: unknown-value: company.culture: unknown value 'nonprofit' "
            "(expected one of: startup, traditional, unknown)",
        ),
        (
            BASE + "company:\n  size: 50\n",
            "s.yaml:6:9: error: wrong-type: company.size must be one of: small, medium, large, unknown, not a number",
        ),
        (
            "as_of: 2026-11-20\ninterview: yesterday\n",
            "s.yaml:2:12: error: wrong-type: interview must be a mapping, not text 'yesterday'",
        ),
        (
            BASE + "history:\n  kind: reply\n",
            "s.yaml:6:3: error: wrong-type: history must be a list, not a mapping",
        ),
        (
            "as_of: 2026-11-20\ninterview:\n  date: 20261105\n",
            "s.yaml:3:9: error: wrong-type: interview.date must be a date YYYY-MM-DD, not a number",
        ),
        (BASE + "id: true\n", "s.yaml:5:5: error: wrong-type: id must be text or a number, not true/false"),
        (
            'as_of: 2026-11-20\ninterview:\n  date: "2026-02-30"\n',
            "s.yaml:3:9: error: bad-date: interview.date: '2026-02-30' is not a real date",
        ),
        (
            BASE + "history:\n  - {kind: thank_you, date: 2026-11-04}\n",
            "s.yaml:6:29: error: date-before-interview: history thank_you dated 2026-11-04 "
            "is before the interview on 2026-11-05",
        ),
        (
            BASE + "timeline:\n  decision_by: 2026-11-01\n",
            "s.yaml:6:16: error: date-before-interview: timeline.decision_by 2026-11-01 "
            "is before the interview on 2026-11-05",
        ),
        (
            BASE + "history:\n  - {kind: follow_up, date: 2026-11-21}\n",
            "s.yaml:6:29: error: date-after-as-of: history follow_up dated 2026-11-21 is after as_of 2026-11-20",
        ),
        (
            BASE.replace("2026-11-20", "2026-11-01"),
            "s.yaml:1:8: error: as-of-before-interview: as_of 2026-11-01 is before the interview on 2026-11-05",
        ),
        (
            BASE + "history:\n  - {kind: follow_up, date: 2026-11-12, outcome: offer}\n",
            "s.yaml:6:41: error: not-allowed: history.outcome is only for a reply, not a follow_up",
        ),
        (
            BASE + "history:\n  - {kind: reply, date: 2026-11-13}\n",
            "s.yaml:6:5: error: missing-field: history.outcome is required for a reply "
            "(one of: pending, offer, rejected)",
        ),
        (
            BASE + "history:\n" + "  - {kind: thank_you, date: 2026-11-05}\n" * 101,
            "s.yaml:6:3: error: too-large: history has 101 entries; the limit is 100",
        ),
        (
            "interview:\n  date: 2026-11-05\n",
            "s.yaml:1:1: error: missing-field: as_of is required (or give --as-of)",
        ),
    ],
    ids=[
        "missing-field",
        "unknown-key-top",
        "unknown-key-nested",
        "unknown-key-no-match",
        "unknown-value",
        "unknown-value-history",
        "unknown-value-no-match",
        "wrong-type-enum",
        "wrong-type-section",
        "wrong-type-history",
        "wrong-type-date",
        "wrong-type-id",
        "bad-date",
        "date-before-interview",
        "timeline-before-interview",
        "date-after-as-of",
        "as-of-before-interview",
        "not-allowed",
        "reply-without-outcome",
        "too-large-history",
        "missing-as-of",
    ],
)
def test_scenario_error_message_text(ruleset, text: str, message: str):
    """Each scenario error code renders exactly this located message (with its hint)."""
    assert diagnose(ruleset, text) == [message]


@pytest.mark.parametrize(
    "text, message",
    [
        (
            "as_of: 2026-11-20\nas_of: 2026-11-21\n",
            "s.yaml:2:1: error: duplicate-key: key 'as_of' appears twice",
        ),
        (
            "as_of: !!binary QQ==\n",
            "s.yaml:1:8: error: unsupported-tag: tag 'tag:yaml.org,2002:binary' is not allowed",
        ),
        ("a: 1\n<<: {b: 2}\n", "s.yaml:2:1: error: unsupported-tag: merge keys (<<) are not allowed"),
        ("? [a, b]\n: 1\n", "s.yaml:1:3: error: wrong-type: a key must be a plain word"),
        (
            "name: " + "x" * 10_001 + "\n",
            "s.yaml:1:7: error: too-long: value of 10001 characters; the limit is 10000",
        ),
        (
            "a: " + "[" * 40 + "]" * 40 + "\n",
            "s.yaml:1:35: error: too-deep: values nest deeper than 32 levels",
        ),
        (
            "a: [1\n",
            "s.yaml:2:1: error: yaml-syntax: did not find expected ',' or ']' while parsing a flow sequence",
        ),
        ("a: *nope\n", "s.yaml:1:4: error: yaml-syntax: found undefined alias"),
    ],
    ids=[
        "duplicate-key",
        "unsupported-tag",
        "merge-key",
        "complex-key",
        "too-long",
        "too-deep",
        "yaml-syntax",
        "undefined-alias",
    ],
)
def test_loader_error_message_text(ruleset, text: str, message: str):
    """Each loader error code renders exactly this located message (the loader alone, strict)."""
    with pytest.raises(FollowupError) as exc:
        parse_text("s.yaml", text)
    assert [d.render() for d in exc.value.diagnostics] == [message]


@pytest.mark.parametrize(
    "data, message",
    [
        (b"", "s.yaml:1:1: error: empty-file: file is empty"),
        (b"# only a comment\n\n", "s.yaml:1:1: error: empty-file: file is empty"),
        (
            b"a: 1\nname: Caf\xe9\n",
            "s.yaml:2:10: error: not-utf8: byte 0xe9 is not valid UTF-8 (save the file as UTF-8)",
        ),
        (b"a: 1\nb: x\x00y\n", "s.yaml:2:5: error: binary: file contains NUL bytes; it is not a text file"),
        (
            b"a: b\n" * (MAX_BYTES // 5 + 1),
            f"s.yaml:1:1: error: too-large: file is {5 * (MAX_BYTES // 5 + 1)} bytes; the limit is {MAX_BYTES}",
        ),
    ],
    ids=["empty", "comments-only", "not-utf8", "binary", "too-large-file"],
)
def test_decode_error_message_text(data: bytes, message: str):
    """Bytes that are not a usable text file render exactly this located message."""
    with pytest.raises(FollowupError) as info:
        decode("s.yaml", data)
    assert [d.render() for d in info.value.diagnostics] == [message]


def test_every_problem_is_reported_sorted_by_location(ruleset):
    """One file with many problems reports all of them in one run, in file order."""
    text = (
        "history:\n"  # 1
        "  - {kind: reply, date: 2026-11-13}\n"  # 2: reply without outcome
        "  - {kind: thank_you, date: 2026-11-01}\n"  # 3: before the interview
        "  - {kind: follow_up, date: 2026-12-01}\n"  # 4: after as_of
        "company:\n"  # 5
        "  culture: startp\n"  # 6: unknown value
        "  size: 50\n"  # 7: wrong type
        "  nmae: Acme\n"  # 8: unknown key
        "as_of: 2026-11-20\n"  # 9
        "interview:\n"  # 10
        "  date: 2026-11-05\n"  # 11
        "  medium: vidoe\n"
    )  # 12: unknown value
    with pytest.raises(FollowupError) as info:
        validate_scenario(parse_text("s.yaml", text), ruleset)
    got = [(d.location.line, d.location.column, d.code) for d in info.value.diagnostics]
    assert got == [
        (2, 5, "missing-field"),
        (3, 29, "date-before-interview"),
        (4, 29, "date-after-as-of"),
        (6, 12, "unknown-value"),
        (7, 9, "wrong-type"),
        (8, 3, "unknown-key"),
        (12, 11, "unknown-value"),
    ]
    assert got == sorted(got)
    assert str(info.value).splitlines() == [d.render() for d in info.value.diagnostics]


def test_as_of_argument_overrides_the_files_as_of(ruleset):
    """`as_of=` (the --as-of option) replaces the file's as_of, in both directions."""
    early_file = BASE.replace("2026-11-20", "2026-11-01")  # file's as_of is before the interview
    scenario = validate_scenario(parse_text("s.yaml", early_file), ruleset, as_of=dt.date(2026, 11, 20))
    assert isinstance(scenario, Scenario) and scenario.as_of == dt.date(2026, 11, 20)
    # a good file as_of, overridden by an earlier date: the error points at the interview date
    assert diagnose(ruleset, BASE, as_of=dt.date(2026, 11, 1)) == [
        "s.yaml:3:9: error: as-of-before-interview: as_of 2026-11-01 is before the interview on 2026-11-05"
    ]
    history = BASE + "history:\n  - {kind: follow_up, date: 2026-11-12}\n"
    assert diagnose(ruleset, history, as_of=dt.date(2026, 11, 10)) == [
        "s.yaml:6:29: error: date-after-as-of: history follow_up dated 2026-11-12 is after as_of 2026-11-10"
    ]
    # `today` is only the fallback: it never beats the file's as_of
    assert validate_scenario(parse_text("s.yaml", BASE), ruleset, today=dt.date(2030, 1, 1)).as_of == dt.date(
        2026, 11, 20
    )


def test_as_of_option_overrides_the_files_as_of_on_the_command_line(tmp_path: Path):
    """`advise --as-of` wins over the file's as_of: a bad file date no longer matters."""
    path = tmp_path / "s.yaml"
    path.write_text(BASE.replace("2026-11-20", "2026-11-01"))
    result, _ = _invoke(str(path))
    assert result.exit_code == 2 and "as-of-before-interview" in result.stderr
    result, _ = _invoke(str(path), "--as-of", "2026-11-20")
    assert result.exit_code == 0, result.output
    assert "2026-11-20" in result.stdout and result.stderr == ""


@pytest.mark.parametrize(
    "payload",
    [
        '!!python/object/apply:os.system ["touch {marker}"]',
        'as_of: !!python/object/apply:os.system ["touch {marker}"]',
        '!!python/object/new:os.system ["touch {marker}"]',
        '!!python/object/apply:subprocess.call [[touch, "{marker}"]]',
        'company: {{name: !!python/object/apply:os.system ["touch {marker}"]}}',
    ],
    ids=["apply-root", "apply-value", "new", "subprocess", "nested"],
)
def test_python_tags_never_execute_code(tmp_path: Path, payload: str):
    """`!!python/...` tags are refused as unsupported-tag and run nothing."""
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(payload.format(marker=marker) + "\n")
    pwned_before = os.path.exists("/tmp/pwned")
    result, elapsed = _invoke(str(path))
    corpus, _ = _invoke(str(CORPUS / "python_object_apply.yaml"))
    _assert_clean_failure(result, elapsed)
    assert "unsupported-tag" in result.stderr and corpus.exit_code == 2
    assert not marker.exists()
    if not pwned_before:
        assert not os.path.exists("/tmp/pwned")


# ---- behaviour the contract needs (these found bugs; see the report) -------------------------------


def test_missing_interview_section_is_a_missing_field_not_a_crash(ruleset):
    """No `interview:` at all reports interview.date as missing (it used to assert/traceback)."""
    text = "as_of: 2026-11-20\ncompany:\n  name: Acme\n"
    assert diagnose(ruleset, text) == ["s.yaml:1:1: error: missing-field: interview.date is required"]


def test_unquoted_impossible_date_is_bad_date(ruleset):
    """`date: 2026-02-30` without quotes gets the same bad-date message as the quoted form."""
    text = "as_of: 2026-11-20\ninterview:\n  date: 2026-02-30\n"
    assert diagnose(ruleset, text) == [
        "s.yaml:3:9: error: bad-date: interview.date: '2026-02-30' is not a real date"
    ]


def test_date_with_time_says_what_is_wrong(ruleset):
    """A date with a time of day is not reported as "must be a date ..., not a date"."""
    [line] = diagnose(ruleset, "as_of: 2026-11-20\ninterview:\n  date: 2026-11-05 10:30:00\n")
    assert line.startswith("s.yaml:3:9: error: wrong-type: interview.date must be a date YYYY-MM-DD, not ")
    assert not line.endswith("not a date") and "time" in line


def test_invalid_as_of_is_not_also_reported_missing(ruleset):
    """An as_of that is present but invalid gets one diagnostic, not also "as_of is required"."""
    assert diagnose(ruleset, "as_of: yes\ninterview:\n  date: 2026-11-05\n") == [
        "s.yaml:1:8: error: wrong-type: as_of must be a date YYYY-MM-DD, not text 'yes'"
    ]


def test_control_character_is_located_where_it_is(ruleset):
    """A control character is reported at its own line and column, not at 1:1."""
    [line] = diagnose(ruleset, "as_of: 2026-11-20\ncompany:\n  name: Acme\x07Robotics\n")
    assert line.startswith("s.yaml:3:13: error: yaml-syntax: ")


def test_brackets_in_comments_and_strings_are_not_nesting(ruleset):
    """Forty `[` in a comment or a quoted string are text, not 40 levels of nesting."""
    text = BASE + "# " + "[" * 40 + '\ncompany:\n  name: "' + "[" * 40 + '"\n'
    assert diagnose(ruleset, text) == []


def test_too_deep_column_counts_characters_not_bytes(ruleset):
    """The too-deep column counts characters, like every other column (é is one column)."""
    assert diagnose(ruleset, "a: [é, " + "[" * 40 + "]" * 41 + "\n") == [
        "s.yaml:1:38: error: too-deep: values nest deeper than 32 levels"
    ]


def test_loader_problems_do_not_hide_scenario_problems(ruleset):
    """A duplicate key elsewhere does not stop the unknown value from being reported too."""
    text = BASE + "company:\n  culture: startp\n  culture: traditional\n"
    got = [line.split(": error: ")[1].split(":")[0] for line in diagnose(ruleset, text)]
    assert got == ["unknown-value", "duplicate-key"]


# ---- fuzzing: parse + validate either returns a Scenario or raises FollowupError ------------------------

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _check_total(ruleset, make) -> None:
    """`make()` must return a Scenario or raise FollowupError with well-formed located diagnostics."""
    try:
        result = make()
    except FollowupError as exc:
        assert exc.diagnostics
        for diag in exc.diagnostics:
            assert diag.location.path == "fuzz.yaml" and diag.code and diag.message
            assert RENDERED.match(diag.render().splitlines()[0]), diag.render()
    else:
        assert isinstance(result, Scenario)


YAMLISH = st.text(alphabet=st.sampled_from(list("abc:-[]{}&*!|>'\"#?,.%@`\\\n\t 0129x_")), max_size=200)


@FUZZ
@given(text=st.one_of(st.text(max_size=300), YAMLISH))
def test_fuzz_text_never_raises_anything_else(ruleset, text: str):
    """Random text: the loader + validator return a Scenario or raise FollowupError, nothing else."""
    _check_total(
        ruleset,
        lambda: validate_scenario(parse_text("fuzz.yaml", text), ruleset, today=dt.date(2026, 11, 20)),
    )


@FUZZ
@given(data=st.binary(max_size=300))
def test_fuzz_bytes_never_raise_anything_else(ruleset, data: bytes):
    """Random bytes: decode + load + validate return a Scenario or raise FollowupError, nothing else."""
    _check_total(
        ruleset,
        lambda: validate_scenario(
            parse_text("fuzz.yaml", decode("fuzz.yaml", data)), ruleset, today=dt.date(2026, 11, 20)
        ),
    )


_KEYS = sorted(
    {
        *SHAPE,
        *(k for spec in SHAPE.values() if isinstance(spec, dict) for k in spec),
        "kind",
        "date",
        "channel",
        "outcome",
        "interveiw",
        "nmae",
    }
)
_WORDS = [
    "startup",
    "small",
    "video",
    "email",
    "strong",
    "reply",
    "thank_you",
    "follow_up",
    "pending",
    "offer",
    "vidoe",
    "2026-11-05",
    "2026-02-30",
    "",
    "yes",
]
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.sampled_from(_WORDS),
    st.text(max_size=20),
    st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31)),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.sampled_from(_KEYS), st.text(max_size=8)), inner, max_size=5),
    ),
    max_leaves=25,
)
_SECTIONS = st.fixed_dictionaries(
    {},
    optional={
        "as_of": st.one_of(st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31)), _SCALARS),
        "interview": st.one_of(
            st.fixed_dictionaries(
                {},
                optional={
                    "date": st.one_of(st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31)), _SCALARS),
                    "medium": st.one_of(st.sampled_from(["video", "phone", "onsite", "vidoe"]), _SCALARS),
                },
            ),
            _VALUES,
        ),
        "company": _VALUES,
        "contact": _VALUES,
        "timeline": _VALUES,
        "position": _VALUES,
        "id": _SCALARS,
        "history": st.one_of(
            st.lists(
                st.fixed_dictionaries(
                    {},
                    optional={
                        "kind": st.sampled_from(["thank_you", "follow_up", "reply", "replied"]),
                        "date": st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
                        "channel": st.sampled_from(["email", "phone", "fax"]),
                        "outcome": st.sampled_from(["pending", "offer", "maybe"]),
                    },
                ),
                max_size=4,
            ),
            _VALUES,
        ),
    },
)


@FUZZ
@given(
    doc=st.one_of(_SECTIONS, _VALUES),
    flow=st.booleans(),
    as_of=st.one_of(st.none(), st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
    today=st.one_of(st.none(), st.dates(dt.date(2026, 10, 1), dt.date(2026, 12, 31))),
)
def test_fuzz_yamlish_mappings_never_raise_anything_else(ruleset, doc, flow, as_of, today):
    """Random scenario-shaped mappings: a Scenario or FollowupError, never another exception."""
    text = yaml.safe_dump(doc, default_flow_style=flow, allow_unicode=True, sort_keys=False)
    _check_total(
        ruleset, lambda: validate_scenario(parse_text("fuzz.yaml", text), ruleset, as_of=as_of, today=today)
    )


def test_a_tab_used_for_indentation_is_named_as_a_tab():
    """The corpus's tab-indented file says it is a tab and that YAML indents with spaces (not the
    parser's "found character that cannot start any token")."""
    path = str(CORPUS / "yaml_tab_indent.yaml")
    result = CliRunner().invoke(main, ["advise", path, "--rules", RULES])
    assert result.exit_code == 2
    assert result.stderr == (
        f"{path}:4:1: error: yaml-syntax: a tab character here: YAML indents with spaces, not tabs "
        "(replace the tab with spaces)\n"
    )
