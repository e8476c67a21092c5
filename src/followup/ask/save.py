"""What `followup ask` writes, only when the user says so: the answers as a scenario file (YAML
that `followup advise` and `followup ask --from` read back to the same answer) and the calendar
reminder. Both are written whole or not at all (core.files.write_atomically)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

from followup.core.wording import show_date

HEADER = """\
# Your interview, as answered in `followup ask` on {day}.
# Ask again any day (as of that day): followup advise {name}
# Tell it what happened since:         followup ask --from {name}
"""


def scenario_yaml(doc: dict[str, Any], day: dt.date, name: str) -> str:
    """The answers as a scenario file. No `as_of`: asked again later, the file is read as of that
    day. Text is quoted wherever YAML would read it as something else (PyYAML's safe dumper
    quotes every string that a YAML 1.1 reader would take for a number, date or boolean, which
    covers the stricter reading of followup's loader)."""
    body = yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, default_flow_style=False, width=100)
    return HEADER.format(day=show_date(day), name=_shell_word(name)) + body


def _shell_word(name: str) -> str:
    return name if re.fullmatch(r"[\w./-]+", name) else "'" + name.replace("'", "'\\''") + "'"


def suggested_name(doc: dict[str, Any], suffix: str) -> str:
    """'acme-robotics.yaml' from the company's name, else 'interview-2026-11-05.yaml'."""
    company = str(doc.get("company", {}).get("name") or "")
    slug = re.sub(r"[^a-z0-9]+", "-", company.lower()).strip("-")[:40].strip("-")
    if not slug:
        slug = f"interview-{doc['interview']['date']}"
    return slug + suffix
