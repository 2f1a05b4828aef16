"""The ``guilds`` key (and ``guildIds``): which commands a production guild receives, and the rules on the key."""

from __future__ import annotations

import json
from typing import Any

import pytest

from alia_action.commands.canonical import canonical_set, checksum
from alia_action.commands.guild_rules import guild_problems
from alia_action.commands.loader import parse_command_file
from alia_action.commands.problems import Problem
from alia_action.commands.rules import check_commands
from alia_action.steps.validation import Validated
from tests.support.rule_cases import cmd, entry

A, B = "1180000000000000401", "1180000000000000402"


def run(commands: Any) -> tuple[str, list[Problem]]:
    text = json.dumps(commands, indent=2)
    result = parse_command_file("cmds/x.json", text.encode())
    assert result.problems == []
    return text, check_commands(result.commands)


def validated(commands: Any) -> Validated:
    result = parse_command_file("cmds/x.json", json.dumps(commands).encode())
    return Validated(result.commands, [], checksum(c.data for c in result.commands))


@pytest.mark.parametrize("key", ["guilds", "guildIds"])
def test_a_list_of_distinct_guild_ids_is_clean(key: str) -> None:
    # The limits of a snowflake string: one digit, and twenty.
    _text, problems = run([cmd(name="admin", **{key: ["1", "9" * 20]})])
    assert problems == []


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ([], "is empty"),
        ("123", "must be an array"),
        ([123], "must be a guild ID"),  # a number loses precision past 2^53
        (["1" * 21], "must be a guild ID"),  # one digit past the longest snowflake
        (["0123"], "must be a guild ID"),
        (["12a"], "must be a guild ID"),
        ([A, A], f"names guild {A} twice"),
    ],
)
def test_a_malformed_guilds_list_is_an_error_on_its_line(value: Any, says: str) -> None:
    text, problems = run([cmd(name="ok"), cmd(name="admin", guilds=value)])
    (hit,) = problems
    assert (hit.severity, hit.rule) == ("error", "project.guilds") and says in hit.message
    line = next(i for i, row in enumerate(text.splitlines(), 1) if '"guilds"' in row)
    assert line <= hit.line <= line + 3
    assert hit.path.startswith("admin.guilds")


def test_both_keys_development_only_and_entry_points_are_refused() -> None:
    _text, problems = run([cmd(name="admin", guilds=[A], guildIds=[A])])
    assert [p.rule for p in problems] == ["project.guildIds"] and "not both" in problems[0].message
    _text, problems = run([cmd(name="admin", guilds=[A], developmentOnly=True)])
    assert [p.rule for p in problems] == ["project.guilds"] and "staging guild only" in problems[0].message
    _text, problems = run([entry(guilds=[A])])
    assert [p.rule for p in problems] == ["project.guilds"] and "global only" in problems[0].message


def test_per_guild_commands_are_not_counted_in_the_global_scope() -> None:
    # 100 global slash commands is Discord's limit: a 101st that is per-guild does not break it.
    commands = [cmd(name=f"c{i}") for i in range(100)]
    _text, problems = run([*commands, cmd(name="admin", guilds=[A])])
    assert [p.rule for p in problems] == ["scope.count"]  # the staging guild still holds all 101
    assert "the staging guild has 101" in problems[0].message
    _text, problems = run([*commands[:99], cmd(name="admin", guilds=[A])])
    assert problems == []


def test_each_guild_receives_only_the_commands_naming_it_and_global_none_of_them() -> None:
    sets = validated([cmd(name="help"), cmd(name="admin", guilds=[B, A]), cmd(name="premium", guildIds=[A]), entry()])
    assert [c["name"] for c in sets.for_scope(guild=False)] == ["help", "launch"]
    assert {g: [c["name"] for c in cs] for g, cs in sets.guild_sets().items()} == {
        A: ["admin", "premium"],
        B: ["admin"],
    }
    assert [c["name"] for c in sets.for_scope(guild=True)] == ["help", "admin", "premium"]  # staging: all


def test_the_guilds_key_is_never_sent_or_compared() -> None:
    with_key = canonical_set([cmd(name="admin", guilds=[A])], guild=True)
    assert with_key == canonical_set([cmd(name="admin")], guild=True)
    assert "guilds" not in json.dumps(with_key)


def guild_file_problems(admin: dict[str, Any]) -> list[Problem]:
    """guild_problems of a file holding a plain command, then ``admin``, as ``json.dumps(indent=2)`` writes it: the
    key ``admin`` states third is on line 9, its array's items on lines 10, 11, …"""
    text = json.dumps([{"name": "ok", "description": "d"}, admin], indent=2)
    return list(guild_problems(parse_command_file("cmds/x.json", text.encode()).commands))


ID = "a string of 1 to 20 digits (a number loses precision)"


@pytest.mark.parametrize("key", ["guilds", "guildIds"])
@pytest.mark.parametrize(
    ("value", "more", "found"),
    [
        (
            [A, "0123", A, 123, "1" * 21, "9" * 20, "1", "1" * 50],
            {},
            [
                (11, 1, "{key}[1] must be a guild ID: " + ID + ", found '0123'"),
                (12, 2, "{key} names guild " + A + " twice"),
                (13, 3, "{key}[3] must be a guild ID: " + ID + ", found 123"),
                (14, 4, "{key}[4] must be a guild ID: " + ID + ", found '" + "1" * 21 + "'"),
                (17, 7, "{key}[7] must be a guild ID: " + ID + ", found '" + "1" * 39),  # cut at 40 characters
            ],
        ),
        ("123", {}, [(9, None, '{key} must be an array of guild IDs (strings), for example ["123"]')]),
        ([], {}, [(9, None, "{key} is empty: name at least one guild, or remove {key} to deploy it globally")]),
        (
            [A],
            {"developmentOnly": True},
            [(9, None, "a developmentOnly command cannot name {key}: it is deployed to the staging guild only")],
        ),
        (
            [A],
            {"type": 4, "handler": 2},
            [(9, None, "a PRIMARY_ENTRY_POINT command cannot name {key}: entry points are global only")],
        ),
        ([B, A], {"developmentOnly": False, "type": 1}, []),
    ],
    ids=["items", "not-a-list", "empty", "development-only", "entry-point", "clean"],
)
def test_each_guilds_problem_names_its_key_line_and_path(
    key: str, value: Any, more: dict[str, Any], found: list[tuple[int, int | None, str]]
) -> None:
    problems = guild_file_problems({"name": "admin", "description": "d", key: value, **more})
    assert problems == [
        Problem(
            "error",
            f"project.{key}",
            message.format(key=key),
            "cmds/x.json",
            line,
            f"admin.{key}" if index is None else f"admin.{key}[{index}]",
        )
        for line, index, message in found
    ]


@pytest.mark.parametrize(
    ("order", "lines"),
    [(("guilds", "guildIds"), (13, 11)), (("guildIds", "guilds"), (9, 14))],
    ids=["guilds-first", "guildIds-first"],
)
def test_both_keys_is_an_error_on_guild_ids_and_guilds_is_still_checked(
    order: tuple[str, str], lines: tuple[int, int]
) -> None:
    """Whichever the file states first, guilds is the list read and guildIds the key refused."""
    values = {"guilds": [A, "x"], "guildIds": [B]}
    problems = guild_file_problems({"name": "admin", "description": "d", **{k: values[k] for k in order}})
    assert problems == [
        Problem(
            "error", "project.guildIds", "give the guilds once: guilds or guildIds, not both", "cmds/x.json",
            lines[0], "admin.guildIds",
        ),
        Problem(
            "error", "project.guilds", f"guilds[1] must be a guild ID: {ID}, found 'x'", "cmds/x.json", lines[1],
            "admin.guilds[1]",
        ),
    ]  # fmt: skip
