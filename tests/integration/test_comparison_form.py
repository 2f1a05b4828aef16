"""The comparison form holds documented fields only: the real-world defects of issue 12 as regression tests.

- `"min_value?"` inside an option and `"dm_permissions"` at the top level (both from real repositories) sent
  deploys into a loop: detect warned, stage PUT, verification never matched. They are near misses: errors.
- An unknown key that is no near miss is dropped: the first run deploys, the next one makes no write.
- `dm_permission` (deprecated, still honoured on global commands) is compared when the file states it.
- Warnings about fields only global commands honour are left out of a run that writes only to a guild.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from alia_action.commands.loader import parse_command_file
from alia_action.commands.plan import FieldChange, build_plan, overwrite_body
from alia_action.commands.rules import check_commands
from alia_action.discord.emulator import Emulator
from alia_action.handlers import detect, stage
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, GUILD_ID

PING: dict[str, Any] = {"name": "ping", "description": "Replies with pong", "contexts": [0], "integration_types": [0]}


def write_commands(workspace: Path, commands: list[dict[str, Any]]) -> None:
    folder = workspace / "commands"
    for path in folder.rglob("*.json"):
        path.unlink()
    (folder / "set.json").write_text(json.dumps(commands, indent=2), encoding="utf-8")


def problems_of(commands: list[dict[str, Any]], scope: Any = "any") -> list[Any]:
    parsed = parse_command_file("set.json", json.dumps(commands, indent=2).encode())
    return check_commands(parsed.commands, scope=scope)


def test_min_value_with_a_question_mark_is_an_error_with_did_you_mean(
    make_settings: SettingsFactory, ctx: Runtime, live: Emulator
) -> None:
    option = {"type": 4, "name": "count", "description": "How many", "min_value?": 1}
    write_commands(ctx.workspace, [{**PING, "options": [option]}])
    outcome = detect.run(make_settings(action="detect", bot_token=None, application_id=None), ctx)
    assert outcome.exit_code == 1
    (problem,) = [p for p in outcome.problems if p.is_error]
    assert problem.rule == "schema.near-miss" and problem.path == "ping.options[0].min_value?"
    assert "did you mean `min_value`?" in problem.message
    # stage stops before any contact with Discord.
    assert stage.run(make_settings(action="stage"), ctx).exit_code == 1
    assert live.requests == []


def test_dm_permissions_is_an_error_with_did_you_mean() -> None:
    (problem,) = [p for p in problems_of([{**PING, "dm_permissions": False}]) if p.is_error]
    assert (problem.rule, problem.path) == ("schema.near-miss", "ping.dm_permissions")
    assert "did you mean `dm_permission`?" in problem.message


def test_an_unknown_key_deploys_once_and_the_next_run_makes_no_write(
    make_settings: SettingsFactory, ctx: Runtime, live: Emulator
) -> None:
    option = {"type": 3, "name": "text", "description": "What to echo", "example": "hello"}
    write_commands(ctx.workspace, [{**PING, "category": "fun", "options": [option]}])
    first = stage.run(make_settings(action="stage"), ctx)
    assert first.exit_code == 0 and first.outputs["changed"] == "true"
    warnings = {(p.rule, p.path) for p in first.problems}
    assert ("schema.unknown-key", "ping.category") in warnings
    assert ("schema.unknown-key", "ping.options[0].example") in warnings
    put = next(r for r in live.requests if r.method in ("PUT", "POST"))
    sent = json.dumps(put.body)
    assert "category" not in sent and "example" not in sent  # dropped: never sent

    mark = len(live.requests)
    second = stage.run(make_settings(action="stage"), ctx)
    assert second.exit_code == 0 and second.outputs["changed"] == "false"
    assert [r.method for r in live.requests[mark:]] == ["GET"]


def test_a_dm_permission_flip_is_a_modification_of_that_one_field(live: Emulator) -> None:
    live.set_commands(APP_ID, None, [{**PING, "dm_permission": False}])
    remote = live.commands(APP_ID)
    assert remote[0]["dm_permission"] is False
    assert build_plan([{**PING, "dm_permission": False}], remote).empty
    plan = build_plan([{**PING, "dm_permission": True}], remote)
    (change,) = plan.modified
    assert change.name == "ping" and change.fields == [FieldChange("dm_permission", False, True)]
    # Unstated, it is not compared: Discord echoes its own value on every global command.
    assert build_plan([PING], remote).empty
    # Guild commands ignore it: never compared there, never sent there.
    live.set_commands(APP_ID, GUILD_ID, [PING])
    assert build_plan([{**PING, "dm_permission": False}], live.commands(APP_ID, GUILD_ID), guild=True).empty
    assert "dm_permission" not in overwrite_body([{**PING, "dm_permission": False}], guild=True)[0]


def test_default_permission_is_compared_when_stated_on_global_commands(live: Emulator) -> None:
    live.set_commands(APP_ID, None, [PING])
    remote = live.commands(APP_ID)
    assert build_plan([{**PING, "default_permission": True}], remote).empty  # the documented default
    (change,) = build_plan([{**PING, "default_permission": False}], remote).modified
    assert change.fields == [FieldChange("default_permission", True, False)]


def test_deprecation_warnings_name_the_replacement() -> None:
    found = {p.rule: p.message for p in problems_of([{**PING, "dm_permission": False, "default_permission": False}])}
    assert '"contexts": [0]' in found["deprecated.dm_permission"]
    assert '"default_member_permissions": "0"' in found["deprecated.default_permission"]


def test_contexts_and_integration_types_warnings_only_for_global_commands() -> None:
    bare = {"name": "ping", "description": "Replies with pong"}
    global_rules = {p.rule for p in problems_of([bare], "global")}
    assert {"defaults.contexts", "defaults.integration_types"} <= global_rules
    assert not {p.rule for p in problems_of([bare], "guild")}
    # A developmentOnly command never reaches the global scope.
    assert not {p.rule for p in problems_of([{**bare, "developmentOnly": True}], "global")}
    # The message says only what Discord documents: no claim about what it fills.
    message = next(p.message for p in problems_of([bare], "global") if p.rule == "defaults.contexts")
    assert "[0,1,2]" not in message.replace(" ", "") and "fills" not in message


def test_stage_does_not_warn_about_global_only_fields(
    make_settings: SettingsFactory, ctx: Runtime, live: Emulator
) -> None:
    write_commands(ctx.workspace, [{"name": "ping", "description": "Replies with pong"}])
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0
    assert not [p for p in outcome.problems if p.rule.startswith("defaults.")]


def test_localized_option_names_swapped_are_a_warning_and_discord_takes_them(live: Emulator) -> None:
    # AC:1086 forbids it in words only; no one has seen Discord refuse it, so it must not block a deploy.
    options = [
        {"type": 3, "name": "foo", "description": "d", "name_localizations": {"de": "bar"}},
        {"type": 3, "name": "bar", "description": "d", "name_localizations": {"de": "foo"}},
    ]
    clashes = [p for p in problems_of([{**PING, "options": options}]) if p.rule == "localizations.option-clash"]
    assert [(p.path, p.severity) for p in clashes] == [
        ("ping.options[0].name_localizations.de", "warning"),
        ("ping.options[1].name_localizations.de", "warning"),
    ]
    live.set_commands(APP_ID, None, [{**PING, "options": options}])
    assert [o["name"] for o in live.commands(APP_ID)[0]["options"]] == ["foo", "bar"]


def test_entry_point_handler_is_optional_and_compared_only_when_stated(live: Emulator) -> None:
    launch = {"type": 4, "name": "launch", "description": "Launch", "contexts": [0], "integration_types": [0]}
    live.set_commands(APP_ID, None, [launch])
    remote = live.commands(APP_ID)
    assert remote[0]["handler"] in (1, 2)  # the emulator fills one; the docs give no default
    assert build_plan([launch], remote).empty
    other = 2 if remote[0]["handler"] == 1 else 1
    (change,) = build_plan([{**launch, "handler": other}], remote).modified
    assert change.fields == [FieldChange("handler", remote[0]["handler"], other)]


def test_file_types_are_case_insensitive_in_rules_emulator_and_comparison(live: Emulator) -> None:
    command = {**PING, "options": [{"type": 11, "name": "file", "description": "d", "file_types": [".PDF", "Image"]}]}
    assert not [p for p in problems_of([command]) if p.is_error]
    live.set_commands(APP_ID, GUILD_ID, [command])
    stored = live.commands(APP_ID, GUILD_ID)
    assert stored[0]["options"][0]["file_types"] == [".pdf", "image"]
    assert build_plan([command], stored, guild=True).empty


def test_the_ascii_apostrophe_is_refused_and_u02bc_accepted(live: Emulator) -> None:
    assert [p.rule for p in problems_of([{**PING, "name": "isn't"}]) if p.is_error] == ["name.pattern"]
    assert not [p for p in problems_of([{**PING, "name": "isn\u02bct"}]) if p.is_error]
    live.set_commands(APP_ID, GUILD_ID, [{**PING, "name": "isn\u02bct"}])
    try:
        live.set_commands(APP_ID, GUILD_ID, [{**PING, "name": "isn't"}])
    except ValueError as exc:
        assert "STRING_TYPE_REGEX" in str(exc)
    else:
        raise AssertionError("the emulator accepted an ASCII apostrophe")
