"""Entry points and lost permissions as real Discord has them, through ``entrypoint.py`` against the emulator over
HTTP (and the GitHub stand-in for the records and the PR comment).

An app with an Activity has Discord's "launch" entry point (AC:1046) in its global commands, and Discord refuses a
bulk overwrite that leaves it out (400 50240, serenity#2993): a deploy that does not define it keeps it. A delete or
a rename deletes the command's per-guild permission overrides for good (AC:1401): every plan says so, per command. A
type change is a delete and a create: planned as destructive and counted by the deletion guard.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jsonschema

from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_TOKEN, Emulator, Fault
from alia_action.markdown import escape
from tests.support.actions_runner import ROOT, StepResult, run_action
from tests.support.cli_process import free_port
from tests.support.discord_fixtures import APP_ID, GUILD_ID, TOKEN, api, global_path
from tests.support.github_standin import GitHubStandIn, pr_event

LOST = "per-guild permission overrides set by server admins are lost for good"


def workspace(tmp_path: Path, name: str = "workspace") -> Path:
    ws = tmp_path / name
    shutil.copytree(ROOT / "examples" / "commands", ws / "commands")
    return ws


def run(gh: GitHubStandIn, emu: Emulator, ws: Path, action: str, *, pr: int | None = None, **inputs: str) -> StepResult:
    given = {
        "action": action,
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "guild-id": GUILD_ID,
        "discord-api-url": emu.url,
        **inputs,
    }
    env = {"GITHUB_API_URL": gh.url}
    if pr is None:
        return run_action(ws, given, env=env)
    return run_action(ws, given, env=env, event=pr_event(pr), event_name="pull_request")


def edit(ws: Path, relative: str, change: Any) -> None:
    path = ws / "commands" / relative
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def live_global(emu: Emulator) -> list[dict[str, Any]]:
    """The global commands as Discord's own GET answers them: raw JSON, not through the project's client."""
    response = api(emu, "GET", global_path(), params={"with_localizations": "true"})
    assert response.status_code == 200
    commands: list[dict[str, Any]] = response.json()
    return commands


def writes(emu: Emulator, since: int) -> list[tuple[str, str]]:
    return [(r.method, r.path) for r in emu.requests[since:] if r.method != "GET"]


def stage_and_promote(gh: GitHubStandIn, emu: Emulator, ws: Path, **inputs: str) -> tuple[StepResult, StepResult]:
    staged = run(gh, emu, ws, "stage", **inputs)
    assert staged.returncode == 0, staged.stdout + staged.stderr
    return staged, run(gh, emu, ws, "promote", **inputs)


def test_an_app_with_an_activity_promotes_two_changes_and_keeps_its_launch_command(
    gh: GitHubStandIn, activity_live: Emulator, tmp_path: Path
) -> None:
    emu = activity_live
    (launch,) = live_global(emu)
    assert (launch["type"], launch["name"], launch["handler"]) == (4, "launch", 2)
    ws = workspace(tmp_path)

    _, first = stage_and_promote(gh, emu, ws)  # the first promote creates every command: one bulk PUT
    assert first.returncode == 0, first.stdout + first.stderr
    assert "= launch" in first.stdout and "entry point not in the command files: kept as it is" in first.stdout

    edit(ws, "utility/afk.json", lambda c: c.update(description="Mark yourself as away for a while"))
    edit(ws, "fun/meme.json", lambda c: c.update(nsfw=True))
    start = len(emu.requests)
    _, second = stage_and_promote(gh, emu, ws)  # no allow-deletions: nothing is removed

    assert second.returncode == 0, second.stdout + second.stderr
    promoted = second.report()
    assert promoted["changes"]["modified"] == ["afk", "meme"] and promoted["changes"]["removed"] == []
    assert promoted["changes"]["kept"] == ["launch"]
    jsonschema.validate(promoted, json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8")))
    assert ("PUT", f"/api/v10{global_path()}") in writes(emu, start)  # two changes: one bulk overwrite
    put = next(r for r in reversed(emu.requests) if r.method == "PUT" and r.path.endswith(global_path()))
    assert [c for c in put.body if c.get("type") == 4] == [
        {k: launch[k] for k in ("contexts", "default_permission", "description", "dm_permission", "handler", "id",
                                "integration_types", "name", "nsfw", "type")}
    ]  # fmt: skip
    after = {c["name"]: c for c in live_global(emu)}
    assert after["launch"] == {**launch, "version": after["launch"]["version"]}  # same ID, every field as it was
    assert after["afk"]["description"] == "Mark yourself as away for a while" and after["meme"]["nsfw"] is True
    assert "⚪ kept" in second.summary and "`launch`" in second.summary
    health = run(gh, emu, ws, "health", environment="production")  # the kept entry point is expected, not extra
    assert (health.returncode, health.outputs["health"]) == (0, "healthy"), health.stdout


def test_an_app_with_an_activity_never_stages_an_entry_point_and_says_so(
    gh: GitHubStandIn, activity_live: Emulator, tmp_path: Path
) -> None:
    ws = workspace(tmp_path)
    (ws / "commands" / "launch.json").write_text(
        json.dumps({"type": 4, "name": "launch", "description": "Play the quiz", "handler": 1}), encoding="utf-8"
    )
    (auto,) = live_global(activity_live)
    staged, promoted = stage_and_promote(gh, activity_live, ws)

    assert "entry point launch not staged: entry points are global only; promote deploys it" in staged.stdout
    guild = api(activity_live, "GET", f"/applications/{APP_ID}/guilds/{GUILD_ID}/commands").json()
    assert [c for c in guild if c["type"] == 4] == []
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    # A file that defines the entry point manages it: Discord's own is edited in place (its ID kept).
    (launch,) = [c for c in live_global(activity_live) if c["type"] == 4]
    assert (launch["id"], launch["description"], launch["handler"]) == (auto["id"], "Play the quiz", 1)


def test_delete_and_rename_plans_name_the_lost_permissions(gh: GitHubStandIn, live: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    _, promoted = stage_and_promote(gh, live, ws)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    (ws / "commands" / "utility" / "afk.json").unlink()  # a delete
    edit(ws, "fun/meme.json", lambda c: c.update(name="memes", renamedFrom="meme"))  # a rename
    gh.add_pull_request(7)

    step = run(gh, live, ws, "detect", pr=7, environment="production")

    assert step.returncode == 0, step.stdout + step.stderr
    for text in (step.stdout, step.summary):  # the plan's text and the job summary
        assert "  - afk\n" in text or "`afk`" in text
        assert text.count(LOST) >= 2, text  # said per command: the deleted one and the renamed one
    (comment,) = gh.comments_on(7)
    body = comment["body"]
    row_afk = next(line for line in body.splitlines() if line.startswith("| 🔴 removed | `afk`"))
    row_memes = next(line for line in body.splitlines() if line.startswith("| 🟡 modified | `memes`"))
    assert escape(LOST) in row_afk and escape(LOST) in row_memes  # said per command, in the table's own escaping
    assert "renamed from `meme` (keeps its ID and mentions)" in row_memes
    assert "> [!WARNING]" in body and "`afk`, `memes`" in body and "a rollback restores the commands but not" in body
    details = {c["name"]: c for c in step.report()["changes"]["details"]}
    assert details["afk"]["permissions_lost"] is True and details["memes"]["permissions_lost"] is True


def test_a_type_change_is_planned_destructive_and_trips_the_deletion_guard(
    gh: GitHubStandIn, live: Emulator, tmp_path: Path
) -> None:
    ws = workspace(tmp_path)
    _, promoted = stage_and_promote(gh, live, ws)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    hug_id = next(c["id"] for c in live_global(live) if c["name"] == "Hug")
    edit(ws, "context-menus.json", lambda menus: next(m for m in menus if m["name"] == "Hug").update(type=3))
    staged = run(gh, live, ws, "stage")  # the staging guild allows 5 removals: the type change goes through
    assert staged.returncode == 0, staged.stdout + staged.stderr
    start = len(live.requests)

    stopped = run(gh, live, ws, "promote")

    assert stopped.returncode == 1
    assert "type change user menu → message menu: destructive" in stopped.summary  # the failed run's plan
    assert "remove 1 command(s) from global commands (Hug (type change user menu → message menu))" in stopped.stdout
    assert writes(live, start) == []  # the guard stopped it before any write
    report = stopped.report()
    assert report["changes"]["added"] == ["Hug"] and report["changes"]["removed"] == ["Hug"]
    assert report["creates"] == 1

    done = run(gh, live, ws, "promote", **{"allow-deletions": "true"})
    assert done.returncode == 0, done.stdout + done.stderr
    (hug,) = [c for c in live_global(live) if c["name"] == "Hug"]
    assert hug["type"] == 3 and hug["id"] != hug_id  # a new command: new ID


def test_moving_the_entry_point_deletes_the_old_one_first_and_trips_the_guard(
    gh: GitHubStandIn, activity_live: Emulator, tmp_path: Path
) -> None:
    ws = workspace(tmp_path)
    (ws / "commands" / "play.json").write_text(
        json.dumps({"type": 4, "name": "play", "description": "Play the quiz", "handler": 2}), encoding="utf-8"
    )
    _, stopped = stage_and_promote(gh, activity_live, ws)

    assert stopped.returncode == 1
    assert "remove 1 command(s) from global commands (launch (entry point replaced by play))" in stopped.stdout
    assert "the entry point moves to play: destructive" in stopped.summary
    start = len(activity_live.requests)
    activity_live.faults.add(Fault.drop_after_write(), method="DELETE")  # deleted, but the answer is lost
    done = run(gh, activity_live, ws, "promote", **{"allow-deletions": "true"})

    assert done.returncode == 0, done.stdout + done.stderr
    # Discord refuses a bulk overwrite that drops the live entry point (50240): it is deleted on its own first;
    # the retried DELETE finds it gone (404), which is what it was for.
    assert [(r.method, r.status) for r in activity_live.requests[start:] if r.method != "GET"] == [
        ("DELETE", None),
        ("DELETE", 404),
        ("PUT", 200),
    ]
    assert [c["name"] for c in live_global(activity_live) if c["type"] == 4] == ["play"]


def test_the_served_emulator_can_be_an_app_with_an_activity_and_a_new_app(tmp_path: Path) -> None:
    port = free_port()
    args = ["emulator", "--port", str(port), "--activity", "--new-app", "--state-file", "state.json"]
    server = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", *args],
        cwd=tmp_path,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert server.stdout is not None and "listening on" in server.stdout.readline()
        url = f"http://127.0.0.1:{port}/api/v10/applications/{TEST_APPLICATION_ID}/commands"
        headers = {"Authorization": f"Bot {TEST_TOKEN}", "User-Agent": "DiscordBot (https://example.test, 1.0)"}
        with httpx.Client(headers=headers) as http:
            (launch,) = http.get(url).json()
            created = http.post(url, json={"name": "ping", "description": "Replies"}).json()
            refused = http.put(url, json=[])
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)
    assert (launch["type"], launch["name"], launch["handler"]) == (4, "launch", 2)
    assert (created["integration_types"], created["contexts"]) == ([0, 1], [0, 1, 2])
    assert refused.status_code == 400 and refused.json()["code"] == 50240
    saved = json.loads((tmp_path / "state.json").read_text(encoding="utf-8"))["applications"][TEST_APPLICATION_ID]
    assert (saved["activity"], saved["new_app"]) == (True, True)  # later runs on that state meet the same app
