"""Every counted rule of commands/rules.py at its boundary, at every level where it applies.

For each limit: the value at the limit is clean and one past it is exactly one problem of that rule, at that
place. A level is the command itself, a subcommand, a subcommand group, a subcommand in a group, a choice and a
localization; a rule checked at one level only (a one-line slip) fails here at the others. Limits are Discord's
(discord-rules.md "Validation"; AC:18-30 for names and descriptions, AC:318-330 for options and choices).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from alia_action.commands.loader import parse_command_file
from alia_action.commands.rules import check_commands

Build = Callable[[dict[str, Any]], dict[str, Any]]


def problems(command: dict[str, Any]) -> list[tuple[str, str]]:
    """(rule, path) of every problem of ``command``, parsed from real JSON text like a command file."""
    result = parse_command_file("cmds/x.json", json.dumps(command, indent=2).encode())
    assert result.problems == []
    return [(p.rule, p.path) for p in check_commands(result.commands)]


def option(kind: int = 3, name: str = "text", **fields: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "description": "Some input", **fields}


def command(options: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"name": "tool", "description": "Does things", "contexts": [0], "integration_types": [0]}
    if options is not None:
        base["options"] = options
    return {**base, **fields}


# Where an option (or a list of options) sits, and the path its problems name.
def at_top(opt: dict[str, Any]) -> dict[str, Any]:
    return command([opt])


def in_subcommand(opt: dict[str, Any]) -> dict[str, Any]:
    return command([option(1, "sub", options=[opt])])


def in_group(opt: dict[str, Any]) -> dict[str, Any]:
    return command([option(2, "grp", options=[option(1, "sub", options=[opt])])])


OPTION_LEVELS: dict[str, tuple[Build, str]] = {
    "top": (at_top, "tool.options[0]"),
    "subcommand": (in_subcommand, "tool.options[0].options[0]"),
    "group": (in_group, "tool.options[0].options[0].options[0]"),
}


def plain(count: int) -> list[dict[str, Any]]:
    return [option(3, f"o{i}") for i in range(count)]


def subs(count: int) -> list[dict[str, Any]]:
    return [option(1, f"s{i}") for i in range(count)]


# Every list of options Discord caps at 25: (build the command from N items, the path of the list).
OPTION_LISTS: dict[str, tuple[Callable[[int], dict[str, Any]], str]] = {
    "command options": (lambda n: command(plain(n)), "tool.options"),
    "command subcommands": (lambda n: command(subs(n)), "tool.options"),
    "subcommand options": (lambda n: command([option(1, "sub", options=plain(n))]), "tool.options[0].options"),
    "group subcommands": (lambda n: command([option(2, "grp", options=subs(n))]), "tool.options[0].options"),
    "options of a subcommand in a group": (
        lambda n: command([option(2, "grp", options=[option(1, "sub", options=plain(n))])]),
        "tool.options[0].options[0].options",
    ),
}


@pytest.mark.parametrize("where", OPTION_LISTS)
def test_twenty_five_options_at_every_level(where: str) -> None:
    build, path = OPTION_LISTS[where]
    assert problems(build(25)) == []
    assert problems(build(26)) == [("options.count", path)]


@pytest.mark.parametrize("level", OPTION_LEVELS)
def test_twenty_five_choices_at_every_level(level: str) -> None:
    place, path = OPTION_LEVELS[level]
    choices = [{"name": f"c{i}", "value": f"v{i}"} for i in range(26)]
    assert problems(place(option(3, choices=choices[:25]))) == []
    assert problems(place(option(3, choices=choices))) == [("choices.count", f"{path}.choices")]


@pytest.mark.parametrize("level", ["command", *OPTION_LEVELS])
@pytest.mark.parametrize("field", ["description", "description_localizations.de"])
def test_description_is_one_to_a_hundred_characters_at_every_level(level: str, field: str) -> None:
    def build(text: str) -> dict[str, Any]:
        described = {"description_localizations": {"de": text}} if "." in field else {"description": text}
        if level == "command":
            return command(**described)
        place, _ = OPTION_LEVELS[level]
        return place(option(3, **described))

    where = "tool" if level == "command" else OPTION_LEVELS[level][1]
    path = f"{where}.{field}"
    assert problems(build("d")) == []
    assert problems(build("d" * 100)) == []
    assert problems(build("d" * 101)) == [("description.length", path)]
    rule = "description.length" if "." in field else "description.required"
    assert problems(build("")) == [(rule, path)]  # zero: a localized description too (AC:26)


@pytest.mark.parametrize("level", ["command", *OPTION_LEVELS])
@pytest.mark.parametrize("field", ["name", "name_localizations.de"])
def test_name_is_one_to_thirty_two_characters_at_every_level(level: str, field: str) -> None:
    def build(text: str) -> dict[str, Any]:
        named = {"name_localizations": {"de": text}} if "." in field else {"name": text}
        if level == "command":
            return command(**named)
        place, _ = OPTION_LEVELS[level]
        return place(option(3, **named))

    where = "tool" if level == "command" else OPTION_LEVELS[level][1]
    if field == "name":
        # The path names the command by its name: build it from the name under test.
        where = "x" * 33 if level == "command" else where
    rule = "name.length" if field == "name" else "localizations.name"
    assert problems(build("n")) == []
    assert problems(build("n" * 32)) == []
    past = problems(build("n" * 33))
    assert [r for r, _ in past] == [rule]
    if level != "command" or field != "name":
        assert past[0][1] == f"{where}.{field}"
    empty = problems(build(""))
    assert [r for r, _ in empty] == [rule]


@pytest.mark.parametrize("level", OPTION_LEVELS)
@pytest.mark.parametrize("field", ["name", "name_localizations.de"])
def test_choice_name_is_one_to_a_hundred_characters_at_every_level(level: str, field: str) -> None:
    place, where = OPTION_LEVELS[level]

    def build(text: str) -> dict[str, Any]:
        choice: dict[str, Any] = {"name": "choice", "value": "v"}
        if "." in field:
            choice["name_localizations"] = {"de": text}
        else:
            choice["name"] = text
        return place(option(3, choices=[choice]))

    path = f"{where}.choices[0].{field}"
    assert problems(build("c")) == []
    assert problems(build("c" * 100)) == []
    assert problems(build("c" * 101)) == [("choices.name", path)]
    assert problems(build("")) == [("choices.name", path)]


@pytest.mark.parametrize("level", OPTION_LEVELS)
def test_string_choice_value_is_at_most_a_hundred_characters_at_every_level(level: str) -> None:
    place, where = OPTION_LEVELS[level]
    assert problems(place(option(3, choices=[{"name": "c", "value": "v" * 100}]))) == []
    assert problems(place(option(3, choices=[{"name": "c", "value": "v" * 101}]))) == [
        ("choices.value-length", f"{where}.choices[0].value")
    ]


@pytest.mark.parametrize("level", OPTION_LEVELS)
@pytest.mark.parametrize(
    ("field", "inside", "outside"),
    [("min_length", [0, 6000], [-1, 6001]), ("max_length", [1, 6000], [0, 6001])],
)
def test_string_length_range_at_every_level(level: str, field: str, inside: list[int], outside: list[int]) -> None:
    place, where = OPTION_LEVELS[level]
    for value in inside:
        assert problems(place(option(3, **{field: value}))) == [], value
    for value in outside:
        assert problems(place(option(3, **{field: value}))) == [("option.length-range", f"{where}.{field}")], value


@pytest.mark.parametrize("level", OPTION_LEVELS)
@pytest.mark.parametrize(("kind", "limit"), [(4, 2**53 - 1), (10, 2**53)])
@pytest.mark.parametrize("field", ["min_value", "max_value"])
def test_value_range_at_every_level(level: str, kind: int, limit: int, field: str) -> None:
    place, where = OPTION_LEVELS[level]
    for value in (limit, -limit):
        assert problems(place(option(kind, **{field: value}))) == [], value
    for value in (limit + 1, -limit - 1):
        assert problems(place(option(kind, **{field: value}))) == [("option.value-range", f"{where}.{field}")], value


@pytest.mark.parametrize("level", OPTION_LEVELS)
def test_min_equal_to_max_is_valid_and_min_above_max_is_not(level: str) -> None:
    place, where = OPTION_LEVELS[level]
    assert problems(place(option(4, min_value=5, max_value=5))) == []
    assert problems(place(option(4, min_value=6, max_value=5))) == [("option.value-order", f"{where}.max_value")]
    assert problems(place(option(3, min_length=5, max_length=5))) == []
    assert problems(place(option(3, min_length=6, max_length=5))) == [("option.length-order", f"{where}.max_length")]


@pytest.mark.parametrize("level", OPTION_LEVELS)
def test_ten_file_types_at_every_level(level: str) -> None:
    place, where = OPTION_LEVELS[level]
    types = [f".e{i}" for i in range(11)]
    assert problems(place(option(11, file_types=types[:10]))) == []
    assert problems(place(option(11, file_types=types))) == [("file_types.count", f"{where}.file_types")]


def test_size_is_at_most_eight_thousand_characters() -> None:
    # name (4) + description + 25 options of name (3) and description: filled to exactly 8000, then one more.
    options = [option(3, f"o{i:02d}", description="d" * 100) for i in range(25)]
    used = 4 + 25 * (3 + 100)  # 2579
    spare = 8000 - used
    per_choice = 100 + 100  # a choice's name and value, 100 each
    full, rest = divmod(spare, per_choice)
    choices = [{"name": f"{i:03d}" + "n" * 97, "value": f"{i:03d}" + "v" * 97} for i in range(full)]
    options[0]["choices"] = choices[:25]
    options[1]["choices"] = choices[25:]
    described = command(options, description="d" * rest)
    assert problems(described) == []
    described["description"] += "d"
    assert problems(described) == [("size.max", "tool")]
