"""Command sets to benchmark on: the examples, and larger valid sets cloned from them.

Clones keep the examples' real shapes (options, choices, localizations), so sizes and validation work
match a real bot; only the names change (an index suffix keeps them unique in any set).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from . import REPO

EXAMPLES = REPO / "examples" / "commands"
CHAT_INPUT, USER, MESSAGE = 1, 2, 3
# Keys of this project (not Discord's): a plain discord.js/discord.py deploy never sends them.
PROJECT_KEYS = ("developmentOnly", "renamedFrom")

Command = dict[str, Any]


def example_commands() -> list[Command]:
    """Every command of ``examples/commands``, in path order (a file holds one object or an array)."""
    commands: list[Command] = []
    for path in sorted(EXAMPLES.rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        commands.extend(data if isinstance(data, list) else [data])
    return commands


def _templates(kind: int) -> list[Command]:
    found = [c for c in example_commands() if c.get("type", CHAT_INPUT) == kind]
    if not found:
        raise ValueError(f"the examples hold no command of type {kind} to clone")
    return found


def _clones(kind: int, count: int, start: int) -> Iterator[Command]:
    templates = _templates(kind)
    for i in range(count):
        command = copy.deepcopy(templates[i % len(templates)])
        index = start + i
        if kind == CHAT_INPUT:
            command["name"] = f"{command['name'][:26]}-{index:04d}"  # lowercase, at most 31 characters
        else:
            command["name"] = f"{command['name'][:24]} {index:04d}"
        # Localized names were written for the template's name: clones would clash in those locales.
        command.pop("name_localizations", None)
        for key in PROJECT_KEYS:
            command.pop(key, None)
        yield command


def full_scope(chat: int = 100, user: int = 15, message: int = 15, *, start: int = 0) -> list[Command]:
    """A valid set for one scope: by default Discord's maximum (100 CHAT_INPUT, 15 USER, 15 MESSAGE)."""
    return [
        *_clones(CHAT_INPUT, chat, start),
        *_clones(USER, user, start + chat),
        *_clones(MESSAGE, message, start + chat + user),
    ]


def write_files(commands: list[Command], root: Path, *, folders: int = 1) -> list[Path]:
    """One file per command, spread round-robin over ``folders`` sub-folders of ``root``."""
    paths: list[Path] = []
    for i, command in enumerate(commands):
        folder = root / f"group-{i % folders:02d}" if folders > 1 else root
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"command-{i:04d}.json"
        path.write_text(json.dumps(command, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def tree_of_scopes(directories: int, per_directory: tuple[int, int, int], root: Path) -> int:
    """``directories`` folders, each a full scope's worth of files (names unique across the tree).

    Together they exceed Discord's per-scope counts, which detect reports as errors: that is
    the point, a large tree is timed with all its problems. Returns the number of files.
    """
    chat, user, message = per_directory
    count = 0
    for d in range(directories):
        commands = full_scope(chat, user, message, start=d * (chat + user + message))
        count += len(write_files(commands, root / f"scope-{d:02d}"))
    return count


def changed(command: Command, tag: str = "v2") -> Command:
    """The same command with one visible difference (the description, or a context menu's permissions)."""
    out = copy.deepcopy(command)
    if out.get("type", CHAT_INPUT) == CHAT_INPUT:
        out["description"] = f"{str(out.get('description', ''))[:90]} ({tag})"
    else:
        out["default_member_permissions"] = "8192" if out.get("default_member_permissions") != "8192" else "32"
    return out


def discord_body(command: Command) -> Command:
    """What a plain deploy script sends for a command file: the file minus this project's keys."""
    return {k: v for k, v in command.items() if k not in PROJECT_KEYS}
