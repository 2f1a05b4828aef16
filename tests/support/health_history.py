"""Shared by several test modules (moved out of test_health.py, so no test reads another's globals)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alia_action.commands.plan import overwrite_body
from alia_action.discord.emulator import Emulator
from tests.support.discord_fixtures import APP_ID


def expected_set(workspace: Path, *, guild: bool) -> list[dict[str, Any]]:
    """What the scope should hold, as a deploy would send it."""
    from alia_action.sources import load_commands

    commands = load_commands("commands", workspace).commands
    chosen = [c.data for c in commands if (c.type != 4 if guild else not c.development_only)]
    return overwrite_body(chosen, guild=guild)


def seed(live: Emulator, workspace: Path, guild_id: str | None = None, *, without: str = "") -> list[dict[str, Any]]:
    """Make the scope hold the expected set (minus ``without``), as if it had been deployed."""
    commands = [c for c in expected_set(workspace, guild=guild_id is not None) if c["name"] != without]
    live.set_commands(APP_ID, guild_id, commands)
    return commands
