"""Give what the action wrote into the workspace to the workspace's owner: the Docker action's container runs
as root, and root-owned files break ``actions/checkout``'s clean-up in later jobs."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .config import Settings


def written_paths(settings: Settings) -> list[str]:
    """Where the action writes in the workspace (relative names, as configured)."""
    names = [
        settings.report_file,
        settings.checksum_file,
        settings.ledger_file,
        settings.ledger_file + ".lock",  # FileLedger's lock file
        settings.metrics_file,
        settings.metrics_file + ".lock",  # the lock of every JSON-lines record
        settings.alerts_file,
        settings.alerts_file + ".lock",
        settings.dashboard_file,
        str(Path(settings.dashboard_file).with_suffix(".md")),
    ]
    if not settings.backup_store.lower().startswith("s3://"):
        names.append(settings.backup_store)
    if settings.uses_emulator:  # discord-api-url: emulator keeps its Discord in the workspace
        from .discord.state_file import STATE_FILE

        names.append(STATE_FILE)
    return names


def hand_back_files(settings: Settings, workspace: Path) -> list[Path]:
    """Give the files and folders this process created in the workspace to the workspace's owner.

    Only when running as root for another owner (the Docker action); only the known outputs (and the
    folders created for them), only what this user owns, never through a symlink, never outside the
    workspace. Returns what changed hands. Failures are skipped: ownership is a courtesy to later steps.
    """
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return []
    try:
        root = workspace.resolve()
        owner = root.stat()
    except OSError:
        return []
    if owner.st_uid == os.geteuid():
        return []
    changed: list[Path] = []
    for name in written_paths(settings):
        for path in _ours(root, root / name):
            try:
                os.lchown(path, owner.st_uid, owner.st_gid)
            except OSError:
                continue
            changed.append(path)
    return changed


def _ours(root: Path, path: Path) -> Iterator[Path]:
    """``path``, what is below it, and its parents up to ``root``: those this user owns."""
    try:
        parent = path.parent.resolve()
    except OSError:
        return
    if parent != root and root not in parent.parents:
        return  # outside the workspace: not ours to give away
    target = parent / path.name
    candidates: list[Path] = [target]
    if target.is_dir() and not target.is_symlink():
        for folder, dirs, files in os.walk(target):
            candidates += [Path(folder) / n for n in (*dirs, *files)]
    candidates += [p for p in (parent, *parent.parents) if p != root and root in p.parents]
    me = os.geteuid()
    for candidate in candidates:
        try:
            if candidate.lstat().st_uid == me:
                yield candidate
        except OSError:
            continue
