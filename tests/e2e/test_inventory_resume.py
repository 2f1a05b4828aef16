"""A real ``command-deploy inventory`` process killed (SIGKILL) halfway through the walk: the next run continues
from the checkpoint and reads no guild the killed run had finished."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema

from alia_action.discord.emulator import Emulator
from tests.support.cli_process import ROOT, cli
from tests.support.discord_fixtures import APP_ID, TOKEN

SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
CHECKPOINT = ".command-deploy-inventory.jsonl"


def finished(workspace: Path) -> list[str]:
    """The guilds the checkpoint says were read (the line a kill cut short does not count)."""
    out = []
    for line in (workspace / CHECKPOINT).read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("kind") == "guild":
            out.append(record["id"])
    return out


def test_a_run_killed_halfway_resumes_without_reading_finished_guilds_again(fleet: Emulator, workspace: Path) -> None:
    fleet.global_limit = 50  # Discord's rate, on the real clock: the walk takes seconds, time enough to kill it
    fleet.rate_clock = time.monotonic
    fleet.add_fleet(APP_ID, 400, with_commands=20, without_scope=10)
    args = ["inventory", "--commands", "commands", "--application-id", APP_ID, "--discord-api-url", fleet.url]
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(workspace), "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN}
    killed = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", *args],
        cwd=workspace,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and killed.poll() is None:
            if (workspace / CHECKPOINT).exists() and len(finished(workspace)) >= 100:
                break
            time.sleep(0.01)
        assert killed.poll() is None, "the walk ended before it could be killed"
        killed.send_signal(signal.SIGKILL)
    finally:
        killed.wait(10)
    done_before = finished(workspace)
    assert 100 <= len(done_before) < 401
    gets_before = len(fleet.requests)

    proc = cli(*args, "--format", "json", cwd=workspace, env={"BOT_TOKEN": TOKEN}, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    report = json.loads(proc.stdout)
    jsonschema.validate(report, SCHEMA)
    inv = report["inventory"]
    read_again = [
        r.path
        for r in fleet.requests[gets_before:]
        if r.method == "GET" and any(r.path.endswith(f"/guilds/{g}/commands") for g in done_before)
    ]
    assert read_again == []
    assert inv["guilds"]["reused"] == len(done_before) and inv["guilds"]["read"] == 401 - len(done_before)
    assert len(inv["stale"]) == 20 and len(inv["no_scope"]) == 10 and inv["complete"] is True
    assert "resuming from .command-deploy-inventory.jsonl" in proc.stderr
