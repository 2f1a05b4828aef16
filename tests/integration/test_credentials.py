"""Which bot serves which environment: inputs first, then each environment's Parameter Store prefix, then (for
staging) the production bot. Parameter Store is a plain mapping here: its AWS side has its own tests."""

from __future__ import annotations

from typing import Any

import pytest

from alia_action.config import Settings
from alia_action.credentials import Credentials, Reader, production, staging
from alia_action.errors import UsageError
from alia_action.stores.secrets import complete
from alia_action.wording import ACTION, TERMINAL

PROD_TOKEN, STAGING_TOKEN = "prod.token.value", "staging.token.value"
ORIGINAL_LAYOUT = {
    "/alia-bot/staging": {"BOT_TOKEN": STAGING_TOKEN, "CLIENT_ID": "222", "GUILD_ID": "333"},
    "/alia-bot/production": {"BOT_TOKEN": PROD_TOKEN, "CLIENT_ID": "111"},
}


def store(layout: dict[str, dict[str, str]], reads: list[str] | None = None) -> Reader:
    def read(prefix: str, required: bool) -> dict[str, str]:
        if reads is not None:
            reads.append(prefix)
        found = dict(layout.get(prefix, {}))
        if required and not complete(found):
            raise UsageError(f"Parameter Store has no {prefix}/BOT_TOKEN")
        return found

    return read


def settings(**values: Any) -> Settings:
    return Settings.from_cli(values, {}, None)


def both(s: Settings, read: Reader | None) -> tuple[Credentials, Credentials]:
    prod = production(s, read, TERMINAL)
    return prod, staging(s, read, TERMINAL, lambda: prod)


def test_the_original_layout_gives_two_applications_with_role_to_assume_only() -> None:
    reads: list[str] = []
    prod, stage = both(settings(), store(ORIGINAL_LAYOUT, reads))
    assert (prod.environment, prod.token, prod.application_id) == ("production", PROD_TOKEN, "111")
    assert (stage.environment, stage.token, stage.application_id, stage.staging_guild) == (
        "staging",
        STAGING_TOKEN,
        "222",
        "333",
    )
    assert stage.source == "Parameter Store /alia-bot/staging" and reads == [
        "/alia-bot/production",
        "/alia-bot/staging",
    ]
    assert PROD_TOKEN not in repr(prod) and STAGING_TOKEN not in repr(stage)


def test_inputs_come_before_parameter_store_and_need_no_aws() -> None:
    s = settings(
        bot_token=PROD_TOKEN, application_id="111", staging_bot_token=STAGING_TOKEN, staging_application_id="222"
    )
    prod, stage = both(s.replace(guild_id="333"), None)
    assert (prod.application_id, stage.application_id, stage.token, stage.staging_guild) == (
        "111",
        "222",
        STAGING_TOKEN,
        "333",
    )


def test_with_no_staging_credentials_staging_uses_the_production_bot() -> None:
    _prod, stage = both(settings(bot_token=PROD_TOKEN, application_id="111", guild_id="333"), None)
    assert stage.environment == "production" and (stage.token, stage.application_id) == (PROD_TOKEN, "111")
    assert stage.staging_guild == "333"


def test_one_bot_in_parameter_store_keeps_its_guild_beside_its_token() -> None:
    layout = {"/alia-bot/production": {"BOT_TOKEN": PROD_TOKEN, "CLIENT_ID": "111", "GUILD_ID": "444"}}
    _prod, stage = both(settings(), store(layout))
    assert (stage.application_id, stage.staging_guild) == ("111", "444")


def test_a_staging_token_without_its_application_is_named_with_where_it_was_looked_for() -> None:
    s = settings(bot_token=PROD_TOKEN, application_id="111", staging_bot_token=STAGING_TOKEN)
    with pytest.raises(UsageError) as caught:
        both(s, store({}))
    message = str(caught.value)
    assert message.startswith("no application ID for the staging bot: looked in --staging-application-id")
    assert "STAGING_CLIENT_ID" in message and "Parameter Store /alia-bot/staging/CLIENT_ID" in message
    assert STAGING_TOKEN not in message


def test_a_missing_production_token_names_the_input_in_actions() -> None:
    with pytest.raises(UsageError) as caught:
        production(settings(application_id="111"), None, ACTION)
    assert str(caught.value) == (
        "no client secret or bot token for production: looked in the client-secret input, CLIENT_SECRET, "
        "the bot-token input, BOT_TOKEN, Parameter Store (AWS is not configured)"
    )


def test_a_staging_application_without_its_token_says_how_to_share_the_production_bot() -> None:
    s = settings(bot_token=PROD_TOKEN, application_id="111", staging_application_id="222")
    with pytest.raises(
        UsageError,
        match="no client secret or bot token for staging application 222: looked in STAGING_CLIENT_SECRET, "
        "STAGING_BOT_TOKEN",
    ):
        both(s, None)


# ------------------------------------------------------------------------------------------- client secrets

PROD_SECRET, STAGING_SECRET = "prod-client-secret-value", "staging-client-secret-value"


def test_client_secrets_from_inputs_serve_each_application_without_a_bot_token() -> None:
    s = settings(
        client_secret=PROD_SECRET,
        application_id="111",
        staging_client_secret=STAGING_SECRET,
        staging_application_id="222",
        guild_id="333",
    )
    prod, stage = both(s, None)
    assert (prod.kind, prod.client_secret, prod.token, prod.secret) == ("client secret", PROD_SECRET, None, PROD_SECRET)
    assert (stage.environment, stage.kind, stage.client_secret, stage.application_id) == (
        "staging",
        "client secret",
        STAGING_SECRET,
        "222",
    )
    assert not prod.ignored_token and not stage.ignored_token
    assert PROD_SECRET not in repr(prod) and STAGING_SECRET not in repr(stage)


def test_with_both_a_token_and_a_secret_the_secret_is_used_and_the_token_dropped() -> None:
    prod = production(settings(bot_token=PROD_TOKEN, client_secret=PROD_SECRET, application_id="111"), None, TERMINAL)
    assert (prod.kind, prod.token, prod.client_secret, prod.ignored_token) == (
        "client secret",
        None,
        PROD_SECRET,
        True,
    )
    assert PROD_TOKEN not in repr(prod)


def test_the_store_s_client_secrets_serve_both_applications_with_role_to_assume_only() -> None:
    layout = {
        "/alia-bot/staging": {"CLIENT_SECRET": STAGING_SECRET, "CLIENT_ID": "222", "GUILD_ID": "333"},
        "/alia-bot/production": {"CLIENT_SECRET": PROD_SECRET, "CLIENT_ID": "111"},
    }
    prod, stage = both(settings(), store(layout))
    assert (prod.client_secret, prod.application_id, prod.source) == (
        PROD_SECRET,
        "111",
        "Parameter Store /alia-bot/production",
    )
    assert (stage.environment, stage.client_secret, stage.application_id, stage.staging_guild, stage.source) == (
        "staging",
        STAGING_SECRET,
        "222",
        "333",
        "Parameter Store /alia-bot/staging",
    )


def test_a_bot_token_input_is_never_mixed_with_the_store_s_client_secret() -> None:
    """The input's credential wins whole: a bot token given as an input is not swapped for a stored secret."""
    layout = {"/alia-bot/production": {"CLIENT_SECRET": PROD_SECRET, "CLIENT_ID": "111"}}
    prod = production(settings(bot_token=PROD_TOKEN), store(layout), TERMINAL)
    assert (prod.kind, prod.token, prod.client_secret, prod.application_id) == ("bot token", PROD_TOKEN, None, "111")


def test_staging_without_its_own_credentials_shares_the_production_client_secret() -> None:
    _prod, stage = both(settings(client_secret=PROD_SECRET, application_id="111", guild_id="333"), None)
    assert (stage.environment, stage.client_secret, stage.application_id, stage.staging_guild) == (
        "production",
        PROD_SECRET,
        "111",
        "333",
    )


def test_a_staging_client_secret_without_its_application_is_named() -> None:
    s = settings(client_secret=PROD_SECRET, application_id="111", staging_client_secret=STAGING_SECRET)
    with pytest.raises(UsageError) as caught:
        both(s, None)
    assert str(caught.value).startswith("no application ID for the staging bot: looked in --staging-application-id")
    assert str(caught.value).endswith("(a staging client secret needs its application's ID)")
    assert STAGING_SECRET not in str(caught.value)
