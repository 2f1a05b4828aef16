"""What an omitted field means, through the action's entrypoint against the emulator over HTTP.

A key removed from a file keeps its live value on both routes (a PATCH of that command alone, or a bulk PUT when two
other commands change), and the plan says so; a change Discord makes to a command nobody planned fails the
verification, naming the command and the field; a guild command's ``default_permission`` is deployed, verified and
watched by health like any other field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from alia_action.discord.emulator import CONTROL_PREFIX, Emulator, Fault
from tests.support.actions_runner import StepResult, run_on_emulator
from tests.support.discord_fixtures import APP_ID, GUILD_ID

SET: dict[str, dict[str, Any]] = {
    "secret": {"name": "secret", "description": "Only in servers", "dm_permission": False},
    "hidden": {"name": "hidden", "description": "Servers only too", "contexts": [0]},
    "alpha": {"name": "alpha", "description": "Alpha"},
    "beta": {"name": "beta", "description": "Beta"},
}


def write_set(ws: Path, commands: dict[str, dict[str, Any]]) -> None:
    folder = ws / "commands"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.json"):
        old.unlink()
    for name, command in commands.items():
        (folder / f"{name}.json").write_text(json.dumps(command), encoding="utf-8")


def step(ws: Path, live: Emulator, action: str, **inputs: str) -> StepResult:
    return run_on_emulator(ws, live.url, action, **inputs)


def live_command(live: Emulator, name: str, guild_id: str | None = None) -> dict[str, Any]:
    return next(c for c in live.commands(APP_ID, guild_id) if c["name"] == name)


def ok(result: StepResult) -> StepResult:
    assert result.returncode == 0, result.stdout + result.stderr
    return result


@pytest.mark.parametrize("route", ["PATCH", "PUT"])
def test_a_key_removed_from_a_file_keeps_its_live_value_on_both_routes(
    live: Emulator, tmp_path: Path, route: str
) -> None:
    ws = tmp_path / "workspace"
    write_set(ws, SET)
    ok(step(ws, live, "deploy"))
    assert live_command(live, "secret")["dm_permission"] is False
    assert live_command(live, "hidden")["contexts"] == [0]

    edited = {name: dict(command) for name, command in SET.items()}
    del edited["secret"]["dm_permission"]
    del edited["hidden"]["contexts"]
    if route == "PATCH":  # the next deploy touches secret alone: one PATCH
        edited["secret"]["description"] = "Only in servers, still"
    else:  # it changes two other commands: one bulk PUT of the whole scope
        edited["alpha"]["description"], edited["beta"]["description"] = "Alpha 2", "Beta 2"
    write_set(ws, edited)
    log_start = len(live.requests)
    result = ok(step(ws, live, "deploy"))

    writes = [r for r in live.requests[log_start:] if r.method != "GET" and "/guilds/" not in r.path]
    assert [w.method for w in writes] == [route]
    secret, hidden = live_command(live, "secret"), live_command(live, "hidden")
    assert (secret["dm_permission"], hidden["contexts"], hidden["dm_permission"]) == (False, [0], False)
    # The plan says what it keeps, per command and field, and how to change it.
    kept = {(k["name"], k["field"]): k["value"] for k in result.report()["promote"]["kept_fields"]}
    assert kept == {("secret", "dm_permission"): False, ("hidden", "contexts"): [0], ("hidden", "dm_permission"): False}
    note = "secret: dm_permission not in the file: live false is kept; state it to change it"
    assert f"note: {note}" in result.stdout
    assert note in result.summary.replace("\\", "")  # the job summary (and a PR's plan comment) says it too
    # Nothing left to do: the file and the live commands agree, whichever route wrote last.
    again = ok(step(ws, live, "deploy"))
    assert again.outputs["changed"] == "false"


@pytest.mark.parametrize("route", ["PATCH", "PUT"])
def test_a_side_effect_on_an_unplanned_command_fails_verification(live: Emulator, tmp_path: Path, route: str) -> None:
    ws = tmp_path / "workspace"
    write_set(ws, SET)
    ok(step(ws, live, "stage"))
    edited = {name: dict(command) for name, command in SET.items()}
    edited["alpha"]["description"] = "Alpha 2"
    if route == "PUT":
        edited["secret"]["description"] = "Secret 2"
    write_set(ws, edited)
    # Discord applies the write, and also turns off beta's default_permission: a change no plan named, in a field
    # beta's file does not even state (so comparing what the files state would call it a success).
    if route == "PATCH":
        live.faults.add(Fault.side_effect("beta", {"default_permission": False}), method=route)
    else:  # the same through the control API, as an emulator in another process is scripted
        spec = {"kind": "side_effect", "command": "beta", "fields": {"default_permission": False}, "method": route}
        assert httpx.post(f"{live.root_url}{CONTROL_PREFIX}/faults", json=spec).json() == {"pending": 1}

    result = step(ws, live, "stage")

    assert result.returncode == 1, result.stdout + result.stderr
    error = next(message for _props, message in result.annotations("error"))
    assert "verification found a different set" in error, error
    assert "beta: default_permission planned true, live false" in error, error
    assert "beta: default_permission planned true, live false" in result.summary.replace("\\", "")
    assert live_command(live, "alpha", GUILD_ID)["description"] == "Alpha 2"  # the write itself went through


def test_a_guild_default_permission_flip_deploys_and_health_sees_it(live: Emulator, tmp_path: Path) -> None:
    ws = tmp_path / "workspace"
    locked = {**SET, "alpha": {**SET["alpha"], "default_permission": False}}
    write_set(ws, locked)
    ok(step(ws, live, "stage"))
    assert live_command(live, "alpha", GUILD_ID)["default_permission"] is False

    write_set(ws, {**SET, "alpha": {**SET["alpha"], "default_permission": True}})
    flipped = ok(step(ws, live, "stage"))
    assert json.loads(flipped.outputs["modified"]) == ["alpha"]
    assert live_command(live, "alpha", GUILD_ID)["default_permission"] is True
    assert ok(step(ws, live, "health", environment="staging")).outputs["health"] == "healthy"

    # Someone turns it off again in the staging guild: health sees the drift, by command and field.
    drifted = [
        {**c, "default_permission": c["name"] != "alpha"} for c in live.commands(APP_ID, GUILD_ID)
    ]  # fmt: skip
    live.set_commands(APP_ID, GUILD_ID, drifted)
    watched = step(ws, live, "health", environment="staging")
    assert watched.outputs["health"] != "healthy", watched.stdout + watched.stderr
    assert "alpha" in watched.stdout and "default_permission" in watched.stdout, watched.stdout
