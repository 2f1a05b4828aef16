"""The Discord connection of a run: credentials, the client, and the scopes it addresses."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DeployError, UsageError

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.client import DiscordClient
    from .context import Context
    from .detect import Baseline


@dataclass(slots=True)
class Discord:
    client: DiscordClient
    application_id: str
    staging_guild: str | None
    emulated: bool = False

    def guild_for(self, environment: str) -> str | None:
        """The scope of an environment: the staging guild, or global (None) for production."""
        if environment == "staging":
            return self.require_staging_guild()
        return None

    def require_staging_guild(self) -> str:
        if not self.staging_guild:
            # The original system silently deployed globally here; refusing is the point.
            raise UsageError(
                "no staging guild: set the guild-id input (or GUILD_ID) to the ID of the staging server; "
                "staging never falls back to global commands"
            )
        return self.staging_guild

    @property
    def requests(self) -> int:
        return int(self.client.request_count)


def connect(settings: Settings, ctx: Context) -> Discord:
    from ..discord.client import DiscordClient

    if settings.uses_emulator:
        # The emulator's own application, fixed so its ledger entries and backups are recognisable; its state
        # lives in the workspace between runs, like a real Discord's.
        from ..discord.emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN
        from ..discord.emulator_state import STATE_FILE, local_discord

        guild = settings.guild_id or TEST_GUILD_ID
        emulator = ctx.resources.enter_context(local_discord(ctx.workspace / STATE_FILE, guild))
        client = DiscordClient(TEST_TOKEN, TEST_APPLICATION_ID, base_url=emulator.url, **ctx.client_options)
        ctx.resources.callback(client.close)
        ctx.log(f"Using the built-in Discord emulator (state in {STATE_FILE}): nothing real is touched.")
        return Discord(client, TEST_APPLICATION_ID, guild, emulated=True)

    token, application_id, guild_id = _credentials(settings, ctx)
    try:
        client = DiscordClient(token, application_id, base_url=settings.discord_api_url, **ctx.client_options)
    except ValueError as exc:  # a malformed token: the message names the problem, never the value
        raise UsageError(str(exc)) from None
    ctx.resources.callback(client.close)
    return Discord(client, application_id, guild_id)


def _credentials(settings: Settings, ctx: Context) -> tuple[str, str, str | None]:
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    application_id, guild_id = settings.application_id, settings.guild_id
    if token is None or application_id is None:
        parameters = _from_parameter_store(settings, ctx)
        token = token or parameters.get("BOT_TOKEN")
        application_id = application_id or parameters.get("CLIENT_ID")
        guild_id = guild_id or parameters.get("GUILD_ID")
    if not token:
        raise UsageError("no bot token: set the bot-token input (or BOT_TOKEN), or role-to-assume/ssm-prefix")
    if not application_id:
        raise UsageError("no application ID: set the application-id input (or CLIENT_ID)")
    return token, application_id, guild_id


def _from_parameter_store(settings: Settings, ctx: Context) -> dict[str, str]:
    """BOT_TOKEN, CLIENT_ID and GUILD_ID from Parameter Store, when AWS is configured at all."""
    aws_configured = settings.role_to_assume or any(
        ctx.environ.get(k) for k in ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE")
    )
    if not aws_configured:
        return {}
    try:
        from ..stores.secrets import read_parameters
    except ImportError:  # pragma: no cover - the secrets store ships with the package
        raise DeployError("Parameter Store support is not available in this build") from None
    values: dict[str, str] = read_parameters(settings, ctx)
    return values


def live_baseline(settings: Settings, ctx: Context) -> Baseline:
    """detect with credentials: the live commands of the chosen environment, read-only (one GET)."""
    from .detect import Baseline

    discord = ctx.discord(settings)
    guild = discord.guild_for(settings.environment)
    live: list[dict[str, Any]] = discord.client.list_commands(guild)
    scope = f"staging guild {guild}" if guild else "global commands"
    return Baseline(
        f"live {scope}",
        live,
        guild=guild is not None,
        drift=drift_since_last_deploy(settings, ctx, discord, guild, live),
    )


def drift_since_last_deploy(
    settings: Settings, ctx: Context, discord: Discord, guild: str | None, live: list[dict[str, Any]]
) -> str:
    """Live commands that changed outside the pipeline since its last verified deploy to the scope, or ""."""
    from ..commands.canonical import checksum
    from ..stores.ledger import open_ledger

    ledger = open_ledger(settings, ctx)
    deploys = [
        e
        for e in ledger.entries()
        if e.outcome in ("success", "noop") and e.live_checksum and e.same_scope(discord.application_id, guild)
    ]
    last = max(deploys, key=lambda e: e.time, default=None)
    if last is None or last.live_checksum == checksum(live, guild=guild is not None):
        return ""
    return (
        f"drift: the live commands changed outside the pipeline since its last {last.action} "
        f"({last.time:%Y-%m-%d %H:%M:%S} UTC); the plan below would overwrite those changes"
    )
