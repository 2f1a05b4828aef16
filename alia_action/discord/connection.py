"""The Discord connection of a run: one application's client and the scopes it addresses."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError
from ..scope import Scope
from .client import DiscordClient
from .oauth import ClientSecret


@dataclass(slots=True)
class Discord:
    client: DiscordClient
    application_id: str
    staging_guild: str | None
    emulated: bool = False
    # Where the staging guild was looked for, in the words of the interface (set by the runtime).
    looked_for_guild: str = "the guild-id input (or GUILD_ID)"

    def guild_for(self, environment: str) -> str | None:
        """The scope of an environment: the staging guild, or global (None) for production."""
        if environment == "staging":
            return self.require_staging_guild()
        return None

    def scope_for(self, environment: str) -> Scope:
        return Scope(self.guild_for(environment), self.application_id)

    def require_staging_guild(self) -> str:
        if not self.staging_guild:
            # The original system silently deployed globally here; refusing is the point.
            raise UsageError(
                f"no staging guild: looked in {self.looked_for_guild}; set it to the ID of the staging server "
                "(staging never falls back to global commands)"
            )
        return self.staging_guild

    @property
    def requests(self) -> int:
        return int(self.client.request_count)


def open_emulated(
    workspace: Path,
    guild_id: str | None,
    resources: ExitStack,
    log: Callable[[str], None],
    client_options: dict[str, Any],
) -> Discord:
    """The built-in emulator on loopback, with its own application (fixed, so its ledger entries and backups
    are recognisable), closed with ``resources``; its state lives in the workspace between runs, like a real
    Discord's."""
    from .emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN
    from .emulator_state import local_discord
    from .state_file import STATE_FILE

    guild = guild_id or TEST_GUILD_ID
    emulator = resources.enter_context(local_discord(workspace / STATE_FILE, guild, log))
    client = DiscordClient(TEST_TOKEN, TEST_APPLICATION_ID, base_url=emulator.url, **client_options)
    resources.callback(client.close)
    log(f"Using the built-in Discord emulator (state in {STATE_FILE}): nothing real is touched.")
    return Discord(client, TEST_APPLICATION_ID, guild, emulated=True)


def open_live(
    token: str | ClientSecret,
    application_id: str,
    guild_id: str | None,
    base_url: str,
    resources: ExitStack,
    client_options: dict[str, Any],
) -> Discord:
    """A connection to ``application_id`` with its bot token, or with its client secret: exchanged here, once, so a
    refused secret stops the run before its first command request (and so before any write)."""
    try:
        client = DiscordClient(token, application_id, base_url=base_url, **client_options)
    except ValueError as exc:  # a malformed token: the message names the problem, never the value
        raise UsageError(str(exc)) from None
    resources.callback(client.close)
    client.authorize()
    return Discord(client, application_id, guild_id)
