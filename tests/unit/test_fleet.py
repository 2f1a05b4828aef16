"""The fleet's findings (``commands/fleet.py``): what each guild holds against what the files put there.

Every finding kind (stale, duplicate, no scope, differs, failed), the clean count, the order of guilds and of
names, empty inputs, and a guild's compact checkpoint record. Expected values are written out in full."""

from __future__ import annotations

from typing import Any

import pytest

from alia_action.commands.fleet import Findings, GuildReading, assess, reading_of

CHAT, USER, MESSAGE = 1, 2, 3
STAGING = "1180000000000000500"
NO_PLAN: dict[str, list[str]] = {"added": [], "modified": [], "removed": []}


def ok(guild: str, *commands: tuple[int, str], **plan: list[str]) -> GuildReading:
    return GuildReading(guild, "ok", tuple(sorted(commands)), {**NO_PLAN, **plan})


# --- empty inputs ----------------------------------------------------------------------------------------------


def test_a_new_findings_is_empty_and_counts_nothing() -> None:
    found = Findings()
    assert (found.stale, found.duplicates, found.no_scope, found.differs, found.failed) == ([], [], [], [], [])
    assert (found.guilds, found.clean, found.count) == (0, 0, 0)


def test_no_guilds_gives_no_findings() -> None:
    found = assess([], [(CHAT, "ping")], {STAGING: [(CHAT, "ping")]}, STAGING)
    assert found == Findings([], [], [], [], [], guilds=0, clean=0)
    assert found.count == 0


def test_an_empty_guild_with_no_globals_and_nothing_desired_is_clean() -> None:
    found = assess([ok("7")], [], {}, None)
    assert found == Findings([], [], [], [], [], guilds=1, clean=1)
    assert found.count == 0


# --- one guild, one finding kind at a time ---------------------------------------------------------------------

GLOBALS = [(CHAT, "ping"), (USER, "Profile")]


@pytest.mark.parametrize(
    ("reading", "desired", "stale", "duplicates", "differs", "clean"),
    [
        # Holds exactly what the files put there: clean.
        (ok("5", (CHAT, "deploy")), {"5": [(CHAT, "deploy")]}, [], [], [], 1),
        # Holds nothing and the files put nothing there: clean.
        (ok("5"), {}, [], [], [], 1),
        # Holds a command the files do not put anywhere in it: stale.
        (ok("5", (CHAT, "old")), {}, [{"guild": "5", "names": ["old"]}], [], [], 0),
        # A guild the files put commands in, holding one more: that one is stale.
        (
            ok("5", (CHAT, "deploy"), (CHAT, "old")),
            {"5": [(CHAT, "deploy")]},
            [{"guild": "5", "names": ["old"]}],
            [],
            [],
            0,
        ),
        # Same name, another type than the files put there: still stale (names are unique per type).
        (ok("5", (USER, "deploy")), {"5": [(CHAT, "deploy")]}, [{"guild": "5", "names": ["deploy"]}], [], [], 0),
        # A global name of the same type, wanted in this guild: a duplicate only.
        (
            ok("5", (CHAT, "ping")),
            {"5": [(CHAT, "ping")]},
            [],
            [{"guild": "5", "names": ["ping"], "staging": False}],
            [],
            0,
        ),
        # A global name of another type is no duplicate (members see two different commands).
        (ok("5", (MESSAGE, "ping")), {"5": [(MESSAGE, "ping")]}, [], [], [], 1),
        # Wanted, plan not empty: differs, with every part named even when empty.
        (
            ok("5", (CHAT, "deploy"), modified=["deploy"]),
            {"5": [(CHAT, "deploy")]},
            [],
            [],
            [{"guild": "5", "added": [], "modified": ["deploy"], "removed": []}],
            0,
        ),
        (
            ok("5", added=["deploy"], removed=["gone"]),
            {"5": [(CHAT, "deploy")]},
            [],
            [],
            [{"guild": "5", "added": ["deploy"], "modified": [], "removed": ["gone"]}],
            0,
        ),
        # A plan on a guild the files put nothing in is not a difference (its commands are stale instead).
        (ok("5", added=["deploy"]), {}, [], [], [], 1),
    ],
)
def test_one_guild(
    reading: GuildReading,
    desired: dict[str, list[tuple[int, str]]],
    stale: list[dict[str, Any]],
    duplicates: list[dict[str, Any]],
    differs: list[dict[str, Any]],
    clean: int,
) -> None:
    found = assess([reading], GLOBALS, desired, STAGING)
    assert found == Findings(stale, duplicates, [], differs, [], guilds=1, clean=clean)
    assert found.count == len(stale) + len(duplicates) + len(differs)


def test_a_stale_global_name_is_both_stale_and_a_duplicate() -> None:
    found = assess([ok("5", (CHAT, "ping"))], GLOBALS, {}, None)
    assert found == Findings(
        stale=[{"guild": "5", "names": ["ping"]}],
        duplicates=[{"guild": "5", "names": ["ping"], "staging": False}],
        guilds=1,
        clean=0,
    )
    assert found.count == 2


def test_a_duplicate_in_the_staging_guild_says_so() -> None:
    found = assess(
        [ok(STAGING, (USER, "Profile")), ok("9", (USER, "Profile"))], GLOBALS, {STAGING: [(USER, "Profile")]}, STAGING
    )
    assert found.duplicates == [
        {"guild": "9", "names": ["Profile"], "staging": False},
        {"guild": STAGING, "names": ["Profile"], "staging": True},
    ]
    assert found.stale == [{"guild": "9", "names": ["Profile"]}]


def test_no_staging_guild_marks_no_duplicate_as_staging() -> None:
    found = assess([ok(STAGING, (CHAT, "ping"))], GLOBALS, {STAGING: [(CHAT, "ping")]}, None)
    assert found.duplicates == [{"guild": STAGING, "names": ["ping"], "staging": False}]


@pytest.mark.parametrize(
    ("reading", "no_scope", "failed"),
    [
        (GuildReading("5", "no_scope"), ["5"], []),
        (
            GuildReading("5", "failed", error="404 Unknown Guild (10004)"),
            [],
            [{"guild": "5", "error": "404 Unknown Guild (10004)"}],
        ),
        (GuildReading("5", "failed"), [], [{"guild": "5", "error": "unknown error"}]),
        (GuildReading("5", "failed", error=""), [], [{"guild": "5", "error": "unknown error"}]),
    ],
)
def test_an_unreadable_guild_is_reported_and_never_clean(
    reading: GuildReading, no_scope: list[str], failed: list[dict[str, str]]
) -> None:
    found = assess([reading], GLOBALS, {"5": [(CHAT, "deploy")]}, STAGING)
    assert found == Findings([], [], no_scope, [], failed, guilds=1, clean=0)
    assert found.count == 1


def test_an_unreadable_guild_is_judged_by_its_status_alone() -> None:
    """Commands or a plan left on an unreadable guild's record say nothing: it is only unreadable."""
    readings = [
        GuildReading("5", "no_scope", ((CHAT, "ping"),), {"added": ["x"]}),
        GuildReading("6", "failed", ((CHAT, "ping"),), {"added": ["x"]}, "boom"),
    ]
    found = assess(readings, GLOBALS, {"5": [], "6": []}, STAGING)
    assert found == Findings([], [], ["5"], [], [{"guild": "6", "error": "boom"}], guilds=2, clean=0)


def test_a_plan_record_without_every_part_still_names_all_three() -> None:
    reading = GuildReading("5", "ok", (), {"removed": ["gone"]})
    found = assess([reading], [], {"5": []}, None)
    assert found.differs == [{"guild": "5", "added": [], "modified": [], "removed": ["gone"]}]


# --- a fleet: every kind at once, ordering ---------------------------------------------------------------------


def test_a_fleet_reports_every_kind_by_guild_id_in_numeric_order() -> None:
    readings = [
        ok("300", (CHAT, "old")),  # stale
        GuildReading("20", "no_scope"),
        ok("1000", (CHAT, "deploy")),  # clean
        GuildReading("4", "failed", error="timed out"),
        ok("100", (CHAT, "ping")),  # stale and duplicate
        ok("21", (CHAT, "deploy"), added=["status"]),  # differs
        GuildReading("3", "no_scope"),
        ok("9"),  # clean
        ok("1001", (CHAT, "deploy")),  # clean
        GuildReading("35", "failed"),
        ok("22", (CHAT, "gone")),  # stale
    ]
    desired = {"21": [(CHAT, "deploy"), (CHAT, "status")], "1000": [(CHAT, "deploy")], "1001": [(CHAT, "deploy")]}
    found = assess(readings, GLOBALS, desired, STAGING)
    assert found == Findings(
        stale=[
            {"guild": "22", "names": ["gone"]},
            {"guild": "100", "names": ["ping"]},
            {"guild": "300", "names": ["old"]},
        ],
        duplicates=[{"guild": "100", "names": ["ping"], "staging": False}],
        no_scope=["3", "20"],
        differs=[{"guild": "21", "added": ["status"], "modified": [], "removed": []}],
        failed=[{"guild": "4", "error": "timed out"}, {"guild": "35", "error": "unknown error"}],
        guilds=11,
        clean=3,
    )
    assert found.count == 3 + 1 + 2 + 1 + 2


def test_names_are_listed_in_name_order() -> None:
    live = [(MESSAGE, "zeta"), (USER, "alpha"), (CHAT, "Zeta"), (CHAT, "mid"), (USER, "mid")]
    found = assess([ok("5", *live)], [(CHAT, "mid"), (MESSAGE, "zeta"), (USER, "alpha")], {}, None)
    assert found.stale == [{"guild": "5", "names": ["Zeta", "alpha", "mid", "mid", "zeta"]}]
    assert found.duplicates == [{"guild": "5", "names": ["alpha", "mid", "zeta"], "staging": False}]


def test_count_adds_every_kind() -> None:
    found = Findings(
        stale=[{"guild": "1", "names": ["a"]}],
        duplicates=[{"guild": str(g), "names": ["a"], "staging": False} for g in range(2)],
        no_scope=[str(g) for g in range(4)],
        differs=[{"guild": str(g), "added": ["a"], "modified": [], "removed": []} for g in range(8)],
        failed=[{"guild": str(g), "error": "e"} for g in range(16)],
    )
    assert found.count == 31


# --- reading a guild and its checkpoint record -----------------------------------------------------------------


def test_reading_of_keys_the_live_commands_sorted_and_names_every_plan_part() -> None:
    live: list[dict[str, Any]] = [
        {"name": "ping", "description": "p"},
        {"name": "Profile", "type": USER},
        {"name": "archive", "type": CHAT, "description": "a"},
    ]
    reading = reading_of("5", live, {"modified": ["ping"], "renamed": ["x"]})
    assert reading == GuildReading(
        "5",
        "ok",
        ((CHAT, "archive"), (CHAT, "ping"), (USER, "Profile")),
        {"added": [], "modified": ["ping"], "removed": []},
    )


def test_reading_of_an_empty_guild_with_no_plan() -> None:
    assert reading_of("5", [], {}) == GuildReading("5", "ok", (), {"added": [], "modified": [], "removed": []})


@pytest.mark.parametrize(
    ("reading", "record"),
    [
        # A clean guild: id and status only, whatever empty plan parts it carries.
        (GuildReading("5", "ok"), {"id": "5", "status": "ok"}),
        (GuildReading("5", "ok", (), dict(NO_PLAN)), {"id": "5", "status": "ok"}),
        (GuildReading("5", "no_scope"), {"id": "5", "status": "no_scope"}),
        (GuildReading("5", "failed", error="timed out"), {"id": "5", "status": "failed", "error": "timed out"}),
        (
            GuildReading("5", "ok", ((CHAT, "ping"), (USER, "Profile"))),
            {"id": "5", "status": "ok", "commands": [[CHAT, "ping"], [USER, "Profile"]]},
        ),
        # Only the non-empty plan parts are kept.
        (
            GuildReading("5", "ok", ((CHAT, "ping"),), {"added": ["status"], "modified": [], "removed": ["old"]}),
            {
                "id": "5",
                "status": "ok",
                "commands": [[CHAT, "ping"]],
                "plan": {"added": ["status"], "removed": ["old"]},
            },
        ),
    ],
)
def test_a_guild_record_is_compact_and_reads_back(reading: GuildReading, record: dict[str, Any]) -> None:
    assert reading.to_dict() == record
    back = GuildReading.from_dict(record)
    assert (back.guild_id, back.status, back.commands, back.error) == (
        reading.guild_id,
        reading.status,
        reading.commands,
        reading.error,
    )
    assert back.plan == {k: list(v) for k, v in reading.plan.items() if v}


def test_a_record_read_back_takes_the_types_it_names() -> None:
    back = GuildReading.from_dict(
        {"id": 5, "status": "failed", "commands": [["2", 7]], "plan": {"added": [8]}, "error": 404}
    )
    assert back == GuildReading("5", "failed", ((USER, "7"),), {"added": ["8"]}, "404")


@pytest.mark.parametrize(
    ("record", "error"),
    [
        ({"id": "5", "status": "gone"}, "unknown status 'gone'"),
        ({"id": "5", "status": "OK"}, "unknown status 'OK'"),
    ],
)
def test_a_record_with_an_unknown_status_is_refused(record: dict[str, Any], error: str) -> None:
    with pytest.raises(ValueError) as caught:
        GuildReading.from_dict(record)
    assert str(caught.value) == error


@pytest.mark.parametrize("missing", ["id", "status"])
def test_a_record_without_its_id_or_status_is_refused(missing: str) -> None:
    record = {"id": "5", "status": "ok"}
    del record[missing]
    with pytest.raises(KeyError):
        GuildReading.from_dict(record)
