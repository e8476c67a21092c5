"""followup-advisor: is a (second) follow-up after a job interview okay here, and when?

The public Python API (everything else in the package is private and may change):

    import followup
    answer = followup.advise({"as_of": "2026-11-20", "interview": {"date": "2026-11-05"}})
    answer.verdict, answer.summary, answer.draft, answer.to_json()

- advise(scenario, *, as_of=None, rules=None) -> Answer
- explain(scenario, *, as_of=None, rules=None, level="full") -> Explanation
- load_rules(directory=None) -> Rules, to pass as `rules=` to many calls
- Answer, Explanation, Rules, FollowupError (every problem with the input; `.diagnostics`),
  Diagnostic, and SCHEMA_VERSION (the version of the JSON that Answer.to_json() returns).

Importing `followup` loads nothing else: the library is imported when a function is first called
(the `followup` command imports this package first, and stays quick to start).
"""

from __future__ import annotations

from followup.core.version import __version__

TYPE_CHECKING = False  # typing is not imported at run time: `import followup` stays free

__all__ = [
    "SCHEMA_VERSION",
    "__version__",
    "Answer",
    "Diagnostic",
    "Explanation",
    "FollowupError",
    "Rules",
    "advise",
    "explain",
    "load_rules",
]

if TYPE_CHECKING:  # pragma: no cover
    import datetime as _dt
    import os as _os
    from collections.abc import Mapping as _Mapping
    from typing import Any

    from followup.audit.api import Answer, Explanation, Rules
    from followup.core.errors import Diagnostic, FollowupError
    from followup.core.schema_version import SCHEMA_VERSION

_LAZY = {
    "Answer": "followup.audit.api",
    "Explanation": "followup.audit.api",
    "Rules": "followup.audit.api",
    "FollowupError": "followup.core.errors",
    "Diagnostic": "followup.core.errors",
    "SCHEMA_VERSION": "followup.core.schema_version",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'followup' has no attribute {name!r}")


def advise(
    scenario: _Mapping[str, Any] | str | _os.PathLike[str],
    *,
    as_of: _dt.date | str | None = None,
    rules: Rules | str | _os.PathLike[str] | None = None,
) -> Answer:
    """Answer one scenario: a Mapping shaped as the scenario file (README: The scenario), or the
    path of a YAML or JSON file. `as_of` (a date or "YYYY-MM-DD") overrides the scenario's own;
    one of the two is required. `rules`: a Rules from load_rules(), a rules directory, or None for
    $FOLLOWUP_RULES, else the stock rules. Raises FollowupError for any problem with the input."""
    from followup.audit.api import advise as _advise

    return _advise(scenario, as_of=as_of, rules=rules)


def explain(
    scenario: _Mapping[str, Any] | str | _os.PathLike[str],
    *,
    as_of: _dt.date | str | None = None,
    rules: Rules | str | _os.PathLike[str] | None = None,
    level: str = "full",
) -> Explanation:
    """advise() with its audit trail: the trace's events at `level` (answer, fired or full) and
    the lineage graph; `.answer` is the Answer."""
    from followup.audit.api import explain as _explain

    return _explain(scenario, as_of=as_of, rules=rules, level=level)


def load_rules(directory: str | _os.PathLike[str] | None = None) -> Rules:
    """Load, validate and compile a rules directory once, for many advise()/explain() calls."""
    from followup.audit.api import load_rules as _load_rules

    return _load_rules(directory)
