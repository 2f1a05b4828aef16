"""stage, promote, rollback and detect-against-live, all against the emulator over loopback HTTP."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from alia_action.commands.canonical import GLOBAL_ONLY, canonical_set, checksum
from alia_action.commands.plan import Write, build_plan, plan_write
from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import Emulator, Fault
from alia_action.discord.errors import DiscordError
from alia_action.errors import DeployError, UsageError
from alia_action.handlers import detect, promote, rollback, stage
from alia_action.outcome import partial_of
from alia_action.runtime import Runtime, utc_now
from alia_action.steps.apply import send_write
from alia_action.stores.backups import LocalBackupStore
from alia_action.stores.ledger import FileLedger
from tests.conftest import SettingsFactory
from tests.support.deploy_helpers import local_set
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN


def methods(live: Emulator, since: int = 0) -> list[str]:
    """Methods of the requests the emulator saw after the first ``since``."""
    return [r.method for r in live.requests[since:]]


def holds(live: Emulator, workspace: Path, guild_id: str | None) -> bool:
    return build_plan(
        local_set(workspace, guild=guild_id is not None), live.commands(APP_ID, guild_id), guild=guild_id is not None
    ).empty


def edit(workspace: Path, relative: str, old: str, new: str) -> None:
    path = workspace / "commands" / relative
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def staged(make_settings: SettingsFactory, ctx: Runtime, live: Emulator) -> int:
    """Stage the examples; return the request count so far, to look at what follows."""
    stage.run(make_settings(action="stage"), ctx)
    return len(live.requests)


# ------------------------------------------------------------------------------------------- stage


def test_stage_on_an_empty_guild_is_get_put_get(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0
    assert methods(live) == ["GET", "PUT", "GET"]
    assert holds(live, ctx.workspace, GUILD_ID)
    assert len(live.commands(APP_ID, GUILD_ID)) == 51  # developmentOnly included in staging
    assert outcome.outputs["changed"] == "true" and outcome.outputs["requests"] == "3"
    backup = outcome.outputs["backup-file"]
    assert (ctx.workspace / "command-backups" / APP_ID / GUILD_ID / backup).is_file()  # the scope's folder
    started, entry = FileLedger(ctx.workspace / "deployment.log").entries()
    assert (started.action, started.outcome, started.run) == ("stage", "started", entry.run)
    assert (entry.action, entry.outcome, entry.creates, entry.requests) == ("stage", "success", 51, 3)


def test_a_second_stage_with_nothing_changed_makes_one_get_and_no_write(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    version_before = [c["version"] for c in live.commands(APP_ID, GUILD_ID)]
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET"]
    assert outcome.outputs["changed"] == "false" and outcome.outputs["backup-file"] == ""
    assert [c["version"] for c in live.commands(APP_ID, GUILD_ID)] == version_before  # no version bump


def versions(live: Emulator) -> dict[str, str]:
    return {c["id"]: c["version"] for c in live.commands(APP_ID, GUILD_ID)}


def test_one_changed_command_is_get_patch_get_and_changes_one_version(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    before = versions(live)
    coinflip = next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "coinflip")
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET", "PATCH", "GET"]
    assert live.requests[mark + 1].path.endswith(f"/commands/{coinflip['id']}")
    assert json.loads(outcome.outputs["modified"]) == ["coinflip"]
    assert outcome.report is not None and outcome.report["creates"] == 0
    after = versions(live)
    assert after.keys() == before.keys()
    assert [i for i in after if after[i] != before[i]] == [coinflip["id"]]  # only that command's version
    assert holds(live, ctx.workspace, GUILD_ID)


def test_one_added_command_is_one_post(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    before = versions(live)
    (ctx.workspace / "commands" / "zz-new.json").write_text(
        json.dumps({"name": "hello", "description": "Says hello"}), encoding="utf-8"
    )
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET", "POST", "GET"]
    assert json.loads(outcome.outputs["added"]) == ["hello"] and outcome.report is not None
    assert outcome.report["creates"] == 1
    after = versions(live)
    assert {i: after[i] for i in before} == before and len(after) == len(before) + 1
    assert FileLedger(ctx.workspace / "deployment.log").entries()[-1].creates == 1


def test_one_removed_command_is_one_delete(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    quote = next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "quote")
    before = versions(live)
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET", "DELETE", "GET"]
    assert live.requests[mark + 1].path.endswith(f"/commands/{quote['id']}")
    assert json.loads(outcome.outputs["removed"]) == ["quote"]
    del before[quote["id"]]
    assert versions(live) == before


def test_the_deletion_guard_also_stops_a_single_delete_of_a_global_command(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)
    promote.run(make_settings(action="promote"), ctx)
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()
    staged(make_settings, ctx, live)  # the staging guild allows 5 removals
    mark = len(live.requests)
    with pytest.raises(DeployError, match=r"max-deletions=0"):
        promote.run(make_settings(action="promote"), ctx)
    assert "DELETE" not in methods(live, mark)


def test_a_dropped_answer_to_an_applied_delete_is_recognised_as_success(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()
    live.faults.add(Fault.drop_after_write(), method="DELETE")
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0
    assert methods(live, mark) == ["GET", "DELETE", "DELETE", "GET"]  # the retry finds it gone (404)
    assert holds(live, ctx.workspace, GUILD_ID)
    assert FileLedger(ctx.workspace / "deployment.log").entries()[-1].outcome == "success"


def test_two_changes_are_one_atomic_put(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()
    stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET", "PUT", "GET"]
    assert holds(live, ctx.workspace, GUILD_ID)


def test_a_second_run_after_a_single_change_makes_no_write(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    stage.run(make_settings(action="stage"), ctx)
    mark = len(live.requests)
    assert stage.run(make_settings(action="stage"), ctx).outputs["changed"] == "false"
    assert methods(live, mark) == ["GET"]


def test_a_patch_resets_what_the_file_no_longer_states(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    edit(ctx.workspace, "fun/games.json", '"name": "coinflip",', '"name": "coinflip",\n    "nsfw": true,')
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", '"nsfw": true,', "")
    stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET", "PATCH", "GET"]
    assert next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "coinflip")["nsfw"] is False


def test_stage_refuses_without_a_guild(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    with pytest.raises(UsageError, match="no staging guild"):
        stage.run(make_settings(action="stage", guild_id=None), ctx)
    assert live.requests == []


def test_a_load_error_in_one_file_aborts_with_nothing_sent(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    (ctx.workspace / "commands" / "zz-broken.json").write_text('{"name": "x",', encoding="utf-8")
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 1
    assert any(p.rule == "file.json" and p.file == "commands/zz-broken.json" for p in outcome.problems)
    assert live.requests == []


def test_a_rule_error_aborts_with_nothing_sent(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    edit(ctx.workspace, "fun/games.json", '"name": "coinflip"', '"name": "Coin Flip"')
    assert stage.run(make_settings(action="stage"), ctx).exit_code == 1
    assert live.requests == []


def test_the_deletion_guard_stops_a_mass_delete(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    for path in (ctx.workspace / "commands" / "music").glob("*.json"):
        path.unlink()  # ten commands gone: an export that lost a folder
    with pytest.raises(DeployError, match=r"remove 10 command\(s\) from staging guild .*max-deletions=5"):
        stage.run(make_settings(action="stage"), ctx)
    assert methods(live, mark) == ["GET"]
    outcome = stage.run(make_settings(action="stage", allow_deletions=True), ctx)
    assert len(json.loads(outcome.outputs["removed"])) == 10


def test_a_rename_keeps_the_id(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    before = versions(live)
    old = next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "coinflip")
    edit(ctx.workspace, "fun/games.json", '"name": "coinflip",', '"name": "flip",\n    "renamedFrom": "coinflip",')
    outcome = stage.run(make_settings(action="stage"), ctx)
    new = next(c for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "flip")
    assert new["id"] == old["id"]
    assert outcome.report is not None and outcome.report["creates"] == 0
    (patch,) = [r for r in live.requests[mark:] if r.method not in ("GET",)]
    assert patch.method == "PATCH" and patch.path.endswith(f"/commands/{old['id']}") and patch.body["name"] == "flip"
    after = versions(live)
    assert [i for i in after if after[i] != before[i]] == [old["id"]]  # one version changed, the ID kept


def test_the_daily_create_budget_is_checked_before_writing(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)  # 51 creates recorded in the ledger
    for n in range(3):  # three more deploys of 51 new names each would pass 200
        for path in (ctx.workspace / "commands").rglob("*.json"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace('"name": "', f'"name": "v{n}'), encoding="utf-8")
        settings = make_settings(action="stage", allow_deletions=True)
        if n < 2:
            stage.run(settings, ctx)
        else:
            with pytest.raises(DeployError, match=r"153 of Discord's 200 daily creates"):
                stage.run(settings, ctx)


def test_persistent_5xx_fails_clearly_and_leaves_the_previous_set(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)
    before = canonical_set(live.commands(APP_ID, GUILD_ID), guild=True)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    live.faults.add(Fault.server_error(503), method="PATCH", times=FAST["max_attempts"])
    with pytest.raises(DeployError) as caught:
        stage.run(make_settings(action="stage"), ctx)
    message = str(caught.value)
    assert "503" in message and "still hold(s) the previous set" in message and "commands-backup-" in message
    assert canonical_set(live.commands(APP_ID, GUILD_ID), guild=True) == before
    last = FileLedger(ctx.workspace / "deployment.log").entries()[-1]
    assert last.outcome == "failure"


SCOPE = f"staging guild {GUILD_ID}"
COIN = 'coinflip: description planned "Flip a shiny coin, optionally betting on a side"'
UNCHANGED = "unchanged: what it held before this run (nothing was written to it)"


def failed_stage(make_settings: SettingsFactory, ctx: Runtime) -> tuple[str, dict[str, str], list[str]]:
    """Stage, which must fail: its message, and what its failure says each scope holds and it wrote."""
    with pytest.raises(DeployError) as caught:
        stage.run(make_settings(action="stage"), ctx)
    facts = partial_of(caught.value)
    assert facts is not None
    return str(caught.value), facts.states, facts.wrote


def restore_hint(ctx: Runtime) -> tuple[str, str]:
    """The last record's backup, and the sentence a failed write ends with when it may have changed the scope."""
    last = FileLedger(ctx.workspace / "deployment.log").entries()[-1]
    assert last.outcome == "failure" and last.backup
    command = f"command-deploy rollback --environment staging --backup-file {last.backup}"
    return last.backup, f" Backup taken before the write: {last.backup} (restore it with `{command}`)."


# What Discord stored besides the write (Fault.side_effect): five differences are all named, a sixth is counted.
NOBODY_ASKED = {
    "default_member_permissions": "8",
    "description": "Nobody asked",
    "description_localizations": {"fr": "x"},
    "name_localizations": {"fr": "pile"},
    "nsfw": True,
}


@pytest.mark.parametrize("extra", [{}, {"options": []}], ids=["five", "six"])
def test_verification_names_what_discord_holds_besides_the_write_five_at_most(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, extra: dict[str, object]
) -> None:
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    live.faults.add(Fault.side_effect("coinflip", {**NOBODY_ASKED, **extra}), method="PATCH")
    message, states, wrote = failed_stage(make_settings, ctx)
    backup, hint = restore_hint(ctx)
    shown = (
        'coinflip: default_member_permissions planned null, live "8"; coinflip: description planned "Flip a shiny '
        'coin, optionally betting on a side", live "Nobody asked"; coinflip: description_localizations planned '
        '(unset), live {"fr": "x"}; coinflip: name_localizations planned (unset), live {"fr": "pile"}; coinflip: nsfw '
        "planned false, live true"
    )
    more = " (and 1 more)" if extra else ""
    assert message == (
        f"stage to {SCOPE} failed: verification found a different set; {SCOPE} hold(s) neither the previous nor the "
        f"intended set: {shown}{more}.{hint}"
    )
    assert states == {SCOPE: f"neither the previous nor the intended set: restore backup {backup}"}
    assert wrote == [f"backup {backup}", f"the write to {SCOPE} was sent"]
    assert methods(live, mark) == ["GET", "PATCH", "GET"]


def test_a_write_that_kept_failing_is_read_again_and_found_not_applied(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    live.faults.add(Fault.server_error(500), method="PATCH", times=FAST["max_attempts"])  # 500: not a refusal
    message, states, wrote = failed_stage(make_settings, ctx)
    backup, hint = restore_hint(ctx)
    assert message.startswith(f"stage to {SCOPE} failed: the write failed (Discord kept failing with HTTP 500 on ")
    assert message.endswith(
        f'); {SCOPE} still hold(s) the previous set: {COIN}, live "Flip a coin, optionally betting on a side".{hint}'
    )
    assert states == {SCOPE: "the previous set (the write did not apply)"}
    assert wrote == [f"backup {backup}", f"the write to {SCOPE} was sent"]
    assert methods(live, mark) == ["GET", *["PATCH"] * FAST["max_attempts"], "GET"]  # read again, whatever it said


@pytest.mark.parametrize("status", [400, 403, 499])
def test_a_refused_write_fails_at_once_without_reading_again(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, status: int
) -> None:
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    live.faults.add(Fault.respond(status, {"code": 0, "message": "No"}), method="PATCH")
    message, states, wrote = failed_stage(make_settings, ctx)
    backup = FileLedger(ctx.workspace / "deployment.log").entries()[-1].backup
    assert message.startswith(f"stage to {SCOPE} failed: Discord refused the write: ")
    assert message.endswith(f". Backup taken before the write: {backup}.")  # not applied: nothing to restore
    assert states == {SCOPE: UNCHANGED} and wrote == [f"backup {backup}"]
    assert methods(live, mark) == ["GET", "PATCH"]


@pytest.mark.parametrize("answered", [True, False], ids=["answered", "answer-lost"])
def test_a_verification_that_cannot_read_says_the_scope_is_one_set_or_the_other(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, answered: bool
) -> None:
    if not answered:
        live.faults.add(Fault.drop_after_write(), method="PUT", times=FAST["max_attempts"])
    for position in range(FAST["max_attempts"]):  # the verification GET and its retries, after GET and the PUT(s)
        live.faults.at(3 + (0 if answered else FAST["max_attempts"] - 1) + position, Fault.server_error(503))
    message, states, _ = failed_stage(make_settings, ctx)
    _, hint = restore_hint(ctx)
    sent = "the write was sent" if answered else "the write failed ("
    assert message.startswith(f"stage to {SCOPE} failed: {sent}")
    assert message.endswith(
        f"giving up. Check https://discordstatus.com and run again later); {SCOPE} hold(s) the previous or the "
        f"intended set: run detect against this environment to see which.{hint}"
    )
    assert " but verification could not read the live commands (Discord kept failing with HTTP 503 on GET " in message
    assert states == {SCOPE: "unknown: the previous or the intended set (verification could not read it)"}


def test_a_plan_that_cannot_be_read_or_backed_up_writes_nothing_and_records_the_failure(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.faults.add(Fault.server_error(503), method="GET", times=FAST["max_attempts"])
    message, states, wrote = failed_stage(make_settings, ctx)
    assert message.startswith(f"stage to {SCOPE} failed: could not read the live commands (Discord kept failing ")
    assert message.endswith("Check https://discordstatus.com and run again later); nothing was written.")
    assert (states, wrote) == ({SCOPE: UNCHANGED}, [])
    (entry,) = FileLedger(ctx.workspace / "deployment.log").entries()  # no claim: nothing was about to be written
    assert (entry.outcome, entry.requests, entry.message) == (
        "failure",
        FAST["max_attempts"],
        message.removeprefix(f"stage to {SCOPE} failed: ")[:-1],
    )

    (ctx.workspace / "command-backups").write_text("not a folder", encoding="utf-8")
    mark = len(live.requests)
    message, states, wrote = failed_stage(make_settings, ctx)
    cause = (
        f"cannot write backup to {ctx.workspace / 'command-backups'}: Not a directory; nothing was written to Discord"
    )
    assert message == f"stage to {SCOPE} failed: {cause}."
    assert (states, wrote) == ({SCOPE: UNCHANGED}, [])
    started, failure = FileLedger(ctx.workspace / "deployment.log").entries()[1:]
    assert (started.outcome, failure.outcome, failure.requests, failure.message) == ("started", "failure", 1, cause)
    assert methods(live, mark) == ["GET"]


def test_the_backup_before_a_write_holds_what_was_live_with_its_scope_commit_and_checksum(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    sha = "0123456789abcdef0123456789abcdef01234567"
    run = Runtime(workspace=workspace, client_options=dict(FAST), environ={"GITHUB_SHA": sha})
    try:
        stage.run(make_settings(action="stage"), run)
        before = live.commands(APP_ID, GUILD_ID)
        edit(workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
        outcome = stage.run(make_settings(action="stage"), run)
    finally:
        run.close()
    document = LocalBackupStore(workspace / "command-backups").load(outcome.outputs["backup-file"])
    assert (document.kind, document.application_id, document.guild_id, document.environment) == (
        "backup", APP_ID, GUILD_ID, "staging"
    )  # fmt: skip
    assert document.git_sha == sha and document.commands == before
    assert document.checksum == checksum(before, guild=True) != checksum(before, guild=False)


def test_a_failed_read_counts_every_request_of_the_run_and_records_no_checksum_it_does_not_have(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)
    attempts = FAST["max_attempts"]
    global_read = rf"/applications/{APP_ID}/commands$"
    live.faults.add(Fault.server_error(503), method="GET", path=global_read, times=attempts)
    with pytest.raises(DeployError, match="could not read the live commands") as caught:
        promote.run(make_settings(action="promote"), ctx)
    facts = partial_of(caught.value)
    assert facts is not None and facts.requests == 1 + attempts  # the breaker's GET of the staging guild, too
    failure = FileLedger(ctx.workspace / "deployment.log").entries()[-1]
    assert (failure.outcome, failure.requests) == ("failure", 1 + attempts)
    assert failure.checksum == facts.checksum != ""  # the command set it was to deploy, known before the read

    live.faults.add(Fault.server_error(503), method="GET", path=global_read, times=attempts)
    with pytest.raises(DeployError, match="could not read the live commands"):
        rollback.run(make_settings(action="rollback", environment="production"), ctx)
    last = FileLedger(ctx.workspace / "deployment.log").entries()[-1]
    assert (last.action, last.outcome, last.checksum, last.requests) == ("rollback", "failure", "", attempts)


def test_a_failed_deploy_still_sets_the_outputs_and_summary_it_knows(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """The runner renders a failure's partial outcome with the same function as a success."""
    import io

    from alia_action.runner import execute
    from alia_action.workflow import Workflow

    staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    live.faults.add(Fault.server_error(503), method="PATCH", times=FAST["max_attempts"])  # one change: a PATCH
    summary = ctx.workspace / "summary.md"
    workflow = Workflow({"GITHUB_STEP_SUMMARY": str(summary)}, io.StringIO())
    assert execute(make_settings(action="stage"), ctx, workflow) == 1
    outputs = workflow.outputs
    backup = FileLedger(ctx.workspace / "deployment.log").entries()[-1].backup
    assert backup and outputs["backup-file"] == backup
    assert outputs["modified"] == '["coinflip"]' and outputs["changed"] == "true" and len(outputs["checksum"]) == 64
    assert int(outputs["requests"]) >= 2  # the plan's GET and the failed PATCH(es)
    text = summary.read_text(encoding="utf-8")
    assert "stage failed" in text and "coinflip" in text


def test_5xx_bursts_and_429s_are_retried_and_succeed(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.faults.add(Fault.server_error(502), method="PUT", times=2)
    live.faults.add(Fault.rate_limit(0.2), method="GET", times=1)
    live.faults.add(Fault.rate_limit(0.2, is_global=True), method="PUT", times=1)
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0 and holds(live, ctx.workspace, GUILD_ID)
    assert [r.status for r in live.requests] == [429, 200, 502, 502, 429, 200, 200]


def test_a_dropped_connection_after_the_write_is_recognised_by_verification(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.faults.add(Fault.drop_after_write(), method="PUT", times=1)
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0 and holds(live, ctx.workspace, GUILD_ID)
    assert FileLedger(ctx.workspace / "deployment.log").entries()[-1].outcome == "success"


def test_401_is_not_retried(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    with pytest.raises(DeployError, match="bot token was rejected") as caught:
        stage.run(make_settings(action="stage", bot_token="not-the-token"), ctx)
    assert methods(live) == ["GET"]
    assert "not-the-token" not in str(caught.value)


def test_50035_and_30034_have_human_messages(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    live.faults.add(
        Fault.respond(
            400,
            {
                "code": 50035,
                "message": "Invalid Form Body",
                "errors": {
                    "0": {
                        "options": {
                            "0": {
                                "name": {
                                    "_errors": [
                                        {
                                            "code": "BASE_TYPE_BAD_LENGTH",
                                            "message": "Must be between 1 and 32 in length.",
                                        }
                                    ]
                                }
                            }
                        }
                    }
                },
            },
        ),
        method="PUT",
    )
    with pytest.raises(DeployError) as caught:
        stage.run(make_settings(action="stage"), ctx)
    first = live.requests[1].body[0]["name"]
    assert f"{first}.options[0].name: Must be between 1 and 32 in length." in str(caught.value)
    assert methods(live) == ["GET", "PUT"]  # a refused body was not applied: no verification read

    live.set_daily_creates(APP_ID, GUILD_ID, 200)
    with pytest.raises(DeployError, match="daily create limit of 200 reached in this guild"):
        stage.run(make_settings(action="stage"), ctx)


# ------------------------------------------------------------------------------------------- promote


def test_promote_without_a_staging_record_is_refused(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    with pytest.raises(promote.CircuitOpen, match="no successful staging deploy"):
        promote.run(make_settings(action="promote"), ctx)
    assert live.commands(APP_ID) == [] and "PUT" not in methods(live)


def test_promote_with_an_old_staging_record_is_refused(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    later = Runtime(workspace=ctx.workspace, client_options=dict(FAST), now=lambda: utc_now() + timedelta(hours=2))
    try:
        with pytest.raises(promote.CircuitOpen, match=r"older than staging-max-age=1h"):
            promote.run(make_settings(action="promote"), later)
    finally:
        later.close()
    assert live.requests[mark:] == []


def test_promote_with_another_checksum_is_refused(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    mark = staged(make_settings, ctx, live)
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    with pytest.raises(promote.CircuitOpen, match="another command set"):
        promote.run(make_settings(action="promote"), ctx)
    assert live.requests[mark:] == []


def test_promote_when_staging_changed_behind_its_back_is_refused(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    changed = live.commands(APP_ID, GUILD_ID)
    changed[0] = {**changed[0], "description": "edited by hand in the developer portal"}
    gone = changed.pop()["name"]
    live.set_commands(APP_ID, GUILD_ID, changed)
    held = rf"staging guild {GUILD_ID} no longer holds the staged set \(changed {changed[0]['name']}, missing {gone}\)"
    with pytest.raises(promote.CircuitOpen, match=held):
        promote.run(make_settings(action="promote"), ctx)
    assert methods(live, mark) == ["GET"]


def test_promote_deploys_globally_without_development_only(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    outcome = promote.run(make_settings(action="promote"), ctx)
    assert outcome.exit_code == 0
    assert methods(live, mark) == ["GET", "GET", "PUT", "GET"]  # breaker's staging read, then plan, write, verify
    names = {c["name"] for c in live.commands(APP_ID)}
    assert len(names) == 50 and "debug" not in names
    assert holds(live, ctx.workspace, None)


# ------------------------------------------------------------------------------------------- rollback


def test_rollback_restores_the_previous_set_after_a_pre_rollback_backup(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    previous = canonical_set(live.commands(APP_ID, GUILD_ID), guild=True)
    previous_ids = {c["name"]: c["id"] for c in live.commands(APP_ID, GUILD_ID)}
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip a shiny coin")
    (ctx.workspace / "commands" / "music" / "player.json").unlink()
    stage.run(make_settings(action="stage", allow_deletions=True), ctx)
    mark = len(live.requests)

    outcome = rollback.run(make_settings(action="rollback", environment="staging"), ctx)
    assert canonical_set(live.commands(APP_ID, GUILD_ID), guild=True) == previous
    assert methods(live, mark) == ["GET", "PUT", "GET"]
    pre = outcome.outputs["backup-file"]
    assert (
        pre.startswith("commands-pre-rollback-")
        and (ctx.workspace / "command-backups" / APP_ID / GUILD_ID / pre).is_file()
    )
    restored = {c["name"]: c["id"] for c in live.commands(APP_ID, GUILD_ID)}
    assert restored["coinflip"] == previous_ids["coinflip"]  # kept all along


def test_rollback_of_an_empty_backup_clears_the_scope(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    first = stage.run(make_settings(action="stage"), ctx)  # its backup is of the empty guild
    outcome = rollback.run(
        make_settings(
            action="rollback", environment="staging", backup_file=first.outputs["backup-file"], allow_deletions=True
        ),
        ctx,
    )
    assert outcome.exit_code == 0 and live.commands(APP_ID, GUILD_ID) == []


@pytest.mark.parametrize("name", ["../deployment.log", "/etc/passwd", "sub/commands-backup-x.json", "x.json"])
def test_a_backup_file_outside_the_store_is_refused(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, name: str
) -> None:
    with pytest.raises(DeployError, match="must be the name of a backup in the backup store"):
        rollback.run(make_settings(action="rollback", environment="staging", backup_file=name), ctx)
    assert "PUT" not in methods(live)


def test_a_symlinked_backup_is_refused(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    store = ctx.workspace / "command-backups"
    store.mkdir()
    outside = ctx.workspace / "elsewhere.json"
    outside.write_text("{}")
    (store / "commands-backup-2026-01-01T00-00-00-000Z.json").symlink_to(outside)
    with pytest.raises(DeployError, match="is a link"):
        rollback.run(
            make_settings(
                action="rollback", environment="staging", backup_file="commands-backup-2026-01-01T00-00-00-000Z.json"
            ),
            ctx,
        )


def test_a_backup_of_another_scope_is_refused_and_no_force_suggested(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    first = stage.run(make_settings(action="stage"), ctx)
    name = first.outputs["backup-file"]
    with pytest.raises(UsageError, match=f"backup {name} was taken from guild {GUILD_ID} of application") as caught:
        rollback.run(make_settings(action="rollback", environment="production", backup_file=name), ctx)
    assert "not from global commands" in str(caught.value) and "force" not in str(caught.value)
    document = LocalBackupStore(ctx.workspace / "command-backups").load(name)
    assert document.application_id == APP_ID


# ------------------------------------------------------------------------------------------- detect


def test_detect_against_live_is_one_get_and_reports_in_sync(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    mark = staged(make_settings, ctx, live)
    outcome = detect.run(make_settings(action="detect", environment="staging"), ctx)
    assert methods(live, mark) == ["GET"]
    assert outcome.outputs["changed"] == "false"
    assert outcome.report is not None and outcome.report["baseline"] == f"live staging guild {GUILD_ID}"


def test_detect_reports_drift_made_outside_the_pipeline(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    staged(make_settings, ctx, live)
    clean = detect.run(make_settings(action="detect", environment="staging"), ctx)
    assert clean.report is not None and clean.report["drift"] is False
    changed = live.commands(APP_ID, GUILD_ID)
    changed[0] = {**changed[0], "description": "edited by hand in the developer portal"}
    live.set_commands(APP_ID, GUILD_ID, changed)
    outcome = detect.run(make_settings(action="detect", environment="staging"), ctx)
    assert outcome.report is not None and outcome.report["drift"] is True
    (warning,) = [p for p in outcome.problems if p.rule == "live.drift"]
    assert "changed outside the pipeline since its last stage" in warning.message
    assert outcome.outputs["changed"] == "true" and json.loads(outcome.outputs["modified"]) == [changed[0]["name"]]


@pytest.mark.parametrize("lost", [False, True], ids=["answered", "answer-lost"])
def test_an_entry_point_replaced_is_deleted_first_and_a_delete_already_done_is_not_an_error(
    activity_live: Emulator, lost: bool
) -> None:
    """The write that replaces Discord's Launch entry point: its own DELETE first (a bulk overwrite may not drop
    it, 50240), then the PUT. Sent again after the DELETE's answer was lost, the DELETE finds it gone (404): what
    it was for, so the PUT goes on. Any other refusal of the DELETE stops the write."""
    (launch,) = activity_live.commands(APP_ID, None)
    play = {"type": 4, "name": "play", "description": "Play", "handler": 2}
    local = [play, {"type": 1, "name": "ping", "description": "Pong"}]
    plan = build_plan(local, activity_live.commands(APP_ID, None))
    write = plan_write(local, plan)
    assert write.first == (Write("DELETE", None, launch["id"], "launch"),) and write.method == "PUT"
    client = DiscordClient(TOKEN, APP_ID, activity_live.url, max_attempts=1)
    try:
        if lost:
            client.delete_command(None, launch["id"])  # the first attempt, whose answer never came
        send_write(client, None, write)
        assert sorted(c["name"] for c in activity_live.commands(APP_ID, None)) == ["ping", "play"]
        activity_live.faults.add(Fault.respond(403, {"code": 50013, "message": "Missing Permissions"}), method="DELETE")
        again = plan_write(local, build_plan(local, [launch]))  # a DELETE Discord refuses for another reason
        with pytest.raises(DiscordError):
            send_write(client, None, again)
    finally:
        client.close()


def test_a_later_run_in_one_process_counts_only_its_own_requests_and_records_its_scope_s_checksum(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """The runtime's client counts every request of the process; each run reports its own: a no-op, a dry run and
    a run the deletion guard stops all made one GET (the plan's). A no-op records the guild's checksum of what it
    read, in the guild's canonical form."""
    staged(make_settings, ctx, live)
    noop = stage.run(make_settings(action="stage"), ctx)
    assert noop.outputs["requests"] == "1"
    (entry,) = [e for e in FileLedger(ctx.workspace / "deployment.log").entries() if e.outcome == "noop"]
    assert entry.live_checksum == checksum(live.commands(APP_ID, GUILD_ID), guild=True)
    assert entry.live_checksum != checksum(live.commands(APP_ID, GUILD_ID), guild=False)

    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip one coin")
    dry = stage.run(make_settings(action="stage", dry_run=True), ctx)
    assert dry.outputs["requests"] == "1"
    assert dry.report is not None and dry.report["notes"] == ["dry run: nothing was written"]
    assert dry.lines[-1] == f"dry run: would deploy staging guild {GUILD_ID}; nothing was written · 0 warning(s)"

    (ctx.workspace / "commands" / "fun" / "games.json").unlink()  # its commands would all be removed
    with pytest.raises(DeployError, match="more than max-deletions") as caught:
        stage.run(make_settings(action="stage", max_deletions=1), ctx)
    facts = partial_of(caught.value)
    assert facts is not None and facts.requests == 1


def test_a_guild_s_bulk_write_leaves_out_the_fields_discord_ignores_in_a_guild(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    (put,) = [r for r in live.requests if r.method == "PUT"]
    sent = {key for command in put.body for key in command}
    stated = {key for command in local_set(ctx.workspace, guild=True) for key in command}
    assert GLOBAL_ONLY & stated  # the example files state some of them
    assert not GLOBAL_ONLY & sent


def test_a_refused_delete_fails_at_once_without_a_verification_read(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """Only a DELETE answered 404 is left to verification (a retry finding the command gone); a DELETE Discord
    refuses otherwise was not applied, so the run fails on its answer."""
    mark = staged(make_settings, ctx, live)
    (path,) = [p for p in (ctx.workspace / "commands").rglob("*.json") if '"ping"' in p.read_text()]
    commands = [c for c in json.loads(path.read_text()) if c["name"] != "ping"]
    path.write_text(json.dumps(commands), encoding="utf-8")  # one removal: one DELETE
    live.faults.add(Fault.respond(403, {"code": 50013, "message": "Missing Permissions"}), method="DELETE")
    with pytest.raises(DeployError, match="failed: Discord refused the write: ") as caught:
        stage.run(make_settings(action="stage"), ctx)
    assert [r.method for r in live.requests[mark:]] == ["GET", "DELETE"]
    facts = partial_of(caught.value)
    assert facts is not None and facts.requests == 2


def test_a_write_whose_every_answer_was_lost_is_a_success_that_says_so(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """Every attempt of the PUT applied and lost its answer: verification finds the set, and the run says how it
    knows; a deploy that got its answer has no such note."""
    live.faults.add(Fault.drop_after_write(), method="PUT", times=FAST["max_attempts"])
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert outcome.exit_code == 0 and holds(live, ctx.workspace, GUILD_ID)
    assert outcome.report is not None
    (note,) = outcome.report["notes"]
    assert note.startswith("the write's answer was lost (") and note.endswith("), but verification shows it applied")
    edit(ctx.workspace, "fun/games.json", "Flip a coin", "Flip one coin")
    answered = stage.run(make_settings(action="stage"), ctx)
    assert answered.report is not None and answered.report["notes"] == []
