"""The compiled-rules cache between processes: loading an entry never runs code, entries are read
and written only in a private directory as private regular files, the key follows the files'
contents, writes are atomic, and a damaged entry is rebuilt."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import stat
import subprocess
import sys

import pytest

import followup
import followup.core.version
from followup.core import advisor as advisor_module
from followup.core import cache
from followup.core import rules as rules_module
from followup.core.cache import cache_file, cache_key, entry_bytes, read_cache, write_cache
from followup.core.cache_format import FORMAT, to_data
from followup.core.compiler import compile_rules
from followup.core.rules import load_rules

from ..helpers import ROOT, RULES, copy_rules

EXE = os.path.join(os.path.dirname(sys.executable), "followup")
EXAMPLE = os.path.join(ROOT, "scenarios", "examples", "second-follow-up.yaml")
ROOT_ONLY = pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
NOBODY = 65534


@pytest.fixture(scope="module")
def stock():
    ruleset = load_rules(RULES)
    return ruleset, compile_rules(ruleset)


@pytest.fixture(scope="module")
def later(tmp_path_factory):
    """The stock rules with the window after the date they gave one day longer (latest 2026-12-04)."""
    rules = copy_rules(str(tmp_path_factory.mktemp("later")))
    _lengthen_window(rules)
    ruleset = load_rules(rules)
    return ruleset, compile_rules(ruleset)


def _lengthen_window(rules: str) -> None:
    """contact-after-hold-final's window note: `no last day` -> `no end date`, same size, mtime kept."""
    path = os.path.join(rules, "timeline.yaml")
    before = os.stat(path)
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    start = text.index("id: contact-after-hold-final")
    at = text.index("no last day", start)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text[:at] + "no end date" + text[at + len("no last day") :])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def advise(cache_path, rules: str = RULES, **env: str) -> dict:
    """`followup advise EXAMPLE --format json` in a new process (never waits more than 60 s)."""
    full = {**os.environ, "FOLLOWUP_CACHE_DIR": str(cache_path), **env}
    proc = subprocess.run(
        [EXE, "advise", EXAMPLE, "--rules", rules, "--format", "json"],
        env=full,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    return json.loads(proc.stdout)


def _names(path) -> list[str]:
    return sorted(os.listdir(path))


class Planted:
    """A pickle that creates a file when unpickled."""

    def __init__(self, marker: str):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_planted_pickle_is_never_run(tmp_path, cache_dir):
    """A pickle under the entry's name is not loaded: the answer is right and its code never ran."""
    marker = tmp_path / "pickle-ran"
    cache_dir.mkdir(mode=0o700)
    with open(cache_file(RULES), "wb") as fh:
        pickle.dump(Planted(str(marker)), fh)
    assert advise(cache_dir)["window_note"].endswith("no last day.")
    assert not marker.exists()


def test_an_entry_from_other_rules_in_a_private_directory_is_read(cache_dir, later):
    """The entry at the key's name is what a run uses (the tests below rely on this)."""
    write_cache(cache_file(RULES), later)
    assert advise(cache_dir)["window_note"].endswith("no end date.")


@pytest.mark.parametrize(
    "make_unsafe",
    [
        pytest.param(lambda p: os.chmod(p, 0o770), id="group-writable"),
        pytest.param(lambda p: os.chmod(p, 0o703), id="others-writable"),
        pytest.param(lambda p: os.chown(p, NOBODY, -1), id="someone-elses", marks=ROOT_ONLY),
    ],
)
def test_an_unsafe_directory_is_neither_read_nor_written(cache_dir, later, make_unsafe):
    """A cache directory someone else owns or can write to: its entry is ignored, nothing is added."""
    target = cache_file(RULES)
    write_cache(target, later)
    make_unsafe(cache_dir)
    assert read_cache(target) is None
    assert advise(cache_dir)["window_note"].endswith("no last day.")
    os.unlink(target)
    write_cache(target, later)
    assert _names(cache_dir) == []


@pytest.mark.parametrize(
    "make_unsafe",
    [
        pytest.param(lambda p: os.chmod(p, 0o620), id="group-writable"),
        pytest.param(lambda p: os.chmod(p, 0o602), id="others-writable"),
        pytest.param(lambda p: os.chown(p, NOBODY, -1), id="someone-elses", marks=ROOT_ONLY),
    ],
)
def test_an_entry_that_is_not_private_is_ignored(cache_dir, later, make_unsafe):
    """An entry someone else owns or can write to is not read, and is replaced by a private one."""
    target = cache_file(RULES)
    write_cache(target, later)
    make_unsafe(target)
    assert read_cache(target) is None
    assert advise(cache_dir)["window_note"].endswith("no last day.")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600 and os.stat(target).st_uid == os.geteuid()


def _entry_elsewhere(tmp_path, target: str, loaded) -> str:
    """A valid entry with the target's name in another private directory."""
    other = tmp_path / "elsewhere"
    other.mkdir(mode=0o700)
    path = str(other / os.path.basename(target))
    write_cache(path, loaded)
    return path


@pytest.mark.parametrize(
    "kind", ["fifo", "directory", "symlink to an entry", "symlink to /dev/null", "device"]
)
def test_what_is_not_a_regular_file_at_the_entry_path_is_ignored_without_blocking(
    tmp_path, cache_dir, later, kind
):
    """A FIFO, directory, symlink or device at the entry path: a prompt answer, no temporary file."""
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    cache_dir.mkdir(mode=0o700)
    target = cache_file(RULES)
    if kind == "fifo":
        os.mkfifo(target, 0o600)
    elif kind == "directory":
        os.mkdir(target, 0o700)
    elif kind == "symlink to an entry":
        os.symlink(_entry_elsewhere(tmp_path, target, later), target)
    elif kind == "symlink to /dev/null":
        os.symlink(os.devnull, target)
    else:
        os.mknod(target, 0o600 | stat.S_IFCHR, os.stat(os.devnull).st_rdev)
    assert advise(cache_dir)["window_note"].endswith("no last day.")  # within advise's 60 s timeout
    rules_entries = [n for n in _names(cache_dir) if not n.startswith("messages-")]  # (the draft's templates)
    assert rules_entries == [os.path.basename(target)]


def test_a_same_size_edit_with_the_mtime_restored_is_not_served_stale(tmp_path, cache_dir):
    """The key follows the rule files' contents, not their sizes and modification times."""
    rules = copy_rules(str(tmp_path))
    assert advise(cache_dir, rules)["window_note"].endswith("no last day.")
    key = cache_key(rules)
    _lengthen_window(rules)
    assert cache_key(rules) != key
    assert advise(cache_dir, rules)["window_note"].endswith("no end date.")


def test_the_key_follows_the_version_the_code_and_the_rules_directory(tmp_path, monkeypatch):
    """Another followup version, an edited core module or another rules directory: another key."""
    key = cache_key(RULES)
    assert key is not None and cache_key(RULES) == key
    monkeypatch.setattr(followup.core.version, "__version__", "0.0.0-other")
    assert cache_key(RULES) != key
    monkeypatch.undo()
    code = tmp_path / "core"
    code.mkdir()
    for name in os.listdir(cache.CODE):
        if name.endswith(".py"):
            shutil.copy2(os.path.join(cache.CODE, name), code / name)
    monkeypatch.setattr(cache, "CODE", str(code))
    copied = cache_key(RULES)
    text = (code / "decide.py").read_bytes()
    (code / "decide.py").write_bytes(text.replace(b"(", b"[", 1))  # same size
    assert cache_key(RULES) != copied
    assert cache_key(copy_rules(str(tmp_path))) != key


def test_the_cache_directory_follows_the_environment(monkeypatch):
    """FOLLOWUP_CACHE_DIR, else an absolute XDG_CACHE_HOME, else ~/.cache (a relative one is ignored)."""
    monkeypatch.delenv("FOLLOWUP_CACHE_DIR")
    monkeypatch.setenv("HOME", "/home/someone")
    monkeypatch.setenv("XDG_CACHE_HOME", "/var/cache/someone")
    assert cache.cache_dir() == "/var/cache/someone/followup-advisor"
    monkeypatch.setenv("XDG_CACHE_HOME", "shared/cache")
    assert cache.cache_dir() == "/home/someone/.cache/followup-advisor"
    monkeypatch.setenv("FOLLOWUP_CACHE_DIR", "/tmp/mine")
    assert cache.cache_dir() == "/tmp/mine"


def test_a_rules_file_that_is_a_fifo_gives_no_key(tmp_path):
    """A FIFO among the rule files is not opened for hashing: no key, no wait."""
    rules = copy_rules(str(tmp_path))
    os.mkfifo(os.path.join(rules, "extra.yaml"))
    assert cache_key(rules) is None


def test_rules_edited_while_being_read_are_not_cached(tmp_path, cache_dir, monkeypatch):
    """An edit between computing the key and reading the rules: the result is not stored."""
    rules = copy_rules(str(tmp_path))
    original = rules_module.load_rules

    def load_then_edit(path):
        loaded = original(path)
        with open(os.path.join(rules, "timeline.yaml"), "a", encoding="utf-8") as fh:
            fh.write("# edited\n")
        return loaded

    monkeypatch.setattr(rules_module, "load_rules", load_then_edit)
    monkeypatch.setattr(advisor_module, "_cache", {})
    advisor_module.load_advisor(rules)
    assert not cache_dir.exists() or _names(cache_dir) == []


@pytest.mark.parametrize("failing", ["write", "replace"])
def test_a_failed_write_leaves_no_temporary_file(cache_dir, stock, monkeypatch, failing):
    """A write that fails (disk full, a rename refused) leaves the directory as it was."""

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    cache_dir.mkdir(mode=0o700)
    monkeypatch.setattr(os, failing, fail)
    write_cache(cache_file(RULES), stock)
    monkeypatch.undo()
    assert _names(cache_dir) == []


def test_an_interrupted_write_removes_its_temporary_file(cache_dir, stock, monkeypatch):
    """Ctrl-C during a write: the interrupt goes on, the temporary file does not stay."""

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    cache_dir.mkdir(mode=0o700)
    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        write_cache(cache_file(RULES), stock)
    monkeypatch.undo()
    assert _names(cache_dir) == []


def test_a_new_cache_directory_and_entry_are_private(tmp_path, stock):
    """The directory is created with mode 0700, the entry with 0600."""
    target = str(tmp_path / "a" / "cache" / "rules-x.json")
    write_cache(target, stock)
    assert stat.S_IMODE(os.stat(os.path.dirname(target)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert read_cache(target) is not None


DAMAGED = {
    "not json": lambda name, good, data: b"not json",
    "empty": lambda name, good, data: b"",
    "cut short": lambda name, good, data: good[:-100],
    "one byte changed": lambda name, good, data: good[:-20] + bytes([good[-20] ^ 1]) + good[-19:],
    "another key's entry": lambda name, good, data: entry_bytes("rules-0.json", data),
    "another format": lambda name, good, data: entry_bytes(name, {**data, "format": FORMAT + 1}),
    "an extra key": lambda name, good, data: entry_bytes(name, {**data, "junk": []}),
    "a wrong type": lambda name, good, data: entry_bytes(name, {**data, "paths": "rules"}),
}


@pytest.mark.parametrize("damage", sorted(DAMAGED))
def test_a_damaged_entry_is_rebuilt(cache_dir, stock, monkeypatch, damage):
    """An entry that is not exactly what a write leaves is a miss, and a good one replaces it."""
    target = cache_file(RULES)
    write_cache(target, stock)
    with open(target, "rb") as fh:
        good = fh.read()
    with open(target, "wb") as fh:
        fh.write(DAMAGED[damage](os.path.basename(target), good, to_data(*stock)))
    assert read_cache(target) is None
    monkeypatch.setattr(advisor_module, "_cache", {})
    advisor_module.load_advisor(RULES)
    with open(target, "rb") as fh:
        assert fh.read() == good


def test_cache_off_reads_and_writes_nothing(cache_dir, later):
    """FOLLOWUP_CACHE=off: the entry is not read and nothing is written."""
    target = cache_file(RULES)
    write_cache(target, later)
    assert advise(cache_dir, FOLLOWUP_CACHE="off")["window_note"].endswith("no last day.")
    os.unlink(target)
    assert advise(cache_dir, FOLLOWUP_CACHE="off")["window_note"].endswith("no last day.")
    assert _names(cache_dir) == []


ANSWER_EVERY_FIXTURE = """
import glob, json, os, sys
from followup.audit.explain import explain
from followup.authoring.fixtures import load_cases
from followup.core.advisor import load_advisor
from followup.core.errors import FollowupError
from followup.core.loader import load_file

advisor = load_advisor(sys.argv[1])
out = {"loaded_rules": "followup.core.rules" in sys.modules, "answers": {}}
for path in sorted(glob.glob(os.path.join(sys.argv[2], "*.yaml"))):
    for case in load_cases(path):
        try:
            node = case.scenario if case.scenario is not None else load_file(case.scenario_file, lenient=True)
            rec, trace = explain(advisor, advisor.scenario(node, as_of=case.as_of))
            out["answers"][case.id] = [rec.to_json(), trace]
        except FollowupError as exc:
            out["answers"][case.id] = [d.render() for d in exc.diagnostics]
print(json.dumps(out, default=str))
"""


def test_every_fixture_is_answered_and_explained_alike_with_and_without_the_cache(cache_dir):
    """Every fixture: the same answer and full trace with the cache off, being written, and read."""

    def run(**env: str) -> dict:
        proc = subprocess.run(
            [sys.executable, "-c", ANSWER_EVERY_FIXTURE, RULES, os.path.join(ROOT, "scenarios")],
            env={**os.environ, "FOLLOWUP_CACHE_DIR": str(cache_dir), **env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        return json.loads(proc.stdout)

    off, written, read = run(FOLLOWUP_CACHE="off"), run(), run()
    assert (off["loaded_rules"], written["loaded_rules"], read["loaded_rules"]) == (True, True, False)
    assert len(off["answers"]) >= 100
    assert written["answers"] == off["answers"]
    assert read["answers"] == off["answers"]
