"""The test application, its guilds and tokens, the client's fast retry bounds and command builders. (The
fixtures that use them live in ``tests/conftest.py``.)

Everything runs over real loopback HTTP against :class:`~alia_action.discord.emulator.Emulator`.
"""

from __future__ import annotations

from typing import Any

import httpx

from alia_action.discord.emulator import Emulator

APP_ID = "1180000000000000101"
# Distinctive, so a leak into any message, log or repr is easy to spot.
TOKEN = "MTE4MDAwMDAwMDAwMDAwMDEwMQ.Gx-leak-canary.s3cr3t-t0k3n-value"
OTHER_APP_ID = "1180000000000000102"
OTHER_TOKEN = "MTE4MDAwMDAwMDAwMDAwMDEwMg.other-app.token"
GUILD_ID = "1180000000000000201"
FOREIGN_GUILD_ID = "1180000000000000202"  # exists, the app is not installed there
UNKNOWN_GUILD_ID = "1180000000000000299"
USER_AGENT = "DiscordBot (https://example.test, 1.0)"

# Fast retry settings for tests: every bound stays small.
FAST: dict[str, Any] = {
    "timeout": 2.0,
    "max_attempts": 4,
    "max_retry_time": 5.0,
    "backoff_initial": 0.01,
    "backoff_max": 0.05,
    "max_rate_limit_wait": 5.0,
}


def setup_emulator(emu: Emulator) -> Emulator:
    emu.add_application(APP_ID, TOKEN)
    emu.add_application(OTHER_APP_ID, OTHER_TOKEN)
    emu.add_guild(APP_ID, GUILD_ID)
    emu.add_guild(APP_ID, FOREIGN_GUILD_ID, installed=False)
    return emu


def api(
    emu: Emulator,
    method: str,
    path: str,
    *,
    token: str | None = TOKEN,
    json: Any = None,
    content: bytes | None = None,
    params: dict[str, str] | None = None,
    user_agent: str | None = USER_AGENT,
    timeout: float = 5.0,
) -> httpx.Response:
    """One raw request to the emulator (``path`` below the base path)."""
    headers = {}
    if token is not None:
        headers["Authorization"] = f"Bot {token}"
    if user_agent is not None:
        headers["User-Agent"] = user_agent
    with httpx.Client(timeout=timeout) as http:
        if user_agent is None:
            http.headers.pop("User-Agent", None)
        return http.request(method, emu.url + path, headers=headers, json=json, content=content, params=params)


def cmd(name: str = "ping", description: str = "Replies with pong", **extra: Any) -> dict[str, Any]:
    return {"name": name, "description": description, **extra}


def guild_path(guild_id: str = GUILD_ID, app_id: str = APP_ID) -> str:
    return f"/applications/{app_id}/guilds/{guild_id}/commands"


def global_path(app_id: str = APP_ID) -> str:
    return f"/applications/{app_id}/commands"
