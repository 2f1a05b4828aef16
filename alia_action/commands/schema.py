"""The shape of a command file entry: pydantic models in Discord's wire field names.

The models only answer "is every field of the right JSON type?". Limits (lengths, counts,
allowed values, which field belongs to which option type) are ``rules.py``'s job, because a
human message per limit beats a generic validation error, and because the rules must keep
going over the parts of a command that are well typed when another part is not.

Unknown keys are allowed by the models and reported here. A near miss of a documented key
(``descripton``, ``dm_permissions``, ``min_value?``) is an error with "did you mean": the author
meant a field Discord would honour, and sending the set without it would deploy something else.
Any other unknown key is a warning: it is dropped, never sent and never compared (Discord drops
it too), so it cannot make every later run plan the same write again.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .canonical import PROJECT_KEYS
from .problems import JsonPath, Severity

Localizations = dict[str, str] | None


class _Wire(BaseModel):
    # strict: "true" is not a boolean and true is not an integer, exactly as Discord sees JSON.
    # extra="allow": unknown keys are reported by _unknown_key_issues, not as validation failures.
    # defer_build: processes that import the rules without validating pay nothing for it.
    model_config = ConfigDict(strict=True, extra="allow", allow_inf_nan=False, defer_build=True)


class Choice(_Wire):
    name: str
    name_localizations: Localizations = None
    # Strict float also takes JSON integers; which one the option needs is a rule.
    value: str | float


class Option(_Wire):
    """Any option type (1-11): one model, since the per-type field sets are a rule, not a shape."""

    type: int
    name: str
    name_localizations: Localizations = None
    description: str | None = None  # required-ness is a rule, with a better message than "missing"
    description_localizations: Localizations = None
    required: bool | None = None
    choices: list[Choice] | None = None
    options: list[Option] | None = None
    channel_types: list[int] | None = None
    min_value: float | None = None
    max_value: float | None = None
    min_length: int | None = None
    max_length: int | None = None
    autocomplete: bool | None = None
    file_types: list[str] | None = None


class Command(_Wire):
    """Any command type (1-4), plus the project's own keys ``developmentOnly``, ``renamedFrom`` and ``ownerOnly``."""

    id: str | None = None  # a bulk-overwrite item may carry it to keep the command's ID
    type: int | None = None
    name: str
    name_localizations: Localizations = None
    description: str | None = None
    description_localizations: Localizations = None
    options: list[Option] | None = None
    # Discord documents a decimal string; a number (what discord.py sends) is accepted too: rules warn.
    default_member_permissions: str | int | None = None
    dm_permission: bool | None = None
    default_permission: bool | None = None
    contexts: list[int] | None = None
    integration_types: list[int] | None = None
    nsfw: bool | None = None
    handler: int | None = None
    development_only: bool = Field(default=False, alias="developmentOnly")
    renamed_from: str | None = Field(default=None, alias="renamedFrom")
    # The original's deployment flag: the bot checks the owner itself; Discord never sees it.
    owner_only: bool = Field(default=False, alias="ownerOnly")


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """A finding of the shape check, relative to the command object; rules.py adds file and line."""

    severity: Severity
    rule: str
    path: JsonPath
    message: str


def _keys(model: type[BaseModel]) -> frozenset[str]:
    return frozenset(field.alias or name for name, field in model.model_fields.items())


@cache
def known_keys() -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """Wire keys of (command, option, choice); the command's include the tool's own keys."""
    return _keys(Command) | PROJECT_KEYS, _keys(Option), _keys(Choice)


# Keys Discord puts in its responses: harmless in a file exported from GET, but not definitions.
_RESPONSE_KEYS = frozenset({"application_id", "version", "guild_id", "name_localized", "description_localized"})

_EXPECTED = {
    "string_type": "a string",
    "int_type": "an integer",
    "bool_type": "true or false",
    "float_type": "a number",
    "finite_number": "a finite number",
    "dict_type": "an object",
    "list_type": "an array",
    "model_type": "an object",
    "model_attributes_type": "an object",
}

_NUMERIC = re.compile(r"-?[0-9]+(\.[0-9]+)?")


def check_schema(data: Mapping[str, Any]) -> list[SchemaIssue]:
    """Type errors (``schema.type``, ``schema.required``) and unknown keys (``schema.unknown-key``)."""
    return _type_issues(data) + _unknown_key_issues(data)


def _type_issues(data: Mapping[str, Any]) -> list[SchemaIssue]:
    try:
        Command.model_validate(data)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_input=False)
    else:
        return []
    # A union reports one error per member at the same place: merge them into one issue.
    by_path: dict[JsonPath, list[str]] = {}
    for error in errors:
        missing = error["type"] == "missing"
        path = _json_path(data, error["loc"], missing)
        by_path.setdefault(path, []).append("missing" if missing else error["type"])
    issues: list[SchemaIssue] = []
    for path, kinds in by_path.items():
        label = _label(path)
        if "missing" in kinds:
            issues.append(SchemaIssue("error", "schema.required", path, f"{label} is required"))
            continue
        expected = " or ".join(dict.fromkeys(_EXPECTED.get(k, k.replace("_", " ")) for k in kinds))
        value = _value_at(data, path)
        message = f"{label} must be {expected}, found {describe(value)}"
        issues.append(SchemaIssue("error", "schema.type", path, message + _hint(path, expected, value)))
    return issues


def _json_path(data: Any, loc: tuple[int | str, ...], missing: bool) -> JsonPath:
    """pydantic's ``loc`` minus the union member tags (``str``, ``float``) it inserts."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(current, Mapping) and isinstance(part, str) and (part in current or (missing and last)):
            path.append(part)
            current = current.get(part)
        elif isinstance(current, list) and isinstance(part, int) and 0 <= part < len(current):
            path.append(part)
            current = current[part]
    return tuple(path)


def _value_at(data: Any, path: JsonPath) -> Any:
    for part in path:
        data = data[part]
    return data


def _label(path: JsonPath) -> str:
    """The field as the author wrote it: ``required``, ``contexts[1]``, ``name_localizations.de``."""
    if not path:
        return "command"
    if len(path) >= 2 and (isinstance(path[-1], int) or str(path[-2]).endswith("_localizations")):
        head, tail = path[-2], path[-1]
        return f"{head}[{tail}]" if isinstance(tail, int) else f"{head}.{tail}"
    return str(path[-1])


def _hint(path: JsonPath, expected: str, value: Any) -> str:
    if isinstance(value, str):
        if expected == "true or false" and value in ("true", "false"):
            return f"; write {value} without quotes"
        if ("integer" in expected or "number" in expected) and _NUMERIC.fullmatch(value):
            return f"; write {value} without quotes"
    return ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


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
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.8)
    return close[0] if close else None
