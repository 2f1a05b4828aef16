"""``deploy``: the whole pipeline in one step: stage, then promote (which checks what stage just did)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..errors import DeployError
from ..outcome import EXIT_FAILED, Facts, Outcome, failure_markdown, failure_outcome, partial_of
from ..report import REPORT_FORMAT
from . import promote, stage

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime
    from ..steps.apply import Applied


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
            report={**both(staged, None), "failure": (staged.report or {}).get("failure")},
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
        failed = failure_outcome(exc, settings.report_file)
        facts = after_stage(applied, partial_of(exc))
        report = {**both(staged, failed), "failure": message, "states": facts.states}
        return Outcome(
            action="deploy",
            exit_code=EXIT_FAILED,
            outputs={**staged.outputs, **promote_outputs(failed), "requests": str(report["requests"])},
            summary=failure_markdown("deploy", message, facts) + "\n" + staged.summary,
            problems=staged.problems,
            lines=[*staged.lines, "", message],
            report=report,
        )
    requests = int(staged.outputs.get("requests", 0)) + int(promoted.outputs.get("requests", 0))
    return Outcome(
        action="deploy",
        exit_code=promoted.exit_code,
        outputs={**promoted.outputs, "requests": str(requests)},
        summary=staged.summary + "\n" + promoted.summary,
        problems=promoted.problems,
        lines=[*staged.lines, "", *promoted.lines],
        report=both(staged, promoted) | failed_guilds(promoted),
    )


def failed_guilds(promoted: Outcome) -> dict[str, Any]:
    """A promote whose global write succeeded but a per-guild set failed: deploy's report says so too."""
    failure = (promoted.report or {}).get("failure")
    return {"failure": failure} if failure else {}


def after_stage(applied: Applied | None, promoted: Facts | None) -> Facts:
    """What a deploy whose promote failed wrote, and what each scope holds now: the stage's, then the promote's."""
    facts = Facts("deploy")
    if applied is not None:
        if applied.backup:
            facts.wrote.append(f"backup {applied.backup}")
        if applied.dry_run:
            facts.states[applied.target.label] = "unchanged (dry run)"
        elif applied.written:
            facts.wrote.append(f"the new set to {applied.target.label} (verified)")
            facts.states[applied.target.label] = "the new set: this run's stage wrote and verified it"
        else:
            facts.states[applied.target.label] = "the new set: it already held it"
    if promoted is not None:
        facts.wrote += promoted.wrote
        facts.states.update(promoted.states)
    return facts


def promote_outputs(failed: Outcome | None) -> dict[str, str]:
    """The failed promote's outputs that say more than the stage's: its plan (when it got that far), its backup."""
    if failed is None:
        return {}
    keep = ["changed", "added", "modified", "removed", "creates"] if "added" in failed.outputs else []
    if failed.outputs.get("backup-file"):
        keep.append("backup-file")
    return {name: failed.outputs[name] for name in keep if name in failed.outputs}


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
