"""The outcome of a deploy that validation stopped before any contact with Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..outcome import EXIT_FAILED, Facts, Outcome, render

if TYPE_CHECKING:
    from ..config import Settings
    from .detect import Validated


def invalid_outcome(action: str, settings: Settings, validated: Validated) -> Outcome:
    facts = Facts(
        action, validated.checksum, validated.commands, validated.problems, baseline="not read: validation failed"
    )
    errors = sum(p.is_error for p in validated.problems)
    headline = f"{action} stopped: {errors} error(s) in the command files; nothing was sent to Discord"
    return render(
        facts,
        report_file=settings.report_file,
        title=f"Discord commands: {action} stopped",
        note=headline,
        trail=[headline],
        exit_code=EXIT_FAILED,
    )
