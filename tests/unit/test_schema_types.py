"""The shape check's verdict on every field of every level against every kind of JSON value.

Written down from the strict pydantic models the check used to be (and passing on them) before it
became a plain table: which JSON values each field accepts, the message, the JSON path, the hint and
the order of the issues. The spec below is independent of the implementation's table; only
``known_keys`` ties the two together.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alia_action.commands.canonical import PROJECT_KEYS
from alia_action.commands.schema import check_schema, known_keys

Issue = tuple[str, str, tuple[str | int, ...], str]
Path = tuple[str | int, ...]

# Every kind of JSON value the reader (jsonpos) can hand over: label -> (value, how a message shows it).
POOL: dict[str, tuple[Any, str]] = {
    "null": (None, "null"),
    "true": (True, "true"),
    "false": (False, "false"),
    "zero": (0, "the number 0"),
    "int": (7, "the number 7"),
    "negative": (-3, "the number -3"),
    "big int": (10**30, f"the number {10**30}"),
    "int past float": (2**1024, f"the number {2**1024}"),  # an integer no float can hold
    "integral float": (1.0, "the number 1.0"),
    "float": (1.5, "the number 1.5"),
    "negative zero": (-0.0, "the number -0.0"),
    "inf": (float("inf"), "the number inf"),  # what jsonpos makes of 1e400
    "-inf": (float("-inf"), "the number -inf"),
    "nan": (float("nan"), "the number nan"),
    "empty string": ("", 'the string ""'),
    "string": ("x", 'the string "x"'),
    "integer string": ("5", 'the string "5"'),
    "decimal string": ("-1.5", 'the string "-1.5"'),
    "exponent string": ("1e3", 'the string "1e3"'),
    "bool string": ("true", 'the string "true"'),
    "long string": ("y" * 50, 'the string "' + "y" * 39 + '…"'),
    "empty array": ([], "an array"),
    "array": ([7], "an array"),
    "nested array": ([[7]], "an array"),
    "empty object": ({}, "an object"),
    "object": ({"de": "x"}, "an object"),
}
FINITE_NUMBERS = {"zero", "int", "negative", "big int", "integral float", "float", "negative zero"}
# Which values each JSON type takes: strict, as Discord reads JSON (true is no integer, 1.0 is no integer).
ACCEPTS: dict[str, set[str]] = {
    "a string": {"empty string", "string", "integer string", "decimal string", "exponent string", "bool string",
                 "long string"},
    "an integer": {"zero", "int", "negative", "big int", "int past float"},
    "true or false": {"true", "false"},
    "a number": FINITE_NUMBERS,
}  # fmt: skip
NON_FINITE = {"inf", "-inf", "nan"}
# A quoted value the author meant unquoted: (expected type, value label).
HINTED = {("true or false", "bool string"), ("an integer", "integer string"), ("an integer", "decimal string"),
          ("a number", "integer string"), ("a number", "decimal string")}  # fmt: skip

STRING, INTEGER, BOOLEAN, NUMBER = "a string", "an integer", "true or false", "a number"
LOCALIZED = ("map", STRING)
OPTIONAL, REQUIRED, NOT_NULL = "optional", "required", "not null"
Kind = Any  # a scalar type, a union of them, ("list", kind), ("map", kind) or ("level", name)

# What each level holds, in the order the issues come out (declaration order, not the file's order).
SPEC: dict[str, list[tuple[str, Kind, str]]] = {
    "command": [
        ("id", STRING, OPTIONAL),
        ("type", INTEGER, OPTIONAL),
        ("name", STRING, REQUIRED),
        ("name_localizations", LOCALIZED, OPTIONAL),
        ("description", STRING, OPTIONAL),
        ("description_localizations", LOCALIZED, OPTIONAL),
        ("options", ("list", ("level", "option")), OPTIONAL),
        ("default_member_permissions", (STRING, INTEGER), OPTIONAL),
        ("dm_permission", BOOLEAN, OPTIONAL),
        ("default_permission", BOOLEAN, OPTIONAL),
        ("contexts", ("list", INTEGER), OPTIONAL),
        ("integration_types", ("list", INTEGER), OPTIONAL),
        ("nsfw", BOOLEAN, OPTIONAL),
        ("handler", INTEGER, OPTIONAL),
        ("developmentOnly", BOOLEAN, NOT_NULL),
        ("renamedFrom", STRING, OPTIONAL),
        ("ownerOnly", BOOLEAN, NOT_NULL),
    ],
    "option": [
        ("type", INTEGER, REQUIRED),
        ("name", STRING, REQUIRED),
        ("name_localizations", LOCALIZED, OPTIONAL),
        ("description", STRING, OPTIONAL),
        ("description_localizations", LOCALIZED, OPTIONAL),
        ("required", BOOLEAN, OPTIONAL),
        ("choices", ("list", ("level", "choice")), OPTIONAL),
        ("options", ("list", ("level", "option")), OPTIONAL),
        ("channel_types", ("list", INTEGER), OPTIONAL),
        ("min_value", NUMBER, OPTIONAL),
        ("max_value", NUMBER, OPTIONAL),
        ("min_length", INTEGER, OPTIONAL),
        ("max_length", INTEGER, OPTIONAL),
        ("autocomplete", BOOLEAN, OPTIONAL),
        ("file_types", ("list", STRING), OPTIONAL),
    ],
    "choice": [
        ("name", STRING, REQUIRED),
        ("name_localizations", LOCALIZED, OPTIONAL),
        ("value", (STRING, NUMBER), REQUIRED),
    ],
}
COMMAND = {"name": "ping", "description": "d"}
OPTION = {"type": 3, "name": "s", "description": "d"}
CHOICE = {"name": "a", "value": "a"}


def place(where: str, obj: dict[str, Any]) -> tuple[dict[str, Any], Path, str]:
    """A command holding ``obj`` at one position; the JSON path there; the level ``obj`` is at."""
    if where == "command":
        return obj, (), "command"
    if where == "option":
        return {**COMMAND, "options": [obj]}, ("options", 0), "option"
    if where == "sub-option":
        sub = {"type": 1, "name": "sub", "description": "d", "options": [obj]}
        return {**COMMAND, "options": [sub]}, ("options", 0, "options", 0), "option"
    return {**COMMAND, "options": [{**OPTION, "choices": [obj]}]}, ("options", 0, "choices", 0), "choice"


BASES: dict[str, dict[str, Any]] = {"command": COMMAND, "option": OPTION, "sub-option": OPTION, "choice": CHOICE}
LEVEL_AT = {"command": "command", "option": "option", "sub-option": "option", "choice": "choice"}


def label(path: Path) -> str:
    head, tail = path[-2] if len(path) > 1 else None, path[-1]
    if isinstance(tail, int):
        return f"{head}[{tail}]"
    return f"{head}.{tail}" if str(head).endswith("_localizations") else str(tail)


def scalar_verdict(kinds: tuple[str, ...], name: str) -> str | None:
    """None when one of ``kinds`` takes the pool value ``name``, else what the message says was expected."""
    if any(name in ACCEPTS[kind] for kind in kinds):
        return None
    said = ["a finite number" if kind == NUMBER and name in NON_FINITE else kind for kind in kinds]
    return " or ".join(said)


def expect(kind: Kind, name: str, path: Path) -> list[Issue]:
    """The issues for the pool value ``name`` at ``path`` where ``kind`` is expected."""
    value, shown = POOL[name]
    if isinstance(kind, str):
        kind = (kind,)
    hint = ""
    if kind[0] in ("list", "map", "level"):
        container, inner = kind
        if container == "list" and isinstance(value, list):
            return [issue for index, item in enumerate(value) for issue in expect_item(inner, item, (*path, index))]
        if container == "map" and isinstance(value, dict):
            return [issue for key, item in value.items() for issue in expect_item(inner, item, (*path, key))]
        if container == "level" and isinstance(value, dict):
            assert value == {}, "only the empty object is spelled out for a nested level"
            return missing(inner, path)
        expected = "an array" if container == "list" else "an object"
    else:
        found = scalar_verdict(kind, name)
        if found is None:
            return []
        expected = found
        hint = f"; write {value} without quotes" if any((k, name) in HINTED for k in kind) else ""
    return [("error", "schema.type", path, f"{label(path)} must be {expected}, found {shown}{hint}")]


def expect_item(kind: Kind, item: Any, path: Path) -> list[Issue]:
    name = next(n for n, (v, _) in POOL.items() if v is item or (type(v) is type(item) and v == item))
    return expect(kind, name, path)


def missing(level: str, path: Path) -> list[Issue]:
    return [
        ("error", "schema.required", (*path, field), f"{field} is required")
        for field, _, presence in SPEC[level]
        if presence == REQUIRED
    ]


def got(data: dict[str, Any]) -> list[Issue]:
    return [(i.severity, i.rule, i.path, i.message) for i in check_schema(data)]


def field_cases() -> Iterator[Any]:
    for where in BASES:
        for field, kind, presence in SPEC[LEVEL_AT[where]]:
            for name in POOL:
                yield pytest.param(where, field, kind, presence, name, id=f"{where}.{field}={name}")


@pytest.mark.parametrize(("where", "field", "kind", "presence", "name"), list(field_cases()))
def test_every_field_against_every_json_value(where: str, field: str, kind: Kind, presence: str, name: str) -> None:
    value = POOL[name][0]
    data, prefix, _ = place(where, {**BASES[where], field: value})
    null_is_unset = value is None and presence == OPTIONAL
    expected = [] if null_is_unset else expect(kind, name, (*prefix, field))
    assert got(data) == expected


def item_cases() -> Iterator[Any]:
    for where in BASES:
        for field, kind, _ in SPEC[LEVEL_AT[where]]:
            if isinstance(kind, tuple) and kind[0] in ("list", "map"):
                for name in POOL:
                    if kind[1][0] == "level" and name == "object":
                        continue  # its unknown key is the unknown-key tests' business
                    yield pytest.param(where, field, kind, name, id=f"{where}.{field}[]={name}")


@pytest.mark.parametrize(("where", "field", "kind", "name"), list(item_cases()))
def test_every_list_item_and_localization_against_every_json_value(
    where: str, field: str, kind: Kind, name: str
) -> None:
    value = POOL[name][0]
    container, inner = kind
    holder = [value] if container == "list" else {"de": value}
    data, prefix, _ = place(where, {**BASES[where], field: holder})
    at: Path = (*prefix, field, 0 if container == "list" else "de")
    expected = missing(inner[1], at) if isinstance(inner, tuple) and value == {} else expect(inner, name, at)
    assert got(data) == expected


@pytest.mark.parametrize("where", list(BASES))
def test_missing_required_fields_are_reported_in_declaration_order(where: str) -> None:
    data, prefix, level = place(where, {})
    assert got(data) == missing(level, prefix)
    for field, _, presence in SPEC[level]:
        if presence == REQUIRED:
            data, prefix, _ = place(where, {k: v for k, v in BASES[where].items() if k != field})
            assert got(data) == [("error", "schema.required", (*prefix, field), f"{field} is required")]


def wrong_value(kind: Kind) -> str:
    """A pool value that ``kind`` never takes."""
    if isinstance(kind, tuple) and kind[0] == "list":
        return "string"
    return "array" if kind == LOCALIZED or isinstance(kind, str) else "object"


@pytest.mark.parametrize("where", list(BASES))
def test_every_field_wrong_at_once_comes_out_in_declaration_order_then_unknown_keys(where: str) -> None:
    level = LEVEL_AT[where]
    fields = [(field, kind) for field, kind, _ in SPEC[level]]
    obj = {"zzz": 1} | {field: POOL[wrong_value(kind)][0] for field, kind in reversed(fields)}
    data, prefix, _ = place(where, obj)
    expected = [issue for field, kind in fields for issue in expect(kind, wrong_value(kind), (*prefix, field))]
    assert len(expected) == len(fields)
    dropped = "it is dropped: not sent to Discord and not compared"
    unknown = (
        "warning",
        "schema.unknown-key",
        (*prefix, "zzz"),
        f"unknown key `zzz`: Discord does not document it; {dropped}",
    )
    assert got(data) == [*expected, unknown]


@pytest.mark.parametrize("where", list(BASES))
def test_every_documented_key_misspelt_is_a_near_miss_naming_it(where: str) -> None:
    level = LEVEL_AT[where]
    for field, _, _ in SPEC[level]:
        typo = field.upper()
        data, prefix, _ = place(where, {**BASES[where], typo: 1})
        message = f"unknown key `{typo}` (did you mean `{field}`?); Discord would not see it as `{field}`"
        assert got(data) == [("error", "schema.near-miss", (*prefix, typo), message)]


@pytest.mark.parametrize("where", list(BASES))
def test_keys_discord_sets_in_responses_are_warnings(where: str) -> None:
    for key in ("application_id", "version", "guild_id", "name_localized", "description_localized"):
        data, prefix, _ = place(where, {**BASES[where], key: 1})
        message = (f"`{key}` is set by Discord in its responses, it is not part of a definition; "
                   "it is dropped: not sent to Discord and not compared")  # fmt: skip
        assert got(data) == [("warning", "schema.unknown-key", (*prefix, key), message)]


def test_option_keys_on_a_command_belong_on_an_option() -> None:
    command_keys = {field for field, _, _ in SPEC["command"]}
    for key in sorted({field for field, _, _ in SPEC["option"]} - command_keys):
        message = f"`{key}` belongs on an option, not here; it is dropped: not sent to Discord and not compared"
        assert got({**COMMAND, key: 1}) == [("warning", "schema.unknown-key", (key,), message)]


def test_known_keys_are_the_spec_and_the_project_keys() -> None:
    command_keys, option_keys, choice_keys = known_keys()
    assert command_keys == {field for field, _, _ in SPEC["command"]} | PROJECT_KEYS
    assert option_keys == {field for field, _, _ in SPEC["option"]}
    assert choice_keys == {field for field, _, _ in SPEC["choice"]}
