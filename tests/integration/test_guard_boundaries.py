"""The deletion guard and the circuit breaker, just inside and just outside every threshold, zero included.

Deploys run against the emulator; the clock is the run's own (``Runtime(now=...)``), so an age is exact to
the second and no test waits. What a refused deploy wrote is read from the emulator's request log.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest

from alia_action.commands.plan import Plan, build_plan
from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.errors import DeployError
from alia_action.handlers import deploy, promote, stage
from alia_action.runtime import Runtime, utc_now
from alia_action.scope import Scope
from alia_action.steps.apply import DeploymentGuard
from alia_action.steps.breaker import CircuitOpen
from alia_action.steps.guards import deletion_limit, plan_verdicts
from alia_action.steps.validation import load_and_validate
from alia_action.stores.ledger import FileLedger, LedgerEntry
from alia_action.wording import ACTION
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID

T0 = datetime(2026, 3, 2, 9, 0, 0, tzinfo=utc_now().tzinfo)


@pytest.fixture
def at(ctx: Runtime) -> Iterator[list[Runtime]]:
    """Runtimes on the same workspace with a fixed clock: ``clock(seconds)`` is T0 + seconds."""
    made: list[Runtime] = []
    yield made
    for runtime in made:
        runtime.close()


def clock(made: list[Runtime], ctx: Runtime, seconds: float) -> Runtime:
    moment = T0 + timedelta(seconds=seconds)
    runtime = Runtime(workspace=ctx.workspace, client_options=dict(FAST), now=lambda: moment)
    made.append(runtime)
    return runtime


def extra_live(live: Emulator, count: int) -> None:
    """``count`` commands live in the staging guild that the files do not define: the plan removes them."""
    held = live.commands(APP_ID, GUILD_ID)
    extra = [{"name": f"gone{i}", "description": "Only live", "type": 1} for i in range(count)]
    live.set_commands(APP_ID, GUILD_ID, [*held, *extra])


def live_names(live: Emulator) -> set[str]:
    return {c["name"] for c in live.commands(APP_ID, GUILD_ID)}


# ------------------------------------------------------------------------------------------ deletion guard


@pytest.mark.parametrize(
    ("max_deletions", "removed", "passes"),
    [
        (0, 0, True),  # an explicit zero: nothing may go ...
        (0, 1, False),  # ... not even one (not the guild default of 5)
        (None, 5, True),  # the guild default: 5 ...
        (None, 6, False),  # ... and no more
        (2, 2, True),
        (2, 3, False),
    ],
)
def test_deletion_guard_on_a_guild(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, max_deletions: int | None, removed: int, passes: bool
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    extra_live(live, removed)
    before = live_names(live)
    mark = len(live.requests)
    settings = make_settings(action="stage", max_deletions=max_deletions)
    if passes:
        stage.run(settings, ctx)
        assert not any(name.startswith("gone") for name in live_names(live))
    else:
        with pytest.raises(DeploymentGuard, match=f"would remove {removed} command"):
            stage.run(settings, ctx)
        assert [r.method for r in live.requests[mark:]] == ["GET"]  # read, then stopped: nothing written
        assert live_names(live) == before


def test_allow_deletions_lets_any_number_through(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    stage.run(make_settings(action="stage"), ctx)
    extra_live(live, 7)
    stage.run(make_settings(action="stage", max_deletions=0, allow_deletions=True), ctx)
    assert not any(name.startswith("gone") for name in live_names(live))


@pytest.mark.parametrize(
    ("values", "guild", "limit"),
    [
        ({}, "1", 5),
        ({}, None, 0),
        ({"max_deletions": "0"}, "1", 0),
        ({"max_deletions": "0"}, None, 0),
        ({"max_deletions": "1"}, None, 1),
        ({"max_deletions": "9"}, "1", 9),
        ({"max_deletions": "0", "allow_deletions": True}, "1", None),
        ({"allow_deletions": True}, None, None),
    ],
)
def test_deletion_limit_per_scope(values: dict[str, object], guild: str | None, limit: int | None) -> None:
    settings = Settings.from_cli({"commands": "commands", **values}, {}, None)
    assert deletion_limit(settings, Scope.of(guild)) == limit


# ------------------------------------------------------------------------------------------ circuit breaker


@pytest.mark.parametrize(
    ("age", "max_age", "passes"),
    [
        (3600, None, True),  # exactly the default staging-max-age (1 h): still young enough
        (3601, None, False),  # one second older
        (86400 + 600, None, False),  # a day and ten minutes: older, whichever part of the age is read
        (86400 + 600, "2d", True),
        (1, "1s", True),  # the smallest staging-max-age there is (zero is refused as a setting)
        (2, "1s", False),
        (-120, None, True),  # recorded 2 min "in the future": within the allowed clock skew
        (-121, None, False),  # one second past the skew: a record from the future is not trusted
    ],
)
def test_breaker_staging_age(
    live: Emulator,
    make_settings: SettingsFactory,
    ctx: Runtime,
    at: list[Runtime],
    age: int,
    max_age: str | None,
    passes: bool,
) -> None:
    stage.run(make_settings(action="stage"), clock(at, ctx, 0))
    mark = len(live.requests)
    extra = {} if max_age is None else {"staging_max_age": max_age}
    settings = make_settings(action="promote", **extra)
    later = clock(at, ctx, age)
    if passes:
        promote.run(settings, later)
        assert "PUT" in [r.method for r in live.requests[mark:]]
        assert len(live.commands(APP_ID)) > 0
    else:
        # Refused for the reason that holds: too old, or (dated beyond the allowed clock skew) not believed.
        why = "no successful staging deploy to guild" if age < 0 else "older than staging-max-age"
        with pytest.raises(promote.CircuitOpen, match=why):
            promote.run(settings, later)
        assert live.requests[mark:] == []  # refused before any request
        assert live.commands(APP_ID) == []


# ------------------------------------------------------------------------------- what detect says of a plan


def plan_of(added: int, removed: int) -> Plan:
    """A plan adding ``added`` new commands and removing ``removed`` live ones."""
    local = [{"name": f"new{i}", "description": "New"} for i in range(added)]
    live = [{"id": str(i), "type": 1, "name": f"old{i}", "description": "Old"} for i in range(removed)]
    return build_plan(local, live, guild=True)


def verdicts(settings: Settings, ctx: Runtime, plan: Plan, guild: str | None = GUILD_ID) -> list[tuple[str, bool]]:
    return [(v["guard"], v["blocks"]) for v in plan_verdicts(settings, ctx, plan, Scope.of(guild), APP_ID)]


@pytest.mark.parametrize(
    ("max_deletions", "removed", "blocks"),
    [(None, 5, False), (None, 6, True), (0, 1, True), (2, 2, False), (2, 3, True)],
)
def test_detect_says_what_the_deletion_guard_will_do(
    make_settings: SettingsFactory, ctx: Runtime, max_deletions: int | None, removed: int, blocks: bool
) -> None:
    settings = make_settings(action="detect", max_deletions=max_deletions)
    assert verdicts(settings, ctx, plan_of(0, removed)) == [("deletion", blocks)]
    assert verdicts(settings, ctx, plan_of(0, 0)) == []


@pytest.mark.parametrize(
    ("creates", "said"),
    [
        (149, []),  # below three quarters of the 200 a day: nothing to say
        (150, [("creates", False)]),  # three quarters: near the budget
        (200, [("creates", False)]),  # exactly what is left: allowed
        (201, [("creates", True)]),  # one more than is left: stopped
    ],
)
def test_detect_says_what_the_create_budget_will_do(
    make_settings: SettingsFactory, ctx: Runtime, creates: int, said: list[tuple[str, bool]]
) -> None:
    assert verdicts(make_settings(action="detect"), ctx, plan_of(creates, 0)) == said


def test_the_create_budget_counts_this_scopes_creates_only(
    make_settings: SettingsFactory, ctx: Runtime, live: Emulator
) -> None:
    stage.run(make_settings(action="stage"), ctx)  # 51 creates recorded for the staging guild
    spent = len(live.commands(APP_ID, GUILD_ID))
    settings = make_settings(action="detect")
    assert verdicts(settings, ctx, plan_of(150 - spent, 0)) == [("creates", False)]  # 150 of 200 in the guild
    assert verdicts(settings, ctx, plan_of(150 - spent, 0), guild=None) == []  # none spent globally
    assert verdicts(settings, ctx, plan_of(200 - spent + 1, 0)) == [("creates", True)]


def test_detects_guard_messages_name_the_commands_the_limit_and_the_way_out(
    make_settings: SettingsFactory, ctx: Runtime
) -> None:
    def said(plan: Plan, **values: object) -> list[str]:
        settings = make_settings(action="detect", **values)
        return [v["message"] for v in plan_verdicts(settings, ctx, plan, Scope.of(GUILD_ID), APP_ID)]

    label = f"staging guild {GUILD_ID}"
    names = ", ".join(f"old{i}" for i in range(6))
    assert said(plan_of(0, 6)) == [
        f"the deletion guard will stop the staging deploy of this plan: it removes 6 command(s) from {label} "
        f"({names}), more than max-deletions=5. Set {ctx.wording.setting('allow-deletions')} on that deploy if the "
        "removal is intended"
    ]
    assert said(plan_of(0, 2)) == [f"removes 2 command(s) from {label} (old0, old1): within max-deletions=5"]
    assert said(plan_of(0, 2), allow_deletions=True) == [
        f"removes 2 command(s) from {label} (old0, old1): allow-deletions is set"
    ]
    (stop,) = said(plan_of(201, 0))
    assert stop.startswith(f"the daily create budget will stop this deploy: it creates 201 command(s) in {label}")
    assert "only 200 of Discord's 200 daily creates are left (0 spent in the last 24 h)" in stop
    (near,) = said(plan_of(150, 0))
    assert near == (
        f"near the daily create budget: this plan creates 150 command(s) in {label}; 50 of Discord's 200 daily "
        "creates will remain (0 spent in the last 24 h)"
    )


def test_the_breaker_names_an_extra_command_in_the_staging_guild(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    extra_live(live, 1)
    mark = len(live.requests)
    with pytest.raises(
        promote.CircuitOpen, match=rf"staging guild {GUILD_ID} no longer holds the staged set \(extra gone0\)"
    ):
        promote.run(make_settings(action="promote"), ctx)
    assert [r.method for r in live.requests[mark:]] == ["GET"]


def test_the_breaker_says_how_long_ago_the_set_was_staged(
    make_settings: SettingsFactory, ctx: Runtime, at: list[Runtime]
) -> None:
    stage.run(make_settings(action="stage"), clock(at, ctx, 0))
    outcome = promote.run(make_settings(action="promote"), clock(at, ctx, 83))
    assert any(
        f"circuit breaker passed: staged 1 min 23 s ago with the same checksum, and staging guild {GUILD_ID} "
        "still holds it" in line
        for line in outcome.lines
    ), outcome.lines


# ----------------------------------------------------------------------- what the breaker says, word for word

AGAIN = "run the staging deploy again (`command-deploy stage`)"


def refusal(settings: Settings, runtime: Runtime) -> str:
    with pytest.raises(CircuitOpen) as caught:
        promote.run(settings, runtime)
    return str(caught.value)


def test_the_breakers_refusals_name_the_condition_the_set_and_the_way_on(
    make_settings: SettingsFactory, ctx: Runtime, at: list[Runtime]
) -> None:
    settings = make_settings(action="promote")
    ledger = ctx.workspace / "deployment.log"
    assert refusal(settings, ctx) == (
        f"circuit breaker: no successful staging deploy to guild {GUILD_ID} is recorded in {ledger}; {AGAIN}"
    )
    # In the Action, the way on is named in the Action's words.
    in_action = Runtime(workspace=ctx.workspace, client_options=dict(FAST), wording=ACTION)
    at.append(in_action)
    assert refusal(settings, in_action).endswith(
        "; run the staging deploy again (`action: stage`, or `gh workflow run <workflow> -f action=staging`)"
    )

    stage.run(make_settings(action="stage"), clock(at, ctx, 0))
    staged = FileLedger(ledger).entries()[-1].checksum
    path = ctx.workspace / "commands" / "fun" / "games.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"name": "coinflip"', '"name": "flip"'), "utf-8")
    now = load_and_validate(settings, ctx).checksum
    assert len({staged[:13], now[:13]}) == 2 and staged[12] != now[12]  # the cut at 12 is visible
    assert refusal(settings, clock(at, ctx, 60)) == (
        f"circuit breaker: the last staging deploy (2026-03-02 09:00:00 UTC) was of another command set (checksum "
        f"{staged[:12]}, this set is {now[:12]}); {AGAIN}"
    )

    stage.run(make_settings(action="stage"), clock(at, ctx, 1))  # the new set, staged a second later
    assert refusal(settings, clock(at, ctx, 1 + 5400 + 30)) == (
        f"circuit breaker: the staging deploy of this set is 1 h 30 min old, older than staging-max-age=1h; {AGAIN}"
    )


def test_the_breaker_names_every_way_the_staging_guild_drifted(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    held = live.commands(APP_ID, GUILD_ID)
    kept = [c for c in held if c["name"] != "ping"]
    for command in kept:
        if command["name"] == "coinflip":
            command["description"] = "Changed behind the tool's back"
    live.set_commands(APP_ID, GUILD_ID, [*kept, {"name": "gone0", "description": "Only live", "type": 1}])
    assert refusal(make_settings(action="promote"), ctx) == (
        f"circuit breaker: staging guild {GUILD_ID} no longer holds the staged set (changed coinflip, extra gone0, "
        f"missing ping); {AGAIN}"
    )


def test_an_unreadable_deployment_record_opens_the_breaker_and_says_why(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    ledger = ctx.workspace / "deployment.log"
    ledger.unlink()
    ledger.symlink_to(ctx.workspace / "nowhere.log")  # a dangling link: neither a record nor "none recorded"
    mark = len(live.requests)
    message = refusal(make_settings(action="promote"), ctx)
    assert message.startswith("circuit breaker: cannot tell whether staging succeeded: ")
    assert str(ledger) in message and "no successful staging deploy" not in message
    assert live.requests[mark:] == []


def test_a_deploy_meets_the_breaker_with_its_own_verification_and_no_second_read(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, at: list[Runtime]
) -> None:
    said = (
        f"circuit breaker passed: staged 0 ms ago with the same checksum, and this run's verification showed "
        f"staging guild {GUILD_ID} holding it"
    )
    outcome = deploy.run(make_settings(action="deploy"), clock(at, ctx, 0))
    assert said in outcome.lines
    assert [r.method for r in live.requests] == ["GET", "PUT", "GET", "GET", "PUT", "GET"]  # stage, then promote
    mark = len(live.requests)
    outcome = deploy.run(make_settings(action="deploy"), clock(at, ctx, 0))  # both in sync: one GET each
    assert said in outcome.lines
    assert [r.method for r in live.requests[mark:]] == ["GET", "GET"]


def test_a_dry_run_deploy_says_the_breaker_was_met_by_a_simulation_only(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    outcome = deploy.run(make_settings(action="deploy", dry_run=True), ctx)
    assert (
        f"circuit breaker: satisfied for this dry run only by the simulated stage to staging guild {GUILD_ID} "
        "(nothing was staged or recorded; a real deploy stages and records first)"
    ) in outcome.lines
    assert [r.method for r in live.requests] == ["GET", "GET"]


def spend(ctx: Runtime, creates: int, guild: str | None = GUILD_ID) -> None:
    """A deploy an hour ago that spent ``creates`` of the scope's daily creates."""
    entry = {"action": "stage", "environment": "staging", "application_id": APP_ID, "guild_id": guild, "checksum": "x"}
    FileLedger(ctx.workspace / "deployment.log").record(
        LedgerEntry(time=utc_now() - timedelta(hours=1), outcome="success", creates=creates, **entry)
    )


def test_detect_weighs_the_create_budget_only_for_a_plan_that_creates(
    make_settings: SettingsFactory, ctx: Runtime
) -> None:
    spend(ctx, 150)  # three quarters of the day's 200 already spent
    settings = make_settings(action="detect")
    assert verdicts(settings, ctx, plan_of(0, 0)) == []  # creates nothing: nothing to say about creates
    assert verdicts(settings, ctx, plan_of(1, 0)) == [("creates", False)]


@pytest.mark.parametrize("spent", [200, 230])  # the whole budget spent, and more than it (records of other tools)
def test_an_exhausted_create_budget_says_none_are_left(
    make_settings: SettingsFactory, ctx: Runtime, spent: int
) -> None:
    spend(ctx, spent)
    (stop,) = plan_verdicts(make_settings(action="detect"), ctx, plan_of(1, 0), Scope.of(GUILD_ID), APP_ID)
    assert stop == {
        "guard": "creates",
        "blocks": True,
        "message": (
            f"the daily create budget will stop this deploy: it creates 1 command(s) in staging guild {GUILD_ID}, but "
            f"only 0 of Discord's 200 daily creates are left ({spent} spent in the last 24 h); wait, or rename with "
            "renamedFrom (renames spend none)"
        ),
    }


def test_the_deletion_guard_names_what_would_go_the_limit_and_both_ways_on(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    extra_live(live, 6)
    with pytest.raises(DeploymentGuard) as caught:
        stage.run(make_settings(action="stage"), ctx)
    gone = ", ".join(f"gone{i}" for i in range(6))
    assert str(caught.value) == (
        f"the plan would remove 6 command(s) from staging guild {GUILD_ID} ({gone}), more than max-deletions=5. If "
        "that is intended, set `--allow-deletions` (or raise --max-deletions); if not, check that every command file "
        "was exported. Nothing was written"
    )


@pytest.mark.parametrize(("spent", "passes"), [(149, True), (150, False)])  # with the stage's 51: 200, then 201
def test_the_create_budget_stops_a_write_one_past_the_days_200(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime, spent: int, passes: bool
) -> None:
    spend(ctx, spent)
    if passes:
        assert stage.run(make_settings(action="stage"), ctx).exit_code == 0
        assert len(live.commands(APP_ID, GUILD_ID)) == 51
        return
    with pytest.raises(DeployError) as caught:
        stage.run(make_settings(action="stage"), ctx)
    assert str(caught.value) == (
        f"the plan creates 51 command(s) in staging guild {GUILD_ID}, but 150 of Discord's 200 daily creates were "
        "spent in the last 24 h: wait, or rename with renamedFrom (renames keep IDs and spend no create)"
    )
    assert [r.method for r in live.requests] == ["GET"] and live.commands(APP_ID, GUILD_ID) == []
