"""The plan: added / modified (to the field) / removed / unchanged, renames, creates, the overwrite body."""

from __future__ import annotations

from typing import Any

from alia_action.commands.plan import Write, build_plan, overwrite_body, plan_write

PING = {"name": "ping", "description": "Pong", "contexts": [0], "integration_types": [0]}
ECHO = {
    "name": "echo",
    "description": "Repeat text",
    "options": [
        {"type": 3, "name": "text", "description": "What to say", "required": True},
        {"type": 5, "name": "loud", "description": "Shout it"},
    ],
}


def discord(command: dict[str, Any], id_: str) -> dict[str, Any]:
    """``command`` as Discord's GET returns it: server fields added, defaults filled, false omitted."""
    out = {
        "id": id_,
        "application_id": "1",
        "version": "9",
        "type": 1,
        "default_member_permissions": None,
        "dm_permission": True,
        "integration_types": [0],
        "nsfw": False,
        "contexts": None,
        **command,
    }
    if isinstance(out["contexts"], list):  # one fact twice: usable in the bot's DMs (AC:35)
        out["dm_permission"] = 1 in out["contexts"]
    return out


def test_in_sync_with_discord_shapes_is_an_empty_plan() -> None:
    plan = build_plan([PING, ECHO], [discord(ECHO, "2"), discord(PING, "1")])
    assert plan.empty
    assert plan.names()["unchanged"] == ["echo", "ping"]
    assert plan.creates == 0


def test_field_level_changes_name_the_path_and_both_values() -> None:
    changed = {**ECHO, "options": [ECHO["options"][0], {**ECHO["options"][1], "description": "Shout it out"}]}
    plan = build_plan([changed], [discord(ECHO, "2")])
    (change,) = plan.modified
    assert [str(f) for f in change.fields] == ['options[1].description: "Shout it" → "Shout it out"']


def test_unset_and_added_fields_are_shown_as_unset() -> None:
    plan = build_plan([{**PING, "nsfw": True, "default_member_permissions": "8"}], [discord(PING, "1")])
    assert sorted(str(f) for f in plan.modified[0].fields) == [
        'default_member_permissions: null → "8"',
        "nsfw: false → true",
    ]
    plan = build_plan([ECHO], [discord({**ECHO, "options": ECHO["options"][:1]}, "2")])
    assert [str(f) for f in plan.modified[0].fields] == [
        'options[1]: (unset) → {"description": "Shout it", "name": "loud", "type": 5}'
    ]


def test_added_and_removed_and_creates() -> None:
    plan = build_plan([PING, ECHO], [discord({"name": "old", "description": "Old"}, "7"), discord(PING, "1")])
    assert plan.names() == {"added": ["echo"], "modified": [], "removed": ["old"], "unchanged": ["ping"]}
    assert plan.creates == 1
    assert plan.removed[0].remote_id == "7"


def test_same_name_different_type_are_different_commands() -> None:
    menu = {"type": 3, "name": "ping"}
    plan = build_plan([PING, menu], [discord(PING, "1")])
    assert [(c.kind, c.type) for c in plan.changes] == [("unchanged", 1), ("added", 3)]


def test_contexts_only_compared_when_stated_locally() -> None:
    unstated = {"name": "a", "description": "A"}
    remote = discord({**unstated, "contexts": [0, 1, 2], "integration_types": [0, 1]}, "1")
    assert build_plan([unstated], [remote]).empty
    stated = {**unstated, "contexts": [0]}
    # dm_permission (unstated) is made to agree with the stated contexts, and the plan says so
    assert [str(f) for f in build_plan([stated], [remote]).modified[0].fields] == [
        "contexts: [0, 1, 2] → [0]",
        "dm_permission: true → false",
    ]


def test_rename_keeps_the_id_and_spends_no_create() -> None:
    renamed = {**PING, "name": "latency", "renamedFrom": "ping"}
    plan = build_plan([renamed], [discord(PING, "111")])
    (change,) = plan.changes
    assert (change.kind, change.renamed_from, change.remote_id) == ("modified", "ping", "111")
    assert [str(f) for f in change.fields] == ['name: "ping" → "latency"']
    assert plan.creates == 0
    body = overwrite_body([renamed], plan)
    assert body == [
        {"name": "latency", "description": "Pong", "contexts": [0], "integration_types": [0], "dm_permission": False}
        | {"id": "111"}
    ]


def test_rename_is_ignored_once_done_or_when_the_old_name_is_still_used() -> None:
    renamed = {**PING, "name": "latency", "renamedFrom": "ping"}
    assert build_plan([renamed], [discord({**PING, "name": "latency"}, "111")]).empty  # already renamed
    plan = build_plan([renamed, PING], [discord(PING, "111")])  # old name still defined: not a rename
    assert plan.names()["added"] == ["latency"] and plan.names()["unchanged"] == ["ping"]


def test_overwrite_body_strips_project_and_server_keys_and_guild_only_fields() -> None:
    local = {**PING, "developmentOnly": True, "id": "5", "version": "3", "dm_permission": False, "category": "x"}
    assert overwrite_body([local]) == [{**PING, "dm_permission": False}]
    assert overwrite_body([local], guild=True) == [{"name": "ping", "description": "Pong"}]


def test_a_single_change_is_one_request_for_that_command_and_more_are_one_put() -> None:
    live = [discord(PING, "111"), discord({**PING, "name": "pong"}, "222")]
    pong = {**PING, "name": "pong"}

    added = [PING, pong, {"name": "new", "description": "New", "category": "x"}]
    assert plan_write(added, build_plan(added, live)) == Write(
        "POST", {"name": "new", "description": "New"}, None, "new"
    )

    edited = [{**PING, "description": "Pong!"}, pong]
    write = plan_write(edited, build_plan(edited, live))
    assert (write.method, write.command_id) == ("PATCH", "111")
    # Everything the file states, and the defaults of what it leaves out: a PATCH keeps what it is not told.
    assert write.body == {
        "name": "ping", "description": "Pong!", "contexts": [0], "integration_types": [0], "nsfw": False,
        "default_member_permissions": None, "name_localizations": None, "description_localizations": None,
        "options": [], "dm_permission": False,  # contexts is stated: dm_permission agrees with it
    }  # fmt: skip

    renamed = [{**PING, "name": "latency", "renamedFrom": "ping"}, pong]
    write = plan_write(renamed, build_plan(renamed, live))
    assert (write.method, write.command_id, write.body["name"]) == ("PATCH", "111", "latency")
    assert "renamedFrom" not in write.body

    assert plan_write([pong], build_plan([pong], live)) == Write("DELETE", None, "111", "ping")

    two = [{**PING, "description": "Pong!"}]  # one modified, one removed
    assert plan_write(two, build_plan(two, live)).method == "PUT"
    # A baseline without IDs (the checksum file) cannot address one command: the bulk PUT it is.
    no_ids = [{k: v for k, v in c.items() if k != "id"} for c in live]
    assert plan_write(edited, build_plan(edited, no_ids)).method == "PUT"


def test_a_patch_of_a_context_menu_sends_no_slash_only_fields() -> None:
    menu = {"type": 3, "name": "Save", "contexts": [0], "integration_types": [0]}
    live = [discord({**menu, "description": ""}, "333")]
    edited = [{**menu, "nsfw": True}]
    write = plan_write(edited, build_plan(edited, live))
    assert write.method == "PATCH" and "options" not in write.body and "description_localizations" not in write.body


def test_a_new_command_is_posted_with_the_partner_its_stated_field_implies_and_no_nulls() -> None:
    # contexts stated without BOT_DM: dm_permission goes along as false, so Discord cannot settle the two its own way.
    new = {"name": "new", "description": "New", "contexts": [0]}
    assert plan_write([new], build_plan([new], [])) == Write("POST", {**new, "dm_permission": False}, None, "new")
    # dm_permission stated and no live contexts to adjust: nothing is sent for contexts (not even null).
    quiet = {"name": "new", "description": "New", "dm_permission": False}
    assert plan_write([quiet], build_plan([quiet], [])) == Write("POST", quiet, None, "new")


def test_a_patch_of_a_context_menu_resets_only_the_fields_it_has_and_never_sends_its_type() -> None:
    menu = {"type": 3, "name": "Save"}
    live = [discord({**menu, "description": "", "nsfw": True}, "333")]
    write = plan_write([menu], build_plan([menu], live))
    assert write == Write(
        "PATCH",
        {
            "name": "Save", "integration_types": [0], "dm_permission": True,  # kept: sent as they are live
            "nsfw": False, "default_member_permissions": None, "name_localizations": None,
        },
        "333", "Save",
    )  # fmt: skip


def test_a_renamed_from_claimed_once_is_not_claimed_again() -> None:
    first = {"name": "latency", "description": "Pong", "renamedFrom": "ping"}
    second = {"name": "lag", "description": "Pong", "renamedFrom": "ping"}
    plan = build_plan([first, second], [discord({"name": "ping", "description": "Pong"}, "111")])
    assert [(c.kind, c.name, c.renamed_from, c.remote_id) for c in plan.changes] == [
        ("added", "lag", None, None),  # the file's first claim wins; the second is a new command
        ("modified", "latency", "ping", "111"),
    ]
    not_a_name = {"name": "latency", "description": "Pong", "renamedFrom": 5}  # validation refuses it
    assert build_plan([not_a_name], [discord({"name": "ping", "description": "Pong"}, "111")]).names() == {
        "added": ["latency"], "modified": [], "removed": ["ping"], "unchanged": [],
    }  # fmt: skip


def test_a_checksum_file_baseline_is_compared_on_what_it_records() -> None:
    # The checksum file records what the files stated: contexts, but not the dm_permission made to agree with it.
    recorded = {"type": 1, "name": "ping", "description": "Pong", "contexts": [0]}
    assert build_plan([{"name": "ping", "description": "Pong", "contexts": [0]}], [recorded]).empty
    # Live, the same command holds dm_permission: a value that disagrees with contexts is a change to make.
    live = {"id": "1", "type": 1, "name": "ping", "description": "Pong", "contexts": [0], "dm_permission": True}
    [change] = build_plan([{"name": "ping", "description": "Pong", "contexts": [0]}], [live]).modified
    assert [str(f) for f in change.fields] == ["dm_permission: true → false"]


def test_an_id_that_is_not_discords_string_is_no_id_to_write_to() -> None:
    remote = [{"type": 1, "name": "ping", "description": "Pong", "id": 111}]
    edited = [{"name": "ping", "description": "Pong!"}]
    plan = build_plan(edited, remote)
    assert plan.modified[0].remote_id is None
    assert plan_write(edited, plan) == Write("PUT", [{"name": "ping", "description": "Pong!"}])
    gone = build_plan([], remote)
    assert gone.removed[0].remote_id is None and plan_write([], gone) == Write("PUT", [])


def test_a_rename_already_done_leaves_the_old_name_live_to_be_removed() -> None:
    renamed = {"name": "latency", "description": "Pong", "renamedFrom": "ping"}
    remote = [
        discord({"name": "ping", "description": "Pong"}, "1"),
        discord({"name": "latency", "description": "Pong"}, "2"),
    ]
    plan = build_plan([renamed], remote)
    assert [(c.kind, c.name, c.renamed_from, c.remote_id) for c in plan.changes] == [
        ("unchanged", "latency", None, "2"),
        ("removed", "ping", None, "1"),
    ]


def test_a_bulk_overwrite_sends_no_null_for_a_partner_that_cannot_be_told() -> None:
    # dm_permission false and live contexts only BOT_DM: nothing is left to keep, so contexts is not sent at all.
    quiet = {"name": "ping", "description": "Pong", "dm_permission": False}
    live = [
        {"id": "1", "type": 1, "name": "ping", "description": "Pong", "contexts": [1]},
        {"id": "2", "type": 1, "name": "gone", "description": "Gone"},
    ]
    assert plan_write([quiet], build_plan([quiet], live)) == Write("PUT", [quiet])


def test_a_guild_deletes_no_entry_point_before_its_bulk_overwrite() -> None:
    launch = {"id": "11", "type": 4, "name": "launch", "description": "", "handler": 2}
    local = [{"name": "ping", "description": "Pong"}]
    plan = build_plan(local, [launch], guild=True)
    assert plan.names()["removed"] == ["launch"] and plan.names()["added"] == ["ping"]
    assert plan_write(local, plan, guild=True) == Write("PUT", local)
