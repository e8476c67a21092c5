"""The checked message templates kept between processes, beside the compiled rules (core/cache.py:
the same private directory, entry header, checksum and atomic writes), so a cold answer that
drafts a message does not parse messages.yaml again.

An entry `messages-KEY.json` holds data only: the prompts and, per template, its id, contact,
channel, sources, subject, body, line, column and description, as JSON. KEY hashes the
messages.yaml file's path and bytes, the digest of the rule set it was checked against (its
claims and answer vocabulary), the modules that check and build templates, and the followup,
format and Python versions: an edit to any of them is a new key. from_data checks every value
(exact JSON types, every key, ids, contacts and channels of the vocabulary, claims of the rule
set, one template per contact and channel); anything else is a miss and the file is read again.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from followup.core import cache
from followup.core.errors import Location
from followup.core.model import RuleSet

from .templates import ID_PATTERN, PLACEHOLDERS, SUBJECT_CHANNELS, Messages, Template, placeholders_in

FORMAT = 1  # bump on any change to what is written
CODE = (  # the modules whose code decides what an entry holds
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "templates.py"),
    os.path.abspath(__file__),
    os.path.join(os.path.dirname(os.path.abspath(cache.__file__)), "wording.py"),
)
TEMPLATE_FIELDS = 9  # id contact channel sources subject body line column description


class EntryError(ValueError):
    """Data that is not exactly what to_data writes for this rule set."""


def entry_file(path: str, ruleset: RuleSet) -> str | None:
    """The cache entry for the templates at `path` checked against `ruleset`; None when caching is
    off or the file or a module cannot be read as a regular file."""
    if not cache.enabled():
        return None
    from followup.core.version import __version__

    h = cache.hasher()
    h.update(repr((FORMAT, __version__, sys.implementation.name, sys.version_info[:2])).encode())
    h.update(repr((os.path.abspath(path), ruleset.digest)).encode())
    for name in (path, *CODE):
        data = cache.read_regular(name, cache.MAX_HASHED)
        if data is None:
            return None
        h.update(b"\0%d:" % len(data) + data)
    return os.path.join(cache.cache_dir(), f"messages-{h.hexdigest()}.json")


def read_entry(target: str | None, path: str, ruleset: RuleSet) -> Messages | None:
    """The templates kept at `target`, or None for a miss (no entry, or not exactly an entry)."""
    data = cache.read_data(target)
    if data is None:
        return None
    try:
        return from_data(data, path, ruleset)
    except Exception:  # noqa: BLE001 - a damaged or foreign entry is a miss, never trusted
        return None


def write_entry(target: str | None, messages: Messages) -> None:
    if target is not None:
        cache.write_data(target, to_data(messages))


def to_data(messages: Messages) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "prompts": dict(messages.prompts),
        "templates": [
            [t.id, t.contact, t.channel, list(t.sources), t.subject, t.body]
            + [t.loc.line, t.loc.column, t.description]
            for t in messages.templates
        ],
    }


def from_data(data: Any, path: str, ruleset: RuleSet) -> Messages:
    """Messages from an entry's data; EntryError unless it is exactly what to_data writes for
    templates checked against this rule set."""
    if type(data) is not dict or list(data) != ["format", "prompts", "templates"]:
        raise EntryError("not an entry")
    if type(data["format"]) is not int or data["format"] != FORMAT:
        raise EntryError("another format")
    prompts = data["prompts"]
    optional = [name for name, p in PLACEHOLDERS.items() if p.field is not None]
    if type(prompts) is not dict or sorted(prompts) != sorted(optional):
        raise EntryError("prompts")
    for text in prompts.values():
        _str(text)
    if type(data["templates"]) is not list:
        raise EntryError("templates")
    allowed: dict[str, tuple[Any, ...]] = ruleset.vocabulary  # answer.contact holds whole numbers
    contacts = [c for c in allowed.get("answer.contact", ()) if type(c) is int]
    channels = [c for c in allowed.get("answer.channel", ()) if type(c) is str]
    templates: list[Template] = []
    for item in data["templates"]:
        if type(item) is not list or len(item) != TEMPLATE_FIELDS:
            raise EntryError("a template")
        tid, contact, channel, sources, subject, body, line, column, description = item
        if not ID_PATTERN.match(_str(tid)) or contact not in contacts or type(contact) is not int:
            raise EntryError("a template's id or contact")
        if _str(channel) not in channels or type(sources) is not list or not sources:
            raise EntryError("a template's channel or sources")
        if any(_str(claim) not in ruleset.claims for claim in sources):
            raise EntryError("a template's sources")
        if (subject is not None) != (channel in SUBJECT_CHANNELS):
            raise EntryError("a template's subject")  # an email has one and nothing else does
        for text in (body, subject or ""):
            if any(name not in PLACEHOLDERS for name in placeholders_in(_str(text))):
                raise EntryError("a template's placeholder")  # read's check: only known names
        if type(line) is not int or type(column) is not int or line < 1 or column < 1:
            raise EntryError("a template's location")
        if any((t.id == tid or (t.contact, t.channel) == (contact, channel)) for t in templates):
            raise EntryError("a template twice")
        loc = Location(path, line, column)
        templates.append(
            Template(tid, contact, channel, tuple(sources), subject, _str(body), loc, _str(description))
        )
    return Messages(path, dict(prompts), tuple(templates))


def _str(x: Any) -> str:
    if type(x) is not str:
        raise EntryError("a string")
    return x
