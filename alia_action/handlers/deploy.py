"""``deploy``: the whole pipeline in one step: stage, then promote (which checks what stage just did)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import DeployError
from ..markdown import escape
from ..outcome import EXIT_FAILED, Outcome, failure_outcome
from ..report import REPORT_FORMAT
from . import promote, stage

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime) -> Outcome:
    staged, applied = stage.staged(settings, ctx)
    if staged.exit_code != 0:  # invalid commands: the stage's outcome, reported as deploy's
        return Outcome(
            action="deploy",
            exit_code=staged.exit_code,
            outputs=staged.outputs,
            summary=staged.summary,
            problems=staged.problems,
            lines=staged.lines,
            report=both(staged, None),
        )
    try:
        promoted = promote.run(settings, ctx, staged_now=applied)
    except DeployError as exc:
        # Staging stands; show what it did, then why production did not follow.
        message = (
            f"promote would fail after the simulated stage: {exc}"
            if settings.dry_run
            else f"promote failed after a successful stage: {exc}"
        )
        return Outcome(
            action="deploy",
            exit_code=EXIT_FAILED,
            outputs=staged.outputs,
            summary=f"{staged.summary}\n## Production deploy failed\n\n{escape(message)}\n",
            problems=staged.problems,
            lines=[*staged.lines, "", message],
            report={**both(staged, failure_outcome(exc, settings.report_file)), "failure": message},
        )
    requests = int(staged.outputs.get("requests", 0)) + int(promoted.outputs.get("requests", 0))
    return Outcome(
        action="deploy",
        exit_code=promoted.exit_code,
        outputs={**promoted.outputs, "requests": str(requests)},
        summary=staged.summary + "\n" + promoted.summary,
        problems=promoted.problems,
        lines=[*staged.lines, "", *promoted.lines],
        report=both(staged, promoted),
    )


def both(staged: Outcome, promoted: Outcome | None) -> dict[str, Any]:
    """deploy's report: the stage's and the promote's, whole, under one ``action: deploy``."""
    stage_report, promote_report = staged.report or {}, promoted.report if promoted else None
    requests = sum(int(o.outputs.get("requests", 0)) for o in (staged, promoted) if o is not None)
    return {
        "format": REPORT_FORMAT,
        "action": "deploy",
        "checksum": stage_report.get("checksum", ""),
        "requests": requests,
        "stage": stage_report,
        "promote": promote_report,
    }
