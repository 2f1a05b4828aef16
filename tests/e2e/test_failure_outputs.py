"""A failing run still writes what it knows, run as the runner runs the action: step outputs (checksum, plan names,
backup-file once a backup exists, requests) and a step summary saying what failed, what was written and what each
touched scope holds now, so an ``if: failure()`` step can act on it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from alia_action.discord.emulator import Emulator, Fault
from tests.support.actions_runner import ROOT, StepResult, run_on_emulator
from tests.support.discord_fixtures import APP_ID, GUILD_ID


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "workspace" / "commands")
    return tmp_path / "workspace"


def step(ws: Path, live: Emulator, action: str, **inputs: str) -> StepResult:
    return run_on_emulator(ws, live.url, action, **inputs)


def failed(result: StepResult, action: str) -> str:
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.summary.startswith(f"## ❌ {action} failed"), result.summary
    assert "**What failed:**" in result.summary and "**What was written:**" in result.summary
    return result.summary.replace("\\", "")  # Markdown escapes, for readable assertions


def test_breaker_open(live: Emulator, ws: Path) -> None:
    result = step(ws, live, "promote")
    summary = failed(result, "promote")
    assert len(result.outputs["checksum"]) == 64 and result.outputs["requests"] == "0"
    assert result.outputs["backup-file"] == ""
    assert "circuit breaker: no successful staging deploy" in summary
    assert "**What was written:** nothing" in summary and "In sync" not in summary  # no plan was made
    assert "| global commands | unchanged: nothing was written (the circuit breaker stopped the promote) |" in summary


def test_deletion_guard(live: Emulator, ws: Path) -> None:
    assert step(ws, live, "stage").returncode == 0
    (ws / "commands" / "fun" / "quote.json").unlink()
    result = step(ws, live, "stage", **{"max-deletions": "0"})
    summary = failed(result, "stage")
    assert json.loads(result.outputs["removed"]) == ["quote"] and result.outputs["changed"] == "true"
    assert result.outputs["requests"] == "1" and result.outputs["backup-file"] == ""
    assert "more than max-deletions=0" in summary and "set `allow-deletions: true`" in summary
    assert f"| staging guild {GUILD_ID} | unchanged: what it held before this run" in summary


def test_unauthorized(live: Emulator, ws: Path) -> None:
    result = step(ws, live, "stage", **{"bot-token": "MTE4.wrong.token"})
    summary = failed(result, "stage")
    assert result.outputs["requests"] == "1" and result.outputs["backup-file"] == ""
    assert "401" in summary and "**What was written:** nothing" in summary
    assert f"| staging guild {GUILD_ID} | unchanged" in summary


def test_write_refused(live: Emulator, ws: Path) -> None:
    live.faults.add(Fault.respond(400, {"code": 50035, "message": "Invalid Form Body", "errors": {}}), method="PUT")
    result = step(ws, live, "stage")
    summary = failed(result, "stage")
    backup = result.outputs["backup-file"]
    assert backup.startswith("commands-backup-") and (ws / "command-backups").is_dir()
    assert len(json.loads(result.outputs["added"])) == 51 and result.outputs["requests"] == "2"
    assert "Discord refused the write" in summary and f"**What was written:** backup {backup}" in summary
    assert live.commands(APP_ID, GUILD_ID) == []


def test_rollback_error(live: Emulator, ws: Path) -> None:
    result = step(ws, live, "rollback", environment="production")
    summary = failed(result, "rollback")
    assert result.outputs["requests"] == "1" and result.outputs["backup-file"] == ""
    assert f"no deploy of global commands of application {APP_ID} in the deployment record" in summary
    assert "| global commands | unchanged" in summary


def test_deploy_whose_promote_fails_after_the_stage(live: Emulator, ws: Path) -> None:
    assert step(ws, live, "deploy").returncode == 0
    (ws / "commands" / "fun" / "quote.json").unlink()  # within staging's 5 deletions, over production's 0
    result = step(ws, live, "deploy")
    summary = failed(result, "deploy")
    assert result.outputs["backup-file"].startswith("commands-backup-")  # the stage's
    assert json.loads(result.outputs["removed"]) == ["quote"] and result.outputs["requests"] == "4"
    assert f"| staging guild {GUILD_ID} | the new set: this run's stage wrote and verified it |" in summary
    assert "| global commands | unchanged" in summary
    assert f"the new set to staging guild {GUILD_ID} (verified)" in summary
