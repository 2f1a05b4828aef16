"""Rollback rules that real pipelines rely on: the deletion guard, "latest" per scope without a cap and
skipping backups equal to the live set, listing by scope, retention, and messages in the interface's words."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from pathlib import Path

import pytest

from alia_action.commands.canonical import canonical_set
from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError, UsageError
from alia_action.handlers import rollback, stage
from alia_action.runtime import Runtime
from alia_action.scope import Scope
from alia_action.steps.apply import DeploymentGuard
from alia_action.stores.backup_scope import prune
from alia_action.stores.backups import BackupDocument, LocalBackupStore
from alia_action.stores.ledger import FileLedger
from alia_action.wording import ACTION, TERMINAL
from alia_action.workflow import Workflow
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, GUILD_ID

OTHER_GUILD = "1180000000000000333"


def change_two(workspace: Path, word: str) -> None:
    """Change two commands (a write of two changes), their descriptions ending in ``word``."""
    path = workspace / "commands" / "fun" / "games.json"
    commands = json.loads(path.read_text(encoding="utf-8"))
    for command in commands:
        if command["name"] in ("coinflip", "roll"):
            command["description"] = f"{command['name']} {word}"
    path.write_text(json.dumps(commands), encoding="utf-8")


def store_of(ctx: Runtime) -> LocalBackupStore:
    return LocalBackupStore(ctx.workspace / "command-backups")


def writes(live: Emulator, since: int = 0) -> list[str]:
    return [r.method for r in live.requests[since:] if r.method != "GET"]


def staged_set(live: Emulator) -> list[dict[str, object]]:
    return canonical_set(live.commands(APP_ID, GUILD_ID), guild=True)


# ------------------------------------------------------------------------------------ deletion guard


def test_a_restore_removing_more_than_max_deletions_stops_and_names_them(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    first = stage.run(make_settings(action="stage"), ctx)  # its backup holds the empty guild
    before = staged_set(live)
    mark = len(live.requests)
    with pytest.raises(DeploymentGuard) as caught:
        rollback.run(
            make_settings(action="rollback", environment="staging", backup_file=first.outputs["backup-file"]), ctx
        )
    message = str(caught.value)
    assert "the restore would remove 51 command(s) from staging guild" in message
    assert "coinflip" in message and "more than max-deletions=5" in message
    assert message.endswith(
        "more than max-deletions=5. If that is intended, set `--allow-deletions` (or raise --max-deletions); if not, "
        "check that the backup is the one you meant. Nothing was written"
    )
    assert writes(live, mark) == [] and staged_set(live) == before
    assert not any(n.startswith("commands-pre-rollback-") for n in (i.name for i in store_of(ctx).list()))


def test_max_deletions_lets_a_small_restore_through(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    (ctx.workspace / "commands" / "music" / "player.json").unlink()
    removed = stage.run(make_settings(action="stage", allow_deletions=True), ctx)
    restored = rollback.run(
        make_settings(
            action="rollback", environment="staging", backup_file=removed.outputs["backup-file"], max_deletions=0
        ),
        ctx,
    )  # restoring what was removed adds commands back: nothing is removed, so no consent is needed
    assert restored.exit_code == 0 and restored.outputs["changed"] == "true"


def test_the_guard_names_the_action_input_when_run_as_the_action(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    ctx = Runtime(workspace=workspace, wording=ACTION)
    try:
        first = stage.run(make_settings(action="stage"), ctx)
        with pytest.raises(DeploymentGuard, match=r"set `allow-deletions: true` \(or raise the max-deletions input\)"):
            rollback.run(
                make_settings(action="rollback", environment="staging", backup_file=first.outputs["backup-file"]),
                ctx,
            )
    finally:
        ctx.close()


# ------------------------------------------------------------------------------------ latest


def test_latest_is_found_however_many_backups_other_scopes_have(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.add_guild(APP_ID, OTHER_GUILD)
    stage.run(make_settings(action="stage"), ctx)
    change_two(ctx.workspace, "shiny")
    second = stage.run(make_settings(action="stage"), ctx)
    store = store_of(ctx)
    now = ctx.now()
    for n in range(150):  # newer than every staging backup, all of another guild
        store.save(
            BackupDocument(
                application_id=APP_ID,
                guild_id=OTHER_GUILD,
                environment="staging",
                taken_at=now + timedelta(minutes=n + 1),
                checksum="x",
            )
        )
    outcome = rollback.run(make_settings(action="rollback", environment="staging"), ctx)
    assert outcome.outputs["restored-backup"] == second.outputs["backup-file"]
    assert "coinflip shiny" not in str(live.commands(APP_ID, GUILD_ID))


def test_the_record_names_the_deploy_to_undo_a_refused_write_is_none(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    state_before_last_good = staged_set(live)
    change_two(ctx.workspace, "shiny")
    good = stage.run(make_settings(action="stage"), ctx)  # its backup: the state before the last good deploy
    live_now = staged_set(live)

    change_two(ctx.workspace, "gold")
    live.faults.add(Fault.respond(400, {"code": 50035, "message": "Invalid Form Body", "errors": {}}), method="PUT")
    with pytest.raises(DeployError, match="Discord refused the write"):
        stage.run(make_settings(action="stage"), ctx)
    assert staged_set(live) == live_now  # the refused write changed nothing

    outcome = rollback.run(make_settings(action="rollback", environment="staging"), ctx)
    assert outcome.outputs["restored-backup"] == good.outputs["backup-file"]
    assert staged_set(live) == state_before_last_good
    chose = next(line for line in outcome.lines if line.startswith("chose "))
    assert chose.startswith(f"chose {good.outputs['backup-file']}: the state before the stage of ")
    assert "Chose " in outcome.summary
    assert any(line.startswith("51 commands · checksum ") for line in outcome.lines)  # not "0 commands"


def test_no_recorded_deploy_of_the_scope_names_the_scope_and_writes_nothing(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)  # a staging deploy only
    store_of(ctx).save(  # a production backup without a recorded deploy: no guess restores it
        BackupDocument(application_id=APP_ID, environment="production", taken_at=ctx.now(), checksum="x")
    )
    mark = len(live.requests)
    with pytest.raises(DeployError, match=f"no deploy of global commands of application {APP_ID} in the deploym"):
        rollback.run(make_settings(action="rollback", environment="production"), ctx)
    assert writes(live, mark) == []


# ------------------------------------------------------------------------------------ listing by scope


def listing(make_settings: SettingsFactory, ctx: Runtime, environment: str | None) -> str:
    out = io.StringIO()
    assert rollback.list_backups(make_settings(action="health"), ctx, Workflow({}, out), environment) == 0
    return out.getvalue()


def test_backups_lists_only_the_scope_of_the_environment(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staging = stage.run(make_settings(action="stage"), ctx).outputs["backup-file"]
    production = store_of(ctx).save(
        BackupDocument(application_id=APP_ID, environment="production", taken_at=ctx.now(), checksum="x")
    )
    everything = listing(make_settings, ctx, None)
    assert staging in everything and production in everything
    staging_only = listing(make_settings, ctx, "staging")
    assert staging in staging_only and production not in staging_only and f"guild {GUILD_ID}" in staging_only
    production_only = listing(make_settings, ctx, "production")
    assert production in production_only and staging not in production_only and "global" in production_only


# ------------------------------------------------------------------------------------ retention


def test_retention_keeps_the_newest_per_scope_and_leaves_other_scopes_alone(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    store = store_of(ctx)
    other = store.save(
        BackupDocument(application_id=APP_ID, environment="production", taken_at=ctx.now(), checksum="x")
    )
    names, notes = [], []
    for word in ("one", "two", "three", "four"):
        change_two(ctx.workspace, word)
        outcome = stage.run(make_settings(action="stage", backup_retention=2), ctx)
        names.append(outcome.outputs["backup-file"])
        notes.append([line for line in outcome.lines if "retention" in line])
    kept = [i.name for i in store.list()]
    assert set(kept) == {names[-1], names[-2], other}
    removed = f"backup retention: removed 1 old backup(s) of staging guild {GUILD_ID}"
    assert notes == [[], [], [removed], [removed]]  # nothing said while nothing is removed


def test_retention_never_removes_the_backup_taken_before_the_latest_deploy(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    change_two(ctx.workspace, "shiny")
    deploy_backup = stage.run(make_settings(action="stage"), ctx).outputs["backup-file"]
    first = rollback.run(make_settings(action="rollback", environment="staging", backup_retention=1), ctx)
    scope = Scope(GUILD_ID, APP_ID)
    kept = [i.name for i in store_of(ctx).list(scope)]
    # The newest is the pre-rollback backup; the deploy backup stays however small the retention.
    assert kept == [first.outputs["backup-file"], deploy_backup]
    assert prune(store_of(ctx), scope, 1) == []


def test_a_dry_run_and_a_no_op_prune_nothing(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    stage.run(make_settings(action="stage"), ctx)
    change_two(ctx.workspace, "shiny")
    stage.run(make_settings(action="stage"), ctx)
    before = store_of(ctx).list()
    stage.run(make_settings(action="stage", backup_retention=1), ctx)  # no-op: nothing written, nothing pruned
    assert store_of(ctx).list() == before


# ------------------------------------------------------------------------------------ wording


def test_one_place_words_a_setting_for_the_terminal_and_for_the_action() -> None:
    assert TERMINAL.setting("allow-deletions") == "`--allow-deletions`"
    assert ACTION.setting("allow-deletions") == "`allow-deletions: true`"
    assert TERMINAL.setting("max-deletions", "10") == "`--max-deletions 10`"
    assert TERMINAL.setting("bot-token", "...") == "BOT_TOKEN (environment or .env)"  # secrets have no flag
    assert ACTION.name("guild-id") == "the guild-id input" and TERMINAL.name("guild-id") == "--guild-id"
    assert TERMINAL.name("staging-bot-token") == "STAGING_BOT_TOKEN"
    line = TERMINAL.run("rollback", environment="staging", backup_file="commands-backup-x.json")
    assert line == "`command-deploy rollback --environment staging --backup-file commands-backup-x.json`"
    assert ACTION.run("rollback", environment="production") == "`action: rollback, environment: production`"


# ------------------------------------------------------------------------------------ steps


def test_steps_reaches_back_as_far_as_the_record_and_no_further(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    first = stage.run(make_settings(action="stage"), ctx)  # its backup: the empty guild
    change_two(ctx.workspace, "shiny")
    stage.run(make_settings(action="stage"), ctx)
    mark = len(live.requests)
    with pytest.raises(DeployError, match=r"`--steps 3` asks to undo 3 deploys of guild .* holds 2\. Name an older"):
        rollback.run(make_settings(action="rollback", environment="staging", steps=3), ctx)
    with pytest.raises(UsageError, match="--backup-file and --steps both choose what to restore"):
        rollback.run(make_settings(action="rollback", environment="staging", steps=2, backup_file="x"), ctx)
    assert writes(live, mark) == []
    outcome = rollback.run(make_settings(action="rollback", environment="staging", steps=2, allow_deletions=True), ctx)
    assert outcome.outputs["restored-backup"] == first.outputs["backup-file"] and staged_set(live) == []
    # Both lines of the rollback (its claim and its result) name the backup restored and the deploys undone.
    second = [e for e in FileLedger(ctx.workspace / "deployment.log").entries() if e.action == "stage"][-1]
    claim, result = FileLedger(ctx.workspace / "deployment.log").entries()[-2:]
    assert (claim.outcome, result.outcome) == ("started", "success")
    for entry in (claim, result):
        assert entry.action == "rollback" and entry.restored == first.outputs["backup-file"]
        assert entry.undid == (first.outputs["backup-file"], second.backup)
