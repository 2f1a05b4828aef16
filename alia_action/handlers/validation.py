"""The outcome of a deploy that validation stopped before any contact with Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands.plan import Plan
from ..markdown import plan_markdown
from ..report import build_report, report_lines
from .outcome import EXIT_FAILED, Outcome

if TYPE_CHECKING:
    from ..config import Settings
    from .detect import Validated


def invalid_outcome(action: str, settings: Settings, validated: Validated) -> Outcome:
    report = build_report(
        action=action,
        checksum=validated.checksum,
        commands=validated.commands,
        plan=Plan([]),
        problems=validated.problems,
        baseline="not read: validation failed",
    )
    errors = report["errors"]
    headline = f"{action} stopped: {errors} error(s) in the command files; nothing was sent to Discord"
    return Outcome(
        action=action,
        exit_code=EXIT_FAILED,
        outputs={"checksum": validated.checksum, "changed": "false", "report": settings.report_file},
        summary=plan_markdown(report, title=f"Discord commands: {action} stopped", baseline_note=headline),
        problems=validated.problems,
        lines=[*report_lines(report), headline],
        report=report,
    )
