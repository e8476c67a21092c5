"""The `followup ask` session: the questions in order, the answer with its drafted message, and
the two offers (save the answers, write the reminder). run() is what `followup ask` calls;
run_questions() asks the same questions for `followup track add`, which keeps the answers.

Dates are counted from the reference day (`--as-of`, else today, read once by the CLI). Every
answer is checked as it is typed (an interview after today, a thank-you before the interview ...
is asked again with the reason), so the scenario built from them is valid; it is then evaluated
exactly as `followup advise` would read the saved file.

Session is one class of some 190 lines on purpose: each question's handler reads the answers given
before it (the interview date bounds every later date, the kind of event decides what is asked
next), so they share one state; the words of the questions are core/questions.py, date phrases
dates.py, the terminal prompts.py."""

from __future__ import annotations

import datetime as dt
import os
import sys
from collections.abc import Callable
from typing import Any

from followup.core import questions as q
from followup.core.errors import Diagnostic, FollowupError, Location
from followup.core.scenario import MAX_TOPIC_CHARS
from followup.core.wording import show_date

from .prompts import Prompter
from .save import scenario_yaml, suggested_name

MAX_TOPICS_ASKED = 3
MAX_TEXT = 200
SINCE = ["thank_you", "follow_up", "reply", "date", "nothing"]
SINCE_LABELS = {
    "thank_you": "I sent the thank-you note",
    "follow_up": "I sent a follow-up about the status",
    "reply": "They replied",
    "date": "They gave a date (to decide by, or not to follow up before)",
    "nothing": "Nothing more",
}


class Session:
    def __init__(self, prompter: Prompter, advisor: Any, today: dt.date):
        self.p = prompter
        self.advisor = advisor
        self.today = today
        self.vocab: dict[str, tuple[Any, ...]] = advisor.ruleset.vocabulary
        self.written: list[str] = []

    # ---- the questions ---------------------------------------------------------------------

    def new(self) -> dict[str, Any]:
        """Ask everything, from the interview day to what the employer said."""
        doc: dict[str, Any] = {}
        iday = self.p.day(q.INTERVIEW_DATE, self.today, self._not_after_today)
        doc["interview"] = {"date": iday}
        for section, key, question in (
            ("company", "name", q.COMPANY),
            ("position", "title", q.TITLE),
            ("interview", "interviewer", q.INTERVIEWER),
            ("candidate", "name", q.CANDIDATE),
        ):
            value = self.p.text(question, MAX_TEXT)
            if value:
                doc.setdefault(section, {})[key] = value
        topics = self._topics()
        if topics:
            doc["interview"]["topics"] = topics
        tested = {t.fact for rule in self.advisor.ruleset.rules for t in rule.tests()}
        for path, question in q.CONTEXT.items():
            if path not in tested:
                continue  # no rule looks at it: not worth a question
            allowed = [v for v in self.vocab.get(path, ()) if v not in q.HIDDEN]
            value = self.p.choice(question, [str(v) for v in allowed])
            if value is not None:
                section, key = path.split(".")
                doc.setdefault(section, {})[key] = value
        history: list[dict[str, Any]] = []
        if self.p.yes_no(q.THANK_YOU):
            history.append(self._sent("thank_you", q.THANK_YOU_DAY, history, iday))
        if self.p.yes_no(q.FOLLOW_UP):
            history.append(self._sent("follow_up", q.FOLLOW_UP_DAY, history, iday))
            while len(history) < 4 and self.p.yes_no(q.ANOTHER):
                history.append(self._sent("follow_up", q.FOLLOW_UP_DAY, history, iday))
        if self.p.yes_no(q.REPLY):
            history.append(self._reply(iday))
        if history:
            doc["history"] = history
        self._timeline(doc, iday)
        return doc

    def since(self, doc: dict[str, Any]) -> dict[str, Any]:
        """--from: what happened since the saved answers, until "nothing more"."""
        iday = doc["interview"]["date"]
        history = doc.setdefault("history", [])
        question = q.Question("What has happened since you last asked?", "each event moves the advice on")
        while True:
            picked = self._since_choice(question)
            if picked == "nothing":
                break
            if picked == "reply":
                history.append(self._reply(iday))
            elif picked == "date":
                self._timeline(doc, iday)
            else:
                day_q = q.THANK_YOU_DAY if picked == "thank_you" else q.FOLLOW_UP_DAY
                history.append(self._sent(picked, day_q, history, iday))
        if not history:
            del doc["history"]
        return doc

    def _since_choice(self, question: q.Question) -> str:
        labelled = q.Question(question.text, question.why, SINCE_LABELS)
        return self.p.choice(labelled, SINCE[:-1], default="nothing") or "nothing"

    def _topics(self) -> list[str]:
        topics: list[str] = []
        question = q.TOPIC
        while len(topics) < MAX_TOPICS_ASKED:
            value = self.p.text(question, MAX_TOPIC_CHARS)
            if not value:
                break
            topics.append(value)
            question = q.Question(
                "Another point you discussed?", "a second one gives the message more to say"
            )
        return topics

    def _sent(
        self, kind: str, question: q.Question, history: list[dict[str, Any]], iday: dt.date
    ) -> dict[str, Any]:
        """A message the candidate sent: when (not before the last one), and how."""
        sent = [e for e in history if e["kind"] in ("thank_you", "follow_up")]
        after, what = (
            (sent[-1]["date"], f"your {q.KINDS[sent[-1]['kind']]}") if sent else (iday, "the interview")
        )
        day = self.p.day(question, self.today, self._between(after, what), default=self.today)
        entry: dict[str, Any] = {"kind": kind, "date": day}
        channel = self.p.choice(q.CHANNEL, [str(v) for v in self.vocab.get("history.channel", ())])
        if channel is not None:
            entry["channel"] = channel
        return entry

    def _reply(self, iday: dt.date) -> dict[str, Any]:
        day = self.p.day(q.REPLY_DAY, self.today, self._between(iday, "the interview"), default=self.today)
        outcome = self.p.choice(
            q.OUTCOME, [str(v) for v in self.vocab.get("history.outcome", ())], default=None
        )
        return {"kind": "reply", "date": day, "outcome": outcome}

    def _timeline(self, doc: dict[str, Any], iday: dt.date) -> None:
        """The employer's stated dates: a decision day, a day before which not to follow up."""
        for key, ask, day_q in (
            ("decision_by", q.DECISION, q.DECISION_DAY),
            ("follow_up_after", q.HOLD, q.HOLD_DAY),
        ):
            if self.p.yes_no(ask):
                day = self.p.day(day_q, self.today, self._not_before(iday), future=True)
                doc.setdefault("timeline", {})[key] = day

    def _not_after_today(self, day: dt.date) -> str | None:
        return f"that is after today ({show_date(self.today)})" if day > self.today else None

    def _between(self, earliest: dt.date, what: str) -> Callable[[dt.date], str | None]:
        def check(day: dt.date) -> str | None:
            if day < earliest:
                return f"that is before {what} ({show_date(earliest)})"
            return self._not_after_today(day)

        return check

    def _not_before(self, iday: dt.date) -> Callable[[dt.date], str | None]:
        return lambda day: f"that is before the interview ({show_date(iday)})" if day < iday else None

    # ---- the answer and the offers ---------------------------------------------------------

    def answer(self, doc: dict[str, Any], default_name: str | None) -> None:
        """Evaluate the answers as `advise` reads the saved file, show answer and draft, offer
        to save and to write the reminder."""
        from followup.audit.answer import draft_for
        from followup.audit.render import to_text
        from followup.core.loader import parse_text

        text = scenario_yaml(doc, self.today, default_name or suggested_name(doc, ".yaml"))
        scenario = self.advisor.scenario(parse_text("<your answers>", text, lenient=True), as_of=self.today)
        rec = self.advisor.evaluate(scenario)
        draft = draft_for(rec, scenario, self.advisor.ruleset)
        self.p.say()
        self.p.say("-" * 78)
        self.p.write(to_text(rec, self.advisor.ruleset, draft))
        self.p.say("-" * 78)
        save_q = q.Question(
            "Save your answers to a file, to ask again later?", "next time you only say what happened since"
        )
        if self.p.yes_no(save_q):
            name = default_name or suggested_name(doc, ".yaml")
            self._offer_write(
                name, lambda path: scenario_yaml(doc, self.today, path).encode("utf-8"), "Saved"
            )
        from followup.messages.draft import send_day

        day = send_day(rec)
        if day is None:
            self.p.say()
            self.p.say("No reminder: nothing is to be sent.")
            return
        remind_q = q.Question(
            f"Add a reminder to your calendar for {show_date(day)} (an .ics file to import)?",
            "it brings the message back on the day to send it",
        )
        if self.p.yes_no(remind_q):
            from followup.messages.calendar import reminder_ics

            data = reminder_ics(rec, scenario, draft)
            self._offer_write(suggested_name(doc, "-reminder.ics"), lambda _: data, "Wrote")

    def _offer_write(self, name: str, make: Callable[[str], bytes], done: str) -> None:
        from followup.core.files import write_atomically

        while True:
            path = " ".join(self.p.read(f"File name (Enter for {name}): ").split()) or name
            if os.path.lexists(path) and not self.p.confirm(f"  {path} exists. Replace it?"):
                continue
            try:
                write_atomically(path, make(path))
            except FollowupError as exc:
                for d in exc.diagnostics:
                    self.p.say("  " + d.render())
                continue
            self.written.append(path)
            self.p.say(f"  {done} {path}.")
            return


def run(from_file: str | None, today: dt.date, rules: str | None) -> int:
    """The command: 0 done, 2 not a terminal or a bad --from file, 130 stopped by Ctrl-C, 1 input ended."""

    def ask(session: Session, write: Callable[[str], None]) -> None:
        if from_file:
            doc = _load(from_file, session.advisor, today)
            write(f"Read {from_file}.\n")
            session.answer(session.since(doc), from_file)
        else:
            session.answer(session.new(), None)

    return in_terminal(today, rules, ask, "followup ask", "followup advise SCENARIO")


def run_questions(
    today: dt.date, rules: str | None, keep: Callable[[dict[str, Any]], list[str]], command: str, instead: str
) -> int:
    """The questions about a new interview, for a caller that keeps the answers instead of
    offering files (`followup track add`): `keep` gets them as a scenario document (plain values,
    dates as dates, no as_of) and returns the lines to print; it may raise FollowupError (exit 2).
    Exit codes as run(); `command` is the caller's name, `instead` what to run without a terminal."""

    def ask(session: Session, write: Callable[[str], None]) -> None:
        doc = session.new()
        write("\n")
        for line in keep(doc):
            write(line + "\n")

    return in_terminal(today, rules, ask, command, instead)


def in_terminal(
    today: dt.date,
    rules: str | None,
    ask: Callable[[Session, Callable[[str], None]], None],
    command: str,
    instead: str,
) -> int:
    """A session in the terminal: refused without one (exit 2, naming `instead`), then `ask`;
    a user mistake exits 2, Ctrl-C 130 (saying what was written), the end of input 1."""
    if not sys.stdin.isatty():
        problem = Diagnostic(
            Location("<stdin>"),
            "not-a-terminal",
            f"{command} asks its questions in a terminal",
            f"to answer from a file, use: {instead}",
        )
        print(problem.render(), file=sys.stderr, flush=True)
        return 2
    try:
        import readline  # noqa: F401  line editing for input(), where the platform has it
    except ImportError:  # pragma: no cover
        pass

    def write(text: str) -> None:
        sys.stdout.write(text)
        sys.stdout.flush()

    session: Session | None = None
    try:
        from followup.core.advisor import load_advisor

        advisor = load_advisor(rules)
        session = Session(Prompter(input, write), advisor, today)
        write(f"A few questions about your interview, one at a time; today is {show_date(today)}.\n")
        write(
            "Press Enter to skip what you are not sure of. Ctrl-C stops; nothing is written unless you ask.\n"
        )
        ask(session, write)
        return 0
    except FollowupError as exc:
        for d in exc.diagnostics:
            print(d.render(), file=sys.stderr, flush=True)
        return 2
    except (KeyboardInterrupt, EOFError) as exc:
        written = session.written if session else []
        what = f"written before: {', '.join(written)}" if written else "nothing was written"
        reason = "Stopped" if isinstance(exc, KeyboardInterrupt) else "Input ended"
        print(f"\n{reason}; {what}.", file=sys.stderr, flush=True)
        return 130 if isinstance(exc, KeyboardInterrupt) else 1


def _load(path: str, advisor: Any, today: dt.date) -> dict[str, Any]:
    """A saved scenario, checked as advise checks it (as of the reference day, whatever as_of it
    holds), as plain values to add to."""
    from followup.core.loader import load_file

    node = load_file(path, lenient=True)
    advisor.scenario(node, as_of=today)
    doc: dict[str, Any] = node.plain()
    doc.pop("as_of", None)
    return doc
