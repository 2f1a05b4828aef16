"""Run one handler and present its outcome: the part the action and the CLI share."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from .actions import REGISTRY
from .atomic import write_json_atomic
from .errors import DeployError
from .outcome import EXIT_FAILED, Outcome, failure_outcome
from .report import REPORT_FORMAT

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime
    from .workflow import Workflow

Format = Literal["text", "json"]
FOLD_AFTER = 12  # result lines shown unfolded in a workflow log
Handler = Callable[["Settings", "Runtime"], Outcome]


def handler_for(action: str) -> Handler:
    """Handlers are imported on demand, so ``detect`` never pays for boto3, PyGithub or sentry-sdk."""
    module = importlib.import_module(REGISTRY[action].module)
    run: Handler = module.run
    return run


def execute(settings: Settings, ctx: Runtime, workflow: Workflow, *, fmt: Format = "text") -> int:
    try:
        outcome = handler_for(settings.action)(settings, ctx)
    except DeployError as exc:
        workflow.error(str(exc), title=f"command-deploy {settings.action} failed")
        # What the run knew when it failed: the report, outputs and a summary still.
        partial = failure_outcome(exc, settings.report_file) or Outcome(settings.action, exit_code=exc.exit_code)
        partial.report = failed_report(settings.action, partial.report, str(exc))
        keep_report(settings, ctx, workflow, partial)
        present(partial, workflow, fmt=fmt, lines=False)
        after(settings, ctx, workflow, failure=str(exc))
        return exc.exit_code
    except Exception as exc:  # a bug of ours: say so plainly, keep the trace for the issue report
        message = f"internal error in {settings.action}: {type(exc).__name__}: {exc}"
        workflow.error(message)
        with workflow.group("Traceback (please attach to a bug report)"):
            import traceback  # only for an internal error: it costs every start-up ~1 ms

            workflow.log(traceback.format_exc(), untrusted=True)
        crashed = Outcome(settings.action, exit_code=EXIT_FAILED, report=failed_report(settings.action, None, message))
        keep_report(settings, ctx, workflow, crashed)
        present(crashed, workflow, fmt=fmt, lines=False)
        after(settings, ctx, workflow, failure=message)
        return EXIT_FAILED
    keep_report(settings, ctx, workflow, outcome)
    present(outcome, workflow, fmt=fmt)
    after(settings, ctx, workflow, outcome=outcome)
    return outcome.exit_code


def failed_report(action: str, known: dict[str, Any] | None, failure: str) -> dict[str, Any]:
    """The report of a failed run: what it knew (possibly nothing), and why it failed."""
    if action == "deploy" and known is not None and known.get("action") == "stage":
        # deploy failed in its stage: the stage's report, in deploy's shape (promote never ran)
        known = {"checksum": known.get("checksum", ""), "requests": known.get("requests", 0), "stage": known}
        known["promote"] = None
    return {"format": REPORT_FORMAT, **(known or {}), "action": action, "failure": failure}


def keep_report(settings: Settings, ctx: Runtime, workflow: Workflow, outcome: Outcome) -> None:
    """Every action leaves its report in report-file, also when it failed, and names it in the ``report`` output.
    A report that cannot be written is a warning: the run's own result stands."""
    if outcome.report is None:
        return
    try:
        # Not durable: the next run rewrites it whole, and a flush to disk was ~5% of detect's start-up (issue 21).
        write_json_atomic(ctx.workspace / settings.report_file, outcome.report, redact=ctx.redact, durable=False)
    except OSError as exc:
        workflow.warning(f"the report could not be written to {settings.report_file}: {exc.strerror or exc}")
        return
    outcome.outputs["report"] = settings.report_file


def after(
    settings: Settings, ctx: Runtime, workflow: Workflow, *, outcome: Outcome | None = None, failure: str | None = None
) -> None:
    """In Actions with a GitHub token: the PR plan comment, failure issues. Never changes the exit code."""
    if ctx.github_run(settings) is not None:
        from .publish import publish

        publish(settings, ctx, workflow, outcome=outcome, failure=failure)


def present(outcome: Outcome, workflow: Workflow, *, fmt: Format = "text", lines: bool = True) -> None:
    """``lines=False``: a failure already said what went wrong; only outputs, the summary and (``--format json``)
    the report are added."""
    if fmt == "json" and outcome.report is not None:  # the one document on stdout; the lines below go to stderr
        workflow.print_json(outcome.report)
    if not lines:
        pass
    elif workflow.in_actions and len(outcome.lines) > FOLD_AFTER:
        # A long result (every command of a first deploy) folds; the headline and the verdict stay visible.
        first, *details, last = outcome.lines
        workflow.log(first, untrusted=True)
        with workflow.group(f"Details ({len(details)} lines)"):
            for line in details:
                workflow.log(line, untrusted=True)
        workflow.log(last, untrusted=True)
    else:
        for line in outcome.lines:
            workflow.log(line, untrusted=True)
    if workflow.in_actions:  # outside Actions the lines above already list every problem
        for problem in outcome.problems:
            message = f"{problem.path}: {problem.message}" if problem.path else problem.message
            workflow.annotate(problem.severity, f"{message} [{problem.rule}]", file=problem.file, line=problem.line)
        workflow.flush_annotations()
    for name, value in outcome.outputs.items():
        workflow.set_output(name, value)
    if outcome.summary:
        workflow.summary(outcome.summary, full_report=outcome.outputs.get("report"))
