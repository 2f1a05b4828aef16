"""Failure issues: one open issue per environment and family (a failed promote, rollback or health condition),
found again by a hidden marker, commented on when the failure repeats and closed when it next succeeds; every
body within GitHub's limit and passed through the run's ``redact``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .github import GitHubRepo, Posted
from .run import RunInfo

ISSUE_LABEL_COLOR = "d73a4a"


ISSUE_LABEL_DESCRIPTION = "command-deploy: a failed deploy, rollback or health check"


BODY_LIMIT = 65_536  # GitHub's limit for an issue or comment body, in characters


BODY_BUDGET = 65_000  # what we fill, measured in UTF-16 code units: the margin covers any other count


_SLUG = re.compile(r"[^a-z0-9_.-]+")


def body_size(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def cut(text: str, budget: int, note: str) -> str:
    """``text`` within ``budget`` (UTF-16 units), cut at a line boundary and followed by ``note`` when cut."""
    if body_size(text) <= budget:
        return text
    room = budget - body_size(note) - 2
    head = text.encode("utf-16-le")[: max(room, 0) * 2].decode("utf-16-le", errors="ignore")
    head = head[: head.rfind("\n") + 1] if "\n" in head else head
    return f"{head}\n{note}"


@dataclass(frozen=True, slots=True)
class Failure:
    """A failure worth an issue. One open issue per ``(environment, family)``: a repeat comments on it.

    ``message`` is plain text (escaped when written); ``details`` is Markdown the caller already escaped
    (a plan, a health report), folded into the body; ``backup`` goes into the rollback command.
    """

    environment: str  # staging | production
    family: str  # promote, rollback, health, or an alert's condition
    message: str
    details: str = ""
    backup: str | None = None
    title: str | None = None

    @property
    def marker(self) -> str:
        return failure_marker(self.environment, self.family)

    @property
    def heading(self) -> str:
        return self.title or f"Discord commands: {self.family} failed ({self.environment})"


def failure_marker(environment: str, family: str) -> str:
    """The hidden fingerprint of a failure issue (slugs only: nothing can close the HTML comment early)."""
    env, fam = (re.sub("-{2,}", "-", _SLUG.sub("-", v.lower())).strip("-") or "unknown" for v in (environment, family))
    return f"<!-- command-deploy:failure:{env}:{fam} -->"


def _fenced(text: str, info: str = "") -> str:
    fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def run_line(run: RunInfo) -> str:
    from ..markdown import code

    parts = []
    if run.run_url:
        parts.append(f"[workflow run {run.run_id}]({run.run_url})")
    if run.sha and run.commit_url:
        parts.append(f"commit [{code(run.sha[:7])}]({run.commit_url})")
    return " · ".join(parts) or "this workflow run"


def failure_body(failure: Failure, run: RunInfo) -> str:
    from ..markdown import details, escape

    how = (
        f"restores `{failure.backup}`, taken before the failed write"
        if failure.backup
        else "restores the latest backup of the scope"
    )
    parts = [
        failure.marker,
        f"## ❌ {escape(failure.heading)}",
        escape(failure.message),
        f"**Where:** {run_line(run)} · environment {escape(failure.environment)}",
        f"**Roll back** ({how}):\n\n" + _fenced(run.rollback_command(failure.backup), "sh"),
    ]
    if failure.details:
        parts.append(details("Details", failure.details))
    parts.append(
        f"_command-deploy comments here if this fails again, and closes this issue when {escape(failure.family)} "
        f"in {escape(failure.environment)} next succeeds._"
    )
    note = "_…shortened to fit GitHub's limit: the full report is in the workflow run's job summary._"
    return cut("\n\n".join(parts) + "\n", BODY_BUDGET, note)


def repeat_body(failure: Failure, run: RunInfo) -> str:
    from ..markdown import escape

    text = "\n\n".join(
        [
            f"Failed again: {run_line(run)}",
            escape(failure.message),
            "Roll back:\n\n" + _fenced(run.rollback_command(failure.backup), "sh"),
        ]
    )
    return cut(text + "\n", BODY_BUDGET, "_…shortened: see the workflow run._")


def open_or_update_failure_issue(
    repo: GitHubRepo,
    failure: Failure,
    *,
    labels: Sequence[str],
    redact: Callable[[str], str],
    log: Callable[[str], None],
) -> Posted:
    """Open the issue of ``failure`` (with ``labels``), or comment on the open one with its marker.

    Raises :class:`GitHubError` (a DeployError: its message names the permission to grant) when GitHub
    refuses. ``redact`` (the run's secrets registry) is applied to everything sent.
    """
    labels = list(labels)
    issue = repo.find_open_issue(failure.marker, labels[0] if labels else None)
    if issue is not None:
        return repo.comment_issue(issue, redact(repeat_body(failure, repo.run)))
    for note in repo.ensure_labels(labels, ISSUE_LABEL_COLOR, ISSUE_LABEL_DESCRIPTION):
        log(f"warning: {note}")
    return repo.create_issue(redact(failure.heading), redact(failure_body(failure, repo.run)), labels)


def resolve_failure_issue(
    repo: GitHubRepo,
    *,
    environment: str,
    family: str,
    labels: Sequence[str],
    redact: Callable[[str], str],
    note: str = "",
) -> int | None:
    """Close the open failure issue of ``(environment, family)`` with a comment; its number, or None when
    there was none. ``note`` is plain text added to the comment."""
    from ..markdown import escape

    issue = repo.find_open_issue(failure_marker(environment, family), labels[0] if labels else None)
    if issue is None:
        return None
    text = f"✅ {escape(family)} in {escape(environment)} succeeded: {run_line(repo.run)}. Closing."
    if note:
        text += "\n\n" + escape(note)
    repo.comment_issue(issue, redact(text))
    repo.close_issue(issue)
    return int(issue.number)
