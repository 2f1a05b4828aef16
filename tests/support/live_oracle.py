"""What Discord must hold after a deploy of some command files, derived without canonical.py or plan.py.

A second, deliberately plain reading of Discord's docs (discord-rules.md, "What GET returns, and how to
compare"): tests that check what a deploy left live compare the raw JSON the emulator or the stand-in holds
with :func:`expected_live`, through :func:`held`, so a blind spot of the project's own comparison cannot show up
as success everywhere at once (the planner must not be its own judge).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# Written out again on purpose, from the docs' field tables (AC:20-60 command, AC:300-330 option, AC:340 choice).
COMMAND_KEYS = (
    "type", "name", "name_localizations", "description", "description_localizations", "options",
    "default_member_permissions", "dm_permission", "default_permission", "contexts", "integration_types", "nsfw",
    "handler",
)  # fmt: skip
OPTION_KEYS = (
    "type", "name", "name_localizations", "description", "description_localizations", "required", "choices",
    "options", "channel_types", "min_value", "max_value", "min_length", "max_length", "autocomplete", "file_types",
)  # fmt: skip
CHOICE_KEYS = ("name", "name_localizations", "value")
# A field absent from Discord's answer means this value (and the file leaving it out means it too).
DEFAULTS: dict[str, Any] = {
    "nsfw": False,
    "required": False,
    "autocomplete": False,
    "dm_permission": True,
    "default_permission": True,
    "default_member_permissions": None,
}
SETS = ("channel_types", "contexts", "integration_types")  # Discord answers them in its own order
# Discord fills these its own way when a file leaves them out (dm_permission follows contexts): only a stated
# value can be checked.
FILLED_BY_DISCORD = ("contexts", "integration_types", "handler", "dm_permission")  # dm_permission: from contexts
NOT_ON_GUILDS = ("contexts", "integration_types", "dm_permission")  # global-only: not sent to a guild


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _localized(value: Any, default: Any) -> dict[str, Any]:
    return {k: v for k, v in (value or {}).items() if v != default}


def _clean(obj: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        if key not in obj:
            continue
        value = obj[key]
        if key in ("name_localizations", "description_localizations"):
            value = _localized(value, obj.get(key.split("_")[0]))
        elif key == "options":
            value = [_clean(o, OPTION_KEYS) for o in value or []]
        elif key == "choices":
            value = [_clean(c, CHOICE_KEYS) for c in value or []]
        elif key in SETS and isinstance(value, list):
            value = sorted(set(value))
        elif key == "file_types" and isinstance(value, list):
            value = sorted({v.lower() for v in value})
        elif key == "default_member_permissions" and value is not None:
            value = str(int(value))
        else:
            value = _plain(value)
        if value in (None, [], {}) or (key in DEFAULTS and value == DEFAULTS[key]):
            continue
        out[key] = value
    if out.get("description") == "":
        del out["description"]  # context menus: Discord answers "", the file leaves it out
    return out


def _key(command: Mapping[str, Any]) -> tuple[int, str]:
    return (command.get("type") or 1, command["name"])


def expected_live(files: Iterable[Mapping[str, Any]], *, guild: bool) -> dict[tuple[int, str], dict[str, Any]]:
    """By (type, name): each command of ``files`` as Discord must hold it, in the form :func:`held` gives."""
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for command in files:
        form = {"type": 1, **_clean(command, COMMAND_KEYS)}
        if guild:
            for key in NOT_ON_GUILDS:
                form.pop(key, None)
        out[_key(command)] = form
    return out


def held(
    live: Iterable[Mapping[str, Any]], files: Iterable[Mapping[str, Any]], *, guild: bool
) -> dict[tuple[int, str], dict[str, Any]]:
    """By (type, name): the raw commands Discord answered, server fields and defaults removed; the fields
    Discord fills its own way kept only where the file of that command states them."""
    stated = {_key(c): {k for k in FILLED_BY_DISCORD if c.get(k) is not None} for c in files}
    out: dict[tuple[int, str], dict[str, Any]] = {}
    for command in live:
        key = _key(command)
        form = {"type": 1, **_clean(command, COMMAND_KEYS)}
        for field in FILLED_BY_DISCORD:
            if field not in stated.get(key, set()):
                form.pop(field, None)
        if guild:
            for field in NOT_ON_GUILDS:
                form.pop(field, None)
        out[key] = form
    return out
