"""Two deploys of one scope at once (a misconfigured concurrency group): the second stops, never overwrites blindly."""

from __future__ import annotations

import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.commands.plan import build_plan
from alia_action.config import Settings
from alia_action.discord.emulator import Emulator, Fault
from alia_action.handlers import stage
from alia_action.runtime import Runtime, utc_now
from alia_action.sources import load_commands
from alia_action.steps.apply import ConcurrentDeploy
from alia_action.stores.ledger import CLAIM_TTL, FileLedger, LedgerEntry, concurrent_claim
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN

ROOT = Path(__file__).resolve().parents[2]


def workspace(tmp: Path, name: str, description: str) -> Path:
    ws = tmp / name
    shutil.copytree(ROOT / "examples" / "commands", ws / "commands")
    games = ws / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", description), "utf-8")
    return ws


def settings(live: Emulator, ledger: Path) -> Settings:
    values = {
        "action": "stage",
        "bot_token": TOKEN,
        "application_id": APP_ID,
        "guild_id": GUILD_ID,
        "discord_api_url": live.url,
        "ledger_file": str(ledger),
    }
    return Settings.from_cli(values, {}, None)


def test_two_stages_started_together_one_stops_before_writing(live: Emulator, tmp_path: Path) -> None:
    ledger = tmp_path / "shared-deployment.log"  # what a shared record (GitHub Deployments) gives two runners
    first, second = workspace(tmp_path, "a", "Flip coin A"), workspace(tmp_path, "b", "Flip coin B")
    live.faults.add(Fault.slow(1.0), method="PUT", times=1)  # the first writer is still writing
    results: dict[str, Any] = {}

    def run(name: str, ws: Path) -> None:
        ctx = Runtime(workspace=ws, client_options=dict(FAST))
        try:
            results[name] = stage.run(settings(live, ledger), ctx)
        except ConcurrentDeploy as exc:
            results[name] = exc
        finally:
            ctx.close()

    a = threading.Thread(target=run, args=("a", first))
    b = threading.Thread(target=run, args=("b", second))
    a.start()
    time.sleep(0.3)
    b.start()
    a.join(10)
    b.join(10)

    assert isinstance(results["b"], ConcurrentDeploy), results
    assert "has not finished" in str(results["b"]) and "stopped before writing" in str(results["b"])
    assert [r.method for r in live.requests].count("PUT") == 1
    winner = [c.data for c in load_commands("commands", first).commands if c.type != 4]
    assert build_plan(winner, live.commands(APP_ID, GUILD_ID), guild=True).empty
    assert results["a"].exit_code == 0


def entry(**values: Any) -> LedgerEntry:
    base = {
        "time": utc_now(),
        "action": "stage",
        "environment": "staging",
        "application_id": APP_ID,
        "guild_id": GUILD_ID,
        "checksum": "c",
        "outcome": "started",
        "run": "other",
    }
    return LedgerEntry.model_validate({**base, **values})


def test_a_write_that_finished_after_this_plan_makes_it_stale(tmp_path: Path) -> None:
    ledger = FileLedger(tmp_path / "deployment.log")
    planned_at = utc_now() - timedelta(seconds=5)
    ledger.record(entry(outcome="started", time=planned_at + timedelta(seconds=1)))
    ledger.record(entry(outcome="success", time=planned_at + timedelta(seconds=2), live_checksum="theirs"))
    reason = concurrent_claim(
        ledger, application_id=APP_ID, guild_id=GUILD_ID, run="mine", planned_at=planned_at, live_checksum="what-i-read"
    )
    assert reason is not None and "changed the live commands after this run read them" in reason.reason
    # The same result read before this plan, or one that left what this run read, is no conflict.
    assert (
        concurrent_claim(
            ledger,
            application_id=APP_ID,
            guild_id=GUILD_ID,
            run="mine",
            planned_at=planned_at + timedelta(seconds=3),
            live_checksum="what-i-read",
        )
        is None
    )
    assert (
        concurrent_claim(
            ledger, application_id=APP_ID, guild_id=GUILD_ID, run="mine", planned_at=planned_at, live_checksum="theirs"
        )
        is None
    )


@pytest.mark.parametrize(
    ("age", "scope", "blocks"),
    [
        (timedelta(minutes=1), GUILD_ID, True),
        (CLAIM_TTL + timedelta(minutes=1), GUILD_ID, False),
        (timedelta(minutes=1), None, False),
    ],
)
def test_an_unfinished_claim_blocks_its_scope_until_it_expires(
    tmp_path: Path, age: timedelta, scope: str | None, blocks: bool
) -> None:
    ledger = FileLedger(tmp_path / "deployment.log")
    ledger.record(entry(time=utc_now() - age, guild_id=scope))
    reason = concurrent_claim(
        ledger, application_id=APP_ID, guild_id=GUILD_ID, run="mine", planned_at=utc_now(), live_checksum="x"
    )
    assert (reason is not None) is blocks
