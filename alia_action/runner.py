"""Run one handler and present its outcome: the part the action and the CLI share."""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from .actions import REGISTRY
from .errors import DeployError
from .outcome import EXIT_FAILED, Outcome, failure_outcome

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
        partial = failure_outcome(exc, settings.report_file)
        if partial is not None:  # what the run knew when it failed: outputs and a summary still
            present(partial, workflow, fmt=fmt, lines=False)
        after(settings, ctx, workflow, failure=str(exc))
        return exc.exit_code
    except Exception as exc:  # a bug of ours: say so plainly, keep the trace for the issue report
        message = f"internal error in {settings.action}: {type(exc).__name__}: {exc}"
        workflow.error(message)
        with workflow.group("Traceback (please attach to a bug report)"):
            workflow.log(traceback.format_exc(), untrusted=True)
        after(settings, ctx, workflow, failure=message)
        return EXIT_FAILED
    present(outcome, workflow, fmt=fmt)
    after(settings, ctx, workflow, outcome=outcome)
    return outcome.exit_code


def after(
    settings: Settings, ctx: Runtime, workflow: Workflow, *, outcome: Outcome | None = None, failure: str | None = None
) -> None:
    """In Actions with a GitHub token: the PR plan comment, failure issues. Never changes the exit code."""
    if ctx.github_run(settings) is not None:
        from .publish import publish

        publish(settings, ctx, workflow, outcome=outcome, failure=failure)


def present(outcome: Outcome, workflow: Workflow, *, fmt: Format = "text", lines: bool = True) -> None:
    """``lines=False``: a failure already said what went wrong; only outputs and the summary are added."""
    if not lines:
        pass
    elif fmt == "json" and outcome.report is not None:
        workflow.print_json(outcome.report)
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
