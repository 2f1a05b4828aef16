"""Per-guild command sets (``guilds`` in the files) through the action's entrypoint, against the emulator over HTTP.

Three production guilds, one where the app lacks the scope: the other two are deployed and verified, the run
exits 1 and names every guild's outcome; once the scope is granted a re-run writes to that guild only (the
emulator's request log shows no write elsewhere). What each guild holds is read as Discord's raw JSON. A guild's
backup restores to that guild and nowhere else.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from alia_action.discord.emulator import Emulator
from tests.support.actions_runner import ROOT, StepResult, run_on_emulator
from tests.support.discord_fixtures import APP_ID, GUILD_ID

GUILD_A, GUILD_B, GUILD_C = "1180000000000000401", "1180000000000000402", "1180000000000000403"
SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
_ROUTE = re.compile(r"/applications/\d+/guilds/(\d+)/commands")

ADMIN: dict[str, Any] = {
    "name": "admin",
    "description": "Support-server tools",
    "default_member_permissions": "0",
    "guilds": [GUILD_A, GUILD_B, GUILD_C],
}
PREMIUM: dict[str, Any] = {"name": "premium", "description": "Premium features", "guildIds": [GUILD_A, GUILD_B]}


def write_sets(workspace: Path, *commands: dict[str, Any]) -> None:
    folder = workspace / "commands" / "guild-sets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sets.json").write_text(json.dumps(list(commands), indent=2), encoding="utf-8")


def step(workspace: Path, live: Emulator, action: str, **extra: str) -> StepResult:
    return run_on_emulator(workspace, live.url, action, timeout=90, **extra)


def names(live: Emulator, guild: str | None) -> list[str]:
    """Discord's own GET answer for the scope, not our plan's reading of it."""
    return sorted(c["name"] for c in live.commands(APP_ID, guild))


def writes_by_scope(live: Emulator, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in live.requests[since:]:
        if request.method != "GET" and "/commands" in request.path:
            match = _ROUTE.search(request.path)
            key = match.group(1) if match else "global"
            counts[key] = counts.get(key, 0) + 1
    return counts


def reads_by_scope(live: Emulator, since: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for request in live.requests[since:]:
        if request.method == "GET" and request.path.endswith("/commands"):
            match = _ROUTE.search(request.path)
            key = match.group(1) if match else "global"
            counts[key] = counts.get(key, 0) + 1
    return counts


@pytest.fixture
def guilds(live: Emulator) -> Emulator:
    live.add_guild(APP_ID, GUILD_A)
    live.add_guild(APP_ID, GUILD_B)
    live.add_guild(APP_ID, GUILD_C, installed=False)  # the app lacks applications.commands there: 403 50001
    return live


def test_one_guild_failing_leaves_the_others_done_and_a_rerun_writes_only_to_it(
    guilds: Emulator, workspace: Path
) -> None:
    write_sets(workspace, ADMIN, PREMIUM)
    staged = step(workspace, guilds, "stage")
    assert staged.returncode == 0, staged.stdout + staged.stderr
    assert {"admin", "premium"} <= set(names(guilds, GUILD_ID))  # staging holds every command, per-guild included

    promoted = step(workspace, guilds, "promote")
    assert promoted.returncode == 1, promoted.stdout + promoted.stderr
    report = promoted.report()
    jsonschema.validate(report, SCHEMA)
    outcomes = {g["guild_id"]: g["outcome"] for g in report["guilds"]}
    assert outcomes == {GUILD_A: "deployed", GUILD_B: "deployed", GUILD_C: "failed"}
    assert "53 commands, 1 staging-only (developmentOnly), 2 per-guild (guilds)" in promoted.stdout
    assert {c["name"]: c.get("guilds") for c in report["commands"]}["premium"] == [GUILD_A, GUILD_B]
    assert "1 of 3 guild(s) failed (" + GUILD_C in report["failure"]
    assert promoted.summary.startswith(f"## ❌ promote: 1 of 3 guild\\(s\\) failed \\({GUILD_C}\\)"), promoted.summary[
        :300
    ]
    for guild, outcome in outcomes.items():  # the job summary names each guild's outcome
        assert re.search(rf"\| {guild} \| (❌ )?{outcome} \|", promoted.summary), promoted.summary
    failed = next(g for g in report["guilds"] if g["guild_id"] == GUILD_C)
    assert "Missing Access" in failed["message"] or "50001" in failed["message"], failed
    assert names(guilds, GUILD_A) == ["admin", "premium"] and names(guilds, GUILD_B) == ["admin", "premium"]
    assert not {"admin", "premium"} & set(names(guilds, None))  # never global
    assert names(guilds, None)  # the global set itself was deployed
    # Raw JSON: the project's own keys never reach Discord.
    for command in guilds.commands(APP_ID, GUILD_A):
        assert "guilds" not in command and "guildIds" not in command

    guilds.add_guild(APP_ID, GUILD_C, installed=True)  # the scope is granted
    mark = len(guilds.requests)
    again = step(workspace, guilds, "promote")
    assert again.returncode == 0, again.stdout + again.stderr
    assert writes_by_scope(guilds, mark) == {GUILD_C: 1}  # one write, to the guild that still differed
    assert reads_by_scope(guilds, mark) == {GUILD_ID: 1, "global": 1, GUILD_A: 1, GUILD_B: 1, GUILD_C: 2}
    assert names(guilds, GUILD_C) == ["admin"]
    outcomes = {g["guild_id"]: g["outcome"] for g in again.report()["guilds"]}
    assert outcomes == {GUILD_A: "in sync", GUILD_B: "in sync", GUILD_C: "deployed"}

    mark = len(guilds.requests)
    third = step(workspace, guilds, "promote")
    assert third.returncode == 0 and writes_by_scope(guilds, mark) == {}  # in sync everywhere: zero writes


def test_deploy_does_the_same_and_a_guild_backup_restores_to_its_guild(guilds: Emulator, workspace: Path) -> None:
    guilds.add_guild(APP_ID, GUILD_C)
    write_sets(workspace, ADMIN, PREMIUM)
    first = step(workspace, guilds, "deploy")
    assert first.returncode == 0, first.stdout + first.stderr
    jsonschema.validate(first.report(), SCHEMA)
    assert {g["outcome"] for g in first.report()["promote"]["guilds"]} == {"deployed"}

    write_sets(workspace, ADMIN, {**PREMIUM, "description": "Premium features, now with more"})
    second = step(workspace, guilds, "deploy")
    assert second.returncode == 0, second.stdout + second.stderr
    by_guild = {g["guild_id"]: g for g in second.report()["promote"]["guilds"]}
    assert by_guild[GUILD_C]["outcome"] == "in sync" and by_guild[GUILD_A]["modified"] == ["premium"]
    backup_a = by_guild[GUILD_A]["backup"]
    assert backup_a

    mark = len(guilds.requests)
    rolled = step(workspace, guilds, "rollback", environment="production", **{"backup-file": backup_a})
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert writes_by_scope(guilds, mark) == {GUILD_A: 1}  # its own guild, nothing else
    premium = {c["name"]: c for c in guilds.commands(APP_ID, GUILD_A)}["premium"]
    assert premium["description"] == "Premium features"
    assert {c["name"]: c for c in guilds.commands(APP_ID, GUILD_B)}["premium"]["description"].endswith("more")
