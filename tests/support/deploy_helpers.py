"""Shared by several test modules (moved out of test_deploy.py, so no test reads another's globals)."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def local_set(workspace: Path, *, guild: bool) -> list[dict[str, Any]]:
    from alia_action.sources import load_commands

    commands = load_commands("commands", workspace).commands
    if guild:
        return [c.data for c in commands if c.type != 4]
    return [c.data for c in commands if not c.development_only]
