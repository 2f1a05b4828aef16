"""The plan's entry points, type changes and lost permissions, as pure functions: a live entry point the files do not
define is kept and carried over in every bulk write; a file that defines one manages it; a type change or an
entry-point move is one destructive replacement in two halves; deletes and renames lose their permissions."""

from __future__ import annotations

from typing import Any

from alia_action.commands.plan import (
    LOST_PERMISSIONS,
    Write,
    build_plan,
    change_notes,
    overwrite_body,
    plan_write,
    removal_label,
)
from alia_action.health.assess import compare
from alia_action.report import build_report

LAUNCH: dict[str, Any] = {
    "id": "11",
    "application_id": "1",
    "version": "5",
    "type": 4,
    "name": "launch",
    "description": "",
    "handler": 2,
    "integration_types": [0, 1],
    "contexts": [0, 1, 2],
    "default_member_permissions": None,
    "name_localizations": None,
    "nsfw": False,
}


def slash(name: str, description: str = "Does it", **extra: Any) -> dict[str, Any]:
    return {"type": 1, "name": name, "description": description, **extra}


def live(command: dict[str, Any], id_: str) -> dict[str, Any]:
    return {**command, "id": id_, "application_id": "1", "version": "1"}


def details(plan: Any) -> dict[str, dict[str, Any]]:
    report = build_report(action="detect", checksum="", commands=[], plan=plan, problems=[], baseline="live")
    return {f"{c['change']} {c['name']}": c for c in report["changes"]["details"]}


def test_a_live_entry_point_the_files_do_not_define_is_kept_not_removed() -> None:
    plan = build_plan([slash("ping")], [LAUNCH, live(slash("ping"), "12")])
    assert plan.removed == [] and plan.empty and [c.name for c in plan.kept] == ["launch"]
    assert details(plan)["kept launch"]["change"] == "kept"
    assert change_notes(details(plan)["kept launch"])[0].startswith("entry point not in the command files: kept")


def test_every_bulk_write_carries_the_kept_entry_point_with_its_id_and_every_field() -> None:
    local = [slash("ping", "Changed"), slash("pong")]
    plan = build_plan(local, [LAUNCH, live(slash("ping"), "12")])
    write = plan_write(local, plan)
    assert write.method == "PUT" and write.first == ()
    assert write.body[-1] == {
        k: v for k, v in LAUNCH.items() if k not in ("application_id", "version") and v is not None
    }
    assert overwrite_body(local, plan)[-1]["id"] == "11"


def test_one_change_beside_a_kept_entry_point_is_still_one_per_command_request() -> None:
    local = [slash("ping", "Changed")]
    write = plan_write(local, build_plan(local, [LAUNCH, live(slash("ping"), "12")]))
    assert (write.method, write.command_id) == ("PATCH", "12")


def test_a_file_that_defines_the_entry_point_manages_it() -> None:
    mine = {"type": 4, "name": "launch", "description": "Play", "handler": 1}
    plan = build_plan([mine], [LAUNCH])
    (change,) = plan.changes
    assert (change.kind, change.kept) == ("modified", False)
    write = plan_write([mine], plan)
    assert (write.method, write.command_id, write.body["handler"]) == ("PATCH", "11", 1)


def test_another_entry_point_in_the_files_replaces_the_live_one_destructively_and_deletes_it_first() -> None:
    play = {"type": 4, "name": "play", "description": "Play", "handler": 2}
    local = [play, slash("ping")]
    plan = build_plan(local, [LAUNCH, live(slash("ping"), "12")])
    (old,) = plan.removed
    (new,) = plan.added
    assert (old.name, old.replaced_by, new.replaces) == ("launch", (4, "play"), (4, "launch"))
    assert removal_label(old) == "launch (entry point replaced by play)"
    write = plan_write(local, plan)
    # Discord refuses a bulk overwrite that drops the live entry point (50240): delete it on its own first.
    assert write.first == (Write("DELETE", None, "11", "launch"),) and write.method == "PUT"
    notes = details(plan)
    assert notes["removed launch"]["replaced_by"] == {"type": 4, "name": "play"}
    assert change_notes(notes["removed launch"])[0].startswith("the entry point moves to play: destructive")
    assert '"renamedFrom": "launch" on play would keep its ID' in change_notes(notes["removed launch"])[0]
    assert change_notes(notes["added play"]) == [
        "the new entry point, in place of launch: destructive, new ID, one create spent"
    ]


def test_an_entry_point_renamed_with_renamed_from_keeps_its_id_and_nothing_is_removed() -> None:
    play = {"type": 4, "name": "play", "description": "Play", "renamedFrom": "launch"}
    plan = build_plan([play], [LAUNCH])
    assert plan.removed == [] and plan.modified[0].renamed_from == "launch"
    assert plan_write([play], plan).command_id == "11"


def test_a_type_change_is_a_destructive_replacement_counted_as_a_removal_and_a_create() -> None:
    plan = build_plan([{"type": 3, "name": "Hug"}], [live({"type": 2, "name": "Hug", "description": ""}, "21")])
    (old,), (new,) = plan.removed, plan.added
    assert (old.replaced_by, new.replaces, plan.creates) == ((3, "Hug"), (2, "Hug"), 1)
    assert removal_label(old) == "Hug (type change user menu → message menu)"
    notes = details(plan)
    assert change_notes(notes["removed Hug"]) == [
        "type change user menu → message menu: destructive, Discord cannot change a type in place: this command is "
        "deleted (its ID with it) and created anew",
        LOST_PERMISSIONS,
    ]
    assert change_notes(notes["added Hug"]) == [
        "type change user menu → message menu: destructive, created anew (new ID, one create spent)"
    ]


def test_a_different_name_is_no_type_change() -> None:
    plan = build_plan([{"type": 3, "name": "Hugs"}], [live({"type": 2, "name": "Hug", "description": ""}, "21")])
    assert plan.removed[0].replaced_by is None and plan.added[0].replaces is None
    assert removal_label(plan.removed[0]) == "Hug"


def test_deletes_and_renames_lose_their_permissions_edits_and_creates_do_not() -> None:
    remote = [live(slash("gone"), "1"), live(slash("old"), "2"), live(slash("edited"), "3")]
    local = [slash("new", renamedFrom="old"), slash("edited", "Changed"), slash("added")]
    lost = {c.name: c.permissions_lost for c in build_plan(local, remote).changes}
    assert lost == {"gone": True, "new": True, "edited": False, "added": False}
    notes = details(build_plan(local, remote))
    assert LOST_PERMISSIONS in change_notes(notes["removed gone"]) and notes["removed gone"]["permissions_lost"]
    assert "permissions_lost" not in notes["modified edited"] and change_notes(notes["modified edited"]) == []


def test_guild_scopes_have_no_entry_point_to_keep() -> None:
    plan = build_plan([slash("ping")], [LAUNCH], guild=True)
    assert [c.name for c in plan.removed] == ["launch"] and plan.kept == []


def test_health_expects_the_kept_entry_point_neither_extra_nor_a_count_deviation() -> None:
    comparison = compare([slash("ping")], [LAUNCH, live(slash("ping"), "12")], guild=False)
    assert (comparison.extra, comparison.deviation) == ((), 0.0)
    defined = compare([slash("ping"), {"type": 4, "name": "play"}], [LAUNCH, live(slash("ping"), "12")], guild=False)
    assert defined.extra == ("launch",) and defined.missing == ("play",)  # the files manage the entry point


def test_a_command_made_the_entry_point_pairs_with_its_own_old_type_before_the_live_entry_point() -> None:
    play = {"type": 4, "name": "play", "description": "Play", "handler": 2}
    plan = build_plan([play], [LAUNCH, live(slash("play"), "12")])
    assert [(c.kind, c.type, c.name, c.replaced_by, c.replaces) for c in plan.changes] == [
        ("removed", 1, "play", (4, "play"), None),  # a type change: same name, another type
        ("removed", 4, "launch", None, None),
        ("added", 4, "play", None, (1, "play")),
    ]
