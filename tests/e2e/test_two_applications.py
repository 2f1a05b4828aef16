"""A staging bot and a production bot as two Discord applications, each token refused outside its own application
and guilds, and the production bot not a member of the staging guild (as in the original system's layout).

stage then promote pass in one process and in separate processes with separate workspaces (GitHub Deployments as
the record); the emulator's own request log proves the production token never reached a staging route and the
staging token never a global one. The original Parameter Store layout works with nothing but role-to-assume.
"""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.errors import DeployError, UsageError
from alia_action.handlers import deploy, detect, health, promote, rollback, stage
from alia_action.runtime import Runtime
from alia_action.workflow import Workflow
from tests.support.actions_runner import ROOT, StepResult, run_action
from tests.support.discord_fixtures import FAST
from tests.support.github_standin import GitHubStandIn
from tests.support.oidc_standin import OidcStandIn, moto_reset, moto_server
from tests.support.two_apps import (
    PROD_APP,
    PROD_TOKEN,
    STAGING_APP,
    STAGING_GUILD,
    STAGING_TOKEN,
    assert_each_request_stayed_home,
    holds_the_set,
    two_bot_settings,
)

ROLE = "arn:aws:iam::123456789012:role/deploy"
REGION = "us-east-1"
ENVIRONMENTS = ("discord-staging", "discord-production")


@pytest.fixture
def two_bots() -> Iterator[Emulator]:
    """Two applications; only the staging bot is in the staging guild."""
    with Emulator() as emu:
        emu.add_application(PROD_APP, PROD_TOKEN)
        emu.add_application(STAGING_APP, STAGING_TOKEN)
        emu.add_guild(STAGING_APP, STAGING_GUILD)
        yield emu


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return copy_commands(tmp_path / "workspace")


def copy_commands(ws: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "commands", ws / "commands")
    return ws


def run_in(ws: Path, handler: Any, settings: Settings) -> Any:
    runtime = Runtime(workspace=ws, client_options=dict(FAST))
    try:
        return handler(settings, runtime)
    finally:
        runtime.close()


# ------------------------------------------------------------------------------------------- one process


def test_stage_then_promote_with_two_bots_in_one_process(two_bots: Emulator, workspace: Path) -> None:
    staged = run_in(workspace, stage.run, two_bot_settings(two_bots, action="stage"))
    promoted = run_in(workspace, promote.run, two_bot_settings(two_bots, action="promote"))
    assert staged.exit_code == promoted.exit_code == 0
    assert any(f"staging guild {STAGING_GUILD}" in line for line in promoted.lines if "circuit breaker passed" in line)
    holds_the_set(two_bots)
    assert_each_request_stayed_home(two_bots.requests)
    # promote: the breaker's GET of the staging guild (staging bot), then GET, PUT, GET of global commands.
    assert promoted.outputs["requests"] == "4"
    record = (workspace / "deployment.log").read_text()
    assert f'"application_id":"{STAGING_APP}"' in record and f'"application_id":"{PROD_APP}"' in record


def test_deploy_in_one_job_uses_both_bots(two_bots: Emulator, workspace: Path) -> None:
    outcome = run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    assert outcome.exit_code == 0, outcome.lines
    holds_the_set(two_bots)
    assert_each_request_stayed_home(two_bots.requests)
    # stage GET, PUT, GET; promote GET, PUT, GET (its breaker takes the stage this run just verified).
    assert outcome.outputs["requests"] == "6" and len(two_bots.requests) == 6
    again = run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    assert again.outputs["requests"] == "2"  # nothing changed: one GET per scope


def test_rollback_and_health_use_the_bot_of_their_environment(two_bots: Emulator, workspace: Path) -> None:
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    (workspace / "commands" / "fun" / "quote.json").unlink()
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy", allow_deletions=True))
    for environment in ("staging", "production"):
        restored = run_in(
            workspace, rollback.run, two_bot_settings(two_bots, action="rollback", environment=environment)
        )
        assert restored.exit_code == 0 and restored.outputs["changed"] == "true"
    checked = run_in(workspace, health.run, two_bot_settings(two_bots, action="health", environment="staging"))
    assert checked.exit_code == 0
    assert_each_request_stayed_home(two_bots.requests)


def test_the_production_bot_alone_cannot_reach_the_staging_guild(two_bots: Emulator, workspace: Path) -> None:
    """Staging with the production bot (no staging credentials) is refused by Discord: it is not a member."""
    settings = two_bot_settings(two_bots, action="stage", staging_bot_token=None, staging_application_id=None)
    settings = settings.replace(staging_bot_token=None, staging_application_id=None)
    with pytest.raises(DeployError, match=r"the application is not in guild .* \(50001\)"):
        run_in(workspace, stage.run, settings)
    assert [r.status for r in two_bots.requests] == [403]


def test_a_staging_token_without_its_application_id_is_named(two_bots: Emulator, workspace: Path) -> None:
    settings = two_bot_settings(two_bots, action="stage").replace(staging_application_id=None)
    with pytest.raises(UsageError, match="no application ID for the staging bot: looked in --staging-application-id"):
        run_in(workspace, stage.run, settings)
    assert two_bots.requests == []


# ------------------------------------------------------------------------------------------- separate jobs


def job(gh: GitHubStandIn, ws: Path, emu: Emulator, action: str, **extra: str) -> StepResult:
    inputs = {
        "action": action,
        "bot-token": PROD_TOKEN,
        "application-id": PROD_APP,
        "staging-bot-token": STAGING_TOKEN,
        "staging-application-id": STAGING_APP,
        "guild-id": STAGING_GUILD,
        "discord-api-url": emu.url,
        **extra,
    }
    env = {"GITHUB_API_URL": gh.url, "GITHUB_WORKFLOW_REF": "alia-bot/alia-bot/.github/workflows/d.yml@refs/heads/main"}
    return run_action(ws, inputs, env=env)


def assert_tokens_masked_and_kept(step: StepResult, known: tuple[str, ...] = (PROD_TOKEN, STAGING_TOKEN)) -> None:
    """The tokens the step knew are masked; neither token appears anywhere else."""
    masks = {line.removeprefix("::add-mask::") for line in step.stdout.splitlines() if line.startswith("::add-mask::")}
    assert set(known) <= masks
    shown = "\n".join(line for line in step.stdout.splitlines() if not line.startswith("::add-mask::"))
    for text in (shown, step.stderr, step.summary, *step.outputs.values()):
        assert PROD_TOKEN not in text and STAGING_TOKEN not in text


def test_stage_and_promote_in_separate_jobs_with_two_bots_meet_through_github_deployments(
    gh: GitHubStandIn, two_bots: Emulator, tmp_path: Path
) -> None:
    staged = job(gh, copy_commands(tmp_path / "staging-job"), two_bots, "stage")
    assert staged.returncode == 0, staged.stdout + staged.stderr
    production_job = copy_commands(tmp_path / "production-job")
    promoted = job(gh, production_job, two_bots, "promote")
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert "circuit breaker passed" in promoted.stdout
    holds_the_set(two_bots)
    assert_each_request_stayed_home(two_bots.requests)
    records = [d for e in ENVIRONMENTS for d in gh.deployments_in(e) if d["payload"]["outcome"] == "success"]
    assert sorted(r["payload"]["application_id"] for r in records) == [PROD_APP, STAGING_APP]
    for step in (staged, promoted):
        assert_tokens_masked_and_kept(step)


# ------------------------------------------------------------------------------------------- Parameter Store


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def ssm(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    yield boto3.client(
        "ssm", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="seed", aws_secret_access_key="seed"
    )
    moto_reset(moto_url)


def original_layout(ssm: Any) -> None:
    """The original system's parameters: production has no GUILD_ID."""
    values = {
        "/alia-bot/staging/BOT_TOKEN": STAGING_TOKEN,
        "/alia-bot/staging/CLIENT_ID": STAGING_APP,
        "/alia-bot/staging/GUILD_ID": STAGING_GUILD,
        "/alia-bot/production/BOT_TOKEN": PROD_TOKEN,
        "/alia-bot/production/CLIENT_ID": PROD_APP,
    }
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString" if name.endswith("TOKEN") else "String")


def test_the_original_parameter_store_layout_with_role_to_assume_only(
    ssm: Any, moto_url: str, two_bots: Emulator, tmp_path: Path
) -> None:
    original_layout(ssm)
    ws = copy_commands(tmp_path / "workspace")
    inputs = {"role-to-assume": ROLE, "aws-region": REGION, "discord-api-url": two_bots.url, "github-token": ""}
    with OidcStandIn() as oidc:
        env = {**oidc.env(), "AWS_ENDPOINT_URL": moto_url}
        staged = run_action(ws, {"action": "stage", **inputs}, env=env)
        assert staged.returncode == 0, staged.stdout + staged.stderr
        promoted = run_action(ws, {"action": "promote", **inputs}, env=env)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr + (ws / "deployment.log").read_text()
    assert "Parameter Store under /alia-bot/production" in promoted.stdout
    assert "Parameter Store under /alia-bot/staging" in promoted.stdout
    assert "circuit breaker passed" in promoted.stdout
    holds_the_set(two_bots)
    assert_each_request_stayed_home(two_bots.requests)
    assert_tokens_masked_and_kept(staged, (STAGING_TOKEN,))  # stage never even read the production token
    assert_tokens_masked_and_kept(promoted)


def test_a_missing_staging_guild_is_named_with_where_it_was_looked_for(two_bots: Emulator, workspace: Path) -> None:
    settings = two_bot_settings(two_bots, action="stage").replace(guild_id=None)
    with pytest.raises(UsageError, match=r"no staging guild: looked in --guild-id, GUILD_ID; set it to the ID"):
        run_in(workspace, stage.run, settings)


def test_the_breaker_says_how_to_stage_in_the_terminal_s_words(two_bots: Emulator, workspace: Path) -> None:
    with pytest.raises(DeployError, match=r"run the staging deploy again \(`command-deploy stage`\)"):
        run_in(workspace, promote.run, two_bot_settings(two_bots, action="promote"))


def test_deploy_with_environment_staging_still_promotes_with_the_production_bot(
    two_bots: Emulator, workspace: Path
) -> None:
    """environment only picks the scope of rollback, health and detect: deploy's promote is always global, by the
    production bot (the original pipeline once deployed the staging bot's global commands here)."""
    outcome = run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy", environment="staging"))
    assert outcome.exit_code == 0
    holds_the_set(two_bots)
    assert_each_request_stayed_home(two_bots.requests)


def test_detect_reads_the_live_commands_with_the_bot_of_its_environment(two_bots: Emulator, workspace: Path) -> None:
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    mark = len(two_bots.requests)
    for environment, app in (("staging", STAGING_APP), ("production", PROD_APP)):
        planned = run_in(workspace, detect.run, two_bot_settings(two_bots, action="detect", environment=environment))
        assert planned.exit_code == 0 and planned.outputs["changed"] == "false"
        assert two_bots.requests[-1].caller == app
    assert len(two_bots.requests) == mark + 2
    assert_each_request_stayed_home(two_bots.requests)


def test_backups_of_each_environment_are_those_of_its_bot(two_bots: Emulator, workspace: Path) -> None:
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    (workspace / "commands" / "fun" / "quote.json").unlink()
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy", allow_deletions=True))
    for environment, scope in (("staging", f"guild {STAGING_GUILD}"), ("production", "global")):
        out = io.StringIO()
        runtime = Runtime(workspace=workspace)
        try:
            settings = two_bot_settings(two_bots, action="health")
            assert rollback.list_backups(settings, runtime, Workflow({}, out), environment) == 0
        finally:
            runtime.close()
        lines = [line for line in out.getvalue().splitlines() if line.startswith("commands-")]
        app = STAGING_APP if environment == "staging" else PROD_APP
        assert len(lines) == 2, out.getvalue()  # the two deploys' backups of this scope, none of the other
        assert all(scope in line and f"app {app}" in line for line in lines), out.getvalue()


def test_a_production_only_run_never_needs_the_staging_credentials(two_bots: Emulator, workspace: Path) -> None:
    """health of global commands works even when the staging bot's settings are incomplete (or, with a role that
    may read only the production prefix, unreadable): they are named when staging is used, not before."""
    run_in(workspace, deploy.run, two_bot_settings(two_bots, action="deploy"))
    broken = two_bot_settings(two_bots, action="health", environment="production").replace(staging_application_id=None)
    checked = run_in(workspace, health.run, broken)
    assert checked.exit_code == 0 and checked.outputs["health"] == "healthy"
    with pytest.raises(UsageError, match="no application ID for the staging bot"):
        run_in(workspace, health.run, broken.replace(environment="staging"))
