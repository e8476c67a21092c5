"""What a request asks of the library, run on the app's one engine thread with a deadline.

The engine keeps one session per rule set, so evaluations take turns (one lock). Explanations,
batches and pages (many evaluations each) go to a single-thread executor, and the request stops
waiting after Limits.seconds with a `timeout` error (the work itself, bounded by the input
limits, finishes in the background). POST /api/advise, one evaluation bounded by the input limits
(well under a millisecond), runs at once on the event loop's thread (run_now): the hop to the
executor cost more than the work (bench/http.py).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from followup.audit.answer import draft_for
from followup.audit.api import Answer, make_answer
from followup.core.advisor import Advisor
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.loader import Node
from followup.core.model import Recommendation, Scenario
from followup.messages.draft import Draft

T = TypeVar("T")


class Timeout(Exception):
    """The request ran over its deadline."""


class Engine:
    """The one thread that runs evaluations, and the deadline each request waits for."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.pool: ThreadPoolExecutor | None = None  # started with the first request
        self.lock = threading.Lock()  # one evaluation at a time, on either path

    def _locked(self, fn: Callable[..., T], *args: Any) -> T:
        with self.lock:
            return fn(*args)

    def run_now(self, fn: Callable[..., T], *args: Any) -> T:
        """A single evaluation (well under a millisecond, bounded by the input limits) run at once
        on the event loop's thread: the hop to the engine thread would cost more than the work.
        It waits while the engine thread is busy with a longer request."""
        return self._locked(fn, *args)

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self.pool is None:
            self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="followup-engine")
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(
                loop.run_in_executor(self.pool, self._locked, fn, *args), self.seconds
            )
        except TimeoutError:
            raise Timeout from None

    def close(self) -> None:
        """At shutdown: stop the thread (an app served again starts a new one)."""
        if self.pool is not None:
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


@dataclass(frozen=True)
class Decision:
    """One evaluated scenario with everything a page or an API answer shows."""

    scenario: Scenario
    rec: Recommendation
    draft: Draft | None
    answer: Answer


def decide(advisor: Advisor, node: Node, as_of: dt.date | None, today: dt.date) -> Decision:
    """Validate and evaluate a located scenario (raises FollowupError with its diagnostics)."""
    parsed = advisor.scenario(node, as_of=as_of, today=today)
    rec = advisor.evaluate(parsed)
    draft = draft_for(rec, parsed, advisor.ruleset)
    return Decision(parsed, rec, draft, make_answer(rec, parsed, draft))


def changes(advisor: Advisor, decision: Decision) -> list[dict[str, Any]]:
    """What would change the answer (audit.changes), found by evaluating again."""
    from followup.audit.changes import what_would_change

    return what_would_change(advisor, decision.scenario, decision.rec)


def timeout_error(seconds: float) -> FollowupError:
    return FollowupError(
        [
            Diagnostic(
                Location("request"), "timeout", f"the request took longer than {seconds:g} s and was stopped"
            )
        ]
    )
