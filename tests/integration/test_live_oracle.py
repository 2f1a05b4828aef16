"""What a deploy leaves live, judged by the raw JSON the emulator holds, not by the planner.

Each test deploys through the handlers (stage, promote) and compares what the emulator holds with the
expected JSON written out here or derived by tests/support/live_oracle.py (a plain reading of Discord's
docs that shares no code with canonical.py or plan.py). A blind spot in the project's comparison then
shows as a wrong live state here instead of as an empty replan everywhere.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator
from alia_action.handlers import promote, stage
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory
from tests.support.deploy_helpers import local_set
from tests.support.discord_fixtures import APP_ID, GUILD_ID
from tests.support.live_oracle import expected_live, held

PAINT: dict[str, Any] = {
    "name": "paint",
    "description": "Paint something",
    "options": [
        {
            "type": 3,
            "name": "colour",
            "description": "Which colour",
            "required": True,
            "choices": [{"name": "Red", "value": "r"}, {"name": "Green", "value": "g"}, {"name": "Blue", "value": "b"}],
        },
        {"type": 4, "name": "coats", "description": "How many coats", "min_value": 1, "max_value": 3},
        {"type": 5, "name": "glossy", "description": "Glossy finish"},
    ],
}


def write(workspace: Path, *commands: dict[str, Any]) -> None:
    """The workspace's command files become exactly ``commands``."""
    folder = workspace / "commands"
    for old in folder.rglob("*.json"):
        old.unlink()
    (folder / "set.json").write_text(json.dumps(list(commands), indent=2), encoding="utf-8")


def guild_holds(live: Emulator) -> dict[str, dict[str, Any]]:
    """The staging guild's raw commands by name, server fields removed (ids and versions are Discord's)."""
    out: dict[str, dict[str, Any]] = {}
    for command in live.commands(APP_ID, GUILD_ID):
        out[command["name"]] = {k: v for k, v in command.items() if k not in ("id", "application_id", "version")}
    return out


def test_stage_leaves_the_examples_live_as_the_files_say(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    files = local_set(ctx.workspace, guild=True)
    assert held(live.commands(APP_ID, GUILD_ID), files, guild=True) == expected_live(files, guild=True)


def test_promote_leaves_the_examples_live_globally_as_the_files_say(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    promote.run(make_settings(action="promote"), ctx)
    files = local_set(ctx.workspace, guild=False)
    assert held(live.commands(APP_ID), files, guild=False) == expected_live(files, guild=False)


def test_choices_reordered_in_the_file_are_reordered_live(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    write(ctx.workspace, PAINT)
    stage.run(make_settings(action="stage"), ctx)
    reordered = json.loads(json.dumps(PAINT))
    reordered["options"][0]["choices"].reverse()
    write(ctx.workspace, reordered)
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.outputs["modified"] == '["paint"]'
    choices = guild_holds(live)["paint"]["options"][0]["choices"]
    assert [c["value"] for c in choices] == ["b", "g", "r"]  # the file's order, which users see


def test_a_trailing_option_removed_from_the_file_is_removed_live(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    write(ctx.workspace, PAINT)
    stage.run(make_settings(action="stage"), ctx)
    write(ctx.workspace, {**PAINT, "options": PAINT["options"][:2]})
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.outputs["modified"] == '["paint"]'
    assert [o["name"] for o in guild_holds(live)["paint"]["options"]] == ["colour", "coats"]


@pytest.mark.parametrize(
    ("field", "value", "unset"),
    [
        ("nsfw", True, False),
        ("default_member_permissions", "8", None),
        ("description_localizations", {"de": "Etwas malen"}, None),
        ("name_localizations", {"de": "malen"}, None),
    ],
)
def test_a_field_dropped_from_the_file_is_unset_live(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, field: str, value: Any, unset: Any
) -> None:
    write(ctx.workspace, {**PAINT, field: value})
    stage.run(make_settings(action="stage"), ctx)
    assert guild_holds(live)["paint"][field] == value
    write(ctx.workspace, PAINT)
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.outputs["modified"] == '["paint"]'
    assert guild_holds(live)["paint"][field] == unset


def test_an_option_field_changed_is_exactly_that_change_live(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    write(ctx.workspace, PAINT)
    stage.run(make_settings(action="stage"), ctx)
    before = guild_holds(live)["paint"]
    edited = json.loads(json.dumps(PAINT))
    edited["options"][1]["max_value"] = 5
    write(ctx.workspace, edited)
    stage.run(make_settings(action="stage"), ctx)
    after = guild_holds(live)["paint"]
    expected = json.loads(json.dumps(before))
    expected["options"][1]["max_value"] = 5
    assert after == expected  # nothing else moved: the raw JSON, field for field
