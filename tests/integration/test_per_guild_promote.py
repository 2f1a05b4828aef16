"""promote with per-guild command sets, in process against the emulator over loopback HTTP: the edges the
entrypoint test (tests/e2e/test_per_guild_sets.py) does not walk: the deletion guard per guild, a failed
global write, the staging guild named in ``guilds``, a dry run, health/detect of production, and inventory."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError, UsageError
from alia_action.handlers import deploy, detect, health, inventory, promote, stage
from alia_action.notify.issues import failure_marker
from alia_action.outcome import partial_of
from alia_action.runtime import Runtime
from alia_action.stores.ledger import FileLedger
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID
from tests.support.files_opened import FilesOpened
from tests.support.github_run import GH_TOKEN, Runner, fresh_workspace
from tests.support.github_standin import GitHubStandIn

A, B = "1180000000000000401", "1180000000000000402"


def write_sets(workspace: Path, *commands: dict[str, Any]) -> None:
    folder = workspace / "commands" / "guild-sets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sets.json").write_text(json.dumps(list(commands)), encoding="utf-8")


def admin(*guilds: str) -> dict[str, Any]:
    return {"name": "admin", "description": "Support-server tools", "guilds": list(guilds)}


def names(live: Emulator, guild: str | None) -> list[str]:
    return sorted(c["name"] for c in live.commands(APP_ID, guild))


def writes(live: Emulator, since: int) -> list[str]:
    return [f"{r.method} {r.path}" for r in live.requests[since:] if r.method != "GET"]


@pytest.fixture
def guilds(live: Emulator) -> Emulator:
    live.add_guild(APP_ID, A)
    live.add_guild(APP_ID, B)
    return live


def test_a_guild_holding_a_command_the_files_do_not_put_there_needs_consent_and_the_others_go_on(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    guilds.set_commands(APP_ID, B, [{"name": "old", "description": "left over from start-up sync"}])
    write_sets(workspace, admin(A, B))
    stage.run(make_settings(action="stage"), ctx)
    outcome = promote.run(make_settings(action="promote"), ctx)
    assert outcome.exit_code == 1
    by_guild = {g["guild_id"]: g for g in (outcome.report or {})["guilds"]}
    assert by_guild[A]["outcome"] == "deployed" and names(guilds, A) == ["admin"]
    assert by_guild[B]["outcome"] == "failed" and "more than max-deletions=0" in by_guild[B]["message"]
    assert names(guilds, B) == ["old"]  # a production guild: no removal without consent

    mark = len(guilds.requests)
    again = promote.run(make_settings(action="promote", allow_deletions=True), ctx)
    assert again.exit_code == 0 and names(guilds, B) == ["admin"]
    assert all(f"/guilds/{B}/" in w for w in writes(guilds, mark))
    records = [e for e in FileLedger(ctx.workspace / "deployment.log").entries() if e.guild_id == B]
    assert [(e.outcome, e.environment) for e in records][-2:] == [("started", "production"), ("success", "production")]


def test_a_failed_global_write_still_deploys_the_guilds_and_says_what_each_holds(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A, B))
    stage.run(make_settings(action="stage"), ctx)
    refused = Fault.respond(400, {"code": 50035, "message": "Invalid Form Body"})
    guilds.faults.add(refused, method="PUT", path=r"/applications/\d+/commands$")
    with pytest.raises(DeployError, match="promote to global commands failed") as caught:
        promote.run(make_settings(action="promote"), ctx)
    facts = partial_of(caught.value)
    assert facts is not None
    assert [g["outcome"] for g in facts.details["guilds"]] == ["deployed", "deployed"]
    assert facts.states[f"guild {A}"] == "deployed: verified"
    assert names(guilds, A) == names(guilds, B) == ["admin"] and names(guilds, None) == []


def test_the_staging_guild_cannot_be_named_in_guilds(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A, GUILD_ID))
    stage.run(make_settings(action="stage"), ctx)
    mark = len(guilds.requests)
    with pytest.raises(UsageError, match=f"names the staging guild {GUILD_ID} in guilds"):
        promote.run(make_settings(action="promote"), ctx)
    assert guilds.requests[mark:] == []


def test_a_dry_run_plans_every_guild_and_writes_nothing(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A, B))
    stage.run(make_settings(action="stage"), ctx)
    mark = len(guilds.requests)
    outcome = promote.run(make_settings(action="promote", dry_run=True), ctx)
    assert outcome.exit_code == 0 and writes(guilds, mark) == []
    assert [g["outcome"] for g in (outcome.report or {})["guilds"]] == ["dry run", "dry run"]
    assert [g["added"] for g in (outcome.report or {})["guilds"]] == [["admin"], ["admin"]]


def test_production_health_and_detect_do_not_miss_per_guild_commands_globally(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A))
    stage.run(make_settings(action="stage"), ctx)
    assert promote.run(make_settings(action="promote"), ctx).exit_code == 0
    checked = health.run(make_settings(action="health", environment="production"), ctx)
    assert checked.exit_code == 0 and (checked.report or {})["missing"] == []
    detected = detect.run(make_settings(action="detect", environment="production"), ctx)
    assert detected.outputs["changed"] == "false"


def test_inventory_takes_each_guild_s_per_guild_set_as_what_the_files_put_there(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A, B))
    stage.run(make_settings(action="stage"), ctx)
    assert promote.run(make_settings(action="promote"), ctx).exit_code == 0
    found = (inventory.run(make_settings(action="inventory"), ctx).report or {})["inventory"]
    assert found["stale"] == [] and found["differs"] == []  # A and B hold exactly their set
    guilds.set_commands(APP_ID, B, [{"name": "old", "description": "left over"}, *guilds.commands(APP_ID, B)])
    (workspace / found["checkpoint"]).unlink()  # read the guilds again, not the fresh readings of the run above
    found = (inventory.run(make_settings(action="inventory"), ctx).report or {})["inventory"]
    assert [(s["guild"], s["names"]) for s in found["stale"]] == [(B, ["old"])]


def test_the_failure_issue_restores_the_global_backup_not_a_guild_s(
    gh: GitHubStandIn, guilds: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "workflow_dispatch")
    workspace = fresh_workspace(tmp_path, "ws")
    write_sets(workspace, admin(A))
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    refused = Fault.respond(400, {"code": 50035, "message": "Invalid Form Body"})
    guilds.faults.add(refused, method="PUT", path=r"/applications/\d+/commands$")
    assert run(make_settings(action="promote", github_token=GH_TOKEN), workspace).code == 1
    entries = [e for e in FileLedger(workspace / "deployment.log").entries() if e.backup and e.action == "promote"]
    global_backup = next(e.backup for e in entries if e.guild_id is None)
    guild_backup = next(e.backup for e in entries if e.guild_id == A)  # taken after the global one
    (issue,) = gh.issues_with(failure_marker("production", "promote"))
    assert f"-f backup_file={global_backup}\n" in issue["body"] and guild_backup not in issue["body"]


def test_deploy_with_a_failing_guild_exits_1_and_its_report_says_why(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    guilds.add_guild(APP_ID, B, installed=False)  # the app lacks applications.commands there
    write_sets(workspace, admin(A, B))
    outcome = deploy.run(make_settings(action="deploy"), ctx)
    report = outcome.report or {}
    assert outcome.exit_code == 1 and report["failure"].startswith(f"1 of 2 guild(s) failed ({B})")
    assert [g["outcome"] for g in report["promote"]["guilds"]] == ["deployed", "failed"]
    assert names(guilds, A) == ["admin"] and "admin" not in names(guilds, None)
    schema = json.loads((Path(__file__).resolve().parents[2] / "schema" / "report.schema.json").read_text())
    jsonschema.validate(report, schema)


def test_a_promote_reads_the_deployment_record_once_however_many_guilds_it_writes(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    """Each written guild checks the record (its claim, the create budget, a write that superseded it): the run
    reads the file once and keeps it current with its own appends, each still fsynced before the next step."""
    many = [str(1180000000000000500 + i) for i in range(8)]
    for guild in many:
        live.add_guild(APP_ID, guild)
    log = workspace / "deployment.log"
    for text in ("Tier one", "Tier two"):  # the first deploy to every guild, then one command changed in three
        write_sets(workspace, admin(*many), {"name": "tier", "description": text, "guilds": many[:3]})
        assert stage.run(make_settings(action="stage"), ctx).exit_code == 0
        run = Runtime(workspace=workspace, client_options=dict(FAST))  # a fresh run: nothing read yet
        recorder = FilesOpened(workspace)
        try:
            outcome = promote.run(make_settings(action="promote"), run)
        finally:
            recorder.close()
            run.close()
        assert outcome.exit_code == 0
        assert recorder.reads(log) == 1, text  # not once per guild
    entries = [e for e in FileLedger(log).entries() if e.action == "promote" and e.guild_id in many]
    for guild in many:
        outcomes = [e.outcome for e in entries if e.guild_id == guild]
        assert outcomes == ["started", "success", *(["started", "success"] if guild in many[:3] else ["noop"])]
    written = [e for e in entries if e.outcome == "success"]
    assert len(written) == 11 and all(e.backup and (workspace / "command-backups").rglob(e.backup) for e in written)


def test_each_guild_reports_what_it_ended_as_with_its_own_requests_and_backup(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    write_sets(workspace, admin(A, B))
    stage.run(make_settings(action="stage"), ctx)
    refused = Fault.respond(400, {"code": 50035, "message": "Invalid Form Body"})
    guilds.faults.add(refused, method="POST", path=rf"/guilds/{B}/commands$")  # B's one write: a POST
    outcome = promote.run(make_settings(action="promote"), ctx)
    backups = {e.guild_id: e.backup for e in FileLedger(workspace / "deployment.log").entries() if e.backup}
    report = outcome.report or {}
    (failed,) = [g for g in report["guilds"] if g["outcome"] == "failed"]
    assert failed["message"].startswith(f"promote to guild {B} failed: Discord refused the write: ")
    assert report["guilds"] == [
        {"guild_id": A, "outcome": "deployed", "commands": 1, "requests": 3, "backup": backups[A],
         "message": "verified", "added": ["admin"], "modified": [], "removed": []},
        {"guild_id": B, "outcome": "failed", "commands": 1, "requests": 2, "backup": backups[B],
         "message": failed["message"]},
    ]  # fmt: skip
    assert outcome.exit_code == 1 and report["requests"] == int(outcome.outputs["requests"])

    again = promote.run(make_settings(action="promote"), ctx)  # only B still differs
    report = again.report or {}
    none: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}
    assert [{k: v for k, v in g.items() if k != "backup"} for g in report["guilds"]] == [
        {"guild_id": A, "outcome": "in sync", "commands": 1, "requests": 1, "message": "", **none},
        {"guild_id": B, "outcome": "deployed", "commands": 1, "requests": 3, "message": "verified", **none,
         "added": ["admin"]},
    ]  # fmt: skip
    assert report["guilds"][0]["backup"] is None and report["guilds"][1]["backup"]
    assert again.exit_code == 0 and names(guilds, B) == ["admin"]


def test_every_guild_is_tried_after_failed_ones_and_each_write_carries_the_bypass(
    guilds: Emulator, make_settings: SettingsFactory, ctx: Runtime, workspace: Path
) -> None:
    """The first two guilds (in ID order) refuse without consent; the third is still written, with the bypass
    reason of the promote recorded, and the failure names both guilds."""
    third = "1180000000000000403"
    guilds.add_guild(APP_ID, third)
    for guild in (A, B):
        guilds.set_commands(APP_ID, guild, [{"name": "old", "description": "left over from start-up sync"}])
    write_sets(workspace, admin(A, B, third))
    stage.run(make_settings(action="stage"), ctx)
    settings = make_settings(action="promote", bypass_breaker=True, bypass_reason="incident 42: staging is down")
    outcome = promote.run(settings, ctx)
    assert outcome.exit_code == 1
    assert [(g["guild_id"], g["outcome"]) for g in (outcome.report or {})["guilds"]] == [
        (A, "failed"),
        (B, "failed"),
        (third, "deployed"),
    ]
    assert names(guilds, third) == ["admin"]
    assert f"2 of 3 guild(s) failed ({A}, {B}); the others are done." in "\n".join(outcome.lines)
    entries = [e for e in FileLedger(ctx.workspace / "deployment.log").entries() if e.guild_id == third]
    assert [(e.outcome, e.bypass, e.bypass_reason) for e in entries] == [
        ("started", True, "incident 42: staging is down"),
        ("success", True, "incident 42: staging is down"),
    ]
