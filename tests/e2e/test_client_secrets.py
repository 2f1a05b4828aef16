"""Least privilege: a pipeline with two client secrets (staging application, production application) and no bot
token anywhere, through the action's entrypoint against the emulator.

Each client secret is exchanged once per application (POST /oauth2/token, HTTP Basic) for a Bearer token scoped
applications.commands.update (application-commands.mdx:234, oauth2.mdx:239-283); the emulator's request log
proves which application's Bearer sent each command request, and that no request carried a bot token. A refused
exchange stops the run before anything is written.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator, LoggedRequest
from alia_action.handlers import deploy, detect, health, rollback, stage
from alia_action.runtime import Runtime
from tests.support.actions_runner import ROOT, StepResult, run_action
from tests.support.discord_fixtures import FAST
from tests.support.oidc_standin import OidcStandIn, moto_reset, moto_server
from tests.support.two_apps import PROD_APP, STAGING_APP, STAGING_GUILD, assert_each_request_stayed_home, holds_the_set

PROD_SECRET, STAGING_SECRET = "pr0dClientSecret-canary-abcdef012", "st4gClientSecret-canary-987654zyx"
# The applications have bot tokens (every Discord application does), but no test here hands them to the action.
PROD_BOT, STAGING_BOT = "never-given.production-bot-token", "never-given.staging-bot-token"
ROLE, REGION = "arn:aws:iam::123456789012:role/deploy", "us-east-1"


@pytest.fixture
def apps() -> Iterator[Emulator]:
    """Two applications with client secrets; only the staging application is in the staging guild."""
    with Emulator() as emu:
        for app, bot, secret in ((PROD_APP, PROD_BOT, PROD_SECRET), (STAGING_APP, STAGING_BOT, STAGING_SECRET)):
            emu.add_application(app, bot)
            emu.add_client_secret(app, secret)
        emu.add_guild(STAGING_APP, STAGING_GUILD)
        yield emu


def workspace(tmp_path: Path, name: str = "workspace") -> Path:
    ws = tmp_path / name
    shutil.copytree(ROOT / "examples" / "commands", ws / "commands")
    return ws


def exchanges(requests: list[LoggedRequest]) -> list[tuple[str | None, int | None]]:
    """(application, status) of each token exchange, in order."""
    return [(r.caller, r.status) for r in requests if r.path.endswith("/oauth2/token")]


def assert_secrets_masked_and_kept(step: StepResult, known: tuple[str, ...], bearers: set[str]) -> None:
    """The secrets the step knew, and the Bearer tokens it was given (``bearers``), are masked; none shows anywhere
    else."""
    masks = {line.removeprefix("::add-mask::") for line in step.stdout.splitlines() if line.startswith("::add-mask::")}
    assert set(known) | bearers <= masks
    shown = "\n".join(line for line in step.stdout.splitlines() if not line.startswith("::add-mask::"))
    for text in (shown, step.stderr, step.summary, *step.outputs.values()):
        for value in (PROD_SECRET, STAGING_SECRET, *bearers):
            assert value not in text


def secret_inputs(emu: Emulator, action: str) -> dict[str, str]:
    return {
        "action": action,
        "client-secret": PROD_SECRET,
        "application-id": PROD_APP,
        "staging-client-secret": STAGING_SECRET,
        "staging-application-id": STAGING_APP,
        "guild-id": STAGING_GUILD,
        "discord-api-url": emu.url,
        "github-token": "",
    }


# ------------------------------------------------------------------------------------------- the entrypoint


def test_stage_and_promote_with_two_client_secrets_and_no_bot_token(apps: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    staged = run_action(ws, secret_inputs(apps, "stage"))
    assert staged.returncode == 0, staged.stdout + staged.stderr
    stage_log, stage_bearers = apps.requests, set(apps.bearer_tokens)
    # stage: one exchange (the staging application's), then the staging guild's GET (backup, plan), PUT, GET.
    assert [(r.method, r.caller) for r in stage_log] == [
        ("POST", STAGING_APP),
        ("GET", STAGING_APP),
        ("PUT", STAGING_APP),
        ("GET", STAGING_APP),
    ]
    assert staged.outputs["requests"] == "3"  # command requests: the exchange is not one of them

    # promote: the secrets from the plain variables this time (the names a .env or a secrets store uses).
    inputs = {k: v for k, v in secret_inputs(apps, "promote").items() if not k.endswith("client-secret")}
    promoted = run_action(ws, inputs, env={"CLIENT_SECRET": PROD_SECRET, "STAGING_CLIENT_SECRET": STAGING_SECRET})
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert "circuit breaker passed" in promoted.stdout
    promote_log = apps.requests[len(stage_log) :]
    # One exchange per application, plus the same four command requests as with bot tokens (the breaker's GET of
    # the staging guild; GET, PUT, GET of the global commands).
    assert exchanges(promote_log) == [(PROD_APP, 200), (STAGING_APP, 200)]
    commands = [(r.method, r.caller) for r in promote_log if not r.path.endswith("/oauth2/token")]
    assert commands == [("GET", STAGING_APP), ("GET", PROD_APP), ("PUT", PROD_APP), ("GET", PROD_APP)]
    assert promoted.outputs["requests"] == "4"  # as with bot tokens

    holds_the_set(apps)
    assert_each_request_stayed_home(apps.requests, scheme="Bearer")
    for step in (staged, promoted):
        environ_seen = step.stdout + step.stderr
        assert PROD_BOT not in environ_seen and STAGING_BOT not in environ_seen
        assert "bot token is not sent" not in environ_seen  # no bot token was given: nothing to say
    assert len(stage_bearers) == 1 and len(apps.bearer_tokens) == 3  # one per application and run
    assert_secrets_masked_and_kept(staged, (STAGING_SECRET, PROD_SECRET), stage_bearers)
    assert_secrets_masked_and_kept(promoted, (STAGING_SECRET, PROD_SECRET), set(apps.bearer_tokens) - stage_bearers)


def test_a_refused_staging_secret_stops_stage_before_any_write(apps: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    step = run_action(ws, {**secret_inputs(apps, "stage"), "staging-client-secret": STAGING_SECRET + "x"})
    assert step.returncode == 1, step.stdout + step.stderr
    [(_props, message)] = step.annotations("error")
    assert message.startswith(
        f"Discord refused the staging client secret (the staging-client-secret input) for application {STAGING_APP} "
        "(POST /oauth2/token: HTTP 401 invalid_client)"
    )
    assert f"https://discord.com/developers/applications/{STAGING_APP}/oauth2" in message
    assert [(r.method, r.status) for r in apps.requests] == [("POST", 401)]  # the exchange, then nothing
    assert apps.commands(STAGING_APP, STAGING_GUILD) == []
    assert sorted(p.name for p in ws.iterdir()) == ["command-deployment-report.json", "commands"]  # no claim, no backup
    assert "Traceback" not in step.stdout + step.stderr
    assert STAGING_SECRET not in step.stdout.replace(f"::add-mask::{STAGING_SECRET}x", "")


def test_a_refused_production_secret_stops_promote_before_any_write(apps: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    assert run_action(ws, secret_inputs(apps, "stage")).returncode == 0
    mark = len(apps.requests)
    apps.add_client_secret(PROD_APP, PROD_SECRET, scopes={"identify"})  # the application may not grant the scope
    step = run_action(ws, secret_inputs(apps, "promote"))
    assert step.returncode == 1
    [(_props, message)] = step.annotations("error")
    assert "Discord refused the production client secret (the client-secret input)" in message
    assert "HTTP 400 invalid_scope): the scope applications.commands.update was not granted" in message
    after = apps.requests[mark:]
    assert not any(r.method in ("PUT", "POST", "PATCH", "DELETE") and "/oauth2/" not in r.path for r in after)
    assert exchanges(after)[-1] == (PROD_APP, 400)
    assert apps.commands(PROD_APP, None) == []


# ------------------------------------------------------------------------------------------- every action


def secret_settings(emu: Emulator, **values: Any) -> Settings:
    given = {
        "commands": "commands",
        "application_id": PROD_APP,
        "staging_application_id": STAGING_APP,
        "guild_id": STAGING_GUILD,
        "discord_api_url": emu.url,
        **values,
    }
    return Settings.from_cli(given, {"CLIENT_SECRET": PROD_SECRET, "STAGING_CLIENT_SECRET": STAGING_SECRET}, None)


def run_in(ws: Path, handler: Any, settings: Settings, lines: list[str] | None = None) -> Any:
    runtime = Runtime(workspace=ws, client_options=dict(FAST), log=(lines.append if lines is not None else print))
    try:
        return handler(settings, runtime)
    finally:
        runtime.close()


def test_every_action_works_with_client_secrets(apps: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    assert run_in(ws, deploy.run, secret_settings(apps, action="deploy")).exit_code == 0
    holds_the_set(apps)
    (ws / "commands" / "fun" / "quote.json").unlink()
    assert run_in(ws, stage.run, secret_settings(apps, action="stage", allow_deletions=True)).exit_code == 0
    # staging now lacks quote (in sync); production still has it (one extra live command: degraded, not broken).
    for environment, app, changed, status in (
        ("staging", STAGING_APP, "false", "healthy"),
        ("production", PROD_APP, "true", "degraded"),
    ):
        mark = len(apps.requests)
        planned = run_in(ws, detect.run, secret_settings(apps, action="detect", environment=environment))
        assert (planned.exit_code, planned.outputs["changed"]) == (0, changed)
        assert exchanges(apps.requests[mark:]) == [(app, 200)]
        checked = run_in(ws, health.run, secret_settings(apps, action="health", environment=environment))
        assert (checked.exit_code, checked.outputs["health"]) == (0, status)
    restored = run_in(ws, rollback.run, secret_settings(apps, action="rollback", environment="staging"))
    assert restored.exit_code == 0 and restored.outputs["changed"] == "true"
    assert len(apps.commands(STAGING_APP, STAGING_GUILD)) == 51
    assert_each_request_stayed_home(apps.requests, scheme="Bearer")


def test_with_both_credentials_the_secret_is_used_and_that_is_said_once(apps: Emulator, tmp_path: Path) -> None:
    lines: list[str] = []
    both = secret_settings(apps, action="deploy", bot_token=PROD_BOT, staging_bot_token=STAGING_BOT)
    assert run_in(workspace(tmp_path), deploy.run, both, lines).exit_code == 0
    said = [line for line in lines if "the bot token is not sent" in line]
    assert said == [
        f"Both a client secret and a bot token are set for the {env} application {app}: using the client secret "
        "(least privilege); the bot token is not sent."
        for env, app in (("staging", STAGING_APP), ("production", PROD_APP))
    ]
    assert_each_request_stayed_home(apps.requests, scheme="Bearer")


# ------------------------------------------------------------------------------------------- Parameter Store


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def ssm(moto_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    yield boto3.client(
        "ssm", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="seed", aws_secret_access_key="seed"
    )
    moto_reset(moto_url)


def test_client_secrets_in_the_original_parameter_store_layout(
    ssm: Any, moto_url: str, apps: Emulator, tmp_path: Path
) -> None:
    """CLIENT_SECRET beside CLIENT_ID under each prefix, in place of BOT_TOKEN: role-to-assume is all it takes."""
    values = {
        "/alia-bot/staging/CLIENT_SECRET": STAGING_SECRET,
        "/alia-bot/staging/CLIENT_ID": STAGING_APP,
        "/alia-bot/staging/GUILD_ID": STAGING_GUILD,
        "/alia-bot/production/CLIENT_SECRET": PROD_SECRET,
        "/alia-bot/production/CLIENT_ID": PROD_APP,
    }
    for name, value in values.items():
        ssm.put_parameter(Name=name, Value=value, Type="SecureString" if "SECRET" in name else "String")
    ws = workspace(tmp_path)
    inputs = {"role-to-assume": ROLE, "aws-region": REGION, "discord-api-url": apps.url, "github-token": ""}
    with OidcStandIn() as oidc:
        env = {**oidc.env(), "AWS_ENDPOINT_URL": moto_url}
        staged = run_action(ws, {"action": "stage", **inputs}, env=env)
        assert staged.returncode == 0, staged.stdout + staged.stderr
        stage_bearers = set(apps.bearer_tokens)
        promoted = run_action(ws, {"action": "promote", **inputs}, env=env)
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert "Read CLIENT_SECRET, CLIENT_ID from Parameter Store under /alia-bot/production" in promoted.stdout
    holds_the_set(apps)
    assert_each_request_stayed_home(apps.requests, scheme="Bearer")
    assert_secrets_masked_and_kept(staged, (STAGING_SECRET,), stage_bearers)
    assert_secrets_masked_and_kept(promoted, (STAGING_SECRET, PROD_SECRET), set(apps.bearer_tokens) - stage_bearers)
