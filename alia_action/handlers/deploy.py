"""``deploy``: the whole pipeline in one step: stage, then promote (which checks what stage just did)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DeployError
from ..markdown import escape
from ..outcome import EXIT_FAILED, Outcome
from . import promote, stage

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime) -> Outcome:
    staged, applied = stage.staged(settings, ctx)
    if staged.exit_code != 0:
        return staged
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
            report=staged.report,
        )
    requests = int(staged.outputs.get("requests", 0)) + int(promoted.outputs.get("requests", 0))
    return Outcome(
        action="deploy",
        exit_code=promoted.exit_code,
        outputs={**promoted.outputs, "requests": str(requests)},
        summary=staged.summary + "\n" + promoted.summary,
        problems=promoted.problems,
        lines=[*staged.lines, "", *promoted.lines],
        report=promoted.report,
    )
