"""Deployment records carry the figures the dashboard needs: start, end, commit, commit time, success."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError
from alia_action.handlers import promote, stage
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import FAST

SHA = "f00dfeed" * 5
MERGED = "2026-01-15T10:30:00+01:00"


def workflow_run_event(tmp_path: Path) -> Path:
    """What the runner writes for the example pipeline's ``workflow_run`` trigger (the fields we read)."""
    event = {"workflow_run": {"head_sha": SHA, "head_commit": {"id": SHA, "timestamp": MERGED}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def test_every_result_line_has_start_end_commit_and_success(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, tmp_path: Path
) -> None:
    environ = {"GITHUB_SHA": SHA, "GITHUB_EVENT_PATH": str(workflow_run_event(tmp_path))}
    ctx = Runtime(workspace=workspace, environ=environ, client_options=dict(FAST))
    try:
        stage.run(make_settings(action="stage"), ctx)
        promote.run(make_settings(action="promote"), ctx)
        stage.run(make_settings(action="stage"), ctx)  # nothing changed: a no-op, still a success
        (workspace / "commands" / "fun" / "games.json").write_text(
            (workspace / "commands" / "fun" / "games.json").read_text().replace("Flip a coin", "Flip a new coin")
        )
        live.faults.add(Fault.server_error(503), method="PATCH", times=FAST["max_attempts"])
        with pytest.raises(DeployError):
            stage.run(make_settings(action="stage"), ctx)
    finally:
        ctx.close()

    raw = (workspace / "deployment.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in raw.splitlines()]
    results = [line for line in lines if line["outcome"] != "started"]
    assert [r["outcome"] for r in results] == ["success", "success", "noop", "failure"]
    # The original's recipe, verbatim: grep '"success":true' deployment.log | wc -l
    assert raw.count('"success":true') == 3
    assert [r["success"] for r in results] == [True, True, True, False]
    for record in results:
        assert record["git_sha"] == SHA
        assert datetime.fromisoformat(record["commit_time"]) == datetime.fromisoformat(MERGED)
        started, ended = datetime.fromisoformat(record["started_at"]), datetime.fromisoformat(record["ended_at"])
        assert started <= ended == datetime.fromisoformat(record["time"])
    claims = [line for line in lines if line["outcome"] == "started"]
    assert claims and all(c["ended_at"] is None and c["success"] is False for c in claims)


def test_outside_actions_the_commit_comes_from_git(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(workspace), *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    subprocess.run(
        ["git", "-C", str(workspace), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x"],
        check=True,
        env={"GIT_COMMITTER_DATE": "2026-02-01T12:00:00+00:00", "PATH": "/usr/bin:/bin"},
    )
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    try:
        stage.run(make_settings(action="stage"), ctx)
    finally:
        ctx.close()
    record = json.loads((workspace / "deployment.log").read_text().splitlines()[-1])
    assert record["git_sha"] == git("rev-parse", "HEAD")
    assert datetime.fromisoformat(record["commit_time"]) == datetime.fromisoformat("2026-02-01T12:00:00+00:00")
