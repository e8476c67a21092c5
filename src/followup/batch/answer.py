"""`followup batch`, one record: an input line's bytes -> its result line. Runs in a worker; how a
line is read (and why two paths) is told in followup.batch's docstring, and done by
followup.core.jsonline (shared with `track import`)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from followup.audit.answer import answer_of
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.jsonline import (  # the reading of a line, shared with track import
    decode_line,
    load_json,
    load_tree,
    refuse_lone_surrogates,
    relocate,
    validate_line,
)

from .io import answer_record, error_record, record_id

__all__ = [  # with the line-reading functions, still importable from here
    "Context",
    "answer_line",
    "crash_if_asked",
    "decode_line",
    "internal_error",
    "load_json",
    "load_tree",
    "refuse_lone_surrogates",
    "relocate",
    "validate_line",
]

# the loader and yaml are imported where used
if TYPE_CHECKING:  # pragma: no cover
    from followup.core.advisor import Advisor


@dataclass(frozen=True)
class Context:
    """What every record of a run is evaluated with; sent to each worker once."""

    source: str  # INPUT as shown in diagnostics
    rules_dir: str | None
    as_of: dt.date | None
    today: dt.date


def crash_if_asked(obj: Any, crash_id: str | None) -> None:
    """The FOLLOWUP_BATCH_CRASH_ON_ID test hook: die like a segfaulting engine."""
    rid = record_id(obj)
    if crash_id is not None and rid is not None and str(rid) == crash_id:
        os._exit(139)


def answer_line(
    advisor: Advisor, ctx: Context, line: int, data: bytes, crash_id: str | None = None
) -> tuple[bool, bytes]:
    """One input line -> (is_error, result line)."""
    obj: Any = None
    try:
        text = decode_line(ctx.source, line, data)
        obj, fast = load_json(ctx.source, line, text)
        crash_if_asked(obj, crash_id)
        scenario = validate_line(advisor, ctx.source, line, text, obj, fast, ctx.as_of, ctx.today)
        rec = advisor.evaluate(scenario)
        return False, answer_record(line, record_id(obj), answer_of(rec, scenario, advisor.ruleset))
    except FollowupError as exc:
        return True, error_record(line, record_id(obj), relocate(exc.diagnostics, ctx.source, line))
    except MemoryError:  # the worker starts afresh (workers._serve)
        raise
    except Exception as exc:  # noqa: BLE001 - a bug on one record is that record's error, id kept
        return True, internal_error(ctx, line, exc, record_id(obj))


def internal_error(ctx: Context, line: int, exc: BaseException, rid: str | int | None) -> bytes:
    return error_record(
        line,
        rid,
        [Diagnostic(Location(ctx.source, line, 1), "internal-error", f"{type(exc).__name__}: {exc}")],
    )
