"""rules/messages.yaml -> Messages: the message templates, checked with located diagnostics.

The file sits beside the rules and holds two things:
- `prompts`: for each placeholder whose value the scenario may not give, the bracketed text a
  draft shows in its place (`[a point from your conversation]`), so a hole is always visible;
- `templates`: one per contact (1 thank-you, 2 status follow-up, 3 final follow-up) and channel,
  each citing the claims of the guidance it encodes. The answer's contact and channel select the
  template: the table is keyed by (contact, channel), so the rules need not name templates.

Templates are data: `{name}` lookups of the PLACEHOLDERS below, nothing else (no attributes,
indexes, format specs or logic). Channels shape them: only an email has a subject; a LinkedIn
message and a handwritten letter have a length limit; a phone template is a call plan.
"""

from __future__ import annotations

import os
import re

from followup.core.errors import FollowupError, Location, did_you_mean
from followup.core.loader import Node
from followup.core.model import RuleSet
from followup.core.rule_files import MESSAGES_FILE, Collector, read_file
from followup.core.wording import PLACEHOLDER


class Placeholder:
    """A name templates may look up. (Plain classes here, not dataclasses: this module loads with
    every answer that drafts a message, and a dataclass costs most of a millisecond to define.)"""

    __slots__ = ("field", "doc")

    def __init__(self, field: str | None, doc: str):
        self.field = field  # the scenario field that gives the value; None: always known
        self.doc = doc


PLACEHOLDERS: dict[str, Placeholder] = {
    "candidate.name": Placeholder("candidate.name", "your own name (candidate.name)"),
    "interview.interviewer": Placeholder("interview.interviewer", "the interviewer's name"),
    "company.name": Placeholder("company.name", "the company's name"),
    "position.title": Placeholder("position.title", "the role's title"),
    "interview.topic": Placeholder("interview.topics", "the first point of interview.topics"),
    "interview.topics": Placeholder(
        "interview.topics", "every point of interview.topics, joined: 'a, b and c'"
    ),
    "interview.date": Placeholder(None, "the day of the interview in words: 'Thursday 5 November'"),
    "time_since_interview": Placeholder(
        None, "from the interview to the day the message goes out, in words: 'a week', '10 days'"
    ),
}
SUBJECT_CHANNELS = ("email",)  # the channels whose messages have a subject line
MAX_BODY = {"linkedin": 600, "letter": 700}  # characters of a template's body, where it must be short
TEMPLATE_KEYS = ("id", "description", "contact", "channel", "sources", "subject", "body")
ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")  # as a rule id (core.rule_reader.ID_PATTERN)


def placeholders_in(text: str) -> list[str]:
    """The names a template text looks up, in order."""
    return PLACEHOLDER.findall(text)


class Template:
    """One message template (read-only once made)."""

    __slots__ = ("id", "contact", "channel", "sources", "subject", "body", "loc", "description")

    def __init__(
        self,
        id: str,
        contact: int,
        channel: str,
        sources: tuple[str, ...],
        subject: str | None,
        body: str,
        loc: Location,
        description: str = "",
    ):
        self.id, self.contact, self.channel, self.sources = id, contact, channel, sources
        self.subject, self.body, self.loc, self.description = subject, body, loc, description


class Messages:
    """The templates of one rules directory, by (contact, channel) (read-only once made)."""

    __slots__ = ("path", "prompts", "templates")

    def __init__(self, path: str, prompts: dict[str, str], templates: tuple[Template, ...]):
        self.path, self.prompts, self.templates = path, prompts, templates

    def template(self, contact: int, channel: str) -> Template | None:
        return next((t for t in self.templates if (t.contact, t.channel) == (contact, channel)), None)


def messages_path(directory: str) -> str:
    """The rules directory's messages.yaml; a directory without one uses the stock templates."""
    own = os.path.join(directory, MESSAGES_FILE)
    if os.path.lexists(own):
        return own
    from followup.core.advisor import default_rules_dir

    return os.path.join(default_rules_dir(), MESSAGES_FILE)


_loaded: dict[tuple[str, str], Messages] = {}
_by_rules: dict[tuple[str, str], Messages] = {}  # (rules directory, digest) -> templates


def load_messages(ruleset: RuleSet) -> Messages:
    """The templates for a rule set (read once per process, and kept between processes by
    template_cache once checked). Raises FollowupError with every problem of the file, located."""
    held = _by_rules.get((ruleset.directory, ruleset.digest))
    if held is not None:  # the hot path: one dictionary lookup, no file system call
        return held
    path = messages_path(ruleset.directory)
    key = (os.path.abspath(path), ruleset.digest)
    if key not in _loaded:
        from .template_cache import entry_file, read_entry, write_entry

        target = entry_file(path, ruleset)  # keyed by the file as it is before reading it
        messages = read_entry(target, path, ruleset)
        if messages is None:
            messages = read_messages(path, ruleset)
            if target is not None and entry_file(path, ruleset) == target:  # not edited meanwhile
                write_entry(target, messages)
        _loaded[key] = messages
    _by_rules[(ruleset.directory, ruleset.digest)] = _loaded[key]
    return _loaded[key]


def read_messages(path: str, ruleset: RuleSet) -> Messages:
    v = Collector()
    doc = read_file(v, path)
    if doc is None:
        raise FollowupError(v.problems)
    prompts: dict[str, str] = {}
    templates: list[Template] = []
    if v.keys(doc, ("description", "prompts", "templates"), ("prompts", "templates"), MESSAGES_FILE):
        prompts = _prompts(v, doc.value["prompts"])
        templates = _templates(v, doc.value["templates"], ruleset)
    if v.problems:
        raise FollowupError(v.problems)
    return Messages(path, prompts, tuple(templates))


def _prompts(v: Collector, node: Node) -> dict[str, str]:
    """placeholder -> the bracketed text shown when its value is absent; one for each
    placeholder the scenario may leave without a value."""
    out: dict[str, str] = {}
    if not node.is_map:
        v.add(node.loc, "wrong-type", "prompts must be a mapping of placeholder -> [text]")
        return out
    optional = [name for name, p in PLACEHOLDERS.items() if p.field is not None]
    for name, value in node.value.items():
        if name not in optional:
            v.add(
                node.key_locs[name],
                "unknown-placeholder",
                f"{{{name}}} is not a placeholder that can be absent",
                did_you_mean(name, optional),
            )
            continue
        text = v.text(value, f"the prompt for {{{name}}}")
        bracketed = text.startswith("[") and text.endswith("]")
        if text and (not bracketed or PLACEHOLDER.search(text)):
            v.add(
                value.loc,
                "bad-value",
                f"the prompt for {{{name}}} must be bracketed text, like '[your name]'",
                "brackets keep a missing value visible; no {placeholders} inside",
            )
        out[name] = text
    for name in optional:
        if name not in node.value:
            v.add(node.loc, "missing-key", f"prompts needs the text shown when {{{name}}} is absent")
    return out


def _templates(v: Collector, node: Node, ruleset: RuleSet) -> list[Template]:
    if not node.is_list:
        v.add(node.loc, "wrong-type", "templates must be a list")
        return []
    out: list[Template] = []
    ids: dict[str, Location] = {}
    slots: dict[tuple[int, str], Template] = {}
    for item in node.value:
        template = _template(v, item, ruleset)
        if template is None:
            continue
        if template.id in ids:
            v.add(
                template.loc,
                "duplicate-id",
                f"template id {template.id!r} is already used at {ids[template.id]}",
            )
            continue
        ids[template.id] = template.loc
        slot = (template.contact, template.channel)
        if slot in slots:
            v.add(
                template.loc,
                "duplicate-template",
                f"template {template.id!r} is a second template for contact {slot[0]} by {slot[1]} "
                f"(the first is {slots[slot].id!r})",
                "one template per contact and channel",
            )
            continue
        slots[slot] = template
        out.append(template)
    return out


def _template(v: Collector, node: Node, ruleset: RuleSet) -> Template | None:
    if not v.keys(node, TEMPLATE_KEYS, ("id", "contact", "channel", "sources", "body"), "a template"):
        return None
    fields = node.value
    tid = v.text(fields["id"], "template id")
    if tid and not ID_PATTERN.match(tid):
        v.add(fields["id"].loc, "bad-value", f"template id {tid!r} must be lower-case words joined by '-'")
    contact = _choice(v, fields["contact"], "contact", ruleset)
    channel = _choice(v, fields["channel"], "channel", ruleset)
    sources = v.str_list(fields["sources"], "sources")
    if fields["sources"].is_list and not sources:
        v.add(
            fields["sources"].loc,
            "missing-key",
            f"template {tid!r} cites no claim",
            "cite the claims it encodes",
        )
    for claim, loc in sources:
        if claim not in ruleset.claims:
            v.add(
                loc,
                "unknown-claim",
                f"unknown claim id {claim!r}",
                did_you_mean(claim, sorted(ruleset.claims)),
            )
    body = v.text(fields["body"], "body")
    subject = v.text(fields.get("subject"), "subject") if "subject" in fields else None
    for text_node in (fields.get("subject"), fields["body"]):
        if text_node is not None and isinstance(text_node.value, str):
            _check_placeholders(v, text_node)
    if isinstance(channel, str):
        _check_channel(v, node, tid, channel, subject, body)
    if not isinstance(contact, int) or not isinstance(channel, str):
        return None
    return Template(
        tid,
        contact,
        channel,
        tuple(c for c, _ in sources),
        subject.strip() if subject is not None else None,
        body.rstrip(),
        node.loc,
        v.text(fields.get("description"), "description", required=False),
    )


def _choice(v: Collector, node: Node, part: str, ruleset: RuleSet) -> int | str | None:
    """contact or channel: one of the vocabulary's answer values."""
    allowed = ruleset.vocabulary.get(f"answer.{part}", ())
    if isinstance(node.value, bool) or node.value not in allowed:
        v.add(
            node.loc,
            "unknown-value",
            f"{part}: unknown value {node.value!r}",
            did_you_mean(str(node.value), [str(a) for a in allowed]),
        )
        return None
    value = node.value
    return value if isinstance(value, (int, str)) else None


def _check_placeholders(v: Collector, node: Node) -> None:
    for name in placeholders_in(str(node.value)):
        if name not in PLACEHOLDERS:
            v.add(
                node.loc,
                "unknown-placeholder",
                f"{{{name}}} is not a message placeholder",
                did_you_mean(name, sorted(PLACEHOLDERS)),
            )


def _check_channel(v: Collector, node: Node, tid: str, channel: str, subject: str | None, body: str) -> None:
    """An email has a subject line and nothing else does; LinkedIn messages and letters are short."""
    if channel in SUBJECT_CHANNELS and subject is None:
        v.add(node.loc, "missing-key", f"template {tid!r} is an {channel} and needs a 'subject'")
    if channel not in SUBJECT_CHANNELS and subject is not None:
        v.add(
            node.key_locs["subject"],
            "not-allowed",
            f"template {tid!r} is for {channel}, which has no subject line",
            "only " + ", ".join(SUBJECT_CHANNELS) + " templates have a subject",
        )
    limit = MAX_BODY.get(channel)
    if limit is not None and len(body.rstrip()) > limit:
        v.add(
            node.value["body"].loc,
            "too-long",
            f"template {tid!r}: a {channel} message of {len(body.rstrip())} characters; the limit is {limit}",
            "keep it short",
        )
