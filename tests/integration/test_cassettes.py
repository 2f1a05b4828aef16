"""Golden cassettes: the exact Discord traffic of stage, promote and rollback, replayed with record_mode="none".

An extra request, a missing one, or a changed method, path, query or body fails these tests: the request
budget (one GET to plan, one write to apply, one GET to verify) is a contract, not a hope. Every cassette is
replayed with each interaction playing exactly once and all of them played. The write is a bulk PUT for two
or more changes, and a POST, PATCH or DELETE of that one command for a single change.

Re-record after an intended change of traffic with
``RECORD_CASSETTES=1 python -m pytest tests/integration/test_cassettes.py``
(records against the emulator; the Authorization header is never written to a cassette).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import vcr
from vcr.cassette import Cassette

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.handlers import promote, rollback, stage
from alia_action.runtime import Runtime
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator

ROOT = Path(__file__).resolve().parents[2]
CASSETTES = Path(__file__).resolve().parent / "cassettes"
RECORD = os.environ.get("RECORD_CASSETTES") == "1"
UNREACHABLE = "http://127.0.0.1:9/api/v10"  # replay never connects; a real request here would fail
# The emulator's snowflakes are deterministic: the IDs the recorded runs gave coinflip and hello.
COINFLIP_ID = "1191168914323669015"
HELLO_ID = "1191168915087032525"

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


@contextmanager
def replay(name: str, expected: list[str]) -> Iterator[Cassette]:
    """Play ``name``: the run must send exactly the recorded requests, each once, and all of them (a skipped
    verification GET fails as surely as an extra write)."""
    if RECORD:
        (CASSETTES / name).unlink(missing_ok=True)  # record afresh, not after the old interactions
    # Each recorded answer plays once: a repeated request finds nothing.
    with recorder.use_cassette(name, allow_playback_repeats=False) as cassette:
        yield cassette
    assert [f"{r.method} {r.path.split('/commands', 1)[1] or '/'}" for r in cassette.requests] == expected
    assert RECORD or (cassette.all_played and cassette.play_count == len(cassette.requests))


def test_stage_promote_change_and_rollback_traffic(tmp_path: Path, base_url: str) -> None:
    workspace = tmp_path / "ws"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    try:
        with replay("stage.yaml", ["GET /", "PUT /", "GET /"]):
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert len(json.loads(outcome.outputs["added"])) == 51

        with replay("promote.yaml", ["GET /", "GET /", "PUT /", "GET /"]) as cassette:
            promote.run(settings(base_url, action="promote"), ctx)
        # The circuit breaker reads the staging guild first; then the global scope.
        assert ["/guilds/" in r.path for r in cassette.requests] == [True, False, False, False]

        games = workspace / "commands" / "fun" / "games.json"
        games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
        with replay("stage-one-change.yaml", ["GET /", f"PATCH /{COINFLIP_ID}", "GET /"]) as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert json.loads(outcome.outputs["modified"]) == ["coinflip"]
        assert json.loads(cassette.requests[1].body)["description"].startswith("Flip a shiny coin")

        with replay("stage-no-op.yaml", ["GET /"]):
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert outcome.outputs["changed"] == "false"

        with replay("rollback.yaml", ["GET /", f"PATCH /{COINFLIP_ID}", "GET /"]) as cassette:
            outcome = rollback.run(settings(base_url, action="rollback", environment="staging"), ctx)
        assert json.loads(cassette.requests[1].body)["description"].startswith("Flip a coin")
        assert outcome.outputs["backup-file"].startswith("commands-pre-rollback-")

        # The single-change route: one add is a POST, one removal a DELETE, one rename a PATCH keeping the ID.
        games.write_text(games.read_text(encoding="utf-8").replace("Flip a shiny coin", "Flip a coin"), "utf-8")
        (workspace / "commands" / "zz-hello.json").write_text(
            json.dumps({"name": "hello", "description": "Says hello"}), encoding="utf-8"
        )
        with replay("stage-one-add.yaml", ["GET /", "POST /", "GET /"]) as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert json.loads(outcome.outputs["added"]) == ["hello"]
        assert json.loads(cassette.requests[1].body) == {"name": "hello", "description": "Says hello"}

        (workspace / "commands" / "zz-hello.json").unlink()
        with replay("stage-one-removal.yaml", ["GET /", f"DELETE /{HELLO_ID}", "GET /"]):
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert json.loads(outcome.outputs["removed"]) == ["hello"]

        games.write_text(
            games.read_text(encoding="utf-8").replace(
                '"name": "coinflip",', '"name": "flip", "renamedFrom": "coinflip",'
            ),
            "utf-8",
        )
        with replay("stage-one-rename.yaml", ["GET /", f"PATCH /{COINFLIP_ID}", "GET /"]) as cassette:
            outcome = stage.run(settings(base_url, action="stage"), ctx)
        assert json.loads(outcome.outputs["modified"]) == ["flip"]
        assert json.loads(cassette.requests[1].body)["name"] == "flip"
        assert outcome.report is not None and outcome.report["creates"] == 0
    finally:
        ctx.close()


def test_cassettes_hold_no_credentials() -> None:
    for path in CASSETTES.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert TOKEN not in text and "authorization" not in text.lower(), path.name
