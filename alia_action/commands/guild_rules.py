"""The ``guilds`` key (or Sapphire's ``guildIds``): the production guilds a per-guild command belongs to.

Such a command is deployed to each guild it names and never globally (a name both global and in a guild
shows twice to that guild's members: discord-api-docs issue 3885). The key is the tool's own: never sent to
Discord, never compared (canonical.PROJECT_KEYS).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from .canonical import PRIMARY_ENTRY_POINT
from .loader import SourceCommand
from .problems import Problem, format_path

GUILD_KEYS = ("guilds", "guildIds")
# A snowflake as Discord writes it in JSON: a decimal string, no sign, no leading zero, at most 20 digits.
_SNOWFLAKE = re.compile(r"[1-9][0-9]{0,19}")


def _problem(command: SourceCommand, key: str, index: int | None, message: str) -> Problem:
    path: tuple[str | int, ...] = (key,) if index is None else (key, index)
    return Problem(
        "error", f"project.{key}", message, file=command.file, line=command.line_at(path),
        path=format_path(command.name, path),
    )  # fmt: skip


def guild_problems(commands: Sequence[SourceCommand]) -> Iterator[Problem]:
    """Each command's ``guilds``: a non-empty list of distinct snowflake strings, on a command that can be in
    a guild of production (not an entry point, which is global only; not developmentOnly, which is staging only)."""
    for command in commands:
        keys = [k for k in GUILD_KEYS if k in command.data]
        if not keys:
            continue
        key = keys[0]
        if len(keys) > 1:
            yield _problem(command, keys[1], None, "give the guilds once: guilds or guildIds, not both")
        yield from _list_problems(command, key, command.data[key])
        if command.development_only:
            yield _problem(
                command, key, None,
                f"a developmentOnly command cannot name {key}: it is deployed to the staging guild only",
            )  # fmt: skip
        if command.type == PRIMARY_ENTRY_POINT:
            yield _problem(
                command, key, None, f"a PRIMARY_ENTRY_POINT command cannot name {key}: entry points are global only"
            )


def _list_problems(command: SourceCommand, key: str, value: Any) -> Iterator[Problem]:
    if not isinstance(value, list):
        yield _problem(command, key, None, f'{key} must be an array of guild IDs (strings), for example ["123"]')
        return
    if not value:
        yield _problem(
            command, key, None, f"{key} is empty: name at least one guild, or remove {key} to deploy it globally"
        )
    seen: set[str] = set()
    for index, guild in enumerate(value):
        if not isinstance(guild, str) or not _SNOWFLAKE.fullmatch(guild):
            shown = repr(guild)[:40]
            yield _problem(
                command, key, index,
                f"{key}[{index}] must be a guild ID: a string of 1 to 20 digits (a number loses precision), "
                f"found {shown}",
            )  # fmt: skip
        elif guild in seen:
            yield _problem(command, key, index, f"{key} names guild {guild} twice")
        else:
            seen.add(guild)
