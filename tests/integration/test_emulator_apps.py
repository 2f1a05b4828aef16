"""The emulator as the apps real users have: one with an Activity (Discord's auto-created "launch" entry point,
AC:1046, and the 400 50240 refusal of a bulk overwrite that leaves it out, serenity#2993) and a new app (its global
commands come back with integration_types [0, 1] and contexts [0, 1, 2] when a write leaves them out). The second
stand-in refuses the same bulk overwrite the same way."""

from __future__ import annotations

from typing import Any

import httpx

from alia_action.discord.emulator import Emulator
from tests.support.discord_fixtures import APP_ID, OTHER_APP_ID, TOKEN, api, cmd, global_path, guild_path
from tests.support.discord_standin import DiscordStandIn

REFUSAL = 50240


def launch_of(commands: list[dict[str, Any]]) -> dict[str, Any]:
    (launch,) = [c for c in commands if c["type"] == 4]
    return launch


def test_an_app_with_an_activity_has_discords_launch_entry_point(activity_live: Emulator) -> None:
    launch = launch_of(api(activity_live, "GET", global_path()).json())
    assert {k: launch[k] for k in ("type", "name", "handler", "integration_types", "contexts")} == {
        "type": 4,
        "name": "launch",
        "handler": 2,
        "integration_types": [0, 1],
        "contexts": [0, 1, 2],
    }
    assert api(activity_live, "GET", guild_path()).json() == []  # entry points are global only


def test_a_bulk_overwrite_that_leaves_the_entry_point_out_is_refused_with_50240(activity_live: Emulator) -> None:
    before = activity_live.commands(APP_ID)
    refused = api(activity_live, "PUT", global_path(), json=[cmd("ping")])
    assert refused.status_code == 400 and refused.json()["code"] == REFUSAL
    assert "cannot remove this app's Entry Point command in a bulk update" in refused.json()["message"]
    assert activity_live.commands(APP_ID) == before  # nothing applied

    launch = launch_of(before)
    by_id = api(activity_live, "PUT", global_path(), json=[cmd("ping"), {"id": launch["id"], "type": 4, "name": "go"}])
    assert by_id.status_code == 200 and launch_of(by_id.json())["id"] == launch["id"]  # kept (and renamed) by ID
    by_name = api(activity_live, "PUT", global_path(), json=[{"type": 4, "name": "go", "handler": 2}])
    assert by_name.status_code == 200 and launch_of(by_name.json())["id"] == launch["id"]  # kept by type and name


def test_the_entry_point_may_be_deleted_on_its_own_and_guild_overwrites_never_meet_the_rule(
    activity_live: Emulator,
) -> None:
    assert api(activity_live, "PUT", guild_path(), json=[cmd("ping")]).status_code == 200
    launch = launch_of(activity_live.commands(APP_ID))
    assert api(activity_live, "DELETE", f"{global_path()}/{launch['id']}").status_code == 204
    assert api(activity_live, "PUT", global_path(), json=[cmd("ping")]).status_code == 200


def test_an_app_without_an_activity_overwrites_freely(live: Emulator) -> None:
    assert live.commands(APP_ID) == []
    assert api(live, "PUT", global_path(), json=[cmd("ping")]).status_code == 200


def test_reset_and_a_saved_state_keep_the_app_as_it_is(activity_live: Emulator) -> None:
    api(activity_live, "PUT", global_path(), json=[{"type": 4, "name": "go", "handler": 1}, cmd("ping")])
    activity_live.reset()
    assert [(c["name"], c["handler"]) for c in activity_live.commands(APP_ID)] == [("launch", 2)]  # Discord's own

    saved = activity_live.snapshot()
    with Emulator() as fresh:
        fresh.restore(saved)
        fresh.add_application(APP_ID, TOKEN)  # a later run that does not say what the app is: it stays as saved
        assert fresh.snapshot()["applications"][APP_ID]["activity"] is True
        refused = api(fresh, "PUT", global_path(), json=[], token=TOKEN)
        assert refused.status_code == 400 and refused.json()["code"] == REFUSAL


def test_enabling_activities_on_an_app_with_commands_adds_one_entry_point(live: Emulator) -> None:
    live.set_commands(APP_ID, None, [cmd("ping")])
    live.add_application(APP_ID, TOKEN, activity=True)
    live.add_application(APP_ID, TOKEN, activity=True)  # already enabled: still one entry point
    assert sorted((c["type"], c["name"]) for c in live.commands(APP_ID)) == [(1, "ping"), (4, "launch")]
    assert live.commands(OTHER_APP_ID) == []  # only that app


def test_a_new_apps_commands_come_back_with_all_installs_and_contexts_when_left_out(new_app_live: Emulator) -> None:
    created = api(new_app_live, "POST", global_path(), json=cmd("ping")).json()
    assert (created["integration_types"], created["contexts"]) == ([0, 1], [0, 1, 2])
    stated = api(new_app_live, "POST", global_path(), json=cmd("pong", integration_types=[0], contexts=[0])).json()
    assert (stated["integration_types"], stated["contexts"]) == ([0], [0])  # what is stated stands
    guild = api(new_app_live, "POST", guild_path(), json=cmd("ping")).json()
    assert guild["contexts"] is None  # guild commands take no contexts (AC:1303-1341)


def test_an_older_app_keeps_the_documented_defaults(live: Emulator) -> None:
    created = api(live, "POST", global_path(), json=cmd("ping")).json()
    assert (created["integration_types"], created["contexts"]) == ([0], None)


def test_the_stand_in_refuses_the_same_bulk_overwrite() -> None:
    with DiscordStandIn(APP_ID, TOKEN) as standin, httpx.Client(headers={"Authorization": f"Bot {TOKEN}"}) as http:
        url = standin.url + global_path()
        launch = http.put(url, json=[{"type": 4, "name": "launch"}, cmd("ping")]).json()[0]
        refused = http.put(url, json=[cmd("ping")])
        assert refused.status_code == 400 and refused.json()["code"] == REFUSAL
        kept = http.put(url, json=[{"type": 4, "name": "launch"}, cmd("pong")])
        assert kept.status_code == 200 and kept.json()[0]["id"] == launch["id"]
