"""How a plan reads: the words the terminal, the job summary and the PR comment show for each change.

The expected lines are written out here in full: a reviewer approves a deploy from them, so a wrong name, an
unset side shown as null, or a lost arrow is a wrong review.
"""

from __future__ import annotations

from typing import Any

import pytest

from alia_action.commands.plan import (
    MISSING,
    FieldChange,
    build_plan,
    change_notes,
    diff_values,
    field_label,
    show_value,
    type_name,
)

SIDES = {"type": 4, "name": "sides", "description": "How many sides", "min_value": 2, "max_value": 100}
ROLL = {"type": 1, "name": "roll", "description": "Roll a die", "options": [SIDES]}
MODE = {"type": 3, "name": "mode", "description": "How", "choices": [{"name": "fast", "value": "f"}]}
DICE = {"name": "dice", "description": "Dice games", "options": [ROLL, MODE]}


def labels(local: dict[str, Any], remote: dict[str, Any], command: str = "dice") -> list[str]:
    """The one modified command's field changes as a reader sees them."""
    [change] = build_plan([local], [{"id": "1", **remote}]).modified
    return [f.label(command) for f in change.fields]


def test_a_field_is_named_by_its_command_subcommand_and_option() -> None:
    higher = {**DICE, "options": [{**ROLL, "options": [{**SIDES, "max_value": 120}]}, MODE]}
    assert labels(higher, DICE) == ["dice › roll › sides: max_value 100 → 120"]


def test_a_choice_is_named_by_its_name_in_quotes() -> None:
    upper = {**DICE, "options": [ROLL, {**MODE, "choices": [{"name": "fast", "value": "F"}]}]}
    assert labels(upper, DICE) == ['dice › mode › choice "fast": value "f" → "F"']


def test_an_option_added_shows_it_cut_at_80_characters_and_one_removed_says_so() -> None:
    without = {**DICE, "options": [ROLL]}
    assert labels(DICE, without) == [
        'dice › mode: added {"choices": [{"name": "fast", "value": "f"}], "description": "How", "name": "...'
    ]
    assert labels(without, DICE) == ["dice › mode: removed"]


def test_a_command_field_has_no_place_but_the_command_and_an_unset_side_reads_unset() -> None:
    assert labels({**DICE, "nsfw": True}, DICE) == ["dice: nsfw false → true"]
    assert labels({**DICE, "name_localizations": {"de": "würfel"}}, DICE) == [
        'dice: name_localizations (unset) → {"de": "würfel"}'  # non-ASCII as written, not \\u escapes
    ]
    assert labels(DICE, {**DICE, "name_localizations": {"de": "würfel"}}, command="") == [
        '(command): name_localizations {"de": "würfel"} → (unset)'
    ]


@pytest.mark.parametrize(
    ("command", "change", "label"),
    [
        ("dice", {"path": "nsfw", "before": False, "after": True}, "dice: nsfw false → true"),
        ("", {"path": "nsfw", "before": False, "after": True}, "nsfw false → true"),
        ("dice", {"path": "options[1]", "after": {"a": 1}}, 'dice: options[1] (unset) → {"a": 1}'),
        ("dice", {"path": "x", "where": ["roll"], "field": "", "before": 1, "after": 2}, "dice › roll: 1 → 2"),
    ],
    ids=["older report", "older report, no command", "older report, unset side", "a whole item changed"],
)
def test_a_reports_field_change_is_labelled_with_or_without_its_named_form(
    command: str, change: dict[str, Any], label: str
) -> None:
    assert field_label(command, change) == label


def test_a_field_change_in_json_leaves_an_unset_side_out_and_reads_the_same() -> None:
    change = FieldChange("options[0].max_value", MISSING, 5, ("sides",), "max_value")
    assert change.to_dict() == {"path": "options[0].max_value", "where": ["sides"], "field": "max_value", "after": 5}
    assert change.label("dice") == field_label("dice", change.to_dict()) == "dice › sides: max_value (unset) → 5"
    assert str(change) == "options[0].max_value: (unset) → 5"
    # What a failing assertion or a debugger shows for it: the unset side by the same word.
    assert repr(change) == (
        "FieldChange(path='options[0].max_value', before=(unset), after=5, where=('sides',), leaf='max_value')"
    )


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (MISSING, "(unset)"),
        (None, "null"),
        ("x" * 78, '"' + "x" * 78 + '"'),  # 80 characters with the quotes: shown whole
        ("x" * 79, '"' + "x" * 76 + "..."),  # 81: cut to 77 and the ellipsis
        ({"b": 1, "a": "é"}, '{"a": "é", "b": 1}'),
    ],
    ids=["unset", "null", "80 chars", "81 chars", "object"],
)
def test_a_value_is_shown_as_json_up_to_80_characters(value: Any, shown: str) -> None:
    assert show_value(value) == shown


def named(local: dict[str, Any], remote: dict[str, Any]) -> list[tuple[str, tuple[str, ...], str]]:
    """(path, where, field) of the one modified command's changes: the index form and the reader's form."""
    [change] = build_plan([local], [{"id": "1", **remote}]).modified
    return [(f.path, f.where, f.leaf) for f in change.fields]


def test_each_change_is_named_by_the_options_and_choices_it_sits_in() -> None:
    def dice(**edits: Any) -> dict[str, Any]:
        sides = {**SIDES, **edits.get("sides", {})}
        mode = {**MODE, **edits.get("mode", {})}
        return {**DICE, **edits.get("top", {}), "options": [{**ROLL, "options": [sides]}, mode]}

    assert named(dice(sides={"max_value": 6}), dice()) == [
        ("options[0].options[0].max_value", ("roll", "sides"), "max_value")
    ]
    # A renamed option is named by its new name; a localization by its locale below the field.
    assert named(dice(sides={"name": "faces"}), dice()) == [("options[0].options[0].name", ("roll", "faces"), "name")]
    assert named(dice(top={"name_localizations": {"de": "würfel"}}), dice(top={"name_localizations": {"de": "w"}})) == [
        ("name_localizations.de", (), "name_localizations.de")
    ]
    assert named(dice(mode={"choices": [{"name": "fast", "value": "F"}]}), dice()) == [
        ("options[1].choices[0].value", ("mode", 'choice "fast"'), "value")
    ]
    # Options that appear where there were none: each named, as a whole item (no field).
    bare = {**DICE, "options": []}
    assert named(DICE, bare) == [("options[0]", ("roll",), ""), ("options[1]", ("mode",), "")]
    assert named(bare, DICE) == [("options[0]", ("roll",), ""), ("options[1]", ("mode",), "")]


def test_objects_without_a_name_keep_their_index_in_the_field() -> None:
    # Validation refuses a choice without a name; the plan still says where the difference is.
    unnamed = {**DICE, "options": [ROLL, {**MODE, "choices": [{"value": "f"}]}]}
    other = {**DICE, "options": [ROLL, {**MODE, "choices": [{"value": "g"}]}]}
    assert named(other, unnamed) == [("options[1].choices[0].value", ("mode",), "choices[0].value")]
    [change] = diff_values([{"a": 1}], [{"a": 2}])
    assert (change.path, change.where, change.leaf) == ("[0].a", (), "[0].a")


def discord(command: dict[str, Any], id_: str) -> dict[str, Any]:
    return {"id": id_, "application_id": "1", "version": "3", "type": 1, **command}


def test_each_change_in_the_json_report_says_what_it_costs() -> None:
    remote = [
        discord({"name": "ping", "description": "Pong"}, "1"),
        discord({"name": "gone", "description": "Gone"}, "2"),
        discord({"name": "same", "description": "Same"}, "3"),
        discord({"type": 2, "name": "Hug", "description": ""}, "4"),
    ]
    local = [
        {"name": "latency", "description": "Pong", "renamedFrom": "ping"},
        {"name": "same", "description": "Same"},
        {"name": "new", "description": "New"},
        {"type": 3, "name": "Hug"},
    ]
    plan = build_plan(local, remote)
    assert [(c.kind, c.to_dict()) for c in plan.changes] == [
        ("removed", {"name": "gone", "type": 1, "permissions_lost": True}),
        (
            "modified",
            {
                "name": "latency",
                "type": 1,
                "renamed_from": "ping",
                "fields": [{"path": "name", "where": [], "field": "name", "before": "ping", "after": "latency"}],
                "permissions_lost": True,  # a rename keeps the ID, not the overrides (AC:1401)
            },
        ),
        ("added", {"name": "new", "type": 1}),
        ("unchanged", {"name": "same", "type": 1}),
        ("removed", {"name": "Hug", "type": 2, "replaced_by": {"type": 3, "name": "Hug"}, "permissions_lost": True}),
        ("added", {"name": "Hug", "type": 3, "replaces": {"type": 2, "name": "Hug"}}),
    ]
    assert plan.names() == {
        "added": ["new", "Hug"],
        "modified": ["latency"],
        "removed": ["gone", "Hug"],
        "unchanged": ["same"],
    }
    assert (plan.creates, plan.empty) == (2, False)


def test_a_kept_live_value_is_reported_with_its_command_field_and_note() -> None:
    remote = discord({"name": "secret", "description": "S", "dm_permission": False, "contexts": [0]}, "1")
    assert build_plan([{"type": 1, "name": "secret", "description": "S"}], [remote]).kept_fields() == [
        {
            "name": "secret",
            "type": 1,
            "field": "contexts",
            "value": [0],
            "note": "secret: contexts not in the file: live [0] is kept; state it to change it",
        },
        {
            "name": "secret",
            "type": 1,
            "field": "dm_permission",
            "value": False,
            "note": "secret: dm_permission not in the file: live false is kept; state it to change it",
        },
    ]


@pytest.mark.parametrize(
    ("kind", "name"),
    [(1, "slash"), (2, "user menu"), (3, "message menu"), (4, "entry point"), (5, "5"), ("chat", "chat")],
)
def test_a_command_type_is_named_as_a_reader_knows_it(kind: Any, name: str) -> None:
    assert type_name(kind) == name


def test_the_notes_of_a_kept_entry_point_and_of_an_entry_point_move_in_full() -> None:
    assert change_notes({"change": "kept", "name": "launch", "type": 4}) == [
        "entry point not in the command files: kept as it is (carried over in every bulk write: Discord refuses one "
        "that leaves it out)"
    ]
    moved = {"change": "removed", "name": "launch", "type": 4, "replaced_by": {"type": 4, "name": "play"}}
    assert change_notes(moved) == [
        'the entry point moves to play: destructive, this one is deleted (an app has one entry point); "renamedFrom": '
        '"launch" on play would keep its ID instead'
    ]
    assert change_notes({"change": "modified", "name": "ping", "type": 1, "fields": []}) == []


def test_field_changes_are_equal_by_place_and_values_whatever_their_reader_s_names() -> None:
    # The named form is derived for the reader; a change is the same change at the same path with the same values.
    assert FieldChange("options[0].min_value", 1, 2, ("old",), "min_value") == FieldChange("options[0].min_value", 1, 2)
    assert FieldChange("options[0].min_value", 1, 2) != FieldChange("options[0].min_value", 1, 3)
