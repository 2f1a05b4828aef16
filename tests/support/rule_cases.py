"""Shared by several test modules (moved out of test_rules.py, so no test reads another's globals)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import hypothesis.strategies as st

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


Marker = str | tuple[str, int] | tuple[str, int, int]


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


LONG = "v" * 101  # one past a choice value's 100 characters

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
    # The Devanagari and Thai scripts, not their blocks, at every level (the emulator used to take the blocks).
    Case("name.pattern", cmd(name="नमस्ते"), cmd(name="नमस्ते।"), "नमस्ते।.name", '"name": "नमस्ते।"',
         says="U+0964 DEVANAGARI DANDA"),
    Case("name.pattern", cmd(name="क\ua8e0"), cmd(name="क\u0e3b"), "क\u0e3b.name", '"name": "क',
         says="U+0E3B"),
    Case("name.pattern", cmd(options=[opt(1, "add", options=[opt(name="क\u0901")])]),
         cmd(options=[opt(1, "add", options=[opt(name="क\u0951")])]), "ping.options[0].options[0].name",
         '"name": "क', says="U+0951"),
    Case("name.pattern", cmd(options=[opt(2, "ราคา", options=SUB)]), cmd(options=[opt(2, "ราคา฿", options=SUB)]),
         "ping.options[0].name", '"name": "ราคา฿"', says="U+0E3F THAI CURRENCY SYMBOL BAHT"),
    Case("localizations.name", cmd(name_localizations={"hi": "नमस्ते"}),
         cmd(name_localizations={"hi": "नमस्ते॥"}), "ping.name_localizations.hi", '"hi"', says="U+0965"),
    Case("localizations.name", cmd(options=[opt(choices=choices(1), name_localizations={"th": "ราคา"})]),
         cmd(options=[opt(choices=choices(1), name_localizations={"th": "฿"})]),
         "ping.options[0].name_localizations.th", '"th"'),
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
    Case("option.length-order", cmd(options=[opt(min_length=5, max_length=5)]),
         cmd(options=[opt(min_length=6, max_length=5)]), "ping.options[0].max_length", '"max_length"'),
    Case("option.length-range", cmd(options=[opt(max_length=1)]), cmd(options=[opt(max_length=0)]),
         "ping.options[0].max_length", '"max_length"'),
    Case("option.value-range", cmd(options=[opt(4, min_value=-(2**53 - 1), max_value=2**53 - 1)]),
         cmd(options=[opt(4, max_value=2**53)]), "ping.options[0].max_value", '"max_value"'),
    Case("option.value-range", cmd(options=[opt(10, min_value=0.5)]), cmd(options=[opt(4, min_value=0.5)]),
         "ping.options[0].min_value", '"min_value"', says="must be an integer"),
    Case("option.value-range", cmd(options=[opt(10, min_value=-(2**53), max_value=2**53)]),
         cmd(options=[opt(10, min_value=-(2**53) - 2)]), "ping.options[0].min_value", '"min_value"'),
    Case("option.value-order", cmd(options=[opt(10, min_value=1, max_value=1)]),
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
    Case("choices.value-length", cmd(options=[opt(choices=[{"name": "none", "value": ""}])]),
         cmd(options=[opt(choices=[{"name": "none", "value": ""}, {"name": "n", "value": "v" * 101}])]),
         "ping.options[0].choices[1].value", '"value": "vvv', says="at most 100"),
    Case("choices.value-length",
         cmd(options=[opt(1, "add", options=[opt(choices=[{"name": "none", "value": ""}])])]),
         cmd(options=[opt(1, "add", options=[opt(choices=[{"name": "n", "value": "v" * 101}])])]),
         "ping.options[0].options[0].choices[0].value", '"value": "vvv'),
    Case("choices.value-length",
         cmd(options=[opt(2, "grp", options=[opt(1, "add", options=[opt(choices=[{"name": "e", "value": ""}])])])]),
         cmd(options=[opt(2, "grp", options=[opt(1, "add", options=[opt(choices=[{"name": "e", "value": LONG}])])])]),
         "ping.options[0].options[0].options[0].choices[0].value", '"value": "vvv'),
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
         ('"file_types"', 2), "warning"),
    Case("file_types.unique", cmd(options=[opt(11, file_types=[".PDF", "IMAGE"])]),
         cmd(options=[opt(11, file_types=[".pdf", ".PDF"])]), "ping.options[0].file_types[1]",
         ('"file_types"', 2), "warning", says="case-insensitive"),
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
    # AC:1086, both halves, every level: a warning (docs only)
    Case("localizations.option-clash", cmd(options=[opt(name="a", name_localizations={"de": "x"}), opt(name="b")]),
         cmd(options=[opt(name="a", name_localizations={"de": "b"}), opt(name="b")]),
         "ping.options[0].name_localizations.de", '"de"', "warning", 'equals the name of option ping.options[1]'),
    Case("localizations.option-clash",
         cmd(options=[opt(name="foo", name_localizations={"de": "baz"}), opt(name="bar", name_localizations=QUX)]),
         cmd(options=[opt(name="foo", name_localizations={"de": "qux"}), opt(name="bar", name_localizations=QUX)]),
         "ping.options[1].name_localizations.de", ('"de"', 0, 1), "warning",
         "equals the de name of option ping.options[0]"),
    Case("localizations.option-clash",
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "nutzer"})]),
                      opt(1, "remove", options=[opt(name="member")])]),
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "member"})]),
                      opt(1, "remove", options=[opt(name="member")])]),
         "ping.options[0].options[0].name_localizations.de", '"de"', "warning", "every other option name"),
    Case("localizations.option-clash",
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "nutzer"})]),
                      opt(1, "remove", options=[opt(name="user", name_localizations={"de": "benutzer"})])]),
         cmd(options=[opt(1, "add", options=[opt(name="user", name_localizations={"de": "nutzer"})]),
                      opt(1, "remove", options=[opt(name="user", name_localizations={"de": "nutzer"})])]),
         "ping.options[1].options[0].name_localizations.de", ('"de"', 0, 1), "warning",
         "equals the de name of option ping.options[0].options[0]"),
    Case("localizations.option-clash",
         cmd(options=[opt(2, "grp", options=[opt(1, "add", name_localizations={"de": "neu"}, options=[opt()])]),
                      opt(1, "list", options=[opt(name="neue")])]),
         cmd(options=[opt(2, "grp", options=[opt(1, "add", name_localizations={"de": "neue"}, options=[opt()])]),
                      opt(1, "list", options=[opt(name="neue")])]),
         "ping.options[0].options[0].name_localizations.de", '"de"', "warning",
         "equals the name of option ping.options[1].options[0]"),
    Case("localizations.clash", [cmd(name="a", name_localizations={"de": "x"}), cmd(name="b")],
         [cmd(name="a"), cmd(name="b", name_localizations={"de": "a"})], "b.name_localizations.de", '"de"'),
    # permissions and contexts
    Case("permissions.bitfield", cmd(default_member_permissions=str(2**54 - 1)),
         cmd(default_member_permissions=str(2**54)), "ping.default_member_permissions",
         '"default_member_permissions"', says="above 18014398509481983 (2^54-1)"),
    Case("permissions.bitfield", cmd(default_member_permissions="00018014398509481983"),
         cmd(default_member_permissions=str(2**64 - 1)), "ping.default_member_permissions",
         '"default_member_permissions"', says="the largest bitfield Discord takes"),
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
    Case("deprecated.default_permission", cmd(), cmd(default_permission=True), "ping.default_permission",
         '"default_permission"', "warning", "will soon be deprecated, the docs say (Discord honours it on guild and "
         "global commands)"),
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


# -- near every limit: commands for the differential test (tests/integration/test_rules_vs_emulator.py) --
#
# A generated command sits at its limits (lengths, counts and bounds at their maximum, names at both ends of
# the pattern, any nesting, localizations) and almost never past one (``edge``), so that one aimed limit
# (``AIMS``, below), at the limit or one past it, decides the verdict: a disagreement on one rule is not hidden
# behind another rule's error.

INTEGER_LIMIT, NUMBER_LIMIT = 2**53 - 1, 2**53
# Characters on both sides of the name pattern. Valid: letters, digits, -, _, ʼ, Devanagari and Thai signs that
# belong to those scripts (U+0901, U+093C, U+0E31, U+0E47) and Devanagari Extended (U+A8E0, U+A8F2). Invalid:
# the block neighbours outside the scripts (dandas U+0964-0965 are Common, stress signs U+0951-0952 Inherited,
# baht U+0E3F Common, U+0E3B and U+0E5C unassigned), uppercase, ASCII apostrophe, spaces, emoji, joiners.
NAME_CHARS_OK = "abcxyz0189-_\u02bcピンกันमस्\u0901\u093c\u0e31\u0e47\ua8e0\ua8f2"
NAME_CHARS_BAD = "A'É .!\u0964\u0965\u0951\u0952\u0e3f\u0e3b\u0e5c\u200d🎉"
LOCALES_OK = ("de", "fr", "ja", "hi", "th", "en-US")
LOCALES_BAD = ("en", "xx", "he", "ar")  # he and ar: only in the OpenAPI spec (a warning; Discord takes them)
OPTION_NAME_POOL = ("user", "nutzer", "member", "b")  # localized names drawn from it clash now and then


def edge(draw: st.DrawFn, ok: Sequence[Any], bad: Sequence[Any], odds: int = 300) -> Any:
    """A value at a limit (``ok``), or one past it (``bad``) about once in ``odds`` draws."""
    return draw(st.sampled_from(bad)) if bad and _sometimes(draw, odds) else draw(st.sampled_from(ok))


def _sized(draw: st.DrawFn, length: int, alphabet: str) -> str:
    return draw(st.text(alphabet=alphabet, min_size=length, max_size=length))


@st.composite
def near_names(draw: st.DrawFn, slash: bool = True) -> str:
    """A name of 1-32 characters at the edges (now and then 0 or 33), now and then one character invalid."""
    name = _sized(draw, edge(draw, [1, 2, 8, 31, 32], [0, 33]), NAME_CHARS_OK + ("" if slash else "ABC Report"))
    if name and slash and _sometimes(draw):
        at = draw(st.integers(0, len(name) - 1))
        name = name[:at] + draw(st.sampled_from(NAME_CHARS_BAD)) + name[at + 1 :]
    return name


@st.composite
def near_text(draw: st.DrawFn, low: int, high: int) -> str:
    """A string of ``low``-``high`` characters at either end, now and then one past an end."""
    bad = [n for n in (low - 1, high + 1) if n >= 0]
    return _sized(draw, edge(draw, sorted({low, low + 1, high}), bad), "dé文 ")


@st.composite
def near_localizations(draw: st.DrawFn, values: st.SearchStrategy[str]) -> dict[str, str]:
    locales = [edge(draw, LOCALES_OK, LOCALES_BAD) for _ in range(draw(st.integers(1, 2)))]
    return {locale: draw(values) for locale in locales}


def _maybe(draw: st.DrawFn, target: dict[str, Any], key: str, values: st.SearchStrategy[Any]) -> None:
    if draw(st.integers(0, 2)) == 0:
        target[key] = draw(values)


def _sometimes(draw: st.DrawFn, odds: int = 300) -> bool:
    """True about once in ``odds + 1`` draws: a value in the middle, since Hypothesis favours the bounds."""
    return draw(st.integers(0, odds)) == odds // 2 + 1


@st.composite
def near_choices(draw: st.DrawFn, kind: int, count: int | None = None, width: int | None = None) -> list[Any]:
    n = edge(draw, [1, 2, 25], [26]) if count is None else count
    out: list[dict[str, Any]] = []
    for index in range(n):
        value: Any
        if width is not None:  # the size limit: name and value of ``width`` characters each
            name, value = f"{index:02d}".ljust(width, "n"), f"{index:02d}".ljust(width, "v")
        elif index >= 2:
            name, value = f"c{index}", f"v{index}" if kind == 3 else index + (10 if kind == 4 else 0.25)
        else:
            name = draw(near_text(1, 100))
            if kind == 3:
                value = draw(near_text(0, 100))
            elif kind == 4:
                value = edge(draw, [0, -1, INTEGER_LIMIT, -INTEGER_LIMIT], [INTEGER_LIMIT + 1, -INTEGER_LIMIT - 1])
            else:
                value = edge(draw, [0.5, float(NUMBER_LIMIT), -float(NUMBER_LIMIT)], [float(NUMBER_LIMIT + 2)])
        choice: dict[str, Any] = {"name": name, "value": value}
        if index == 0:
            _maybe(draw, choice, "name_localizations", near_localizations(near_text(1, 100)))
        out.append(choice)
    return out


@st.composite
def near_option(draw: st.DrawFn, kind: int, name: str, required: bool) -> dict[str, Any]:
    """A plain option (types 3-11) with its type's fields near their limits."""
    option: dict[str, Any] = {"type": kind, "name": name, "description": draw(near_text(1, 100))}
    _maybe(draw, option, "name_localizations", near_localizations(st.sampled_from(OPTION_NAME_POOL)))
    _maybe(draw, option, "description_localizations", near_localizations(near_text(1, 100)))
    if required:
        option["required"] = True
    if kind in (3, 4, 10) and draw(st.booleans()):
        option["choices"] = draw(near_choices(kind))
        if "choices" not in option or _sometimes(draw):
            _maybe(draw, option, "autocomplete", st.booleans())
    if kind == 3:
        _maybe(draw, option, "min_length", st.just(edge(draw, [0, 1, 6000], [-1, 6001])))
        _maybe(draw, option, "max_length", st.just(edge(draw, [1, 6000], [0, 6001])))
    if kind in (4, 10):
        limit = INTEGER_LIMIT if kind == 4 else NUMBER_LIMIT
        for key in ("min_value", "max_value"):
            _maybe(draw, option, key, st.just(edge(draw, [-limit, 0, limit], [limit + 2, -limit - 2])))
    if kind == 7:
        _maybe(draw, option, "channel_types", st.just(edge(draw, [[0], [0, 2, 5, 15, 16], []], [[0, 6], [17], [0, 0]])))
    if kind == 11:
        many = [f".e{i}" for i in range(10)]
        lists = [[".pdf"], ["image", ".tar.gz", "VIDEO"], many, [".pdf", ".PDF"]]
        _maybe(draw, option, "file_types", st.just(edge(draw, lists, [[*many, ".e10"], ["png"], ["."]])))
    return option


PLAIN_KINDS = (3, 3, 4, 10, 5, 6, 7, 8, 9, 11)


@st.composite
def near_plain_level(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Plain options: 0-3 of any type, or 25 (now and then 26); required ones first (now and then not)."""
    if _sometimes(draw, 6):
        return [opt(3, f"o{i}") for i in range(25)]
    count = draw(st.integers(0, 3))
    required = draw(st.integers(0, count))
    out = [
        draw(near_option(draw(st.sampled_from(PLAIN_KINDS)), f"o{index}", index < required)) for index in range(count)
    ]
    if out and _sometimes(draw):  # one past the rules: a duplicate name, or required after optional
        if _sometimes(draw, 1) and len(out) > 1:
            out[-1]["name"] = out[0]["name"]
        else:
            out[-1]["required"] = True
    return out


@st.composite
def near_level(draw: st.DrawFn, depth: int = 0) -> list[dict[str, Any]]:
    """The command's options: plain ones, or subcommands and groups (now and then wrongly nested)."""
    if depth == 0 and draw(st.booleans()):
        return draw(near_plain_level())
    items: list[dict[str, Any]] = []
    for index in range(draw(st.integers(1, 3))):
        kind = 1 if depth > 0 or draw(st.integers(0, 2)) else 2
        item: dict[str, Any] = {"type": kind, "name": f"{'group' if kind == 2 else 'sub'}{index}", "description": "Sub"}
        _maybe(draw, item, "name_localizations", near_localizations(st.sampled_from(OPTION_NAME_POOL)))
        if _sometimes(draw):
            item["required"] = True
        item["options"] = draw(near_plain_level()) if kind == 1 else draw(near_level(depth + 1))
        items.append(item)
    if _sometimes(draw):  # nesting one step wrong: a plain option beside subcommands, a group in a group
        items.append(opt(3, "loose") if depth == 0 else {"type": 2, "name": "inner", "description": "d", "options": []})
    return items


@st.composite
def near_command(draw: st.DrawFn) -> dict[str, Any]:
    """One command of any type, its fields near their limits (lengths, counts, bounds, patterns, nesting,
    localizations, the 8000-character size)."""
    kind = draw(st.sampled_from([1, 1, 1, 1, 2, 3, 4]))
    command: dict[str, Any] = {"name": draw(near_names(kind == 1)), "contexts": [0], "integration_types": [0]}
    if kind != 1 or draw(st.booleans()):
        command["type"] = kind
    if kind == 1:
        command["description"] = draw(near_text(1, 100))
        if _sometimes(draw, 5):  # two options of 25 choices, names and values of 78-79 characters: under 8000
            width = draw(st.sampled_from([78, 79]))
            command["options"] = [opt(3, f"o{i}", choices=draw(near_choices(3, 25, width))) for i in range(2)]
        else:
            command["options"] = draw(near_level())
        _maybe(draw, command, "description_localizations", near_localizations(near_text(1, 100)))
    elif kind == 4:
        command["description"] = draw(near_text(0, 100))
        _maybe(draw, command, "handler", st.just(edge(draw, [1, 2], [3])))
    elif _sometimes(draw):
        command[draw(st.sampled_from(["description", "options", "handler"]))] = draw(
            st.sampled_from(["Reports", [opt()], 1])
        )
    _maybe(draw, command, "name_localizations", near_localizations(near_names(kind == 1)))
    permissions = ["0", "8", str(2**53), str(2**54 - 1), None]
    _maybe(
        draw,
        command,
        "default_member_permissions",
        st.just(edge(draw, permissions, ["0x8", str(2**54), str(2**64 - 1)])),
    )
    contexts = [[0], [0, 1, 2], [1]]
    _maybe(draw, command, "contexts", st.just(edge(draw, contexts, [[], [0, 3], [0, 0]])))
    _maybe(draw, command, "integration_types", st.just(edge(draw, [[0], [0, 1], [1]], [[], [2], [1, 1]])))
    _maybe(draw, command, "nsfw", st.booleans())
    _maybe(draw, command, "default_permission", st.booleans())
    return command


def _scope_key(command: dict[str, Any]) -> tuple[Any, ...]:
    """What must be unique in one scope: a name per type, and one entry point."""
    kind = command.get("type", 1)
    return (kind,) if kind == 4 else (kind, command["name"])


# One limit aimed at per command: at the limit or one past it, at a level the command has (the command, a
# subcommand, a group, an option, a choice, a localization). The background above rarely breaks anything, so
# the default run meets every limit from both sides.
# In \p{sc=Deva} / \p{sc=Thai}, and in their Unicode blocks but not in the scripts.
_SCRIPT_OK = {"deva": "\u0901\u093c\u0950\u0955\u0966\ua8e0\ua8f2", "thai": "\u0e01\u0e31\u0e47\u0e5b"}
_SCRIPT_BAD = {"deva": "\u0964\u0965\u0951\u0952\u0953\u0954", "thai": "\u0e3f\u0e3b\u0e00\u0e5c"}


def _nodes(command: dict[str, Any]) -> list[dict[str, Any]]:
    """The command and every option under it, at every depth."""
    found = [command]
    for option in command.get("options") or []:
        found += _nodes(option)
    return found


def _plain(draw: st.DrawFn, command: dict[str, Any], kind: int) -> dict[str, Any]:
    """A plain option of ``kind`` somewhere in a slash command: an existing one, or a new one where plain options
    may sit (the top level, or the first subcommand found)."""
    found = [o for o in _nodes(command)[1:] if o.get("type") == kind]
    if found:
        return found[draw(st.integers(0, len(found) - 1))]
    parents = [n for n in _nodes(command) if n.get("type") == 1 and n is not command]
    top = command.setdefault("options", [])
    parent = parents[0] if any(o.get("type") in (1, 2) for o in top) and parents else command
    if parent is command and any(o.get("type") in (1, 2) for o in top):  # only groups: put a subcommand in one
        parent = {"type": 1, "name": "extra", "description": "Sub", "options": []}
        top.append(parent)
    option = {"type": kind, "name": "target", "description": "Aimed at"}
    parent.setdefault("options", []).append(option)
    return option


@st.composite
def aimed_command(draw: st.DrawFn, aim: str, past: bool) -> dict[str, Any]:
    """A command near its limits, with ``aim`` set at its limit, or one past it when ``past``."""
    command = draw(near_command())
    if aim not in AIMS_ANY_TYPE:  # the aim needs options: a slash command
        command["type"] = 1
        command.pop("handler", None)
        command["name"] = "aimed"
        command.setdefault("description", "Aimed at one limit")
        command.setdefault("options", [])
    AIMS[aim](draw, command, past)
    return command


def _aim_name_length(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    node = draw(st.sampled_from(_nodes(command)))
    node["name"] = ("n" * 33 if past else "n" * 32)[: 33 if past else 32]


def _script_char(draw: st.DrawFn, past: bool) -> str:
    script = draw(st.sampled_from(["deva", "thai"]))
    return "क" + draw(st.sampled_from(_SCRIPT_BAD[script] if past else _SCRIPT_OK[script]))


def _aim_name_script(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    draw(st.sampled_from(_nodes(command)))["name"] = _script_char(draw, past)


def _aim_localized_name(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    node = draw(st.sampled_from(_nodes(command)))
    slash = command.get("type", 1) == 1
    node["name_localizations"] = {"hi": _script_char(draw, past) if slash else ("N" * (33 if past else 32))}


def _aim_choice_value(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    # No minimum (docs, spec, JDA issue 3084): "" is at the limit, as is a value of 100 characters.
    option = _plain(draw, command, 3)
    option.pop("autocomplete", None)
    option["choices"] = [{"name": "none", "value": "v" * 101 if past else ""}, {"name": "full", "value": "v" * 100}]


def _aim_locale(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    locale = draw(st.sampled_from(["xx", "en"] if past else ["ja", "he", "ar", "es-419"]))
    command["name_localizations"] = {locale: command["name"]}


def _aim_description(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    node = draw(st.sampled_from(_nodes(command)))
    text = "d" * (101 if past else 100)
    if draw(st.booleans()):
        node["description"] = text
    else:
        node["description_localizations"] = {"de": text}


def _aim_choices(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    kind = draw(st.sampled_from([3, 4, 10]))
    option = _plain(draw, command, kind)
    option.pop("autocomplete", None)
    aim = draw(st.sampled_from(["count", "name", "value", "localized"]))
    choices = [{"name": f"c{i}", "value": f"v{i}" if kind == 3 else i} for i in range(26 if past else 25)]
    if aim != "count":
        choices = choices[:2]
        if aim == "name":
            choices[1]["name"] = "n" * (101 if past else 100)
        elif aim == "localized":
            choices[1]["name_localizations"] = {"de": "" if past else "n" * 100}
        elif kind == 3:
            choices[1]["value"] = "v" * 101 if past else draw(st.sampled_from(["", "v" * 100]))
        elif kind == 4:
            choices[1]["value"] = (INTEGER_LIMIT + 1 if past else INTEGER_LIMIT) * draw(st.sampled_from([1, -1]))
        else:
            choices[1]["value"] = float(NUMBER_LIMIT + 2 if past else NUMBER_LIMIT) * draw(st.sampled_from([1, -1]))
    option["choices"] = choices


def _aim_bounds(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    kind = draw(st.sampled_from([3, 4, 10]))
    option = _plain(draw, command, kind)
    for key in ("min_length", "max_length", "min_value", "max_value"):
        option.pop(key, None)
    if kind == 3:
        key = draw(st.sampled_from(["min_length", "max_length"]))
        low = 0 if key == "min_length" else 1
        option[key] = draw(st.sampled_from([low - 1, 6001] if past else [low, 6000]))
    else:
        limit = INTEGER_LIMIT if kind == 4 else NUMBER_LIMIT
        option[draw(st.sampled_from(["min_value", "max_value"]))] = (limit + 1 if past else limit) * draw(
            st.sampled_from([1, -1])
        )


def _aim_file_types(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    _plain(draw, command, 11)["file_types"] = [f".e{i}" for i in range(11 if past else 10)]


def _aim_channel_types(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    _plain(draw, command, 7)["channel_types"] = [0, draw(st.sampled_from([6, 17]))] if past else [0, 16]


def _aim_option_count(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    levels = [
        n
        for n in _nodes(command)
        if n.get("type", 1) == 1 and not any(o.get("type") in (1, 2) for o in n.get("options") or [])
    ]
    node = draw(st.sampled_from(levels))
    node["options"] = [opt(3, f"o{i}") for i in range(26 if past else 25)]


def _aim_nesting(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    inner: dict[str, Any] = {"type": 2 if past else 1, "name": "inner", "description": "d", "options": []}
    if past:
        inner["options"] = [opt(1, "leaf")]
    command["options"] = [opt(2, "grp", options=[inner])]


def _aim_required_order(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    node = draw(
        st.sampled_from([n for n in _nodes(command) if n.get("type", 1) == 1 and n is not command] or [command])
    )
    node["options"] = [opt(3, "a", required=not past), opt(3, "b", required=past)]


def _aim_permissions(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    command["default_member_permissions"] = str(2**54 if past else 2**54 - 1)


def _aim_contexts(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    key = draw(st.sampled_from(["contexts", "integration_types"]))
    command[key] = ([] if past else [0, 1, 2]) if key == "contexts" else ([2] if past else [0, 1])


def _aim_size(draw: st.DrawFn, command: dict[str, Any], past: bool) -> None:
    # Two options of 25 choices whose names and values are 79 (under 8000 in all) or 81 characters (over).
    width = 81 if past else 79
    command["options"] = [opt(3, f"o{i}", choices=draw(near_choices(3, 25, width))) for i in range(2)]
    command.pop("name_localizations", None)
    command.pop("description_localizations", None)


_ANY_TYPE = [_aim_name_length, _aim_locale, _aim_permissions, _aim_contexts, _aim_localized_name]
_SLASH = [
    _aim_name_script, _aim_description, _aim_choices, _aim_choice_value, _aim_bounds, _aim_file_types,
    _aim_channel_types, _aim_option_count, _aim_nesting, _aim_required_order, _aim_size,
]  # fmt: skip
AIMS = {aim.__name__.removeprefix("_aim_"): aim for aim in [*_ANY_TYPE, *_SLASH]}
AIMS_ANY_TYPE = {aim.__name__.removeprefix("_aim_") for aim in _ANY_TYPE}


def near_command_sets(aim: str, past: bool) -> st.SearchStrategy[list[dict[str, Any]]]:
    """One to three commands, the first aimed at ``aim``; now and then two of one type share a name, which Discord
    refuses in one scope."""
    first = aimed_command(aim, past)
    single = first.map(lambda command: [command])
    several = st.tuples(first, st.lists(near_command(), max_size=2)).map(lambda pair: [pair[0], *pair[1]])
    twins = first.map(lambda command: [command, {**command, "nsfw": True}])
    return st.one_of(single, single, several, twins)
