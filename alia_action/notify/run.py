"""Where this workflow run is: the runner's default variables (repository, API and server URLs, run, commit,
workflow, event) and the pull requests the run reports on. Pure reading of the environment: importing it costs
nothing, and PyGithub is never touched."""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True)
class RunInfo:
    """Where this workflow run is, from the runner's default variables."""

    repository: str
    api_url: str | None = None
    server_url: str = "https://github.com"
    run_id: str | None = None
    sha: str | None = None
    workflow_ref: str | None = None
    workflow: str | None = None
    event_name: str = ""
    event_path: str | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> RunInfo | None:
        """None outside a repository's workflow run (no ``GITHUB_REPOSITORY``)."""
        repository = (environ.get("GITHUB_REPOSITORY") or "").strip()
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
            return None
        return cls(
            repository=repository,
            api_url=(environ.get("GITHUB_API_URL") or "").strip().rstrip("/") or None,
            server_url=(environ.get("GITHUB_SERVER_URL") or "https://github.com").strip().rstrip("/"),
            run_id=environ.get("GITHUB_RUN_ID") or None,
            sha=environ.get("GITHUB_SHA") or None,
            workflow_ref=environ.get("GITHUB_WORKFLOW_REF") or None,
            workflow=environ.get("GITHUB_WORKFLOW") or None,
            event_name=environ.get("GITHUB_EVENT_NAME") or "",
            event_path=environ.get("GITHUB_EVENT_PATH") or None,
        )

    @property
    def run_url(self) -> str | None:
        if not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def commit_url(self) -> str | None:
        return f"{self.server_url}/{self.repository}/commit/{self.sha}" if self.sha else None

    @property
    def workflow_file(self) -> str | None:
        """``deploy.yml`` of ``owner/repo/.github/workflows/deploy.yml@refs/heads/main``."""
        if not self.workflow_ref:
            return None
        path = self.workflow_ref.split("@", 1)[0]
        marker = "/.github/workflows/"
        return path.split(marker, 1)[1] if marker in path else None

    def rollback_command(self, backup: str | None = None) -> str:
        """The command that restores production (or the workflow's environment) from a terminal."""
        workflow = self.workflow_file or self.workflow or "<workflow file>"
        words = ["gh", "workflow", "run", workflow, "--repo", self.repository, "-f", "action=rollback"]
        if backup:
            words += ["-f", f"backup_file={backup}"]
        return shlex.join(words)

    def event(self) -> dict[str, Any]:
        """The webhook payload that triggered the run; empty when absent or unreadable."""
        if not self.event_path:
            return {}
        try:
            data = json.loads(Path(self.event_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}


@dataclass(frozen=True, slots=True)
class PullRequests:
    """The pull requests a run reports on. ``fork``: a fork's ``pull_request`` run, whose token is read-only."""

    numbers: tuple[int, ...] = ()
    fork: bool = False


def pull_requests(run: RunInfo) -> PullRequests:
    """``pull_request``/``pull_request_target``: the event's PR; ``workflow_run``: the PRs GitHub lists for
    the triggering run, only those of this repository (GitHub may list a fork's same-named branch)."""
    event = run.event()
    if run.event_name in ("pull_request", "pull_request_target"):
        pr = event.get("pull_request") or {}
        number = pr.get("number")
        if not isinstance(number, int):
            return PullRequests()
        head_repo = ((pr.get("head") or {}).get("repo") or {}).get("full_name")
        base_repo = (event.get("repository") or {}).get("full_name") or run.repository
        # pull_request_target runs in the base repository with a writable token, forks included.
        fork = run.event_name == "pull_request" and head_repo != base_repo
        return PullRequests((number,), fork)
    if run.event_name == "workflow_run":
        repo_id = (event.get("repository") or {}).get("id")
        numbers: list[int] = []
        for pr in (event.get("workflow_run") or {}).get("pull_requests") or []:
            base_id = ((pr.get("base") or {}).get("repo") or {}).get("id")
            number = pr.get("number")
            if isinstance(number, int) and (repo_id is None or base_id in (None, repo_id)) and number not in numbers:
                numbers.append(number)
        return PullRequests(tuple(numbers))
    return PullRequests()
