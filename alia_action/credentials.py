"""Which bot serves which environment: the production application (global commands) and the staging
application (the staging guild), each with its own token.

Production: ``client-secret`` or ``bot-token``, and ``application-id``, else CLIENT_SECRET or BOT_TOKEN, and
CLIENT_ID, under the production prefix. Staging: ``staging-client-secret`` or ``staging-bot-token``, and
``staging-application-id``, else (AWS configured) the same parameters under the staging prefix, else the
production application (one bot for both, as before). Where both a client secret and a bot token are found in
the same place, the client secret is used and the bot token is never sent (the runtime says so once). The
staging guild: ``guild-id``, else GUILD_ID under the staging prefix, else under the production prefix. This is the
original system's Parameter Store layout (``/alia-bot/staging/{BOT_TOKEN,CLIENT_ID,GUILD_ID}``,
``/alia-bot/production/{BOT_TOKEN,CLIENT_ID}``), usable with nothing but ``role-to-assume``.

A missing credential is named with its environment and every place it was looked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from .errors import UsageError

if TYPE_CHECKING:
    from .config import Settings
    from .secret import SecretStr
    from .wording import Wording

# prefix, required → the parameters found there (BOT_TOKEN, CLIENT_SECRET, CLIENT_ID, GUILD_ID), each already
# masked. ``required``: a missing CLIENT_ID, or neither secret, is an error naming the path; else just absent.
Reader = Callable[[str, bool], dict[str, str]]


@dataclass(frozen=True, slots=True)
class Credentials:
    """One Discord application: its credential (never shown), its ID, and the staging guild it serves.

    The credential is the application's OAuth2 client secret (``client_secret``) or its bot token (``token``):
    exactly one is set. The secret is exchanged for a Bearer token that can change the application's commands and
    nothing else (application-commands.mdx:234, oauth2.mdx:44), so it is preferred when both are given."""

    environment: str  # whose application: production, or staging (a separate bot)
    token: str | None = field(repr=False)
    application_id: str
    staging_guild: str | None
    source: str  # where they came from, for messages (never a value)
    client_secret: str | None = field(default=None, repr=False)
    ignored_token: bool = False  # a bot token was given beside the client secret and is not sent

    @property
    def kind(self) -> str:
        return "client secret" if self.client_secret else "bot token"

    @property
    def secret(self) -> str:
        """The value to mask: the client secret or the bot token."""
        return self.client_secret or self.token or ""


def _value(secret: SecretStr | None) -> str | None:
    return secret.get_secret_value() if secret is not None else None


def _pick(token: str | None, client_secret: str | None) -> tuple[str | None, str | None, bool]:
    """(bot token, client secret, a token ignored): the client secret wins when both are given."""
    if client_secret:
        return None, client_secret, bool(token)
    return token or None, None, False


def production(settings: Settings, read: Reader | None, wording: Wording) -> Credentials:
    """The production application. ``read``: Parameter Store, or None when AWS is not configured."""
    token, client_secret = _value(settings.bot_token), _value(settings.client_secret)
    application_id = settings.application_id
    prefix = settings.ssm_prefix_for("production")
    source = "inputs"
    if (not (token or client_secret) or application_id is None) and read is not None:
        found = read(prefix, True)
        if not (token or client_secret):  # the inputs' credential beats the store's; never a mix of the two
            token, client_secret = found.get("BOT_TOKEN"), found.get("CLIENT_SECRET")
        application_id = application_id or found.get("CLIENT_ID")
        source = f"Parameter Store {prefix}"
    searched = prefix if read is not None else None
    if not (token or client_secret):
        raise UsageError(
            "no client secret or bot token for production: looked in "
            + _looked_in(wording, (("client-secret", "CLIENT_SECRET"), ("bot-token", "BOT_TOKEN")), searched)
        )
    if not application_id:
        raise UsageError(
            "no application ID for production: looked in "
            + _looked_in(wording, (("application-id", "CLIENT_ID"),), searched)
        )
    token, client_secret, ignored = _pick(token, client_secret)
    return Credentials("production", token, application_id, None, source, client_secret, ignored)


def staging(
    settings: Settings, read: Reader | None, wording: Wording, shared: Callable[[], Credentials]
) -> Credentials:
    """The staging application and guild. ``shared``: the production credentials, for one bot serving both."""
    token, client_secret = _value(settings.staging_bot_token), _value(settings.staging_client_secret)
    application_id, guild = settings.staging_application_id, settings.guild_id
    prefix = settings.ssm_prefix_for("staging")
    source = "inputs"
    given = bool(token or client_secret)
    if read is not None and (not given or application_id is None or guild is None):
        found = read(prefix, False)  # the staging prefix is optional: one bot may serve both
        stored = found.get("BOT_TOKEN") or found.get("CLIENT_SECRET")
        if not given and not application_id and (stored or found.get("CLIENT_ID")):
            source = f"Parameter Store {prefix}"
        if not given:
            token, client_secret = found.get("BOT_TOKEN"), found.get("CLIENT_SECRET")
        application_id = application_id or found.get("CLIENT_ID")
        guild = guild or found.get("GUILD_ID")
    if not (token or client_secret) and application_id is None:
        production_bot = shared()
        if guild is None and read is not None:  # one bot: its guild may sit beside its token
            guild = read(settings.ssm_prefix_for("production"), False).get("GUILD_ID")
        return replace(production_bot, staging_guild=guild, source="production")
    searched = prefix if read is not None else None
    if not (token or client_secret):
        places = (("staging-client-secret", "CLIENT_SECRET"), ("staging-bot-token", "BOT_TOKEN"))
        raise UsageError(
            f"no client secret or bot token for staging application {application_id}: looked in "
            f"{_looked_in(wording, places, searched)} (with no staging application ID either, staging uses the "
            "production application)"
        )
    if not application_id:
        raise UsageError(
            "no application ID for the staging bot: looked in "
            f"{_looked_in(wording, (('staging-application-id', 'CLIENT_ID'),), searched)} (a staging "
            f"{'client secret' if client_secret else 'token'} needs its application's ID)"
        )
    token, client_secret, ignored = _pick(token, client_secret)
    return Credentials("staging", token, application_id, guild, source, client_secret, ignored)


def _looked_in(wording: Wording, settings: tuple[tuple[str, str], ...], prefix: str | None) -> str:
    """Every place a credential was looked for, in order: the inputs or flags, the variables, Parameter Store."""
    from .config import ENV_NAMES

    places: list[str] = []
    for setting, _parameter in settings:
        places += [wording.name(setting), *ENV_NAMES.get(setting.replace("-", "_"), ())]
    if prefix:
        places += [f"Parameter Store {prefix}/{parameter}" for _setting, parameter in settings]
    else:
        places.append("Parameter Store (AWS is not configured)")
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
