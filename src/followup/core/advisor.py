"""The pipeline in one place: load -> validate -> compile -> evaluate -> decide."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

from .compiler import Compiled
from .decide import decide
from .engine import Evaluator
from .facts import compute
from .loader import Node, load_file
from .model import Recommendation, RuleSet, Scenario
from .scenario import validate_scenario


@dataclass
class Advisor:
    """A loaded, compiled rule set ready to answer any number of scenarios."""

    ruleset: RuleSet
    compiled: Compiled
    evaluator: Evaluator

    def scenario(self, node: Node, as_of: dt.date | None = None, today: dt.date | None = None) -> Scenario:
        return validate_scenario(node, self.ruleset, as_of=as_of, today=today)

    def evaluate(self, scenario: Scenario) -> Recommendation:
        assert scenario.as_of is not None
        facts, how = compute(scenario, scenario.as_of)
        firings = self.evaluator.evaluate(facts)
        rec = decide(self.ruleset, firings, facts, scenario.as_of)
        rec.how = how
        return rec

    def advise_file(self, path: str, as_of: dt.date | None = None,
                    today: dt.date | None = None) -> Recommendation:
        return self.evaluate(self.scenario(load_file(path, lenient=True), as_of=as_of, today=today))


def default_rules_dir() -> str:
    """The stock rules: inside the installed package (followup/rules), or, in a source checkout
    used in place, the repository's rules/ directory."""
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    installed = os.path.join(package, "rules")
    if os.path.isfile(os.path.join(installed, "vocabulary.yaml")):
        return installed
    return os.path.normpath(os.path.join(package, "..", "..", "rules"))


_cache: dict[str, Advisor] = {}


def rules_dir(explicit: str | None = None) -> str:
    """--rules, else $FOLLOWUP_RULES, else the stock rules in the package."""
    if explicit or os.environ.get("FOLLOWUP_RULES"):
        return explicit or os.environ["FOLLOWUP_RULES"]
    return default_rules_dir()


def load_advisor(directory: str | None = None) -> Advisor:
    """Load, validate and compile a rules directory (cached per directory in this process, and
    across processes in the user's cache directory, keyed by the files' names, sizes and
    modification times: a cold `followup advise` skips re-reading unchanged rules)."""
    path = os.path.abspath(rules_dir(directory))
    if path not in _cache:
        target = _cache_file(path)  # keyed by the files as they are before reading them
        loaded = _read_cache(target)
        if loaded is None:
            from .compiler import compile_rules
            from .rules import load_rules

            ruleset = load_rules(path)
            loaded = (ruleset, compile_rules(ruleset))
            _write_cache(target, loaded)
        ruleset, compiled = loaded
        _cache[path] = Advisor(ruleset, compiled, Evaluator(compiled, path))
    return _cache[path]


def _cache_file(path: str) -> str | None:
    """Where the compiled rules of a directory are cached; None when caching is off."""
    if os.environ.get("FOLLOWUP_CACHE", "on") == "off":
        return None
    import sys
    import zlib

    from followup import __version__

    code = os.path.dirname(os.path.abspath(__file__))
    try:
        stats = sorted((n, st.st_size, st.st_mtime_ns) for n in os.listdir(path)
                       if n.endswith((".yaml", ".yml")) for st in [os.stat(os.path.join(path, n))])
        # the code that validates and compiles is part of the key too (an edited checkout)
        stats += sorted((n, st.st_size, st.st_mtime_ns) for n in os.listdir(code)
                        if n.endswith(".py") for st in [os.stat(os.path.join(code, n))])
    except OSError:
        return None
    base = os.environ.get("FOLLOWUP_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "followup-advisor")
    raw = repr((path, stats, __version__, sys.version_info[:2])).encode()
    key = f"{zlib.crc32(raw):08x}{zlib.adler32(raw):08x}{len(raw):x}"  # hashlib costs 2 ms to import
    return os.path.join(base, f"rules-{key}.pickle")


def _read_cache(target: str | None) -> tuple[RuleSet, Compiled] | None:
    if target is None or not os.path.exists(target):
        return None
    import pickle

    try:
        with open(target, "rb") as fh:
            loaded = pickle.load(fh)
    except Exception:  # noqa: BLE001 - a damaged cache entry is rebuilt
        return None
    if not (isinstance(loaded, tuple) and len(loaded) == 2 and isinstance(loaded[0], RuleSet)
            and isinstance(loaded[1], Compiled)):
        return None
    return loaded


def _write_cache(target: str | None, loaded: tuple[RuleSet, Compiled]) -> None:
    if target is None:
        return
    import pickle
    import tempfile

    try:
        os.makedirs(os.path.dirname(target), mode=0o700, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".rules-")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(loaded, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, target)
    except OSError:
        pass  # no cache is only slower
