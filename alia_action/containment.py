"""In Actions, every file the action writes or keeps must be inside the workspace (GITHUB_WORKSPACE).

A workflow's inputs come from a repository, and its files from caches and artifacts: ``report-file:
/etc/passwd``, ``backup-store: ../outside`` or a ``metrics.log`` that is a link out of the checkout would
make the action overwrite or read files that are not the repository's. The CLI keeps allowing any path,
since a person typed it.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings

# The inputs that name a file (or, for backup-store, a folder) the action reads or writes.
PATH_INPUTS: tuple[str, ...] = (
    "report_file",
    "backup_store",
    "ledger_file",
    "metrics_file",
    "alerts_file",
    "checksum_file",
    "dashboard_file",
)


def inside(path: Path, workspace: Path) -> bool:
    """``path``, links and ``..`` followed as far as they exist, is inside ``workspace``."""
    try:
        return Path(os.path.realpath(path)).is_relative_to(os.path.realpath(workspace))
    except (OSError, ValueError):  # a loop of links, a name too long: not provably inside
        return False


def paths_outside(settings: Settings, workspace: Path) -> list[str]:
    """One message per path input that resolves outside ``workspace``. The value is not echoed: it may be
    the path of a host file, which has no business in a log or an annotation."""
    problems: list[str] = []
    for field in PATH_INPUTS:
        value = getattr(settings, field, None)
        if not isinstance(value, str) or (field == "backup_store" and value.lower().startswith("s3://")):
            continue
        name = field.replace("_", "-")
        if not inside(workspace / value, workspace):  # an absolute value replaces the workspace in the join
            problems.append(
                f"input '{name}' resolves outside the workspace (GITHUB_WORKSPACE): in Actions the files the "
                "action writes and reads must be in the workspace; use a relative path such as the default"
            )
    return problems
