"""The shape check: strict JSON types, JSON paths and human messages, unknown keys as warnings."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from alia_action.commands.canonical import CHOICE_FIELDS, COMMAND_FIELDS, OPTION_FIELDS
from alia_action.commands.locales import LOCALES, SPEC_ONLY_LOCALES, suggest_locale
from alia_action.commands.schema import LEVELS, SchemaIssue, check_schema, known_keys, safe_str

BASE: dict[str, Any] = {"name": "ping", "description": "Replies with pong"}

# One option of every type 1-11 with every field that type may carry.
EVERY_OPTION: list[dict[str, Any]] = [
    {"type": 3, "name": "s", "description": "d", "required": True, "min_length": 0, "max_length": 10,
     "choices": [{"name": "a", "value": "a", "name_localizations": {"de": "a"}}], "autocomplete": False},
    {"type": 4, "name": "i", "description": "d", "min_value": -5, "max_value": 5,
     "choices": [{"name": "one", "value": 1}]},
    {"type": 10, "name": "n", "description": "d", "min_value": 0.5, "max_value": 2,
     "choices": [{"name": "half", "value": 0.5}, {"name": "two", "value": 2}]},
    {"type": 5, "name": "b", "description": "d"},
    {"type": 6, "name": "u", "description": "d"},
    {"type": 7, "name": "c", "description": "d", "channel_types": [0, 5]},
    {"type": 8, "name": "r", "description": "d"},
    {"type": 9, "name": "m", "description": "d"},
    {"type": 11, "name": "f", "description": "d", "file_types": ["image", ".pdf"]},
]  # fmt: skip


def issues(data: dict[str, Any]) -> list[tuple[str, str, tuple[str | int, ...]]]:
    return [(i.severity, i.rule, i.path) for i in check_schema(data)]


def only(data: dict[str, Any]) -> SchemaIssue:
    found = check_schema(data)
    assert len(found) == 1, found
    return found[0]


def test_every_command_and_option_type_is_well_typed() -> None:
    commands = [
        {**BASE, "type": 1, "options": [{"type": 1, "name": "sub", "description": "d", "options": EVERY_OPTION}]},
        {**BASE, "type": 1, "options": [{"type": 2, "name": "grp", "description": "d",
                                         "options": [{"type": 1, "name": "sub", "description": "d"}]}]},
        {"type": 2, "name": "Report User", "description": ""},
        {"type": 3, "name": "Quote", "nsfw": True},
        {"type": 4, "name": "launch", "description": "Launch", "handler": 2},
        {**BASE, "id": "123", "name_localizations": {"de": "ping"}, "description_localizations": None,
         "default_member_permissions": "8", "dm_permission": None, "default_permission": True,
         "contexts": [0, 1, 2], "integration_types": [0, 1], "developmentOnly": True, "renamedFrom": "pong"},
    ]  # fmt: skip
    for command in commands:
        assert check_schema(command) == [], command
    for option in EVERY_OPTION:
        assert check_schema({**BASE, "options": [option]}) == [], option


def test_the_levels_keep_wire_names_and_the_project_keys() -> None:
    assert check_schema({**BASE, "developmentOnly": True, "renamedFrom": "old", "ownerOnly": False}) == []
    assert list(LEVELS) == ["command", "option", "choice"]
    command_keys, option_keys, choice_keys = known_keys()
    assert {"developmentOnly", "renamedFrom", "default_member_permissions", "integration_types"} <= command_keys
    assert "development_only" not in command_keys
    assert {"channel_types", "min_length", "autocomplete", "file_types"} <= option_keys
    assert choice_keys == {"name", "name_localizations", "value"}


def test_the_shape_holds_exactly_the_fields_compared_and_sent() -> None:
    # canonical.py's field sets say what is sent and compared: a field the shape does not know would be
    # dropped as unknown before it got there, and a field it knows but canonical does not would never deploy.
    own = {"id", "developmentOnly", "renamedFrom", "ownerOnly"}
    assert set(LEVELS["command"]) == COMMAND_FIELDS | own
    assert set(LEVELS["option"]) == OPTION_FIELDS
    assert set(LEVELS["choice"]) == CHOICE_FIELDS


def test_unknown_keys_are_not_type_checked() -> None:
    assert issues({**BASE, "descripton": 5, "foo": {"bar": 1}}) == [
        ("error", "schema.near-miss", ("descripton",)),
        ("warning", "schema.unknown-key", ("foo",)),
    ]


@pytest.mark.parametrize(
    ("data", "path", "expected"),
    [
        pytest.param({**BASE, "options": [{"type": 5, "name": "b", "description": "d", "required": "true"}]},
                     ("options", 0, "required"), "must be true or false, found the string \"true\"; "
                     "write true without quotes", id="quoted-bool"),
        pytest.param({**BASE, "type": True}, ("type",), "must be an integer, found true", id="bool-is-not-int"),
        pytest.param({**BASE, "nsfw": 1}, ("nsfw",), "must be true or false, found the number 1", id="int-is-not-bool"),
        pytest.param({**BASE, "default_member_permissions": True}, ("default_member_permissions",),
                     "found true", id="permissions-bool"),
        pytest.param({**BASE, "contexts": [0, "1"]}, ("contexts", 1), 'contexts[1] must be an integer, found the '
                     'string "1"; write 1 without quotes', id="list-item"),
        pytest.param({**BASE, "name_localizations": {"de": 5}}, ("name_localizations", "de"),
                     "name_localizations.de must be a string", id="localization-value"),
        pytest.param({**BASE, "options": "x"}, ("options",), "options must be an array, found the string",
                     id="options-not-list"),
        pytest.param({**BASE, "options": [3]}, ("options", 0), "options[0] must be an object, found the number 3",
                     id="option-not-object"),
        pytest.param({**BASE, "options": [{"type": 4, "name": "i", "description": "d", "min_value": "5"}]},
                     ("options", 0, "min_value"), "must be a number, found the string \"5\"; write 5 without",
                     id="quoted-number"),
        pytest.param({**BASE, "options": [{"type": 10, "name": "n", "description": "d", "max_value": float("inf")}]},
                     ("options", 0, "max_value"), "must be a finite number", id="infinity"),
        pytest.param({**BASE, "developmentOnly": None}, ("developmentOnly",), "must be true or false, found null",
                     id="project-key-type"),
    ],
)  # fmt: skip
def test_type_errors_have_json_paths_and_human_messages(
    data: dict[str, Any], path: tuple[str | int, ...], expected: str
) -> None:
    issue = only(data)
    assert (issue.severity, issue.rule, issue.path) == ("error", "schema.type", path)
    assert expected in issue.message


def test_a_union_is_one_issue_naming_every_type_it_takes() -> None:
    data = {
        **BASE,
        "options": [{"type": 3, "name": "s", "description": "d", "choices": [{"name": "a", "value": True}]}],
    }
    issue = only(data)
    assert issue.path == ("options", 0, "choices", 0, "value")
    assert issue.message == "value must be a string or a number, found true"


@pytest.mark.parametrize("key", ["str", "int", "float"])
def test_an_object_given_for_a_union_is_one_issue_whatever_its_keys(key: str) -> None:
    # pydantic tagged a union's errors with its members' names, and an object keyed `str` read as a path.
    issue = only({**BASE, "default_member_permissions": {key: 1}})
    assert issue.path == ("default_member_permissions",)
    assert issue.message == "default_member_permissions must be a string or an integer, found an object"


def test_missing_fields_are_schema_required() -> None:
    assert issues({"description": "x"}) == [("error", "schema.required", ("name",))]
    data = {**BASE, "options": [{"name": "x", "description": "d"}, {"type": 3, "description": "d"}]}
    assert issues(data) == [
        ("error", "schema.required", ("options", 0, "type")),
        ("error", "schema.required", ("options", 1, "name")),
    ]
    assert issues({**BASE, "options": [{"type": 3, "name": "s", "description": "d", "choices": [{"name": "a"}]}]}) == [
        ("error", "schema.required", ("options", 0, "choices", 0, "value"))
    ]


@pytest.mark.parametrize(
    ("data", "path", "hint"),
    [
        ({**BASE, "descripton": "x"}, ("descripton",), "(did you mean `description`?)"),
        ({**BASE, "nameLocalizations": {}}, ("nameLocalizations",), "(did you mean `name_localizations`?)"),
        ({**BASE, "development_only": True}, ("development_only",), "(did you mean `developmentOnly`?)"),
        ({**BASE, "defaultMemberPermissions": "8"}, ("defaultMemberPermissions",),
         "(did you mean `default_member_permissions`?)"),
        ({**BASE, "dm_permissions": False}, ("dm_permissions",), "(did you mean `dm_permission`?)"),
        ({**BASE, "nsfw ": True}, ("nsfw ",), "(did you mean `nsfw`?)"),
        ({**BASE, "options": [{"type": 4, "name": "i", "description": "d", "minValue": 1}]},
         ("options", 0, "minValue"), "(did you mean `min_value`?)"),
        ({**BASE, "options": [{"type": 4, "name": "i", "description": "d", "min_value?": 1}]},
         ("options", 0, "min_value?"), "(did you mean `min_value`?)"),
        ({**BASE, "options": [{"type": 1, "name": "s", "description": "d",
                               "options": [{"type": 3, "name": "t", "description": "d", "requird": True}]}]},
         ("options", 0, "options", 0, "requird"), "(did you mean `required`?)"),
        ({**BASE, "options": [{"type": 3, "name": "s", "description": "d",
                               "choices": [{"name": "a", "value": "a", "vale": 1}]}]},
         ("options", 0, "choices", 0, "vale"), "(did you mean `value`?)"),
    ],
)  # fmt: skip
def test_near_misses_of_documented_keys_are_errors(
    data: dict[str, Any], path: tuple[str | int, ...], hint: str
) -> None:
    issue = only(data)
    assert (issue.severity, issue.rule, issue.path) == ("error", "schema.near-miss", path)
    assert hint in issue.message


@pytest.mark.parametrize(
    ("data", "path", "hint"),
    [
        ({**BASE, "version": "1"}, ("version",), "set by Discord in its responses"),
        ({**BASE, "choices": []}, ("choices",), "`choices` belongs on an option"),
        ({**BASE, "zzz": 1}, ("zzz",), "Discord does not document it"),
        ({**BASE, "category": "fun", "cooldown": 3}, ("category",), "dropped: not sent to Discord and not compared"),
    ],
)  # fmt: skip
def test_other_unknown_keys_are_warnings_that_they_are_dropped(
    data: dict[str, Any], path: tuple[str | int, ...], hint: str
) -> None:
    issue = next(i for i in check_schema(data) if i.path == path)
    assert (issue.severity, issue.rule) == ("warning", "schema.unknown-key")
    assert hint in issue.message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param({**BASE, "nsfw": "false"}, 'nsfw must be true or false, found the string "false"; write false '
                     "without quotes", id="quoted-false"),
        pytest.param({**BASE, "nsfw": "no"}, 'nsfw must be true or false, found the string "no"', id="no-hint"),
        # A string is shown whole up to 40 characters, then cut to 39 and an ellipsis.
        pytest.param({**BASE, "type": "t" * 40}, f'type must be an integer, found the string "{"t" * 40}"',
                     id="string-of-40-shown-whole"),
        pytest.param({**BASE, "type": "t" * 41}, f'type must be an integer, found the string "{"t" * 39}…"',
                     id="string-of-41-cut"),
    ],
)  # fmt: skip
def test_type_error_messages_whole(data: dict[str, Any], message: str) -> None:
    assert [(i.severity, i.rule, i.path, i.message) for i in check_schema(data)] == [
        ("error", "schema.type", (next(iter(data.keys() - BASE.keys())),), message)
    ]


def test_unknown_keys_are_found_past_items_that_are_not_objects() -> None:
    option = {
        "type": 3,
        "name": "s",
        "description": "d",
        "zzz": 1,
        "choices": [5, {"name": "a", "value": "a", "yyy": 2}],
    }
    data = {**BASE, "options": [3, option]}
    dropped = "Discord does not document it; it is dropped: not sent to Discord and not compared"
    assert [(i.severity, i.rule, i.path, i.message) for i in check_schema(data)] == [
        ("error", "schema.type", ("options", 0), "options[0] must be an object, found the number 3"),
        ("error", "schema.type", ("options", 1, "choices", 0), "choices[0] must be an object, found the number 5"),
        ("warning", "schema.unknown-key", ("options", 1, "zzz"), f"unknown key `zzz`: {dropped}"),
        ("warning", "schema.unknown-key", ("options", 1, "choices", 1, "yyy"), f"unknown key `yyy`: {dropped}"),
    ]


# Close, but not close enough to be taken for a documented key: "opts" is 0.73 like "options" (the cut is 0.8),
# and "ıd" (a dotless i) is "id" only once uppercased.
@pytest.mark.parametrize("key", ["opts", "ıd"])
def test_keys_only_loosely_like_a_documented_one_are_not_near_misses(key: str) -> None:
    message = f"unknown key `{key}`: Discord does not document it; it is dropped: not sent to Discord and not compared"
    assert [(i.severity, i.rule, i.path, i.message) for i in check_schema({**BASE, key: 1})] == [
        ("warning", "schema.unknown-key", (key,), message)
    ]


def test_a_number_with_more_digits_than_python_prints_is_still_described() -> None:
    assert safe_str(10**5000) == "a number too long to print"
    assert safe_str(-(10**4300)) == "a number too long to print"
    assert safe_str(10**4299) == str(10**4299)  # 4300 digits: the most Python prints


def test_locales_follow_the_docs() -> None:
    assert len(LOCALES) == 32 and len(set(LOCALES)) == 32
    assert not set(SPEC_ONLY_LOCALES) & set(LOCALES)
    assert suggest_locale("en_us") == "en-US"
    assert suggest_locale("en") == "en-US"
    assert suggest_locale("pt-br") == "pt-BR"
    assert suggest_locale("ja-JP") == "ja"
    assert suggest_locale("xx") is None


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("en_us", "en-US"), ("EN-gb", "en-GB"), ("ES-419", "es-419"), ("fr", "fr"),  # the same locale, spelt loosely
        ("en", "en-US"), ("es", "es-ES"), ("zh", "zh-CN"),  # a bare language: its main documented locale
        ("pt", "pt-BR"), ("sv", "sv-SE"),  # a bare language with one documented locale, which has a region
        ("es-MX", "es-ES"), ("zh-HK", "zh-CN"), ("pt_PT", "pt-BR"), ("ja-JP", "ja"),  # another region: the first
        ("xx", None), ("e", None), ("", None), ("ar", None), ("he", None),  # the spec's own locales: not suggested
    ],
)  # fmt: skip
def test_a_misspelt_locale_gets_the_documented_one_meant(written: str, meant: str | None) -> None:
    assert suggest_locale(written) == meant


def test_importing_the_rules_stays_light() -> None:
    # `detect` must start fast: the rules pull in nothing heavy (and no third-party module: test_architecture).
    code = (
        "import sys, alia_action.commands.rules as r; "
        "heavy = {'httpx', 'boto3', 'github', 'sentry_sdk', 'regex', 'hypothesis', 'pydantic'}; "
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
