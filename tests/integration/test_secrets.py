"""Parameter Store credentials, directly and through the job's OIDC token, over real loopback HTTP.

AWS is moto in server mode (boto3 reaches it through ``AWS_ENDPOINT_URL``, as it would any endpoint);
GitHub's OIDC token endpoint and AWS refusals are the stand-ins of tests/support/oidc_standin.py; Discord is
the project's emulator. The end-to-end test runs ``entrypoint.py`` as GitHub's runner would.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.errors import DeployError, UsageError
from alia_action.redaction import Secrets
from alia_action.runtime import Runtime
from alia_action.stores.secrets import MISSING_ID_TOKEN, TemporaryCredentials, with_audience
from alia_action.wording import ACTION
from tests.support.actions_runner import ROOT, run_action
from tests.support.discord_fixtures import APP_ID, GUILD_ID, TOKEN
from tests.support.oidc_standin import (
    ID_TOKEN,
    REQUEST_TOKEN,
    AwsRefusal,
    OidcStandIn,
    moto_assumed_roles,
    moto_reset,
    moto_server,
)

ROLE = "arn:aws:iam::123456789012:role/deploy"
REGION = "us-east-1"
REPOSITORY = "alia-bot/alia-bot"
STATIC_KEY_ID = "AKIASTATICLEAKCANARY1"
STATIC_SECRET = "static/secret+leak-canary-0123456789abcdef"


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def aws(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """An empty moto, reached through the standard endpoint variable, with no ambient AWS configuration."""
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    # The test's own client seeds moto; the code under test never sees these keys.
    yield boto3.client(
        "ssm", region_name=REGION, endpoint_url=moto_url, aws_access_key_id="seed", aws_secret_access_key="seed"
    )
    moto_reset(moto_url)


@pytest.fixture
def static_keys(aws: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Long-lived keys in the environment: boto3's default chain, used when no role is assumed."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", STATIC_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", STATIC_SECRET)


@pytest.fixture
def oidc() -> Iterator[OidcStandIn]:
    with OidcStandIn() as standin:
        yield standin


def put(ssm: Any, prefix: str, **values: str) -> None:
    for key, value in values.items():
        kind = "SecureString" if key == "BOT_TOKEN" else "String"
        ssm.put_parameter(Name=f"{prefix}/{key}", Value=value, Type=kind)


@dataclass
class Recorder:
    """A Runtime's secrets registry (each new value) and log, in one ordered list of events."""

    events: list[tuple[str, str]] = field(default_factory=list)

    def mask(self, secret: str) -> None:
        self.events.append(("mask", secret))

    def log(self, line: str) -> None:
        self.events.append(("log", line))

    @property
    def masked(self) -> list[str]:
        return [value for kind, value in self.events if kind == "mask"]


def settings(**values: Any) -> Settings:
    return Settings.from_cli({"aws_region": REGION, **values}, {}, None)


def context(tmp_path: Path, recorder: Recorder, environ: dict[str, str], *, in_actions: bool = True) -> Runtime:
    secrets = Secrets()
    secrets.on_new(recorder.mask)
    return Runtime(
        workspace=tmp_path,
        environ={"GITHUB_REPOSITORY": REPOSITORY, **environ},
        in_actions=in_actions,
        secrets=secrets,
        log=recorder.log,
    )


def read_parameters(settings: Settings, ctx: Runtime) -> dict[str, str]:
    """Parameter Store as a run reads it: through the run's AWS session, masking into its registry."""
    return ctx.parameters(settings)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# ---------------------------------------------------------------------------- end to end, as the runner runs it


def without_mask_lines(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))


def test_stage_reads_credentials_through_oidc_and_never_prints_them(
    aws: Any, moto_url: str, oidc: OidcStandIn, live: Emulator, workspace: Path
) -> None:
    put(aws, "/alia-bot/staging", BOT_TOKEN=TOKEN, CLIENT_ID=APP_ID, GUILD_ID=GUILD_ID)
    step = run_action(
        workspace,
        {
            "action": "stage",
            "environment": "staging",
            "role-to-assume": ROLE,
            "aws-region": REGION,
            "discord-api-url": live.url,
            "github-token": "",  # the record stays in deployment.log: no GitHub here
        },
        env={**oidc.env(), "AWS_ENDPOINT_URL": moto_url},
    )
    assert step.returncode == 0, step.stdout + step.stderr
    assert step.outputs["changed"] == "true"
    assert len(live.commands(APP_ID, GUILD_ID)) > 0  # the token from Parameter Store opened the emulator

    # The job's token was asked for the STS audience, with the runner's bearer token; STS saw the role.
    [request] = oidc.seen
    assert request.query["audience"] == ["sts.amazonaws.com"]
    assert request.headers["authorization"] == f"Bearer {REQUEST_TOKEN}"
    [session] = moto_assumed_roles(moto_url)
    assert (session["role_arn"], session["session_name"]) == (ROLE, "command-deploy")

    aws_keys = [session["access_key_id"], session["secret_access_key"], session["session_token"]]
    secrets = [TOKEN, ID_TOKEN, REQUEST_TOKEN, *aws_keys]
    masks = [line.removeprefix("::add-mask::") for line in step.stdout.splitlines() if line.startswith("::add-mask::")]
    assert set(secrets) <= set(masks) and not {APP_ID, GUILD_ID} & set(masks)
    # Masked before anything else that follows the read is printed.
    lines = step.stdout.splitlines()
    read_line = next(i for i, line in enumerate(lines) if "from Parameter Store under /alia-bot/staging" in line)
    assert all(lines.index(f"::add-mask::{s}") < read_line for s in secrets)
    # Nowhere else: not in the log, not in the outputs, not in the summary.
    everything = "\n".join([without_mask_lines(step.stdout), step.stderr, *step.outputs.values(), step.summary])
    for secret in secrets:
        assert secret not in everything
    # Nor written to any file (the temporary credentials stay in the process).
    for folder in (workspace, workspace.parent / f"{workspace.name}-runner"):
        for path in (p for p in folder.rglob("*") if p.is_file()):
            text = path.read_bytes().decode("utf-8", "replace")
            assert not [s for s in secrets if s in text], path


def test_without_id_token_permission_the_step_says_so(aws: Any, live: Emulator, workspace: Path) -> None:
    step = run_action(workspace, {"action": "stage", "role-to-assume": ROLE, "discord-api-url": live.url})
    assert step.returncode == 2
    [(_props, message)] = step.annotations("error")
    assert message == MISSING_ID_TOKEN
    assert "Traceback" not in step.stdout + step.stderr


def test_a_missing_parameter_is_named_with_the_permission_to_check(
    aws: Any, moto_url: str, oidc: OidcStandIn, live: Emulator, workspace: Path
) -> None:
    put(aws, "/alia-bot/production", BOT_TOKEN=TOKEN)  # promote reads the production prefix first
    step = run_action(
        workspace,
        {"action": "promote", "role-to-assume": ROLE, "aws-region": REGION, "discord-api-url": live.url},
        env={**oidc.env(), "AWS_ENDPOINT_URL": moto_url},
    )
    assert step.returncode == 1
    [(_props, message)] = step.annotations("error")
    assert "Parameter Store has no /alia-bot/production/CLIENT_ID in us-east-1" in message
    assert "ssm:GetParameters on arn:aws:ssm:us-east-1:123456789012:parameter/alia-bot/production/*" in message
    assert "kms:Decrypt" in message and ROLE in message
    assert f"::add-mask::{TOKEN}" in step.stdout and TOKEN not in without_mask_lines(step.stdout)
    assert "Traceback" not in step.stdout + step.stderr


# ---------------------------------------------------------------------------- read_parameters in process


def test_parameters_are_trimmed_masked_and_masked_before_the_log(aws: Any, static_keys: None, tmp_path: Path) -> None:
    put(aws, "/alia-bot/staging", BOT_TOKEN=f"{TOKEN}\n", CLIENT_ID=APP_ID, GUILD_ID=f" {GUILD_ID} ")
    recorder = Recorder()
    ctx = context(tmp_path, recorder, {})

    values = read_parameters(settings(environment="staging"), ctx)

    assert values == {"BOT_TOKEN": TOKEN, "CLIENT_ID": APP_ID, "GUILD_ID": GUILD_ID}
    kinds = [kind for kind, _ in recorder.events]
    assert kinds[-1] == "log" and set(kinds[:-1]) == {"mask"}  # the token masked before the first log line
    # Only the token: the IDs are no secret, and a record whose application reads "***" matches nothing.
    assert {v.strip() for v in recorder.masked} == {TOKEN}
    assert "BOT_TOKEN, CLIENT_ID, GUILD_ID" in recorder.events[-1][1] and TOKEN not in recorder.events[-1][1]


def test_guild_id_is_optional(aws: Any, static_keys: None, tmp_path: Path) -> None:
    put(aws, "/alia-bot/production", BOT_TOKEN=TOKEN, CLIENT_ID=APP_ID)
    values = read_parameters(settings(), context(tmp_path, Recorder(), {}))
    assert values == {"BOT_TOKEN": TOKEN, "CLIENT_ID": APP_ID}


def test_a_client_secret_stands_in_for_the_bot_token_and_is_masked_first(
    aws: Any, static_keys: None, tmp_path: Path
) -> None:
    secret = "parameter-store-client-secret-0123"
    put(aws, "/alia-bot/production", CLIENT_SECRET=f"{secret}\n", CLIENT_ID=APP_ID)
    recorder = Recorder()
    values = read_parameters(settings(), context(tmp_path, recorder, {}))
    assert values == {"CLIENT_SECRET": secret, "CLIENT_ID": APP_ID}
    assert {v.strip() for v in recorder.masked} == {secret}
    assert recorder.events[0][0] == "mask" and secret not in recorder.events[-1][1]


def test_missing_bot_token_without_a_role_names_path_and_a_placeholder_account(
    aws: Any, static_keys: None, tmp_path: Path
) -> None:
    put(aws, "/teams/bot/production", CLIENT_ID=APP_ID)
    with pytest.raises(DeployError) as caught:
        read_parameters(settings(ssm_prefix="/teams/bot/{environment}"), context(tmp_path, Recorder(), {}))
    message = str(caught.value)
    assert (
        "no /teams/bot/production/CLIENT_SECRET (or /teams/bot/production/BOT_TOKEN) in us-east-1" in message
        and "put-parameter --type SecureString --name /teams/bot/production/CLIENT_SECRET --value" in message
    )
    assert "arn:aws:ssm:us-east-1:<account>:parameter/teams/bot/production/*" in message
    assert "the AWS identity in use" in message and not isinstance(caught.value, UsageError)
    # The other way to give credentials, in the words of the interface: a terminal has no bot-token input.
    assert "or set CLIENT_SECRET or BOT_TOKEN (environment or .env) and `--application-id ID`." in message

    action = context(tmp_path, Recorder(), {})
    action.wording = ACTION
    with pytest.raises(
        DeployError, match=r"or set `client-secret: \.\.\.` \(or `bot-token: \.\.\.`\) and `application-id: ID`\."
    ):
        read_parameters(settings(ssm_prefix="/teams/bot/{environment}"), action)


def test_a_client_id_that_is_not_an_id_is_refused_without_showing_it(
    aws: Any, static_keys: None, tmp_path: Path
) -> None:
    put(aws, "/alia-bot/production", BOT_TOKEN=TOKEN, CLIENT_ID=TOKEN)  # pasted into the wrong parameter
    recorder = Recorder()
    with pytest.raises(DeployError, match=r"/alia-bot/production/CLIENT_ID must be a Discord ID") as caught:
        read_parameters(settings(), context(tmp_path, recorder, {}))
    assert TOKEN not in str(caught.value) + repr(caught.value)
    assert TOKEN in recorder.masked


def test_the_role_session_is_in_process_only(aws: Any, oidc: OidcStandIn, moto_url: str, tmp_path: Path) -> None:
    put(aws, "/alia-bot/production", BOT_TOKEN=TOKEN, CLIENT_ID=APP_ID)
    recorder = Recorder()
    before = dict(os.environ)

    values = read_parameters(settings(role_to_assume=ROLE), context(tmp_path, recorder, oidc.env()))

    assert values == {"BOT_TOKEN": TOKEN, "CLIENT_ID": APP_ID}
    [session] = moto_assumed_roles(moto_url)
    keys = [session["access_key_id"], session["secret_access_key"], session["session_token"]]
    # Masked in the order they became known: the runner's bearer, the OIDC token, the AWS keys, then the
    # bot token (the application ID is no secret).
    assert recorder.masked == [REQUEST_TOKEN, ID_TOKEN, *keys, TOKEN]
    assert dict(os.environ) == before  # nothing exported
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]  # nothing written


def test_missing_id_token_variables_outside_actions_point_to_local_credentials(aws: Any, tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        read_parameters(settings(role_to_assume=ROLE), context(tmp_path, Recorder(), {}, in_actions=False))
    assert str(caught.value).startswith(MISSING_ID_TOKEN)
    assert "outside GitHub Actions, leave role-to-assume empty" in str(caught.value)


@pytest.mark.parametrize(
    ("code", "aws_message"),
    [
        ("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity"),
        ("InvalidIdentityToken", f"Incorrect token audience in {ID_TOKEN}"),  # an AWS text that quotes the token
    ],
)
def test_sts_refusal_names_the_role_and_the_trust_policy_conditions(
    aws: Any, oidc: OidcStandIn, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, code: str, aws_message: str
) -> None:
    with AwsRefusal.sts(code, aws_message) as sts:
        monkeypatch.setenv("AWS_ENDPOINT_URL_STS", sts.url)
        with pytest.raises(DeployError) as caught:
            read_parameters(settings(role_to_assume=ROLE), context(tmp_path, Recorder(), oidc.env()))
        [call] = sts.seen
    message = str(caught.value)
    assert f"AWS STS would not let this job assume role {ROLE} ({code}: " in message
    assert "token.actions.githubusercontent.com:aud = sts.amazonaws.com" in message
    assert f"token.actions.githubusercontent.com:sub matching repo:{REPOSITORY}:..." in message
    assert "of account 123456789012" in message
    assert ID_TOKEN not in message + repr(caught.value)
    assert b"AssumeRoleWithWebIdentity" in call.body and "authorization" not in call.headers  # unsigned


def test_ssm_access_denied_names_the_permissions_and_hides_the_keys(
    aws: Any, static_keys: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    denial = f"User with key {STATIC_KEY_ID} is not authorized to perform: ssm:GetParameters"
    with AwsRefusal.ssm("AccessDeniedException", denial) as ssm:
        monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", ssm.url)
        with pytest.raises(DeployError) as caught:
            read_parameters(settings(), context(tmp_path, Recorder(), {}))
    message = str(caught.value)
    assert message.startswith(
        "cannot read Parameter Store under /alia-bot/production in us-east-1 (AccessDeniedException"
    )
    assert "not authorized to perform: ssm:GetParameters" in message
    assert "ssm:GetParameters on arn:aws:ssm:us-east-1:<account>:parameter/alia-bot/production/*" in message
    assert STATIC_KEY_ID not in message and STATIC_SECRET not in message


def test_no_aws_credentials_at_all(aws: Any, tmp_path: Path) -> None:
    with pytest.raises(DeployError, match=r"no AWS credentials to read Parameter Store: set role-to-assume"):
        read_parameters(settings(), context(tmp_path, Recorder(), {}))


def test_a_refused_oidc_request_is_explained(aws: Any, oidc: OidcStandIn, tmp_path: Path) -> None:
    environ = {**oidc.env(), "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "not-the-runner-token"}
    with pytest.raises(DeployError, match=r"GitHub refused the OIDC token request \(HTTP 401\)") as caught:
        read_parameters(settings(role_to_assume=ROLE), context(tmp_path, Recorder(), environ))
    assert "not-the-runner-token" not in str(caught.value)


def test_an_unreachable_oidc_endpoint_is_a_clear_error(aws: Any, tmp_path: Path) -> None:
    environ = {
        "ACTIONS_ID_TOKEN_REQUEST_URL": f"http://127.0.0.1:{free_port()}/token?api-version=2.0",
        "ACTIONS_ID_TOKEN_REQUEST_TOKEN": REQUEST_TOKEN,
    }
    with pytest.raises(DeployError, match=r"cannot reach GitHub's OIDC token endpoint \(ConnectError\)"):
        read_parameters(settings(role_to_assume=ROLE), context(tmp_path, Recorder(), environ))


def test_an_unreachable_parameter_store_names_the_endpoint(
    aws: Any, static_keys: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    monkeypatch.setenv("AWS_ENDPOINT_URL_SSM", url)
    with pytest.raises(DeployError) as caught:
        read_parameters(settings(), context(tmp_path, Recorder(), {}))
    assert str(caught.value) == f"cannot reach Parameter Store in us-east-1: EndpointConnectionError ({url}/)"


# ---------------------------------------------------------------------------- small parts


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "https://t.example/token?api-version=2.0",
            "https://t.example/token?api-version=2.0&audience=sts.amazonaws.com",
        ),
        ("https://t.example/token", "https://t.example/token?audience=sts.amazonaws.com"),
    ],
)
def test_audience_is_appended_to_the_request_url(url: str, expected: str) -> None:
    assert with_audience(url, "sts.amazonaws.com") == expected


def test_temporary_credentials_never_show_in_a_repr() -> None:
    credentials = TemporaryCredentials("ASIAKEY0123", "secret-value", "session-value")
    assert repr(credentials) == str(credentials) == "TemporaryCredentials(***)"


def test_importing_the_store_loads_no_aws_or_http_library() -> None:
    code = (
        "import sys, alia_action.stores.secrets, alia_action.runtime\n"
        "print(sorted(m for m in ('boto3', 'botocore', 'httpx') if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
