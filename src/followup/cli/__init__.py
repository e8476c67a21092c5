"""The `followup` command line: thin; each command parses its options, calls the library, prints,
and returns an exit code (2 for a user mistake, with located diagnostics). One module per kind of
command; app.py holds the group and the options they share. A command's module is imported only
when that command runs (or help lists them): MODULES says which module defines each."""

from typing import Any

from .app import LEVELS, LazyGroup, main

MODULES = {
    **dict.fromkeys(("advise", "draft", "explain", "replay"), "followup.cli.answers"),
    **dict.fromkeys(("check", "diff", "init", "lint", "rules", "schema"), "followup.cli.authoring"),
    "ask": "followup.cli.guided",
    "serve": "followup.cli.serve",
    "batch": "followup.cli.batch",
}
main.modules = MODULES

main.add_command(
    LazyGroup(
        "track",
        ("followup.cli.track", "followup.cli.track_changes"),
        "Every application in one place: add them, log what was sent and what they replied, and "
        "ask what to send today. Answers are computed as of the day you ask, never stored.",
    )
)


def __getattr__(name: str) -> Any:
    """batch_command (the batch entry point the tests run), imported when asked for."""
    if name == "batch_command":
        from .batch import batch_command

        return batch_command
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["LEVELS", "batch_command", "main"]
