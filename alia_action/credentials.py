"""Which bot serves which environment: the production application (global commands) and the staging
application (the staging guild), each with its own token.

Production: ``bot-token``/``application-id``, else BOT_TOKEN/CLIENT_ID under the production prefix.
Staging: ``staging-bot-token``/``staging-application-id``, else (AWS configured) BOT_TOKEN/CLIENT_ID under
the staging prefix, else the production application (one bot for both, as before). The staging guild:
``guild-id``, else GUILD_ID under the staging prefix, else under the production prefix. This is the
original system's Parameter Store layout (``/alia-bot/staging/{BOT_TOKEN,CLIENT_ID,GUILD_ID}``,
``/alia-bot/production/{BOT_TOKEN,CLIENT_ID}``), usable with nothing but ``role-to-assume``.

A missing credential is named with its environment and every place it was looked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .wording import Wording

# prefix, required → the parameters found there (BOT_TOKEN, CLIENT_ID, GUILD_ID), each already masked.
# ``required``: a missing BOT_TOKEN or CLIENT_ID is an error naming the path; otherwise it is just absent.
Reader = Callable[[str, bool], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Credentials:
    """One Discord application: its bot token (never shown), its ID, and the staging guild it serves."""

    environment: str  # whose application: production, or staging (a separate bot)
    token: str = field(repr=False)
    application_id: str
    staging_guild: str | None
    source: str  # where they came from, for messages (never a value)


def production(settings: Settings, read: Reader | None, wording: Wording) -> Credentials:
    """The production application. ``read``: Parameter Store, or None when AWS is not configured."""
    token = settings.bot_token.get_secret_value() if settings.bot_token else None
    application_id = settings.application_id
    prefix = settings.ssm_prefix_for("production")
    source = "inputs"
    if (token is None or application_id is None) and read is not None:
        found = read(prefix, True)
        token, application_id = token or found.get("BOT_TOKEN"), application_id or found.get("CLIENT_ID")
        source = f"Parameter Store {prefix}"
    searched = prefix if read is not None else None
    if not token:
        raise UsageError(
            f"no bot token for production: looked in {_looked_in(wording, 'bot-token', 'BOT_TOKEN', searched)}"
        )
    if not application_id:
        raise UsageError(
            "no application ID for production: looked in "
            + _looked_in(wording, "application-id", "CLIENT_ID", searched)
        )
    return Credentials("production", token, application_id, None, source)


def staging(
    settings: Settings, read: Reader | None, wording: Wording, shared: Callable[[], Credentials]
) -> Credentials:
    """The staging application and guild. ``shared``: the production credentials, for one bot serving both."""
    token = settings.staging_bot_token.get_secret_value() if settings.staging_bot_token else None
    application_id, guild = settings.staging_application_id, settings.guild_id
    prefix = settings.ssm_prefix_for("staging")
    source = "inputs"
    if read is not None and (token is None or application_id is None or guild is None):
        found = read(prefix, False)  # the staging prefix is optional: one bot may serve both
        if not token and not application_id and (found.get("BOT_TOKEN") or found.get("CLIENT_ID")):
            source = f"Parameter Store {prefix}"
        token, application_id = token or found.get("BOT_TOKEN"), application_id or found.get("CLIENT_ID")
        guild = guild or found.get("GUILD_ID")
    if token is None and application_id is None:
        production_bot = shared()
        if guild is None and read is not None:  # one bot: its guild may sit beside its token
            guild = read(settings.ssm_prefix_for("production"), False).get("GUILD_ID")
        return Credentials("production", production_bot.token, production_bot.application_id, guild, "production")
    searched = prefix if read is not None else None
    if not token:
        raise UsageError(
            f"no bot token for staging application {application_id}: looked in "
            f"{_looked_in(wording, 'staging-bot-token', 'BOT_TOKEN', searched)} (with no staging application ID "
            "either, staging uses the production bot)"
        )
    if not application_id:
        raise UsageError(
            "no application ID for the staging bot: looked in "
            f"{_looked_in(wording, 'staging-application-id', 'CLIENT_ID', searched)} (a staging token needs its "
            "application's ID)"
        )
    return Credentials("staging", token, application_id, guild, source)


def _looked_in(wording: Wording, setting: str, parameter: str, prefix: str | None) -> str:
    """Every place a credential was looked for, in order: the input or flag, the variables, Parameter Store."""
    from .config import ENV_NAMES

    places = [wording.name(setting), *ENV_NAMES.get(setting.replace("-", "_"), ())]
    places.append(f"Parameter Store {prefix}/{parameter}" if prefix else "Parameter Store (AWS is not configured)")
    return ", ".join(dict.fromkeys(places))


def guild_places(settings: Settings, wording: Wording, *, aws: bool) -> str:
    """Where the staging guild is looked for, in order, for the message that says it was not found."""
    from .config import ENV_NAMES

    places = [wording.name("guild-id"), *ENV_NAMES["guild_id"]]
    if aws:
        places += [
            f"Parameter Store {settings.ssm_prefix_for('staging')}/GUILD_ID",
            f"{settings.ssm_prefix_for('production')}/GUILD_ID",
        ]
    return ", ".join(places)
