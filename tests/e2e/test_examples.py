"""The example command set in examples/commands is realistic and 100% valid.

Standalone on purpose (json, pathlib, re, unicodedata only): it checks the example files
against Discord's rules as written in the project's notes, independently of the
validator, so a bug in one cannot hide a bug in the other.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "commands"

CHAT_INPUT, USER_MENU, MESSAGE_MENU = 1, 2, 3
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, NUMBER, CHANNEL, ATTACHMENT = 3, 4, 10, 7, 11

LOCALES = {
    "id", "da", "de", "en-GB", "en-US", "es-ES", "es-419", "fr", "hr", "it", "lt", "hu", "nl", "no",
    "pl", "pt-BR", "ro", "fi", "sv-SE", "vi", "tr", "cs", "el", "bg", "ru", "uk", "hi", "th",
    "zh-CN", "ja", "zh-TW", "ko",
}  # fmt: skip
CHANNEL_TYPES = {0, 1, 2, 3, 4, 5, 10, 11, 12, 13, 14, 15, 16}
COMMAND_KEYS = {
    "type", "name", "name_localizations", "description", "description_localizations", "options",
    "default_member_permissions", "contexts", "integration_types", "nsfw", "developmentOnly",
}  # fmt: skip
OPTION_KEYS = {
    "type", "name", "name_localizations", "description", "description_localizations", "required",
    "choices", "autocomplete", "min_value", "max_value", "min_length", "max_length",
    "channel_types", "options",
}  # fmt: skip
MAX_SAFE = 2**53 - 1


# ----------------------------------------------------------------------------- helpers


def _files() -> list[Path]:
    return sorted(EXAMPLES.rglob("*.json"))


def _load() -> list[tuple[Path, dict[str, Any]]]:
    out: list[tuple[Path, dict[str, Any]]] = []
    for path in _files():
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data if isinstance(data, list) else [data]
        for item in items:
            assert isinstance(item, dict), f"{path}: every item must be a command object"
            out.append((path, item))
    return out


COMMANDS = _load()


def _kind(cmd: dict[str, Any]) -> int:
    return int(cmd.get("type", CHAT_INPUT))


def _is_name_char(ch: str) -> bool:
    if ch in "-_'":
        return True
    if unicodedata.category(ch)[0] in "LN":
        return True
    code = ord(ch)
    return 0x0900 <= code <= 0x097F or 0x0E00 <= code <= 0x0E7F  # Devanagari, Thai


def valid_slash_name(name: object) -> bool:
    """``^[-_'\\p{L}\\p{N}\\p{sc=Deva}\\p{sc=Thai}]{1,32}$``, and no letter with a lowercase form
    in upper or title case."""
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    return all(_is_name_char(ch) and ch.lower() == ch for ch in name)


def _longest(obj: dict[str, Any], field: str) -> int:
    """Length of ``field``, or of its longest localization when that is longer."""
    lengths = [len(str(obj.get(field, "")))]
    lengths += [len(v) for v in (obj.get(f"{field}_localizations") or {}).values()]
    return max(lengths)


def command_size(obj: dict[str, Any]) -> int:
    """Discord's size rule: name + description + every option's name and description + every
    choice's name and value, recursively; the longest localized variant of each field counts."""
    total = _longest(obj, "name") + _longest(obj, "description")
    for choice in obj.get("choices") or []:
        total += _longest(choice, "name") + len(str(choice["value"]))
    for option in obj.get("options") or []:
        total += command_size(option)
    return total


def _walk_options(options: list[dict[str, Any]], where: str):
    """Yield (path, option) for every option at every level."""
    for option in options:
        path = f"{where}.{option.get('name')}"
        yield path, option
        yield from _walk_options(option.get("options") or [], path)


def _by_name(name: str) -> dict[str, Any]:
    found = [c for _, c in COMMANDS if c.get("name") == name]
    assert len(found) == 1, f"expected exactly one command named {name!r}, found {len(found)}"
    return found[0]


# ----------------------------------------------------------------------------- the size rule itself


def test_size_rule_counts_longest_localization_and_choices() -> None:
    cmd = {
        "name": "ab",
        "description": "abcd",
        "description_localizations": {"de": "abcdefgh"},
        "options": [
            {"type": 3, "name": "x", "description": "yy", "choices": [{"name": "n", "value": "vvv"}]},
            {"type": 4, "name": "z", "description": "w", "choices": [{"name": "one", "value": 100}]},
        ],
    }
    assert command_size(cmd) == 2 + 8 + (1 + 2 + 1 + 3) + (1 + 1 + 3 + 3)


def test_name_rule() -> None:
    for good in ("ping", "8ball", "würfeln", "météo", "días", "clear-warnings", "it's", "ダイス", "हिंदी"):
        assert valid_slash_name(good), good
    for bad in ("Ping", "two words", "", "x" * 33, "emoji😀", "MÉTÉO", "a.b"):
        assert not valid_slash_name(bad), bad


# ----------------------------------------------------------------------------- files


def test_files_are_pretty_printed_utf8_with_trailing_newline() -> None:
    files = _files()
    assert files, "no example files found"
    for path in files:
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), f"{path}: BOM"
        text = raw.decode("utf-8")
        expected = json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n"
        assert text == expected, f"{path}: not pretty-printed with 2 spaces and one trailing newline"


def test_files_mix_single_objects_and_arrays() -> None:
    shapes = {isinstance(json.loads(p.read_text(encoding="utf-8")), list) for p in _files()}
    assert shapes == {True, False}
    assert (EXAMPLES / "context-menus.json").is_file()
    for area in ("fun", "moderation", "utility"):
        assert list((EXAMPLES / area).glob("*.json")), f"no files under {area}/"


# ----------------------------------------------------------------------------- the set as a whole


def test_command_count() -> None:
    assert 45 <= len(COMMANDS) <= 55


def test_names_unique_per_type_and_within_scope_limits() -> None:
    seen: dict[tuple[int, str], Path] = {}
    for path, cmd in COMMANDS:
        key = (_kind(cmd), cmd["name"])
        assert key not in seen, f"{cmd['name']!r} defined twice ({seen[key]} and {path})"
        seen[key] = path
    kinds = [_kind(c) for _, c in COMMANDS]
    assert kinds.count(CHAT_INPUT) <= 100
    assert kinds.count(USER_MENU) <= 15
    assert kinds.count(MESSAGE_MENU) <= 15


def test_exactly_one_development_only_command() -> None:
    dev = [c for _, c in COMMANDS if "developmentOnly" in c]
    assert len(dev) == 1
    assert dev[0]["developmentOnly"] is True


def test_default_member_permissions_on_two_commands() -> None:
    perms = {c["name"]: c["default_member_permissions"] for _, c in COMMANDS if "default_member_permissions" in c}
    assert len(perms) == 2, perms
    for value in perms.values():
        assert isinstance(value, str) and re.fullmatch(r"0|[1-9][0-9]*", value), value
    assert set(perms.values()) == {"32", str(1 << 40)}  # ManageGuild, ModerateMembers


def test_localizations_on_at_least_three_commands() -> None:
    localized = [c["name"] for _, c in COMMANDS if c.get("name_localizations") or c.get("description_localizations")]
    assert len(localized) >= 3, localized


def test_every_command_states_contexts_and_integration_types() -> None:
    # Discord fills them in when omitted, which the rules warn about: the examples run without a warning.
    missing = [c["name"] for _, c in COMMANDS if "contexts" not in c or "integration_types" not in c]
    assert missing == []
    for _, cmd in COMMANDS:
        if "contexts" in cmd:
            assert cmd["contexts"] and set(cmd["contexts"]) <= {0, 1, 2}
            assert len(set(cmd["contexts"])) == len(cmd["contexts"])
        if "integration_types" in cmd:
            assert cmd["integration_types"] and set(cmd["integration_types"]) <= {0, 1}
            assert len(set(cmd["integration_types"])) == len(cmd["integration_types"])


# ----------------------------------------------------------------------------- required shapes


def test_config_has_eight_groups_with_25_subcommands_and_realistic_size() -> None:
    candidates = [
        c
        for _, c in COMMANDS
        if _kind(c) == CHAT_INPUT and len([o for o in c.get("options", []) if o["type"] == SUB_COMMAND_GROUP]) == 8
    ]
    assert len(candidates) == 1
    config = candidates[0]
    groups = config["options"]
    assert all(g["type"] == SUB_COMMAND_GROUP for g in groups)
    subs = [s for g in groups for s in g["options"]]
    assert len(subs) == 25
    assert all(s["type"] == SUB_COMMAND for s in subs)
    assert 2400 <= command_size(config) <= 2900, command_size(config)


def test_a_command_mixes_subcommands_and_a_group_at_top_level() -> None:
    mixed = [
        c["name"] for _, c in COMMANDS if {o["type"] for o in c.get("options", [])} == {SUB_COMMAND, SUB_COMMAND_GROUP}
    ]
    assert mixed


def test_context_menus() -> None:
    save = [c for _, c in COMMANDS if c.get("name") == "Save Clip"]
    assert len(save) == 1 and save[0]["type"] == MESSAGE_MENU
    assert any(_kind(c) == USER_MENU for _, c in COMMANDS)


def test_option_features_are_all_exercised() -> None:
    options = [o for _, c in COMMANDS for _, o in _walk_options(c.get("options", []), c["name"])]

    def has(pred) -> bool:
        return any(pred(o) for o in options)

    assert has(lambda o: o["type"] == STRING and o.get("autocomplete") is True)
    assert has(lambda o: o["type"] == STRING and o.get("choices"))
    assert has(lambda o: o["type"] == INTEGER and o.get("choices"))
    assert has(lambda o: o["type"] == INTEGER and "min_value" in o and "max_value" in o)
    assert has(lambda o: o["type"] == NUMBER and "min_value" in o and "max_value" in o)
    assert has(lambda o: o["type"] == STRING and "min_length" in o and "max_length" in o)
    assert has(lambda o: o["type"] == CHANNEL and sorted(o.get("channel_types", [])) == [0, 5])
    assert has(lambda o: o["type"] == ATTACHMENT)


# ----------------------------------------------------------------------------- Discord's rules, per command


def _check_localizations(obj: dict[str, Any], where: str, name_rule) -> None:
    for field in ("name_localizations", "description_localizations"):
        locs = obj.get(field)
        if locs is None:
            continue
        assert isinstance(locs, dict), f"{where}: {field} must be an object"
        assert set(locs) <= LOCALES, f"{where}: unknown locale(s) {set(locs) - LOCALES}"
        base = obj.get(field.removesuffix("_localizations"))
        for locale, value in locs.items():
            assert value != base, f"{where}: {field}[{locale}] equals the default (Discord drops it)"
            if field == "name_localizations":
                assert name_rule(value), f"{where}: bad localized name {value!r} ({locale})"
            else:
                assert 1 <= len(value) <= 100, f"{where}: {field}[{locale}] length {len(value)}"


def _check_level(options: list[dict[str, Any]], where: str, depth: int) -> None:
    """``depth``: 0 command, 1 inside a group or subcommand, 2 inside a subcommand of a group."""
    assert len(options) <= 25, f"{where}: {len(options)} options"
    kinds = {o["type"] for o in options}
    if kinds & {SUB_COMMAND, SUB_COMMAND_GROUP}:
        assert kinds <= {SUB_COMMAND, SUB_COMMAND_GROUP}, f"{where}: subcommands mixed with plain options"
    # names unique per level, across every locale too
    names = [o["name"] for o in options]
    assert len(names) == len(set(names)), f"{where}: duplicate option names"
    for locale in LOCALES:
        shown = [(o.get("name_localizations") or {}).get(locale, o["name"]) for o in options]
        assert len(shown) == len(set(shown)), f"{where}: option names clash in {locale}"
    required = [o.get("required", False) for o in options if o["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP)]
    assert required == sorted(required, reverse=True), f"{where}: a required option after an optional one"

    for option in options:
        path = f"{where}.{option['name']}"
        assert set(option) <= OPTION_KEYS, f"{path}: unexpected keys {set(option) - OPTION_KEYS}"
        assert valid_slash_name(option["name"]), f"{path}: bad name"
        assert 1 <= len(option.get("description", "")) <= 100, f"{path}: description length"
        _check_localizations(option, path, valid_slash_name)
        kind = option["type"]
        assert kind in {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, f"{path}: unknown type {kind}"
        if kind == SUB_COMMAND_GROUP:
            assert depth == 0, f"{path}: a group may only sit at the top level"
            assert "required" not in option
            subs = option.get("options", [])
            assert subs and all(s["type"] == SUB_COMMAND for s in subs), f"{path}: a group holds subcommands"
            _check_level(subs, path, 1)
        elif kind == SUB_COMMAND:
            assert depth in (0, 1), f"{path}: subcommand nested too deep"
            assert "required" not in option
            inner = option.get("options", [])
            assert all(o["type"] not in (SUB_COMMAND, SUB_COMMAND_GROUP) for o in inner)
            _check_level(inner, path, 2)
        else:
            assert "options" not in option, f"{path}: plain options have no options"
            _check_plain_option(option, path)


def _check_plain_option(option: dict[str, Any], path: str) -> None:
    kind = option["type"]
    if "required" in option:
        assert isinstance(option["required"], bool)
    if "choices" in option:
        assert kind in (STRING, INTEGER, NUMBER), f"{path}: choices on type {kind}"
        assert option.get("autocomplete") is not True, f"{path}: choices together with autocomplete"
        choices = option["choices"]
        assert 1 <= len(choices) <= 25, f"{path}: {len(choices)} choices"
        for choice in choices:
            assert 1 <= len(choice["name"]) <= 100
            value = choice["value"]
            if kind == STRING:
                assert isinstance(value, str) and len(value) <= 100
            elif kind == INTEGER:
                assert isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_SAFE
            else:
                assert isinstance(value, int | float) and not isinstance(value, bool)
        values = [c["value"] for c in choices]
        assert len(values) == len(set(values)), f"{path}: duplicate choice values"
    if "autocomplete" in option:
        assert kind in (STRING, INTEGER, NUMBER) and isinstance(option["autocomplete"], bool)
    if "min_value" in option or "max_value" in option:
        assert kind in (INTEGER, NUMBER), f"{path}: min/max_value on type {kind}"
        for key in ("min_value", "max_value"):
            if key in option:
                value = option[key]
                assert isinstance(value, int | float) and not isinstance(value, bool)
                if kind == INTEGER:
                    assert isinstance(value, int) and abs(value) <= MAX_SAFE
                else:
                    assert abs(value) <= 2**53
        if "min_value" in option and "max_value" in option:
            assert option["min_value"] <= option["max_value"]
    if "min_length" in option or "max_length" in option:
        assert kind == STRING, f"{path}: min/max_length on type {kind}"
        if "min_length" in option:
            assert isinstance(option["min_length"], int) and 0 <= option["min_length"] <= 6000
        if "max_length" in option:
            assert isinstance(option["max_length"], int) and 1 <= option["max_length"] <= 6000
        if "min_length" in option and "max_length" in option:
            assert option["min_length"] <= option["max_length"]
    if "channel_types" in option:
        assert kind == CHANNEL, f"{path}: channel_types on type {kind}"
        types = option["channel_types"]
        assert types and set(types) <= CHANNEL_TYPES and len(set(types)) == len(types)


@pytest.mark.parametrize(
    "cmd", [c for _, c in COMMANDS], ids=[f"{p.relative_to(EXAMPLES)}:{c.get('name')}" for p, c in COMMANDS]
)
def test_command_is_valid(cmd: dict[str, Any]) -> None:
    name = cmd["name"]
    assert set(cmd) <= COMMAND_KEYS, f"{name}: unexpected keys {set(cmd) - COMMAND_KEYS}"
    kind = _kind(cmd)
    assert kind in (CHAT_INPUT, USER_MENU, MESSAGE_MENU)
    if "nsfw" in cmd:
        assert isinstance(cmd["nsfw"], bool)
    if kind == CHAT_INPUT:
        assert valid_slash_name(name), f"bad slash command name {name!r}"
        assert 1 <= len(cmd.get("description", "")) <= 100, f"{name}: description length"
        _check_localizations(cmd, name, valid_slash_name)
        _check_level(cmd.get("options", []), name, 0)
        assert command_size(cmd) <= 8000, f"{name}: {command_size(cmd)} characters"
    else:
        assert isinstance(name, str) and 1 <= len(name) <= 32
        assert "description" not in cmd and "description_localizations" not in cmd
        assert "options" not in cmd
        _check_localizations(cmd, name, lambda n: isinstance(n, str) and 1 <= len(n) <= 32)
