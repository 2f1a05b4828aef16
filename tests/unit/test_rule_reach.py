"""Where each rule of commands/rules.py applies and where it stops: the scope a run deploys to, the fields that
say nothing, the sets a command counts in, the kinds a rule compares within. Each case is the smallest input on
either side of the line, with the exact problems it gets.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alia_action.commands.loader import SourceCommand, parse_command_file
from alia_action.commands.rules import Scope, check_commands, command_size
from tests.support.rule_cases import DROP, cmd, entry, opt, user

Found = list[tuple[str, str]]

DEFAULT_CONTEXTS = ("warning", "defaults.contexts", "ping")
DEFAULT_INTEGRATION_TYPES = ("warning", "defaults.integration_types", "ping")


def parsed(commands: Any) -> list[SourceCommand]:
    result = parse_command_file("cmds/x.json", json.dumps(commands, indent=2).encode())
    assert result.problems == []
    return result.commands


def found(commands: Any, scope: Scope = "any") -> list[tuple[str, str, str]]:
    """(severity, rule, path) of every problem, for a run deploying to ``scope``."""
    return [(p.severity, p.rule, p.path) for p in check_commands(parsed(commands), scope=scope)]


# -- warnings about fields only global commands honour --


@pytest.mark.parametrize(
    ("fields", "scope", "warned"),
    [
        pytest.param({}, "any", True, id="detect-without-scope"),
        pytest.param({}, "global", True, id="promote"),
        pytest.param({}, "guild", False, id="stage"),
        pytest.param({"developmentOnly": True}, "global", False, id="development-only"),
        pytest.param({"developmentOnly": False}, "global", True, id="development-only-false"),
        pytest.param({"guilds": ["123456789012345678"]}, "global", False, id="per-guild"),
    ],
)
def test_global_only_defaults_are_warned_only_where_the_command_can_reach_global(
    fields: dict[str, Any], scope: Scope, warned: bool
) -> None:
    command = cmd(contexts=DROP, integration_types=DROP, **fields)
    assert found(command, scope) == ([DEFAULT_CONTEXTS, DEFAULT_INTEGRATION_TYPES] if warned else [])


@pytest.mark.parametrize(
    ("contexts", "integration_types", "expected"),
    [
        # PRIVATE_CHANNEL needs USER_INSTALL among the stated integration types (AC: contexts).
        pytest.param([2], [0], [("warning", "contexts.private-channel", "ping.contexts[0]")], id="without-user"),
        pytest.param([0, 2], [0, 1], [], id="with-user-install"),
        pytest.param([2], [1], [], id="user-install-only"),
        pytest.param([2], DROP, [DEFAULT_INTEGRATION_TYPES], id="integration-types-unstated"),
        pytest.param([0, 1], [0], [], id="no-private-channel"),
        pytest.param(DROP, [0], [DEFAULT_CONTEXTS], id="contexts-unstated"),
    ],
)
def test_private_channel_is_warned_only_against_stated_integration_types_without_user_install(
    contexts: Any, integration_types: Any, expected: list[tuple[str, str, str]]
) -> None:
    assert found(cmd(contexts=contexts, integration_types=integration_types)) == expected


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        pytest.param({"contexts": [1], "developmentOnly": True}, ["contexts.guild-bot-dm"], id="bot-dm"),
        pytest.param({"contexts": [0], "developmentOnly": True}, [], id="guild-only"),
        pytest.param({"contexts": [1]}, [], id="global-command"),
        pytest.param({"integration_types": [0, 1], "developmentOnly": True}, [], id="integration-type-1"),
    ],
)
def test_bot_dm_is_pointless_only_in_the_contexts_of_a_development_only_command(
    fields: dict[str, Any], expected: list[str]
) -> None:
    assert [rule for _, rule, _ in found(cmd(**fields), "guild")] == expected


# -- fields that say nothing --

NOTHING: list[Any] = [None, False, [], {}]


@pytest.mark.parametrize("value", NOTHING, ids=["null", "false", "empty-array", "empty-object"])
def test_a_field_that_says_nothing_is_not_set(value: Any) -> None:
    # min_length belongs to STRING options: null, false, [] or {} on a BOOLEAN option is no field to Discord
    # (only the shape check speaks, of all but null); the same for the options of a USER command.
    typed = [] if value is None else [("error", "schema.type", "ping.options[0].min_length")]
    assert found(cmd(options=[opt(5, "flag", min_length=value)])) == typed
    shaped = [] if value is None or value == [] else [("error", "schema.type", "Report.options")]
    assert found(user(options=value)) == shaped


@pytest.mark.parametrize(
    ("kind", "field", "value"),
    [(5, "autocomplete", True), (3, "channel_types", [0]), (4, "min_length", 0), (7, "file_types", ["image"])],
)
def test_a_field_that_says_something_on_the_wrong_option_type_is_refused(kind: int, field: str, value: Any) -> None:
    assert found(cmd(options=[opt(kind, "x", **{field: value})])) == [
        ("error", "option.field", f"ping.options[0].{field}")
    ]


def test_options_that_say_nothing_are_allowed_on_every_command_type() -> None:
    for command in (user(options=[]), user(options=None), entry(options=[]), {**user(), "type": 3, "options": None}):
        assert found(command) == []
    assert found(entry(options=[opt()])) == [("error", "entry-point.options", "launch.options")]


# -- where a command counts --


def test_a_development_only_command_counts_only_in_the_staging_guild() -> None:
    commands = [cmd(name=f"c{i}") for i in range(100)]
    assert found([*commands, cmd(name="extra", developmentOnly=True)]) == [("error", "scope.count", "extra.name")]
    problems = check_commands(parsed([*commands, cmd(name="extra", developmentOnly=True)]))
    assert [p.message for p in problems] == [
        "the staging guild has 101 CHAT_INPUT commands; Discord allows at most 100"
    ]


def test_a_per_guild_command_counts_in_the_staging_guild_not_in_the_global_scope() -> None:
    commands = [cmd(name=f"c{i}") for i in range(100)]
    extra = cmd(name="extra", guilds=["123456789012345678"])
    problems = check_commands(parsed([*commands, extra]))
    assert [(p.rule, p.path, p.message) for p in problems] == [
        ("scope.count", "extra.name", "the staging guild has 101 CHAT_INPUT commands; Discord allows at most 100")
    ]
    assert found([cmd(), cmd(guilds=["123456789012345678"])]) == [("error", "scope.unique", "ping.name")]


def test_entry_points_count_globally_and_not_in_the_staging_guild() -> None:
    chat = [cmd(name=f"c{i}") for i in range(100)]
    assert found([*chat, entry()]) == []  # 101 commands in the staging guild, but the entry point is not there
    assert found([entry(), entry(name="play")]) == [("error", "scope.count", "play.name")]


@pytest.mark.parametrize(("kind", "limit"), [(2, 15), (3, 15)])
def test_the_staging_guild_limit_of_each_type_is_its_own(kind: int, limit: int) -> None:
    # Staging-only commands of one type at the limit beside a full global set of the other type.
    staged = [{**user(name=f"S{i}"), "type": kind, "developmentOnly": True} for i in range(limit)]
    other = [{**user(name=f"G{i}"), "type": 5 - kind} for i in range(15)]
    assert found([*staged, *other]) == []
    past = {**user(name="Past"), "type": kind, "developmentOnly": True}
    assert found([*staged, *other, past]) == [("error", "scope.count", "Past.name")]


def test_the_same_name_in_different_command_types_is_no_clash() -> None:
    assert found([cmd(name="report"), user(name="report"), {**user(name="report"), "type": 3}]) == []
    assert found([user(), user()]) == [("error", "scope.unique", "Report.name")]


def test_a_command_without_a_name_string_is_left_out_of_the_scope_checks() -> None:
    nameless = {**cmd(), "name": 5}
    problems = found([nameless, nameless, cmd(), cmd()])
    assert [rule for _, rule, _ in problems] == ["schema.type", "schema.type", "scope.unique"]


# -- localized names against other commands --


def messages(commands: Any) -> list[tuple[str, str]]:
    return [(p.path, p.message) for p in check_commands(parsed(commands))]


def test_a_localized_name_clash_is_reported_on_the_command_holding_the_localization() -> None:
    later = messages([cmd(name="pong", name_localizations={"de": "ping"}), cmd(name="ping")])
    assert later == [
        (
            "pong.name_localizations.de",
            'localized name "ping" (de) clashes with CHAT_INPUT command "ping" (cmds/x.json:16) in the global scope',
        )
    ]
    both = messages([cmd(name="a", name_localizations={"de": "x"}), cmd(name="b", name_localizations={"de": "x"})])
    assert both == [
        (
            "b.name_localizations.de",
            'localized name "x" (de) clashes with CHAT_INPUT command "a" (cmds/x.json:3) in the global scope',
        )
    ]


def test_localized_names_clash_only_within_their_locale_and_type() -> None:
    assert (
        messages([cmd(name="a", name_localizations={"de": "x"}), cmd(name="b", name_localizations={"fr": "x"})]) == []
    )
    assert (
        messages([cmd(name="a", name_localizations={"de": "b"}), cmd(name="b", name_localizations={"de": "a"})]) == []
    )
    assert messages([cmd(name="pong", name_localizations={"de": "ping"}), user(name="ping")]) == []
    # A localization equal to the command's own name clashes with nothing.
    assert messages([cmd(name="ping", name_localizations={"de": "ping"}), cmd(name="pong")]) == []


def test_a_staging_only_localized_clash_is_named_in_the_staging_guild() -> None:
    staged = cmd(name="pong", name_localizations={"de": "ping"}, developmentOnly=True)
    assert messages([cmd(name="ping"), staged]) == [
        (
            "pong.name_localizations.de",
            'localized name "ping" (de) clashes with CHAT_INPUT command "ping" (cmds/x.json:3) in the staging guild',
        )
    ]


# -- renames --


def test_an_old_name_is_compared_within_its_command_type() -> None:
    assert found([cmd(name="new", renamedFrom="old"), user(name="old")]) == []
    assert found([user(name="New", renamedFrom="Old"), user(name="Old")]) == [
        ("error", "project.renamedFrom", "New.renamedFrom")
    ]
    assert found([cmd(name="a", renamedFrom="old"), user(name="B", renamedFrom="old")]) == []


def test_an_old_name_is_checked_by_the_rules_of_the_command_type() -> None:
    assert found(user(name="New", renamedFrom="Old Name")) == []  # a USER command's name may hold spaces
    assert found(user(name="New", renamedFrom="O" * 33)) == [("error", "project.renamedFrom", "New.renamedFrom")]


# -- permissions --


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param(str(2**54 - 1), [], id="largest"),
        pytest.param("0" * 20 + "8", [], id="leading-zeros"),
        pytest.param("0", [], id="zero"),
        pytest.param(0, [("warning", "permissions.string")], id="number-zero"),
        pytest.param(2**54 - 1, [("warning", "permissions.string")], id="number-largest"),
        pytest.param(2**54, [("warning", "permissions.string"), ("error", "permissions.bitfield")], id="number-past"),
        pytest.param("9" * 21, [("error", "permissions.bitfield")], id="21-digits"),
    ],
)
def test_permissions_up_to_two_to_the_fifty_four_minus_one(value: Any, expected: list[tuple[str, str]]) -> None:
    problems = found(cmd(default_member_permissions=value))
    assert [(severity, rule) for severity, rule, _ in problems] == expected


def test_owner_only_is_warned_only_without_default_member_permissions() -> None:
    assert found(cmd(ownerOnly=True, default_member_permissions="0")) == []
    assert found(cmd(ownerOnly=False)) == []
    assert found(cmd(ownerOnly=True)) == [("warning", "project.ownerOnly", "ping.ownerOnly")]


def test_only_a_development_only_entry_point_is_refused() -> None:
    assert found(entry(developmentOnly=False)) == []
    assert found(cmd(developmentOnly=True)) == []


# -- choices whose value is of no JSON type an option takes --


@pytest.mark.parametrize("kind", [3, 4, 10])
@pytest.mark.parametrize("value", [True, None, [1]], ids=["true", "null", "array"])
def test_a_choice_value_of_the_wrong_json_type_is_the_shape_checks_alone(kind: int, value: Any) -> None:
    command = cmd(options=[opt(kind, choices=[{"name": "c", "value": value}])])
    assert found(command) == [("error", "schema.type", "ping.options[0].choices[0].value")]


@pytest.mark.parametrize(("kind", "limit"), [(4, 2**53 - 1), (10, 2**53)])
def test_a_numeric_choice_value_is_within_its_limit_on_both_sides(kind: int, limit: int) -> None:
    at = [{"name": "hi", "value": limit}, {"name": "lo", "value": -limit}]
    assert found(cmd(options=[opt(kind, choices=at)])) == []
    past = [{"name": "hi", "value": limit + 1}, {"name": "lo", "value": -limit - 1}]
    assert [path for _, _, path in found(cmd(options=[opt(kind, choices=past)]))] == [
        "ping.options[0].choices[0].value",
        "ping.options[0].choices[1].value",
    ]


# -- the size Discord counts --


def test_size_counts_nested_options() -> None:
    data = {
        "name": "abc",
        "description": "dd",
        "options": [
            {"type": 1, "name": "sub", "description": "ddd", "options": [{"type": 3, "name": "o", "description": "d"}]},
            {"type": 10, "name": "f", "description": "dd", "choices": [{"name": "c", "value": -1.5}]},
        ],
    }
    # 3 + 2, the subcommand 3 + 3 and its option 1 + 1, the NUMBER option 1 + 2 and its choice 1 + 4 ("-1.5")
    assert command_size(data) == 5 + 8 + 8


# Integers past Python's 4,300-digit print limit, whose digits are counted from their bits: the counts are
# len(str(n)) with the limit lifted, at bit lengths where a slightly different estimate would be one off.
@pytest.mark.parametrize(
    ("value", "digits"),
    [(2**14291 - 1, 4303), (2**14293, 4303), (10**5000, 5001)],
    ids=["bits-14291", "bits-14294", "ten-to-5000"],
)
def test_size_counts_every_digit_of_a_huge_choice_value(value: int, digits: int) -> None:
    data = {"name": "a", "options": [{"type": 4, "name": "n", "choices": [{"name": "c", "value": value}]}]}
    assert command_size(data) == 1 + 1 + 1 + digits


def test_a_limit_message_shows_at_most_forty_characters_of_a_name() -> None:
    shown = [(p.path, p.message) for p in check_commands(parsed(cmd(options=[opt(name="n" * 40), opt(name="m" * 41)])))]
    assert shown == [
        ("ping.options[0].name", f'name "{"n" * 40}" is 40 characters; Discord allows 1-32'),
        ("ping.options[1].name", f'name "{"m" * 39}…" is 41 characters; Discord allows 1-32'),
    ]


def test_autocomplete_is_refused_only_beside_choices() -> None:
    assert found(cmd(options=[opt(3, autocomplete=True), opt(4, "n", autocomplete=True, choices=[])])) == []
    with_choices = opt(10, "f", autocomplete=True, choices=[{"name": "c", "value": 1}])
    assert found(cmd(options=[with_choices])) == [("error", "choices.autocomplete", "ping.options[0].autocomplete")]


def test_file_types_are_kinds_or_extensions_in_any_case() -> None:
    kinds = ["image", "Video", "AUDIO", ".PNG", ".tar.gz"]
    assert found(cmd(options=[opt(11, "f", file_types=kinds)])) == []
    assert found(cmd(options=[opt(11, "f", file_types=["image", "IMAGE"])])) == [
        ("warning", "file_types.unique", "ping.options[0].file_types[1]")
    ]


def test_size_counts_nothing_for_what_is_not_sent_as_text() -> None:
    # Items that are not objects, and choice values that are neither strings nor numbers, fail the shape check;
    # they add nothing to the size and do not stop the count of what follows them.
    data = {
        "name": "ab",
        "options": [
            3,
            {"type": 3, "name": "o", "choices": ["x", {"name": "c", "value": True}, {"name": "d", "value": None}]},
            {"type": 3, "name": "p", "choices": [{"name": "e", "value": "vv"}]},
        ],
    }
    assert command_size(data) == 2 + (1 + 1 + 1) + (1 + 1 + 2)
