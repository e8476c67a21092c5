"""`track edit`: an application's scenario changed field by field (`--set PATH=VALUE`, `--unset
PATH`), or as a whole in a text editor (the scenario as YAML, checked before anything is saved).
Both build the scenario tree the validator reads, with each changed value located where it was
typed, and changes.replace() saves it (validated as of the day, in one transaction).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from followup.core.errors import Diagnostic, Location, did_you_mean
from followup.core.loader import Node, _short
from followup.core.scenario import SHAPE, parse_date

from .documents import Application, node_of


def _leaves(shape: dict[str, Any], prefix: str = "") -> dict[str, str]:
    out = {}
    for key, spec in shape.items():
        path = f"{prefix}{key}"
        if isinstance(spec, dict):
            out.update(_leaves(spec, path + "."))
        elif isinstance(spec, str) and key not in ("id", "as_of"):
            out[path] = spec
    return out


_SPECS = _leaves(SHAPE)
FIELDS = {path: spec.rstrip("!") for path, spec in _SPECS.items()}  # --set, --unset: path -> kind
REQUIRED = tuple(path for path, spec in _SPECS.items() if spec.endswith("!"))  # interview.date
DATE_KEYS = {path.split(".")[-1] for path, kind in FIELDS.items() if kind == "date"} | {"date"}


def field_kind(path: str) -> str | None:
    return FIELDS.get(path)


SET, UNSET = Location("--set"), Location("--unset")
NOT_SET_HERE = {
    "history": "log events with followup track log; change past ones in the editor (track edit ID)",
    "interview.topics": "change the topics in the editor (track edit ID)",
    "id": "an application's id cannot change",
    "as_of": "answers are asked as of today, or --as-of",
}


def changed_tree(
    app: Application,
    sets: list[tuple[str, str]],
    unsets: list[str],
    where_set: Location = SET,
    where_unset: Location = UNSET,
) -> tuple[Node, list[Diagnostic]]:
    """The application's tree with `sets` (path, value as typed) and `unsets` applied, each
    new value located at `where_set`; and the problems with paths that are not fields (those
    changes left out, so validating the tree finds the other problems of the same command)."""
    problems = []
    for path, where in [*((p, where_set) for p, _ in sets), *((p, where_unset) for p in unsets)]:
        if path not in FIELDS:
            hint = NOT_SET_HERE.get(path) or did_you_mean(path, list(FIELDS))
            message = f"{_short(path)} is not a field of the scenario"
            problems.append(Diagnostic(where, "unknown-key", message, hint))
        elif path in REQUIRED and path in unsets:
            message = f"{path} is required"
            problems.append(Diagnostic(where, "missing-field", message, "set another value instead"))
    sets = [(p, v) for p, v in sets if p in FIELDS]
    unsets = [p for p in unsets if p in FIELDS and p not in REQUIRED]
    root = node_of(app)
    for path in unsets:
        section, key = path.split(".")
        part = root.value.get(section)
        if part is not None and part.is_map and key in part.value:
            del part.value[key]
    for path, value in sets:
        section, key = path.split(".")
        part = root.value.get(section)
        if part is None or not part.is_map:
            part = Node({}, where_set)
            root.value[section] = part
            root.key_locs = {**root.key_locs, section: where_set}
        part.value[key] = Node(value, where_set)
        part.key_locs = {**part.key_locs, key: where_set}
    return root, problems


HEADER = """\
# Application {id}: change what you need, save and close the editor.
# It is checked before anything is saved; a mistake is reported with its line and nothing changes.
# Dates are YYYY-MM-DD. The history lists what was sent and what they replied.
# The allowed values: followup schema scenario (or the README's scenario section).
"""


def editor_text(app: Application) -> str:
    """The application's scenario as YAML to edit (its id in the header, no as_of)."""
    doc = app.document()
    doc.pop("id")
    body = yaml.safe_dump(
        _dates(doc), sort_keys=False, allow_unicode=True, default_flow_style=False, width=100
    )
    return HEADER.format(id=app.id) + body


def _dates(value: Any, key: str = "") -> Any:
    """The dates (values of date fields, never text that looks like one) as dates, so YAML
    shows them unquoted."""
    if isinstance(value, dict):
        return {k: _dates(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates(v, key) for v in value]
    day = parse_date(value) if key in DATE_KEYS and isinstance(value, str) else None
    return day if isinstance(day, dt.date) else value
