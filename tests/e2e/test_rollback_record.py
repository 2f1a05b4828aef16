"""Rollback through the CLI and the action's entrypoint (issue 20 items 1-4): the target comes from the deployment
record, a re-run finds it live, an unreadable backup stops it, a restore passes the command files' rules, and no
run takes over a live writer's claim or reports a success that is no longer true.

The Discord emulator runs in this process (faults scripted on it); the CLI and the entrypoint run as processes
against it. The deploys that set a scene run in process (the same workspace, deployment.log and backups).
"""

from __future__ import annotations

import json
import re
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.handlers import stage
from alia_action.runtime import Runtime
from alia_action.scope import Scope
from alia_action.stores.backups import BackupDocument, LocalBackupStore
from tests.conftest import SettingsFactory
from tests.support.actions_runner import run_action
from tests.support.cli_process import ROOT, cli
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN
from tests.support.fault_proxy import FaultProxy

OTHER_GUILD = "1180000000000000333"
CREDENTIALS = {"BOT_TOKEN": TOKEN, "CLIENT_ID": APP_ID, "GUILD_ID": GUILD_ID}
UNDO = re.compile(r"to undo this rollback: `(command-deploy rollback --environment staging --backup-file (\S+))`")
BUCKET = "rollback-backups"


# ------------------------------------------------------------------------------------------------ helpers


def coin(workspace: Path, word: str) -> None:
    """Version ``word`` of the command set: only coinflip's description differs between versions."""
    path = workspace / "commands" / "fun" / "games.json"
    commands = json.loads(path.read_text(encoding="utf-8"))
    for command in commands:
        if command["name"] == "coinflip":
            command["description"] = f"Flip a {word} coin"
    path.write_text(json.dumps(commands), encoding="utf-8")


def live_coin(live: Emulator) -> str:
    return next(str(c["description"]) for c in live.commands(APP_ID, GUILD_ID) if c["name"] == "coinflip")


def writes(live: Emulator, since: int = 0) -> list[str]:
    return [r.method for r in live.requests[since:] if r.method != "GET"]


def staged(make_settings: SettingsFactory, workspace: Path, *words: str, **settings: Any) -> list[str]:
    """Stage each version in turn (in process); the backups each deploy took, oldest first."""
    backups = []
    for word in words:
        coin(workspace, word)
        ctx = Runtime(workspace=workspace, client_options=dict(FAST))
        try:
            backups.append(stage.run(make_settings(action="stage", **settings), ctx).outputs["backup-file"])
        finally:
            ctx.close()
    return backups


def rollback(workspace: Path, live: Emulator, *args: str, env: dict[str, str] | None = None) -> str:
    """``command-deploy rollback --environment staging ARGS`` against the emulator; its exit code and output."""
    proc = cli(
        "rollback", "--environment", "staging", "--discord-api-url", live.url, *args,
        cwd=workspace, env={**CREDENTIALS, **(env or {})},
    )  # fmt: skip
    return f"exit {proc.returncode}\n{proc.stdout}{proc.stderr}"


def scope_folder(workspace: Path) -> Path:
    return workspace / "command-backups" / Scope(GUILD_ID, APP_ID).segment


def backup_names(workspace: Path) -> set[str]:
    return {p.name for p in (workspace / "command-backups").rglob("commands-*.json")}


# ------------------------------------------------------------------------------------------------ item 1


def test_rollback_undoes_one_deploy_and_run_again_finds_it_live(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny", "gold")
    first = rollback(workspace, live)
    assert first.startswith("exit 0"), first
    assert live_coin(live) == "Flip a shiny coin"  # one deploy undone, not two
    assert f"restored {backups[2]} (51 commands, taken " in first and "0 commands" not in first
    assert f"chose {backups[2]}: the state before the stage of " in first
    undo = UNDO.search(first)
    assert undo is not None, first
    pre_rollback = undo.group(2)
    assert pre_rollback.startswith("commands-pre-rollback-") and pre_rollback in backup_names(workspace)

    mark, kept = len(live.requests), backup_names(workspace)
    again = rollback(workspace, live)
    assert again.startswith("exit 0"), again
    assert f"already rolled back to {backups[2]} (51 commands" in again and "nothing was written" in again
    assert writes(live, mark) == [] and len(live.requests) == mark + 1  # one GET: what is live
    assert backup_names(workspace) == kept  # no backup either
    assert UNDO.search(again) is not None and UNDO.search(again).group(2) == pre_rollback  # type: ignore[union-attr]

    # The undo line, copied as printed, brings the undone deploy back.
    line = shlex.split(undo.group(1))[1:]
    undone = cli(*line, "--discord-api-url", live.url, cwd=workspace, env=CREDENTIALS)
    assert undone.returncode == 0, undone.stdout + undone.stderr
    assert live_coin(live) == "Flip a gold coin"

    # Further back is explicit: two deploys (the restore just made and the shiny stage).
    further = rollback(workspace, live, "--steps", "2")
    assert further.startswith("exit 0") and "(undoing 2 deploys)" in further, further
    assert live_coin(live) == "Flip a plain coin"
    entries = [json.loads(line) for line in (workspace / "deployment.log").read_text().splitlines()]
    last = entries[-1]
    assert (last["action"], last["outcome"], last["restored"]) == ("rollback", "success", backups[1])
    assert len(last["undid"]) == 2 and last["undid"][0] == backups[1]


def test_the_action_names_the_undo_in_its_own_inputs_and_a_rerun_writes_nothing(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny")
    inputs = {
        "action": "rollback",
        "environment": "staging",
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "guild-id": GUILD_ID,
        "discord-api-url": live.url,
        "github-token": "",  # the record is deployment.log
    }
    first = run_action(workspace, inputs, timeout=60)
    assert first.returncode == 0, first.stdout + first.stderr
    assert live_coin(live) == "Flip a plain coin" and first.outputs["restored-backup"] == backups[1]
    undo = re.search(
        r"to undo this rollback: `action: rollback, environment: staging, backup-file: (\S+)`", first.stdout
    )
    assert undo is not None and undo.group(1) == first.outputs["backup-file"], first.stdout

    mark = len(live.requests)
    again = run_action(workspace, inputs, timeout=60)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"already rolled back to {backups[1]}" in again.stdout
    assert writes(live, mark) == [] and again.outputs["requests"] == "1" and again.outputs["changed"] == "false"
    assert f"backup-file: {undo.group(1)}`" in again.stdout  # how to undo it, still


# ------------------------------------------------------------------------------------------------ item 2, local

DAMAGE: dict[str, Any] = {
    "truncated": lambda raw: raw[: len(raw) // 2],
    "garbled": lambda raw: b"\xff\xfe\x00garbage" + raw[40:],
    "not JSON": lambda raw: b"these are not the commands you are looking for\n",
    "wrong shape": lambda raw: json.dumps({"format": 1, "commands": "all of them"}).encode(),
    "damaged (empty)": lambda raw: b"",
}


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_an_unreadable_target_backup_stops_the_rollback_naming_it(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, damage: str
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny", "gold")
    path = scope_folder(workspace) / backups[2]
    path.write_bytes(DAMAGE[damage](path.read_bytes()))
    mark, kept = len(live.requests), backup_names(workspace)
    out = rollback(workspace, live)
    assert out.startswith("exit 1"), out
    assert f"cannot restore {backups[2]}, the state before the stage of " in out
    assert "nothing was written to Discord" in out
    assert writes(live, mark) == [] and backup_names(workspace) == kept
    assert live_coin(live) == "Flip a gold coin"  # never the deploy before it, in silence


@pytest.mark.parametrize("damage", ["truncated", "wrong shape"])
def test_an_unreadable_backup_newer_than_the_target_stops_the_rollback(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, damage: str
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny")
    raw = (scope_folder(workspace) / backups[1]).read_bytes()
    newer = "commands-backup-2999-01-01T00-00-00-000Z.json"
    (scope_folder(workspace) / newer).write_bytes(DAMAGE[damage](raw))
    mark = len(live.requests)
    out = rollback(workspace, live)
    assert out.startswith("exit 1"), out
    assert f"rollback stopped: backup {newer} is not a valid backup document" in out
    assert f"It is newer than {backups[1]}" in out and "not skipped in silence" in out
    assert writes(live, mark) == [] and live_coin(live) == "Flip a shiny coin"


def test_a_backup_of_another_guild_in_the_scope_is_skipped_with_a_warning_never_restored(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny")
    stray = BackupDocument(
        application_id=APP_ID,
        guild_id=OTHER_GUILD,
        environment="staging",
        taken_at=Runtime(workspace=workspace).now() + timedelta(minutes=5),
        checksum="x",
        commands=[{"name": "intruder", "description": "Another guild's", "type": 1}],
    )
    LocalBackupStore(workspace / "stray").save(stray)
    (stray_file,) = (workspace / "stray").rglob("commands-backup-*.json")
    (scope_folder(workspace) / stray_file.name).write_bytes(stray_file.read_bytes())
    out = rollback(workspace, live)
    assert out.startswith("exit 0"), out
    assert f"warning: backup {stray_file.name} in the backups of guild {GUILD_ID}" in out
    assert f"holds the commands of guild {OTHER_GUILD} of application {APP_ID}: skipped" in out
    assert f"restored {backups[1]}" in out and "intruder" not in str(live.commands(APP_ID, GUILD_ID))
    assert "force" not in out

    named = rollback(workspace, live, "--backup-file", stray_file.name)  # named: refused, and no force offered
    assert named.startswith("exit 2") and f"taken from guild {OTHER_GUILD}" in named and "force" not in named


# ------------------------------------------------------------------------------------------------ item 2, S3


@pytest.fixture
def s3(moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FaultProxy, dict[str, str]]]:
    """moto behind the fault proxy; the environment of a process (and of this one) that uses it."""
    from tests.support.oidc_standin import moto_reset

    moto_reset(moto_url)
    with FaultProxy(moto_url) as proxy:
        env = {
            "AWS_ACCESS_KEY_ID": "rollback-test",
            "AWS_SECRET_ACCESS_KEY": "rollback-test",
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL": proxy.url,
            "AWS_CONFIG_FILE": str(tmp_path / "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-aws-credentials"),
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url).create_bucket(Bucket=BUCKET)
        yield proxy, env


S3_FAULTS: dict[str, tuple[str, str]] = {  # how the target's GET fails, and what the message says of it
    "garbled body": ("", "is not a valid backup document"),
    "truncated body": ("", "is not a valid backup document"),
    "missing key": ("NoSuchKey", "no backup named"),
    "403": ("AccessDenied", "AccessDenied (HTTP 403)"),
    "500": ("InternalError", "InternalError (HTTP 500)"),
}


@pytest.mark.parametrize("fault", sorted(S3_FAULTS))
def test_an_unreadable_s3_backup_stops_the_rollback_naming_it(
    live: Emulator,
    make_settings: SettingsFactory,
    workspace: Path,
    s3: tuple[FaultProxy, dict[str, str]],
    moto_url: str,
    fault: str,
) -> None:
    proxy, env = s3
    store = f"s3://{BUCKET}/ci"
    backups = staged(make_settings, workspace, "plain", "shiny", "gold", backup_store=store)
    key = f"ci/{Scope(GUILD_ID, APP_ID).segment}{backups[2]}"
    code, said = S3_FAULTS[fault]
    direct = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    if fault.endswith("body"):
        raw = direct.get_object(Bucket=BUCKET, Key=key)["Body"].read()
        damaged = raw[: len(raw) // 2] if fault.startswith("truncated") else b"\x00\x01 not json \xff" + raw[9:]
        direct.put_object(Bucket=BUCKET, Key=key, Body=damaged)
    else:
        status = {"NoSuchKey": 404, "AccessDenied": 403, "InternalError": 500}[code]
        proxy.add("status", method="GET", path=re.escape(backups[2]) + "$", status=status, code=code, times=10)
    mark = len(live.requests)
    out = rollback(workspace, live, "--backup-store", store, env=env)
    assert out.startswith("exit 1"), out
    assert backups[2] in out and said in out and "nothing was written to Discord" in out
    assert writes(live, mark) == [] and live_coin(live) == "Flip a gold coin"


# ------------------------------------------------------------------------------------------------ item 3


def many(count: int) -> list[dict[str, Any]]:
    return [{"id": str(10**17 + n), "name": f"cmd-{n}", "description": f"Command {n}", "type": 1} for n in range(count)]


@pytest.mark.parametrize(
    ("commands", "refused"),
    [
        (many(100), ""),  # at Discord's limit of 100 chat-input commands per scope: restored
        (many(101), "[scope.count]"),  # one past it
        ([*many(2), {"name": "cmd-0", "description": "Again", "type": 1}], "[scope.unique]"),
    ],
    ids=["100 commands", "101 commands", "a duplicate name"],
)
def test_a_restore_passes_the_command_files_rules_before_anything_is_written(
    live: Emulator, workspace: Path, commands: list[dict[str, Any]], refused: str
) -> None:
    name = LocalBackupStore(workspace / "command-backups").save(
        BackupDocument(
            application_id=APP_ID,
            guild_id=GUILD_ID,
            environment="staging",
            taken_at=Runtime(workspace=workspace).now(),
            checksum="x",
            commands=commands,
        )
    )
    out = rollback(workspace, live, "--backup-file", name, "--allow-deletions")
    if not refused:
        assert out.startswith("exit 0"), out
        assert len(live.commands(APP_ID, GUILD_ID)) == 100 and f"restored {name} (100 commands" in out
        return
    assert out.startswith("exit 1"), out
    assert f"backup {name} fails the rules every command file passes, so it is not restored" in out
    assert f"{name}:" in out and refused in out and "Nothing was written to Discord" in out
    assert writes(live) == [] and not any(n.startswith("commands-pre-rollback") for n in backup_names(workspace))


# ------------------------------------------------------------------------------------------------ item 4


def wait_for(condition: Any, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


def background(workspace: Path, live: Emulator, *args: str) -> subprocess.Popen[str]:
    import os

    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workspace), "PYTHONPATH": str(ROOT), **CREDENTIALS}
    return subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", *args, "--discord-api-url", live.url],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_an_interrupted_rollback_rerun_with_override_claim_finds_it_done(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    backups = staged(make_settings, workspace, "plain", "shiny")
    verify = len(live.requests) + 3  # the rollback's GET, its PATCH, then the verification GET: held
    live.faults.at(verify, Fault.slow(20))
    killed = background(workspace, live, "rollback", "--environment", "staging")
    wait_for(lambda: any(r.seq == verify for r in live.requests), "the rollback's verification")
    killed.send_signal(signal.SIGKILL)  # after its write, before its result is recorded
    killed.wait(10)
    assert live_coin(live) == "Flip a plain coin"
    (pre_rollback,) = [n for n in backup_names(workspace) if n.startswith("commands-pre-rollback-")]

    mark = len(live.requests)
    out = rollback(workspace, live, "--override-claim")
    assert out.startswith("exit 0"), out
    assert f"already rolled back to {backups[1]}" in out and "nothing was written" in out
    assert writes(live, mark) == []
    assert f"--backup-file {pre_rollback}`" in out  # the killed run's pre-rollback backup undoes it
    started = re.search(r"took over the unfinished claim of rollback \(run id \w+\), started (\S+ \S+) UTC", out)
    assert started is not None and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", started.group(1)), out
    staged(make_settings, workspace, "gold")  # the killed run's claim, taken over, blocks no later deploy
    assert live_coin(live) == "Flip a gold coin"


@pytest.mark.parametrize("override", [False, True], ids=["waits", "override-claim"])
def test_a_rollback_racing_a_deploy_whose_write_is_held_ends_with_no_silent_success(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, override: bool
) -> None:
    staged(make_settings, workspace, "plain", "shiny")
    coin(workspace, "gold")  # the bad deploy: one change, a PATCH, held by the emulator
    live.faults.add(Fault.slow(12), method="PATCH")
    deploy = background(workspace, live, "stage")
    wait_for(lambda: any(r.method == "PATCH" and r.status is None for r in live.requests), "the deploy's PATCH")
    out = rollback(workspace, live, *(["--override-claim"] if override else []))
    held_throughout = any(r.method == "PATCH" and r.status is None for r in live.requests)
    deploy_out = deploy.communicate(timeout=60)[0]
    succeeded = {"rollback": out.startswith("exit 0"), "deploy": deploy.returncode == 0}
    assert list(succeeded.values()).count(True) == 1, (out, deploy_out)  # never both
    loud = "took over this run's claim while it was writing" in deploy_out and "hold(s) this run's set" in deploy_out
    if succeeded["deploy"]:
        assert live_coin(live) == "Flip a gold coin", (out, deploy_out)
    else:  # the rollback's restore is live, or the deploy's late write undid it and the deploy says so
        assert live_coin(live) == "Flip a plain coin" or loud, (out, deploy_out)
    if held_throughout and not override:  # the rollback met the live claim: it waits, writes nothing
        assert "another stage of this scope started at" in out and "override-claim" in out
        assert succeeded["deploy"]
    if held_throughout and override:  # it took the claim over; the deploy's late write then fails loudly
        assert "took over the unfinished claim of stage" in out and succeeded["rollback"]
        assert loud and deploy.returncode == 1 and live_coin(live) == "Flip a gold coin"
