"""What a run leaves on GitHub after its handler: the sticky plan comment and failure issues.

:func:`publish` runs in Actions only, after the handler's result was shown, and never changes the exit
code: GitHub refusing a comment or an issue is a warning that names the permission, not a failed deploy.

* ``detect`` on a pull request (``pull_request``, ``pull_request_target``, or ``workflow_run`` through the
  PRs it lists): one comment per PR and environment, found again by its hidden marker and its author
  (see :class:`~alia_action.notify.github.Identity`), updated in place. A fork's ``pull_request`` run has a
  read-only token: no attempt, a note in the job summary instead.
* ``promote``/``deploy``, ``rollback`` and ``health``: a failure opens (or comments on) the issue of its
  environment and family; the next success there closes it. A health check that ran and found problems
  is left to its alerts, which open an issue per condition through the same functions; here only a check
  that could not run at all (a DeployError) opens one.
* ``promote`` with ``bypass-breaker``: an issue asking for a review of the emergency deploy, whatever its
  result (see ``notify/bypass.py``).

It sits above the handlers with the runner: it reads the settings to decide, and hands the notifiers
(``notify/issues.py``) only a repository, labels and the run's ``redact``.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .markdown import code, escape, plan_markdown
from .notify.github import GitHubError
from .notify.issues import BODY_BUDGET, Failure, body_size, cut, open_or_update_failure_issue, resolve_failure_issue
from .notify.run import RunInfo, pull_requests

if TYPE_CHECKING:
    from .config import Settings
    from .outcome import Outcome
    from .runtime import Runtime
    from .workflow import Workflow

PLAN_MARKER = "<!-- command-deploy:plan -->"
FORK_NOTE = "fork pull requests get a read-only GITHUB_TOKEN; see README security notes"
# The action's family and environment of each failure issue; promote and deploy guard the same thing.
FAMILIES = {"promote": "promote", "deploy": "promote", "rollback": "rollback", "health": "health"}


def publish(
    settings: Settings, ctx: Runtime, workflow: Workflow, *, outcome: Outcome | None = None, failure: str | None = None
) -> None:
    """After the handler: ``outcome`` when it returned, ``failure`` (its message) when it raised."""
    if ctx.github_run(settings) is None:
        return
    if settings.action == "promote" and settings.bypass_breaker:
        try:
            open_review_issue(settings, ctx, workflow, outcome, failure)
        except GitHubError as exc:
            workflow.warning(f"the emergency bypass has no review issue: {exc}", title="command-deploy: GitHub")
    try:
        if settings.action == "detect":
            if settings.comment and outcome is not None and outcome.report is not None:
                post_plan_comment(settings, ctx, workflow, outcome.report)
        else:
            report_result(settings, ctx, workflow, outcome, failure)
    except GitHubError as exc:
        workflow.warning(str(exc), title="command-deploy: GitHub")
    except Exception as exc:  # a bug here must not turn a finished deploy into a crash
        workflow.warning(f"internal error while reporting to GitHub: {type(exc).__name__}: {exc}")
        with workflow.group("Traceback (please attach to a bug report)"):
            workflow.log(traceback.format_exc(), untrusted=True)


# ---------------------------------------------------------------------------------------------- plan comment


def against_live(report: Mapping[str, Any]) -> bool:
    """The plan compares with an environment's live commands (not the checksum file)."""
    return str(report.get("baseline", "")).startswith("live ")


def plan_marker(settings: Settings, report: Mapping[str, Any]) -> str:
    """One comment per environment when the plan is against live commands; one in all otherwise."""
    return f"<!-- command-deploy:plan:{settings.environment} -->" if against_live(report) else PLAN_MARKER


def fit_plan(report: Mapping[str, Any], *, title: str, note: str, budget: int, where: str) -> str:
    """``plan_markdown`` within ``budget``: as many changes (then problems) as fit, and a note saying so."""
    text = plan_markdown(report, title=title, baseline_note=note)
    if body_size(text) <= budget:
        return text
    details, problems = report["changes"]["details"], report["problems"]

    def render(changes: int, issues: int) -> str:
        shown = {
            **report,
            "changes": {**report["changes"], "details": details[:changes]},
            "problems": problems[:issues],
        }
        return plan_markdown(shown, title=title, baseline_note=note)

    def most(limit: int, fits: Callable[[int], bool]) -> int:  # the largest n in 0..limit that fits
        low, high = 0, limit
        while low < high:
            middle = (low + high + 1) // 2
            low, high = (middle, high) if fits(middle) else (low, middle - 1)
        return low

    shortened = (
        "> [!NOTE]\n> Shortened to fit GitHub's 65,536-character limit: {c} of {tc} changes and {p} of {tp} "
        f"problems are shown. The full plan is in {where}."
    )

    def with_note(changes: int, issues: int) -> str:
        message = shortened.format(c=changes, tc=len(details), p=issues, tp=len(problems))
        return render(changes, issues) + "\n" + message + "\n"

    def room(changes: int, issues: int) -> bool:
        return body_size(with_note(changes, issues)) <= budget

    changes = most(len(details), lambda c: room(c, len(problems)))
    issues = len(problems) if room(changes, len(problems)) else most(len(problems), lambda p: room(0, p))
    return cut(with_note(changes, issues), budget, f"> The full plan is in {where}.")


def plan_comment_body(settings: Settings, report: Mapping[str, Any], run: RunInfo) -> str:
    title = f"Discord commands: plan ({settings.environment})" if against_live(report) else "Discord commands: plan"
    where = f"the [job summary]({run.run_url})" if run.run_url else "the job summary"
    footer = "<sub>command-deploy" + (f" · commit {code(run.sha[:7])}" if run.sha else "")
    footer += (f" · [workflow run]({run.run_url})" if run.run_url else "") + "</sub>"
    budget = BODY_BUDGET - body_size(plan_marker(settings, report)) - body_size(footer) - 4
    plan = fit_plan(
        report, title=title, note=f"Compared with {escape(report['baseline'])}.", budget=budget, where=where
    )
    return f"{plan_marker(settings, report)}\n{plan.rstrip()}\n\n{footer}\n"


def post_plan_comment(settings: Settings, ctx: Runtime, workflow: Workflow, report: Mapping[str, Any]) -> None:
    run = ctx.github_run(settings)
    if run is None:
        return
    targets = pull_requests(run)
    if not targets.numbers:
        workflow.debug(f"no pull request for this {run.event_name or 'unknown'} event: no plan comment")
        return
    if targets.fork:
        not_posted(workflow, targets.numbers, FORK_NOTE)
        return
    repo = ctx.github(settings)
    if repo is None:
        return
    body = ctx.redact(plan_comment_body(settings, report, run))
    with repo:
        for number in targets.numbers:
            try:
                posted = repo.upsert_comment(number, plan_marker(settings, report), body)
            except GitHubError as exc:
                reason = f"{exc}; {FORK_NOTE}" if exc.forbidden else str(exc)
                not_posted(workflow, (number,), reason)
                continue
            verb = "posted" if posted.created else "updated"
            workflow.log(f"plan comment {verb} on pull request #{number}: {posted.url}", untrusted=True)


def not_posted(workflow: Workflow, numbers: tuple[int, ...], reason: str) -> None:
    prs = ", ".join(f"#{n}" for n in numbers)
    workflow.warning(f"the plan was not posted on pull request {prs}: {reason}", title="command-deploy: no PR comment")
    workflow.summary(
        f"\n> [!NOTE]\n> The plan above was not posted as a comment on pull request {escape(prs)}: {escape(reason)}.\n"
    )


# ---------------------------------------------------------------------------------------------- failure issues


def report_result(
    settings: Settings, ctx: Runtime, workflow: Workflow, outcome: Outcome | None, failure: str | None
) -> None:
    """A failure opens or updates its issue; a success closes it. Dry runs and the built-in emulator prove
    nothing about the real commands, so they do neither."""
    family = FAMILIES.get(settings.action)
    if family is None or settings.dry_run or settings.uses_emulator:
        return
    environment = "production" if family == "promote" else settings.environment
    if family == "health" and failure is None and outcome is not None and outcome.exit_code != 0:
        return  # the check ran: its alerts opened an issue per condition already (notify/alerts.py)
    repo = ctx.github(settings)
    if repo is None:
        return
    labels = settings.issue_labels
    if failure is None and outcome is not None and outcome.exit_code == 0:
        with repo:
            closed = resolve_failure_issue(
                repo, environment=environment, family=family, labels=labels, redact=ctx.redact
            )
        if closed is not None:
            workflow.log(f"closed failure issue #{closed}: {family} in {environment} succeeded")
        return
    message = failure or _what_failed(settings, outcome)
    details = outcome.summary if outcome is not None else ""  # the handler's own Markdown: the plan, escaped
    issue = Failure(environment, family, message, details, _backup_to_restore(settings, ctx, environment))
    with repo:
        posted = open_or_update_failure_issue(repo, issue, labels=labels, redact=ctx.redact, log=ctx.log)
    verb = "opened" if posted.created else "updated"
    workflow.log(f"failure issue {verb}: {posted.url}", untrusted=True)


def _what_failed(settings: Settings, outcome: Outcome | None) -> str:
    if outcome is not None and outcome.lines:
        return outcome.lines[-1]
    return f"{settings.action} failed"


def _backup_to_restore(settings: Settings, ctx: Runtime, environment: str) -> str | None:
    """The backup the rollback command should name: a failed rollback retries its own backup; a failed deploy
    restores the backup this run took before writing (the ledger ties it to the run)."""
    if settings.action == "rollback":
        return settings.backup_file
    from .stores.ledger import FileLedger

    taken = [
        e.backup
        for e in FileLedger(ctx.workspace / settings.ledger_file).entries()
        # production: the global commands' backup (a per-guild set's guild backup restores that guild only)
        if e.run == ctx.run_id
        and e.environment == environment
        and e.backup
        and (environment != "production" or e.guild_id is None)
    ]
    return taken[-1] if taken else None


# ---------------------------------------------------------------------------------------------- bypass review


def open_review_issue(
    settings: Settings, ctx: Runtime, workflow: Workflow, outcome: Outcome | None, failure: str | None
) -> None:
    """A new issue for every emergency bypass: each one deserves its own review, whatever its result."""
    from .notify.bypass import Bypass, issue_body, issue_title
    from .notify.issues import ISSUE_LABEL_COLOR, ISSUE_LABEL_DESCRIPTION, run_line

    if settings.dry_run or settings.uses_emulator or not settings.bypass_reason:
        return
    repo = ctx.github(settings)
    if repo is None:
        return
    bypass = Bypass.of(settings.bypass_reason, "production", ctx.now(), ctx.environ)
    if failure is not None:
        result = f"failed: {failure}"
    elif outcome is not None and outcome.exit_code == 0:
        result = "succeeded" + (f" ({outcome.lines[0]})" if outcome.lines else "")
    else:
        result = "failed" + (f": {outcome.lines[-1]}" if outcome is not None and outcome.lines else "")
    labels = list(settings.issue_labels)
    with repo:
        for note in repo.ensure_labels(labels, ISSUE_LABEL_COLOR, ISSUE_LABEL_DESCRIPTION):
            ctx.log(f"warning: {note}")
        body = issue_body(
            bypass, result=result, run_line=run_line(repo.run), details=outcome.summary if outcome else ""
        )
        note = "_…shortened to fit GitHub's limit: the full report is in the workflow run's job summary._"
        posted = repo.create_issue(ctx.redact(issue_title(bypass)), ctx.redact(cut(body, BODY_BUDGET, note)), labels)
    workflow.log(f"review issue for the emergency bypass opened: {posted.url}", untrusted=True)
