"""Discord's rules for application commands, checked before anything is sent.

``check_commands`` runs the shape check (``schema.py``) on every command, then the semantic
rules, then the per-scope rules (counts, unique names) on the two sets this project deploys:
global (production) and the staging guild. Every rule reads the raw JSON through typed
getters, so a part of a command that failed the type check is skipped rather than crashing;
the type error itself was already reported by the schema.

The limits come from Discord's documentation of application commands
(https://discord.com/developers/docs/interactions/application-commands), which wins over its OpenAPI spec
where the two disagree; ``tests/test_rules.py`` has a valid and an invalid case for each, and
``tests/test_rules_vs_emulator.py`` holds these rules and the emulator to the same table.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from .guild_rules import guild_problems
from .loader import SourceCommand
from .locales import LOCALES, SPEC_ONLY_LOCALES, suggest_locale
from .problems import JsonPath, Problem, Severity, format_path
from .schema import check_schema, describe, safe_str

CHAT_INPUT, USER, MESSAGE, PRIMARY_ENTRY_POINT = 1, 2, 3, 4
COMMAND_TYPES = {CHAT_INPUT: "CHAT_INPUT", USER: "USER", MESSAGE: "MESSAGE", PRIMARY_ENTRY_POINT: "PRIMARY_ENTRY_POINT"}
OPTION_TYPES = {
    1: "SUB_COMMAND", 2: "SUB_COMMAND_GROUP", 3: "STRING", 4: "INTEGER", 5: "BOOLEAN", 6: "USER",
    7: "CHANNEL", 8: "ROLE", 9: "MENTIONABLE", 10: "NUMBER", 11: "ATTACHMENT",
}  # fmt: skip
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, CHANNEL, NUMBER, ATTACHMENT = 1, 2, 3, 4, 7, 10, 11

NAME_MAX = 32
DESCRIPTION_MAX = 100
OPTIONS_MAX = 25
CHOICES_MAX = 25
CHOICE_NAME_MAX = 100
CHOICE_STRING_MAX = 100
LENGTH_LIMIT = 6000
INTEGER_LIMIT = 2**53 - 1
NUMBER_LIMIT = 2**53
FILE_TYPES_MAX = 10
SIZE_MAX = 8000
# The spec caps the bitfield at 2^54-1 (openapi.json ApplicationCommandCreateRequest, generated from the API);
# the highest permission bit today is 1 << 52 (permissions.mdx).
PERMISSIONS_MAX = 2**54 - 1
SCOPE_LIMITS = {CHAT_INPUT: 100, USER: 15, MESSAGE: 15, PRIMARY_ENTRY_POINT: 1}
CHANNEL_TYPES = frozenset({0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16})
CONTEXTS = {0: "GUILD", 1: "BOT_DM", 2: "PRIVATE_CHANNEL"}
INTEGRATION_TYPES = {0: "GUILD_INSTALL", 1: "USER_INSTALL"}
HANDLERS = {1: "APP_HANDLER", 2: "DISCORD_LAUNCH_ACTIVITY"}
FILE_TYPE_KINDS = frozenset({"image", "video", "audio"})

# Characters of the scripts \p{sc=Deva} and \p{sc=Thai} of the documented name pattern. These
# are script ranges, not the whole blocks: the dandas U+0964-0965 (Common) and U+0951-0954
# (Inherited) sit in the Devanagari block but not in the script, and `regex` agrees.
_SCRIPT_RANGES = (
    (0x0900, 0x0950), (0x0955, 0x0963), (0x0966, 0x097F), (0x0E01, 0x0E3A), (0x0E40, 0x0E5B),
    (0xA8E0, 0xA8FF), (0x11B00, 0x11B0A),
)  # fmt: skip
# The apostrophe allowed is U+02BC (a letter, Lm); the ASCII ' is refused (discord-api-docs issue 7371).
_NAME_PUNCTUATION = frozenset("-_")
_PLAIN_NAME = re.compile(rf"[-_a-z0-9]{{1,{NAME_MAX}}}")  # a subset of the pattern below: valid as it stands

# Fields each option type may carry beyond the common ones (type, name, description, their
# localizations, required).
_OPTION_FIELDS: dict[int, frozenset[str]] = {
    SUB_COMMAND: frozenset({"options"}),
    SUB_COMMAND_GROUP: frozenset({"options"}),
    STRING: frozenset({"choices", "autocomplete", "min_length", "max_length"}),
    INTEGER: frozenset({"choices", "autocomplete", "min_value", "max_value"}),
    NUMBER: frozenset({"choices", "autocomplete", "min_value", "max_value"}),
    CHANNEL: frozenset({"channel_types"}),
    ATTACHMENT: frozenset({"file_types"}),
}
_TYPED_FIELDS = frozenset().union(*_OPTION_FIELDS.values())

_DECIMAL = re.compile(r"[0-9]+")
_FILE_EXTENSION = re.compile(r"(?:\.[^\s./\\]+)+")  # ".png", ".tar.gz"


# -- typed getters: a value of the wrong JSON type reads as absent (the schema reported it) --


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _num(value: Any) -> int | float | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _dict(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _is_set(value: Any) -> bool:
    """Whether a field says something: null, false and empty containers say nothing."""
    return value is not None and value is not False and value != [] and value != {}


def _show(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _chars(count: int) -> str:
    # Never 1: every caller reports a length outside a range that starts at 1 (0, or past the limit).
    return f"{count} characters"


# -- names --


def _char_allowed(char: str) -> bool:
    if char in _NAME_PUNCTUATION or unicodedata.category(char)[0] in ("L", "N"):
        return True
    point = ord(char)
    return any(low <= point <= high for low, high in _SCRIPT_RANGES)


def _char_label(char: str) -> str:
    name = unicodedata.name(char, "")
    return f'"{char}" (U+{ord(char):04X}{" " + name if name else ""})'


def slash_name_errors(name: str, label: str = "name") -> list[tuple[str, str]]:
    """Why ``name`` is not a valid CHAT_INPUT command or option name: (``length``|``pattern``|``lowercase``, message).

    ``^[-_\\u02BC\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, and a character that has a lowercase
    form must be lowercase (uncased scripts such as Japanese pass).
    """
    if _PLAIN_NAME.fullmatch(name):  # most names: nothing to say, without a look at each character
        return []
    errors = _length_errors(name, label)
    bad = list(dict.fromkeys(char for char in name if not _char_allowed(char)))
    if bad:
        shown = ", ".join(_char_label(char) for char in bad[:3]) + (", …" if len(bad) > 3 else "")
        message = (
            f'{label} "{_show(name)}" contains {shown}; slash-command names allow only letters, numbers, -, _ and ʼ'
        )
        if "'" in name:
            message += " (Discord refuses the ASCII apostrophe ': write ʼ, U+02BC MODIFIER LETTER APOSTROPHE)"
        normal = unicodedata.normalize("NFC", name)
        if normal != name and all(_char_allowed(char) for char in normal):
            message += " (its NFC form, with combined accents, would pass)"
        errors.append(("pattern", message))
    if any(char.lower() != char for char in name):
        errors.append(
            (
                "lowercase",
                f'{label} "{_show(name)}" must be lowercase (Discord rejects uppercase letters in slash-command names)',
            )
        )
    return errors


def is_valid_slash_name(name: str) -> bool:
    return not slash_name_errors(name)


def _length_errors(name: str, label: str) -> list[tuple[str, str]]:
    if not name:
        return [("length", f"{label} is empty; Discord needs 1-{NAME_MAX} characters")]
    if len(name) > NAME_MAX:
        return [("length", f'{label} "{_show(name)}" is {_chars(len(name))}; Discord allows 1-{NAME_MAX}')]
    return []


def name_errors(name: str, command_type: int, label: str = "name") -> list[tuple[str, str]]:
    """Name rules of a command of ``command_type``: the slash pattern, or 1-32 characters of anything."""
    return slash_name_errors(name, label) if command_type == CHAT_INPUT else _length_errors(name, label)


# -- one command --


# Where a run deploys: "guild" (stage: the staging guild), "global" (promote), "any" (detect without a scope).
Scope = Literal["guild", "global", "any"]


class _CommandChecker:
    def __init__(self, command: SourceCommand, scope: Scope) -> None:
        self.command = command
        # Fields only global commands honour are worth a warning only when this command can reach that scope.
        staging_only = command.data.get("developmentOnly") is True
        self.reaches_global = scope != "guild" and not staging_only and not command.guilds
        self.data: Mapping[str, Any] = command.data
        self.problems: list[Problem] = []

    def add(self, severity: Severity, rule: str, path: JsonPath, message: str) -> None:
        self.problems.append(
            Problem(
                severity,
                rule,
                message,
                file=self.command.file,
                line=self.command.line_at(path),
                path=format_path(self.command.name, path),
            )
        )

    def run(self) -> int | None:
        """Check the command; return its type when that is valid, else None."""
        for issue in check_schema(self.data):
            self.add(issue.severity, issue.rule, issue.path, issue.message)
        data = self.data
        raw_type = data.get("type")
        kind = CHAT_INPUT if raw_type is None else _int(raw_type)
        if kind is not None and kind not in COMMAND_TYPES:
            self.add("error", "type.value", ("type",), f"type {kind} is not a command type (1-4)")
            kind = None
        if kind is not None:
            self.check_name(kind)
            self.check_description(kind)
            self.check_command_options(kind)
            self.check_handler(kind)
            self.check_project(kind)
            if kind == CHAT_INPUT:
                self.check_size()
                self.check_localized_option_names()
        self.check_permissions()
        self.check_contexts()
        self.check_deprecated()
        self.check_defaults()
        return kind

    # names and descriptions, shared by commands and options

    def check_name(self, kind: int, path: JsonPath = (), obj: Mapping[str, Any] | None = None) -> None:
        obj = self.data if obj is None else obj
        name = _str(obj.get("name"))
        if name is not None:
            for suffix, message in name_errors(name, kind):
                self.add("error", f"name.{suffix}", (*path, "name"), message)
        for locale, value in self.localizations(obj, path, "name_localizations").items():
            where = (*path, "name_localizations", locale)
            for _suffix, message in name_errors(value, kind, f"name_localizations.{locale}"):
                self.add("error", "localizations.name", where, message)

    def check_description(self, kind: int, path: JsonPath = (), obj: Mapping[str, Any] | None = None) -> None:
        obj = self.data if obj is None else obj
        raw = obj.get("description")
        description = _str(raw)
        localized = self.localizations(obj, path, "description_localizations")
        what = "options" if path else "slash commands"
        if kind in (USER, MESSAGE):
            if description:
                self.add(
                    "error",
                    "description.forbidden",
                    (*path, "description"),
                    f"{COMMAND_TYPES[kind]} commands cannot have a description; remove it (found "
                    f'"{_show(description)}")',
                )
            if localized:
                self.add(
                    "error",
                    "description.forbidden",
                    (*path, "description_localizations"),
                    f"{COMMAND_TYPES[kind]} commands cannot have description_localizations; remove them",
                )
            return
        if kind == CHAT_INPUT and (raw is None or description == ""):
            self.add(
                "error",
                "description.required",
                (*path, "description"),
                f"description is {'empty' if description == '' else 'missing'}; "
                f"{what} need 1-{DESCRIPTION_MAX} characters",
            )
        elif description is not None and len(description) > DESCRIPTION_MAX:
            self.add(
                "error",
                "description.length",
                (*path, "description"),
                f"description is {_chars(len(description))}; Discord allows at most {DESCRIPTION_MAX}",
            )
        for locale, value in localized.items():
            if not 1 <= len(value) <= DESCRIPTION_MAX:
                self.add(
                    "error",
                    "description.length",
                    (*path, "description_localizations", locale),
                    f"description_localizations.{locale} is {_chars(len(value))}; Discord allows 1-{DESCRIPTION_MAX}",
                )

    def localizations(self, obj: Mapping[str, Any], path: JsonPath, key: str) -> dict[str, str]:
        """The string entries of a localization map; reports keys that are not locales."""
        entries: dict[str, str] = {}
        for locale, value in _dict(obj.get(key)).items():
            where = (*path, key, locale)
            if locale in SPEC_ONLY_LOCALES:
                self.add(
                    "warning",
                    "localizations.locale",
                    where,
                    f'locale "{locale}" is listed only in the OpenAPI spec, not in Discord\'s docs; '
                    "Discord may reject it",
                )
            elif locale not in LOCALES:
                guess = suggest_locale(locale)
                hint = f' (did you mean "{guess}"?)' if guess else ""
                self.add("error", "localizations.locale", where, f'unknown locale "{_show(locale)}"{hint}')
            if isinstance(value, str):
                entries[locale] = value
        return entries

    # options

    def check_command_options(self, kind: int) -> None:
        options = self.data.get("options")
        if kind == CHAT_INPUT:
            self.check_level(options, ("options",), "command", "")
        elif _is_set(options):
            if kind == PRIMARY_ENTRY_POINT:
                self.add(
                    "error", "entry-point.options", ("options",), "PRIMARY_ENTRY_POINT commands cannot have options"
                )
            else:
                self.add(
                    "error",
                    "options.forbidden",
                    ("options",),
                    f"{COMMAND_TYPES[kind]} commands cannot have options; only CHAT_INPUT commands do",
                )

    def check_level(self, value: Any, path: JsonPath, parent: str, parent_name: str) -> None:
        """One level of options: under the command, a subcommand group or a subcommand."""
        options = _list(value)
        if len(options) > OPTIONS_MAX:
            self.add(
                "error",
                "options.count",
                path,
                f"{len(options)} options at this level; Discord allows at most {OPTIONS_MAX}",
            )
        items = [(index, option) for index, option in enumerate(options) if isinstance(option, Mapping)]
        self.check_unique_names(items, path)
        self.check_nesting(items, path, parent, parent_name)
        self.check_required_order(items, path)
        for index, option in items:
            self.check_option(option, (*path, index))

    def check_unique_names(self, items: list[tuple[int, Mapping[str, Any]]], path: JsonPath) -> None:
        first: dict[str, int] = {}
        for index, option in items:
            name = _str(option.get("name"))
            if name is None:
                continue
            if name in first:
                self.add(
                    "error",
                    "options.unique",
                    (*path, index, "name"),
                    f'option name "{_show(name)}" is already used at this level (options[{first[name]}]); '
                    "names must be unique per level",
                )
            else:
                first[name] = index

    def check_localized_option_names(self) -> None:
        """AC:1086: a localized option name must be "distinct from all other default option names of that
        command, as well as all other option names within that locale on that command": both halves, every
        level. Only the docs say so and no one has seen Discord refuse it, so it is a warning; real bots
        localize one option of several subcommands alike (`/ban user`, `/kick user` → `nutzer`)."""
        options: list[tuple[JsonPath, Mapping[str, Any]]] = []

        def walk(value: Any, path: JsonPath) -> None:
            for index, option in enumerate(_list(value)):
                if isinstance(option, Mapping):
                    options.append(((*path, index), option))
                    walk(option.get("options"), (*path, index, "options"))

        walk(self.data.get("options"), ("options",))
        defaults: dict[str, list[JsonPath]] = {}
        for path, option in options:
            name = _str(option.get("name"))
            if name is not None:
                defaults.setdefault(name, []).append(path)
        localized: dict[tuple[str, str], JsonPath] = {}  # (locale, name) → the first option showing it
        for path, option in options:
            own = _str(option.get("name"))
            for locale, value in _dict(option.get("name_localizations")).items():
                if not isinstance(value, str) or value == own:
                    continue  # Discord drops a localization equal to the default
                other = next((p for p in defaults.get(value, []) if p != path), None)
                what = "the name"
                if other is None:
                    other = localized.setdefault((locale, value), path)
                    what = f"the {locale} name"
                if other == path:
                    continue
                self.add(
                    "warning",
                    "localizations.option-clash",
                    (*path, "name_localizations", locale),
                    f'localized name "{_show(value)}" ({locale}) equals {what} of option '
                    f"{format_path(self.command.name, other)}; the docs want localized option names distinct "
                    "from every other option name of the command (AC:1086)",
                )

    def check_nesting(
        self, items: list[tuple[int, Mapping[str, Any]]], path: JsonPath, parent: str, parent_name: str
    ) -> None:
        kinds = [(index, option, _int(option.get("type"))) for index, option in items]
        label = f'"{_show(parent_name)}"'
        for index, option, kind in kinds:
            if kind not in OPTION_TYPES:
                continue
            name = _show(_str(option.get("name")) or f"options[{index}]")
            where = (*path, index, "type")
            nested = kind in (SUB_COMMAND, SUB_COMMAND_GROUP)
            if parent == "group" and kind != SUB_COMMAND:
                what = (
                    "groups cannot be nested" if kind == SUB_COMMAND_GROUP else "plain options must sit in a subcommand"
                )
                self.add(
                    "error",
                    "options.nesting",
                    where,
                    f'subcommand group {label} holds only subcommands, found {OPTION_TYPES[kind]} "{name}" ({what})',
                )
            elif parent == "subcommand" and nested:
                self.add(
                    "error",
                    "options.nesting",
                    where,
                    f'subcommand {label} holds only plain options, found {OPTION_TYPES[kind]} "{name}"',
                )
        if parent == "command" and any(kind in (SUB_COMMAND, SUB_COMMAND_GROUP) for _, _, kind in kinds):
            for index, option, kind in kinds:
                if kind in OPTION_TYPES and kind not in (SUB_COMMAND, SUB_COMMAND_GROUP):
                    name = _show(_str(option.get("name")) or f"options[{index}]")
                    self.add(
                        "error",
                        "options.nesting",
                        (*path, index, "type"),
                        f'{OPTION_TYPES[kind]} option "{name}" sits beside subcommands; a command with '
                        "subcommands has only subcommands and groups at its top level",
                    )

    def check_required_order(self, items: list[tuple[int, Mapping[str, Any]]], path: JsonPath) -> None:
        optional: str | None = None
        for index, option in items:
            if _int(option.get("type")) in (SUB_COMMAND, SUB_COMMAND_GROUP):
                continue
            name = _show(_str(option.get("name")) or f"options[{index}]")
            if option.get("required") is True:
                if optional is not None:
                    self.add(
                        "error",
                        "options.required-order",
                        (*path, index, "required"),
                        f'required option "{name}" comes after optional option "{optional}"; '
                        "Discord wants required options first",
                    )
            elif optional is None:
                optional = name

    def check_option(self, option: Mapping[str, Any], path: JsonPath) -> None:
        kind = _int(option.get("type"))
        if kind is not None and kind not in OPTION_TYPES:
            self.add("error", "type.value", (*path, "type"), f"type {kind} is not an option type (1-11)")
            kind = None
        self.check_name(CHAT_INPUT, path, option)
        self.check_description(CHAT_INPUT, path, option)
        if kind is None:
            return
        allowed = _OPTION_FIELDS.get(kind, frozenset())
        for field in sorted(_TYPED_FIELDS - allowed):
            if _is_set(option.get(field)):
                self.add(
                    "error",
                    "option.field",
                    (*path, field),
                    f"{field} is not allowed on options of type {OPTION_TYPES[kind]}",
                )
        if kind in (SUB_COMMAND, SUB_COMMAND_GROUP):
            if option.get("required") is True:
                self.add(
                    "error",
                    "options.required-on-subcommand",
                    (*path, "required"),
                    f"required cannot be set on a {OPTION_TYPES[kind]} option; remove it",
                )
            parent = "subcommand" if kind == SUB_COMMAND else "group"
            self.check_level(option.get("options"), (*path, "options"), parent, _str(option.get("name")) or "")
        elif kind == STRING:
            self.check_length_range(option, path)
        elif kind in (INTEGER, NUMBER):
            self.check_value_range(option, path, kind)
        elif kind == CHANNEL:
            self.check_channel_types(option, path)
        elif kind == ATTACHMENT:
            self.check_file_types(option, path)
        if kind in (STRING, INTEGER, NUMBER):
            self.check_choices(option, path, kind)

    def check_length_range(self, option: Mapping[str, Any], path: JsonPath) -> None:
        low, high = _int(option.get("min_length")), _int(option.get("max_length"))
        if low is not None and not 0 <= low <= LENGTH_LIMIT:
            self.add(
                "error",
                "option.length-range",
                (*path, "min_length"),
                f"min_length must be 0-{LENGTH_LIMIT}, found {safe_str(low)}",
            )
        if high is not None and not 1 <= high <= LENGTH_LIMIT:
            self.add(
                "error",
                "option.length-range",
                (*path, "max_length"),
                f"max_length must be 1-{LENGTH_LIMIT}, found {safe_str(high)}",
            )
        if low is not None and high is not None and low > high:
            self.add(
                "error",
                "option.length-order",
                (*path, "max_length"),
                f"max_length {safe_str(high)} is less than min_length {safe_str(low)}",
            )

    def check_value_range(self, option: Mapping[str, Any], path: JsonPath, kind: int) -> None:
        bounds: dict[str, int | float] = {}
        limit = INTEGER_LIMIT if kind == INTEGER else NUMBER_LIMIT
        for field in ("min_value", "max_value"):
            value = _num(option.get(field))
            if value is None:
                continue
            if kind == INTEGER and isinstance(value, float):
                message = f"{field} must be an integer for an INTEGER option, found {safe_str(value)}"
            elif not -limit <= value <= limit:
                message = f"{field} must be within ±{limit}, found {safe_str(value)}"
            else:
                bounds[field] = value
                continue
            self.add("error", "option.value-range", (*path, field), message)
        if "min_value" in bounds and "max_value" in bounds and bounds["min_value"] > bounds["max_value"]:
            self.add(
                "error",
                "option.value-order",
                (*path, "max_value"),
                f"max_value {safe_str(bounds['max_value'])} is less than min_value {safe_str(bounds['min_value'])}",
            )

    def check_choices(self, option: Mapping[str, Any], path: JsonPath, kind: int) -> None:
        choices = _list(option.get("choices"))
        where = (*path, "choices")
        if len(choices) > CHOICES_MAX:
            self.add("error", "choices.count", where, f"{len(choices)} choices; Discord allows at most {CHOICES_MAX}")
        if choices and option.get("autocomplete") is True:
            self.add(
                "error",
                "choices.autocomplete",
                (*path, "autocomplete"),
                "autocomplete cannot be true on an option with choices; use one or the other",
            )
        for index, choice in enumerate(choices):
            if isinstance(choice, Mapping):
                self.check_choice(choice, (*where, index), kind)

    def check_choice(self, choice: Mapping[str, Any], path: JsonPath, kind: int) -> None:
        name = _str(choice.get("name"))
        if name is not None and not 1 <= len(name) <= CHOICE_NAME_MAX:
            self.add(
                "error",
                "choices.name",
                (*path, "name"),
                f"choice name is {_chars(len(name))}; Discord allows 1-{CHOICE_NAME_MAX}",
            )
        for locale, value in self.localizations(choice, path, "name_localizations").items():
            if not 1 <= len(value) <= CHOICE_NAME_MAX:
                self.add(
                    "error",
                    "choices.name",
                    (*path, "name_localizations", locale),
                    f"name_localizations.{locale} is {_chars(len(value))}; Discord allows 1-{CHOICE_NAME_MAX}",
                )
        if "value" not in choice:
            return  # schema.required
        value = choice["value"]
        where = (*path, "value")
        if kind == STRING:
            if isinstance(value, str):
                if len(value) > CHOICE_STRING_MAX:
                    self.add(
                        "error",
                        "choices.value-length",
                        where,
                        f"choice value is {_chars(len(value))}; Discord allows at most {CHOICE_STRING_MAX}",
                    )
            elif _num(value) is not None:
                self.add(
                    "error",
                    "choices.value-type",
                    where,
                    f"choices of a STRING option need string values, found {describe(value)}",
                )
        elif kind == INTEGER:
            if isinstance(value, (str, float)):
                self.add(
                    "error",
                    "choices.value-type",
                    where,
                    f"choices of an INTEGER option need integer values, found {describe(value)}",
                )
            elif _int(value) is not None and not -INTEGER_LIMIT <= value <= INTEGER_LIMIT:
                self.add(
                    "error",
                    "choices.value-type",
                    where,
                    f"choice value must be an integer within ±{INTEGER_LIMIT}, found {safe_str(value)}",
                )
        elif isinstance(value, str):
            self.add(
                "error",
                "choices.value-type",
                where,
                f"choices of a NUMBER option need number values, found {describe(value)}",
            )
        elif _num(value) is not None and not -NUMBER_LIMIT <= value <= NUMBER_LIMIT:
            self.add(
                "error",
                "choices.value-type",
                where,
                f"choice value must be a number within ±{NUMBER_LIMIT}, found {safe_str(value)}",
            )

    def check_channel_types(self, option: Mapping[str, Any], path: JsonPath) -> None:
        seen: set[int] = set()
        for index, raw in enumerate(_list(option.get("channel_types"))):
            value = _int(raw)
            if value is None:
                continue
            where = (*path, "channel_types", index)
            if value not in CHANNEL_TYPES:
                allowed = ", ".join(str(v) for v in sorted(CHANNEL_TYPES))
                self.add(
                    "error",
                    "channel_types.value",
                    where,
                    f"channel type {safe_str(value)} is not one Discord knows ({allowed})",
                )
            elif value in seen:
                self.add("error", "channel_types.value", where, f"channel type {value} is listed twice")
            seen.add(value)

    def check_file_types(self, option: Mapping[str, Any], path: JsonPath) -> None:
        values = _list(option.get("file_types"))
        where = (*path, "file_types")
        if len(values) > FILE_TYPES_MAX:
            self.add(
                "error",
                "file_types.count",
                where,
                f"{len(values)} file types; Discord allows at most {FILE_TYPES_MAX}",
            )
        seen: set[str] = set()
        for index, value in enumerate(values):
            if not isinstance(value, str):
                continue
            at = (*where, index)
            # Docs: case-insensitive, normalised to lowercase (".PDF" is ".pdf").
            lowered = value.lower()
            if lowered in FILE_TYPE_KINDS or _FILE_EXTENSION.fullmatch(lowered):
                if lowered in seen:  # the docs forbid no repeats: Discord stores one lowercased list
                    self.add(
                        "warning",
                        "file_types.unique",
                        at,
                        f'file type "{_show(value)}" is listed twice (file types are case-insensitive); '
                        "remove the repeat",
                    )
                seen.add(lowered)
            else:
                self.add(
                    "error",
                    "file_types.value",
                    at,
                    f'file type "{_show(value)}" must be image, video, audio or an extension such as ".png"',
                )

    # command-level fields

    def check_handler(self, kind: int) -> None:
        raw = self.data.get("handler")
        if raw is None:
            return
        if kind != PRIMARY_ENTRY_POINT:
            self.add("error", "entry-point.handler", ("handler",), "handler is only for PRIMARY_ENTRY_POINT commands")
            return
        value = _int(raw)
        if value is not None and value not in HANDLERS:
            self.add(
                "error",
                "entry-point.handler",
                ("handler",),
                f"handler must be 1 (APP_HANDLER) or 2 (DISCORD_LAUNCH_ACTIVITY), found {safe_str(value)}",
            )

    def check_project(self, kind: int) -> None:
        if self.data.get("ownerOnly") is True and self.data.get("default_member_permissions") is None:
            self.add(
                "warning",
                "project.ownerOnly",
                ("ownerOnly",),
                "ownerOnly is never sent to Discord, so every member sees the command: add "
                '"default_member_permissions": "0" to hide it from all but administrators (the bot still checks '
                "the owner when it runs)",
            )
        if kind == PRIMARY_ENTRY_POINT and self.data.get("developmentOnly") is True:
            self.add(
                "error",
                "project.developmentOnly",
                ("developmentOnly",),
                "a PRIMARY_ENTRY_POINT command cannot be developmentOnly: it is global-only, "
                "so it could never be deployed",
            )
        old = _str(self.data.get("renamedFrom"))
        if old is None:
            return
        if old == self.data.get("name"):
            self.add(
                "error",
                "project.renamedFrom",
                ("renamedFrom",),
                f'renamedFrom "{_show(old)}" equals the current name; remove it',
            )
        for _suffix, message in name_errors(old, kind, "renamedFrom"):
            self.add("error", "project.renamedFrom", ("renamedFrom",), message + " (it must be a valid old name)")

    def check_size(self) -> None:
        size = command_size(self.data)
        if size > SIZE_MAX:
            self.add(
                "error",
                "size.max",
                (),
                f"command is {_chars(size)} long (names, descriptions, choices, longest localization of "
                f"each); Discord allows at most {SIZE_MAX}",
            )

    def check_permissions(self) -> None:
        raw = self.data.get("default_member_permissions")
        where = ("default_member_permissions",)
        if isinstance(raw, int) and not isinstance(raw, bool):
            # discord.py sends the bitfield as a number and Discord takes it; the docs say string.
            self.add(
                "warning",
                "permissions.string",
                where,
                f'default_member_permissions is the number {raw}; Discord documents a decimal string: "{raw}"',
            )
            raw = str(raw)
        value = _str(raw)
        if value is None:
            return
        if not _DECIMAL.fullmatch(value):
            self.add(
                "error",
                "permissions.bitfield",
                where,
                f'default_member_permissions "{_show(value)}" must be a decimal permission bitfield '
                'such as "8", or null for everyone',
            )
        elif len(value.lstrip("0")) > 20 or int(value) > PERMISSIONS_MAX:
            self.add(
                "error",
                "permissions.bitfield",
                where,
                f'default_member_permissions "{_show(value)}" is above {PERMISSIONS_MAX} (2^54-1), '
                "the largest bitfield Discord takes",
            )

    def check_contexts(self) -> None:
        for key, known, rule in (
            ("contexts", CONTEXTS, "contexts.value"),
            ("integration_types", INTEGRATION_TYPES, "integration_types.value"),
        ):
            raw = self.data.get(key)
            if not isinstance(raw, list):
                continue
            if not raw:
                self.add("error", rule, (key,), f"{key} is empty; list at least one, or omit it")
            seen: set[int] = set()
            allowed = ", ".join(f"{k} {v}" for k, v in known.items())
            for index, item in enumerate(raw):
                value = _int(item)
                if value is None:
                    continue
                if value not in known:
                    self.add("error", rule, (key, index), f"{key} value {safe_str(value)} is not one of {allowed}")
                elif value in seen:
                    self.add("error", rule, (key, index), f"{key} lists {value} twice")
                elif key == "contexts" and value == 1 and self.data.get("developmentOnly") is True:
                    self.add(
                        "warning",
                        "contexts.guild-bot-dm",
                        (key, index),
                        "contexts includes 1 (BOT_DM), which has no effect: a developmentOnly command "
                        "is deployed only to the staging guild",
                    )
                seen.add(value)

    def check_deprecated(self) -> None:
        # Deprecated but honoured on global commands: compared when stated, with the replacement named.
        dm = self.data.get("dm_permission")
        if isinstance(dm, bool):
            instead = "[0, 1, 2]" if dm else "[0]"
            self.add(
                "warning",
                "deprecated.dm_permission",
                ("dm_permission",),
                f'dm_permission is deprecated (Discord still honours it on global commands); use "contexts": '
                f"{instead} instead",
            )
        default = self.data.get("default_permission")
        if isinstance(default, bool):
            instead = "null" if default else '"0"'
            self.add(
                "warning",
                "deprecated.default_permission",
                ("default_permission",),
                "default_permission will soon be deprecated, the docs say (Discord honours it on guild and global "
                f'commands); use "default_member_permissions": {instead} instead',
            )

    def check_defaults(self) -> None:
        # contexts and integration_types mean something only for global commands.
        if not self.reaches_global:
            return
        contexts = self.data.get("contexts")
        integration_types = self.data.get("integration_types")
        if contexts is None and self.data.get("dm_permission") is None:
            self.add(
                "warning",
                "defaults.contexts",
                (),
                "contexts is not set, so Discord decides where this global command can be used; "
                'state it, e.g. "contexts": [0] (0 GUILD, 1 BOT_DM, 2 PRIVATE_CHANNEL)',
            )
        if integration_types is None:
            self.add(
                "warning",
                "defaults.integration_types",
                (),
                "integration_types is not set: Discord uses the app's default installation contexts; "
                'state it, e.g. "integration_types": [0] (0 GUILD_INSTALL, 1 USER_INSTALL)',
            )
        user_install = isinstance(integration_types, list) and 1 in integration_types
        if isinstance(contexts, list) and 2 in contexts and isinstance(integration_types, list) and not user_install:
            self.add(
                "warning",
                "contexts.private-channel",
                ("contexts", contexts.index(2)),
                "contexts includes 2 (PRIVATE_CHANNEL), which only applies when integration_types includes "
                "1 (USER_INSTALL); add 1 to integration_types, or remove 2",
            )


# -- size --


def _longest(obj: Mapping[str, Any], key: str) -> int:
    base = _str(obj.get(key))
    lengths = [len(base)] if base is not None else []
    lengths += [len(v) for v in _dict(obj.get(f"{key}_localizations")).values() if isinstance(v, str)]
    return max(lengths, default=0)


def _value_length(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    number = _num(value)
    if number is None:
        return 0
    if isinstance(number, float) and number.is_integer():
        number = int(number)  # JSON.stringify(1.0) is "1"
    try:
        return len(str(number))
    except ValueError:  # beyond Python's int → str limit: count the digits instead
        return int(abs(number)).bit_length() * 30103 // 100000 + 1


def _options_size(options: Any) -> int:
    total = 0
    for option in _list(options):
        if not isinstance(option, Mapping):
            continue
        total += _longest(option, "name") + _longest(option, "description")
        for choice in _list(option.get("choices")):
            if isinstance(choice, Mapping):
                total += _longest(choice, "name") + _value_length(choice.get("value"))
        total += _options_size(option.get("options"))
    return total


def command_size(data: Mapping[str, Any]) -> int:
    """Characters Discord counts against the 8000 limit; the longest localization of each field counts."""
    return _longest(data, "name") + _longest(data, "description") + _options_size(data.get("options"))


# -- scopes --


def _where(command: SourceCommand) -> str:
    return f"{command.file}:{command.line_at(('name',))}"


def _problem(command: SourceCommand, severity: Severity, rule: str, path: JsonPath, message: str) -> Problem:
    return Problem(
        severity,
        rule,
        message,
        file=command.file,
        line=command.line_at(path),
        path=format_path(command.name, path),
    )


def _scope_problems(
    label: str, members: Sequence[tuple[SourceCommand, int]], reported: set[tuple[Any, ...]]
) -> Iterator[Problem]:
    """Counts and unique names in one scope; ``reported`` keeps the second scope from repeating the first."""
    by_type: dict[int, list[SourceCommand]] = {}
    for command, kind in members:
        by_type.setdefault(kind, []).append(command)
    for kind, commands in by_type.items():
        limit = SCOPE_LIMITS[kind]
        if len(commands) > limit and ("count", kind) not in reported:
            reported.add(("count", kind))
            extra = commands[limit]
            message = f"{label} has {len(commands)} {COMMAND_TYPES[kind]} commands; Discord allows at most {limit}"
            if kind == PRIMARY_ENTRY_POINT:
                message = f"{label} has {len(commands)} PRIMARY_ENTRY_POINT commands; an app can have only one"
            yield _problem(extra, "error", "scope.count", ("name",), message)
        first: dict[str, SourceCommand] = {}
        for command in commands:
            name = _str(command.data.get("name"))
            if name is None:
                continue
            if name not in first:
                first[name] = command
                continue
            if ("unique", id(command)) in reported:
                continue
            reported.add(("unique", id(command)))
            yield _problem(
                command,
                "error",
                "scope.unique",
                ("name",),
                f'{COMMAND_TYPES[kind]} command "{_show(name)}" is defined twice in {label}: '
                f"{_where(first[name])} and {_where(command)}",
            )
        yield from _scope_localized_clashes(label, kind, commands, reported)


def _scope_localized_clashes(
    label: str, kind: int, commands: Sequence[SourceCommand], reported: set[tuple[Any, ...]]
) -> Iterator[Problem]:
    localized = {
        id(c): {k: v for k, v in _dict(c.data.get("name_localizations")).items() if isinstance(v, str)}
        for c in commands
    }
    for locale in sorted({locale for entries in localized.values() for locale in entries}):
        seen: dict[str, SourceCommand] = {}
        for command in commands:
            own = localized[id(command)]
            effective = own.get(locale, _str(command.data.get("name")))
            if effective is None:
                continue
            other = seen.setdefault(effective, command)
            if other is command or (locale not in own and locale not in localized[id(other)]):
                continue
            at = command if locale in own else other
            against = other if at is command else command
            key = ("clash", id(at), locale)
            if key in reported:
                continue
            reported.add(key)
            yield _problem(
                at,
                "error",
                "localizations.clash",
                ("name_localizations", locale),
                f'localized name "{_show(effective)}" ({locale}) clashes with {COMMAND_TYPES[kind]} command '
                f'"{_show(against.name)}" ({_where(against)}) in {label}',
            )


def _rename_problems(typed: Sequence[tuple[SourceCommand, int]]) -> Iterator[Problem]:
    current: dict[tuple[int, str], SourceCommand] = {}
    for command, kind in typed:
        name = _str(command.data.get("name"))
        if name is not None:
            current.setdefault((kind, name), command)
    claimed: dict[tuple[int, str], SourceCommand] = {}
    for command, kind in typed:
        old = _str(command.data.get("renamedFrom"))
        if old is None or old == command.data.get("name"):
            continue
        holder = current.get((kind, old))
        if holder is not None:
            yield _problem(
                command,
                "error",
                "project.renamedFrom",
                ("renamedFrom",),
                f'renamedFrom "{_show(old)}" is still the name of a command ({_where(holder)}); '
                "a renamed command's old name must be gone",
            )
        first = claimed.setdefault((kind, old), command)
        if first is not command:
            yield _problem(
                command,
                "error",
                "project.renamedFrom",
                ("renamedFrom",),
                f'renamedFrom "{_show(old)}" is also claimed by {_where(first)}; '
                "only one command can take over an old name",
            )


def check_commands(commands: Sequence[SourceCommand], *, scope: Scope = "any") -> list[Problem]:
    """Every problem of every command, then of the global and staging-guild scopes.

    ``scope``: where this run deploys; warnings about fields only global commands honour are left
    out for "guild". Problems come in the order of the commands, then the scope problems; callers
    sort them (``problems.sort_problems``) for display.
    """
    problems: list[Problem] = []
    typed: list[tuple[SourceCommand, int]] = []
    for command in commands:
        checker = _CommandChecker(command, scope)
        kind = checker.run()
        problems += checker.problems
        if kind is not None:
            typed.append((command, kind))
    reported: set[tuple[Any, ...]] = set()
    # Global: all but staging-only (developmentOnly) and per-guild (guilds) commands.
    production = [(c, k) for c, k in typed if c.data.get("developmentOnly") is not True and not c.guilds]
    staging = [(c, k) for c, k in typed if k != PRIMARY_ENTRY_POINT]
    problems += _scope_problems("the global scope", production, reported)
    problems += _scope_problems("the staging guild", staging, reported)
    problems += _rename_problems(typed)
    problems += guild_problems(commands)  # guild_rules.py: the per-guild key
    return problems
