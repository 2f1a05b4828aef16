"""The local Discord: without credentials, separate CLI runs (and action runs with ``discord-api-url: emulator``)
see one Discord whose state lives in ``.discord-emulator.json``, like the original's local scripts did."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN, Emulator
from alia_action.discord.emulator_state import load_state, persist, save_state
from alia_action.discord.state_file import STATE_FILE
from tests.support.actions_runner import run_action
from tests.support.cli_process import ROOT, cli, free_port

README_COMMAND_1 = ("deploy", "--commands", "examples/commands")


def ledger(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "deployment.log").read_text(encoding="utf-8").splitlines()]


def runs_of(entries: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The ledger's results (started entries left out), grouped by run."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for entry in entries:
        if entry["outcome"] != "started":
            grouped.setdefault(entry["run"], []).append(entry)
    return list(grouped.values())


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    """A fresh checkout as far as README set-up command 1 cares: the examples, nothing else."""
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "examples" / "commands")
    return tmp_path


def test_readme_set_up_command_1_is_repeatable_and_later_runs_only_read(clone: Path) -> None:
    states: list[bytes] = []
    for run in range(1, 6):
        proc = cli(*README_COMMAND_1, cwd=clone)
        assert proc.returncode == 0, f"run {run}:\n{proc.stdout}{proc.stderr}"
        states.append((clone / STATE_FILE).read_bytes())
        if run > 1:
            assert "nothing to deploy" in proc.stdout + proc.stderr, proc.stdout
    # Runs 2-5 wrote nothing: the local Discord (IDs, versions, create counts) is byte for byte the same.
    assert states[1:] == states[:1] * 4
    first, *later = [[(e["action"], e["outcome"], e["requests"]) for e in run] for run in runs_of(ledger(clone))]
    assert first == [("stage", "success", 3), ("promote", "success", 3)]
    assert later == [[("stage", "noop", 1), ("promote", "noop", 1)]] * 4  # one GET per scope, no write
    saved = json.loads(states[0])
    creates = {(w["guild_id"] or "global"): len(w["times"]) for w in saved["creates"]}
    assert creates == {TEST_GUILD_ID: 51, "global": 50}  # the first run's creates, none since


def test_stage_promote_health_rollback_health_as_separate_processes(clone: Path) -> None:
    args = ("--commands", "examples/commands")

    def step(action: str, *extra: str) -> subprocess.CompletedProcess[str]:
        return cli(action, *args, *extra, cwd=clone)

    assert step("stage").returncode == 0
    assert step("promote").returncode == 0
    # A second version: one description changes, so a rollback has something to go back to.
    ping = clone / "examples" / "commands" / "utility" / "info.json"
    text = ping.read_text(encoding="utf-8")
    ping.write_text(text.replace("Check that the bot is alive and see its latency", "Latency"), encoding="utf-8")
    staged, promoted = step("stage"), step("promote")
    assert (staged.returncode, promoted.returncode) == (0, 0), promoted.stdout + promoted.stderr
    assert "circuit breaker passed" in promoted.stdout + promoted.stderr

    healthy = step("health")
    assert healthy.returncode == 0 and "healthy: GET" in healthy.stdout + healthy.stderr, healthy.stdout

    rolled = step("rollback")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert re.search(r"restored commands-backup-\S+ \(50 commands", rolled.stdout + rolled.stderr), rolled.stdout

    drifted = step("health")
    assert drifted.returncode == 1, drifted.stdout + drifted.stderr  # live differs from the files: unhealthy
    text = drifted.stdout + drifted.stderr
    assert "unhealthy" in text and "1 drifted: ping" in text and "50 live / 50 expected" in text, text
    listing = cli("backups", cwd=clone)
    assert len(re.findall(r"^commands-backup-", listing.stdout, re.MULTILINE)) == 4  # 2 stages + 2 promotes
    assert len(re.findall(r"^commands-pre-rollback-", listing.stdout, re.MULTILINE)) == 1


def test_detect_with_the_live_baseline_reads_the_local_discord(clone: Path) -> None:
    assert cli(*README_COMMAND_1, cwd=clone).returncode == 0
    proc = cli("detect", "--commands", "examples/commands", "--discord-api-url", "emulator", cwd=clone)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "baseline: live global commands" in proc.stdout and "nothing to deploy" in proc.stdout


def test_the_action_with_discord_api_url_emulator_keeps_the_state_in_the_workspace(tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    first = run_action(workspace, {"action": "stage", "discord-api-url": "emulator"})
    assert first.returncode == 0, first.stdout + first.stderr
    assert (workspace / STATE_FILE).is_file()
    second = run_action(workspace, {"action": "stage", "discord-api-url": "emulator"})
    assert second.returncode == 0 and second.outputs["changed"] == "false", second.stdout
    assert second.outputs["requests"] == "1"


def test_reset_starts_over_with_an_empty_discord(clone: Path) -> None:
    assert cli(*README_COMMAND_1, cwd=clone).returncode == 0
    reset = cli("emulator", "--reset", cwd=clone)
    assert reset.returncode == 0 and f"removed {STATE_FILE}" in reset.stdout
    assert not (clone / STATE_FILE).exists()
    again = cli("emulator", "--reset", cwd=clone)
    assert again.returncode == 0 and "already empty" in again.stdout
    health = cli("health", "--commands", "examples/commands", cwd=clone)
    assert "0 live / 50 expected" in health.stdout + health.stderr


def test_an_unreadable_state_file_names_itself_and_the_way_out(clone: Path) -> None:
    (clone / STATE_FILE).write_text("{not json", encoding="utf-8")
    proc = cli(*README_COMMAND_1, cwd=clone)
    assert proc.returncode == 1
    text = proc.stdout + proc.stderr
    assert STATE_FILE in text and "command-deploy emulator --reset" in text and "Traceback" not in text


def test_a_snapshot_keeps_ids_versions_guilds_and_the_days_creates(tmp_path: Path) -> None:
    path = tmp_path / STATE_FILE
    with Emulator() as first:
        assert persist(first, path) is False  # no file yet: an empty Discord
        first.add_application(TEST_APPLICATION_ID, TEST_TOKEN)
        first.add_guild(TEST_APPLICATION_ID, TEST_GUILD_ID)
        stored = first.set_commands(TEST_APPLICATION_ID, TEST_GUILD_ID, [{"name": "ping", "description": "Pong"}])
        first.set_daily_creates(TEST_APPLICATION_ID, None, 7)
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    second = Emulator()
    assert load_state(second, path) is True
    second.add_application(TEST_APPLICATION_ID, TEST_TOKEN)
    assert second.commands(TEST_APPLICATION_ID, TEST_GUILD_ID) == stored
    assert second.daily_creates(TEST_APPLICATION_ID, None) == 7
    assert second.next_snowflake() > stored[0]["version"]  # new IDs never repeat old ones
    save_state(second, tmp_path / "copy.json")
    assert TEST_TOKEN not in (tmp_path / "copy.json").read_text(encoding="utf-8")  # tokens are not state


def test_the_served_emulator_prints_one_line_that_points_a_command_at_it(clone: Path) -> None:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(port)],
        cwd=clone,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None
        banner = [server.stdout.readline() for _ in range(3)]
        assert f"listening on http://127.0.0.1:{port}/api/v10" in banner[0], banner
        line = banner[2].strip()
        assert line.startswith(f"BOT_TOKEN={TEST_TOKEN} CLIENT_ID={TEST_APPLICATION_ID} GUILD_ID={TEST_GUILD_ID} ")
        # Pasted into a shell in another folder of the project, as printed: it names the folder's command files
        assert " deploy --commands examples/commands --discord-api-url " in line
        pasted = line.replace("command-deploy", f"{sys.executable} -m alia_action.cli", 1)
        proc = subprocess.run(
            ["/bin/sh", "-c", pasted],
            cwd=clone,
            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(clone)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert "No Discord credentials" not in proc.stdout + proc.stderr  # it used the served one
        root = f"http://127.0.0.1:{port}"
        env = {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID, "GUILD_ID": TEST_GUILD_ID}
        hinted = cli("stage", "--commands", "examples/commands", "--discord-api-url", root, cwd=clone, env=env)
        assert hinted.returncode == 1
        assert f"set discord-api-url (--discord-api-url) to {root}/api/v10" in hinted.stdout + hinted.stderr
    finally:
        server.send_signal(2)
        server.communicate(timeout=30)
    assert json.loads((clone / STATE_FILE).read_text(encoding="utf-8"))["applications"][TEST_APPLICATION_ID]["global"]


def test_monitor_watches_what_an_earlier_run_deployed(clone: Path) -> None:
    assert cli(*README_COMMAND_1, cwd=clone).returncode == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "monitor", "--commands", "examples/commands", "--interval", "10m"],
        cwd=clone,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(clone), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # until the first check: the monitor then waits 10 minutes
        lines.append(line)
        if " live / " in line:
            break
    proc.send_signal(2)
    lines += proc.communicate(timeout=60)[0].splitlines()
    assert proc.returncode == 0, lines
    check = next(line for line in lines if " live / " in line)
    assert "healthy" in check and "unhealthy" not in check and "50 live / 50 expected" in check, check


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_the_served_emulator_stops_on_ctrl_c_and_sigterm_even_started_in_the_background(
    tmp_path: Path, sig: signal.Signals
) -> None:
    # `cmd &` in a script (or nohup) starts it with SIGINT ignored: Python then raises no KeyboardInterrupt.
    server = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(free_port()), "--no-state"],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert server.stdout is not None
    assert "listening on" in server.stdout.readline()
    server.send_signal(sig)
    out = server.communicate(timeout=60)[0]  # the bound only keeps a broken build from hanging the suite
    assert server.returncode == 0, out


def test_detect_without_credentials_plans_against_the_local_discord_once_it_exists(clone: Path) -> None:
    """One local Discord: after README command 1, detect agrees with stage (in sync) and says so first;
    --offline and a folder without the state file keep the checksum file's baseline, and say that first."""
    fresh = cli("detect", "--commands", "examples/commands", cwd=clone)
    assert fresh.returncode == 0
    assert fresh.stdout.splitlines()[0].endswith(
        "no local Discord (.discord-emulator.json) in this folder: detect plans against the checksum file "
        ".command-checksums.json (the offline baseline)."
    )
    assert not (clone / STATE_FILE).exists()  # detect never creates the local Discord
    assert cli(*README_COMMAND_1, cwd=clone).returncode == 0
    local = cli("detect", "--commands", "examples/commands", cwd=clone)
    assert local.returncode == 0, local.stdout + local.stderr
    first, *rest = local.stdout.splitlines()
    assert "detect plans against the local Discord (.discord-emulator.json, production)" in first
    assert "baseline: live global commands" in "\n".join(rest) and "in sync: nothing to deploy" in rest[-1]
    offline = cli("detect", "--commands", "examples/commands", "--offline", cwd=clone)
    assert offline.stdout.splitlines()[0].startswith(
        "No Discord credentials (CLIENT_SECRET or BOT_TOKEN, CLIENT_ID) and --offline"
    )
    assert "51 added" in offline.stdout and "deployment required" in offline.stdout
    staging = cli(
        "detect", "--commands", "examples/commands", "--environment", "staging", "--format", "json", cwd=clone
    )
    report = json.loads(staging.stdout)
    assert (report["baseline"], report["deployment_required"]) == (f"live staging guild {TEST_GUILD_ID}", False)
