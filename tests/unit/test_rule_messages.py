"""Every message the validator writes, whole: the words a user reads to fix a command file.

One case per message branch of commands/rules.py, from the command file's JSON to the exact problems it gets
(severity, rule, path, message), so a changed word, a lost hint or an extra problem fails here. The limits
themselves are tested at their boundaries in test_rule_boundaries.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from alia_action.commands.loader import parse_command_file
from alia_action.commands.rules import check_commands, slash_name_errors
from tests.support.rule_cases import DROP, cmd, entry, opt, user

Expected = list[tuple[str, str, str, str]]


def found(commands: Any) -> Expected:
    """The problems of ``commands``, read from real JSON text like a command file."""
    result = parse_command_file("cmds/x.json", json.dumps(commands, indent=2).encode())
    assert result.problems == []
    return [(p.severity, p.rule, p.path, p.message) for p in check_commands(result.commands)]


MESSAGES = [
    pytest.param(
        cmd(name="a b!c?d."),
        [
            (
                "error",
                "name.pattern",
                "a b!c?d..name",
                'name "a b!c?d." contains " " (U+0020 SPACE), "!" (U+0021 EXCLAMATION MARK), "?" (U+003F '
                "QUESTION MARK), …; slash-command names allow only letters, numbers, -, _ and ʼ",
            ),
        ],
        id="name-many-bad-chars",
    ),
    pytest.param(
        cmd(name="isn't"),
        [
            (
                "error",
                "name.pattern",
                "isn't.name",
                'name "isn\'t" contains "\'" (U+0027 APOSTROPHE); slash-command names allow only letters, '
                "numbers, -, _ and ʼ (Discord refuses the ASCII apostrophe ': write ʼ, U+02BC MODIFIER "
                "LETTER APOSTROPHE)",
            ),
        ],
        id="name-ascii-apostrophe",
    ),
    pytest.param(
        cmd(name="cafe\u0301"),
        [
            (
                "error",
                "name.pattern",
                "café.name",
                'name "café" contains "́" (U+0301 COMBINING ACUTE ACCENT); slash-command names allow '
                "only letters, numbers, -, _ and ʼ (its NFC form, with combined accents, would pass)",
            ),
        ],
        id="name-decomposed-accent",
    ),
    pytest.param(
        cmd(name="P" * 45),
        [
            (
                "error",
                "name.length",
                "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP.name",
                'name "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP…" is 45 characters; Discord allows 1-32',
            ),
            (
                "error",
                "name.lowercase",
                "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP.name",
                'name "PPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPPP…" must be lowercase (Discord rejects '
                "uppercase letters in slash-command names)",
            ),
        ],
        id="name-uppercase-long",
    ),
    pytest.param(
        cmd(options=[opt(name="")]),
        [
            (
                "error",
                "name.length",
                "ping.options[0].name",
                "name is empty; Discord needs 1-32 characters",
            ),
        ],
        id="name-empty-option",
    ),
    pytest.param(
        user(name="R" * 33),
        [
            (
                "error",
                "name.length",
                "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR.name",
                'name "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR" is 33 characters; Discord allows 1-32',
            ),
        ],
        id="user-name-33",
    ),
    pytest.param(
        cmd(name_localizations={"de_DE": "pingen"}),
        [
            (
                "error",
                "localizations.locale",
                "ping.name_localizations.de_DE",
                'unknown locale "de_DE" (did you mean "de"?)',
            ),
        ],
        id="locale-unknown-with-guess",
    ),
    pytest.param(
        cmd(name_localizations={"xx": "pingen"}),
        [
            (
                "error",
                "localizations.locale",
                "ping.name_localizations.xx",
                'unknown locale "xx"',
            ),
        ],
        id="locale-unknown-no-guess",
    ),
    pytest.param(
        cmd(name_localizations={"ar": "p"}),
        [
            (
                "warning",
                "localizations.locale",
                "ping.name_localizations.ar",
                'locale "ar" is listed only in the OpenAPI spec, not in Discord\'s docs; Discord may reject it',
            ),
        ],
        id="locale-spec-only",
    ),
    pytest.param(
        entry(options=[opt()]),
        [
            (
                "error",
                "entry-point.options",
                "launch.options",
                "PRIMARY_ENTRY_POINT commands cannot have options",
            ),
        ],
        id="entry-point-options",
    ),
    pytest.param(
        user(options=[opt()]),
        [
            (
                "error",
                "options.forbidden",
                "Report.options",
                "USER commands cannot have options; only CHAT_INPUT commands do",
            ),
        ],
        id="user-options",
    ),
    pytest.param(
        {
            "type": 3,
            "name": "Quote",
            "description": "Quotes it",
            "description_localizations": {"de": "Zitat"},
            "contexts": [0],
            "integration_types": [0],
        },
        [
            (
                "error",
                "description.forbidden",
                "Quote.description",
                'MESSAGE commands cannot have a description; remove it (found "Quotes it")',
            ),
            (
                "error",
                "description.forbidden",
                "Quote.description_localizations",
                "MESSAGE commands cannot have description_localizations; remove them",
            ),
        ],
        id="message-description",
    ),
    pytest.param(
        cmd(description=DROP),
        [
            (
                "error",
                "description.required",
                "ping.description",
                "description is missing; slash commands need 1-100 characters",
            ),
        ],
        id="description-missing",
    ),
    pytest.param(
        cmd(options=[opt(description="")]),
        [
            (
                "error",
                "description.required",
                "ping.options[0].description",
                "description is empty; options need 1-100 characters",
            ),
        ],
        id="description-empty-option",
    ),
    pytest.param(
        cmd(description="d" * 101),
        [
            (
                "error",
                "description.length",
                "ping.description",
                "description is 101 characters; Discord allows at most 100",
            ),
        ],
        id="description-101",
    ),
    pytest.param(
        cmd(description_localizations={"de": ""}),
        [
            (
                "error",
                "description.length",
                "ping.description_localizations.de",
                "description_localizations.de is 0 characters; Discord allows 1-100",
            ),
        ],
        id="description-localized-0",
    ),
    pytest.param(
        cmd(options=[opt(name=f"o{i}") for i in range(26)]),
        [
            (
                "error",
                "options.count",
                "ping.options",
                "26 options at this level; Discord allows at most 25",
            ),
        ],
        id="options-26",
    ),
    pytest.param(
        cmd(options=[opt(name="a"), opt(name="b"), opt(name="a")]),
        [
            (
                "error",
                "options.unique",
                "ping.options[2].name",
                'option name "a" is already used at this level (options[0]); names must be unique per level',
            ),
        ],
        id="options-unique",
    ),
    pytest.param(
        cmd(options=[opt(name="user"), opt(name="target", name_localizations={"de": "user"})]),
        [
            (
                "warning",
                "localizations.option-clash",
                "ping.options[1].name_localizations.de",
                'localized name "user" (de) equals the name of option ping.options[0]; the docs want '
                "localized option names distinct from every other option name of the command (AC:1086)",
            ),
        ],
        id="option-clash-default",
    ),
    pytest.param(
        cmd(
            options=[
                opt(1, "ban", options=[opt(name="user", name_localizations={"de": "nutzer"})]),
                opt(1, "kick", options=[opt(name="member", name_localizations={"de": "nutzer"})]),
            ]
        ),
        [
            (
                "warning",
                "localizations.option-clash",
                "ping.options[1].options[0].name_localizations.de",
                'localized name "nutzer" (de) equals the de name of option ping.options[0].options[0]; '
                "the docs want localized option names distinct from every other option name of the "
                "command (AC:1086)",
            ),
        ],
        id="option-clash-locale",
    ),
    pytest.param(
        cmd(options=[opt(2, "grp", options=[opt(3, "text")])]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[0].options[0].type",
                'subcommand group "grp" holds only subcommands, found STRING "text" (plain options must '
                "sit in a subcommand)",
            ),
        ],
        id="group-holds-plain",
    ),
    pytest.param(
        cmd(options=[opt(2, "grp", options=[opt(2, "inner", options=[opt(1, "s")])])]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[0].options[0].type",
                'subcommand group "grp" holds only subcommands, found SUB_COMMAND_GROUP "inner" (groups '
                "cannot be nested)",
            ),
        ],
        id="group-holds-group",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub", options=[opt(1, "inner")])]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[0].options[0].type",
                'subcommand "sub" holds only plain options, found SUB_COMMAND "inner"',
            ),
        ],
        id="subcommand-holds-subcommand",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub"), opt(3, "text")]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[1].type",
                'STRING option "text" sits beside subcommands; a command with subcommands has only '
                "subcommands and groups at its top level",
            ),
        ],
        id="plain-beside-subcommand",
    ),
    pytest.param(
        cmd(options=[opt(name="a"), opt(name="b", required=True)]),
        [
            (
                "error",
                "options.required-order",
                "ping.options[1].required",
                'required option "b" comes after optional option "a"; Discord wants required options first',
            ),
        ],
        id="required-after-optional",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub", required=True)]),
        [
            (
                "error",
                "options.required-on-subcommand",
                "ping.options[0].required",
                "required cannot be set on a SUB_COMMAND option; remove it",
            ),
        ],
        id="required-on-subcommand",
    ),
    pytest.param(
        cmd(options=[opt(12)]),
        [
            (
                "error",
                "type.value",
                "ping.options[0].type",
                "type 12 is not an option type (1-11)",
            ),
        ],
        id="option-type-bad",
    ),
    pytest.param(
        cmd(type=5),
        [
            (
                "error",
                "type.value",
                "ping.type",
                "type 5 is not a command type (1-4)",
            ),
        ],
        id="command-type-bad",
    ),
    pytest.param(
        cmd(options=[opt(5, "flag", min_length=2)]),
        [
            (
                "error",
                "option.field",
                "ping.options[0].min_length",
                "min_length is not allowed on options of type BOOLEAN",
            ),
        ],
        id="option-field-wrong-type",
    ),
    pytest.param(
        cmd(options=[opt(3, min_length=-1, max_length=6001)]),
        [
            (
                "error",
                "option.length-range",
                "ping.options[0].min_length",
                "min_length must be 0-6000, found -1",
            ),
            (
                "error",
                "option.length-range",
                "ping.options[0].max_length",
                "max_length must be 1-6000, found 6001",
            ),
        ],
        id="length-range",
    ),
    pytest.param(
        cmd(options=[opt(3, min_length=6, max_length=5)]),
        [
            (
                "error",
                "option.length-order",
                "ping.options[0].max_length",
                "max_length 5 is less than min_length 6",
            ),
        ],
        id="length-order",
    ),
    pytest.param(
        cmd(options=[opt(4, min_value=1.5, max_value=2**53)]),
        [
            (
                "error",
                "option.value-range",
                "ping.options[0].min_value",
                "min_value must be an integer for an INTEGER option, found 1.5",
            ),
            (
                "error",
                "option.value-range",
                "ping.options[0].max_value",
                "max_value must be within ±9007199254740991, found 9007199254740992",
            ),
        ],
        id="value-range-int-float",
    ),
    pytest.param(
        cmd(options=[opt(10, min_value=-(2**53) - 1)]),
        [
            (
                "error",
                "option.value-range",
                "ping.options[0].min_value",
                "min_value must be within ±9007199254740992, found -9007199254740993",
            ),
        ],
        id="value-range-number",
    ),
    pytest.param(
        cmd(options=[opt(10, min_value=2.5, max_value=1.5)]),
        [
            (
                "error",
                "option.value-order",
                "ping.options[0].max_value",
                "max_value 1.5 is less than min_value 2.5",
            ),
        ],
        id="value-order",
    ),
    pytest.param(
        cmd(options=[opt(3, choices=[{"name": f"c{i}", "value": f"v{i}"} for i in range(26)])]),
        [
            (
                "error",
                "choices.count",
                "ping.options[0].choices",
                "26 choices; Discord allows at most 25",
            ),
        ],
        id="choices-26",
    ),
    pytest.param(
        cmd(options=[opt(3, autocomplete=True, choices=[{"name": "c", "value": "v"}])]),
        [
            (
                "error",
                "choices.autocomplete",
                "ping.options[0].autocomplete",
                "autocomplete cannot be true on an option with choices; use one or the other",
            ),
        ],
        id="choices-autocomplete",
    ),
    pytest.param(
        cmd(options=[opt(3, choices=[{"name": "", "name_localizations": {"de": "n" * 101}, "value": "v"}])]),
        [
            (
                "error",
                "choices.name",
                "ping.options[0].choices[0].name",
                "choice name is 0 characters; Discord allows 1-100",
            ),
            (
                "error",
                "choices.name",
                "ping.options[0].choices[0].name_localizations.de",
                "name_localizations.de is 101 characters; Discord allows 1-100",
            ),
        ],
        id="choice-name-0-and-loc-101",
    ),
    pytest.param(
        cmd(options=[opt(3, choices=[{"name": "c", "value": "v" * 101}])]),
        [
            (
                "error",
                "choices.value-length",
                "ping.options[0].choices[0].value",
                "choice value is 101 characters; Discord allows at most 100",
            ),
        ],
        id="choice-string-value-101",
    ),
    pytest.param(
        cmd(options=[opt(3, choices=[{"name": "c", "value": 1}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                "choices of a STRING option need string values, found the number 1",
            ),
        ],
        id="choice-string-value-number",
    ),
    pytest.param(
        cmd(options=[opt(4, choices=[{"name": "c", "value": "1"}, {"name": "d", "value": 1.5}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                'choices of an INTEGER option need integer values, found the string "1"',
            ),
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[1].value",
                "choices of an INTEGER option need integer values, found the number 1.5",
            ),
        ],
        id="choice-integer-value-string-float",
    ),
    pytest.param(
        cmd(options=[opt(4, choices=[{"name": "c", "value": 2**53}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                "choice value must be an integer within ±9007199254740991, found 9007199254740992",
            ),
        ],
        id="choice-integer-value-range",
    ),
    pytest.param(
        cmd(options=[opt(10, choices=[{"name": "c", "value": "1"}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                'choices of a NUMBER option need number values, found the string "1"',
            ),
        ],
        id="choice-number-value-string",
    ),
    pytest.param(
        cmd(options=[opt(10, choices=[{"name": "c", "value": -(2**53) - 1}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                "choice value must be a number within ±9007199254740992, found -9007199254740993",
            ),
        ],
        id="choice-number-value-range",
    ),
    pytest.param(
        cmd(options=[opt(7, channel_types=[0, 6, 0])]),
        [
            (
                "error",
                "channel_types.value",
                "ping.options[0].channel_types[1]",
                "channel type 6 is not one Discord knows (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16)",
            ),
            (
                "error",
                "channel_types.value",
                "ping.options[0].channel_types[2]",
                "channel type 0 is listed twice",
            ),
        ],
        id="channel-types",
    ),
    pytest.param(
        cmd(options=[opt(11, file_types=[f".e{i}" for i in range(10)] + [".E1", "png"])]),
        [
            (
                "error",
                "file_types.count",
                "ping.options[0].file_types",
                "12 file types; Discord allows at most 10",
            ),
            (
                "warning",
                "file_types.unique",
                "ping.options[0].file_types[10]",
                'file type ".E1" is listed twice (file types are case-insensitive); remove the repeat',
            ),
            (
                "error",
                "file_types.value",
                "ping.options[0].file_types[11]",
                'file type "png" must be image, video, audio or an extension such as ".png"',
            ),
        ],
        id="file-types",
    ),
    pytest.param(
        cmd(handler=1),
        [
            (
                "error",
                "entry-point.handler",
                "ping.handler",
                "handler is only for PRIMARY_ENTRY_POINT commands",
            ),
        ],
        id="handler-on-chat-input",
    ),
    pytest.param(
        entry(handler=3),
        [
            (
                "error",
                "entry-point.handler",
                "launch.handler",
                "handler must be 1 (APP_HANDLER) or 2 (DISCORD_LAUNCH_ACTIVITY), found 3",
            ),
        ],
        id="handler-bad",
    ),
    pytest.param(
        cmd(ownerOnly=True),
        [
            (
                "warning",
                "project.ownerOnly",
                "ping.ownerOnly",
                "ownerOnly is never sent to Discord, so every member sees the command: add "
                '"default_member_permissions": "0" to hide it from all but administrators (the bot still '
                "checks the owner when it runs)",
            ),
        ],
        id="owner-only",
    ),
    pytest.param(
        entry(developmentOnly=True),
        [
            (
                "error",
                "project.developmentOnly",
                "launch.developmentOnly",
                "a PRIMARY_ENTRY_POINT command cannot be developmentOnly: it is global-only, so it could "
                "never be deployed",
            ),
        ],
        id="entry-development-only",
    ),
    pytest.param(
        cmd(renamedFrom="ping"),
        [
            (
                "error",
                "project.renamedFrom",
                "ping.renamedFrom",
                'renamedFrom "ping" equals the current name; remove it',
            ),
        ],
        id="renamed-from-self",
    ),
    pytest.param(
        cmd(renamedFrom="Old Name"),
        [
            (
                "error",
                "project.renamedFrom",
                "ping.renamedFrom",
                'renamedFrom "Old Name" contains " " (U+0020 SPACE); slash-command names allow only '
                "letters, numbers, -, _ and ʼ (it must be a valid old name)",
            ),
            (
                "error",
                "project.renamedFrom",
                "ping.renamedFrom",
                'renamedFrom "Old Name" must be lowercase (Discord rejects uppercase letters in '
                "slash-command names) (it must be a valid old name)",
            ),
        ],
        id="renamed-from-invalid",
    ),
    pytest.param(
        cmd(default_member_permissions="0x8"),
        [
            (
                "error",
                "permissions.bitfield",
                "ping.default_member_permissions",
                'default_member_permissions "0x8" must be a decimal permission bitfield such as "8", or '
                "null for everyone",
            ),
        ],
        id="permissions-not-decimal",
    ),
    pytest.param(
        cmd(default_member_permissions=str(2**54)),
        [
            (
                "error",
                "permissions.bitfield",
                "ping.default_member_permissions",
                'default_member_permissions "18014398509481984" is above 18014398509481983 (2^54-1), the '
                "largest bitfield Discord takes",
            ),
        ],
        id="permissions-too-big",
    ),
    pytest.param(
        cmd(default_member_permissions=8),
        [
            (
                "warning",
                "permissions.string",
                "ping.default_member_permissions",
                'default_member_permissions is the number 8; Discord documents a decimal string: "8"',
            ),
        ],
        id="permissions-number",
    ),
    pytest.param(
        cmd(default_member_permissions=-8),
        [
            (
                "warning",
                "permissions.string",
                "ping.default_member_permissions",
                'default_member_permissions is the number -8; Discord documents a decimal string: "-8"',
            ),
            (
                "error",
                "permissions.bitfield",
                "ping.default_member_permissions",
                'default_member_permissions "-8" must be a decimal permission bitfield such as "8", or '
                "null for everyone",
            ),
        ],
        id="permissions-negative-number",
    ),
    pytest.param(
        cmd(contexts=[]),
        [
            (
                "error",
                "contexts.value",
                "ping.contexts",
                "contexts is empty; list at least one, or omit it",
            ),
        ],
        id="contexts-empty",
    ),
    pytest.param(
        cmd(contexts=[0, 3, 0], integration_types=[0, 2, 0]),
        [
            (
                "error",
                "contexts.value",
                "ping.contexts[1]",
                "contexts value 3 is not one of 0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL",
            ),
            (
                "error",
                "contexts.value",
                "ping.contexts[2]",
                "contexts lists 0 twice",
            ),
            (
                "error",
                "integration_types.value",
                "ping.integration_types[1]",
                "integration_types value 2 is not one of 0 GUILD_INSTALL, 1 USER_INSTALL",
            ),
            (
                "error",
                "integration_types.value",
                "ping.integration_types[2]",
                "integration_types lists 0 twice",
            ),
        ],
        id="contexts-bad-and-twice",
    ),
    pytest.param(
        cmd(contexts=[0, 1], developmentOnly=True),
        [
            (
                "warning",
                "contexts.guild-bot-dm",
                "ping.contexts[1]",
                "contexts includes 1 (BOT_DM), which has no effect: a developmentOnly command is "
                "deployed only to the staging guild",
            ),
        ],
        id="contexts-bot-dm-development-only",
    ),
    pytest.param(
        cmd(dm_permission=True),
        [
            (
                "warning",
                "deprecated.dm_permission",
                "ping.dm_permission",
                "dm_permission is deprecated (Discord still honours it on global commands); use "
                '"contexts": [0, 1, 2] instead',
            ),
        ],
        id="dm-permission-true",
    ),
    pytest.param(
        cmd(contexts=DROP, dm_permission=False),
        [
            (
                "warning",
                "deprecated.dm_permission",
                "ping.dm_permission",
                "dm_permission is deprecated (Discord still honours it on global commands); use "
                '"contexts": [0] instead',
            ),
        ],
        id="dm-permission-false",
    ),
    pytest.param(
        cmd(default_permission=True),
        [
            (
                "warning",
                "deprecated.default_permission",
                "ping.default_permission",
                "default_permission will soon be deprecated, the docs say (Discord honours it on guild "
                'and global commands); use "default_member_permissions": null instead',
            ),
        ],
        id="default-permission-true",
    ),
    pytest.param(
        cmd(default_permission=False),
        [
            (
                "warning",
                "deprecated.default_permission",
                "ping.default_permission",
                "default_permission will soon be deprecated, the docs say (Discord honours it on guild "
                'and global commands); use "default_member_permissions": "0" instead',
            ),
        ],
        id="default-permission-false",
    ),
    pytest.param(
        cmd(contexts=DROP, integration_types=DROP),
        [
            (
                "warning",
                "defaults.contexts",
                "ping",
                "contexts is not set, so Discord decides where this global command can be used; state "
                'it, e.g. "contexts": [0] (0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL)',
            ),
            (
                "warning",
                "defaults.integration_types",
                "ping",
                "integration_types is not set: Discord uses the app's default installation contexts; "
                'state it, e.g. "integration_types": [0] (0 GUILD_INSTALL, 1 USER_INSTALL)',
            ),
        ],
        id="defaults-missing",
    ),
    pytest.param(
        cmd(contexts=[0, 2], integration_types=[0]),
        [
            (
                "warning",
                "contexts.private-channel",
                "ping.contexts[1]",
                "contexts includes 2 (PRIVATE_CHANNEL), which only applies when integration_types "
                "includes 1 (USER_INSTALL); add 1 to integration_types, or remove 2",
            ),
        ],
        id="private-channel",
    ),
    pytest.param(
        cmd(
            description="d" * 100,
            options=[
                opt(
                    3,
                    f"o{i:02d}",
                    description="d" * 100,
                    choices=[{"name": f"{j:02d}" + "n" * 98, "value": "v" * 100} for j in range(25)],
                )
                for i in range(2)
            ],
        ),
        [
            (
                "error",
                "size.max",
                "ping",
                "command is 10310 characters long (names, descriptions, choices, longest localization of "
                "each); Discord allows at most 8000",
            ),
        ],
        id="size",
    ),
    pytest.param(
        [cmd(name=f"c{i}") for i in range(101)],
        [
            (
                "error",
                "scope.count",
                "c100.name",
                "the global scope has 101 CHAT_INPUT commands; Discord allows at most 100",
            ),
        ],
        id="scope-count",
    ),
    pytest.param(
        [user(name=f"U{i}") for i in range(16)],
        [
            (
                "error",
                "scope.count",
                "U15.name",
                "the global scope has 16 USER commands; Discord allows at most 15",
            ),
        ],
        id="scope-count-user",
    ),
    pytest.param(
        [entry(), entry(name="launch2")],
        [
            (
                "error",
                "scope.count",
                "launch2.name",
                "the global scope has 2 PRIMARY_ENTRY_POINT commands; an app can have only one",
            ),
        ],
        id="scope-entry-twice",
    ),
    pytest.param(
        [cmd(), cmd()],
        [
            (
                "error",
                "scope.unique",
                "ping.name",
                'CHAT_INPUT command "ping" is defined twice in the global scope: cmds/x.json:3 and cmds/x.json:13',
            ),
        ],
        id="scope-unique",
    ),
    pytest.param(
        [cmd(), cmd(developmentOnly=True)],
        [
            (
                "error",
                "scope.unique",
                "ping.name",
                'CHAT_INPUT command "ping" is defined twice in the staging guild: cmds/x.json:3 and cmds/x.json:13',
            ),
        ],
        id="scope-unique-staging",
    ),
    pytest.param(
        [cmd(name="ping"), cmd(name="pong", name_localizations={"de": "ping"})],
        [
            (
                "error",
                "localizations.clash",
                "pong.name_localizations.de",
                'localized name "ping" (de) clashes with CHAT_INPUT command "ping" (cmds/x.json:3) in the global scope',
            ),
        ],
        id="localized-clash",
    ),
    pytest.param(
        [cmd(name="new", renamedFrom="old"), cmd(name="old")],
        [
            (
                "error",
                "project.renamedFrom",
                "new.renamedFrom",
                'renamedFrom "old" is still the name of a command (cmds/x.json:14); a renamed command\'s '
                "old name must be gone",
            ),
        ],
        id="renamed-still-a-name",
    ),
    pytest.param(
        [cmd(name="a", renamedFrom="old"), cmd(name="b", renamedFrom="old")],
        [
            (
                "error",
                "project.renamedFrom",
                "b.renamedFrom",
                'renamedFrom "old" is also claimed by cmds/x.json:3; only one command can take over an old name',
            ),
        ],
        id="renamed-claimed-twice",
    ),
    pytest.param(
        cmd(name="a b!c?"),
        [
            (
                "error",
                "name.pattern",
                "a b!c?.name",
                'name "a b!c?" contains " " (U+0020 SPACE), "!" (U+0021 EXCLAMATION MARK), "?" (U+003F '
                "QUESTION MARK); slash-command names allow only letters, numbers, -, _ and ʼ",
            ),
        ],
        id="name-three-bad-chars",
    ),
    pytest.param(
        cmd(name="cafe\u0301 x"),
        [
            (
                "error",
                "name.pattern",
                "café x.name",
                'name "café x" contains "́" (U+0301 COMBINING ACUTE ACCENT), " " (U+0020 SPACE); '
                "slash-command names allow only letters, numbers, -, _ and ʼ",
            ),
        ],
        id="name-decomposed-accent-and-a-space",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub", options=[opt(name="a"), opt(name="b"), opt(name="c", required=True)])]),
        [
            (
                "error",
                "options.required-order",
                "ping.options[0].options[2].required",
                'required option "c" comes after optional option "a"; Discord wants required options first',
            ),
        ],
        id="required-after-two-optionals-in-a-subcommand",
    ),
    pytest.param(
        cmd(options=[opt(2, "grp", required=True, options=[opt(1, "s")])]),
        [
            (
                "error",
                "options.required-on-subcommand",
                "ping.options[0].required",
                "required cannot be set on a SUB_COMMAND_GROUP option; remove it",
            ),
        ],
        id="required-on-group",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub"), opt(12, "x")]),
        [
            (
                "error",
                "type.value",
                "ping.options[1].type",
                "type 12 is not an option type (1-11)",
            ),
        ],
        id="unknown-type-beside-subcommand",
    ),
    pytest.param(
        cmd(contexts="0", integration_types=[5]),
        [
            (
                "error",
                "schema.type",
                "ping.contexts",
                'contexts must be an array, found the string "0"',
            ),
            (
                "error",
                "integration_types.value",
                "ping.integration_types[0]",
                "integration_types value 5 is not one of 0 GUILD_INSTALL, 1 USER_INSTALL",
            ),
        ],
        id="contexts-not-a-list",
    ),
    pytest.param(
        cmd(contexts=["0", 5]),
        [
            (
                "error",
                "schema.type",
                "ping.contexts[0]",
                'contexts[0] must be an integer, found the string "0"; write 0 without quotes',
            ),
            (
                "error",
                "contexts.value",
                "ping.contexts[1]",
                "contexts value 5 is not one of 0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL",
            ),
        ],
        id="contexts-item-not-an-integer",
    ),
    pytest.param(
        cmd(
            options=[
                opt(1, "ban", options=[opt(name="user", name_localizations={"de": "user"})]),
                opt(1, "kick", options=[opt(name="user")]),
            ]
        ),
        [],
        id="option-localized-to-its-own-name",
    ),
    pytest.param(
        cmd(options=[opt(4, choices=[{"name": "c", "value": 1.0}])]),
        [
            (
                "error",
                "choices.value-type",
                "ping.options[0].choices[0].value",
                "choices of an INTEGER option need integer values, found the number 1.0",
            ),
        ],
        id="choice-integer-integral-float",
    ),
    pytest.param(
        cmd(name="a\tb"),
        [
            (
                "error",
                "name.pattern",
                "a\tb.name",
                'name "a\tb" contains "\t" (U+0009); slash-command names allow only letters, numbers, -, _ and ʼ',
            ),
        ],
        id="name-with-an-unnamed-character",
    ),
    pytest.param(
        cmd(options=[opt(1, "sub"), opt(name="a"), opt(name="b", required=True)]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[1].type",
                'STRING option "a" sits beside subcommands; a command with subcommands has only '
                "subcommands and groups at its top level",
            ),
            (
                "error",
                "options.nesting",
                "ping.options[2].type",
                'STRING option "b" sits beside subcommands; a command with subcommands has only '
                "subcommands and groups at its top level",
            ),
            (
                "error",
                "options.required-order",
                "ping.options[2].required",
                'required option "b" comes after optional option "a"; Discord wants required options first',
            ),
        ],
        id="required-order-read-past-a-subcommand",
    ),
    pytest.param(
        cmd(options=[opt(2, "grp", options=[opt(12, "x"), opt(3, "t")])]),
        [
            (
                "error",
                "options.nesting",
                "ping.options[0].options[1].type",
                'subcommand group "grp" holds only subcommands, found STRING "t" (plain options must sit '
                "in a subcommand)",
            ),
            (
                "error",
                "type.value",
                "ping.options[0].options[0].type",
                "type 12 is not an option type (1-11)",
            ),
        ],
        id="nesting-read-past-an-unknown-type",
    ),
    pytest.param(
        [cmd(name="a"), cmd(name="a"), cmd(name="b", developmentOnly=True), cmd(name="b", developmentOnly=True)],
        [
            (
                "error",
                "scope.unique",
                "a.name",
                'CHAT_INPUT command "a" is defined twice in the global scope: cmds/x.json:3 and cmds/x.json:13',
            ),
            (
                "error",
                "scope.unique",
                "b.name",
                'CHAT_INPUT command "b" is defined twice in the staging guild: cmds/x.json:23 and cmds/x.json:34',
            ),
        ],
        id="unique-in-staging-after-one-in-global",
    ),
    pytest.param(
        [
            cmd(name="ping"),
            cmd(name="pong", name_localizations={"de": "ping"}),
            cmd(name="x", developmentOnly=True),
            cmd(name="y", developmentOnly=True, name_localizations={"de": "x"}),
        ],
        [
            (
                "error",
                "localizations.clash",
                "pong.name_localizations.de",
                'localized name "ping" (de) clashes with CHAT_INPUT command "ping" (cmds/x.json:3) in the global scope',
            ),
            (
                "error",
                "localizations.clash",
                "y.name_localizations.de",
                'localized name "x" (de) clashes with CHAT_INPUT command "x" (cmds/x.json:26) in the staging guild',
            ),
        ],
        id="localized-clash-in-staging-after-one-in-global",
    ),
    pytest.param(
        cmd(options=[{"type": 3, "description": "d"}, opt(name="a"), opt(name="a")]),
        [
            (
                "error",
                "schema.required",
                "ping.options[0].name",
                "name is required",
            ),
            (
                "error",
                "options.unique",
                "ping.options[2].name",
                'option name "a" is already used at this level (options[1]); names must be unique per level',
            ),
        ],
        id="unique-names-read-past-a-nameless-option",
    ),
    pytest.param(
        cmd(options=[opt(7, "c", channel_types=["0", 6])]),
        [
            (
                "error",
                "schema.type",
                "ping.options[0].channel_types[0]",
                'channel_types[0] must be an integer, found the string "0"; write 0 without quotes',
            ),
            (
                "error",
                "channel_types.value",
                "ping.options[0].channel_types[1]",
                "channel type 6 is not one Discord knows (0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16)",
            ),
        ],
        id="channel-types-read-past-a-non-integer",
    ),
    pytest.param(
        cmd(options=[opt(11, "f", file_types=[5, "png"])]),
        [
            (
                "error",
                "schema.type",
                "ping.options[0].file_types[0]",
                "file_types[0] must be a string, found the number 5",
            ),
            (
                "error",
                "file_types.value",
                "ping.options[0].file_types[1]",
                'file type "png" must be image, video, audio or an extension such as ".png"',
            ),
        ],
        id="file-types-read-past-a-non-string",
    ),
    pytest.param(
        [{**cmd(), "name": 5}, cmd(name="a"), cmd(name="b", name_localizations={"de": "a"})],
        [
            (
                "error",
                "schema.type",
                "<command 0 of cmds/x.json>.name",
                "name must be a string, found the number 5",
            ),
            (
                "error",
                "localizations.clash",
                "b.name_localizations.de",
                'localized name "a" (de) clashes with CHAT_INPUT command "a" (cmds/x.json:13) in the global scope',
            ),
        ],
        id="localized-clash-read-past-a-nameless-command",
    ),
    pytest.param(
        cmd(options=[opt(name="user", name_localizations={"de": "user", "fr": "target"}), opt(name="target")]),
        [
            (
                "warning",
                "localizations.option-clash",
                "ping.options[0].name_localizations.fr",
                'localized name "target" (fr) equals the name of option ping.options[1]; the docs want '
                "localized option names distinct from every other option name of the command (AC:1086)",
            ),
        ],
        id="option-clash-read-past-a-localization-equal-to-its-own-name",
    ),
    pytest.param(
        cmd(options=[opt(name="user", name_localizations={"de": "nutzer", "fr": "target"}), opt(name="target")]),
        [
            (
                "warning",
                "localizations.option-clash",
                "ping.options[0].name_localizations.fr",
                'localized name "target" (fr) equals the name of option ping.options[1]; the docs want '
                "localized option names distinct from every other option name of the command (AC:1086)",
            ),
        ],
        id="option-clash-read-past-a-first-seen-localization",
    ),
    pytest.param(
        [cmd(name="a"), cmd(name="b", renamedFrom="old"), cmd(name="c", renamedFrom="old")],
        [
            (
                "error",
                "project.renamedFrom",
                "c.renamedFrom",
                'renamedFrom "old" is also claimed by cmds/x.json:13; only one command can take over an old name',
            ),
        ],
        id="renames-read-past-a-command-without-one",
    ),
    pytest.param(
        [
            cmd(name_localizations={"de": "Pingen"}, options=[opt(name_localizations={"fr": "a b"})]),
            user(name_localizations={"de": "R" * 33}),
        ],
        [
            (
                "error",
                "localizations.name",
                "ping.name_localizations.de",
                'name_localizations.de "Pingen" must be lowercase (Discord rejects uppercase letters in '
                "slash-command names)",
            ),
            (
                "error",
                "localizations.name",
                "ping.options[0].name_localizations.fr",
                'name_localizations.fr "a b" contains " " (U+0020 SPACE); slash-command names allow only '
                "letters, numbers, -, _ and ʼ",
            ),
            (
                "error",
                "localizations.name",
                "Report.name_localizations.de",
                'name_localizations.de "RRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRRR" is 33 characters; Discord allows 1-32',
            ),
        ],
        id="localized-name-errors-whole",
    ),
    pytest.param(
        cmd(options=[opt(12, "x", min_length=1, choices=[{"name": "c", "value": "v" * 101}])]),
        [
            (
                "error",
                "type.value",
                "ping.options[0].type",
                "type 12 is not an option type (1-11)",
            ),
        ],
        id="option-type-unknown-gets-no-per-type-checks",
    ),
    pytest.param(
        cmd(options=[{"type": 2, "description": "d", "options": [opt(3, "t")]}]),
        [
            (
                "error",
                "schema.required",
                "ping.options[0].name",
                "name is required",
            ),
            (
                "error",
                "options.nesting",
                "ping.options[0].options[0].type",
                'subcommand group "" holds only subcommands, found STRING "t" (plain options must sit in a subcommand)',
            ),
        ],
        id="nesting-in-a-nameless-group",
    ),
]


@pytest.mark.parametrize(("commands", "expected"), MESSAGES)
def test_every_message_is_written_out_whole(commands: Any, expected: Expected) -> None:
    assert found(commands) == expected


def test_a_name_checked_alone_is_called_name() -> None:
    assert slash_name_errors("Ping") == [
        ("lowercase", 'name "Ping" must be lowercase (Discord rejects uppercase letters in slash-command names)')
    ]
