"""Plans a reviewer reads at a glance: fields named by their options, and the guards' verdicts in the plan.

The PR comment goes through the GitHub stand-in (PyGithub over loopback HTTP); the live commands are the
emulator's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from alia_action.commands.plan import build_plan
from alia_action.discord.emulator import Emulator
from alia_action.handlers import detect
from alia_action.runtime import Runtime, utc_now
from alia_action.stores.ledger import FileLedger, LedgerEntry
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID
from tests.support.github_run import GH_TOKEN, Runner
from tests.support.github_standin import GitHubStandIn, pr_event


def dice(max_value: int = 100) -> dict[str, Any]:
    sides = {"type": 4, "name": "sides", "description": "How many sides", "min_value": 2, "max_value": max_value}
    roll = {"type": 1, "name": "roll", "description": "Roll a die", "options": [sides]}
    return {"name": "dice", "description": "Dice games", "options": [roll]}


LEGACY = {"name": "legacy", "description": "An old command nobody exported"}


def project(root: Path, *commands: dict[str, Any]) -> Path:
    (root / "commands").mkdir(parents=True)
    (root / "commands" / "bot.json").write_text(json.dumps(list(commands), indent=2) + "\n", encoding="utf-8")
    return root


def test_field_paths_are_named_by_subcommand_and_option() -> None:
    [change] = build_plan([dice(120)], [dice(100)]).modified
    [field] = change.fields
    assert field.label("dice") == "dice › roll › sides: max_value 100 → 120"
    assert field.path == "options[0].options[0].max_value"  # the index form stays in the JSON report
    choices = dict(
        dice(), options=[{"type": 3, "name": "mode", "description": "m", "choices": [{"name": "fast", "value": "f"}]}]
    )
    slower = json.loads(json.dumps(choices).replace('"f"}', '"F"}'))
    [field] = build_plan([slower], [choices]).modified[0].fields
    assert field.label("dice") == 'dice › mode › choice "fast": value "f" → "F"'
    [added] = build_plan([dice()], [dict(dice(), options=[])]).modified[0].fields
    assert added.label("dice").startswith("dice › roll: added {")


def test_the_pr_comment_names_fields_and_says_the_deletion_guard_will_stop_the_deploy(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    live.set_commands(APP_ID, None, [dice(100), LEGACY])  # production today
    workspace = project(tmp_path / "pr", dice(120))  # the pull request: sides up to 120, legacy gone
    gh.add_pull_request(12)
    step = Runner(gh, tmp_path, pr_event(12), "pull_request")(
        make_settings(action="detect", environment="production", github_token=GH_TOKEN), workspace
    )
    assert step.code == 0, step.log  # a plan is not a failure: the deploy is what the guard stops
    [comment] = [c for c in gh.comments_on(12) if "command-deploy:plan" in c["body"]]
    body = comment["body"]
    assert "`dice › roll › sides: max_value 100 → 120`" in body
    assert "options[0].options[0].max_value" not in body
    assert "⛔ **Deployment required, but a guard will stop it**" in body
    assert "> [!CAUTION]\n> ⛔ The deletion guard will stop the production deploy of this plan" in body
    assert "\\(legacy\\), more than max\\-deletions=0. Set `" in body and "allow-deletions" in body
    assert "🚀 **Deployment required**" not in body  # no green-looking verdict
    report = json.loads((workspace / "command-deployment-report.json").read_text(encoding="utf-8"))
    assert [g["guard"] for g in report["guards"] if g["blocks"]] == ["deletion"]
    assert [r.method for r in live.requests] == ["GET"]  # detect never writes


def test_consent_turns_the_stop_into_a_note(live: Emulator, make_settings: SettingsFactory, tmp_path: Path) -> None:
    live.set_commands(APP_ID, None, [dice(), LEGACY])
    workspace = project(tmp_path / "ws", dice())
    ctx = Runtime(workspace=workspace)
    try:
        outcome = detect.run(make_settings(action="detect", allow_deletions=True), ctx)
    finally:
        ctx.close()
    assert "note: removes 1 command(s) from global commands (legacy): allow-deletions is set" in outcome.lines
    assert "🚀 **Deployment required**" in outcome.summary and "[!NOTE]" in outcome.summary


def test_a_plan_near_the_daily_create_budget_says_how_many_creates_remain(
    live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    workspace = project(tmp_path / "ws", dice(), LEGACY, {"name": "third", "description": "A third command"})
    ledger = FileLedger(workspace / "deployment.log")

    def promoted(hours_ago: int, creates: int) -> None:
        when = utc_now() - timedelta(hours=hours_ago)
        entry = {"action": "promote", "environment": "production", "application_id": APP_ID, "checksum": "x"}
        ledger.record(LedgerEntry(time=when, outcome="success", creates=creates, **entry))

    promoted(3, 160)
    ctx = Runtime(workspace=workspace)
    try:
        near = detect.run(make_settings(action="detect"), ctx)
        assert near.exit_code == 0
        [line] = [x for x in near.lines if x.startswith("note: near the daily create budget")]
        assert (
            "this plan creates 3 command(s) in global commands; 37 of Discord's 200 daily creates will remain" in line
        )
        assert "(160 spent in the last 24 h)" in line
        promoted(1, 39)
        over = detect.run(make_settings(action="detect"), ctx)
    finally:
        ctx.close()
    [line] = [x for x in over.lines if x.startswith("STOP: the daily create budget will stop this deploy")]
    assert "only 1 of Discord's 200 daily creates are left (199 spent in the last 24 h)" in line
    assert "⛔ **Deployment required, but a guard will stop it**" in over.summary
