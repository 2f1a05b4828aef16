"""Discord's server-side checks of application commands, in Discord's own error vocabulary.

Used by the emulator only. Written independently of ``alia_action.commands.rules`` on purpose:
the two are meant to check each other, so nothing is imported from the domain package.

Errors are collected in Discord's nested shape: keys mirror the request body (array indices as
strings), leaves are ``{"_errors": [{"code": ..., "message": ...}]}``.

Also here: normalising an accepted command into the stored form, and rendering the stored
form the way Discord's GET returns it (defaults filled, false/unset option fields omitted).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

ErrorTree = dict[str, Any]
Key = str | int

CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER_OPT, CHANNEL, ROLE, MENTIONABLE, NUMBER, ATTACHMENT = 3, 4, 5, 6, 7, 8, 9, 10, 11
OPTION_TYPES = tuple(range(1, 12))
CHANNEL_TYPES = (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16)
MAX_INT = 2**53 - 1
MAX_NUMBER = 2**53
MAX_SIZE = 8000
MAX_PER_TYPE = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15, PRIMARY_ENTRY_POINT: 1}

# The docs' list (developers/reference#locales) and the two more the OpenAPI spec names ("ar", "he"): the spec
# is generated from the API's own schema, so Discord takes them; the validator only warns that the docs omit them.
_LOCALE_LIST = (
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no", "pl",
    "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th", "zh-CN", "ja", "zh-TW", "ko",
    "ar", "he",
)  # fmt: skip
LOCALES = frozenset(_LOCALE_LIST)


# ---------------------------------------------------------------------------------------------
# Discord's error vocabulary


def _leaf(code: str, message: str) -> dict[str, str]:
    return {"code": code, "message": message}


def required() -> dict[str, str]:
    return _leaf("BASE_TYPE_REQUIRED", "This field is required")


def bad_length(lo: int, hi: int) -> dict[str, str]:
    return _leaf("BASE_TYPE_BAD_LENGTH", f"Must be between {lo} and {hi} in length.")


def max_length(n: int) -> dict[str, str]:
    return _leaf("BASE_TYPE_MAX_LENGTH", f"Must be {n} or fewer in length.")


def one_of(values: tuple[int, ...]) -> dict[str, str]:
    return _leaf("BASE_TYPE_CHOICES", "Value must be one of {" + ", ".join(map(str, values)) + "}.")


def _show(value: Any) -> str:
    return str(value).replace("True", "true").replace("False", "false") if isinstance(value, bool) else str(value)


def not_string(value: Any) -> dict[str, str]:
    return _leaf("STRING_TYPE_CONVERT", f'Could not interpret "{_show(value)}" as string.')


def not_int(value: Any) -> dict[str, str]:
    return _leaf("NUMBER_TYPE_COERCE", f'Value "{_show(value)}" is not int.')


def not_number(value: Any) -> dict[str, str]:
    return _leaf("NUMBER_TYPE_COERCE", f'Value "{_show(value)}" is not a valid number.')


def not_bool(value: Any) -> dict[str, str]:
    return _leaf("BOOLEAN_TYPE_CONVERT", f'Value "{_show(value)}" is not bool.')


def not_snowflake(value: Any) -> dict[str, str]:
    return _leaf("NUMBER_TYPE_COERCE", f'Value "{_show(value)}" is not snowflake.')


def not_dict() -> dict[str, str]:
    return _leaf("DICT_TYPE_CONVERT", "Only dictionaries may be used in a DictType")


def not_list() -> dict[str, str]:
    return _leaf("LIST_TYPE_CONVERT", "Only iterables may be used in a ListType")


def number_max(n: int | float) -> dict[str, str]:
    return _leaf("NUMBER_TYPE_MAX", f"int value should be less than or equal to {n}.")


def number_min(n: int | float) -> dict[str, str]:
    return _leaf("NUMBER_TYPE_MIN", f"int value should be greater than or equal to {n}.")


def bad_enum(value: Any) -> dict[str, str]:
    return _leaf("ENUM_TYPE_COERCE", f'Value "{_show(value)}" is not a valid enum value.')


INVALID_NAME = _leaf("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
REGEX = _leaf("STRING_TYPE_REGEX", "String value did not match validation regex.")
TOO_LARGE = _leaf("APPLICATION_COMMAND_TOO_LARGE", f"Command exceeds maximum size ({MAX_SIZE})")
DUPLICATE_COMMAND = _leaf("APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
DUPLICATE_OPTION = _leaf("APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME", "Command option names must be unique")
REQUIRED_ORDER = _leaf(
    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID", "Required options must be placed before non-required options"
)
TYPES_MIXED = _leaf(
    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
    "Sub-command and sub-command group option types are mutually exclusive to all other types",
)
GROUP_CONTENT = _leaf(
    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-command groups may only contain sub-command options"
)
SUBCOMMAND_CONTENT = _leaf(
    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Sub-commands may not contain sub-command or group options"
)
REQUIRED_ON_SUBCOMMAND = _leaf(
    "APPLICATION_COMMAND_OPTION_REQUIRED_INVALID", "Sub-commands and groups cannot be required"
)
CHOICES_AND_AUTOCOMPLETE = _leaf(
    "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE", "Autocomplete cannot be enabled on options that have choices"
)


class Errors:
    """Builds Discord's nested ``errors`` object."""

    def __init__(self) -> None:
        self.tree: ErrorTree = {}

    def add(self, path: tuple[Key, ...], leaf: dict[str, str]) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append(leaf)

    def __bool__(self) -> bool:
        return bool(self.tree)


# ---------------------------------------------------------------------------------------------
# primitive checks


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# \p{sc=Deva} and \p{sc=Thai} (Unicode Scripts.txt): the Devanagari block without U+0951-0954 (Inherited) and
# U+0964-0965 (Common), Devanagari Extended and Extended-A; the Thai block's assigned letters and signs without
# U+0E3F (baht, Common). Whole blocks would let through characters the docs' pattern refuses.
_SCRIPTS = (
    (0x0900, 0x0950), (0x0955, 0x0963), (0x0966, 0x097F), (0xA8E0, 0xA8FF), (0x11B00, 0x11B0A),
    (0x0E01, 0x0E3A), (0x0E40, 0x0E5B),
)  # fmt: skip


def _name_char_ok(ch: str) -> bool:
    # U+02BC (a letter) is the apostrophe Discord takes; the ASCII ' fails STRING_TYPE_REGEX (api-docs #7371).
    if ch in "-_":
        return True
    if unicodedata.category(ch)[0] in "LN":
        return True
    cp = ord(ch)
    return any(low <= cp <= high for low, high in _SCRIPTS)


def _check_name(errs: Errors, path: tuple[Key, ...], value: Any, *, slash: bool) -> None:
    """CHAT_INPUT and option names: ``^[-_\\u02BC\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, lowercase."""
    if not isinstance(value, str):
        errs.add(path, not_string(value))
        return
    if not 1 <= len(value) <= 32:
        errs.add(path, bad_length(1, 32))
        return
    if not slash:
        return
    if not all(_name_char_ok(ch) for ch in value):
        errs.add(path, REGEX)
        errs.add(path, INVALID_NAME)
    elif value != value.lower():
        errs.add(path, INVALID_NAME)


def _check_text(errs: Errors, path: tuple[Key, ...], value: Any, lo: int, hi: int) -> None:
    if not isinstance(value, str):
        errs.add(path, not_string(value))
    elif not lo <= len(value) <= hi:
        errs.add(path, bad_length(lo, hi))


def _check_bool(errs: Errors, path: tuple[Key, ...], value: Any) -> None:
    if value is not None and not isinstance(value, bool):
        errs.add(path, not_bool(value))


def _check_localizations(
    errs: Errors, path: tuple[Key, ...], value: Any, *, kind: str, slash: bool, hi: int = 100
) -> None:
    if value is None:
        return
    if not isinstance(value, Mapping):
        errs.add(path, not_dict())
        return
    for loc, text in value.items():
        if loc not in LOCALES:
            errs.add((*path, loc), bad_enum(loc))
        elif kind == "name":
            _check_name(errs, (*path, loc), text, slash=slash)
        else:
            _check_text(errs, (*path, loc), text, 1, hi)


def _int_set(errs: Errors, path: tuple[Key, ...], value: Any, allowed: tuple[int, ...], *, min_items: int) -> None:
    if value is None:
        return
    if not isinstance(value, list):
        errs.add(path, not_list())
        return
    if len(value) < min_items:
        errs.add(path, _leaf("BASE_TYPE_MIN_LENGTH", f"Must be {min_items} or more in length."))
    for i, item in enumerate(value):
        if not _is_int(item):
            errs.add((*path, i), not_int(item))
        elif item not in allowed:
            errs.add((*path, i), one_of(allowed))
    if len({repr(v) for v in value}) != len(value):
        errs.add(path, _leaf("BASE_TYPE_UNIQUE", "Values must be unique."))


# ---------------------------------------------------------------------------------------------
# commands and options


def check_command(cmd: Any, path: tuple[Key, ...], errs: Errors, *, guild: bool) -> None:
    """Everything Discord checks on one command object (not counts, not duplicates across items)."""
    if not isinstance(cmd, Mapping):
        errs.add(path, not_dict())
        return
    ctype = cmd.get("type", CHAT_INPUT)
    if ctype is None:
        ctype = CHAT_INPUT
    allowed_types = (CHAT_INPUT, USER, MESSAGE) if guild else (CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT)
    if not _is_int(ctype):
        errs.add((*path, "type"), not_int(ctype))
        return
    if ctype not in allowed_types:
        errs.add((*path, "type"), one_of(allowed_types))
        return
    slash = ctype == CHAT_INPUT

    if "name" not in cmd or cmd["name"] is None:
        errs.add((*path, "name"), required())
    else:
        _check_name(errs, (*path, "name"), cmd["name"], slash=slash)
    _check_localizations(errs, (*path, "name_localizations"), cmd.get("name_localizations"), kind="name", slash=slash)

    desc = cmd.get("description")
    if ctype == CHAT_INPUT:
        if desc is None:
            errs.add((*path, "description"), required())
        else:
            _check_text(errs, (*path, "description"), desc, 1, 100)
        _check_localizations(
            errs, (*path, "description_localizations"), cmd.get("description_localizations"), kind="desc", slash=True
        )
    elif ctype == PRIMARY_ENTRY_POINT:
        if desc is not None:
            _check_text(errs, (*path, "description"), desc, 0, 100)
    elif desc not in (None, ""):
        errs.add((*path, "description"), max_length(0))

    options = cmd.get("options")
    if options is not None:
        if ctype != CHAT_INPUT:
            if options != []:
                errs.add((*path, "options"), max_length(0))
        else:
            _check_options(errs, (*path, "options"), options, level="command")

    dmp = cmd.get("default_member_permissions")
    if dmp is not None:
        if isinstance(dmp, str) and dmp.isdigit() and dmp.isascii():
            dmp_value: int | None = int(dmp)
        elif _is_int(dmp):
            dmp_value = dmp
        else:
            errs.add((*path, "default_member_permissions"), not_int(dmp))
            dmp_value = None
        if dmp_value is not None and not 0 <= dmp_value < 2**54:
            errs.add((*path, "default_member_permissions"), number_max(2**54 - 1))
    _check_bool(errs, (*path, "dm_permission"), cmd.get("dm_permission"))
    _check_bool(errs, (*path, "default_permission"), cmd.get("default_permission"))
    _check_bool(errs, (*path, "nsfw"), cmd.get("nsfw"))
    _int_set(errs, (*path, "contexts"), cmd.get("contexts"), (0, 1, 2), min_items=1)
    _int_set(errs, (*path, "integration_types"), cmd.get("integration_types"), (0, 1), min_items=1)

    if ctype == PRIMARY_ENTRY_POINT:
        handler = cmd.get("handler")  # optional in the docs
        if handler is not None and (not _is_int(handler) or handler not in (1, 2)):
            errs.add((*path, "handler"), one_of((1, 2)))
    elif cmd.get("handler") is not None:  # docs: handler can only be set for PRIMARY_ENTRY_POINT commands
        errs.add((*path, "handler"), one_of(()))

    if "id" in cmd and cmd["id"] is not None and not _is_snowflake(cmd["id"]):
        errs.add((*path, "id"), not_snowflake(cmd["id"]))

    if ctype == CHAT_INPUT and not errs_at(errs, path) and command_size(cmd) > MAX_SIZE:
        errs.add(path, TOO_LARGE)


def errs_at(errs: Errors, path: tuple[Key, ...]) -> bool:
    node: Any = errs.tree
    for key in path:
        if not isinstance(node, dict) or str(key) not in node:
            return False
        node = node[str(key)]
    return bool(node)


def _is_snowflake(v: Any) -> bool:
    return (isinstance(v, str) and v.isdigit() and v.isascii() and len(v) <= 20) or (_is_int(v) and v >= 0)


def _check_options(errs: Errors, path: tuple[Key, ...], options: Any, *, level: str) -> None:
    """``level``: "command" (top), "group" (inside a group), "subcommand" (inside a subcommand)."""
    if not isinstance(options, list):
        errs.add(path, not_list())
        return
    if len(options) > 25:
        errs.add(path, max_length(25))
    types = [o.get("type") for o in options if isinstance(o, Mapping)]
    structural = [t for t in types if t in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    if level == "command" and structural and len(structural) != len(types):
        errs.add(path, TYPES_MIXED)

    seen_optional = False
    names: list[str] = []
    for i, opt in enumerate(options):
        opath = (*path, i)
        if not isinstance(opt, Mapping):
            errs.add(opath, not_dict())
            continue
        otype = opt.get("type")
        if otype is None:
            errs.add((*opath, "type"), required())
            continue
        if not _is_int(otype) or otype not in OPTION_TYPES:
            errs.add((*opath, "type"), one_of(OPTION_TYPES))
            continue
        if level == "group" and otype != SUB_COMMAND:
            errs.add((*opath, "type"), GROUP_CONTENT)
        if level == "subcommand" and otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
            errs.add((*opath, "type"), SUBCOMMAND_CONTENT)
        _check_option(errs, opath, opt, otype)

        name = opt.get("name")
        if isinstance(name, str):
            names.append(name)
        req = opt.get("required")
        if otype not in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if req is True and seen_optional:
                errs.add(opath, REQUIRED_ORDER)
            if req is not True:
                seen_optional = True

    if len(set(names)) != len(names):
        errs.add(path, DUPLICATE_OPTION)
    # Localized names that clash (AC:1086) are not refused: only the docs say so, no one has seen Discord do it.


def _check_option(errs: Errors, path: tuple[Key, ...], opt: Mapping[str, Any], otype: int) -> None:
    if "name" not in opt or opt["name"] is None:
        errs.add((*path, "name"), required())
    else:
        _check_name(errs, (*path, "name"), opt["name"], slash=True)
    _check_localizations(errs, (*path, "name_localizations"), opt.get("name_localizations"), kind="name", slash=True)
    if opt.get("description") is None:
        errs.add((*path, "description"), required())
    else:
        _check_text(errs, (*path, "description"), opt["description"], 1, 100)
    _check_localizations(
        errs, (*path, "description_localizations"), opt.get("description_localizations"), kind="desc", slash=True
    )
    _check_bool(errs, (*path, "required"), opt.get("required"))
    if otype in (SUB_COMMAND, SUB_COMMAND_GROUP) and opt.get("required") is True:
        errs.add((*path, "required"), REQUIRED_ON_SUBCOMMAND)

    if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
        sub = opt.get("options")
        if sub is not None:
            _check_options(errs, (*path, "options"), sub, level="group" if otype == SUB_COMMAND_GROUP else "subcommand")
        return

    if otype in (STRING, INTEGER, NUMBER):
        _check_bool(errs, (*path, "autocomplete"), opt.get("autocomplete"))
        choices = opt.get("choices")
        if choices is not None:
            _check_choices(errs, (*path, "choices"), choices, otype)
            if opt.get("autocomplete") is True and isinstance(choices, list) and choices:
                errs.add((*path, "autocomplete"), CHOICES_AND_AUTOCOMPLETE)
    if otype == STRING:
        for key, lo in (("min_length", 0), ("max_length", 1)):
            v = opt.get(key)
            if v is None:
                continue
            if not _is_int(v):
                errs.add((*path, key), not_int(v))
            elif v < lo:
                errs.add((*path, key), number_min(lo))
            elif v > 6000:
                errs.add((*path, key), number_max(6000))
    if otype in (INTEGER, NUMBER):
        for key in ("min_value", "max_value"):
            v = opt.get(key)
            if v is None:
                continue
            if otype == INTEGER and not _is_int(v):
                errs.add((*path, key), not_int(v))
            elif otype == NUMBER and not _is_number(v):
                errs.add((*path, key), not_number(v))
            else:
                bound = MAX_INT if otype == INTEGER else MAX_NUMBER
                if v > bound:
                    errs.add((*path, key), number_max(bound))
                elif v < -bound:
                    errs.add((*path, key), number_min(-bound))
    if otype == CHANNEL:
        _int_set(errs, (*path, "channel_types"), opt.get("channel_types"), CHANNEL_TYPES, min_items=0)
    if otype == ATTACHMENT:
        ft = opt.get("file_types")
        if ft is not None:
            if not isinstance(ft, list):
                errs.add((*path, "file_types"), not_list())
            elif len(ft) > 10:
                errs.add((*path, "file_types"), max_length(10))
            else:
                for i, v in enumerate(ft):
                    # Case-insensitive, stored lowercased.
                    ok = isinstance(v, str) and (
                        v.lower() in ("image", "video", "audio") or (v.startswith(".") and len(v) > 1)
                    )
                    if not ok:
                        errs.add((*path, "file_types", i), bad_enum(v))


def _check_choices(errs: Errors, path: tuple[Key, ...], choices: Any, otype: int) -> None:
    if not isinstance(choices, list):
        errs.add(path, not_list())
        return
    if len(choices) > 25:
        errs.add(path, max_length(25))
    for i, ch in enumerate(choices):
        cpath = (*path, i)
        if not isinstance(ch, Mapping):
            errs.add(cpath, not_dict())
            continue
        if ch.get("name") is None:
            errs.add((*cpath, "name"), required())
        else:
            _check_text(errs, (*cpath, "name"), ch["name"], 1, 100)
        _check_localizations(
            errs, (*cpath, "name_localizations"), ch.get("name_localizations"), kind="desc", slash=False
        )
        if "value" not in ch or ch["value"] is None:
            errs.add((*cpath, "value"), required())
            continue
        v = ch["value"]
        if otype == STRING:  # no minimum: docs and spec set none, Discord takes "" (discord-jda/JDA issue 3084)
            _check_text(errs, (*cpath, "value"), v, 0, 100)
        elif otype == INTEGER:
            if not _is_int(v):
                errs.add((*cpath, "value"), not_int(v))
            elif abs(v) > MAX_INT:
                errs.add((*cpath, "value"), number_max(MAX_INT) if v > 0 else number_min(-MAX_INT))
        elif not _is_number(v):
            errs.add((*cpath, "value"), not_number(v))
        elif abs(v) > MAX_NUMBER:
            errs.add((*cpath, "value"), number_max(MAX_NUMBER) if v > 0 else number_min(-MAX_NUMBER))


def _longest(default: Any, locs: Any) -> int:
    n = len(default) if isinstance(default, str) else len(str(default)) if default is not None else 0
    if isinstance(locs, Mapping):
        for v in locs.values():
            if isinstance(v, str):
                n = max(n, len(v))
    return n


def command_size(cmd: Mapping[str, Any]) -> int:
    """Characters Discord counts against the 8000 limit (longest localized variant of each field)."""
    total = _longest(cmd.get("name"), cmd.get("name_localizations"))
    total += _longest(cmd.get("description"), cmd.get("description_localizations"))
    for opt in cmd.get("options") or []:
        if isinstance(opt, Mapping):
            total += command_size(opt)
            for ch in opt.get("choices") or []:
                if isinstance(ch, Mapping):
                    total += _longest(ch.get("name"), ch.get("name_localizations"))
                    total += len(str(ch.get("value", "")))
    return total


def check_bulk(body: Any, *, guild: bool) -> ErrorTree:
    """Validate a bulk-overwrite body; ``{}`` when Discord would accept it."""
    errs = Errors()
    if not isinstance(body, list):
        errs.add((), not_list())
        return errs.tree
    seen: dict[tuple[int, str], int] = {}
    for i, cmd in enumerate(body):
        check_command(cmd, (i,), errs, guild=guild)
        if isinstance(cmd, Mapping) and isinstance(cmd.get("name"), str):
            key = (command_type(cmd), cmd["name"])
            if key in seen:
                errs.add((i,), DUPLICATE_COMMAND)
            seen[key] = i
    return errs.tree


def check_single(body: Any, *, guild: bool) -> ErrorTree:
    errs = Errors()
    check_command(body, (), errs, guild=guild)
    return errs.tree


def command_type(cmd: Mapping[str, Any]) -> int:
    t = cmd.get("type")
    return t if isinstance(t, int) and not isinstance(t, bool) else CHAT_INPUT


# ---------------------------------------------------------------------------------------------
# stored form and Discord's rendering


def _clean_localizations(default: Any, locs: Any) -> dict[str, str]:
    """Discord drops localized values equal to the default."""
    if not isinstance(locs, Mapping):
        return {}
    return {str(k): str(v) for k, v in locs.items() if v != default}


def normalize_option(opt: Mapping[str, Any]) -> dict[str, Any]:
    otype = int(opt["type"])
    out: dict[str, Any] = {
        "type": otype,
        "name": opt["name"],
        "name_localizations": _clean_localizations(opt["name"], opt.get("name_localizations")),
        "description": opt["description"],
        "description_localizations": _clean_localizations(opt["description"], opt.get("description_localizations")),
    }
    if opt.get("required") is True and otype not in (SUB_COMMAND, SUB_COMMAND_GROUP):
        out["required"] = True
    if otype in (SUB_COMMAND, SUB_COMMAND_GROUP):
        out["options"] = [normalize_option(o) for o in opt.get("options") or []]
        return out
    if otype in (STRING, INTEGER, NUMBER):
        if opt.get("autocomplete") is True:
            out["autocomplete"] = True
        choices = opt.get("choices") or []
        if choices:
            out["choices"] = [
                {
                    "name": c["name"],
                    "name_localizations": _clean_localizations(c["name"], c.get("name_localizations")),
                    "value": c["value"],
                }
                for c in choices
            ]
    if otype == STRING:
        for key in ("min_length", "max_length"):
            if opt.get(key) is not None:
                out[key] = opt[key]
    if otype in (INTEGER, NUMBER):
        for key in ("min_value", "max_value"):
            if opt.get(key) is not None:
                out[key] = opt[key]
    if otype == CHANNEL and opt.get("channel_types"):
        out["channel_types"] = sorted(set(opt["channel_types"]))
    if otype == ATTACHMENT and opt.get("file_types"):
        out["file_types"] = [str(v).lower() for v in opt["file_types"]]
    return out


def normalize_command(cmd: Mapping[str, Any], *, guild: bool) -> dict[str, Any]:
    """An accepted request item → the stored form (without id/version/application_id)."""
    ctype = command_type(cmd)
    name = cmd["name"]
    desc = (cmd.get("description") or "") if ctype in (CHAT_INPUT, PRIMARY_ENTRY_POINT) else ""
    dmp = cmd.get("default_member_permissions")
    out: dict[str, Any] = {
        "type": ctype,
        "name": name,
        "name_localizations": _clean_localizations(name, cmd.get("name_localizations")),
        "description": desc,
        "description_localizations": _clean_localizations(desc, cmd.get("description_localizations")),
        "default_member_permissions": None if dmp is None else str(int(dmp)),
        "contexts": list(cmd["contexts"]) if cmd.get("contexts") is not None else None,
        "integration_types": list(cmd["integration_types"]) if cmd.get("integration_types") is not None else None,
        "nsfw": bool(cmd.get("nsfw") or False),
        "options": [normalize_option(o) for o in cmd.get("options") or []] if ctype == CHAT_INPUT else [],
    }
    if not guild:
        dm = cmd.get("dm_permission")
        out["dm_permission"] = True if dm is None else bool(dm)
    default = cmd.get("default_permission")
    out["default_permission"] = True if default is None else bool(default)
    if ctype == PRIMARY_ENTRY_POINT:
        # The docs give no default; this emulator answers 1 (APP_HANDLER) when none was sent.
        out["handler"] = 1 if cmd.get("handler") is None else cmd["handler"]
    return out


def _put_locs(out: dict[str, Any], key: str, value: Mapping[str, str], *, with_localizations: bool, top: bool) -> None:
    """Localizations appear only with ``?with_localizations=true``; a command's empty ones as null."""
    if not with_localizations:
        return
    if value:
        out[key] = dict(value)
    elif top:
        out[key] = None


def render_option(stored: Mapping[str, Any], *, with_localizations: bool) -> dict[str, Any]:
    wl = with_localizations
    out: dict[str, Any] = {"type": stored["type"], "name": stored["name"]}
    _put_locs(out, "name_localizations", stored["name_localizations"], with_localizations=wl, top=False)
    out["description"] = stored["description"]
    _put_locs(out, "description_localizations", stored["description_localizations"], with_localizations=wl, top=False)
    for key in ("required", "autocomplete", "min_length", "max_length", "min_value", "max_value"):
        if key in stored:
            out[key] = stored[key]
    if "channel_types" in stored:
        out["channel_types"] = list(stored["channel_types"])
    if "file_types" in stored:
        out["file_types"] = list(stored["file_types"])
    if "choices" in stored:
        choices = []
        for c in stored["choices"]:
            rc: dict[str, Any] = {"name": c["name"]}
            if with_localizations and c["name_localizations"]:
                rc["name_localizations"] = dict(c["name_localizations"])
            rc["value"] = c["value"]
            choices.append(rc)
        out["choices"] = choices
    if stored.get("options"):
        out["options"] = [render_option(o, with_localizations=with_localizations) for o in stored["options"]]
    return out


def render_command(stored: Mapping[str, Any], *, with_localizations: bool) -> dict[str, Any]:
    """The stored form → what Discord's API returns for it."""
    out: dict[str, Any] = {
        "id": stored["id"],
        "application_id": stored["application_id"],
        "version": stored["version"],
        "default_member_permissions": stored["default_member_permissions"],
        "type": stored["type"],
        "name": stored["name"],
    }
    wl = with_localizations
    _put_locs(out, "name_localizations", stored["name_localizations"], with_localizations=wl, top=True)
    out["description"] = stored["description"]
    _put_locs(out, "description_localizations", stored["description_localizations"], with_localizations=wl, top=True)
    if stored.get("guild_id") is not None:
        out["guild_id"] = stored["guild_id"]
    if "dm_permission" in stored:
        out["dm_permission"] = stored["dm_permission"]
    out["default_permission"] = stored.get("default_permission", True)
    out["contexts"] = list(stored["contexts"]) if stored["contexts"] is not None else None
    out["integration_types"] = list(stored["integration_types"]) if stored["integration_types"] is not None else [0]
    if stored["options"]:
        out["options"] = [render_option(o, with_localizations=with_localizations) for o in stored["options"]]
    out["nsfw"] = stored["nsfw"]
    if "handler" in stored:
        out["handler"] = stored["handler"]
    return out


def as_request(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The stored form back as a request body (for PATCH merges)."""
    rendered = render_command(stored, with_localizations=True)
    for key in ("id", "application_id", "version", "guild_id"):
        rendered.pop(key, None)
    return rendered
