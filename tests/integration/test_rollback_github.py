"""In Actions the deployment record is GitHub Deployments too: a fresh runner (no deployment.log) finds the deploy
to undo, and the rollback's own record (what it restored, what it undid) there, so a re-run writes nothing."""

from __future__ import annotations

from pathlib import Path

from alia_action.discord.emulator import Emulator
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, GUILD_ID
from tests.support.github_run import GH_TOKEN, Runner, edit, fresh_workspace
from tests.support.github_standin import GitHubStandIn


def test_a_fresh_runner_undoes_the_deploy_github_recorded_and_a_rerun_finds_it_live(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "push")
    workspace = fresh_workspace(tmp_path, "a")
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    edit(workspace, "Flip a coin", "Flip a broken coin")
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    deploys = [d["payload"] for d in gh.deployments.values() if d["payload"].get("outcome") == "success"]
    broken_backup = deploys[-1]["backup"]

    settings = make_settings(action="rollback", environment="staging", github_token=GH_TOKEN)
    (workspace / "deployment.log").unlink()  # a fresh runner: only GitHub remembers the deploys
    first = run(settings, workspace)
    assert first.code == 0, first.log
    assert "Flip a broken coin" not in str(live.commands(APP_ID, GUILD_ID))
    assert f"chose {broken_backup}: the state before the stage of " in first.log
    recorded = [d["payload"] for d in gh.deployments.values() if d["payload"].get("action") == "rollback"]
    success = next(p for p in recorded if p["outcome"] == "success")
    assert success["restored"] == broken_backup and success["undid"] == [broken_backup]

    (workspace / "deployment.log").unlink()
    mark = len(live.requests)
    again = run(settings, workspace)
    assert again.code == 0, again.log
    assert f"already rolled back to {broken_backup}" in again.log
    assert [r.method for r in live.requests[mark:]] == ["GET"]
