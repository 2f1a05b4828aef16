"""The shape of a command file entry: which JSON type each field takes, in Discord's wire field names.

The shape only answers "is every field of the right JSON type?". Limits (lengths, counts,
allowed values, which field belongs to which option type) are ``rules.py``'s job, because a
human message per limit beats a generic validation error, and because the rules must keep
going over the parts of a command that are well typed when another part is not.

Unknown keys are allowed by the shape and reported here. A near miss of a documented key
(``descripton``, ``dm_permissions``, ``min_value?``) is an error with "did you mean": the author
meant a field Discord would honour, and sending the set without it would deploy something else.
Any other unknown key is a warning: it is dropped, never sent and never compared (Discord drops
it too), so it cannot make every later run plan the same write again.

The types are strict, as Discord reads JSON: ``"true"`` is not a boolean, ``true`` is not an
integer, ``1.0`` is not an integer. A plain table walked by a plain function, not a validation
library: ``detect`` imports this module on every run and must start fast (issue 21).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from .canonical import PROJECT_KEYS
from .problems import JsonPath, Severity

# A JSON type's check: None when the value is of that type, else what the message says was expected.
Check = Callable[[Any], str | None]


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _string(value: Any) -> str | None:
    return None if isinstance(value, str) else "a string"


def _integer(value: Any) -> str | None:
    return None if _is_int(value) else "an integer"


def _boolean(value: Any) -> str | None:
    return None if isinstance(value, bool) else "true or false"


def _number(value: Any) -> str | None:
    """An integer or a finite float; an integer too large for a double (past ~1.8e308) is not one: Discord's
    NUMBER is a double."""
    if isinstance(value, float):
        return None if math.isfinite(value) else "a finite number"
    if not _is_int(value):
        return "a number"
    try:
        float(value)
    except OverflowError:
        return "a number"
    return None


@dataclass(frozen=True, slots=True)
class ListOf:
    """A JSON array whose every item has the shape ``item``."""

    item: Shape


@dataclass(frozen=True, slots=True)
class MapOf:
    """A JSON object whose every value has the shape ``value`` (localizations: locale -> string)."""

    value: Shape


@dataclass(frozen=True, slots=True)
class Nested:
    """A JSON object of another level of ``LEVELS``, by name (options hold options)."""

    level: str


# One JSON type, or a union of them (the value must be one of them), or a container.
Shape = tuple[Check, ...] | ListOf | MapOf | Nested

STRING: Shape = (_string,)
INTEGER: Shape = (_integer,)
BOOLEAN: Shape = (_boolean,)
NUMBER: Shape = (_number,)
LOCALIZATIONS = MapOf(STRING)


@dataclass(frozen=True, slots=True)
class Field:
    shape: Shape
    required: bool = False  # absent is an error; so is null
    nullable: bool = True  # null means "not set" (for a field that is not required)


# What each level holds. The order is the order its issues are reported in, whatever the file's order.
LEVELS: dict[str, dict[str, Field]] = {
    # Any command type (1-4), plus the project's own keys developmentOnly, renamedFrom and ownerOnly.
    "command": {
        "id": Field(STRING),  # a bulk-overwrite item may carry it to keep the command's ID
        "type": Field(INTEGER),
        "name": Field(STRING, required=True),
        "name_localizations": Field(LOCALIZATIONS),
        "description": Field(STRING),  # required-ness is a rule, with a better message than "missing"
        "description_localizations": Field(LOCALIZATIONS),
        "options": Field(ListOf(Nested("option"))),
        # Discord documents a decimal string; a number (what discord.py sends) is accepted too: rules warn.
        "default_member_permissions": Field((_string, _integer)),
        "dm_permission": Field(BOOLEAN),
        "default_permission": Field(BOOLEAN),
        "contexts": Field(ListOf(INTEGER)),
        "integration_types": Field(ListOf(INTEGER)),
        "nsfw": Field(BOOLEAN),
        "handler": Field(INTEGER),
        "developmentOnly": Field(BOOLEAN, nullable=False),
        "renamedFrom": Field(STRING),
        # The original's deployment flag: the bot checks the owner itself; Discord never sees it.
        "ownerOnly": Field(BOOLEAN, nullable=False),
    },
    # Any option type (1-11): one level, since the per-type field sets are a rule, not a shape.
    "option": {
        "type": Field(INTEGER, required=True),
        "name": Field(STRING, required=True),
        "name_localizations": Field(LOCALIZATIONS),
        "description": Field(STRING),
        "description_localizations": Field(LOCALIZATIONS),
        "required": Field(BOOLEAN),
        "choices": Field(ListOf(Nested("choice"))),
        "options": Field(ListOf(Nested("option"))),
        "channel_types": Field(ListOf(INTEGER)),
        "min_value": Field(NUMBER),
        "max_value": Field(NUMBER),
        "min_length": Field(INTEGER),
        "max_length": Field(INTEGER),
        "autocomplete": Field(BOOLEAN),
        "file_types": Field(ListOf(STRING)),
    },
    "choice": {
        "name": Field(STRING, required=True),
        "name_localizations": Field(LOCALIZATIONS),
        # A string or any number; which one the option needs is a rule.
        "value": Field((_string, _number), required=True),
    },
}


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """A finding of the shape check, relative to the command object; rules.py adds file and line."""

    severity: Severity
    rule: str
    path: JsonPath
    message: str


@cache
def known_keys() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Wire keys of (command, option, choice); the command's include the tool's own keys."""
    return frozenset(LEVELS["command"]) | PROJECT_KEYS, frozenset(LEVELS["option"]), frozenset(LEVELS["choice"])


# Keys Discord puts in its responses: harmless in a file exported from GET, but not definitions.
_RESPONSE_KEYS = frozenset({"application_id", "version", "guild_id", "name_localized", "description_localized"})

_NUMERIC = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def check_schema(data: Mapping[str, Any]) -> list[SchemaIssue]:
    """Type errors (``schema.type``, ``schema.required``) and unknown keys (``schema.unknown-key``)."""
    issues: list[SchemaIssue] = []
    _check_object("command", data, (), issues)
    return issues + _unknown_key_issues(data)


def _check_object(level: str, obj: Mapping[str, Any], path: JsonPath, out: list[SchemaIssue]) -> None:
    for key, field in LEVELS[level].items():
        here = (*path, key)
        if key not in obj:
            if field.required:
                out.append(SchemaIssue("error", "schema.required", here, f"{_label(here)} is required"))
        elif not (obj[key] is None and field.nullable and not field.required):
            _check_value(field.shape, obj[key], here, out)


def _check_value(shape: Shape, value: Any, path: JsonPath, out: list[SchemaIssue]) -> None:
    if isinstance(shape, ListOf):
        if isinstance(value, list):
            for index, item in enumerate(value):
                _check_value(shape.item, item, (*path, index), out)
            return
        expected = "an array"
    elif isinstance(shape, MapOf):
        if isinstance(value, Mapping):
            for key, item in value.items():
                _check_value(shape.value, item, (*path, key), out)
            return
        expected = "an object"
    elif isinstance(shape, Nested):
        if isinstance(value, Mapping):
            _check_object(shape.level, value, path, out)
            return
        expected = "an object"
    else:
        misses: list[str] = []
        for check in shape:
            miss = check(value)
            if miss is None:
                return
            misses.append(miss)
        expected = " or ".join(misses)
    message = f"{_label(path)} must be {expected}, found {describe(value)}"
    out.append(SchemaIssue("error", "schema.type", path, message + _hint(expected, value)))


def _label(path: JsonPath) -> str:
    """The field as the author wrote it: ``required``, ``contexts[1]``, ``name_localizations.de``; ``path`` always
    ends at a key (the shape check starts inside the command)."""
    if len(path) >= 2 and (isinstance(path[-1], int) or str(path[-2]).endswith("_localizations")):
        head, tail = path[-2], path[-1]
        return f"{head}[{tail}]" if isinstance(tail, int) else f"{head}.{tail}"
    return str(path[-1])


def _hint(expected: str, value: Any) -> str:
    if isinstance(value, str):
        if expected == "true or false" and value in ("true", "false"):
            return f"; write {value} without quotes"
        if ("integer" in expected or "number" in expected) and _NUMERIC.fullmatch(value):
            return f"; write {value} without quotes"
    return ""


def safe_str(value: int | float) -> str:
    """``str`` of a JSON number, even one with more digits than Python will print."""
    try:
        return str(value)
    except ValueError:
        return "a number too long to print"


def describe(value: Any) -> str:
    """A JSON value for a message: kind and, when short, the value itself."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {safe_str(value)}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:39] + "…"
        return f'the string "{shown}"'
    if isinstance(value, list):
        return "an array"
    return "an object"


def _unknown_key_issues(data: Mapping[str, Any]) -> list[SchemaIssue]:
    command_keys, option_keys, choice_keys = known_keys()
    issues: list[SchemaIssue] = []
    _check_keys(data, (), command_keys, issues, elsewhere=option_keys, where="an option")
    _walk_options(data.get("options"), ("options",), option_keys, choice_keys, issues)
    return issues


def _walk_options(
    options: Any, path: JsonPath, option_keys: frozenset[str], choice_keys: frozenset[str], out: list[SchemaIssue]
) -> None:
    if not isinstance(options, list):
        return
    for index, option in enumerate(options):
        if not isinstance(option, Mapping):
            continue
        here = (*path, index)
        _check_keys(option, here, option_keys, out)
        _walk_options(option.get("options"), (*here, "options"), option_keys, choice_keys, out)
        choices = option.get("choices")
        if isinstance(choices, list):
            for number, choice in enumerate(choices):
                if isinstance(choice, Mapping):
                    _check_keys(choice, (*here, "choices", number), choice_keys, out)


def _check_keys(
    obj: Mapping[str, Any],
    path: JsonPath,
    known: frozenset[str],
    out: list[SchemaIssue],
    *,
    elsewhere: frozenset[str] = frozenset(),
    where: str = "",
) -> None:
    for key in obj:
        if key in known:
            continue
        dropped = "; it is dropped: not sent to Discord and not compared"
        if key in _RESPONSE_KEYS:
            message = f"`{key}` is set by Discord in its responses, it is not part of a definition{dropped}"
        elif key in elsewhere:
            message = f"`{key}` belongs on {where}, not here{dropped}"
        else:
            guess = suggest_key(key, known)
            if guess:
                message = f"unknown key `{key}` (did you mean `{guess}`?); Discord would not see it as `{guess}`"
                out.append(SchemaIssue("error", "schema.near-miss", (*path, key), message))
                continue
            message = f"unknown key `{key}`: Discord does not document it{dropped}"
        out.append(SchemaIssue("warning", "schema.unknown-key", (*path, key), message))


def _squash(key: str) -> str:
    return "".join(char for char in key.lower() if char.isalnum())


def suggest_key(key: str, known: frozenset[str]) -> str | None:
    """``descripton`` → ``description``; ``nameLocalizations`` → ``name_localizations``; ``min_value?`` →
    ``min_value``; ``dm_permissions`` → ``dm_permission``."""
    for candidate in sorted(known):
        if _squash(candidate) == _squash(key):
            return candidate
    import difflib  # only for an unknown key: it costs every start-up ~1 ms

    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
    return close[0] if close else None
