"""The post-deploy health (steps/post_deploy.py) from the exchanges a deploy's client recorded: which GET it
times, the threshold at its boundary, and what it adds to the outcome. The deploys themselves are tested against
the emulator in tests/integration/test_health.py (post-deploy section)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alia_action.commands.plan import build_plan
from alia_action.config import Settings
from alia_action.discord.client import DiscordClient, RequestRecord
from alia_action.discord.connection import Discord
from alia_action.outcome import Outcome
from alia_action.scope import Scope
from alia_action.steps.apply import Applied
from alia_action.steps.post_deploy import post_deploy_health, with_post_deploy_health

APP = "9"
GUILD = "1180000000000000201"
GLOBAL_PATH = f"/applications/{APP}/commands"
GUILD_PATH = f"/applications/{APP}/guilds/{GUILD}/commands"
PING = {"name": "ping", "description": "Pong", "type": 1}
ECHO = {"name": "echo", "description": "Echo", "type": 1}


@pytest.fixture
def discord() -> Iterator[Discord]:
    with DiscordClient("token", APP, "http://127.0.0.1:9/api/v10", max_attempts=1) as client:
        yield Discord(client, APP, GUILD)


def exchanged(discord: Discord, *records: tuple[str, str, int | None, float]) -> None:
    """The exchanges a deploy made, as the client logs them (method, path, status, seconds)."""
    for method, path, status, seconds in records:
        discord.client._record(RequestRecord(method, path, status, seconds))


def settings(threshold: float = 0.25) -> Settings:
    return Settings.from_cli({"commands": "c", "response_time_threshold": str(threshold)}, {}, None)


def deployed(
    guild: str | None = None, *, live: list[dict[str, Any]] | None = None, written: bool = True, dry_run: bool = False
) -> Applied:
    """A deploy of [ping, echo] over ``live`` (default: only ping)."""
    wanted = [PING, ECHO]
    before = [dict(PING, id="1")] if live is None else live
    return Applied(
        Scope.of(guild), build_plan(wanted, before, guild=guild is not None), written=written, dry_run=dry_run
    )


def test_a_written_deploy_times_its_last_get_of_the_scope(discord: Discord) -> None:
    exchanged(
        discord,
        ("GET", GLOBAL_PATH, 200, 0.111),  # the plan's read
        ("POST", GLOBAL_PATH, 201, 0.300),
        ("GET", GUILD_PATH, 200, 0.400),  # another scope's read
        ("GET", GLOBAL_PATH, 200, 0.123),  # the verification
    )
    health = post_deploy_health(settings(), discord, deployed())
    assert health is not None
    assert (health.label, health.outcome, health.response_time_ms, health.threshold_ms) == (
        "global commands",
        "healthy",
        123.0,
        250.0,
    )
    assert (health.commands, health.source) == (2, "verification")


def test_a_later_exchange_of_another_scope_or_method_is_not_the_verification(discord: Discord) -> None:
    exchanged(
        discord,
        ("GET", GUILD_PATH, 200, 0.050),
        ("GET", GUILD_PATH, 200, 0.060),  # the staging guild's verification
        ("GET", GLOBAL_PATH, 200, 0.700),
        ("PUT", GUILD_PATH, 200, 0.800),
    )
    health = post_deploy_health(settings(), discord, deployed(GUILD))
    assert health is not None and health.response_time_ms == 60.0 and health.outcome == "healthy"
    assert health.label == f"staging guild {GUILD}"


def test_the_threshold_itself_is_healthy_and_a_tenth_of_a_millisecond_over_is_degraded(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.25))
    at = post_deploy_health(settings(0.25), discord, deployed())
    assert at is not None and (at.response_time_ms, at.outcome) == (250.0, "healthy")
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.2501))
    over = post_deploy_health(settings(0.25), discord, deployed())
    assert over is not None and (over.response_time_ms, over.outcome) == (250.1, "degraded")


def test_a_no_op_times_the_plan_s_read(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.042))
    noop = deployed(live=[dict(PING, id="1"), dict(ECHO, id="2")], written=False)
    assert noop.plan.empty
    health = post_deploy_health(settings(), discord, noop)
    assert health is not None and (health.source, health.response_time_ms, health.commands) == ("plan", 42.0, 2)


def test_a_dry_run_or_a_write_not_made_has_no_post_deploy_health(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.042))
    assert post_deploy_health(settings(), discord, deployed(written=False, dry_run=True)) is None
    assert post_deploy_health(settings(), discord, deployed(written=False)) is None


def test_without_a_read_of_the_scope_there_is_nothing_to_report(discord: Discord) -> None:
    exchanged(discord, ("GET", GUILD_PATH, 200, 0.042), ("POST", GLOBAL_PATH, 201, 0.1))
    assert post_deploy_health(settings(), discord, deployed()) is None


def outcome(summary: str = "## Deployed\n\nthe plan\n") -> Outcome:
    return Outcome("stage", lines=["deployed"], summary=summary, outputs={"requests": "3"}, report={"action": "stage"})


def test_the_outcome_gains_a_line_a_summary_section_the_output_and_the_report(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.123))
    result = with_post_deploy_health(outcome("## Deployed\n\nthe plan \n\n\n"), settings(), discord, deployed())
    assert result.lines == [
        "deployed",
        "post-deploy health of global commands: healthy: 2 live / 2 expected, nothing missing, extra or drifted; "
        "the verification GET took 123 ms (threshold 250 ms; no extra request)",
    ]
    assert result.summary.startswith("## Deployed\n\nthe plan\n\n")
    assert result.summary.endswith("\n") and not result.summary.endswith("\n\n")
    assert "123 ms" in result.summary
    assert result.outputs == {"requests": "3", "health": "healthy"}
    assert result.report == {
        "action": "stage",
        "health": {
            "outcome": "healthy",
            "response_time_ms": 123.0,
            "threshold_ms": 250.0,
            "live": 2,
            "expected": 2,
            "source": "verification",
        },
    }
    assert result.problems == []


def test_a_slow_deploy_is_a_warning_not_a_failure(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.9))
    result = with_post_deploy_health(outcome(), settings(), discord, deployed())
    assert result.exit_code == 0 and result.outputs["health"] == "degraded"
    assert [(p.severity, p.rule) for p in result.problems] == [("warning", "health.slow")]
    assert result.problems[0].message == result.lines[-1]


def test_a_run_without_a_report_and_a_dry_run_are_left_as_they_were(discord: Discord) -> None:
    exchanged(discord, ("GET", GLOBAL_PATH, 200, 0.1))
    bare = Outcome("stage", summary="s\n")
    assert with_post_deploy_health(bare, settings(), discord, deployed()).report is None
    untouched = outcome()
    assert with_post_deploy_health(untouched, settings(), discord, deployed(dry_run=True, written=False)) is untouched
    assert untouched.lines == ["deployed"] and "health" not in untouched.outputs
