"""``ownerOnly`` (the original's deployment flag) is the tool's own key: never sent, never compared."""

from __future__ import annotations

import json
from pathlib import Path

from alia_action.discord.emulator import Emulator
from alia_action.handlers import detect, stage
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, GUILD_ID


def owner_command(workspace: Path, **more: object) -> None:
    command = {"name": "shutdown", "description": "Stop the bot (owner only)", "ownerOnly": True, **more}
    (workspace / "commands" / "owner.json").write_text(json.dumps(command, indent=2) + "\n", encoding="utf-8")


def test_owner_only_is_never_sent_and_a_second_deploy_is_a_no_op(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    owner_command(ctx.workspace, default_member_permissions="0")
    first = stage.run(make_settings(action="stage"), ctx)
    assert first.exit_code == 0 and not [p for p in first.problems if p.rule.startswith("project.ownerOnly")]
    [put] = [r for r in live.requests if r.method == "PUT"]
    sent = next(c for c in put.body if c["name"] == "shutdown")
    assert "ownerOnly" not in sent and sent["default_member_permissions"] == "0"
    writes = len(live.requests)
    again = stage.run(make_settings(action="stage"), ctx)
    assert again.exit_code == 0 and [r.method for r in live.requests[writes:]] == ["GET"]  # nothing to compare
    assert not [p for p in again.problems if p.rule == "schema.unknown-key"]
    stored = next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "shutdown")
    assert "ownerOnly" not in stored and GUILD_ID in put.path


def test_owner_only_without_permissions_suggests_zero(make_settings: SettingsFactory, ctx: Runtime) -> None:
    owner_command(ctx.workspace)
    outcome = detect.run(make_settings(action="detect", bot_token=None, application_id=None), ctx)
    [problem] = [p for p in outcome.problems if p.rule == "project.ownerOnly"]
    assert problem.severity == "warning" and problem.file.endswith("owner.json") and problem.line == 4
    assert '"default_member_permissions": "0"' in problem.message
    assert outcome.exit_code == 0  # a warning: the deploy may go on
