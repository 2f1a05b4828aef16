"""What the checks of one ``health`` run or ``monitor`` share (steps/health_check.py): the command files, read
again only when one changed; the comparison, reused while the files and the live answer stay the same; the
timing of the attempt that answered. No wall time is asserted: ``recheck`` is 0 (look every time) or
unbounded (never look again)."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.handlers import health
from alia_action.runtime import Runtime, utc_now
from alia_action.steps.health_check import CommandFiles, Session, timed_get
from alia_action.stores.metrics import MetricRecord, MetricsLog
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID
from tests.support.health_history import expected_set
from tests.support.two_apps import (
    PROD_APP,
    PROD_TOKEN,
    STAGING_APP,
    STAGING_GUILD,
    STAGING_TOKEN,
    assert_each_request_stayed_home,
    two_bot_settings,
)

ALWAYS = 0.0  # look at the files on every load
NEVER = float("inf")  # look once, then keep what was loaded


def files(make_settings: SettingsFactory, ctx: Runtime, recheck: float, commands: str = "commands") -> CommandFiles:
    return CommandFiles(make_settings(action="health", commands=commands), ctx, recheck=recheck)


def names(files: CommandFiles) -> list[str]:
    return sorted(c.name for c in files.load().commands)


def one_command(path: Path, name: str, description: str = "A command") -> None:
    path.write_text(json.dumps([{"name": name, "description": description}]), encoding="utf-8")


def keep_mtime(path: Path, change: Any) -> None:
    """Change the file, then give it back its modification time: only its size tells."""
    before = path.stat()
    change()
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))


# ------------------------------------------------------------------------------------------------ the files


def test_unchanged_files_are_not_loaded_again(make_settings: SettingsFactory, ctx: Runtime) -> None:
    watched = files(make_settings, ctx, ALWAYS)
    first = watched.load()
    assert first.deployable and len(first.commands) == 51
    assert watched.load() is first


def test_within_the_recheck_interval_the_files_are_not_looked_at(make_settings: SettingsFactory, ctx: Runtime) -> None:
    watched = files(make_settings, ctx, NEVER)
    first = watched.load()
    one_command(ctx.workspace / "commands" / "new.json", "brandnew")
    assert watched.load() is first
    assert "brandnew" not in names(watched)


def test_a_file_added_is_loaded(make_settings: SettingsFactory, ctx: Runtime) -> None:
    watched = files(make_settings, ctx, ALWAYS)
    before = names(watched)
    one_command(ctx.workspace / "commands" / "new.json", "brandnew")
    assert names(watched) == sorted([*before, "brandnew"])


def test_a_file_removed_is_noticed(make_settings: SettingsFactory, ctx: Runtime) -> None:
    watched = files(make_settings, ctx, ALWAYS)
    assert "ping" in names(watched)
    (path,) = [p for p in (ctx.workspace / "commands").rglob("*.json") if '"ping"' in p.read_text()]
    path.unlink()
    assert "ping" not in names(watched)


def test_a_file_rewritten_to_the_same_size_is_loaded_by_its_new_modification_time(
    make_settings: SettingsFactory, ctx: Runtime, tmp_path: Path
) -> None:
    path = ctx.workspace / "one.json"
    one_command(path, "alpha")
    watched = files(make_settings, ctx, ALWAYS, commands="one.json")
    assert names(watched) == ["alpha"]
    stamp = path.stat().st_mtime_ns
    one_command(path, "omega")  # the same number of bytes
    os.utime(path, ns=(stamp + 1_000_000_000, stamp + 1_000_000_000))
    assert names(watched) == ["omega"]


def test_a_file_that_changed_size_but_not_its_modification_time_is_loaded(
    make_settings: SettingsFactory, ctx: Runtime
) -> None:
    path = ctx.workspace / "one.json"
    one_command(path, "alpha")
    watched = files(make_settings, ctx, ALWAYS, commands="one.json")
    assert names(watched) == ["alpha"]
    keep_mtime(path, lambda: one_command(path, "alphabet"))
    assert names(watched) == ["alphabet"]


def test_a_dangling_link_is_a_problem_until_its_target_appears(make_settings: SettingsFactory, ctx: Runtime) -> None:
    target = ctx.workspace / "elsewhere.json"
    folder = ctx.workspace / "linked"
    folder.mkdir()
    (folder / "cmds.json").symlink_to(target)
    watched = files(make_settings, ctx, ALWAYS, commands="linked")
    assert not watched.load().deployable
    one_command(target, "linked")
    assert names(watched) == ["linked"] and watched.load().deployable


def test_a_missing_source_is_loaded_again_once_it_exists(make_settings: SettingsFactory, ctx: Runtime) -> None:
    watched = files(make_settings, ctx, ALWAYS, commands="later")
    first = watched.load()
    assert [p.rule for p in first.problems] == ["source.missing"]
    assert watched.load() is first
    (ctx.workspace / "later").mkdir()
    second = watched.load()
    assert [p.rule for p in second.problems] == ["source.no-match"]  # a different problem: loaded again
    one_command(ctx.workspace / "later" / "a.json", "arrived")
    assert names(watched) == ["arrived"]


def test_a_file_renamed_is_loaded_again_under_its_new_name(make_settings: SettingsFactory, ctx: Runtime) -> None:
    folder = ctx.workspace / "few"
    folder.mkdir()
    one_command(folder / "a.json", "alpha")
    watched = files(make_settings, ctx, ALWAYS, commands="few")
    assert [c.file for c in watched.load().commands] == ["few/a.json"]
    (folder / "a.json").rename(folder / "b.json")  # the same size and modification time
    assert [c.file for c in watched.load().commands] == ["few/b.json"]


def test_a_dangling_link_renamed_is_named_by_its_new_name(make_settings: SettingsFactory, ctx: Runtime) -> None:
    folder = ctx.workspace / "linked"
    folder.mkdir()
    (folder / "old.json").symlink_to(ctx.workspace / "gone.json")
    watched = files(make_settings, ctx, ALWAYS, commands="linked")
    assert [p.file for p in watched.load().problems] == ["linked/old.json"]
    (folder / "old.json").rename(folder / "new.json")
    assert [p.file for p in watched.load().problems] == ["linked/new.json"]


def test_the_recheck_interval_is_counted_from_the_last_look(make_settings: SettingsFactory, ctx: Runtime) -> None:
    """An interval as long as this machine's monotonic clock has run: the next load is well within it."""
    watched = files(make_settings, ctx, time.monotonic())
    first = watched.load()
    one_command(ctx.workspace / "commands" / "new.json", "brandnew")
    assert watched.load() is first


# ------------------------------------------------------------------------------------------------ the comparison


@pytest.fixture
def session(make_settings: SettingsFactory, ctx: Runtime) -> Iterator[Session]:
    opened = Session.open(make_settings(action="health"), ctx)
    yield opened
    opened.close()


def live_set(session: Session, *, guild: bool) -> list[dict[str, Any]]:
    return [dict(c, id=str(1000 + i)) for i, c in enumerate(session.files.load().for_scope(guild=guild))]


def test_the_same_files_and_answer_reuse_the_comparison(session: Session) -> None:
    validated = session.files.load()
    live = live_set(session, guild=False)
    first = session.compare(validated, live, guild=False)
    assert (first.expected, first.live, first.missing, first.extra, first.drifted) == (50, 50, (), (), ())
    assert session.compare(validated, json.loads(json.dumps(live)), guild=False) is first
    # Discord's keys in another order are the same answer.
    assert session.compare(validated, [dict(reversed(c.items())) for c in live], guild=False) is first


def test_a_different_answer_is_compared_again(session: Session) -> None:
    validated = session.files.load()
    live = live_set(session, guild=False)
    first = session.compare(validated, live, guild=False)
    changed = [dict(c, description="Changed live") if c["name"] == "ping" else c for c in live]
    second = session.compare(validated, changed, guild=False)
    assert second is not first and second.drifted == ("ping",)
    assert session.compare(validated, live, guild=False).drifted == ()


def test_the_other_scope_is_compared_again(session: Session) -> None:
    validated = session.files.load()
    live = live_set(session, guild=False)
    globally = session.compare(validated, live, guild=False)
    in_guild = session.compare(validated, live, guild=True)
    assert in_guild is not globally
    # The guild receives developmentOnly commands too: the global set lacks them there.
    assert in_guild.missing and not globally.missing
    assert session.compare(validated, live, guild=False) == globally


def test_files_loaded_again_are_compared_again(session: Session, make_settings: SettingsFactory, ctx: Runtime) -> None:
    validated = session.files.load()
    live = live_set(session, guild=False)
    first = session.compare(validated, live, guild=False)
    one_command(ctx.workspace / "commands" / "new.json", "brandnew")
    reloaded = CommandFiles(make_settings(action="health"), ctx, recheck=ALWAYS).load()
    second = session.compare(reloaded, live, guild=False)
    assert second is not first and second.missing == ("brandnew",)


# ------------------------------------------------------------------------------------------------ the timing


def test_the_reading_times_the_attempt_that_answered_and_counts_every_attempt(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.set_commands(APP_ID, None, [{"name": "ping", "description": "Pong", "type": 1}])
    discord = ctx.discord(make_settings(action="health"), "production")
    assert timed_get(discord.client, None).attempts == 1  # an exchange before this reading's
    live.faults.add(Fault.server_error(503), method="GET", times=1)
    live.faults.add(Fault.slow(0.1), method="GET", times=1)  # long enough for a tenth of a millisecond to show
    reading = timed_get(discord.client, None)
    assert reading.error is None and reading.attempts == 2
    assert reading.commands is not None and [c["name"] for c in reading.commands] == ["ping"]
    first, answered = discord.client.requests[-2:]
    assert (first.status, answered.status) == (503, 200)
    assert reading.response_time_ms == round(answered.elapsed * 1000, 1)


def test_a_reading_that_fails_has_no_time_and_says_why(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    discord = ctx.discord(make_settings(action="health"), "staging")
    assert timed_get(discord.client, GUILD_ID).attempts == 1  # earlier exchanges are not this reading's
    live.faults.add(Fault.server_error(500), method="GET", times=FAST["max_attempts"])
    reading = timed_get(discord.client, GUILD_ID)
    assert reading.commands is None and reading.response_time_ms is None
    assert reading.attempts == FAST["max_attempts"]
    assert reading.error is not None and "500" in reading.error


# ------------------------------------------------------------------------------------------------ whose bot


def test_a_staging_check_reads_with_the_staging_bot_and_a_production_check_with_the_production_bot(
    ctx: Runtime,
) -> None:
    """Two applications: each environment's check is the GET of its own bot, in its own scope."""
    with Emulator() as emu:
        emu.add_application(PROD_APP, PROD_TOKEN)
        emu.add_application(STAGING_APP, STAGING_TOKEN)
        emu.add_guild(STAGING_APP, STAGING_GUILD)
        emu.set_commands(STAGING_APP, STAGING_GUILD, expected_set(ctx.workspace, guild=True))
        emu.set_commands(PROD_APP, None, expected_set(ctx.workspace, guild=False))
        staging = health.run(two_bot_settings(emu, action="health", environment="staging"), ctx)
        production = health.run(two_bot_settings(emu, action="health", environment="production"), ctx)
        assert (staging.outputs["health"], production.outputs["health"]) == ("healthy", "healthy")
        assert [(r.caller, r.path) for r in emu.requests] == [
            (STAGING_APP, f"/api/v10/applications/{STAGING_APP}/guilds/{STAGING_GUILD}/commands"),
            (PROD_APP, f"/api/v10/applications/{PROD_APP}/commands"),
        ]
        assert_each_request_stayed_home(emu.requests, "Bot")


# ------------------------------------------------------------------------------------------------ one check's record


def recorded(ctx: Runtime) -> MetricRecord:
    return MetricsLog(ctx.workspace / "metrics.log").records()[-1]


def test_a_failed_reading_keeps_the_answer_s_text_as_it_came_in_the_record(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    page = "<html>\n<body>  Proxy   login</body></html>"
    live.faults.add(Fault.raw(200, page), method="GET", times=FAST["max_attempts"])
    outcome = health.run(make_settings(action="health"), ctx)
    assert outcome.outputs["health"] == "unhealthy"
    error = recorded(ctx).error
    assert error is not None and '"<html>\\n<body>  Proxy   login</body></html>"' in error  # spaces kept
    assert outcome.report is not None and outcome.report["reasons"] == [
        {"condition": "error", "severity": "unhealthy", "text": f"the GET of the live commands failed: {error}"}
    ]


def test_a_history_line_dated_in_the_future_is_left_out_of_the_trend_with_a_notice(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.set_commands(APP_ID, None, expected_set(ctx.workspace, guild=False))
    log = MetricsLog(ctx.workspace / "metrics.log")
    for hours in (-2, -1, 48):  # two earlier checks, and one dated two days from now
        log.append(
            MetricRecord(
                time=utc_now() + timedelta(hours=hours),
                environment="production",
                scope="global",
                application_id=APP_ID,
                outcome="healthy",
                response_time_ms=20.0,
                attempts=1,
                expected=50,
                live=50,
                deviation=0.0,
            )
        )
    outcome = health.run(make_settings(action="health"), ctx)
    assert outcome.report is not None and outcome.report["trend"]["checks"] == 3  # two earlier and this one
    notices = [p.message for p in outcome.problems if p.rule == "health.notice"]
    assert len(notices) == 1 and notices[0].startswith("metrics.log: 1 unreadable line(s) skipped (line 3: time: ")


def test_a_deviation_is_recorded_to_four_decimals(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    three = [{"name": n, "description": f"The {n} command", "type": 1} for n in ("alpha", "beta", "gamma")]
    (ctx.workspace / "three.json").write_text(json.dumps(three), encoding="utf-8")
    live.set_commands(APP_ID, None, three[:2])
    health.run(make_settings(action="health", commands="three.json"), ctx)
    record = recorded(ctx)
    assert (record.expected, record.live, record.deviation, record.missing) == (3, 2, 0.3333, ["gamma"])


def test_an_activity_s_launch_entry_point_is_expected_live_not_extra(
    activity_live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    (entry,) = activity_live.commands(APP_ID, None)  # Discord's own Launch command
    activity_live.set_commands(APP_ID, None, [entry, *expected_set(ctx.workspace, guild=False)])
    outcome = health.run(make_settings(action="health", discord_api_url=activity_live.url), ctx)
    assert outcome.outputs["health"] == "healthy"
    record = recorded(ctx)
    assert (record.expected, record.live, record.extra, record.deviation) == (51, 51, [], 0.0)


def alert_events(outcome: Any) -> list[tuple[str, str]]:
    return [(a["key"], a["event"]) for a in outcome.report["alerts"]]


def test_a_failed_reading_neither_raises_nor_clears_what_needs_a_reading(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """Missing commands are unknown while the GET fails: their alert is not resolved by a check that could not
    look, only by one that looked and found them."""
    full = expected_set(ctx.workspace, guild=False)
    live.set_commands(APP_ID, None, [c for c in full if c["name"] != "ping"])
    settings = make_settings(action="health")
    first = health.run(settings, ctx)
    assert alert_events(first) == [("production:missing", "fire")]
    live.faults.add(Fault.server_error(500), method="GET", times=FAST["max_attempts"])
    failed = health.run(settings, ctx)
    assert alert_events(failed) == [("production:error", "fire")]
    live.set_commands(APP_ID, None, full)
    healthy = health.run(settings, ctx)
    assert sorted(alert_events(healthy)) == [("production:error", "resolve"), ("production:missing", "resolve")]
