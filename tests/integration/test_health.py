"""The ``health`` handler against the emulator: verdicts, timing, history, trend, chart, shadows, post-deploy."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import UsageError
from alia_action.handlers import health, promote, stage
from alia_action.health.check import PostDeploy
from alia_action.health.summary import post_deploy_markdown
from alia_action.outcome import Outcome
from alia_action.runtime import Runtime, utc_now
from alia_action.stores.jsonlines import JsonLines
from alia_action.stores.metrics import MetricRecord, MetricsLog
from tests.conftest import SettingsFactory
from tests.support.actions_runner import run_action
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN
from tests.support.health_history import seed

# ------------------------------------------------------------------------------------------------ helpers


def check(make_settings: SettingsFactory, ctx: Runtime, **overrides: Any) -> Outcome:
    return health.run(make_settings(action="health", **overrides), ctx)


def metrics(ctx: Runtime) -> list[MetricRecord]:
    return MetricsLog(ctx.workspace / "metrics.log").records()


def reasons(outcome: Outcome) -> dict[str, str]:
    assert outcome.report is not None
    return {r["condition"]: r["text"] for r in outcome.report["reasons"]}


# ------------------------------------------------------------------------------------------------ verdicts


def test_a_scope_holding_exactly_the_files_is_healthy_with_one_get(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    outcome = check(make_settings, ctx)
    assert outcome.exit_code == 0
    assert outcome.outputs == {"health": "healthy"}
    assert [(r.method, r.path) for r in live.requests] == [("GET", f"/api/v10/applications/{APP_ID}/commands")]
    (record,) = metrics(ctx)
    assert (record.outcome, record.expected, record.live, record.deviation) == ("healthy", 50, 50, 0.0)
    assert (record.missing, record.extra, record.drifted, record.error) == ([], [], [], None)
    assert record.response_time_ms is not None and record.response_time_ms > 0
    assert record.attempts == 1 and record.scope == "global" and record.application_id == APP_ID
    assert outcome.problems == []
    assert "✅ **healthy**" in outcome.summary


def test_one_missing_command_of_fifty_is_unhealthy_by_name_though_the_count_is_within_threshold(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace, without="ping")
    outcome = check(make_settings, ctx)
    assert outcome.exit_code == 1
    assert outcome.outputs["health"] == "unhealthy"
    (record,) = metrics(ctx)
    assert record.missing == ["ping"] and record.deviation == 0.02
    assert reasons(outcome) == {"missing": "1 missing: ping"}  # 2% is under the 20% threshold: no count reason
    assert [(p.severity, p.rule) for p in outcome.problems] == [("error", "health.missing")]
    assert "ping" in outcome.problems[0].message
    assert any("✗ 1 missing: ping" in line for line in outcome.lines)


def test_a_description_changed_live_is_drift_with_the_field_named(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    commands = seed(live, ctx.workspace)
    changed = [dict(c, description="Edited by hand in production") if c["name"] == "ping" else c for c in commands]
    live.set_commands(APP_ID, None, changed)
    outcome = check(make_settings, ctx)
    assert outcome.exit_code == 1
    (record,) = metrics(ctx)
    assert (record.drifted, record.missing, record.extra, record.deviation) == (["ping"], [], [], 0.0)
    assert outcome.report is not None and outcome.report["drift_fields"] == {"ping": ["description"]}
    assert "`ping`: description" in outcome.summary


def test_only_extra_commands_are_degraded_with_a_warning_and_exit_0(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    commands = seed(live, ctx.workspace)
    live.set_commands(APP_ID, None, [*commands, {"name": "leftover", "description": "Deleted from the files"}])
    outcome = check(make_settings, ctx)
    assert (outcome.exit_code, outcome.outputs["health"]) == (0, "degraded")
    assert reasons(outcome) == {"extra": "1 extra: leftover"}
    assert [(p.severity, p.rule) for p in outcome.problems] == [("warning", "health.extra")]


def test_a_count_deviation_over_the_threshold_is_unhealthy(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    commands = seed(live, ctx.workspace)
    live.set_commands(APP_ID, None, commands[:30])
    outcome = check(make_settings, ctx, count_deviation_threshold="30%")
    assert outcome.exit_code == 1
    found = reasons(outcome)
    assert set(found) == {"missing", "count-deviation"}
    assert found["count-deviation"] == "30 live vs 50 expected: a count deviation of 40%, over the 30% threshold"


def test_a_response_slower_than_the_threshold_is_degraded(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    live.faults.add(Fault.slow(0.3), method="GET")
    outcome = check(make_settings, ctx, response_time_threshold="100ms")
    assert (outcome.exit_code, outcome.outputs["health"]) == (0, "degraded")
    (record,) = metrics(ctx)
    assert record.response_time_ms is not None and record.response_time_ms >= 300
    assert set(reasons(outcome)) == {"slow"}
    assert "over the 100 ms threshold" in reasons(outcome)["slow"]


def test_a_get_that_keeps_failing_is_unhealthy_with_the_error_recorded(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    live.faults.add(Fault.server_error(503), method="GET", times=FAST["max_attempts"])
    outcome = check(make_settings, ctx)
    assert outcome.exit_code == 1
    (record,) = metrics(ctx)
    assert record.outcome == "unhealthy" and record.live is None and record.response_time_ms is None
    assert record.attempts == FAST["max_attempts"]
    assert record.error is not None and "503" in record.error
    assert set(reasons(outcome)) == {"error"}
    assert TOKEN not in json.dumps(record.model_dump(mode="json"))


def fresh_context(workspace: Path, **client_options: Any) -> Runtime:
    return Runtime(workspace=workspace, client_options={**FAST, **client_options})


def test_the_time_is_the_successful_attempt_without_retry_waits(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    seed(live, workspace)
    live.faults.add(Fault.server_error(500), method="GET")  # one failure, then a backoff of 0.6 s or more
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        time.sleep(seconds)

    ctx = fresh_context(workspace, backoff_initial=0.6, backoff_max=1.5, sleep=sleep)
    try:
        began = time.monotonic()
        outcome = health.run(make_settings(action="health"), ctx)
        spent = time.monotonic() - began
    finally:
        ctx.close()
    (record,) = metrics(ctx)
    assert outcome.outputs["health"] == "healthy" and record.attempts == 2
    assert len(slept) == 1 and slept[0] >= 0.6
    # The wait is not Discord's time: the figure fits in what the run spent besides waiting (on any machine).
    assert record.response_time_ms is not None and record.response_time_ms <= (spent - slept[0]) * 1000
    assert "2 attempts" in outcome.lines[0]


def test_a_rate_limit_wait_is_not_counted_as_response_time(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    live.faults.add(Fault.rate_limit(0.5), method="GET")
    began = time.monotonic()
    outcome = check(make_settings, ctx)
    spent = time.monotonic() - began
    assert spent >= 0.5
    (record,) = metrics(ctx)
    assert outcome.outputs["health"] == "healthy" and record.attempts == 2
    # The 0.5 s wait is not Discord's time: the figure fits in what the run spent besides it (on any machine).
    assert record.response_time_ms is not None and record.response_time_ms <= (spent - 0.5) * 1000


def test_staging_checks_the_staging_guild_with_development_only_commands(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace, GUILD_ID)
    outcome = check(make_settings, ctx, environment="staging")
    assert outcome.outputs["health"] == "healthy"
    (record,) = metrics(ctx)
    assert (record.environment, record.scope, record.expected, record.live) == ("staging", GUILD_ID, 51, 51)
    assert [r.path for r in live.requests] == [f"/api/v10/applications/{APP_ID}/guilds/{GUILD_ID}/commands"]


def test_staging_without_a_guild_is_a_usage_error_and_nothing_is_recorded(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    with pytest.raises(UsageError, match="no staging guild"):
        check(make_settings, ctx, environment="staging", guild_id=None)
    assert live.requests == [] and not (ctx.workspace / "metrics.log").exists()


def test_invalid_command_files_stop_the_check_before_discord(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    (ctx.workspace / "commands" / "broken.json").write_text('{"name": "Bad Name", "description": ""}')
    outcome = check(make_settings, ctx)
    assert outcome.exit_code == 1 and "health" not in outcome.outputs
    assert live.requests == []


# ------------------------------------------------------------------------------------------------ trend


def history_line(minutes_ago: int, ms: float | None, *, scope: str = "global", error: str | None = None) -> str:
    """A metrics.log line as the module docstring documents it (as an earlier run, maybe elsewhere, wrote it)."""
    return json.dumps(
        {
            "v": 1,
            "time": (utc_now() - timedelta(minutes=minutes_ago)).isoformat(),
            "environment": "production",
            "scope": scope,
            "application_id": APP_ID,
            "outcome": "healthy" if error is None else "unhealthy",
            "response_time_ms": ms,
            "attempts": 1,
            "expected": 50,
            "live": 50 if error is None else None,
            "deviation": 0.0 if error is None else None,
            "missing": [],
            "extra": [],
            "drifted": [],
            "error": error,
        }
    )


def test_a_rising_response_time_is_read_from_a_history_file_written_by_earlier_runs(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    lines = [history_line(100 - i, 20.0) for i in range(10)] + [history_line(50 - i, 400.0) for i in range(9)]
    lines.append(history_line(5, 5000.0, scope=GUILD_ID))  # another scope: never part of this series
    (ctx.workspace / "metrics.log").write_text("\n".join(lines) + "\n")
    outcome = check(make_settings, ctx)
    assert (outcome.exit_code, outcome.outputs["health"]) == (0, "degraded")
    assert set(reasons(outcome)) == {"latency-trend"}
    assert reasons(outcome)["latency-trend"] == (
        "response time rising: median 400 ms over the recent 10 checks vs 20 ms over the 10 before"
    )
    assert "response time rising: median 400 ms" in outcome.summary
    assert len(metrics(ctx)) == 21  # the file is read back and appended to, never replaced


def test_rising_latency_across_twenty_separate_runs(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    seed(live, workspace)
    settings = make_settings(action="health")
    outcomes = []
    for run in range(20):
        if run >= 10:
            live.faults.add(Fault.slow(0.15), method="GET")
        ctx = fresh_context(workspace)  # a new process each time, as scheduled workflow runs are
        try:
            outcomes.append(health.run(settings, ctx))
        finally:
            ctx.close()
    assert [o.outputs["health"] for o in outcomes[:10]] == ["healthy"] * 10
    last = outcomes[-1]
    assert last.outputs["health"] == "degraded" and set(reasons(last)) == {"latency-trend"}
    found = re.fullmatch(
        r"response time rising: median (\d+) ms over the recent 10 checks vs (\d+) ms over the 10 before",
        reasons(last)["latency-trend"],
    )
    # Real time, but only in the direction the slow answers guarantee: at least 150 ms, above the baseline.
    assert found and int(found[1]) >= 150 and int(found[1]) > int(found[2])


def test_a_rising_error_rate_is_reported_with_its_figures(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    lines = [history_line(100 - i, 20.0) for i in range(10)]
    lines += [history_line(50 - i, None, error="Discord answered 503") for i in range(4)]
    lines += [history_line(40 - i, 20.0) for i in range(5)]
    (ctx.workspace / "metrics.log").write_text("\n".join(lines) + "\n")
    outcome = check(make_settings, ctx)
    assert outcome.outputs["health"] == "degraded"
    assert reasons(outcome) == {
        "error-trend": "error rate rising: 40% of the recent 10 checks failed vs 0% of the 10 before"
    }


def test_too_little_history_is_no_trend(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    seed(live, ctx.workspace)
    lines = [history_line(10 - i, 20.0) for i in range(3)] + [history_line(5 - i, 900.0) for i in range(3)]
    (ctx.workspace / "metrics.log").write_text("\n".join(lines) + "\n")
    outcome = check(make_settings, ctx)
    assert outcome.outputs["health"] == "healthy"
    assert "not enough successful checks yet (3 earlier, 4 recent)" in outcome.summary


# ------------------------------------------------------------------------------------------------ chart


def mermaid_blocks(markdown: str) -> list[str]:
    return re.findall(r"^```mermaid\n(.*?)^```$", markdown, flags=re.S | re.M)


def parse_xychart(block: str) -> dict[str, Any]:
    """The structure of an ``xychart-beta`` block, strictly: one statement a line, arrays as JSON."""
    lines = block.strip("\n").split("\n")
    assert lines[0] == "xychart-beta"
    chart: dict[str, Any] = {"bar": [], "line": []}
    for line in lines[1:]:
        assert line.startswith("    "), line
        keyword, _, rest = line.strip().partition(" ")
        if keyword == "title":
            assert re.fullmatch(r'"[^"]*"', rest), rest
            chart["title"] = rest[1:-1]
        elif keyword == "x-axis":
            labels = json.loads(rest)
            assert isinstance(labels, list) and all(isinstance(x, str) for x in labels)
            chart["x"] = labels
        elif keyword == "y-axis":
            m = re.fullmatch(r'"([^"]*)" (\d+(?:\.\d+)?) --> (\d+(?:\.\d+)?)', rest)
            assert m, rest
            chart["y"] = (m.group(1), float(m.group(2)), float(m.group(3)))
        elif keyword in ("bar", "line"):
            values = json.loads(rest)
            assert isinstance(values, list) and all(isinstance(v, int | float) for v in values)
            chart[keyword].append(values)
        else:
            raise AssertionError(f"not an xychart-beta statement: {line}")
    return chart


def test_the_summary_chart_is_valid_mermaid_with_the_figures_of_metrics_log(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    seed(live, workspace)
    settings = make_settings(action="health", response_time_threshold="750ms")
    for run in range(24):
        if run in (2, 17):
            live.faults.add(Fault.server_error(500), method="GET", times=FAST["max_attempts"])
        if run in (8, 9):
            live.faults.add(Fault.slow(0.08), method="GET")
        ctx = fresh_context(workspace)
        try:
            outcome = health.run(settings, ctx)
        finally:
            ctx.close()
    (block,) = mermaid_blocks(outcome.summary)
    chart = parse_xychart(block)
    recorded = metrics(ctx)[-20:]  # the chart shows the last 20 checks of the series
    assert len(recorded) == 20 and len(chart["x"]) == 20
    assert chart["x"] == [f"{r.time:%H:%M:%S}" for r in recorded]
    (bars,) = chart["bar"]
    assert bars == [r.response_time_ms if r.response_time_ms is not None else 0 for r in recorded]
    assert [r.response_time_ms is None for r in recorded].count(True) == 1  # run 17; run 2 is older than the window
    (threshold,) = chart["line"]
    assert threshold == [750] * 20
    label, low, high = chart["y"]
    assert label == "ms" and low == 0 and high >= max([*bars, 750])
    # the table below it lists the same checks, newest first
    table = outcome.summary.split("### Last checks", 1)[1]
    rows = [row for row in table.splitlines() if row.startswith("| 20")]
    assert len(rows) == 10
    assert rows[0].startswith(f"| {recorded[-1].time:%Y-%m-%d %H:%M:%S}Z |")


def test_the_cli_prints_a_sparkline_of_the_recent_checks(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    seed(live, workspace)
    settings = make_settings(action="health")
    for run in range(6):
        if run == 3:
            live.faults.add(Fault.server_error(500), method="GET", times=FAST["max_attempts"])
        ctx = fresh_context(workspace)
        try:
            outcome = health.run(settings, ctx)
        finally:
            ctx.close()
    (line,) = [line for line in outcome.lines if "response times of the last" in line]
    spark = line.rsplit(": ", 1)[1]
    assert len(spark) == 6 and spark[3] == "×" and set(spark) - {"×"} <= set("▁▂▃▄▅▆▇█")


# ------------------------------------------------------------------------------------------------ shadows


def test_guild_commands_shadowing_global_ones_are_warnings_naming_guild_and_command(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    from tests.support.discord_fixtures import FOREIGN_GUILD_ID

    seed(live, ctx.workspace)
    live.set_commands(
        APP_ID,
        GUILD_ID,
        [{"name": "ping", "description": "Guild copy"}, {"name": "guildonly", "description": "Only here"}],
    )
    outcome = check(make_settings, ctx, check_guilds=f"{GUILD_ID}, {FOREIGN_GUILD_ID}")
    assert outcome.exit_code == 0 and outcome.outputs["health"] == "healthy"
    assert outcome.report is not None
    assert outcome.report["shadows"] == [{"guild_id": GUILD_ID, "type": 1, "name": "ping"}]
    shadow = [p for p in outcome.problems if p.rule == "health.shadow"]
    assert len(shadow) == 1 and GUILD_ID in shadow[0].message and "'ping'" in shadow[0].message
    assert any(FOREIGN_GUILD_ID in w and "not checked" in w for w in outcome.report["warnings"])
    assert [r.path.rsplit("/", 2)[-2] for r in live.requests] == [APP_ID, GUILD_ID, FOREIGN_GUILD_ID]


def test_one_check_reports_every_finding_once_with_its_severity_and_its_words(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    """A missing, a drifted and an extra command, a guild shadowing one, a guild that cannot be read: the whole
    report of the check (but its time and measured response time) and every problem it annotates."""
    from tests.support.discord_fixtures import FOREIGN_GUILD_ID

    held = seed(live, ctx.workspace, without="ping")
    drifted = [{**c, "description": "Changed"} if c["name"] == "coinflip" else c for c in held]
    live.set_commands(APP_ID, None, [*drifted, {"name": "extra1", "description": "Only live", "type": 1}])
    live.set_commands(APP_ID, GUILD_ID, [{"name": "coinflip", "description": "Guild copy"}])
    outcome = check(make_settings, ctx, check_guilds=f"{GUILD_ID}, {FOREIGN_GUILD_ID}")
    unread = (
        f"guild {FOREIGN_GUILD_ID} not checked for shadows: the application is not in guild {FOREIGN_GUILD_ID} "
        f"with the applications.commands scope (50001): re-invite it with https://discord.com/oauth2/authorize?"
        f"client_id={APP_ID}&scope=bot+applications.commands&guild_id={FOREIGN_GUILD_ID}"
    )
    assert (outcome.action, outcome.exit_code, outcome.outputs) == ("health", 1, {"health": "unhealthy"})
    assert outcome.lines[0].startswith("production (global commands): unhealthy: GET ")
    assert outcome.lines[1:5] == ["  ✗ 1 missing: ping", "  ✗ 1 drifted: coinflip", "      coinflip: description",
                                  "  ! 1 extra: extra1"]  # fmt: skip
    assert "**unhealthy**" in outcome.summary
    assert [(p.severity, p.rule, p.message) for p in outcome.problems] == [
        ("error", "health.missing", "global commands: 1 missing: ping"),
        ("error", "health.drifted", "global commands: 1 drifted: coinflip"),
        ("warning", "health.extra", "global commands: 1 extra: extra1"),
        ("warning", "health.shadow", f"guild {GUILD_ID}: its command 'coinflip' shadows the global command of the "
                                     "same name"),
        ("warning", "health.notice", unread),
    ]  # fmt: skip
    report = dict(outcome.report or {})
    measured = report.pop("time"), report.pop("response_time_ms")
    assert all(measured)
    assert measured[0] == metrics(ctx)[-1].time.isoformat().replace("+00:00", "Z")  # JSON's text, as in metrics.log
    assert report == {
        "format": 1,
        "action": "health",
        "v": 1,
        "environment": "production",
        "scope": "global",
        "application_id": APP_ID,
        "outcome": "unhealthy",
        "attempts": 1,
        "expected": 50,
        "live": 50,
        "deviation": 0.0,
        "missing": ["ping"],
        "extra": ["extra1"],
        "drifted": ["coinflip"],
        "error": None,
        "reasons": [
            {"condition": "missing", "severity": "unhealthy", "text": "1 missing: ping"},
            {"condition": "drifted", "severity": "unhealthy", "text": "1 drifted: coinflip"},
            {"condition": "extra", "severity": "degraded", "text": "1 extra: extra1"},
        ],
        "drift_fields": {"coinflip": ["description"]},
        "trend": {
            "checks": 1,
            "latency": "response time: not enough successful checks yet (0 earlier, 1 recent)",
            "latency_rising": False,
            "errors": "error rate: not enough checks yet (0 earlier, 1 recent)",
            "errors_rising": False,
        },
        "shadows": [{"guild_id": GUILD_ID, "type": 1, "name": "coinflip"}],
        "alerts": [
            {"key": "production:missing", "event": "fire", "level": "error", "channels": {}},
            {"key": "production:drifted", "event": "fire", "level": "error", "channels": {}},
            {"key": "production:extra", "event": "fire", "level": "warning", "channels": {}},
        ],
        "warnings": [unread],
    }
    (record,) = metrics(ctx)
    assert (record.outcome, record.missing, record.extra, record.drifted) == (
        "unhealthy", ["ping"], ["extra1"], ["coinflip"]
    )  # fmt: skip
    assert [r.path.rsplit("/", 2)[-2] for r in live.requests] == [APP_ID, GUILD_ID, FOREIGN_GUILD_ID]


def test_a_staging_check_reads_the_global_commands_once_for_the_shadows_of_every_guild(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace, GUILD_ID)  # the staging guild holds its set
    seed(live, ctx.workspace)  # and the global commands theirs
    first, second = "1180000000000000411", "1180000000000000412"
    for guild, name in ((first, "ping"), (second, "coinflip")):
        live.add_guild(APP_ID, guild)
        live.set_commands(APP_ID, guild, [{"name": name, "description": "Guild copy"}])
    outcome = check(make_settings, ctx, environment="staging", check_guilds=f"{first}, {second}")
    assert outcome.exit_code == 0 and outcome.report is not None
    assert outcome.report["shadows"] == [
        {"guild_id": first, "type": 1, "name": "ping"},
        {"guild_id": second, "type": 1, "name": "coinflip"},
    ]
    assert [r.path.rsplit("/", 2)[-2] for r in live.requests] == [GUILD_ID, APP_ID, first, second]  # global second


def test_when_the_global_get_fails_shadows_are_not_checked_and_not_read_twice(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    seed(live, ctx.workspace)
    live.faults.add(Fault.server_error(502), method="GET", path=r"/applications/\d+/commands$", times=99)
    outcome = check(make_settings, ctx, check_guilds=GUILD_ID)
    assert outcome.exit_code == 1 and set(reasons(outcome)) == {"error"}
    assert outcome.report is not None
    assert "guild shadows not checked: the global commands could not be read" in outcome.report["warnings"]
    assert len(live.requests) == FAST["max_attempts"]  # the check's own attempts, nothing more
    live.faults.clear()


# ------------------------------------------------------------------------------------------------ the store


def test_metrics_log_stays_bounded_keeping_the_newest_lines(tmp_path: Path) -> None:
    store = JsonLines(tmp_path / "metrics.log", max_lines=50)
    for i in range(500):
        store.append({"i": i})
        assert len(store.lines()) <= 50
    kept = [json.loads(line)["i"] for line in store.lines()]
    assert kept == list(range(500 - len(kept), 500)) and len(kept) >= 45
    # No temporary file left behind; the lock file every JSON-lines writer shares stays.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["metrics.log", "metrics.log.lock"]
    assert (tmp_path / "metrics.log").stat().st_mode & 0o777 == 0o644


def test_metrics_log_keeps_thirty_days_of_five_minute_checks_for_the_dashboard(tmp_path: Path) -> None:
    """The dashboard's 30-day availability needs every check of the window: 8,640 at a 5-minute interval."""
    path = tmp_path / "metrics.log"
    days = 30 * 24 * 12
    path.write_text("".join(history_line(5 * (days - i), 20.0) + "\n" for i in range(days)))
    log = MetricsLog(path)
    log.append(MetricRecord.model_validate_json(history_line(0, 25.0)))
    kept = log.records()
    assert len(kept) == days + 1, "a check of the window was dropped"
    assert kept[-1].response_time_ms == 25.0


def test_torn_and_foreign_lines_are_skipped_and_never_swallow_a_record(tmp_path: Path) -> None:
    path = tmp_path / "metrics.log"
    path.write_text(history_line(3, 20.0) + "\nnot json\n" + history_line(2, 30.0)[:40])  # a crash mid-line
    log = MetricsLog(path)
    record = MetricRecord.model_validate_json(history_line(1, 40.0))
    log.append(record)
    assert [r.response_time_ms for r in log.records()] == [20.0, 40.0]
    assert log.recent(environment="production", scope="global", application_id=APP_ID, limit=1) == [record]


def test_concurrent_writers_lose_no_line(tmp_path: Path) -> None:
    import threading

    def hammer(store: JsonLines) -> list[dict[str, int]]:
        def write(worker: int) -> None:
            for i in range(100):
                store.append({"worker": worker, "i": i})

        threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return [json.loads(line) for line in store.lines()]

    roomy = hammer(JsonLines(tmp_path / "a" / "metrics.log", max_lines=1000))
    for worker in range(4):
        assert [item["i"] for item in roomy if item["worker"] == worker] == list(range(100))
    tight = hammer(JsonLines(tmp_path / "b" / "metrics.log", max_lines=120))  # rotating while others append
    assert 1 <= len(tight) <= 120 and all(set(item) == {"worker", "i"} for item in tight)


# ------------------------------------------------------------------------------------------------ after a deploy


def test_stage_reports_the_health_of_what_it_verified_without_an_extra_request(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    outcome = stage.run(make_settings(action="stage"), ctx)
    assert [r.method for r in live.requests] == ["GET", "PUT", "GET"]
    assert outcome.outputs["health"] == "healthy" and outcome.outputs["requests"] == "3"
    assert outcome.report is not None
    figures = outcome.report["health"]
    assert (figures["live"], figures["expected"], figures["source"]) == (51, 51, "verification")
    assert figures["response_time_ms"] == pytest.approx(
        ctx.discord(make_settings()).client.requests[-1].elapsed * 1000, abs=0.1
    )
    assert any(line.startswith(f"post-deploy health of staging guild {GUILD_ID}: healthy") for line in outcome.lines)
    assert "### Post-deploy health" in outcome.summary

    again = stage.run(make_settings(action="stage"), ctx)  # a no-op: the plan's GET is the fresh read
    assert [r.method for r in live.requests[3:]] == ["GET"]
    assert again.report is not None and again.report["health"]["source"] == "plan"


def test_a_slow_verification_is_a_degraded_post_deploy_warning_not_a_failure(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    live.faults.at(3, Fault.slow(0.3))  # GET, PUT, then the verification GET
    outcome = stage.run(make_settings(action="stage", response_time_threshold="100ms"), ctx)
    assert outcome.exit_code == 0 and outcome.outputs["health"] == "degraded"
    (slow,) = [p for p in outcome.problems if p.rule.startswith("health")]
    assert (slow.severity, slow.rule) == ("warning", "health.slow")
    assert slow.message in outcome.lines and slow.message.startswith(
        f"post-deploy health of staging guild {GUILD_ID}: degraded: 51 live / 51 expected"
    )


def test_promote_reports_post_deploy_health_with_the_same_request_count(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    mark = len(live.requests)
    outcome = promote.run(make_settings(action="promote"), ctx)
    assert [r.method for r in live.requests[mark:]] == ["GET", "GET", "PUT", "GET"]  # breaker, plan, write, verify
    assert outcome.outputs["health"] == "healthy"
    assert outcome.report is not None and outcome.report["health"]["live"] == 50


def test_post_deploy_health_is_the_verification_get_of_the_scope_written_counted_after_the_write(
    live: Emulator, make_settings: SettingsFactory, ctx: Runtime
) -> None:
    stage.run(make_settings(action="stage"), ctx)
    (ctx.workspace / "commands" / "fun" / "quote.json").unlink()  # one command removed: 50 left live
    live.faults.at(len(live.requests) + 1, Fault.slow(1.0))  # the plan's GET is slow, the verification's is not
    outcome = stage.run(make_settings(action="stage", response_time_threshold="800ms"), ctx)
    assert outcome.exit_code == 0 and outcome.outputs["health"] == "healthy"
    assert outcome.report is not None
    figures = dict(outcome.report["health"])
    took = figures.pop("response_time_ms")
    verification = ctx.discord(make_settings()).client.requests[-1]
    assert took == round(verification.elapsed * 1000, 1) < 800 and figures == {
        "outcome": "healthy",
        "threshold_ms": 800.0,
        "live": 50,
        "expected": 50,
        "source": "verification",
    }
    assert (
        f"post-deploy health of staging guild {GUILD_ID}: healthy: 50 live / 50 expected, nothing missing, extra or "
        f"drifted; the verification GET took {took:.0f} ms (threshold 800 ms; no extra request)"
    ) in outcome.lines
    assert not [p for p in outcome.problems if p.rule.startswith("health")]
    shown = PostDeploy(f"staging guild {GUILD_ID}", "healthy", took, 800.0, 50, "verification")
    assert re.search(r"[^\n]\n\n" + re.escape(post_deploy_markdown(shown)) + r"\n$", outcome.summary)


def test_a_dry_run_reports_no_health(live: Emulator, make_settings: SettingsFactory, ctx: Runtime) -> None:
    outcome = stage.run(make_settings(action="stage", dry_run=True), ctx)
    assert "health" not in outcome.outputs


# ------------------------------------------------------------------------------------------------ as an action


def test_the_action_sets_the_output_summary_chart_and_annotations(live: Emulator, workspace: Path) -> None:
    seed(live, workspace, without="ping")
    inputs = {
        "action": "health",
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "discord-api-url": live.url,
    }
    unhealthy = run_action(workspace, inputs)
    assert unhealthy.returncode == 1, unhealthy.stdout + unhealthy.stderr
    assert unhealthy.outputs["health"] == "unhealthy"
    assert any("ping" in message for _, message in unhealthy.annotations("error"))
    assert len(mermaid_blocks(unhealthy.summary)) == 1
    shown = [line for line in unhealthy.stdout.splitlines() if not line.startswith("::add-mask::")]
    assert TOKEN not in "\n".join(shown) + unhealthy.stderr + unhealthy.summary

    seed(live, workspace)
    live.faults.add(Fault.slow(0.3), method="GET")
    degraded = run_action(workspace, {**inputs, "response-time-threshold": "100ms"})
    assert degraded.returncode == 0 and degraded.outputs["health"] == "degraded"
    assert any("threshold" in message for _, message in degraded.annotations("warning"))
    assert "**degraded**" in degraded.summary
