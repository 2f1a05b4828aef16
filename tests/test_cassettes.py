"""Golden cassettes: the exact Discord traffic of stage, promote and rollback, replayed with record_mode="none".

An extra request, a missing one, or a changed method, path, query or body fails these tests: the request
budget (one GET to plan, one PUT to apply, one GET to verify) is a contract, not a hope.

Re-record after an intended change of traffic with ``RECORD_CASSETTES=1 python -m pytest tests/test_cassettes.py``
(records against the emulator; the Authorization header is never written to a cassette).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import vcr

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.handlers import promote, rollback, stage
from alia_action.runtime import Runtime
from tests.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator

ROOT = Path(__file__).resolve().parent.parent
CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD = os.environ.get("RECORD_CASSETTES") == "1"
UNREACHABLE = "http://127.0.0.1:9/api/v10"  # replay never connects; a real request here would fail

recorder = vcr.VCR(
    cassette_library_dir=str(CASSETTES),
    record_mode="all" if RECORD else "none",
    match_on=["method", "path", "query", "body"],
    filter_headers=["authorization"],
    decode_compressed_response=True,
)


@pytest.fixture
def base_url() -> Iterator[str]:
    if not RECORD:
        yield UNREACHABLE
        return
    with Emulator() as emu:
        setup_emulator(emu)
        yield emu.url


def settings(base_url: str, **overrides: Any) -> Settings:
    values = {"bot_token": TOKEN, "application_id": APP_ID, "guild_id": GUILD_ID, "discord_api_url": base_url}
    return Settings.from_cli({**values, **overrides}, {}, None)


def test_stage_promote_change_and_rollback_traffic(tmp_path: Path, base_url: str) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    try:
        with recorder.use_cassette("stage.yaml") as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert [r.method for r in cassette.requests] == ["GET", "PUT", "GET"]
        assert cassette.all_played or RECORD
        assert len(json.loads(outcome.outputs["added"])) == 51

        with recorder.use_cassette("promote.yaml") as cassette:
            promote.run(settings(base_url, action="promote"), ctx)
        assert [(r.method, "/guilds/" in r.path) for r in cassette.requests] == [
            ("GET", True),  # the circuit breaker reads the staging guild
            ("GET", False),
            ("PUT", False),
            ("GET", False),
        ]
        assert cassette.all_played or RECORD

        games = workspace / "commands" / "fun" / "games.json"
        games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
        with recorder.use_cassette("stage-one-change.yaml") as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert [r.method for r in cassette.requests] == ["GET", "PUT", "GET"]
        assert json.loads(outcome.outputs["modified"]) == ["coinflip"]

        with recorder.use_cassette("stage-no-op.yaml") as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert [r.method for r in cassette.requests] == ["GET"]
        assert outcome.outputs["changed"] == "false"

        with recorder.use_cassette("rollback.yaml") as cassette:
            outcome = rollback.run(settings(base_url, action="rollback", environment="staging"), ctx)
        assert [r.method for r in cassette.requests] == ["GET", "PUT", "GET"]
        put = json.loads(cassette.requests[1].body)
        assert next(c for c in put if c["name"] == "coinflip")["description"].startswith("Flip a coin")
        assert outcome.outputs["backup-file"].startswith("commands-pre-rollback-")
    finally:
        ctx.close()


def test_cassettes_hold_no_credentials() -> None:
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert TOKEN not in text and "authorization" not in text.lower(), path.name
