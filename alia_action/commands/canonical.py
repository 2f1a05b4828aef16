"""One canonical form for a command, whether it was written locally or returned by Discord.

Comparing a local definition with what Discord's GET returns naively gives false changes in
every peer library (discord-rules.md lists them). The canonical form removes each source:

- only documented fields take part (``documented``): what Discord stores and returns for a
  command, an option and a choice. Unknown keys never reach the comparison or a request body:
  Discord drops them, so comparing them would plan the same write on every run;
- server-only fields (``id``, ``application_id``, ``version``, ``guild_id``, ``*_localized``)
  are dropped, and so are the tool's own keys (``PROJECT_KEYS``);
- defaults are made explicit or dropped the same way on both sides: ``type`` 1, ``nsfw`` false,
  ``description`` ``""`` for context menus, ``required``/``autocomplete`` false, unset min/max;
- localizations: ``null`` equals ``{}``, and a localized value equal to the default is dropped,
  as Discord drops it;
- ``channel_types``, ``file_types`` (lowercased), ``contexts`` and ``integration_types`` are sets
  (sorted); options and choices keep their order, which users see;
- ``default_member_permissions`` becomes a normalised decimal string, ``null`` kept apart from ``"0"``;
- integral floats become ints (Discord may echo ``1`` as ``1.0`` for NUMBER options).

Some fields are compared only when the local definition states them (``STATED_ONLY``): Discord
fills them its own way otherwise (``contexts``, ``integration_types``, an entry point's ``handler``),
or echoes a default for them (the deprecated but honoured ``dm_permission``/``default_permission``).
Left out, they keep their live value on every route (kept.py carries it into every write).
The global-only ones (``GLOBAL_ONLY``) are never compared for guild commands; ``default_permission``
is not one of them (AC:36, and a parameter of guild create, edit and bulk overwrite: AC:1311, 1340, 1370).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

# The tool's own keys (known extra keys): understood by the loader and the rules, never sent or compared.
PROJECT_KEYS = frozenset({"developmentOnly", "renamedFrom", "ownerOnly", "guilds", "guildIds"})
# Fields the server sets: identity, version and the caller's-locale echoes. Never compared or sent.
SERVER_KEYS = frozenset({"id", "application_id", "version", "guild_id", "name_localized", "description_localized"})
# What Discord documents, per object: nothing else is compared or sent.
COMMAND_FIELDS = frozenset(
    {
        "type", "name", "name_localizations", "description", "description_localizations", "options",
        "default_member_permissions", "dm_permission", "default_permission", "contexts", "integration_types",
        "nsfw", "handler",
    }
)  # fmt: skip
OPTION_FIELDS = frozenset(
    {
        "type", "name", "name_localizations", "description", "description_localizations", "required", "choices",
        "options", "channel_types", "min_value", "max_value", "min_length", "max_length", "autocomplete",
        "file_types",
    }
)  # fmt: skip
CHOICE_FIELDS = frozenset({"name", "name_localizations", "value"})
# Compared only when the local definition states them, against the documented default when the live
# command leaves them out (None: no default; Discord fills its own).
STATED_ONLY: dict[str, Any] = {
    "contexts": None,
    "integration_types": None,
    "handler": None,
    "dm_permission": True,
    "default_permission": True,
}
SET_KEYS = ("contexts", "integration_types")
# Meaningful only for global commands (docs: "only for globally-scoped commands", AC:35): never compared on
# guilds, and left out of a guild request body (Discord ignores them there).
GLOBAL_ONLY = frozenset({*SET_KEYS, "dm_permission"})
GUILD_IGNORED = GLOBAL_ONLY

CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
Key = tuple[int, str]


def _number(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) <= 2**53:
        return int(value)
    return value


def _localizations(value: Any, default: Any) -> dict[str, Any]:
    if not isinstance(value, Mapping):
        return {}
    return {k: v for k, v in sorted(value.items()) if v is not None and v != default}


def _only(obj: Any, fields: frozenset[str]) -> Any:
    return {k: v for k, v in obj.items() if k in fields} if isinstance(obj, Mapping) else obj


def _documented_option(option: Any) -> Any:
    out = _only(option, OPTION_FIELDS)
    if isinstance(out, dict):
        if isinstance(out.get("options"), list):
            out["options"] = [_documented_option(o) for o in out["options"]]
        if isinstance(out.get("choices"), list):
            out["choices"] = [_only(c, CHOICE_FIELDS) for c in out["choices"]]
    return out


def documented(command: Mapping[str, Any]) -> dict[str, Any]:
    """``command`` restricted to the fields Discord documents, at every level, values as written."""
    out: dict[str, Any] = _only(command, COMMAND_FIELDS)
    if isinstance(out.get("options"), list):
        out["options"] = [_documented_option(o) for o in out["options"]]
    return out


def _choice(choice: Any) -> Any:
    if not isinstance(choice, Mapping):
        return choice
    out: dict[str, Any] = {"name": choice.get("name"), "value": _number(choice.get("value"))}
    names = _localizations(choice.get("name_localizations"), choice.get("name"))
    if names:
        out["name_localizations"] = names
    return out


def _option(option: Any) -> Any:
    if not isinstance(option, Mapping):
        return option
    out: dict[str, Any] = {}
    for key, value in option.items():
        if key not in OPTION_FIELDS or value is None:
            continue
        if key in ("required", "autocomplete") and value is False:
            continue
        if key in ("options", "choices", "channel_types", "file_types") and value == []:
            continue
        if key in ("name_localizations", "description_localizations"):
            default = option.get("name" if key == "name_localizations" else "description")
            value = _localizations(value, default)
            if not value:
                continue
        elif key == "options" and isinstance(value, list):
            value = [_option(o) for o in value]
        elif key == "choices" and isinstance(value, list):
            value = [_choice(c) for c in value]
        elif key == "channel_types" and isinstance(value, list):
            value = _sorted_set(value)
        elif key == "file_types" and isinstance(value, list):
            value = sorted({str(v).lower() for v in value})  # docs: case-insensitive, normalised to lowercase
        else:
            value = _number(value)
        out[key] = value
    return dict(sorted(out.items()))


def _sorted_set(values: Iterable[Any]) -> list[Any]:
    unique = {json.dumps(v, sort_keys=True): v for v in values}
    return [unique[k] for k in sorted(unique)]


def _permissions(value: Any) -> Any:
    if isinstance(value, str) and value.strip().isdigit():
        return str(int(value))
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def canonical(command: Mapping[str, Any], *, guild: bool = False) -> dict[str, Any]:
    """The canonical form of one command. Idempotent: ``canonical(canonical(x)) == canonical(x)``.

    Documented fields only; ``guild=True`` drops the fields Discord honours only for global commands.
    """
    out: dict[str, Any] = {}
    kind = command.get("type", CHAT_INPUT)
    out["type"] = CHAT_INPUT if kind is None else kind
    nsfw = command.get("nsfw")
    out["nsfw"] = False if nsfw is None else nsfw
    out["default_member_permissions"] = _permissions(command.get("default_member_permissions"))
    for key, value in command.items():
        if key not in COMMAND_FIELDS or key in out:
            continue
        if guild and key in GLOBAL_ONLY:
            continue
        if key in SET_KEYS:
            if value is not None:  # null from Discord means "not stated", like an omitted key
                out[key] = _sorted_set(value) if isinstance(value, list) else value
        elif key in ("name_localizations", "description_localizations"):
            default = command.get("name" if key == "name_localizations" else "description")
            value = _localizations(value, default)
            if value:
                out[key] = value
        elif key == "options":
            if value:
                out[key] = [_option(o) for o in value] if isinstance(value, list) else value
        elif value is not None:
            out[key] = _number(value)
    if out["type"] in (USER, MESSAGE):  # Discord echoes "" for a context menu's description; null was skipped above
        out.setdefault("description", "")
    return dict(sorted(out.items()))


def comparable(local: Mapping[str, Any], remote: Mapping[str, Any]) -> dict[str, Any]:
    """A live command's canonical form as the local one can be compared with it.

    The fields of ``STATED_ONLY`` count only when the local definition states them; when it does and
    the live command leaves one out, the documented default stands in for it.
    """
    out = {k: v for k, v in remote.items() if k not in STATED_ONLY or k in local}
    for key, default in STATED_ONLY.items():
        if key in local and key not in out and default is not None:
            out[key] = default
    return out


def command_key(command: Mapping[str, Any]) -> Key:
    """Identity of a command within a scope: names are unique per type."""
    kind = command.get("type", CHAT_INPUT)
    return (kind if isinstance(kind, int) else CHAT_INPUT, str(command.get("name", "")))


def canonical_set(commands: Iterable[Mapping[str, Any]], *, guild: bool = False) -> list[dict[str, Any]]:
    """Canonical forms sorted by (type, name): the order of files or of Discord's answer never matters."""
    forms = [canonical(c, guild=guild) for c in commands]
    # The full text breaks ties, so even a set with duplicate names sorts the same from any order.
    return sorted(forms, key=lambda c: (command_key(c), dumps(c)))


def dumps(value: Any) -> str:
    """The byte-stable JSON used for checksums: sorted keys, no whitespace, UTF-8 kept."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def checksum(commands: Iterable[Mapping[str, Any]], *, guild: bool = False) -> str:
    """sha256 of the canonical set: independent of file order, key order and JSON formatting."""
    digest = hashlib.sha256(dumps(canonical_set(commands, guild=guild)).encode("utf-8"))
    return digest.hexdigest()
