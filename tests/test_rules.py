"""Discord's rules: for every rule id a valid and an invalid case, located by path and real line."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from alia_action.commands.loader import SourceCommand, parse_command_file
from alia_action.commands.problems import Problem
from alia_action.commands.rules import check_commands, command_size, is_valid_slash_name, slash_name_errors
from alia_action.commands.schema import known_keys

DROP = object()  # a field of the base command to leave out


def cmd(name: str = "ping", **fields: Any) -> dict[str, Any]:
    """A clean CHAT_INPUT command (no warnings either) with ``fields`` changed."""
    base: dict[str, Any] = {
        "name": name,
        "description": "Replies with pong",
        "contexts": [0],
        "integration_types": [0],
    }
    base.update(fields)
    return {k: v for k, v in base.items() if v is not DROP}


def opt(kind: int = 3, name: str = "text", **fields: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "description": fields.pop("description", "Some input"), **fields}


def user(name: str = "Report", **fields: Any) -> dict[str, Any]:
    return {"type": 2, "name": name, "contexts": [0], "integration_types": [0], **fields}


def entry(**fields: Any) -> dict[str, Any]:
    base = {"type": 4, "name": "launch", "description": "Launch the activity", "handler": 2}
    merged = {**base, "contexts": [0], "integration_types": [0], **fields}
    return {k: v for k, v in merged.items() if v is not DROP}


def choices(count: int, kind: int = 3, width: int = 5) -> list[dict[str, Any]]:
    return [{"name": f"{i:0{width}d}", "value": f"{i:0{width}d}" if kind == 3 else i} for i in range(count)]


def dump(commands: Any) -> str:
    return json.dumps(commands, indent=2, ensure_ascii=False)


def run(commands: Any, file: str = "cmds/x.json") -> tuple[str, list[Problem]]:
    """Parse ``commands`` as the JSON text of one file (so lines are real) and check them."""
    text = dump(commands)
    result = parse_command_file(file, text.encode())
    assert result.problems == []
    return text, check_commands(result.commands)


Marker = str | tuple[str, int] | tuple[str, int, int]


def line_of(text: str, marker: Marker) -> int:
    """The line of ``marker``: a needle, (needle, lines below it) or (needle, lines below, occurrence)."""
    if isinstance(marker, str):
        needle, offset, nth = marker, 0, 0
    elif len(marker) == 2:
        needle, offset, nth = marker[0], marker[1], 0
    else:
        needle, offset, nth = marker
    index = -1
    for _ in range(nth + 1):
        index = text.index(needle, index + 1)
    return text.count("\n", 0, index) + 1 + offset


@dataclass(frozen=True)
class Case:
    rule: str
    valid: Any
    invalid: Any
    path: str
    marker: Marker
    severity: str = "error"
    says: str = ""


SUB = [opt(1, "add", options=[opt(3, "item")])]
QUX = {"de": "qux"}
BIG_CHOICES = [{"name": "n" * 100, "value": "v" * 100} for _ in range(25)]

CASES: list[Case] = [
    # schema
    Case("schema.type", cmd(options=[opt(required=True)]), cmd(options=[opt(required="true")]),
         "ping.options[0].required", '"required": "true"', says="write true without quotes"),
    Case("schema.type", cmd(type=1), cmd(type=True), "ping.type", '"type": true'),
    Case("schema.type", cmd(default_member_permissions="8"), cmd(default_member_permissions=[8]),
         "ping.default_member_permissions", '"default_member_permissions"'),
    Case("permissions.string", cmd(default_member_permissions="8"), cmd(default_member_permissions=8),
         "ping.default_member_permissions", '"default_member_permissions"', "warning",
         'Discord documents a decimal string: "8"'),
    Case("permissions.bitfield", cmd(default_member_permissions="8"), cmd(default_member_permissions=-8),
         "ping.default_member_permissions", '"default_member_permissions"', says="decimal permission bitfield"),
    Case("schema.required", cmd(options=[opt()]), cmd(options=[{"type": 3, "description": "d"}]),
         "ping.options[0].name", ('"type": 3', -1)),
    Case("schema.near-miss", cmd(), cmd(descripton="x"), "ping.descripton", '"descripton"',
         says="did you mean `description`?"),
    Case("schema.near-miss", cmd(), cmd(dm_permissions=False), "ping.dm_permissions",
         '"dm_permissions"', says="did you mean `dm_permission`?"),
    Case("schema.near-miss", cmd(options=[opt(4, min_value=1)]), cmd(options=[opt(4, **{"min_value?": 1})]),
         "ping.options[0].min_value?", '"min_value?"', says="did you mean `min_value`?"),
    Case("schema.near-miss", cmd(nsfw=True), cmd(**{"nsfw ": True}), "ping.nsfw ", '"nsfw "',
         says="did you mean `nsfw`?"),
    Case("schema.unknown-key", cmd(), cmd(category="fun"), "ping.category", '"category"', "warning",
         "dropped: not sent to Discord and not compared"),
    Case("type.value", cmd(type=1), cmd(type=5), "ping.type", '"type": 5'),
    Case("type.value", cmd(options=[opt(11)]), cmd(options=[opt(12)]), "ping.options[0].type", '"type": 12'),
    # names
    Case("name.pattern", cmd(name="isn\u02bct"), cmd(name="isn't"), "isn't.name", '"name": "isn\'t"',
         says="write ʼ, U+02BC"),
    Case("name.pattern", cmd(name="pi-n_g\u02bc2"), cmd(name="pi ng"), "pi ng.name", '"name": "pi ng"',
         says='" " (U+0020 SPACE)'),
    Case("name.pattern", cmd(options=[opt(name="ok")]), cmd(options=[opt(name="no.dots")]),
         "ping.options[0].name", '"name": "no.dots"'),
    Case("name.lowercase", cmd(name="ping"), cmd(name="Ping"), "Ping.name", '"name": "Ping"',
         says='name "Ping" must be lowercase (Discord rejects uppercase letters in slash-command names)'),
    Case("name.lowercase", cmd(options=[opt(name="user")]), cmd(options=[opt(name="User")]),
         "ping.options[0].name", '"name": "User"'),
    Case("name.length", cmd(name="a" * 32), cmd(name="a" * 33), "a" * 33 + ".name", '"name": "aaa',
         says="33 characters; Discord allows 1-32"),
    Case("name.length", user(name="R" * 32), user(name="R" * 33), "R" * 33 + ".name", '"name": "RRR'),
    Case("name.length", cmd(options=[opt(name="x")]), cmd(options=[opt(name="")]), "ping.options[0].name",
         '"name": ""'),
    # descriptions
    Case("description.required", cmd(), cmd(description=DROP), "ping.description", "{",
         says="description is missing"),
    Case("description.required", cmd(options=[opt()]), cmd(options=[opt(description="")]),
         "ping.options[0].description", '"description": ""'),
    Case("description.length", cmd(description="d" * 100), cmd(description="d" * 101), "ping.description",
         '"description": "ddd', says="101 characters; Discord allows at most 100"),
    Case("description.length", cmd(description_localizations={"de": "d" * 100}),
         cmd(description_localizations={"de": "d" * 101}), "ping.description_localizations.de", '"de"'),
    Case("description.forbidden", user(description=""), user(description="Reports a user"),
         "Report.description", '"description"'),
    # options
    Case("options.forbidden", user(), user(options=[opt()]), "Report.options", '"options"'),
    Case("options.count", cmd(options=[opt(name=f"o{i}") for i in range(25)]),
         cmd(options=[opt(name=f"o{i}") for i in range(26)]), "ping.options", '"options"',
         says="26 options at this level; Discord allows at most 25"),
    Case("options.unique", cmd(options=[opt(name="a"), opt(name="b")]),
         cmd(options=[opt(name="a"), opt(name="a", description="Second")]), "ping.options[1].name",
         ('"description": "Second"', -1)),
    Case("options.required-order", cmd(options=[opt(name="a", required=True), opt(name="b")]),
         cmd(options=[opt(name="a"), opt(name="b", required=True)]), "ping.options[1].required",
         '"required": true', says='required option "b" comes after optional option "a"'),
    Case("options.nesting", cmd(options=SUB), cmd(options=[opt(1, "add", options=[opt(1, "deep")])]),
         "ping.options[0].options[0].type", ('"name": "deep"', -1)),
    Case("options.nesting", cmd(options=[opt(2, "grp", options=SUB)]),
         cmd(options=[opt(2, "grp", options=[opt(2, "inner", options=SUB)])]),
         "ping.options[0].options[0].type", ('"name": "inner"', -1), says="groups cannot be nested"),
    Case("options.nesting", cmd(options=[opt(2, "grp", options=SUB)]),
         cmd(options=[opt(2, "grp", options=[opt(3, "loose")])]), "ping.options[0].options[0].type",
         ('"name": "loose"', -1)),
    Case("options.nesting", cmd(options=[*SUB, opt(2, "grp", options=SUB)]),
         cmd(options=[*SUB, opt(3, "loose")]), "ping.options[1].type", ('"name": "loose"', -1)),
    Case("options.required-on-subcommand", cmd(options=[opt(1, "add", required=False)]),
         cmd(options=[opt(1, "add", required=True)]), "ping.options[0].required", '"required": true'),
    Case("option.field", cmd(options=[opt(4, min_value=1)]), cmd(options=[opt(3, min_value=1)]),
         "ping.options[0].min_value", '"min_value"', says="not allowed on options of type STRING"),
    Case("option.field", cmd(options=[opt(7, channel_types=[0])]), cmd(options=[opt(6, channel_types=[0])]),
         "ping.options[0].channel_types", '"channel_types"'),
    Case("option.length-range", cmd(options=[opt(min_length=0, max_length=6000)]),
         cmd(options=[opt(min_length=6001)]), "ping.options[0].min_length", '"min_length"'),
    Case("option.length-range", cmd(options=[opt(min_length=5, max_length=5)]),
         cmd(options=[opt(min_length=6, max_length=5)]), "ping.options[0].max_length", '"max_length"'),
    Case("option.length-range", cmd(options=[opt(max_length=1)]), cmd(options=[opt(max_length=0)]),
         "ping.options[0].max_length", '"max_length"'),
    Case("option.value-range", cmd(options=[opt(4, min_value=-(2**53 - 1), max_value=2**53 - 1)]),
         cmd(options=[opt(4, max_value=2**53)]), "ping.options[0].max_value", '"max_value"'),
    Case("option.value-range", cmd(options=[opt(10, min_value=0.5)]), cmd(options=[opt(4, min_value=0.5)]),
         "ping.options[0].min_value", '"min_value"', says="must be an integer"),
    Case("option.value-range", cmd(options=[opt(10, min_value=-(2**53), max_value=2**53)]),
         cmd(options=[opt(10, min_value=2.5, max_value=1)]), "ping.options[0].max_value", '"max_value"'),
    # choices
    Case("choices.count", cmd(options=[opt(choices=choices(25))]), cmd(options=[opt(choices=choices(26))]),
         "ping.options[0].choices", '"choices"'),
    Case("choices.name", cmd(options=[opt(choices=[{"name": "n" * 100, "value": "v"}])]),
         cmd(options=[opt(choices=[{"name": "n" * 101, "value": "v"}])]), "ping.options[0].choices[0].name",
         '"name": "nnn'),
    Case("choices.name", cmd(options=[opt(choices=[{"name": "n", "name_localizations": {"de": "m"}, "value": "v"}])]),
         cmd(options=[opt(choices=[{"name": "n", "name_localizations": {"de": ""}, "value": "v"}])]),
         "ping.options[0].choices[0].name_localizations.de", '"de"'),
    Case("choices.value-type", cmd(options=[opt(4, choices=[{"name": "one", "value": 1}])]),
         cmd(options=[opt(4, choices=[{"name": "one", "value": "1"}])]), "ping.options[0].choices[0].value",
         '"value": "1"'),
    Case("choices.value-type", cmd(options=[opt(10, choices=[{"name": "half", "value": 0.5}])]),
         cmd(options=[opt(3, choices=[{"name": "half", "value": 0.5}])]), "ping.options[0].choices[0].value",
         '"value": 0.5'),
    Case("choices.value-type", cmd(options=[opt(10, choices=[{"name": "one", "value": 1}])]),
         cmd(options=[opt(10, choices=[{"name": "one", "value": "1"}])]), "ping.options[0].choices[0].value",
         '"value": "1"'),
    Case("choices.value-length", cmd(options=[opt(choices=[{"name": "n", "value": "v" * 100}])]),
         cmd(options=[opt(choices=[{"name": "n", "value": "v" * 101}])]), "ping.options[0].choices[0].value",
         '"value": "vvv'),
    Case("choices.autocomplete", cmd(options=[opt(autocomplete=True)]),
         cmd(options=[opt(autocomplete=True, choices=choices(1))]), "ping.options[0].autocomplete",
         '"autocomplete"'),
    Case("channel_types.value", cmd(options=[opt(7, channel_types=[0, 16])]),
         cmd(options=[opt(7, channel_types=[0, 6])]), "ping.options[0].channel_types[1]", ('"channel_types"', 2)),
    Case("file_types.count", cmd(options=[opt(11, file_types=[f".e{i}" for i in range(10)])]),
         cmd(options=[opt(11, file_types=[f".e{i}" for i in range(11)])]), "ping.options[0].file_types",
         '"file_types"'),
    Case("file_types.value", cmd(options=[opt(11, file_types=["image", "audio", "video", ".tar.gz"])]),
         cmd(options=[opt(11, file_types=["png"])]), "ping.options[0].file_types[0]", '"png"'),
    Case("file_types.unique", cmd(options=[opt(11, file_types=[".png", ".jpg"])]),
         cmd(options=[opt(11, file_types=[".png", ".png"])]), "ping.options[0].file_types[1]",
         ('"file_types"', 2)),
    Case("file_types.unique", cmd(options=[opt(11, file_types=[".PDF", "IMAGE"])]),
         cmd(options=[opt(11, file_types=[".pdf", ".PDF"])]), "ping.options[0].file_types[1]",
         ('"file_types"', 2), says="case-insensitive"),
    # localizations
    Case("localizations.locale", cmd(name_localizations={"de": "klingeln"}),
         cmd(name_localizations={"en": "ring"}), "ping.name_localizations.en", '"en"', says='"en-US"'),
    Case("localizations.locale", cmd(description_localizations={"ja": "説明"}),
         cmd(description_localizations={"he": "תיאור"}), "ping.description_localizations.he", '"he"',
         "warning", "listed only in the OpenAPI spec"),
    Case("localizations.name", cmd(name_localizations={"de": "klingeln"}),
         cmd(name_localizations={"de": "Klingeln"}), "ping.name_localizations.de", '"de"', says="lowercase"),
    Case("localizations.name", user(name_localizations={"de": "Nutzer melden"}),
         user(name_localizations={"de": "N" * 33}), "Report.name_localizations.de", '"de"'),
    Case("localizations.clash", cmd(options=[opt(name="a", name_localizations={"de": "x"}), opt(name="b")]),
         cmd(options=[opt(name="a", name_localizations={"de": "b"}), opt(name="b")]),
         "ping.options[0].name_localizations.de", '"de"', says='clashes with option "b"'),
    Case("localizations.clash",
         cmd(options=[opt(name="foo", name_localizations={"de": "baz"}), opt(name="bar", name_localizations=QUX)]),
         cmd(options=[opt(name="foo", name_localizations={"de": "bar"}), opt(name="bar", name_localizations=QUX)]),
         "ping.options[0].name_localizations.de", '"de"', says="equals the name of option ping.options[1]"),
    Case("localizations.clash",
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "nutzer"})]),
                      opt(1, "remove", options=[opt(name="member")])]),
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "member"})]),
                      opt(1, "remove", options=[opt(name="member")])]),
         "ping.options[0].options[0].name_localizations.de", '"de"', says="every other option name"),
    Case("localizations.clash", [cmd(name="a", name_localizations={"de": "x"}), cmd(name="b")],
         [cmd(name="a"), cmd(name="b", name_localizations={"de": "a"})], "b.name_localizations.de", '"de"'),
    # permissions and contexts
    Case("permissions.bitfield", cmd(default_member_permissions=str(2**64 - 1)),
         cmd(default_member_permissions=str(2**64)), "ping.default_member_permissions",
         '"default_member_permissions"', says="64 bits"),
    Case("permissions.bitfield", cmd(default_member_permissions=None), cmd(default_member_permissions="0x8"),
         "ping.default_member_permissions", '"default_member_permissions"'),
    Case("contexts.value", cmd(contexts=[0, 1, 2], integration_types=[0, 1]), cmd(contexts=[0, 3]), "ping.contexts[1]",
         ('"contexts"', 2)),
    Case("contexts.value", cmd(contexts=[0]), cmd(contexts=[]), "ping.contexts", '"contexts"'),
    Case("integration_types.value", cmd(integration_types=[0, 1]), cmd(integration_types=[2]),
         "ping.integration_types[0]", ('"integration_types"', 1)),
    Case("contexts.guild-bot-dm", cmd(contexts=[0, 1]), cmd(contexts=[0, 1], developmentOnly=True),
         "ping.contexts[1]", ('"contexts"', 2), "warning"),
    # size
    Case("size.max", cmd(options=[opt(choices=BIG_CHOICES)]),
         cmd(options=[opt(name="a", choices=BIG_CHOICES), opt(name="b", choices=BIG_CHOICES)]), "ping", "{",
         says="Discord allows at most 8000"),
    # scopes
    Case("scope.count", [cmd(name=f"c{i}") for i in range(100)], [cmd(name=f"c{i}") for i in range(101)],
         "c100.name", '"name": "c100"', says="the global scope has 101 CHAT_INPUT commands"),
    Case("scope.count", [user(name=f"U{i}") for i in range(15)], [user(name=f"U{i}") for i in range(16)],
         "U15.name", '"name": "U15"'),
    Case("scope.count", [{**user(name=f"M{i}"), "type": 3} for i in range(15)],
         [{**user(name=f"M{i}"), "type": 3} for i in range(16)], "M15.name", '"name": "M15"'),
    Case("scope.count", [entry()], [entry(), entry(name="play")], "play.name", '"name": "play"',
         says="only one"),
    Case("scope.count", [cmd(name=f"c{i}") for i in range(100)],
         [*[cmd(name=f"c{i}") for i in range(95)], *[cmd(name=f"d{i}", developmentOnly=True) for i in range(6)]],
         "d5.name", '"name": "d5"', says="the staging guild has 101"),
    Case("scope.unique", [cmd(name="a"), cmd(name="b"), user(name="a")], [cmd(name="a"), cmd(name="a")],
         "a.name", ('"name": "a"', 0, 1)),
    # entry point
    Case("entry-point.options", entry(options=[]), entry(options=[opt()]), "launch.options", '"options"'),
    Case("entry-point.handler", entry(handler=1), entry(handler=3), "launch.handler", '"handler"'),
    Case("entry-point.handler", entry(handler=DROP), entry(handler=0), "launch.handler", '"handler"'),
    Case("entry-point.handler", cmd(), cmd(handler=1), "ping.handler", '"handler"'),
    # deprecated and defaults
    Case("deprecated.dm_permission", cmd(), cmd(dm_permission=False), "ping.dm_permission", '"dm_permission"',
         "warning", '"contexts": [0]'),
    Case("deprecated.default_permission", cmd(), cmd(default_permission=False), "ping.default_permission",
         '"default_permission"', "warning", '"default_member_permissions": "0"'),
    Case("defaults.contexts", cmd(contexts=DROP, developmentOnly=True), cmd(contexts=DROP), "ping", "{",
         "warning", "0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL"),
    Case("contexts.private-channel", cmd(contexts=[0, 1, 2], integration_types=[0, 1]),
         cmd(contexts=[0, 1, 2], integration_types=[0]), "ping.contexts[2]", ('"contexts"', 3), "warning",
         "only applies when integration_types includes 1 (USER_INSTALL)"),
    Case("defaults.integration_types", cmd(integration_types=[0]), cmd(integration_types=None), "ping", "{",
         "warning", "GUILD_INSTALL"),
    # project keys
    Case("project.renamedFrom", cmd(renamedFrom="pong"), cmd(renamedFrom="ping"), "ping.renamedFrom",
         '"renamedFrom"', says="equals the current name"),
    Case("project.renamedFrom", user(renamedFrom="Report User"), cmd(renamedFrom="old name"), "ping.renamedFrom",
         '"renamedFrom"', says="valid old name"),
    Case("project.renamedFrom", [cmd(name="a", renamedFrom="x"), cmd(name="b", renamedFrom="y")],
         [cmd(name="a", renamedFrom="x"), cmd(name="b", renamedFrom="x")], "b.renamedFrom",
         ('"renamedFrom"', 0, 1), says="also claimed by cmds/x.json:3"),
    Case("project.renamedFrom", [cmd(name="a", renamedFrom="x"), user(name="x")],
         [cmd(name="a", renamedFrom="x"), cmd(name="x")], "a.renamedFrom", '"renamedFrom"',
         says="still the name of a command"),
    Case("project.developmentOnly", entry(developmentOnly=False), entry(developmentOnly=True),
         "launch.developmentOnly", '"developmentOnly"'),
    Case("project.ownerOnly", cmd(ownerOnly=True, default_member_permissions="0"), cmd(ownerOnly=True),
         "ping.ownerOnly", '"ownerOnly"', "warning", says='"default_member_permissions": "0"'),
]  # fmt: skip


def _id(case: Case) -> str:
    return f"{case.rule}:{case.path[:40]}"


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_valid_case_is_clean(case: Case) -> None:
    _text, problems = run(case.valid)
    assert problems == []


@pytest.mark.parametrize("case", CASES, ids=_id)
def test_invalid_case_is_located(case: Case) -> None:
    text, problems = run(case.invalid)
    hits = [p for p in problems if p.rule == case.rule]
    assert len(hits) == 1, problems
    hit = hits[0]
    assert (hit.severity, hit.path, hit.file) == (case.severity, case.path, "cmds/x.json")
    assert hit.line == line_of(text, case.marker)
    assert case.says in hit.message


def test_every_rule_id_has_a_case() -> None:
    rules = {case.rule for case in CASES}
    expected = {
        "schema.type", "schema.required", "schema.unknown-key", "type.value",
        "name.pattern", "name.lowercase", "name.length",
        "description.required", "description.length", "description.forbidden",
        "options.forbidden", "options.count", "options.unique", "options.required-order", "options.nesting",
        "options.required-on-subcommand", "option.field", "option.length-range", "option.value-range",
        "choices.count", "choices.name", "choices.value-type", "choices.value-length", "choices.autocomplete",
        "channel_types.value", "file_types.count", "file_types.value", "file_types.unique", "schema.near-miss",
        "localizations.locale", "localizations.name", "localizations.clash", "permissions.bitfield",
        "permissions.string",
        "contexts.value", "integration_types.value", "contexts.guild-bot-dm", "contexts.private-channel", "size.max",
        "scope.count",
        "scope.unique", "entry-point.options", "entry-point.handler", "deprecated.dm_permission",
        "deprecated.default_permission", "defaults.contexts", "defaults.integration_types",
        "project.renamedFrom", "project.developmentOnly", "project.ownerOnly",
    }  # fmt: skip
    assert rules == expected


def test_paths_follow_nested_options() -> None:
    nested = [opt(2, "config", options=[opt(1, "a", options=[opt()]), opt(1, "b", options=[opt(name="Bad")])])]
    text, problems = run(cmd(name="config", options=[opt(), opt(), *nested]))
    # options[2] is a group beside plain options: also a nesting error, not what this test is about.
    (hit,) = [p for p in problems if p.rule == "name.lowercase"]
    assert hit.path == "config.options[2].options[1].options[0].name"
    assert hit.line == line_of(text, '"name": "Bad"')


def test_the_original_systems_rules_fall_out() -> None:
    bad = cmd(name="Ping" + "x" * 30, description="d" * 101, options=[opt(name=f"o{i}") for i in range(26)])
    _text, problems = run(bad)
    assert {p.rule for p in problems} == {"name.lowercase", "name.length", "description.length", "options.count"}


def test_scope_problems_are_not_repeated_for_staging() -> None:
    _text, problems = run([cmd(name="a"), cmd(name="a")])
    assert [p.rule for p in problems] == ["scope.unique"]
    _text, problems = run([cmd(name=f"c{i}") for i in range(101)])
    assert [p.message for p in problems] == ["the global scope has 101 CHAT_INPUT commands; Discord allows at most 100"]


def test_development_only_duplicates_clash_only_in_staging() -> None:
    _text, problems = run([cmd(name="a"), cmd(name="a", developmentOnly=True)])
    (hit,) = problems
    assert hit.rule == "scope.unique" and "in the staging guild" in hit.message


def test_the_entry_point_is_not_counted_in_staging_and_only_once_globally() -> None:
    _text, problems = run([entry(), cmd(name="launch")])
    assert problems == []  # different types may share a name


def test_scope_unique_names_both_files() -> None:
    first = parse_command_file("cmds/a.json", dump(cmd()).encode()).commands
    second = parse_command_file("cmds/b.json", b"\n\n" + dump(cmd()).encode()).commands
    (hit,) = check_commands([*first, *second])
    assert hit.rule == "scope.unique"
    assert (hit.file, hit.line, hit.path) == ("cmds/b.json", 4, "ping.name")
    assert "cmds/a.json:2 and cmds/b.json:4" in hit.message


def test_size_counts_the_longest_localization_of_each_field() -> None:
    data = {
        "name": "abc",
        "name_localizations": {"de": "abcdef"},
        "description": "d",
        "description_localizations": {"fr": "d" * 10, "de": "d" * 4},
        "options": [
            {"type": 3, "name": "o", "description": "dd", "choices": [{"name": "c", "value": "vvv"}]},
            {"type": 4, "name": "n", "description": "dd", "choices": [{"name": "c", "value": 12345}]},
            {"type": 10, "name": "f", "description": "dd", "choices": [{"name": "c", "value": 2.0}]},
        ],
    }
    # 6 + 10 + (1+2+1+3) + (1+2+1+5) + (1+2+1+1: 2.0 is sent as 2)
    assert command_size(data) == 6 + 10 + 7 + 9 + 5


def test_size_localized_description_pushes_over_the_limit() -> None:
    options = [opt(name=f"o{i:02d}", choices=[{"name": "n" * 100, "value": "v" * 100}] * 25) for i in range(1)]
    assert run(cmd(options=options))[1] == []
    options[0]["description_localizations"] = {"de": "d" * 100}
    options[0]["choices"] = [{"name": "n" * 100, "name_localizations": {"de": "m" * 100}, "value": "v" * 100}] * 25
    options.append(opt(name="extra", choices=[{"name": "n" * 100, "value": "v" * 100}] * 15))
    _text, problems = run(cmd(options=options))
    assert [p.rule for p in problems] == ["size.max"]


# -- Unicode names --


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        pytest.param("ピン", None, id="japanese-uncased"),
        pytest.param("ｐｉｎｇ", None, id="fullwidth-lowercase"),
        pytest.param("नमस्ते", None, id="devanagari-with-combining-signs"),
        pytest.param("สวัสดี", None, id="thai-with-combining-marks"),
        pytest.param("ping-2_x\u02bcy", None, id="punctuation"),
        pytest.param("isn't", "pattern", id="ascii-apostrophe"),
        pytest.param("число٣", None, id="cyrillic-and-arabic-digit"),
        pytest.param("ΑΒΓ", "lowercase", id="greek-capital"),
        pytest.param("ǅemal", "lowercase", id="titlecase-letter"),
        pytest.param("Ⅻ", "lowercase", id="roman-numeral-has-lowercase"),
        pytest.param("ping🎉", "pattern", id="emoji"),
        pytest.param("pi\u200dng", "pattern", id="zero-width-joiner"),
        pytest.param("pi ng", "pattern", id="space"),
        pytest.param("नमस्ते।", "pattern", id="danda-is-common-script"),
        pytest.param("cafe\u0301", "pattern", id="combining-accent-outside-deva-thai"),
        pytest.param("", "length", id="empty"),
        pytest.param("ก" * 33, "length", id="33-thai"),
    ],
)
def test_unicode_names(name: str, rule: str | None) -> None:
    assert [suffix for suffix, _ in slash_name_errors(name)] == ([] if rule is None else [rule])
    _text, problems = run(cmd(name=name))
    assert [p.rule for p in problems] == ([] if rule is None else [f"name.{rule}"])


def test_decomposed_accents_get_an_nfc_hint() -> None:
    ((_, message),) = slash_name_errors("cafe\u0301")
    assert "NFC" in message


def _agrees(regex: Any, char: str) -> bool:
    # Python's unicodedata and `regex` may ship different Unicode versions: compare only
    # characters both classify alike.
    return regex.fullmatch(r"\p{gc=" + unicodedata.category(char) + "}", char) is not None


NAME_CHARS = st.one_of(
    st.sampled_from(list("abcxyzABCXYZ019-_' .!/ÉéßΣσΑαДд٣Ⅻǅピンกัาनमस्तेक़।\u200d\u0301🎉")),
    st.characters(exclude_categories=["Cs"]),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(st.text(alphabet=NAME_CHARS, max_size=34))
def test_names_match_the_documented_pattern(name: str) -> None:
    regex = pytest.importorskip("regex")
    assume(all(_agrees(regex, char) for char in name))
    pattern = regex.compile(r"^[-_\u02BC\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$")
    has_lowercase_form = regex.compile(r"\p{Changes_When_Lowercased}")
    expected = pattern.fullmatch(name) is not None and has_lowercase_form.search(name) is None
    assert is_valid_slash_name(name) == expected
    _text, problems = run(cmd(name="ping", options=[opt(name=name)]))
    assert (not [p for p in problems if p.rule.startswith("name.")]) == expected


# -- never crash, whatever the JSON --

_COMMAND_KEYS, _OPTION_KEYS, _CHOICE_KEYS = (sorted(keys) for keys in known_keys())
_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-2, max_value=12)
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | st.sampled_from(["ping", "Ping", "a b", "8", "true", "de", "en", "image", ".png", "x" * 120])
)
JSON = st.recursive(
    _LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


_LOCALIZATIONS = st.dictionaries(st.sampled_from(["de", "fr", "ar", "en", "xx"]), JSON | st.text(), max_size=3)
_NAME = st.sampled_from(["ping", "Ping", "a b", "", "x" * 40, "ピン"]) | JSON


def _shaped(
    keys: list[str], fixed: dict[str, st.SearchStrategy[Any]], typed: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Objects that look like Discord's, so the fuzzing reaches deep rules: the ``fixed`` keys
    always, any other known key sometimes (with a plausible value or any JSON), junk keys too."""
    optional = {key: typed.get(key, JSON) | JSON for key in keys if key not in fixed}
    optional["junk"] = JSON
    return st.fixed_dictionaries(fixed, optional=optional)


_CHOICE = _shaped(_CHOICE_KEYS, {"name": _NAME, "value": JSON}, {"name_localizations": _LOCALIZATIONS})
_OPTION_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "choices": st.lists(_CHOICE, max_size=3),
    "name_localizations": _LOCALIZATIONS,
    "description_localizations": _LOCALIZATIONS,
    "required": st.booleans(),
    "channel_types": st.lists(st.integers(-1, 17), max_size=3),
    "file_types": st.lists(st.sampled_from(["image", ".png", ".PNG", "png"]), max_size=3),
    "min_value": st.integers(-(2**54), 2**54) | st.floats(),
    "max_value": st.integers(-(2**54), 2**54) | st.floats(),
    "min_length": st.integers(-1, 7000),
    "max_length": st.integers(-1, 7000),
    "autocomplete": st.booleans(),
}
_OPTION_TYPE = st.one_of(*[st.integers(1, 11)] * 3, JSON)
_OPTION = st.recursive(
    _shaped(_OPTION_KEYS, {"type": _OPTION_TYPE, "name": _NAME}, _OPTION_VALUES),
    lambda inner: _shaped(
        _OPTION_KEYS,
        {"type": st.sampled_from([1, 2]) | JSON, "name": _NAME, "options": st.lists(inner, max_size=3)},
        _OPTION_VALUES,
    ),
    max_leaves=8,
)
_COMMAND = _shaped(
    _COMMAND_KEYS,
    {"name": _NAME, "options": st.lists(_OPTION, min_size=1, max_size=4) | JSON},
    {
        "type": st.integers(0, 5),
        "name_localizations": _LOCALIZATIONS,
        "description_localizations": _LOCALIZATIONS,
        "contexts": st.lists(st.integers(-1, 3), max_size=3),
        "developmentOnly": st.booleans(),
        "renamedFrom": _NAME,
    },
) | st.dictionaries(st.text(max_size=8), JSON, max_size=5)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_COMMAND, max_size=4))
def test_any_json_never_crashes(objects: list[dict[str, Any]]) -> None:
    commands = [SourceCommand(data, f"cmds/{i}.json") for i, data in enumerate(objects)]
    problems = check_commands(commands)
    for problem in problems:
        assert problem.severity in ("error", "warning")
        assert problem.rule and problem.message
        assert problem.file is not None and problem.file.startswith("cmds/")
        assert isinstance(problem.line, int)
