"""Two Discord applications in one emulator (a staging bot and a production bot): their IDs, and the checks every
two-application test makes of where the commands landed and with whose credential each request was sent."""

from __future__ import annotations

import re
from typing import Any

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator, LoggedRequest

PROD_APP, STAGING_APP = "1190000000000000101", "1190000000000000202"
STAGING_GUILD = "1190000000000000303"
PROD_TOKEN = "MTE5MDAwMDAwMDAwMDAwMDEwMQ.prod-bot.production-token-canary"
STAGING_TOKEN = "MTE5MDAwMDAwMDAwMDAwMDIwMg.staging-bot.staging-token-canary"
_ROUTE = re.compile(r"/applications/(\d+)(/guilds/(\d+))?/commands")


def two_bot_settings(emu: Emulator, **values: Any) -> Settings:
    """Settings as the CLI builds them for both bots, pointed at ``emu``; keyword arguments override."""
    given = {
        "commands": "commands",
        "bot_token": PROD_TOKEN,
        "application_id": PROD_APP,
        "staging_bot_token": STAGING_TOKEN,
        "staging_application_id": STAGING_APP,
        "guild_id": STAGING_GUILD,
        "discord_api_url": emu.url,
        **values,
    }
    return Settings.from_cli(given, {}, None)


def holds_the_set(emu: Emulator) -> None:
    """The examples staged in the staging bot's guild, promoted globally by the production bot, nowhere else."""
    assert len(emu.commands(STAGING_APP, STAGING_GUILD)) == 51
    assert len(emu.commands(PROD_APP, None)) == 50  # without the developmentOnly command
    assert emu.commands(STAGING_APP, None) == []  # the staging bot has no global commands


def assert_each_request_stayed_home(requests: list[LoggedRequest], scheme: str | None = None) -> None:
    """Every command request was sent with the credential of the application in its path (the production one only
    to global routes, the staging one only in the staging guild) and succeeded; with ``scheme``, each used that
    authorization scheme. A client-secret exchange is Basic, by one of the two applications."""
    assert requests
    for request in requests:
        used = request.headers.get("authorization", "").split(" ")[0]
        if request.path.endswith("/oauth2/token"):
            assert used == "Basic" and request.caller in (PROD_APP, STAGING_APP), request
            continue
        match = _ROUTE.search(request.path)
        assert match is not None, request.path
        app, guild = match.group(1), match.group(3)
        assert scheme is None or used == scheme, f"{request.method} {request.path} sent with {used}"
        assert request.caller == app, f"{request.method} {request.path} sent with the credential of {request.caller}"
        assert (app, guild) in ((PROD_APP, None), (STAGING_APP, STAGING_GUILD)), request.path
        assert request.status is not None and request.status < 400, f"{request.method} {request.path}"
