"""Export a discord.py bot's application commands as command-deploy's JSON, without logging in.

    python export_commands.py mybot.commands:tree commands.json

``module:attribute`` names an ``app_commands.CommandTree`` (or a function returning one) whose global
commands are exported as the body ``tree.sync()`` would send, in the form Discord documents. A command marked
``extras={"developmentOnly": True}`` is exported with ``"developmentOnly": true`` (staging only).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import os
import sys
from pathlib import Path
from typing import Any

from discord import app_commands


class ExportError(Exception):
    """A problem the user fixes in their bot; reported in one line, without a traceback."""


def load_tree(target: str) -> app_commands.CommandTree[Any]:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise ExportError(f"expected module:attribute (e.g. mybot.commands:tree), got {target!r}")
    sys.path.insert(0, os.getcwd())  # the bot's package is importable from where the script is run
    try:
        found = getattr(importlib.import_module(module_name), attribute)
        tree = found() if callable(found) else found
    except Exception as exc:  # any failure while loading the bot stops the export
        raise ExportError(f"cannot load {target}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(tree, app_commands.CommandTree):
        raise ExportError(f"{target} is a {type(tree).__name__}, not an app_commands.CommandTree")
    return tree


async def _payload(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    # The same body tree.sync() sends for the global scope, translated when the bot has a translator.
    commands = tree.get_commands()
    if tree.translator is not None:
        return [await command.get_translated_payload(tree, tree.translator) for command in commands]
    return [command.to_dict(tree) for command in commands]


def documented(body: dict[str, Any]) -> dict[str, Any]:
    """discord.py's body in the form Discord documents (and returns on GET), so the plan shows no false change.

    discord.py sends ``default_member_permissions`` as a number (Discord documents a decimal string) and
    always sends the deprecated ``dm_permission``, which ``contexts`` supersedes (``guild_only`` sets both).
    """
    body = dict(body)
    if isinstance(body.get("default_member_permissions"), int):
        body["default_member_permissions"] = str(body["default_member_permissions"])
    if body.get("contexts") is not None or body.get("dm_permission") is True:
        body.pop("dm_permission", None)
    return body


def export(tree: app_commands.CommandTree[Any]) -> list[dict[str, Any]]:
    bodies = asyncio.run(_payload(tree))
    out = []
    for command, body in zip(tree.get_commands(), bodies, strict=True):
        development_only = command.extras.get("developmentOnly", False)
        if not isinstance(development_only, bool):
            raise ExportError(f"{command.name}: extras['developmentOnly'] must be True or False")
        out.append({**documented(body), "developmentOnly": True} if development_only else documented(body))
    if not out:
        # An empty list is a valid bulk overwrite that deletes every command: never write one by accident.
        raise ExportError("the tree has no global commands")
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python export_commands.py <module:tree> <out.json>", file=sys.stderr)
        return 2
    try:
        commands = export(load_tree(argv[0]))
    except ExportError as exc:
        print(f"export_commands: {exc}; nothing written", file=sys.stderr)
        return 1
    out = Path(argv[1])
    # Write beside the target and rename, so a crash never leaves a truncated commands file behind.
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text(json.dumps(commands, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(out)
    print(f"export_commands: {len(commands)} commands written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
