"""Discord credentials from AWS Systems Manager Parameter Store, optionally through the job's OIDC token.

``BOT_TOKEN`` or ``CLIENT_SECRET`` (the application's OAuth2 client secret, the least-privilege choice),
``CLIENT_ID`` and ``GUILD_ID`` (optional) are read under ``ssm-prefix`` in one ``GetParameters`` call
with decryption. With ``role-to-assume`` the action does itself what
aws-actions/configure-aws-credentials would: it asks GitHub for the job's OIDC token (audience
``sts.amazonaws.com``), trades it at STS for temporary credentials and keeps those in this process
only (a boto3 session: never the environment, never a file). Without it, boto3's own credential
chain applies.

Every value read here (parameters, the OIDC token, the temporary credentials) is handed to the mask
the moment it is known, before anything can print it. Error messages name paths, roles and IAM
permissions, never a value; AWS's own messages are scrubbed of every credential first.

Endpoints come from boto3's standard variables (``AWS_ENDPOINT_URL``, ``AWS_ENDPOINT_URL_SSM``,
``AWS_ENDPOINT_URL_STS``), which is how tests reach moto. boto3, botocore and httpx are imported
inside the functions: ``detect`` never pays for them.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import DeployError, UsageError
from ..redaction import excerpt, redactor

Mask = Callable[[str], None]
Log = Callable[[str], None]

PARAMETERS: tuple[str, ...] = ("BOT_TOKEN", "CLIENT_SECRET", "CLIENT_ID", "GUILD_ID")
# One of these authenticates an application: the client secret (preferred) or the bot token.
SECRETS: tuple[str, ...] = ("CLIENT_SECRET", "BOT_TOKEN")
SNOWFLAKES: tuple[str, ...] = ("CLIENT_ID", "GUILD_ID")
AUDIENCE = "sts.amazonaws.com"
OIDC_PROVIDER = "token.actions.githubusercontent.com"
OIDC_TIMEOUT = 10.0
MISSING_ID_TOKEN = (
    "role-to-assume needs `permissions: id-token: write` on the job (the OIDC token request variables are missing)"
)

_SNOWFLAKE = re.compile(r"[1-9][0-9]{0,19}")
# Codes whose AWS message helps (which action, which resource, which provider) and quotes no request data.
_EXPLAINED_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "InvalidIdentityToken",
        "IDPRejectedClaim",
        "IDPCommunicationError",
        "ExpiredTokenException",
        "RegionDisabledException",
        "ThrottlingException",
        "ValidationError",
        "ValidationException",
    }
)
_DETAIL_LIMIT = 300


@dataclass(frozen=True, slots=True)
class TemporaryCredentials:
    """STS credentials, held in memory only; the repr never shows them."""

    access_key_id: str
    secret_access_key: str
    session_token: str

    def __repr__(self) -> str:
        return "TemporaryCredentials(***)"

    def values(self) -> tuple[str, str, str]:
        return (self.access_key_id, self.secret_access_key, self.session_token)


@dataclass(frozen=True, slots=True)
class AwsConfig:
    """Where and as whom to reach AWS: the inputs ``aws-region``, ``role-to-assume``, ``role-session-name``
    and ``ssm-prefix`` (already formatted with the environment)."""

    region: str
    role_to_assume: str | None
    role_session_name: str
    ssm_prefix: str


@dataclass(frozen=True, slots=True)
class AwsSession:
    """A boto3 session and the secrets it was built from (to scrub from AWS's messages)."""

    session: Any
    known: tuple[str, ...] = ()


# ---------------------------------------------------------------------------- Parameter Store


def complete(values: Mapping[str, str]) -> bool:
    """An application can be reached with these: its ID, and its client secret or bot token."""
    return "CLIENT_ID" in values and any(key in values for key in SECRETS)


def parameter_paths(prefix: str) -> dict[str, str]:
    """``BOT_TOKEN`` → ``/alia-bot/production/BOT_TOKEN`` for each parameter read."""
    return {key: f"{prefix}/{key}" for key in PARAMETERS}


DIRECTLY = "set the bot-token and application-id inputs"  # the other way to give credentials (action words)


def read_parameters(
    aws: AwsSession, config: AwsConfig, mask: Mask, log: Log, *, required: bool = True, directly: str = DIRECTLY
) -> dict[str, str]:
    """``BOT_TOKEN``/``CLIENT_SECRET``, ``CLIENT_ID`` and (when present) ``GUILD_ID`` from Parameter Store, each
    masked.

    Raises :class:`DeployError` naming the parameter path and the IAM permissions when a required one
    is missing (``required``: CLIENT_ID and CLIENT_SECRET or BOT_TOKEN must exist; otherwise what exists is
    returned, e.g. the optional staging prefix) or cannot be read, and :class:`UsageError` when role-to-assume
    cannot get an OIDC token.
    """
    paths = parameter_paths(config.ssm_prefix)
    response = _ssm_get(config, aws.session, list(paths.values()), list(aws.known), directly)
    found: dict[str, str] = {}
    for parameter in response.get("Parameters", []):
        value, name = str(parameter.get("Value", "")), str(parameter.get("Name", ""))
        # The token first: nothing may print it before the mask is registered. The IDs are not secrets (every
        # invite link shows them) and must stay readable in records: the breaker and rollback match on them.
        if name.rsplit("/", 1)[-1] not in SNOWFLAKES:
            mask(value)
        found[name] = value.strip()

    values = {key: found[path] for key, path in paths.items() if found.get(path)}
    missing = [] if any(key in values for key in SECRETS) else [f"{paths['CLIENT_SECRET']} (or {paths['BOT_TOKEN']})"]
    missing += [paths["CLIENT_ID"]] if "CLIENT_ID" not in values else []
    if missing and required:
        raise DeployError(_missing_message(config, missing, directly))
    for key in SNOWFLAKES:
        if key in values and not _SNOWFLAKE.fullmatch(values[key]):
            raise DeployError(f"Parameter Store value {paths[key]} must be a Discord ID (digits only; value hidden)")
    read = ", ".join(values) if values else "nothing"
    log(f"Read {read} from Parameter Store under {config.ssm_prefix} ({config.region}).")
    return values


def _ssm_get(config: AwsConfig, session: Any, names: list[str], known: list[str], directly: str) -> dict[str, Any]:
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    try:
        client: Any = session.client("ssm", region_name=config.region, config=_client_config())
        response: dict[str, Any] = client.get_parameters(Names=names, WithDecryption=True)
    except NoCredentialsError:
        raise DeployError(
            "no AWS credentials to read Parameter Store: set role-to-assume (the job needs `permissions: "
            f"id-token: write`), configure AWS credentials in an earlier step, or {directly}"
        ) from None
    except ClientError as exc:
        detail = _client_error_detail(exc, known + _session_secrets(session))
        raise DeployError(
            f"cannot read Parameter Store under {config.ssm_prefix} in {config.region} ({detail}). "
            f"{_permission_hint(config)}"
        ) from None
    except BotoCoreError as exc:
        raise DeployError(f"cannot reach Parameter Store in {config.region}: {_botocore_detail(exc)}") from None
    return response


def _missing_message(config: AwsConfig, missing: list[str], directly: str = DIRECTLY) -> str:
    names = " and ".join(missing)
    return (
        f"Parameter Store has no {names} in {config.region}. Create it "
        f"(aws ssm put-parameter --type SecureString --name {missing[0].split()[0]} --value ...), or {directly}. "
        "If it exists, check aws-region, ssm-prefix and the permissions. "
        f"{_permission_hint(config)}"
    )


def _identity(config: AwsConfig) -> str:
    return f"role {config.role_to_assume}" if config.role_to_assume else "the AWS identity in use"


def _permission_hint(config: AwsConfig) -> str:
    partition, account = _partition_and_account(config)
    resource = f"arn:{partition}:ssm:{config.region}:{account}:parameter{config.ssm_prefix}/*"
    return (
        f"Required for {_identity(config)}: ssm:GetParameters on {resource}, and kms:Decrypt on the KMS key "
        "of SecureString parameters."
    )


def _partition_and_account(config: AwsConfig) -> tuple[str, str]:
    """From the role ARN when there is one; otherwise the region's partition and a placeholder account."""
    if config.role_to_assume:
        parts = config.role_to_assume.split(":")
        return parts[1], parts[4]
    region = config.region
    partition = "aws-cn" if region.startswith("cn-") else "aws-us-gov" if region.startswith("us-gov-") else "aws"
    return partition, "<account>"


# ---------------------------------------------------------------------------- sessions, OIDC and STS


def open_session(config: AwsConfig, environ: Mapping[str, str], mask: Mask, *, in_actions: bool) -> AwsSession:
    """A boto3 session for ``config.region`` and the secrets it was built from (to scrub from errors).

    With role-to-assume: the job's OIDC token traded for temporary credentials, all three masked.
    Without: boto3's default chain (environment, profile, container or instance credentials).
    """
    import boto3
    from botocore.exceptions import BotoCoreError

    if not config.role_to_assume:
        try:
            return AwsSession(boto3.Session(region_name=config.region))
        except BotoCoreError as exc:  # e.g. AWS_PROFILE names a profile that does not exist
            raise DeployError(f"cannot set up AWS credentials: {_botocore_detail(exc)}") from None

    token = oidc_token(environ, mask, in_actions=in_actions)
    credentials = assume_role(config, token, mask, repository=environ.get("GITHUB_REPOSITORY"))
    session = boto3.Session(
        aws_access_key_id=credentials.access_key_id,
        aws_secret_access_key=credentials.secret_access_key,
        aws_session_token=credentials.session_token,
        region_name=config.region,
    )
    return AwsSession(session, (token, *credentials.values()))


def oidc_token(environ: Mapping[str, str], mask: Mask, *, audience: str = AUDIENCE, in_actions: bool = True) -> str:
    """The job's OIDC token from GitHub's token endpoint (needs ``permissions: id-token: write``), masked."""
    url = (environ.get("ACTIONS_ID_TOKEN_REQUEST_URL") or "").strip()
    bearer = (environ.get("ACTIONS_ID_TOKEN_REQUEST_TOKEN") or "").strip()
    if not url or not bearer:
        hint = "" if in_actions else "; outside GitHub Actions, leave role-to-assume empty and use your AWS credentials"
        raise UsageError(MISSING_ID_TOKEN + hint)
    mask(bearer)

    import httpx

    try:
        response = httpx.get(
            with_audience(url, audience),
            headers={"Authorization": f"Bearer {bearer}", "Accept": "application/json"},
            timeout=OIDC_TIMEOUT,
        )
    except httpx.HTTPError as exc:  # its text may quote the request; the class says enough
        raise DeployError(f"cannot reach GitHub's OIDC token endpoint ({type(exc).__name__})") from None
    if response.status_code != 200:
        raise DeployError(
            f"GitHub refused the OIDC token request (HTTP {response.status_code}): check that the job has "
            "`permissions: id-token: write`"
        )
    try:
        value = response.json().get("value")
    except (ValueError, AttributeError):
        value = None
    if not isinstance(value, str) or not value.strip():
        raise DeployError("GitHub's OIDC token endpoint answered without a token (no 'value' in its JSON)")
    mask(value)
    return value.strip()


def with_audience(url: str, audience: str) -> str:
    """The token request URL with ``audience`` appended, as GitHub's toolkit does (the URL has a query)."""
    separator = "&" if urllib.parse.urlsplit(url).query else "?"
    return f"{url}{separator}audience={urllib.parse.quote(audience, safe='')}"


def assume_role(
    config: AwsConfig, web_identity_token: str, mask: Mask, *, repository: str | None
) -> TemporaryCredentials:
    """``AssumeRoleWithWebIdentity`` (an unsigned call: the token is the credential); the result is masked."""
    import boto3
    from botocore import UNSIGNED
    from botocore.exceptions import BotoCoreError, ClientError

    role = str(config.role_to_assume)
    try:
        sts: Any = boto3.Session().client(
            "sts", region_name=config.region, config=_client_config(signature_version=UNSIGNED)
        )
        response = sts.assume_role_with_web_identity(
            RoleArn=role, RoleSessionName=config.role_session_name, WebIdentityToken=web_identity_token
        )
    except ClientError as exc:
        detail = _client_error_detail(exc, [web_identity_token])
        raise DeployError(_trust_message(role, detail, repository)) from None
    except BotoCoreError as exc:
        raise DeployError(f"cannot reach AWS STS in {config.region}: {_botocore_detail(exc)}") from None

    raw = response.get("Credentials") or {}
    values = [str(raw.get(k) or "") for k in ("AccessKeyId", "SecretAccessKey", "SessionToken")]
    for value in values:
        mask(value)
    if not all(values):
        raise DeployError(f"AWS STS returned incomplete credentials for role {role}")
    return TemporaryCredentials(*values)


def _trust_message(role: str, detail: str, repository: str | None) -> str:
    account = role.split(":")[4]
    repo = repository or "<owner>/<repo>"
    return (
        f"AWS STS would not let this job assume role {role} ({detail}). Check the role's trust policy: "
        f"the principal must be the OIDC provider {OIDC_PROVIDER} of account {account}, allowed "
        f"sts:AssumeRoleWithWebIdentity, with the conditions {OIDC_PROVIDER}:aud = {AUDIENCE} and "
        f"{OIDC_PROVIDER}:sub matching repo:{repo}:... (e.g. repo:{repo}:ref:refs/heads/main, or "
        f"repo:{repo}:environment:<name> when the job uses an environment)"
    )


# ---------------------------------------------------------------------------- helpers


def _client_config(**extra: Any) -> Any:
    from botocore.config import Config

    # Bounded: a stuck AWS endpoint must fail the step, not hang it.
    return Config(connect_timeout=5, read_timeout=15, retries={"max_attempts": 3, "mode": "standard"}, **extra)


def _session_secrets(session: Any) -> list[str]:
    """The default chain's credentials, to scrub from AWS messages (some echo signing data)."""
    try:
        credentials = session.get_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
    except Exception:  # any failure here only means there is nothing to scrub
        return []
    if frozen is None:
        return []
    return [v for v in (frozen.access_key, frozen.secret_key, frozen.token) if v]


def _client_error_detail(exc: Any, secrets: Iterable[str]) -> str:
    """``Code: message`` of an AWS error; the message only for codes known to quote no request data."""
    error = exc.response.get("Error", {}) if isinstance(getattr(exc, "response", None), dict) else {}
    code = str(error.get("Code") or "error")
    message = str(error.get("Message") or "") if code in _EXPLAINED_CODES else ""
    message = excerpt(message, _DETAIL_LIMIT, redactor(secrets))
    return f"{code}: {message}" if message else code


def _botocore_detail(exc: Any) -> str:
    """A botocore failure without its text (a validation error may quote a parameter): class and endpoint."""
    endpoint = getattr(exc, "kwargs", {}).get("endpoint_url")
    return f"{type(exc).__name__} ({endpoint})" if endpoint else type(exc).__name__
