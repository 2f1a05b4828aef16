"""``inventory`` against the emulator's fleet over loopback HTTP, on the run's clock (no real waits): stale and
duplicate guild commands found and cleaned, a guild without the scope read once, the invalid-answer budget
stopping a run with its reason and when it can continue, the fleet's guild list and global limit."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alia_action.config import Settings
from alia_action.discord.client import DiscordClient
from alia_action.discord.emulator import Emulator, Fault
from alia_action.discord.errors import InvalidBudgetExhausted, MissingAccess
from alia_action.errors import UsageError
from alia_action.handlers import rollback
from alia_action.handlers.inventory import run
from alia_action.outcome import Outcome
from alia_action.runtime import Runtime, utc_now
from alia_action.scope import Scope
from alia_action.steps.guild_walk import count_guilds, guild_pages
from alia_action.stores.backups import LocalBackupStore
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, api
from tests.support.run_clock import RunClock

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
STALE = {"name": "leftover", "description": "Synced on start-up once"}


def guild_gets(emu: Emulator, guild: str) -> int:
    path = f"/applications/{APP_ID}/guilds/{guild}/commands"
    return sum(1 for r in emu.requests if r.method == "GET" and r.path.endswith(path))


@pytest.fixture
def inventory(fleet: Emulator, run_clock: RunClock, workspace: Path) -> Iterator[Callable[..., Outcome]]:
    """``inventory(**settings)`` → the handler's outcome, on a fresh Runtime sharing the run's clock
    (``handler=`` another handler, e.g. rollback's, on the same terms)."""
    logs: list[tuple[float, str]] = []  # (the run's clock, line)

    def go(
        handler: Callable[[Settings, Runtime], Outcome] = run, now: Callable[[], datetime] = utc_now, **overrides: Any
    ) -> Outcome:
        values = {
            "action": "inventory",
            "commands": "commands",
            "bot_token": TOKEN,
            "application_id": APP_ID,
            "discord_api_url": fleet.url,
            **overrides,
        }
        settings = Settings.from_cli(values, {}, None)
        options = {**FAST, "clock": run_clock.now, "sleep": run_clock.sleep, "global_rate": 5}
        ctx = Runtime(
            workspace=workspace, client_options=options, log=lambda line: logs.append((run_clock.now(), line)), now=now
        )
        try:
            return handler(settings, ctx)
        finally:
            ctx.close()

    go.logs = logs  # type: ignore[attr-defined]
    yield go


def test_stale_and_duplicate_guild_commands_are_found_with_a_line_each(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 40, with_commands=4, without_scope=2, commands=[STALE])
    fleet.set_commands(APP_ID, None, [STALE, {"name": "ping", "description": "Replies with pong"}])
    holding = sorted(g for g in ids if fleet.commands(APP_ID, g))
    outcome = inventory()
    assert outcome.exit_code == 0
    inv = outcome.report["inventory"]  # type: ignore[index]
    jsonschema.validate(outcome.report, SCHEMA)
    assert [s["guild"] for s in inv["stale"]] == holding and all(s["names"] == ["leftover"] for s in inv["stale"])
    assert [d["guild"] for d in inv["duplicates"]] == holding and not any(d["staging"] for d in inv["duplicates"])
    # The fleet's 40 and the test application's own guild (setup_emulator), which holds nothing.
    assert inv["guilds"] == {"total": 41, "read": 41, "reused": 0, "clean": 35}
    assert inv["findings"] == 4 + 4 + 2 and inv["complete"] is True
    stale_lines = [line for line in outcome.lines if line.startswith(f"stale: guild {holding[0]} holds leftover")]
    assert len(stale_lines) == 1
    assert "| Stale | 4 |" in outcome.summary


def test_a_guild_whose_set_differs_from_the_files_is_reported_and_a_matching_one_is_clean(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 6)
    outcome = inventory(guild_id=ids[3])  # the staging guild: the files put every command there; it holds none
    inv = outcome.report["inventory"]  # type: ignore[index]
    assert [d["guild"] for d in inv["differs"]] == [ids[3]] and len(inv["differs"][0]["added"]) > 10
    assert inv["stale"] == [] and inv["guilds"]["clean"] == 6


def test_a_guild_without_the_scope_is_read_once(fleet: Emulator, inventory: Callable[..., Outcome]) -> None:
    ids = fleet.add_fleet(APP_ID, 10, without_scope=1)
    outcome = inventory()
    inv = outcome.report["inventory"]  # type: ignore[index]
    assert inv["no_scope"] == [ids[0]] and inv["invalid_answers"] == 1
    assert guild_gets(fleet, ids[0]) == 1
    inventory()  # within the freshness window: nothing is read again, the finding stays
    assert guild_gets(fleet, ids[0]) == 1


def test_the_client_remembers_a_403_50001_and_never_asks_that_guild_again(fleet: Emulator, run_clock: RunClock) -> None:
    ids = fleet.add_fleet(APP_ID, 3, without_scope=1)
    with DiscordClient(TOKEN, APP_ID, fleet.url, **FAST, clock=run_clock.now, sleep=run_clock.sleep) as client:
        for _ in range(3):
            with pytest.raises(MissingAccess):
                client.list_commands(ids[0])
        assert client.request_count == 1 and client.invalid.total == 1
        assert client.list_commands(ids[1]) == []  # another guild is still asked


@pytest.mark.parametrize(("budget", "stops"), [(11, False), (10, True)])
def test_the_invalid_answer_budget_stops_a_run_that_would_exceed_it(
    fleet: Emulator, inventory: Callable[..., Outcome], budget: int, stops: bool
) -> None:
    # The 10 guilds without the scope are every 20th; 19 guilds follow the last, more than the 8 reads in flight.
    fleet.add_fleet(APP_ID, 200, without_scope=10)
    outcome = inventory(invalid_request_budget=budget)
    inv = outcome.report["inventory"]  # type: ignore[index]
    assert inv["invalid_answers"] == 10  # never more than the budget
    assert outcome.exit_code == (1 if stops else 0) and inv["complete"] is not stops
    jsonschema.validate(outcome.report, SCHEMA)
    if stops:
        failure = outcome.report["failure"]  # type: ignore[index]
        assert "10 invalid answers (401, 403 or 429) in the last 10 minutes reached this run's budget of 10" in failure
        assert "Discord bans the IP at 10,000" in failure
        assert "It can continue in" in failure and "UTC" in failure and "run inventory again then" in failure
        assert inv["guilds"]["read"] < 201
        # Running again at once sends nothing: the pause outlives the process that counted the answers.
        sent = len(fleet.requests)
        with pytest.raises(InvalidBudgetExhausted) as paused:
            inventory(invalid_request_budget=budget)
        assert "it can continue at" in str(paused.value) and "Nothing was sent now" in str(paused.value)
        assert len(fleet.requests) == sent
        later = utc_now() + timedelta(seconds=paused.value.retry_after + 1)
        resumed = inventory(now=lambda: later)  # once the window has moved on, the walk continues
        assert resumed.exit_code == 0 and resumed.report["inventory"]["guilds"]["reused"] > 0  # type: ignore[index]


def test_the_progress_line_comes_every_ten_seconds_of_the_run(
    fleet: Emulator, inventory: Callable[..., Outcome], run_clock: RunClock
) -> None:
    fleet.add_fleet(APP_ID, 120)  # ~125 requests at 5/s: about 25 s of the run's clock
    start = run_clock.now()
    inventory()
    end = run_clock.now()
    progress = [(t, line) for t, line in inventory.logs if line.startswith("inventory: ")]  # type: ignore[attr-defined]
    times = [start, *(t for t, _ in progress), end]
    gaps = [b - a for a, b in pairwise(times)]
    # Every 10 s of the run's clock, give or take one request's wait (a fifth of a second at 5/s, times the
    # threads that slept at once on the shared clock); the last stretch is shorter than 10 s.
    assert len(progress) >= 2 and all(10.0 <= g <= 12.0 for g in gaps[1:-1]) and gaps[0] <= 12.0, gaps
    assert gaps[-1] < 12.0
    first = progress[0][1]
    assert "/121 guilds (" in first and "guilds/s, about" in first and "left" in first


# ---------------------------------------------------------------------------------------------
# inventory --clean


def writes(emu: Emulator) -> list[str]:
    return [f"{r.method} {r.path}" for r in emu.requests if r.method in ("PUT", "POST", "PATCH", "DELETE")]


def test_clean_without_consent_writes_nothing_and_says_what_it_would_delete(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    fleet.add_fleet(APP_ID, 20, with_commands=3, commands=[STALE])
    with pytest.raises(UsageError) as refused:
        inventory(clean=True)
    assert "clean would delete 3 command(s) in 3 guild(s)" in str(refused.value)
    assert "--allow-deletions" in str(refused.value) and "nothing was written" in str(refused.value)
    assert writes(fleet) == []


def test_clean_backs_up_each_guild_deletes_verifies_and_one_guild_restores_from_its_backup(
    fleet: Emulator, inventory: Callable[..., Outcome], workspace: Path
) -> None:
    ids = fleet.add_fleet(APP_ID, 20, with_commands=3, commands=[STALE, {"name": "old", "description": "Gone"}])
    fleet.set_commands(APP_ID, None, [STALE])  # a duplicate too: "leftover" is also global
    holding = sorted(g for g in ids if fleet.commands(APP_ID, g))
    outcome = inventory(clean=True, allow_deletions=True)
    assert outcome.exit_code == 0, outcome.lines
    jsonschema.validate(outcome.report, SCHEMA)
    cleaned = outcome.report["inventory"]["cleaned"]  # type: ignore[index]
    assert [c["guild"] for c in cleaned] == holding and {c["outcome"] for c in cleaned} == {"cleaned"}
    assert all(sorted(c["removed"]) == ["leftover", "old"] for c in cleaned)
    assert all(fleet.commands(APP_ID, g) == [] for g in holding)
    assert [c["name"] for c in fleet.commands(APP_ID, None)] == ["leftover"]  # global commands untouched
    store = LocalBackupStore(workspace / "command-backups")
    for guild, result in zip(holding, cleaned, strict=True):
        backups = store.list(Scope(guild, APP_ID))
        assert [b.name for b in backups] == [result["backup"]]
        assert sorted(c["name"] for c in store.load(result["backup"], Scope(guild, APP_ID)).commands) == [
            "leftover",
            "old",
        ]
    # Each guild: a read for the backup, one write, a verifying read (after the walk's own read).
    first = holding[0]
    assert [w for w in writes(fleet) if f"/guilds/{first}/" in w] == [
        f"PUT /api/v10/applications/{APP_ID}/guilds/{first}/commands"
    ]
    undo = next(line for line in outcome.lines if line.startswith(f"cleaned: guild {first}"))
    assert f"--guild-id {first} --backup-file {cleaned[0]['backup']}" in undo

    restored = inventory(
        rollback.run, action="rollback", environment="staging", guild_id=first, backup_file=cleaned[0]["backup"]
    )
    assert restored.exit_code == 0, restored.lines
    assert sorted(c["name"] for c in fleet.commands(APP_ID, first)) == ["leftover", "old"]
    assert all(fleet.commands(APP_ID, g) == [] for g in holding[1:])


def test_one_guild_failing_to_clean_does_not_stop_the_others(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 20, with_commands=3, commands=[STALE])
    holding = sorted(g for g in ids if fleet.commands(APP_ID, g))
    refusal = {"message": "Missing Permissions", "code": 50013}
    # One stale command per guild: its clean is one DELETE of that command.
    fleet.faults.add(Fault.respond(403, refusal), method="DELETE", path=f"/guilds/{holding[1]}/commands/", times=5)
    outcome = inventory(clean=True, allow_deletions=True)
    cleaned = {c["guild"]: c["outcome"] for c in outcome.report["inventory"]["cleaned"]}  # type: ignore[index]
    assert cleaned == {holding[0]: "cleaned", holding[1]: "failed", holding[2]: "cleaned"}
    assert outcome.exit_code == 1 and holding[1] in outcome.report["failure"]  # type: ignore[index]
    assert fleet.commands(APP_ID, holding[1]) != [] and fleet.commands(APP_ID, holding[2]) == []


# ---------------------------------------------------------------------------------------------
# the emulator's fleet


def test_the_guild_list_pages_by_id_up_to_200_as_discord_does(fleet: Emulator) -> None:
    ids = fleet.add_fleet(APP_ID, 450, without_scope=5)
    listed = api(fleet, "GET", "/users/@me/guilds", params={"limit": "200"})
    assert listed.status_code == 200 and [g["id"] for g in listed.json()] == [GUILD_ID, *ids[:199]]
    page = api(fleet, "GET", "/users/@me/guilds", params={"limit": "200", "after": ids[398]}).json()
    assert [g["id"] for g in page] == [ids[399], *ids[400:]] and len(page) == 51  # the scope-less are listed too
    refused = api(fleet, "GET", "/users/@me/guilds", params={"limit": "201"})
    assert refused.status_code == 400 and refused.json()["code"] == 50035
    assert api(fleet, "GET", "/users/@me/guilds", token=None).status_code == 401


def listings(emu: Emulator) -> list[str]:
    return [r.query.get("after", [""])[-1] for r in emu.requests if r.path.endswith("/users/@me/guilds")]


@pytest.mark.parametrize("count", [399, 400])  # with the application's own guild: two full pages, then one more
def test_the_walk_lists_every_page_of_guilds_and_stops_at_a_short_one(
    fleet: Emulator, run_clock: RunClock, count: int
) -> None:
    ids = [GUILD_ID, *fleet.add_fleet(APP_ID, count)]
    with DiscordClient(TOKEN, APP_ID, fleet.url, **FAST, clock=run_clock.now, sleep=run_clock.sleep) as client:
        pages = list(guild_pages(client))
        assert pages == [ids[:200], ids[200:400], *([ids[400:]] if count == 400 else [])]
        # A full last page needs one more request to know it was the last; its empty answer is no page.
        assert listings(fleet) == ["", ids[199], ids[399]]
        assert list(guild_pages(client, ids[249])) == [ids[250:]]
        assert count_guilds(client) == count + 1


def test_the_global_limit_answers_429_with_discords_body_and_scope(fleet: Emulator, run_clock: RunClock) -> None:
    fleet.add_fleet(APP_ID, 1)
    answers = [api(fleet, "GET", "/users/@me/guilds") for _ in range(6)]  # the run's clock stands still
    assert [a.status_code for a in answers] == [200] * 5 + [429]  # the route's bucket first: 5 a window
    assert answers[-1].json()["global"] is False and answers[-1].headers["x-ratelimit-scope"] == "user"
    assert answers[0].headers["x-ratelimit-limit"] == "5" and answers[-1].headers["x-ratelimit-remaining"] == "0"
    fleet.bucket_limit = 100
    run_clock.sleep(1.0)  # a new second: the buckets refill, and the global limit of 10 binds
    answers = [api(fleet, "GET", "/users/@me/guilds") for _ in range(11)]
    assert [a.status_code for a in answers] == [200] * 10 + [429]
    body = answers[-1].json()
    assert set(body) == {"message", "retry_after", "global"} and body["global"] is True and body["retry_after"] > 0
    assert answers[-1].headers["x-ratelimit-scope"] == "global"


def test_a_failed_guild_keeps_its_error_in_the_report_and_the_log(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 6, with_commands=2, commands=[STALE])
    ok, refused = sorted(g for g in ids if fleet.commands(APP_ID, g))
    fault = Fault.respond(403, {"message": "Missing Permissions", "code": 50013})
    fleet.faults.add(fault, method="DELETE", path=f"/guilds/{refused}/commands/", times=5)
    outcome = inventory(clean=True, allow_deletions=True)
    failed = outcome.report["inventory"]["cleaned"][1]  # type: ignore[index]
    error = failed["error"]
    assert failed == {"guild": refused, "outcome": "failed", "removed": [], "backup": None, "error": error}
    assert error.startswith(f"clean to staging guild {refused} failed: ") and "Missing Permissions" in error
    logged = [line for _, line in inventory.logs]  # type: ignore[attr-defined]
    assert f"clean: guild {refused} failed: {error}" in logged
    assert f"clean failed: guild {refused}: {error}" in outcome.lines
    assert fleet.commands(APP_ID, ok) == []


def test_each_cleaned_guild_is_logged_with_what_it_lost_and_its_backup(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 4, with_commands=1, commands=[STALE, {"name": "old", "description": "Gone"}])
    (guild,) = [g for g in ids if fleet.commands(APP_ID, g)]
    outcome = inventory(clean=True, allow_deletions=True)
    (cleaned,) = outcome.report["inventory"]["cleaned"]  # type: ignore[index]
    assert cleaned["outcome"] == "cleaned" and sorted(cleaned["removed"]) == ["leftover", "old"]
    deleted = ", ".join(cleaned["removed"])
    logged = [line for _, line in inventory.logs]  # type: ignore[attr-defined]
    assert f"clean: guild {guild}: deleted {deleted}; verified empty; backup {cleaned['backup']}" in logged


def test_a_dry_run_clean_lists_what_it_would_delete_and_writes_nothing(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 6, with_commands=2, commands=[STALE])
    holding = sorted(g for g in ids if fleet.commands(APP_ID, g))
    outcome = inventory(clean=True, allow_deletions=True, dry_run=True)
    assert outcome.exit_code == 0, outcome.lines
    assert outcome.report["inventory"]["cleaned"] == [  # type: ignore[index]
        {"guild": g, "outcome": "dry_run", "removed": ["leftover"], "backup": None} for g in holding
    ]
    assert writes(fleet) == [] and all(fleet.commands(APP_ID, g) != [] for g in holding)
    assert not any(line.startswith("cleaned: ") for line in outcome.lines)
    assert not any(line.startswith("clean: ") for _, line in inventory.logs)  # type: ignore[attr-defined]


def test_a_guild_emptied_since_the_walk_read_it_has_nothing_to_clean(
    fleet: Emulator, inventory: Callable[..., Outcome]
) -> None:
    ids = fleet.add_fleet(APP_ID, 6, with_commands=2, commands=[STALE])
    emptied, stale = sorted(g for g in ids if fleet.commands(APP_ID, g))
    assert inventory().exit_code == 0  # the checkpoint keeps both guilds' stale commands
    fleet.set_commands(APP_ID, emptied, [])  # deleted by hand since
    outcome = inventory(clean=True, allow_deletions=True)  # reuses the checkpoint, reads afresh to clean
    cleaned = outcome.report["inventory"]["cleaned"]  # type: ignore[index]
    assert [(c["guild"], c["outcome"], c["removed"]) for c in cleaned] == [
        (emptied, "nothing_to_do", []),
        (stale, "cleaned", ["leftover"]),
    ]
    assert [w for w in writes(fleet) if f"/guilds/{emptied}/" in w] == []
    assert not any(line.startswith(f"cleaned: guild {emptied}") for line in outcome.lines)
