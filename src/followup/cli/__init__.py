"""The `followup` command line: thin; each command parses its options, calls the library, prints,
and returns an exit code (2 for a user mistake, with located diagnostics). One module per kind of
command; app.py holds the group and the options they share."""

from . import answers, authoring, guided, serve  # noqa: F401 - each registers its commands on `main`
from .app import LEVELS, LazyGroup, main
from .batch import batch_command

main.add_command(
    LazyGroup(
        "track",
        ("followup.cli.track", "followup.cli.track_changes"),
        "Every application in one place: add them, log what was sent and what they replied, and "
        "ask what to send today. Answers are computed as of the day you ask, never stored.",
    )
)

__all__ = ["LEVELS", "batch_command", "main"]
