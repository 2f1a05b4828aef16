"""Every rule id the validator reports, with the evidence behind it.

``basis`` says why the rule exists and so how hard it may be:

- ``discord``: Discord refuses the request (an error code, an issue where it did, or the API's own
  generated schema). These are errors, and the emulator refuses them too
  (``tests/integration/test_rules_vs_emulator.py`` holds the two to the same verdict).
- ``docs``: only the documentation's text says it and no one has seen Discord refuse it. At most a
  warning: a false error blocks a deploy that would have worked, and the staging guild, which Discord
  validates the same way, still catches a real refusal.
- ``project``: ours: the tool's own keys, or a command that Discord takes but that could never work as
  written. Errors where the tool cannot do what was asked; the emulator (Discord) accepts them.

AC:N is a line of discord-api-docs developers/interactions/application-commands.mdx (snapshot of
2026-08-06); spec = discord-api-spec specs/openapi.json, which its README says is generated from the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Basis = Literal["discord", "docs", "project"]


@dataclass(frozen=True, slots=True)
class Rule:
    basis: Basis
    evidence: str


RULES: dict[str, Rule] = {
    # shape
    "schema.type": Rule("discord", "50035 *_TYPE_CONVERT / NUMBER_TYPE_COERCE for a value of the wrong JSON type"),
    "schema.required": Rule(
        "discord", "50035 BASE_TYPE_REQUIRED (AC:28-31; option table AC:67-84; choice table AC:120-124)"
    ),
    "schema.near-miss": Rule("project", "Discord drops unknown keys; `dm_permissions` meant `dm_permission`"),
    "schema.unknown-key": Rule("project", "Discord drops unknown keys: a warning that the key is not sent"),
    "type.value": Rule("discord", "50035 BASE_TYPE_CHOICES: command types AC:56-59, option types AC:101-111"),
    # names and descriptions
    "name.pattern": Rule(
        "discord",
        "50035 STRING_TYPE_REGEX on ^[-_ʼ\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$ (AC:18; ASCII ' refused: "
        "discord-api-docs issue 7371, PR 8567); scripts, not blocks: U+0964-0965, U+0951-0954, U+0E3F refused",
    ),
    "name.lowercase": Rule("discord", "50035 APPLICATION_COMMAND_INVALID_NAME for uppercase letters (AC:18)"),
    "name.length": Rule(
        "discord", "50035 BASE_TYPE_BAD_LENGTH: 1-32 characters (AC:29; spec minLength 1 maxLength 32)"
    ),
    "description.required": Rule(
        "discord", "50035 BASE_TYPE_REQUIRED / BAD_LENGTH: CHAT_INPUT 1-100 (AC:31, option table AC:73)"
    ),
    "description.length": Rule(
        "discord", "50035 BASE_TYPE_BAD_LENGTH: at most 100 characters (AC:31; spec maxLength 100)"
    ),
    "description.forbidden": Rule("discord", "USER/MESSAGE take an empty description only (AC:31)"),
    # options
    "options.forbidden": Rule("discord", "options only for CHAT_INPUT (AC:33, AC:42)"),
    "options.count": Rule("discord", "50035 BASE_TYPE_MAX_LENGTH: max 25 options (AC:33; spec maxItems 25)"),
    "options.unique": Rule(
        "discord", "APPLICATION_COMMAND_OPTIONS_DUPLICATE_NAME (AC:86; twilight-rs/twilight issue 2071, PR 2073)"
    ),
    "options.required-order": Rule(
        "discord", "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID: required options before optional (AC:65)"
    ),
    "options.nesting": Rule("discord", "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID: nesting rules (AC:543-561)"),
    "options.required-on-subcommand": Rule(
        "discord", "APPLICATION_COMMAND_OPTION_REQUIRED_INVALID: subcommands and groups are never required"
    ),
    "option.field": Rule("project", "a field of another option type (AC:75-88 list fields per type) is never used"),
    "option.length-range": Rule(
        "discord", "50035 NUMBER_TYPE_MIN/MAX: min_length 0-6000, max_length 1-6000 (AC:81-82)"
    ),
    "option.length-order": Rule(
        "project", "min_length above max_length: Discord takes it (discord-api-docs issue 5149), no value fits"
    ),
    "option.value-range": Rule(
        "discord", "50035 NUMBER_TYPE_MIN/MAX: INTEGER ±(2^53-1), NUMBER ±2^53 (AC:108-110); integer min/max on INTEGER"
    ),
    "option.value-order": Rule("project", "min_value above max_value: no value could ever be valid"),
    # choices
    "choices.count": Rule("discord", "50035 BASE_TYPE_MAX_LENGTH: max 25 choices (AC:76)"),
    "choices.name": Rule("discord", "50035 BASE_TYPE_BAD_LENGTH: choice names 1-100 (AC:122; spec minLength 1)"),
    "choices.value-type": Rule("discord", "50035 *_TYPE_COERCE / NUMBER_TYPE_MIN/MAX: value type and range (AC:124)"),
    "choices.value-length": Rule(
        "discord",
        "at most 100 characters (AC:124); no minimum: the docs and spec (maxLength only) set none, and Discord "
        "takes an empty value (discord-jda/JDA issue 3084, fixed by PR 3096)",
    ),
    "choices.autocomplete": Rule("discord", "APPLICATION_COMMAND_OPTION_CHOICES_AUTOCOMPLETE (AC:88)"),
    "channel_types.value": Rule("discord", "50035 BASE_TYPE_CHOICES / BASE_TYPE_UNIQUE: known channel types"),
    "file_types.count": Rule("discord", "50035 BASE_TYPE_MAX_LENGTH: max 10 (AC:84; reference.mdx:532)"),
    "file_types.value": Rule("discord", "a group name or a dot-extension (AC:84; reference.mdx:532)"),
    "file_types.unique": Rule(
        "docs", "case-insensitive, normalised to lowercase (reference.mdx:532-533); repeats are not forbidden"
    ),
    # localizations
    "localizations.locale": Rule(
        "discord", "50035 ENUM_TYPE_COERCE for a key outside the locales (reference.mdx#locales); spec-only: warning"
    ),
    "localizations.name": Rule("discord", "localized names follow the name rules (AC:30; AC:1082)"),
    "localizations.clash": Rule(
        "project", "two commands of one type showing one name in a locale: users cannot tell them apart"
    ),
    "localizations.option-clash": Rule(
        "docs",
        "AC:1086: localized option names distinct from every other default option name and every other option "
        "name in that locale on the command; no report of Discord refusing it",
    ),
    # command fields
    "permissions.bitfield": Rule(
        "discord",
        "a decimal bitfield (AC:34) of at most 18014398509481983 = 2^54-1 (spec maximum; the highest permission "
        "bit is 1 << 52, permissions.mdx)",
    ),
    "permissions.string": Rule("docs", "documented as a string (AC:34); Discord also takes a number (discord.py)"),
    "contexts.value": Rule("discord", "50035 BASE_TYPE_CHOICES / MIN_LENGTH / UNIQUE for contexts (AC:39)"),
    "integration_types.value": Rule("discord", "50035 BASE_TYPE_CHOICES / MIN_LENGTH / UNIQUE (AC:38)"),
    "contexts.guild-bot-dm": Rule("project", "a developmentOnly command is only ever deployed to the staging guild"),
    "contexts.private-channel": Rule("docs", "PRIVATE_CHANNEL only with USER_INSTALL (AC:308)"),
    "size.max": Rule("discord", "APPLICATION_COMMAND_TOO_LARGE: 8000 characters (AC:450)"),
    "scope.count": Rule(
        "discord",
        "30032 maximum number of application commands reached: 100 CHAT_INPUT, 15 USER, 15 MESSAGE (AC:169-171)",
    ),
    "scope.unique": Rule("discord", "APPLICATION_COMMANDS_DUPLICATE_NAME: one name per type per scope"),
    "entry-point.options": Rule("discord", "options only for CHAT_INPUT (AC:42)"),
    "entry-point.handler": Rule("discord", "handler only on PRIMARY_ENTRY_POINT, 1 or 2 (AC:45, AC:129-134)"),
    "deprecated.dm_permission": Rule("docs", "Deprecated (use contexts instead) (AC:35)"),
    "deprecated.default_permission": Rule("docs", "will soon be deprecated (AC:36, AC:48); applies to all scopes"),
    "defaults.contexts": Rule("docs", "contexts default to the app's settings when omitted (AC:39, AC:1371)"),
    "defaults.integration_types": Rule("docs", "integration_types default to the app's configured contexts (AC:38)"),
    # the tool's own keys
    "project.renamedFrom": Rule("project", "renamedFrom is ours: it must name a command that is gone"),
    "project.developmentOnly": Rule("project", "an entry point is global only (AC:1046), so never staging-only"),
    "project.ownerOnly": Rule("project", "ownerOnly is never sent: default_member_permissions hides the command"),
}
