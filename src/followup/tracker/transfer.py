"""What leaves and enters the tracker as files: `track export` (every application as one JSON
line, the scenario `followup batch` reads, with its `id`), `track import` (such lines read back,
all or nothing) and `track ics` (one calendar with a reminder per application).

Export is canonical (documents.py): ids in order (numbers first, numerically), keys in the
scenario's order, the history by date; so export, import into an empty database and export
again gives the same bytes. A scenario has no place for the archive flag: `--only active` /
`--only archived` on export and `--archived` on import keep it across two files.

Import reads each line exactly as `followup batch` does (core.jsonline: the same codes,
messages and FILE:LINE:COLUMN), as of the day given (so an event after it is refused), then
checks what the tracker adds: a typeable id (`bad-id`), an id used twice in the file
(`duplicate-id`) or already in the database (`id-taken`). Every problem is reported (the
first MAX_PROBLEMS), and any problem imports nothing. A line without an id is numbered.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.files import read_input
from followup.core.jsonline import decode_line, load_json, load_tree, relocate, validate_line
from followup.core.loader import MAX_BYTES, _short

from . import rows
from .answers import Answer, damaged, id_key
from .documents import NUMBER, Application, application, check_storable
from .store import Store

if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor
    from followup.core.model import Scenario

MAX_IMPORT_BYTES = 256 * 1024 * 1024  # an export of a quarter of a million applications
MAX_PROBLEMS = 100


def export_bytes(apps: list[Application]) -> bytes:
    """The applications as JSON Lines, in id order. Refused (nothing written) when one of them
    was damaged outside followup: its line would not be its scenario."""
    broken = [damaged(app) for app in apps if app.damaged]
    if broken:
        raise FollowupError(broken)
    lines = [
        json.dumps(app.document(), ensure_ascii=False) + "\n"
        for app in sorted(apps, key=lambda a: id_key(a.id))
    ]
    return "".join(lines).encode("utf-8")


def read_import(advisor: Advisor, path: str, as_of: dt.date) -> list[tuple[int, Scenario]]:
    """Every line of `path` ("-": stdin) as a validated scenario, with its line number; a
    FollowupError with every problem found (located at FILE:LINE:COLUMN) when there is any."""
    name, data = read_input(path, MAX_IMPORT_BYTES)
    if len(data) > MAX_IMPORT_BYTES:
        raise FollowupError(
            [
                Diagnostic(
                    Location(name), "too-large", f"more than {MAX_IMPORT_BYTES} bytes", "split it in parts"
                )
            ]
        )
    pieces = data.split(b"\n")
    if pieces and pieces[-1] == b"":
        pieces.pop()  # the newline that ends the last line
    problems: list[Diagnostic] = []
    out: list[tuple[int, Scenario]] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(pieces, start=1):
        if len(problems) >= MAX_PROBLEMS:
            note = f"more than {MAX_PROBLEMS} problems; the first {MAX_PROBLEMS} are shown"
            problems.append(Diagnostic(Location(name), "too-many-problems", note))
            break
        line = raw[:-1] if raw.endswith(b"\r") else raw
        try:
            scenario = _scenario(advisor, name, number, line, as_of)
        except FollowupError as exc:
            problems.extend(relocate(exc.diagnostics, name, number))
            continue
        if scenario.id is not None and scenario.id in seen:
            message = f"id {_short(scenario.id)} is also the id on line {seen[scenario.id]}"
            problems.append(Diagnostic(_id_location(name, number, scenario), "duplicate-id", message))
            continue
        if scenario.id is not None:
            seen[scenario.id] = number
        out.append((number, scenario))
    if problems:
        raise FollowupError(problems)
    return out


def _scenario(advisor: Advisor, name: str, number: int, line: bytes, as_of: dt.date) -> Scenario:
    if len(line) > MAX_BYTES:
        message = f"line is {len(line)} bytes; the limit is {MAX_BYTES}"
        raise FollowupError([Diagnostic(Location(name, number, 1), "too-large", message)])
    text = decode_line(name, number, line)
    obj, fast = load_json(name, number, text)
    scenario = validate_line(advisor, name, number, text, obj, fast, as_of, None)
    try:
        check_storable(scenario)
    except FollowupError:
        if scenario.node is not None:
            raise
        located = advisor.scenario(load_tree(name, text, obj), as_of=as_of)  # for exact columns
        check_storable(located)
        raise
    return scenario


def _id_location(name: str, number: int, scenario: Scenario) -> Location:
    node = scenario.node.value.get("id") if scenario.node is not None else None
    return Location(name, number, node.loc.column if node is not None else 1)


def import_applications(
    store: Store, scenarios: list[tuple[int, Scenario]], name: str, archived: bool = False
) -> list[Application]:
    """The scenarios read_import() read from the file `name`, each added as an application, in
    one transaction: all or none (`id-taken` when an id is in the database already)."""
    added = []
    with store.writing() as conn:
        taken = [
            Diagnostic(
                _id_location(name, n, s), "id-taken", f"id {_short(s.id)} is taken by another application"
            )
            for n, s in scenarios
            if s.id is not None and rows.find(conn, s.id) is not None
        ]
        if taken:
            raise FollowupError(taken)
        numbers = [int(s.id) for _, s in scenarios if s.id is not None and NUMBER.fullmatch(s.id)]
        following = max([rows.next_number(conn) - 1, *numbers]) + 1
        for _, scenario in scenarios:
            app_id = scenario.id
            if app_id is None:
                app_id, following = str(following), following + 1
            app = application(scenario, app_id, archived)
            rows.insert(conn, app)
            added.append(app)
    return added


def calendar_bytes(all_answers: list[Answer]) -> bytes | None:
    """One calendar with a reminder for each application that has a next message, in the order
    given; None when none has one."""
    entries = [
        (a.rec, a.scenario, a.draft)
        for a in all_answers
        if a.rec is not None and a.scenario is not None and a.send_on is not None
    ]
    if not entries:
        return None
    from followup.messages.calendar import calendar_ics

    return calendar_ics(entries)
