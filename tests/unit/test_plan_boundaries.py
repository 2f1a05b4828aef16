"""Every comparison rule of canonical.py and plan.py, one field at a time, in every position.

A change of one field alone (in the first, a middle and the last option or choice; an option or choice
removed, added or moved) must be planned as exactly that change; a non-change (Discord's defaults, a set-like
field in another order) must not be planned. The expected field changes are written out here, not derived
from the planner: the planner must not be its own judge.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from alia_action.commands.plan import MISSING, build_plan

OPTIONS = [
    {"type": 3, "name": "first", "description": "First one", "required": True},
    {"type": 4, "name": "middle", "description": "Middle one"},
    {"type": 5, "name": "last", "description": "Last one"},
]
CHOICES = [{"name": "red", "value": "r"}, {"name": "green", "value": "g"}, {"name": "blue", "value": "b"}]
COMMAND: dict[str, Any] = {
    "name": "paint",
    "description": "Paint something",
    "options": [*OPTIONS, {"type": 3, "name": "colour", "description": "Which colour", "choices": CHOICES}],
}


def live(command: dict[str, Any]) -> dict[str, Any]:
    """``command`` as Discord's GET returns it (server fields, Discord's defaults filled in)."""
    return {
        "id": "77",
        "application_id": "1",
        "version": "5",
        "type": 1,
        "default_member_permissions": None,
        "dm_permission": True,
        "nsfw": False,
        "contexts": None,
        "integration_types": [0],
        **copy.deepcopy(command),
    }


def changes(local: dict[str, Any], remote: dict[str, Any], *, guild: bool = False) -> list[tuple[str, Any, Any]]:
    """(path, before, after) of the one command's planned field changes; [] when the plan is empty."""
    plan = build_plan([local], [live(remote)], guild=guild)
    if plan.empty:
        return []
    (change,) = plan.modified
    return [(f.path, f.before, f.after) for f in change.fields]


def with_options(options: list[dict[str, Any]]) -> dict[str, Any]:
    return {**COMMAND, "options": options}


def with_choices(choices: list[dict[str, Any]]) -> dict[str, Any]:
    colour = {**COMMAND["options"][3], "choices": choices}
    return with_options([*OPTIONS, colour])


def test_the_same_command_is_unchanged() -> None:
    assert changes(COMMAND, COMMAND) == []


@pytest.mark.parametrize(("index", "name"), [(0, "first"), (1, "middle"), (2, "last")])
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("description", "Edited"),
        ("name", "renamed"),
        ("type", 6),
        ("min_length", 2),
        ("max_length", 50),
        ("min_value", -1),
        ("max_value", 9),
        ("autocomplete", True),
        ("name_localizations", {"de": "anders"}),
        ("description_localizations", {"de": "Anders"}),
    ],
)
def test_an_option_field_changed_in_any_position_is_that_change(index: int, name: str, field: str, value: Any) -> None:
    options = copy.deepcopy(OPTIONS)
    options[index][field] = value
    before = OPTIONS[index].get(field, MISSING)
    assert changes(with_options(options), with_options(OPTIONS)) == [(f"options[{index}].{field}", before, value)]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_an_option_removed_from_any_position_is_planned(index: int) -> None:
    kept = [o for i, o in enumerate(OPTIONS) if i != index]
    planned = changes(with_options(kept), with_options(OPTIONS))
    assert planned, "a removed option must change the plan"
    # The trailing position is where the list got shorter: the last live option is gone, whatever moved up.
    assert (f"options[{len(OPTIONS) - 1}]", OPTIONS[-1], MISSING) in planned


def test_a_trailing_option_removed_is_exactly_that_removal() -> None:
    assert changes(with_options(OPTIONS[:2]), with_options(OPTIONS[:3])) == [("options[2]", OPTIONS[2], MISSING)]


def test_a_trailing_option_added_is_exactly_that_addition() -> None:
    assert changes(with_options(OPTIONS[:3]), with_options(OPTIONS[:2])) == [("options[2]", MISSING, OPTIONS[2])]


def test_the_only_options_removed_are_planned() -> None:
    bare = {k: v for k, v in COMMAND.items() if k != "options"}
    planned = changes(bare, COMMAND)
    assert [p for p, _, _ in planned] == [f"options[{i}]" for i in range(4)]


def test_an_option_added_first_is_planned() -> None:
    extra = {"type": 3, "name": "zero", "description": "New first", "required": True}
    planned = changes(with_options([extra, *OPTIONS]), with_options(OPTIONS))
    assert ("options[0].name", "first", "zero") in planned
    assert ("options[3]", MISSING, OPTIONS[2]) in planned


def test_options_reordered_are_a_change() -> None:
    swapped = [OPTIONS[0], OPTIONS[2], OPTIONS[1]]
    planned = changes(with_options(swapped), with_options(OPTIONS))
    assert ("options[1].name", "middle", "last") in planned
    assert ("options[2].name", "last", "middle") in planned


@pytest.mark.parametrize("index", [0, 1, 2])
@pytest.mark.parametrize(("field", "value"), [("name", "purple"), ("value", "p")])
def test_a_choice_changed_in_any_position_is_that_change(index: int, field: str, value: str) -> None:
    choices = copy.deepcopy(CHOICES)
    before = choices[index][field]
    choices[index][field] = value
    assert changes(with_choices(choices), with_choices(CHOICES)) == [
        (f"options[3].choices[{index}].{field}", before, value)
    ]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_choice_s_localized_name_added_changed_or_removed_is_that_change(index: int) -> None:
    # A survivor of mutmut over canonical.py: dropping choices' name_localizations from the comparison passed
    # every test, so a translated choice would never have been deployed.
    localized = copy.deepcopy(CHOICES)
    localized[index]["name_localizations"] = {"de": "Farbe"}
    path = f"options[3].choices[{index}].name_localizations"
    assert changes(with_choices(localized), with_choices(CHOICES)) == [(path, MISSING, {"de": "Farbe"})]
    assert changes(with_choices(CHOICES), with_choices(localized)) == [(path, {"de": "Farbe"}, MISSING)]
    retranslated = copy.deepcopy(localized)
    retranslated[index]["name_localizations"] = {"de": "Tinte"}
    assert changes(with_choices(retranslated), with_choices(localized)) == [(f"{path}.de", "Farbe", "Tinte")]
    same_as_name = copy.deepcopy(CHOICES)
    same_as_name[index]["name_localizations"] = {"de": CHOICES[index]["name"]}  # Discord drops it: no change
    assert changes(with_choices(same_as_name), with_choices(CHOICES)) == []


def test_choices_reordered_are_a_change_users_see() -> None:
    # Discord shows choices in the order given (AC:330): a new order is a change to deploy.
    reordered = [CHOICES[2], CHOICES[0], CHOICES[1]]
    planned = changes(with_choices(reordered), with_choices(CHOICES))
    assert planned == [
        ("options[3].choices[0].name", "red", "blue"),
        ("options[3].choices[0].value", "r", "b"),
        ("options[3].choices[1].name", "green", "red"),
        ("options[3].choices[1].value", "g", "r"),
        ("options[3].choices[2].name", "blue", "green"),
        ("options[3].choices[2].value", "b", "g"),
    ]


def test_a_trailing_choice_removed_and_added() -> None:
    assert changes(with_choices(CHOICES[:2]), with_choices(CHOICES)) == [("options[3].choices[2]", CHOICES[2], MISSING)]
    assert changes(with_choices(CHOICES), with_choices(CHOICES[:2])) == [("options[3].choices[2]", MISSING, CHOICES[2])]


@pytest.mark.parametrize(
    ("field", "value", "before"),
    [
        ("description", "Paint it", "Paint something"),
        ("nsfw", True, False),
        ("default_member_permissions", "0", None),
        ("default_member_permissions", "8", None),
        ("name_localizations", {"de": "malen"}, MISSING),
        ("description_localizations", {"de": "Etwas malen"}, MISSING),
    ],
)
def test_a_command_field_changed_alone_is_that_change(field: str, value: Any, before: Any) -> None:
    assert changes({**COMMAND, field: value}, COMMAND) == [(field, before, value)]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("name_localizations", {"de": "malen"}),
        ("description_localizations", {"de": "Etwas malen"}),
        ("default_member_permissions", "8"),
        ("nsfw", True),
    ],
)
def test_a_live_field_the_file_no_longer_states_is_planned_back_to_its_default(field: str, value: Any) -> None:
    # "Compare only what the file states" is for the fields Discord fills its own way (contexts,
    # integration_types, handler, the deprecated flags); everything else the file leaves out means "unset".
    default = {"nsfw": False, "default_member_permissions": None}.get(field, MISSING)
    assert changes(COMMAND, {**COMMAND, field: value}) == [(field, value, default)]


def test_live_option_fields_the_file_leaves_out_are_planned_away() -> None:
    options = copy.deepcopy(OPTIONS)
    options[1]["min_value"] = 1
    options[2]["description_localizations"] = {"de": "Letzte"}
    assert changes(with_options(OPTIONS), with_options(options)) == [
        ("options[1].min_value", 1, MISSING),
        ("options[2].description_localizations", {"de": "Letzte"}, MISSING),
    ]


@pytest.mark.parametrize(
    "discord_default",
    [
        {"nsfw": None},
        {"default_member_permissions": None},
        {"name_localizations": None},
        {"name_localizations": {}},
        {"description_localizations": None},
        {"dm_permission": True},
        {"default_permission": True},
        {"contexts": [0, 1, 2]},
        {"integration_types": [0, 1]},
    ],
    ids=lambda d: f"{next(iter(d))}={next(iter(d.values()))}",
)
def test_discord_defaults_the_file_leaves_out_are_not_a_change(discord_default: dict[str, Any]) -> None:
    assert changes(COMMAND, {**COMMAND, **discord_default}) == []


def test_no_options_and_an_empty_option_list_are_the_same() -> None:
    bare = {k: v for k, v in COMMAND.items() if k != "options"}
    assert changes(bare, {**bare, "options": []}) == []
    assert changes({**bare, "options": []}, bare) == []


def test_option_defaults_discord_omits_or_echoes_are_not_a_change() -> None:
    stated = copy.deepcopy(OPTIONS)
    stated[1]["required"] = False
    stated[2]["autocomplete"] = False
    stated[2]["name_localizations"] = {"de": "last"}  # equal to the default name: Discord drops it
    assert changes(with_options(stated), with_options(OPTIONS)) == []
    assert changes(with_options(OPTIONS), with_options(stated)) == []


@pytest.mark.parametrize(
    ("field", "mine", "theirs"),
    [
        ("contexts", [2, 0, 1], [0, 1, 2]),
        ("integration_types", [1, 0], [0, 1]),
    ],
)
def test_command_set_fields_in_another_order_are_not_a_change(field: str, mine: list[int], theirs: list[int]) -> None:
    assert changes({**COMMAND, field: mine}, {**COMMAND, field: theirs}) == []
    assert changes({**COMMAND, field: mine[:-1]}, {**COMMAND, field: theirs}) != []


@pytest.mark.parametrize(
    ("kind", "field", "mine", "theirs"),
    [(7, "channel_types", [5, 0, 2], [0, 2, 5]), (11, "file_types", [".PNG", "image"], ["image", ".png"])],
)
def test_option_set_fields_in_another_order_are_not_a_change(
    kind: int, field: str, mine: list[Any], theirs: list[Any]
) -> None:
    def one(values: list[Any]) -> dict[str, Any]:
        return with_options([{"type": kind, "name": "where", "description": "Where", field: values}])

    assert changes(one(mine), one(theirs)) == []
    assert changes(one(mine[:-1]), one(theirs)) != []


def test_a_stated_context_list_is_compared_and_an_unstated_one_is_not() -> None:
    # (dm_permission follows contexts: without BOT_DM it becomes false, which the plan shows too.)
    assert ("contexts", [0, 1, 2], [0]) in changes({**COMMAND, "contexts": [0]}, {**COMMAND, "contexts": [0, 1, 2]})
    assert changes(COMMAND, {**COMMAND, "contexts": [0]}) == []


def test_global_only_fields_are_ignored_on_a_guild_and_compared_globally() -> None:
    mine = {**COMMAND, "dm_permission": False}
    assert changes(mine, COMMAND, guild=True) == []
    assert changes(mine, COMMAND) == [("dm_permission", True, False)]


def test_permissions_null_and_zero_differ_and_equal_numbers_do_not() -> None:
    assert changes({**COMMAND, "default_member_permissions": "0"}, COMMAND) == [
        ("default_member_permissions", None, "0")
    ]
    assert (
        changes({**COMMAND, "default_member_permissions": "08"}, {**COMMAND, "default_member_permissions": "8"}) == []
    )


def test_a_number_echoed_as_a_float_is_not_a_change() -> None:
    mine = with_options([{"type": 10, "name": "amount", "description": "How much", "min_value": 1}])
    theirs = with_options([{"type": 10, "name": "amount", "description": "How much", "min_value": 1.0}])
    assert changes(mine, theirs) == []
    theirs["options"][0]["min_value"] = 1.5
    assert changes(mine, theirs) == [("options[0].min_value", 1.5, 1)]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_required_turned_on_or_off_in_any_position_is_that_change(index: int) -> None:
    options = copy.deepcopy(OPTIONS)
    was = options[index].pop("required", False)  # false and unset are the same to Discord
    if not was:
        options[index]["required"] = True
    expected = [
        (f"options[{index}].required", MISSING, True) if not was else (f"options[{index}].required", True, MISSING)
    ]
    assert changes(with_options(options), with_options(OPTIONS)) == expected


SUBCOMMANDS = [
    {"type": 1, "name": name, "description": name.title(), "options": copy.deepcopy(OPTIONS)}
    for name in ("add", "edit", "drop")
]


@pytest.mark.parametrize("sub", [0, 1, 2])
@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_subcommand_s_option_changed_in_any_position_is_that_change(sub: int, index: int) -> None:
    edited = copy.deepcopy(SUBCOMMANDS)
    edited[sub]["options"][index]["description"] = "Edited"
    before = OPTIONS[index]["description"]
    assert changes(with_options(edited), with_options(SUBCOMMANDS)) == [
        (f"options[{sub}].options[{index}].description", before, "Edited")
    ]


@pytest.mark.parametrize("sub", [0, 1, 2])
def test_a_subcommand_s_trailing_option_removed_or_added_is_exactly_that(sub: int) -> None:
    shorter = copy.deepcopy(SUBCOMMANDS)
    shorter[sub]["options"] = OPTIONS[:2]
    path = f"options[{sub}].options[2]"
    assert changes(with_options(shorter), with_options(SUBCOMMANDS)) == [(path, OPTIONS[2], MISSING)]
    assert changes(with_options(SUBCOMMANDS), with_options(shorter)) == [(path, MISSING, OPTIONS[2])]


@pytest.mark.parametrize("index", [0, 1, 2])
def test_a_choice_removed_from_any_position_is_planned_down_to_the_last_place(index: int) -> None:
    kept = [c for i, c in enumerate(CHOICES) if i != index]
    moved = [
        (f"options[3].choices[{i}].{field}", CHOICES[i][field], CHOICES[i + 1][field])
        for i in range(index, 2)
        for field in ("name", "value")
    ]
    assert changes(with_choices(kept), with_choices(CHOICES)) == [
        *moved,
        ("options[3].choices[2]", CHOICES[2], MISSING),
    ]


@pytest.mark.parametrize(
    ("field", "mine", "theirs"),
    [
        ("contexts", [0, 1], [0, 1, 2]),
        ("integration_types", [0, 1], [0]),
        ("default_permission", False, True),
    ],
)
def test_a_stated_kept_field_changed_alone_is_that_change(field: str, mine: Any, theirs: Any) -> None:
    # Fields Discord fills its own way count once the file states them (dm_permission agrees with contexts: [0, 1]
    # holds BOT_DM, so it stays true).
    assert changes({**COMMAND, field: mine}, {**COMMAND, field: theirs}) == [(field, theirs, mine)]
    assert changes({**COMMAND, field: theirs}, {**COMMAND, field: theirs}) == []
