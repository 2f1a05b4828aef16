"""The two common ways bots deploy commands, implemented faithfully for comparison.

(A) ``bulk_put``: one unconditional bulk overwrite every run, as the discord.js guide's
    ``deploy-commands.js`` (``rest.put(Routes.applicationGuildCommands(...), {body})``) and
    discord.py's ``tree.sync(guild=...)`` do.
(B) ``individual``: Sapphire's default registration strategy: fetch the scope's commands once
    (``with_localizations=true``), then per local command find the remote one by type and name;
    missing → POST, different → PATCH with the full definition, identical → nothing. Differences
    follow Sapphire's ``getCommandDifferences`` (see :func:`sapphire_differs`). Sapphire itself
    leaves commands that are no longer defined in place (so a rename at a full scope fails there);
    here they are DELETEd first, so every approach ends with the same set.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .rest import RateLimitedSession

Command = Mapping[str, Any]


def scope_path(application_id: str, guild_id: str | None) -> str:
    base = f"/applications/{application_id}"
    return f"{base}/guilds/{guild_id}/commands" if guild_id else f"{base}/commands"


def bulk_put(session: RateLimitedSession, path: str, commands: Sequence[Command]) -> None:
    session.request("PUT", path, json=list(commands))


def individual(session: RateLimitedSession, path: str, commands: Sequence[Command], *, guild: bool) -> None:
    remote: list[dict[str, Any]] = session.request("GET", path, params={"with_localizations": "true"})
    wanted = {(int(c.get("type", 1)), str(c["name"])) for c in commands}
    # Deletes first: at a full scope (100 CHAT_INPUT) a rename's POST is refused (30032) while the old
    # name still counts.
    for live in remote:
        if (live["type"], live["name"]) not in wanted:
            session.request("DELETE", f"{path}/{live['id']}")
    for command in commands:
        key = (int(command.get("type", 1)), str(command["name"]))
        existing = next((r for r in remote if (r["type"], r["name"]) == key), None)
        if existing is None:
            session.request("POST", path, json=dict(command))
        elif sapphire_differs(existing, command, guild=guild):
            session.request("PATCH", f"{path}/{existing['id']}", json=dict(command))


# ---------------------------------------------------------------------------------------------
# Sapphire's comparison, field by field (compute-differences/*.ts), reduced to "any difference?"


def _locs_differ(old: Mapping[str, str] | None, new: Mapping[str, str] | None) -> bool:
    if not old or not new:  # Sapphire: present on one side only is a difference
        return bool(old) != bool(new)
    remaining = dict(old)
    for locale, value in new.items():
        if remaining.pop(locale, None) != value:
            return True
    return any(remaining.values())


def _list_differs(old: Sequence[Any] | None, new: Sequence[Any] | None) -> bool:
    """integration_types/contexts: an existing list with none stated locally is a difference (Sapphire's
    known false positive: Discord fills integration_types for commands that omit it)."""
    if not new:
        return bool(old)
    return list(old or []) != list(new)


def _options_differ(old: Sequence[Mapping[str, Any]] | None, new: Sequence[Mapping[str, Any]] | None) -> bool:
    if not old or not new:
        return bool(old) != bool(new)
    if len(old) != len(new):
        return True
    return any(_option_differs(o, n) for o, n in zip(old, new, strict=True))


def _option_differs(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    if old.get("type") != new.get("type") or old.get("name") != new.get("name"):
        return True
    if old.get("description") != new.get("description"):
        return True
    for key in ("name_localizations", "description_localizations"):
        if _locs_differ(old.get(key), new.get(key)):
            return True
    if bool(old.get("required")) != bool(new.get("required")):
        return True
    if new.get("type") in (1, 2):  # subcommand, group
        return _options_differ(old.get("options"), new.get("options"))
    for key in ("min_value", "max_value", "min_length", "max_length"):
        if old.get(key) != new.get(key):
            return True
    if bool(old.get("autocomplete")) != bool(new.get("autocomplete")):
        return True
    if not new.get("autocomplete") and _choices_differ(old.get("choices"), new.get("choices")):
        return True
    return sorted(old.get("channel_types") or []) != sorted(new.get("channel_types") or [])


def _choices_differ(old: Sequence[Mapping[str, Any]] | None, new: Sequence[Mapping[str, Any]] | None) -> bool:
    if not old or not new:
        return bool(old) != bool(new)
    if len(old) != len(new):
        return True
    return any(
        o.get("name") != n.get("name")
        or o.get("value") != n.get("value")
        or _locs_differ(o.get("name_localizations"), n.get("name_localizations"))
        for o, n in zip(old, new, strict=True)
    )


def _permissions(value: Any) -> str | None:
    return None if value is None else str(value)


def sapphire_differs(existing: Mapping[str, Any], local: Command, *, guild: bool) -> bool:
    """Would Sapphire's ``getCommandDifferences`` report anything? (``nsfw`` is not compared: neither
    does Sapphire.)"""
    chat = int(local.get("type", 1)) == 1
    if chat:
        if str(existing["name"]).lower() != str(local["name"]).lower():
            return True
    elif existing["name"] != local["name"]:
        return True
    if _locs_differ(existing.get("name_localizations"), local.get("name_localizations")):
        return True
    if not guild and (existing.get("dm_permission") is not False) != (local.get("dm_permission") is not False):
        return True
    permissions = "default_member_permissions"
    if _permissions(existing.get(permissions)) != _permissions(local.get(permissions)):
        return True
    if chat:
        if existing.get("description") != local.get("description"):
            return True
        if _locs_differ(existing.get("description_localizations"), local.get("description_localizations")):
            return True
    if _list_differs(existing.get("integration_types"), local.get("integration_types")):
        return True
    if _list_differs(existing.get("contexts"), local.get("contexts")):
        return True
    return chat and _options_differ(existing.get("options"), local.get("options"))
