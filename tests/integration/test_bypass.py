"""The emergency bypass of the circuit breaker: refused without a reason; with one, only the breaker is skipped,
and the bypass leaves its trail (deployment.log, GitHub Deployments, summary banner, Slack, review issue).

Runs as the action runs (runner.execute in a workflow run's environment): Discord is the emulator, GitHub the
loopback stand-in through PyGithub, Slack the loopback HTTPS webhook.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alia_action.commands.plan import build_plan
from alia_action.config import ConfigError, Settings
from alia_action.discord.emulator import Emulator, Fault
from alia_action.stores.ledger import FileLedger
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID
from tests.support.github_run import GH_TOKEN, SHA, Runner, fresh_workspace
from tests.support.github_standin import GitHubStandIn
from tests.support.http_sinks import SlackSink

REASON = "Staging guild deleted by Discord support; hotfix for /ping must ship now <@everyone>"


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackSink]:
    with SlackSink(tmp_path) as sink:
        yield sink


def runner(gh: GitHubStandIn, tmp_path: Path, slack: SlackSink) -> Runner:
    return Runner(
        gh, tmp_path, {}, "workflow_dispatch", {"SSL_CERT_FILE": str(slack.ca_file), "GITHUB_ACTOR": "oncall"}
    )


def bypass_settings(make_settings: SettingsFactory, slack: SlackSink, **more: object) -> Settings:
    return make_settings(
        action="promote",
        github_token=GH_TOKEN,
        slack_webhook_url=slack.url,
        bypass_breaker=True,
        bypass_reason=REASON,
        **more,
    )


# ------------------------------------------------------------------------------------------------ refused


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"INPUT_ACTION": "promote", "INPUT_BYPASS-BREAKER": "true"}, "input 'bypass-breaker' needs a reason"),
        (
            {"INPUT_ACTION": "promote", "INPUT_BYPASS-BREAKER": "true", "INPUT_BYPASS-REASON": "   "},
            "input 'bypass-breaker' needs a reason",
        ),
        (
            {"INPUT_ACTION": "stage", "INPUT_BYPASS-BREAKER": "true", "INPUT_BYPASS-REASON": "x"},
            "input 'bypass-breaker' applies to promote only",
        ),
    ],
)
def test_a_bypass_without_a_reason_or_outside_promote_is_bad_input(inputs: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env(inputs)
    assert caught.value.problems[0].startswith(message)


def test_the_cli_refuses_a_bypass_without_a_reason_with_exit_2(tmp_path: Path, live: Emulator) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "alia_action.cli", "promote", "--bypass-breaker", "--discord-api-url", live.url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "BOT_TOKEN": "x.y.z", "CLIENT_ID": APP_ID},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "option '--bypass-breaker' needs a reason: set bypass-reason (--bypass-reason)" in proc.stderr
    assert "Traceback" not in proc.stderr and live.requests == []


PROMOTE_BYPASS = [sys.executable, "-m", "alia_action.cli", "promote", "--bypass-breaker", "--bypass-reason"]


@pytest.mark.parametrize("reason", ["\u200b", "\u202e", "\u200b\u202e \u2066\u200d", "\u202e\x7f .!?"])
def test_a_reason_of_only_invisible_characters_is_refused_through_the_cli(
    reason: str, tmp_path: Path, live: Emulator
) -> None:
    """A zero-width space or a right-to-left override passes "not empty" yet records nothing anyone can read."""
    proc = subprocess.run(
        [*PROMOTE_BYPASS, reason, "--discord-api-url", live.url],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "BOT_TOKEN": "x.y.z", "CLIENT_ID": APP_ID},
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "must say why in visible words" in proc.stderr and "Traceback" not in proc.stderr
    assert live.requests == []


@pytest.mark.parametrize("reason", ["\u200bx", "\u202e7", "é", "\u0665"])  # one letter or digit is enough
def test_one_visible_letter_or_digit_is_a_reason(reason: str) -> None:
    inputs = {"INPUT_ACTION": "promote", "INPUT_BYPASS-BREAKER": "true", "INPUT_BYPASS-REASON": reason}
    assert Settings.from_action_env(inputs).bypass_reason == reason


# ------------------------------------------------------------------------------------------------ the trail


def test_with_a_reason_the_breaker_is_skipped_and_the_trail_is_complete(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, slack: SlackSink, tmp_path: Path
) -> None:
    workspace = fresh_workspace(tmp_path, "emergency")  # no staging deploy anywhere: the breaker would refuse
    step = runner(gh, tmp_path, slack)(bypass_settings(make_settings, slack), workspace)
    assert step.code == 0, step.log
    assert "circuit breaker BYPASSED (emergency) by @oncall" in step.log

    # Deployed, with a backup first and a verification after; the staging guild was never read.
    from tests.support.deploy_helpers import local_set

    assert build_plan(local_set(workspace, guild=False), live.commands(APP_ID), guild=False).empty
    assert not [r for r in live.requests if GUILD_ID in r.path]
    assert [r.method for r in live.requests if "/commands" in r.path] == ["GET", "PUT", "GET"]
    backups = list((workspace / "command-backups").rglob("commands-backup-*.json"))
    assert len(backups) == 1

    # deployment.log: the claim and the result both say bypass, with the reason.
    entries = FileLedger(workspace / "deployment.log").entries()
    assert [(e.outcome, e.bypass, e.bypass_reason) for e in entries] == [
        ("started", True, REASON),
        ("success", True, REASON),
    ]
    assert '"bypass":true' in (workspace / "deployment.log").read_text(encoding="utf-8")

    # GitHub Deployments: the production deployment is marked as an emergency, its payload carries the reason.
    result = max(gh.deployments_in("discord-production"), key=lambda d: d["id"])
    assert result["payload"]["bypass"] is True and result["payload"]["bypass_reason"] == REASON
    assert result["description"].startswith("EMERGENCY (circuit breaker bypassed)")
    assert gh.status_history(result["id"]) == ["in_progress", "success"]

    # The summary opens with the banner; the reason is escaped (no mention reaches Markdown).
    banner = "> [!CAUTION]\n> **Emergency deploy: the circuit breaker was bypassed** by @\u200boncall"  # no ping
    assert step.summary.startswith(banner)
    assert "<@everyone>" not in step.summary and "Reason: Staging guild deleted" in step.summary

    # Slack: one message, sent before the write, with who, why, the commit and the run.
    [message] = slack.messages
    assert "circuit breaker bypassed" in message["text"]
    fields = json.dumps(message["blocks"])
    assert "@oncall" in fields and "Staging guild deleted" in fields and SHA[:12] in fields
    assert "<@everyone>" not in json.dumps(message) and "&lt;@everyone&gt;" in json.dumps(message)
    assert "actions/runs/4242" in fields

    # The review issue: who, why, the result, a checklist.
    [issue] = gh.issues_with("command-deploy:breaker-bypass")
    assert issue["title"] == "Review: emergency production deploy bypassed the circuit breaker"
    assert "@\u200boncall" in issue["body"] and "Staging guild deleted" in issue["body"]
    assert "**Result:** succeeded" in issue["body"] and "- [ ] the reason justified skipping staging" in issue["body"]
    assert issue["labels"][0]["name"] == "deployment"


def test_a_bypass_still_stops_at_the_deletion_guard(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, slack: SlackSink, tmp_path: Path
) -> None:
    live.set_commands(APP_ID, None, [{"name": "legacy", "description": "an old command", "type": 1}])
    workspace = fresh_workspace(tmp_path, "emergency")
    step = runner(gh, tmp_path, slack)(bypass_settings(make_settings, slack), workspace)
    assert step.code == 1 and "max-deletions=0" in step.log
    assert [c["name"] for c in live.commands(APP_ID)] == ["legacy"]  # nothing written
    assert "PUT" not in [r.method for r in live.requests]
    # The attempt is on record: Slack heard of it, and the review issue says it failed.
    assert len(slack.messages) == 1
    [issue] = gh.issues_with("command-deploy:breaker-bypass")
    assert "**Result:** failed: the plan would remove 1 command" in issue["body"]
    assert "max\\-deletions=0" in issue["body"]  # escaped Markdown


def test_a_bypass_still_validates_before_anything_is_sent(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, slack: SlackSink, tmp_path: Path
) -> None:
    workspace = fresh_workspace(tmp_path, "emergency")
    (workspace / "commands" / "bad.json").write_text('{"name": "Bad Name", "description": "x"}', encoding="utf-8")
    step = runner(gh, tmp_path, slack)(bypass_settings(make_settings, slack), workspace)
    assert step.code == 1 and live.requests == [] and slack.messages == []


def test_a_failed_bypass_is_recorded_as_a_failed_bypass(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, slack: SlackSink, tmp_path: Path
) -> None:
    workspace = fresh_workspace(tmp_path, "emergency")
    live.faults.add(Fault.server_error(503), method="PUT", times=FAST["max_attempts"])
    step = runner(gh, tmp_path, slack)(bypass_settings(make_settings, slack), workspace)
    assert step.code == 1
    result = FileLedger(workspace / "deployment.log").entries()[-1]
    assert (result.outcome, result.success, result.bypass, result.bypass_reason) == ("failure", False, True, REASON)
    assert list((workspace / "command-backups").rglob("commands-backup-*.json"))  # the backup came first
    deployment = max(gh.deployments_in("discord-production"), key=lambda d: d["id"])
    assert deployment["payload"]["bypass"] is True and gh.status_history(deployment["id"])[-1] == "failure"
