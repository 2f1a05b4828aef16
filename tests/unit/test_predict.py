"""Omitted = keep (kept.py) and the predicted live set (predict.py): pure, at their boundaries."""

from __future__ import annotations

from typing import Any

import pytest

from alia_action.commands.kept import Carried, carried, kept_note
from alia_action.commands.plan import Write, build_plan, plan_write
from alia_action.commands.predict import mismatches, predict


def live(name: str, id_: str, **fields: Any) -> dict[str, Any]:
    """A global command as Discord's GET returns it (defaults filled)."""
    return {
        "id": id_, "application_id": "1", "version": "7", "type": 1, "name": name, "description": name.title(),
        "default_member_permissions": None, "dm_permission": True, "default_permission": True,
        "contexts": [0, 1, 2], "integration_types": [0], "nsfw": False, **fields,
    }  # fmt: skip


def test_an_unstated_field_keeps_its_live_value_and_a_stated_one_is_not_carried() -> None:
    remote = live("secret", "1", dm_permission=False, contexts=[0], integration_types=[0, 1])
    keep = carried({"name": "secret", "integration_types": [0]}, remote, guild=False)
    assert keep.values == {"contexts": [0], "dm_permission": False, "default_permission": True}
    assert carried({"name": "secret"}, None, guild=False).values == {}  # a new command: Discord's fill
    # Guilds ignore contexts, integration_types and dm_permission: only default_permission is kept there.
    assert carried({"name": "secret"}, remote, guild=True).values == {"default_permission": True}


def test_dm_permission_and_contexts_are_made_to_agree_with_the_stated_one() -> None:
    remote = live("a", "1")
    assert carried({"name": "a", "contexts": [0]}, remote, guild=False).values["dm_permission"] is False
    assert carried({"name": "a", "contexts": [0, 1]}, remote, guild=False).values["dm_permission"] is True
    assert carried({"name": "a", "dm_permission": False}, remote, guild=False).values["contexts"] == [0, 2]
    only_dm = live("a", "1", contexts=[1])
    assert carried({"name": "a", "dm_permission": False}, only_dm, guild=False).values["contexts"] is None
    assert carried({"name": "a", "dm_permission": True}, live("a", "1", contexts=[0]), guild=False).values[
        "contexts"
    ] == [0, 1]


# Every field Discord fills (canonical.STATED_ONLY) set on the live command; nsfw is not one of them.
FILLED = {
    "contexts": [2, 0],
    "integration_types": [0, 1],
    "handler": 1,
    "dm_permission": False,
    "default_permission": True,
}


@pytest.mark.parametrize(
    ("local", "remote", "guild", "values", "derived"),
    [
        ({}, FILLED, False, FILLED, set()),  # nothing stated: every filled field kept as it is live
        ({"handler": None, "nsfw": False}, FILLED, False, FILLED, set()),  # null is not stated
        ({}, {"contexts": None, "handler": None}, False, {}, set()),  # a live null: nothing to keep
        ({}, None, False, {}, set()),  # a new command: Discord's fill
        ({}, FILLED, True, {"handler": 1, "default_permission": True}, set()),  # guilds ignore the other three
        ({"contexts": [0]}, FILLED, True, {"handler": 1, "default_permission": True}, set()),
        # a stated partner: dm_permission follows contexts (BOT_DM is 1), whatever is live
        ({"contexts": [0, 2]}, FILLED, False, {**FILLED, "contexts": ...}, {"dm_permission"}),
        ({"contexts": [1], "handler": 2}, {**FILLED, "dm_permission": False}, False,
         {"integration_types": [0, 1], "dm_permission": True, "default_permission": True}, {"dm_permission"}),
        ({"contexts": "all"}, FILLED, False, {**FILLED, "contexts": ..., "dm_permission": None}, {"dm_permission"}),
        ({"contexts": [0]}, None, False, {"dm_permission": False}, {"dm_permission"}),
        # and contexts follows dm_permission: the live list with BOT_DM added or taken out, null when none is left
        ({"dm_permission": True}, FILLED, False, {**FILLED, "contexts": [0, 1, 2], "dm_permission": ...}, {"contexts"}),
        ({"dm_permission": False}, {**FILLED, "contexts": [1, 2]}, False,
         {**FILLED, "contexts": [2], "dm_permission": ...}, {"contexts"}),
        ({"dm_permission": False}, {**FILLED, "contexts": [1]}, False,
         {**FILLED, "contexts": None, "dm_permission": ...}, {"contexts"}),
        ({"dm_permission": "yes"}, FILLED, False, {**FILLED, "contexts": None, "dm_permission": ...}, {"contexts"}),
        ({"dm_permission": True}, None, False, {"contexts": None}, {"contexts"}),  # no live list to adjust
    ],
)  # fmt: skip
def test_what_a_write_carries_for_each_field_the_file_leaves_out(
    local: dict[str, Any], remote: dict[str, Any] | None, guild: bool, values: dict[str, Any], derived: set[str]
) -> None:
    """``...`` in ``values``: the field is stated, so not carried."""
    expected = {k: v for k, v in values.items() if v is not ...}
    assert carried({"name": "a", **local}, remote, guild=guild) == Carried(expected, frozenset(derived))


def test_only_a_kept_value_discord_would_not_have_filled_itself_is_noted() -> None:
    values = {**FILLED, "contexts": [2, 0], "integration_types": [1, 0]}  # [1, 0] is [0, 1]: natural in any order
    assert Carried(values).notes() == [("contexts", [2, 0]), ("dm_permission", False)]
    assert Carried({"contexts": [0, 1, 2], "dm_permission": True, "default_permission": False}).notes() == [
        ("default_permission", False)
    ]
    assert Carried({"dm_permission": False, "contexts": [0]}, frozenset({"dm_permission"})).notes() == [
        ("contexts", [0])
    ]  # a value made to agree with the stated partner is the plan's change, not a note
    assert Carried({"handler": 1}).notes() == []  # no natural value to differ from
    assert kept_note("secret", "contexts", [0, 2]) == (
        "secret: contexts not in the file: live [0, 2] is kept; state it to change it"
    )


def test_a_kept_value_is_noted_only_where_a_reader_would_expect_a_reset() -> None:
    plan = build_plan([{"name": "a", "description": "A"}], [live("a", "1", dm_permission=False, contexts=[0])])
    assert plan.empty
    assert [(k["field"], k["value"]) for k in plan.kept_fields()] == [("contexts", [0]), ("dm_permission", False)]
    assert (
        plan.kept_fields()[1]["note"] == "a: dm_permission not in the file: live false is kept; state it to change it"
    )
    assert build_plan([{"name": "a", "description": "A"}], [live("a", "1")]).kept_fields() == []  # Discord's own fill


def test_a_put_rebuilds_every_command_and_a_patch_keeps_what_it_is_not_sent() -> None:
    before = [live("a", "1", nsfw=True), live("b", "2", dm_permission=False, contexts=[0])]
    put = predict(before, Write("PUT", [{"name": "a", "description": "A"}]), guild=False)
    assert [(p.key, p.form["nsfw"], p.form["default_permission"]) for p in put] == [((1, "a"), False, True)]
    assert put[0].filled == {"contexts", "integration_types", "dm_permission", "handler"}  # Discord's fill
    patch = predict(before, Write("PATCH", {"description": "B2"}, "2", "b"), guild=False)
    b = next(p for p in patch if p.key == (1, "b"))
    assert (b.form["description"], b.form["dm_permission"], b.form["contexts"]) == ("B2", False, [0])
    assert next(p for p in patch if p.key == (1, "a")).form["nsfw"] is True  # untouched: exactly as it was
    assert [p.key for p in predict(before, Write("DELETE", None, "1", "a"), guild=False)] == [(1, "b")]
    posted = predict(before, Write("POST", {"name": "a", "description": "New"}), guild=False)
    assert [(p.key, p.form["description"]) for p in posted] == [((1, "b"), "B"), ((1, "a"), "New")]


def test_every_difference_from_the_prediction_is_named_by_command_and_field() -> None:
    before = [live("a", "1"), live("b", "2")]
    write = plan_write([{"name": "a", "description": "A2"}, {"name": "b", "description": "B"}], build_plan(
        [{"name": "a", "description": "A2"}, {"name": "b", "description": "B"}], before
    ))  # fmt: skip
    predicted = predict(before, write, guild=False)
    assert mismatches(predicted, [live("a", "1", description="A2"), live("b", "2")], guild=False) == []
    after = [live("a", "1", description="A2"), live("b", "2", dm_permission=False), live("c", "3")]
    assert [str(m) for m in mismatches(predicted, after, guild=False)] == [
        "b: dm_permission planned true, live false",
        "c: live but never planned",
    ]
    assert [str(m) for m in mismatches(predicted, after[:1], guild=False)] == ["b: planned but not live"]


def test_discord_s_fill_is_accepted_whatever_it_chose() -> None:
    posted = predict([], Write("POST", {"name": "n", "description": "N"}), guild=False)
    filled = live("n", "9", description="N", contexts=[0, 1], integration_types=[0, 1], dm_permission=True)
    assert mismatches(posted, [filled], guild=False) == []
    assert [str(m) for m in mismatches(posted, [{**filled, "default_permission": False}], guild=False)] == [
        "n: default_permission planned true, live false"  # a fixed documented default is no fill (AC:36)
    ]


def test_an_option_planned_but_not_live_is_named_as_the_whole_item() -> None:
    text = {"type": 3, "name": "text", "description": "What to say"}
    posted = predict([], Write("POST", {"name": "say", "description": "Say", "options": [text]}), guild=False)
    assert [str(m) for m in mismatches(posted, [live("say", "4", description="Say")], guild=False)] == [
        'say › text: the whole item planned {"description": "What to say", "name": "text", "type": 3}, live (unset)'
    ]


def test_on_a_guild_only_the_entry_point_handler_is_left_to_discord_and_default_permission_is_true() -> None:
    [made] = predict([], Write("PUT", [{"name": "a", "description": "A"}]), guild=True)
    assert made.filled == {"handler"}  # contexts, integration_types and dm_permission are not compared on guilds
    assert made.form == {
        "type": 1, "name": "a", "description": "A", "nsfw": False, "default_member_permissions": None,
        "default_permission": True,
    }  # fmt: skip
    [stated] = predict([], Write("PUT", [{"name": "a", "description": "A", "default_permission": False}]), guild=True)
    assert stated.form["default_permission"] is False


def test_a_patch_cannot_change_a_type_and_fills_default_permission_where_live_had_none() -> None:
    bare = {"id": "5", "type": 1, "name": "a", "description": "A"}
    [patched] = predict([bare], Write("PATCH", {"type": 2, "description": "B"}, "5", "a"), guild=False)
    assert (patched.key, patched.form["description"], patched.form["default_permission"]) == ((1, "a"), "B", True)
    assert patched.filled == {"contexts", "integration_types", "dm_permission", "handler"}


def test_a_post_keeps_live_commands_without_an_id_and_replaces_only_its_own_name() -> None:
    unaddressed = [{"type": 1, "name": "a", "description": "A"}, {"type": 2, "name": "a", "description": ""}]
    posted = predict(unaddressed, Write("POST", {"name": "a", "description": "New"}), guild=False)
    assert [(p.key, p.form["description"]) for p in posted] == [((2, "a"), ""), ((1, "a"), "New")]


def test_mismatches_come_by_type_then_name() -> None:
    predicted = predict([], Write("PUT", [{"name": "b", "description": "B"}, {"type": 2, "name": "a"}]), guild=False)
    live_now = [live("z", "1"), live("a", "2")]
    assert [str(m) for m in mismatches(predicted, live_now, guild=False)] == [
        "a: live but never planned",
        "b: planned but not live",
        "z: live but never planned",
        "a: planned but not live",  # the user menu (type 2) after every slash command
    ]


def test_default_permission_of_an_untouched_command_is_compared_even_where_live_left_it_out() -> None:
    # It has a documented default (AC:36): never Discord's own fill, so a change nobody planned is reported.
    bare = {"id": "5", "type": 1, "name": "a", "description": "A"}
    predicted = predict([bare, live("b", "6")], Write("DELETE", None, "6", "b"), guild=False)
    assert [str(m) for m in mismatches(predicted, [{**bare, "default_permission": False}], guild=False)] == [
        "a: default_permission planned (unset), live false"
    ]


def test_an_untouched_command_keeps_discord_s_fill_open_and_a_guild_compares_no_global_only_field() -> None:
    # Live held contexts null (Discord's to fill): whatever it shows after a write to another command is accepted.
    unfilled = {**live("a", "1"), "contexts": None}
    predicted = predict([unfilled, live("b", "2")], Write("DELETE", None, "2", "b"), guild=False)
    assert mismatches(predicted, [{**unfilled, "contexts": [0, 1]}], guild=False) == []
    # On a guild dm_permission and contexts mean nothing (AC:35): neither an untouched nor a patched command's counts.
    echoed = live("a", "1", dm_permission=False, contexts=[0])
    guild_only = {k: v for k, v in echoed.items() if k not in ("dm_permission", "contexts")}
    untouched = predict([echoed, live("b", "2")], Write("DELETE", None, "2", "b"), guild=True)
    assert mismatches(untouched, [guild_only], guild=True) == []
    patched = predict([echoed, live("b", "2")], Write("PATCH", {"description": "A2"}, "1", "a"), guild=True)
    assert mismatches(patched, [{**guild_only, "description": "A2"}, live("b", "2")], guild=True) == []
