"""Canonical form and checksum: local definitions and Discord's GET answers compare without false diffs."""

from __future__ import annotations

import hashlib
import json
import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alia_action.commands.canonical import canonical, canonical_set, checksum, command_key, comparable, documented
from alia_action.commands.loader import parse_command_file
from tests.support.examples import examples

LOCAL: dict[str, Any] = {
    "name": "remind",
    "description": "Set a reminder",
    "contexts": [0],
    "options": [
        {"type": 3, "name": "when", "description": "When", "required": True, "max_length": 100},
        {
            "type": 4,
            "name": "repeat",
            "description": "Repeat count",
            "min_value": 1,
            "max_value": 10,
            "choices": [{"name": "once", "value": 1}, {"name": "twice", "value": 2}],
        },
        {"type": 7, "name": "channel", "description": "Where", "channel_types": [5, 0]},
        {"type": 10, "name": "hours", "description": "Hours", "min_value": 0.5, "max_value": 48},
    ],
    "name_localizations": {"de": "erinnern", "fr": "remind"},
    "developmentOnly": False,
}

# What Discord's GET ?with_localizations=true returns for LOCAL (shape from the API reference).
REMOTE: dict[str, Any] = {
    "id": "1288000000000000001",
    "application_id": "1288000000000000000",
    "version": "1288000000000000042",
    "guild_id": "1288000000000000009",
    "type": 1,
    "name": "remind",
    "name_localizations": {"de": "erinnern"},  # a localization equal to the default is dropped
    "description": "Set a reminder",
    "description_localizations": None,
    "default_member_permissions": None,
    "dm_permission": True,
    "contexts": [0],
    "integration_types": [0],
    "nsfw": False,
    "options": [
        {"type": 3, "name": "when", "description": "When", "required": True, "max_length": 100},
        {
            "type": 4,
            "name": "repeat",
            "description": "Repeat count",
            "min_value": 1,
            "max_value": 10,
            "choices": [{"name": "once", "value": 1}, {"name": "twice", "value": 2}],
        },
        {"type": 7, "name": "channel", "description": "Where", "channel_types": [0, 5]},
        {"type": 10, "name": "hours", "description": "Hours", "min_value": 0.5, "max_value": 48.0},
    ],
}


def test_a_get_answer_has_the_canonical_form_of_its_definition() -> None:
    local = canonical(LOCAL)
    # integration_types and dm_permission: filled by Discord, not stated locally, so not compared.
    assert local == comparable(local, canonical(REMOTE))


def test_defaults_and_omissions_are_equal() -> None:
    written = {"name": "ping", "description": "Pong", "nsfw": False, "options": [], "name_localizations": {}}
    returned = {"type": 1, "name": "ping", "description": "Pong", "name_localizations": None, "contexts": None}
    assert canonical(written) == canonical(returned)


def test_context_menus_have_an_empty_description() -> None:
    assert canonical({"type": 3, "name": "Save Clip"})["description"] == ""
    assert canonical({"type": 3, "name": "Save Clip"}) == canonical({"type": 3, "name": "Save Clip", "description": ""})


def test_null_permissions_differ_from_zero() -> None:
    assert canonical({"name": "a", "default_member_permissions": None})["default_member_permissions"] is None
    assert canonical({"name": "a", "default_member_permissions": "0"})["default_member_permissions"] == "0"
    assert canonical({"name": "a", "default_member_permissions": "08"})["default_member_permissions"] == "8"


def test_nsfw_is_compared() -> None:
    assert canonical({"name": "a"}) != canonical({"name": "a", "nsfw": True})


def test_option_and_choice_order_matter_but_sets_do_not() -> None:
    a = {"name": "a", "contexts": [0, 2], "integration_types": [1, 0]}
    b = {"name": "a", "contexts": [2, 0], "integration_types": [0, 1]}
    assert canonical(a) == canonical(b)
    opts = [{"type": 3, "name": "x", "description": "x"}, {"type": 3, "name": "y", "description": "y"}]
    assert canonical({"name": "a", "options": opts}) != canonical({"name": "a", "options": opts[::-1]})


def test_guild_scope_ignores_global_only_fields() -> None:
    a = {"name": "a", "contexts": [0, 1], "integration_types": [0, 1]}
    assert canonical(a, guild=True) == canonical({"name": "a"}, guild=True)


def test_default_permission_is_compared_on_guild_commands_too() -> None:
    # AC:36; a parameter of guild create, edit and bulk overwrite (AC:1311, 1340, 1370)
    assert canonical({"name": "a", "default_permission": False}, guild=True)["default_permission"] is False
    assert canonical({"name": "a", "dm_permission": False}, guild=True) == canonical({"name": "a"}, guild=True)


def test_checksum_ignores_file_order_key_order_and_formatting(tmp_path: Any) -> None:
    one = [LOCAL, {"name": "ping", "description": "Pong"}]
    two = [json.loads(json.dumps(c, sort_keys=True)) for c in reversed(one)]
    assert checksum(one) == checksum(two)
    text = json.dumps(one, indent=7)
    loaded = [c.data for c in parse_command_file("x.json", text.encode()).commands]
    assert checksum(loaded) == checksum(one)
    assert checksum(one) != checksum([LOCAL])


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**60), 2**60)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=5),
    max_leaves=25,
)
field_names = st.sampled_from(
    [
        "name",
        "description",
        "type",
        "options",
        "choices",
        "value",
        "required",
        "contexts",
        "integration_types",
        "channel_types",
        "name_localizations",
        "default_member_permissions",
        "nsfw",
        "min_value",
        "id",
        "version",
    ]
)
command_like = st.dictionaries(field_names | st.text(max_size=5), json_values, max_size=8)


@settings(max_examples=examples(300), deadline=None)
@given(command_like)
def test_canonical_is_idempotent_on_any_json(command: dict[str, Any]) -> None:
    once = canonical(command)
    assert canonical(once) == once
    json.dumps(once)  # always serialisable for the checksum


@settings(max_examples=examples(200), deadline=None)
@given(st.lists(command_like, max_size=6), st.randoms(use_true_random=False))
def test_checksum_is_stable_under_order_on_any_json(commands: list[dict[str, Any]], rnd: random.Random) -> None:
    shuffled = [dict(sorted(c.items(), key=lambda _: rnd.random())) for c in commands]
    rnd.shuffle(shuffled)
    assert checksum(shuffled) == checksum(commands)
    assert canonical_set(canonical_set(commands)) == canonical_set(commands)


# A set written out with its canonical text: every field kind, an unsorted set, a localization equal to its default
# (dropped), non-ASCII text, a global-only field, and a MESSAGE-less USER command without a description.
PINNED_SET: list[dict[str, Any]] = [
    {
        "name": "zeichnen",
        "description": "Male etwas",
        "name_localizations": {"de": "malen", "fr": "dessiner"},
        "contexts": [2, 0],
        "integration_types": [1, 0],
        "dm_permission": False,
        "options": [
            {
                "type": 3,
                "name": "farbe",
                "description": "Welche Farbe",
                "required": True,
                "choices": [{"name": "grün", "value": "g", "name_localizations": {"de": "grün", "ja": "緑"}}],
            }
        ],
    },
    {"type": 2, "name": "Info"},
]
_OPTIONS = (
    '"options":[{"choices":[{"name":"grün","name_localizations":{"ja":"緑"},"value":"g"}],'
    '"description":"Welche Farbe","name":"farbe","required":true,"type":3}]'
)
_USER = '{"default_member_permissions":null,"description":"","name":"Info","nsfw":false,"type":2}'
PINNED_GLOBAL = (
    '[{"contexts":[0,2],"default_member_permissions":null,"description":"Male etwas","dm_permission":false,'
    '"integration_types":[0,1],"name":"zeichnen","name_localizations":{"de":"malen","fr":"dessiner"},"nsfw":false,'
    + _OPTIONS
    + ',"type":1},'
    + _USER
    + "]"
)
PINNED_GUILD = (
    '[{"default_member_permissions":null,"description":"Male etwas","name":"zeichnen",'
    '"name_localizations":{"de":"malen","fr":"dessiner"},"nsfw":false,' + _OPTIONS + ',"type":1},' + _USER + "]"
)


def test_the_checksum_of_a_known_set_is_pinned_to_its_canonical_text() -> None:
    """Records and baselines written by an earlier version hold checksums that the breaker and detect compare with
    today's: a change to the canonical form or its encoding (key order, separators, non-ASCII kept as UTF-8) would
    make every recorded staging success look like another set. The expected digests are computed here from the
    text written out above, not by the code under test."""
    expected_global = hashlib.sha256(PINNED_GLOBAL.encode("utf-8")).hexdigest()
    expected_guild = hashlib.sha256(PINNED_GUILD.encode("utf-8")).hexdigest()
    assert json.loads(PINNED_GLOBAL) == canonical_set(PINNED_SET)
    assert json.loads(PINNED_GUILD) == canonical_set(PINNED_SET, guild=True)
    assert checksum(PINNED_SET) == checksum(PINNED_SET, guild=False) == expected_global
    assert checksum(PINNED_SET, guild=True) == expected_guild
    assert checksum(list(reversed(PINNED_SET)), guild=True) == expected_guild


def test_comparable_fills_a_stated_field_the_live_command_leaves_out_with_discords_default() -> None:
    # The deprecated flags default to true on Discord; the set-like fields have no default to stand in.
    stated = {"dm_permission": True, "default_permission": False, "contexts": [0], "handler": 1}
    assert comparable(stated, {"name": "x"}) == {"name": "x", "dm_permission": True, "default_permission": True}
    # Fields the file does not state do not count, whatever the live command holds.
    assert comparable({}, {"name": "x", "contexts": [0, 1, 2], "dm_permission": False}) == {"name": "x"}


# Survivors of mutmut over canonical.py (2026-12-07): empty lists and ignored keys inside an option, and the
# documented-fields view sent to Discord below the top level.
_BASE_OPTION: dict[str, Any] = {"type": 3, "name": "o", "description": "d"}


def _with_option(option: Any) -> dict[str, Any]:
    return {"name": "a", "description": "b", "options": [option]}


@pytest.mark.parametrize("field", ["choices", "channel_types", "file_types", "options"])
def test_an_empty_list_in_an_option_is_the_same_as_leaving_it_out(field: str) -> None:
    assert canonical(_with_option({**_BASE_OPTION, field: []})) == canonical(_with_option(_BASE_OPTION))


@pytest.mark.parametrize(
    "ignored",
    [{"zzz": 1}, {"description_localizations": None}, {"required": False}, {"autocomplete": False}, {"choices": []}],
    ids=["unknown key", "null", "required false", "autocomplete false", "empty list"],
)
def test_a_key_an_option_ignores_does_not_hide_the_keys_after_it(ignored: dict[str, Any]) -> None:
    later = {**ignored, **_BASE_OPTION, "min_length": 2}  # the ignored key first, as a file or Discord may order it
    assert canonical(_with_option(later))["options"] == [{**_BASE_OPTION, "min_length": 2}]


def test_documented_keeps_only_discords_fields_at_every_level_and_leaves_the_rest_as_written() -> None:
    command = {
        "name": "a",
        "description": "b",
        "x": 1,
        "options": [
            {
                "type": 1,
                "name": "sub",
                "description": "s",
                "y": 2,
                "options": [{**_BASE_OPTION, "z": 3, "choices": [{"name": "c", "value": "v", "w": 4}]}],
            },
            "not an option",  # validation reports it; the view leaves it as it is
        ],
    }
    assert documented(command) == {
        "name": "a",
        "description": "b",
        "options": [
            {
                "type": 1,
                "name": "sub",
                "description": "s",
                "options": [{**_BASE_OPTION, "choices": [{"name": "c", "value": "v"}]}],
            },
            "not an option",
        ],
    }


def test_an_options_localization_equal_to_its_default_is_dropped_as_discord_does() -> None:
    plain = canonical(_with_option(_BASE_OPTION))
    assert canonical(_with_option({**_BASE_OPTION, "description_localizations": {"de": "d"}})) == plain
    assert canonical(_with_option({**_BASE_OPTION, "name_localizations": {"de": "o"}})) == plain
    assert canonical(_with_option({**_BASE_OPTION, "description_localizations": {}})) == plain
    translated = canonical(_with_option({**_BASE_OPTION, "description_localizations": {"de": "o"}}))
    assert translated["options"] == [{**_BASE_OPTION, "description_localizations": {"de": "o"}}]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2.0**53, 2**53),  # the largest float that is exactly an integer Discord can echo: the same number
        (-(2.0**53), -(2**53)),
        (2.0**53 + 2, 2.0**53 + 2),  # past it the float is kept: an int would claim a precision it lacks
        (7.0, 7),
        (7.5, 7.5),
    ],
)
def test_an_integral_float_up_to_two_to_the_53_is_the_integer(value: float, expected: float) -> None:
    form = canonical(_with_option({**_BASE_OPTION, "type": 10, "min_value": value}))
    assert form["options"][0]["min_value"] == expected
    assert type(form["options"][0]["min_value"]) is type(expected)


@pytest.mark.parametrize(
    ("given", "expected"),
    [("8", "8"), (" 08 ", "8"), (8, "8"), (0, "0"), (True, True), ("x", "x"), (None, None)],
)
def test_permissions_are_compared_as_discords_decimal_string(given: Any, expected: Any) -> None:
    # discord.py sends an integer, Discord answers a string: the same permissions. A bool is not a number.
    assert (
        canonical({"name": "a", "description": "b", "default_member_permissions": given})["default_member_permissions"]
        == expected
    )


def test_file_types_are_a_lowercase_set_and_other_option_lists_are_not_touched() -> None:
    form = canonical(_with_option({**_BASE_OPTION, "type": 11, "file_types": ["PNG", ".Jpg", "png"]}))
    assert form["options"][0]["file_types"] == [".jpg", "png"]
    invalid = canonical(_with_option({**_BASE_OPTION, "type": 4, "min_value": [2, "B"]}))  # validation refuses it
    assert invalid["options"][0]["min_value"] == [2, "B"]  # compared as written, not made a set


def test_a_command_without_a_type_is_a_slash_command_and_its_form_is_the_global_one() -> None:
    assert canonical({"name": "a", "description": "b"})["type"] == 1
    assert canonical({"name": "a", "description": "b", "type": None})["type"] == 1
    assert canonical({"name": "a", "description": "b", "contexts": [1, 0]})["contexts"] == [0, 1]


def test_a_commands_localization_equal_to_its_default_is_dropped_and_a_set_field_not_a_list_is_kept() -> None:
    plain = canonical({"name": "a", "description": "b"})
    assert canonical({"name": "a", "description": "b", "description_localizations": {"de": "b"}}) == plain
    assert canonical({"name": "a", "description": "b", "name_localizations": {"de": "a"}}) == plain
    # Validation refuses a set-like field that is not a list; compared as written, never taken apart.
    assert canonical({"name": "a", "description": "b", "contexts": "10"})["contexts"] == "10"


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ({"type": 2, "name": "Info"}, ""),  # Discord answers "" for a context menu: the same as leaving it out
        ({"type": 3, "name": "Info", "description": None}, ""),
        ({"type": 2, "name": "Info", "description": ""}, ""),
        ({"type": 2, "name": "Info", "description": "Shows info"}, "Shows info"),  # refused by validation: as written
        ({"type": 1, "name": "info"}, None),  # a slash command without one: nothing is made up for it
        ({"type": 4, "name": "launch"}, None),
    ],
)
def test_only_a_context_menu_without_a_description_is_given_the_empty_one(
    command: dict[str, Any], expected: str | None
) -> None:
    assert canonical(command).get("description") == expected
    assert ("description" in canonical(command)) is (expected is not None)


@pytest.mark.parametrize("options", [{"sub": {"type": 3}}, "ab", 5], ids=["object", "text", "number"])
def test_options_that_are_not_a_list_are_compared_as_written(options: Any) -> None:
    # Validation refuses them, but the report's checksum is taken of every loaded file: never taken apart, no crash.
    assert canonical({"name": "a", "description": "b", "options": options})["options"] == options
    assert checksum([{"name": "a", "description": "b", "options": options}])


def test_a_command_without_a_name_is_keyed_by_the_empty_name_a_real_command_cannot_have() -> None:
    # Not "None" or any other text: a nameless command (validation reports it) never pairs with a live one.
    assert command_key({"description": "b"}) == (1, "")
    assert command_key({"type": 2}) == (2, "")
    assert command_key({"type": 3}) == (3, "")
