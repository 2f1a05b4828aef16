"""Shared by several test modules (moved out of test_rules.py, so no test reads another's globals)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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
