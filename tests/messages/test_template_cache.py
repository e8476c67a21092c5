"""The checked templates kept between processes (messages/template_cache.py): a later load reads
the entry instead of messages.yaml and gets the same templates; an edit is a new entry; a damaged
or forged entry is read again from the file, never trusted; a file with mistakes is never kept."""

from __future__ import annotations

import json
import os
from typing import Any

import pytest

from followup.core import cache
from followup.core.errors import FollowupError
from followup.core.rules import load_rules
from followup.messages import template_cache, templates
from followup.messages.template_cache import entry_file, read_entry, to_data

from ..helpers import RULES, copy_rules


@pytest.fixture
def fresh(monkeypatch):
    """No templates held in this process; every read of messages.yaml counted."""
    monkeypatch.setattr(templates, "_loaded", {})
    monkeypatch.setattr(templates, "_by_rules", {})
    reads: list[str] = []
    real = templates.read_messages

    def counting(path: str, ruleset: Any) -> templates.Messages:
        reads.append(path)
        return real(path, ruleset)

    monkeypatch.setattr(templates, "read_messages", counting)
    return reads


def _forget(monkeypatch) -> None:
    """A new process, as far as the templates go."""
    monkeypatch.setattr(templates, "_loaded", {})
    monkeypatch.setattr(templates, "_by_rules", {})


def _same(a: templates.Messages, b: templates.Messages) -> None:
    assert (a.path, a.prompts) == (b.path, b.prompts)
    assert [[getattr(t, s) for s in t.__slots__] for t in a.templates] == [
        [getattr(t, s) for s in t.__slots__] for t in b.templates
    ]


def test_a_later_load_reads_the_entry_and_gets_the_same_templates(cache_dir, fresh, monkeypatch):
    """The first load reads messages.yaml and keeps it; the next (a new process) reads only the entry."""
    ruleset = load_rules(RULES)
    first = templates.load_messages(ruleset)
    assert len(fresh) == 1 and [p.name.split("-")[0] for p in cache_dir.iterdir()] == ["messages"]
    _forget(monkeypatch)
    second = templates.load_messages(ruleset)
    assert len(fresh) == 1
    _same(second, first)
    _same(second, templates.read_messages(templates.messages_path(RULES), ruleset))


def test_an_edited_file_is_a_new_entry(cache_dir, fresh, monkeypatch, tmp_path):
    """Editing messages.yaml (same size) changes the key: the edit shows, the old entry is not used."""
    rules = copy_rules(str(tmp_path))
    ruleset = load_rules(rules)
    templates.load_messages(ruleset)
    path = os.path.join(rules, "messages.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    assert "Thank you" in text
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("Thank you", "Thank-you", 1))
    _forget(monkeypatch)
    edited = templates.load_messages(ruleset)
    assert len(fresh) == 2 and len(list(cache_dir.iterdir())) == 2
    assert any("Thank-you" in (t.subject or "") + t.body for t in edited.templates)


def _entry(ruleset: Any) -> tuple[str, dict[str, Any]]:
    path = templates.messages_path(RULES)
    return entry_file(path, ruleset) or "", to_data(templates.read_messages(path, ruleset))


def _first(d: dict[str, Any]) -> list[Any]:
    return d["templates"][0]  # [id, contact, channel, sources, subject, body, line, column, description]


FORGED = {
    "another format": lambda d: d.update(format=2),
    "an extra key": lambda d: d.update(more=1),
    "a prompt missing": lambda d: d["prompts"].popitem(),
    "a prompt not text": lambda d: d["prompts"].update({next(iter(d["prompts"])): 1}),
    "a contact as text": lambda d: _first(d).__setitem__(1, str(_first(d)[1])),
    "a contact as true": lambda d: _first(d).__setitem__(1, True),
    "a contact not in the vocabulary": lambda d: _first(d).__setitem__(1, 9),
    "a channel not in the vocabulary": lambda d: _first(d).__setitem__(2, "fax"),
    "a claim not in the rules": lambda d: _first(d)[3].append("999-99"),
    "no claim": lambda d: _first(d).__setitem__(3, []),
    "a bad id": lambda d: _first(d).__setitem__(0, "Not An Id"),
    "a body not text": lambda d: _first(d).__setitem__(5, ["x"]),
    "a line of 0": lambda d: _first(d).__setitem__(6, 0),
    "a field missing": lambda d: _first(d).pop(),
    "a template twice": lambda d: d["templates"].append(list(_first(d))),
    "a second template for a slot": lambda d: d["templates"].append([*_first(d)[:1], *d["templates"][1][1:]]),
    "templates not a list": lambda d: d.update(templates={}),
    "a body naming no placeholder there is": lambda d: _first(d).__setitem__(5, "Hi {evil}"),
    "a subject naming no placeholder there is": lambda d: _emailed(d).__setitem__(4, "Re {evil}"),
    "an email without its subject": lambda d: _emailed(d).__setitem__(4, None),
}


def _emailed(d: dict[str, Any]) -> list[Any]:
    return next(t for t in d["templates"] if t[2] == "email")


@pytest.mark.parametrize("change", FORGED.values(), ids=list(FORGED))
def test_a_forged_entry_is_read_again_from_the_file(cache_dir, fresh, monkeypatch, change):
    """An entry with a valid checksum but not exactly what to_data writes is a miss, then rewritten."""
    ruleset = load_rules(RULES)
    target, data = _entry(ruleset)
    change(data)
    os.makedirs(cache_dir, mode=0o700)
    cache.write_data(target, data)
    assert cache.read_data(target) == data  # the entry itself is intact: only its content is wrong
    assert read_entry(target, templates.messages_path(RULES), ruleset) is None
    fresh.clear()
    loaded = templates.load_messages(ruleset)
    assert len(fresh) == 1
    _same(loaded, templates.read_messages(templates.messages_path(RULES), ruleset))
    assert cache.read_data(target) == _entry(ruleset)[1]  # rebuilt


def test_a_damaged_entry_is_read_again_from_the_file(cache_dir, fresh):
    """A byte changed in the entry fails its checksum: the file is read again and the entry rewritten."""
    ruleset = load_rules(RULES)
    templates.load_messages(ruleset)
    target = entry_file(templates.messages_path(RULES), ruleset) or ""
    with open(target, "rb") as fh:
        raw = fh.read()
    with open(target, "wb") as fh:
        fh.write(raw.replace(b'"format":1', b'"format":2'))
    templates._loaded.clear(), templates._by_rules.clear()
    templates.load_messages(ruleset)
    assert len(fresh) == 2
    with open(target, "rb") as fh:
        assert fh.read() == raw


def test_a_file_with_mistakes_is_never_kept(cache_dir, fresh, monkeypatch, tmp_path):
    """messages.yaml with a mistake raises its diagnostics on every load and writes no entry."""
    rules = copy_rules(str(tmp_path))
    path = os.path.join(rules, "messages.yaml")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text.replace("{company.name}", "{company.nam}", 1))
    ruleset = load_rules(rules)
    for _ in range(2):
        _forget(monkeypatch)
        with pytest.raises(FollowupError) as err:
            templates.load_messages(ruleset)
        assert "unknown-placeholder: {company.nam} is not a message placeholder" in str(err.value)
    assert len(fresh) == 2 and not cache_dir.exists()


def test_caching_off_writes_nothing(cache_dir, fresh, monkeypatch):
    """FOLLOWUP_CACHE=off: the file is read every time and no entry is written."""
    monkeypatch.setenv("FOLLOWUP_CACHE", "off")
    ruleset = load_rules(RULES)
    templates.load_messages(ruleset)
    _forget(monkeypatch)
    templates.load_messages(ruleset)
    assert len(fresh) == 2 and not cache_dir.exists()


def test_the_entry_is_json_data_only(cache_dir, fresh):
    """The entry is a header line and JSON of strings, whole numbers, null and lists."""
    ruleset = load_rules(RULES)
    templates.load_messages(ruleset)
    (entry,) = cache_dir.iterdir()
    head, _, payload = entry.read_bytes().partition(b"\n")
    assert head.startswith(b"followup-rules-cache messages-")
    assert json.loads(payload) == to_data(templates.load_messages(ruleset))
    assert template_cache.FORMAT == json.loads(payload)["format"]
