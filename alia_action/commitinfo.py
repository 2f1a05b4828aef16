"""The commit a run deploys, and when it was made: what merge-to-production time is measured from.

In Actions the commit is ``GITHUB_SHA`` and its time comes from the event that started the run (a push's
``head_commit``, a ``workflow_run``'s ``head_commit``): the image has no git, and the checkout may be
shallow. Elsewhere (the CLI in a clone) git answers both. Anything unknown is ``None``, never an error:
a deploy must not fail because its commit time cannot be found.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

GIT_TIMEOUT = 5.0  # seconds: git on a sick filesystem must not hold a deploy
# A commit id as git prints it (SHA-1 or SHA-256, abbreviated to 7 at least); anything else is unknown. The id
# reaches the deployment record, Markdown and Mermaid: a newline and a fence in it would break them.
_SHA = re.compile(r"[0-9a-fA-F]{7,64}")


def commit_sha(value: str | None) -> str | None:
    """``value`` when it is a commit id, else None."""
    text = (value or "").strip()
    return text if _SHA.fullmatch(text) else None


@dataclass(frozen=True, slots=True)
class Commit:
    sha: str | None = None
    time: datetime | None = None


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _event_commit_time(event: Mapping[str, Any], sha: str) -> datetime | None:
    """The head commit's timestamp in a push or workflow_run event, when it is the commit deployed."""
    for head in (event.get("head_commit"), (event.get("workflow_run") or {}).get("head_commit")):
        if isinstance(head, dict) and head.get("id") == sha:
            return _parse_time(head.get("timestamp"))
    return None


def _read_event(path: str | None) -> Mapping[str, Any]:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            event = json.load(handle)
    except (OSError, ValueError):
        return {}
    return event if isinstance(event, dict) else {}


def _git(workspace: Path, *args: str) -> str | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        done = subprocess.run(
            [git, "-C", str(workspace), *args],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return (done.stdout.strip() or None) if done.returncode == 0 else None


def find_commit(environ: Mapping[str, str], workspace: Path) -> Commit:
    """The deployed commit and its committer time (a merge commit's time is the merge's)."""
    sha = commit_sha(environ.get("GITHUB_SHA"))
    if sha is not None:
        time = _event_commit_time(_read_event(environ.get("GITHUB_EVENT_PATH")), sha)
        if time is None:
            time = _parse_time(_git(workspace, "show", "-s", "--format=%cI", sha))
        return Commit(sha, time)
    if environ.get("GITHUB_ACTIONS") == "true":
        return Commit()  # a run without GITHUB_SHA deploys no known commit: do not guess from the workspace
    head = commit_sha(_git(workspace, "rev-parse", "--verify", "--quiet", "HEAD"))
    if head is None:
        return Commit()
    return Commit(head, _parse_time(_git(workspace, "show", "-s", "--format=%cI", head)))
