"""Settings: every input in both spellings, empty = unset, one clear message per bad value, no secret leaks."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from alia_action.config import (
    ENV_NAMES,
    ConfigError,
    Settings,
    input_name,
    parse_dotenv,
    read_dotenv,
    settings_fields,
)
from alia_action.secret import SecretStr

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"
WEBHOOK = "https://hooks.slack.com/services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX"
DSN = "https://0123456789abcdef0123456789abcdef@o42.ingest.sentry.io/4242"
GH_TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a"
APP_ID = "123456789012345678"
CLIENT_SECRET = "aBcD3fGh1jKlMn0pQrStUvWxYz-_0123"  # the shape of a Developer Portal client secret

# field: (what a user writes, what the field holds)
SAMPLES: dict[str, tuple[str, object]] = {
    "action": ("Deploy", "deploy"),
    "commands": ("src/commands\nextra/*.json", "src/commands\nextra/*.json"),
    "environment": ("staging", "staging"),
    "bot_token": (f" {TOKEN}\n", SecretStr(TOKEN)),
    "application_id": (APP_ID, APP_ID),
    "guild_id": ("1", "1"),
    "staging_bot_token": (f"Bot {TOKEN}x", SecretStr(TOKEN + "x")),
    "staging_application_id": (" 2 ", "2"),
    "client_secret": (f" {CLIENT_SECRET}\n", SecretStr(CLIENT_SECRET)),
    "staging_client_secret": (CLIENT_SECRET + "s", SecretStr(CLIENT_SECRET + "s")),
    "discord_api_url": ("http://127.0.0.1:8765/api/v10/", "http://127.0.0.1:8765/api/v10"),
    "github_token": (GH_TOKEN, SecretStr(GH_TOKEN)),
    "backup_file": ("production-2024.json", "production-2024.json"),
    "backup_store": ("s3://my-bucket/backups/", "s3://my-bucket/backups"),
    "staging_max_age": ("1h30m", 5400.0),
    "claim_expiry": ("5m", 300.0),
    "override_claim": ("yes", True),
    "max_deletions": ("3", 3),
    "backup_retention": (" 10 ", 10),
    "allow_deletions": ("YES", True),
    "checksum_file": ("sums.json", "sums.json"),
    "write_checksums": ("1", True),
    "report_file": ("out/report.json", "out/report.json"),
    "ledger_file": ("ledger.jsonl", "ledger.jsonl"),
    "metrics_file": ("m.log", "m.log"),
    "alerts_file": ("a.log", "a.log"),
    "response_time_threshold": ("800ms", 0.8),
    "count_deviation_threshold": ("35%", 0.35),
    "check_guilds": ("111, 222\n333 111", ("111", "222", "333")),
    "checkpoint_file": ("state/inventory.jsonl", "state/inventory.jsonl"),
    "clean": ("yes", True),
    "checkpoint_max_age": ("90m", 5400.0),
    "invalid_request_budget": ("5000", 5000),
    "slack_webhook_url": (WEBHOOK, SecretStr(WEBHOOK)),
    "sentry_dsn": (DSN, SecretStr(DSN)),
    "issue_labels": ("deployment, discord\nurgent", ("deployment", "discord", "urgent")),
    "ssm_prefix": ("/bots/{environment}/", "/bots/production"),
    "aws_region": ("eu-central-1", "eu-central-1"),
    "role_to_assume": ("arn:aws:iam::123456789012:role/deployer", "arn:aws:iam::123456789012:role/deployer"),
    "role_session_name": ("gha-run-42", "gha-run-42"),
    "comment": ("false", False),
    "force": ("true", True),
    "steps": (" 2 ", 2),
    "dry_run": ("on", True),
    "deployment_environment_staging": ("stg", "stg"),
    "deployment_environment_production": ("prd", "prd"),
    "format": ("JSON", "json"),
    "interval": ("90", 90.0),
    "dashboard_window": ("7d", 7 * 86400.0),
    "dashboard_file": ("out/dash.html", "out/dash.html"),
    "bypass_breaker": ("false", False),  # true needs a reason and promote: tests/integration/test_bypass.py
    "bypass_reason": ("  staging guild\n deleted ", "staging guild deleted"),
}


def test_every_field_has_a_sample() -> None:
    assert set(SAMPLES) == {spec.name for spec in settings_fields()}


def _value(settings: Settings, field: str) -> object:
    value = getattr(settings, field)
    return SecretStr(value.get_secret_value()) if isinstance(value, SecretStr) else value


@pytest.mark.parametrize("field", sorted(SAMPLES))
@pytest.mark.parametrize("spelling", ["hyphen", "underscore"])
def test_every_input_in_both_spellings(field: str, spelling: str) -> None:
    raw, expected = SAMPLES[field]
    name = input_name(field) if spelling == "hyphen" else field
    settings = Settings.from_action_env({f"INPUT_{name.upper()}": raw})
    assert _value(settings, field) == expected


@pytest.mark.parametrize("field", sorted(SAMPLES))
@pytest.mark.parametrize("empty", ["", "  ", "\n"])
def test_empty_input_is_unset(field: str, empty: str) -> None:
    given = Settings.from_action_env({f"INPUT_{input_name(field).upper()}": empty, f"INPUT_{field.upper()}": empty})
    assert _value(given, field) == _value(Settings(), field)


def test_the_runners_spelling_wins_over_the_underscore_one() -> None:
    settings = Settings.from_action_env({"INPUT_DRY-RUN": "true", "INPUT_DRY_RUN": "false"})
    assert settings.dry_run is True


def test_defaults() -> None:
    s = Settings.from_action_env({})
    assert (s.action, s.commands, s.environment, s.discord_api_url) == (
        "detect",
        "commands",
        "production",
        "https://discord.com/api/v10",
    )
    assert (s.bot_token, s.application_id, s.guild_id, s.github_token, s.max_deletions) == (None,) * 5
    assert (s.staging_max_age, s.response_time_threshold, s.interval, s.count_deviation_threshold) == (
        3600.0,
        5.0,
        300.0,
        0.2,
    )
    assert s.issue_labels == ("deployment",) and s.check_guilds == ()
    assert (s.ssm_prefix, s.aws_region, s.role_session_name) == ("/alia-bot/production", "us-east-1", "command-deploy")
    assert (s.comment, s.force, s.dry_run, s.allow_deletions, s.write_checksums) == (True, False, False, False, False)
    assert (s.backup_store, s.checksum_file, s.report_file) == (
        "command-backups",
        ".command-checksums.json",
        "command-deployment-report.json",
    )
    assert (s.ledger_file, s.metrics_file, s.alerts_file, s.format) == (
        "deployment.log",
        "metrics.log",
        "alerts.log",
        "text",
    )
    assert (s.deployment_environment_staging, s.deployment_environment_production) == (
        "discord-staging",
        "discord-production",
    )
    assert s.secrets() == []


def test_settings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        Settings().action = "stage"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [("90", 90.0), ("90s", 90.0), ("5m", 300.0), ("1h", 3600.0), ("1h30m", 5400.0), ("500ms", 0.5), ("1d", 86400.0)],
)
def test_durations(raw: str, seconds: float) -> None:
    assert Settings.from_action_env({"INPUT_STAGING-MAX-AGE": raw}).staging_max_age == seconds


@pytest.mark.parametrize("raw", ["true", "True", "YES", "yes", "1", "on"])
def test_true_words(raw: str) -> None:
    assert Settings.from_action_env({"INPUT_FORCE": raw}).force is True


@pytest.mark.parametrize("raw", ["false", "FALSE", "No", "0", "off"])
def test_false_words(raw: str) -> None:
    assert Settings.from_action_env({"INPUT_COMMENT": raw}).comment is False


def test_emulator_and_helpers() -> None:
    s = Settings.from_action_env({"INPUT_DISCORD-API-URL": "Emulator", "INPUT_COMMANDS": " a.json\n\n b/ \n"})
    assert s.discord_api_url == "emulator" and s.uses_emulator
    assert s.commands == "a.json\n\n b/"


def test_bot_prefix_pasted_with_the_token_is_dropped() -> None:
    s = Settings.from_action_env({"INPUT_BOT-TOKEN": f"Bot {TOKEN}"})
    assert s.bot_token is not None and s.bot_token.get_secret_value() == TOKEN


# ------------------------------------------------------------------ one message per bad value

BAD: list[tuple[str, str, str]] = [
    ("application-id", "abc", "input 'application-id' must be a Discord ID (digits only), got 'abc'"),
    ("application-id", "0", "input 'application-id' must be a Discord ID (a positive 64-bit number), got '0'"),
    (
        "guild-id",
        "123456789012345678901",
        "input 'guild-id' must be a Discord ID (digits only), got '123456789012345678901'",
    ),
    (
        "action",
        "deplyo",
        "input 'action' must be one of detect, stage, promote, deploy, rollback, health, inventory, dashboard; "
        "got 'deplyo'"
        " — did you mean 'deploy'?",
    ),
    (
        "action",
        "ship",
        "input 'action' must be one of detect, stage, promote, deploy, rollback, health, inventory, dashboard; "
        "got 'ship'",
    ),
    (
        "environment",
        "prod",
        "input 'environment' must be one of staging, production; got 'prod' — did you mean 'production'?",
    ),
    ("format", "yaml", "input 'format' must be one of text, json; got 'yaml'"),
    ("invalid-request-budget", "0", "input 'invalid-request-budget' must be between 1 and 5,000; got '0'"),
    ("invalid-request-budget", "5001", "input 'invalid-request-budget' must be between 1 and 5,000; got '5001'"),
    ("allow-deletions", "maybe", "input 'allow-deletions' must be true or false (also yes/no, 1/0); got 'maybe'"),
    ("dry-run", "y", "input 'dry-run' must be true or false (also yes/no, 1/0); got 'y'"),
    (
        "staging-max-age",
        "an hour",
        "input 'staging-max-age' must be a duration such as 90 (seconds), 90s, 5m, 1h30m or 500ms; got 'an hour'",
    ),
    (
        "interval",
        "30m1h",
        "input 'interval' must be a duration such as 90 (seconds), 90s, 5m, 1h30m or 500ms "
        "(each unit once, largest first); got '30m1h'",
    ),
    ("response-time-threshold", "0s", "input 'response-time-threshold' must be longer than zero; got '0s'"),
    (
        "count-deviation-threshold",
        "20",
        "input 'count-deviation-threshold' must be between 0 and 1 (or 0% and 100%); got '20' — did you mean '20%'?",
    ),
    (
        "count-deviation-threshold",
        "lots",
        "input 'count-deviation-threshold' must be a share such as 20% or 0.2; got 'lots'",
    ),
    ("max-deletions", "-1", "input 'max-deletions' must be a whole number (0 or more); got '-1'"),
    ("max-deletions", "many", "input 'max-deletions' must be a whole number (0 or more); got 'many'"),
    ("backup-retention", "0", "input 'backup-retention' must be 1 or more; got '0'"),
    ("steps", "0", "input 'steps' must be 1 or more; got '0'"),
    (
        "check-guilds",
        "111, general",
        "input 'check-guilds' must be Discord IDs separated by commas, spaces or lines; 'general' is not one",
    ),
    (
        "discord-api-url",
        "discord.com/api",
        "input 'discord-api-url' must be an http(s) URL such as https://discord.com/api/v10, or 'emulator';"
        " got 'discord.com/api'",
    ),
    (
        "backup-store",
        "s3://B/x",
        "input 'backup-store' must be a folder or s3://bucket/prefix with a valid bucket name; got 's3://B/x'",
    ),
    ("ssm-prefix", "/a/{env}", "input 'ssm-prefix' may only use the placeholder {environment}; got '/a/{env}'"),
    (
        "ssm-prefix",
        "alia-bot",
        "input 'ssm-prefix' must be a Parameter Store path such as /alia-bot/production; got 'alia-bot'",
    ),
    ("aws-region", "Frankfurt", "input 'aws-region' must be an AWS region such as us-east-1; got 'Frankfurt'"),
    (
        "role-to-assume",
        "deployer",
        "input 'role-to-assume' must be an IAM role ARN (arn:aws:iam::123456789012:role/name); got 'deployer'",
    ),
    ("role-session-name", "a b", "input 'role-session-name' must be 2-64 letters, digits or +=,.@_- ; got 'a b'"),
    (
        "issue-labels",
        "x" * 51,
        "input 'issue-labels' holds a label longer than GitHub's 50 characters: a 51-character value",
    ),
]


@pytest.mark.parametrize(("name", "raw", "message"), BAD, ids=[f"{n}={r[:12]}" for n, r, _ in BAD])
def test_each_bad_value_has_its_message(name: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({f"INPUT_{name.upper()}": raw})
    assert caught.value.problems == [message]
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({"INPUT_ACTION": "x", "INPUT_GUILD-ID": "y", "INPUT_FORCE": "z"})
    assert [p.split()[1] for p in caught.value.problems] == ["'action'", "'guild-id'", "'force'"]
    assert str(caught.value).count("\n") == 2


def test_a_bad_environment_does_not_also_blame_the_ssm_prefix() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({"INPUT_ENVIRONMENT": "qa"})
    assert len(caught.value.problems) == 1 and "'environment'" in caught.value.problems[0]


# ------------------------------------------------------------------ secrets


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("bot-token", f"{TOKEN} {TOKEN}"),
        ("bot-token", f"{TOKEN}\nsecond-line"),
        ("github-token", f"{GH_TOKEN}\x00"),
        ("slack-webhook-url", "http://hooks.slack.com/services/SECRETPART"),
        ("slack-webhook-url", "hooks.slack.com/services/SECRETPART"),
        ("sentry-dsn", "https://o42.ingest.sentry.io/SECRETPART"),
    ],
)
def test_bad_secrets_are_named_but_never_shown(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({f"INPUT_{name.upper()}": raw})
    (message,) = caught.value.problems
    assert message.startswith(f"input '{name}' must")
    for piece in (raw, raw.strip(), TOKEN, GH_TOKEN, "SECRETPART", "second-line"):
        assert piece not in message


def test_a_secret_pasted_into_an_id_input_is_not_echoed() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({"INPUT_APPLICATION-ID": TOKEN, "INPUT_BOT-TOKEN": TOKEN})
    assert TOKEN not in str(caught.value)
    assert "a 64-character value" in str(caught.value)


def test_a_known_secret_is_redacted_even_when_short_enough_to_echo() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({"INPUT_GUILD-ID": "hunter22", "INPUT_GITHUB-TOKEN": "hunter22"})
    assert "hunter22" not in str(caught.value) and "***" in str(caught.value)


def test_the_ssm_prefix_of_each_environment_comes_from_the_template() -> None:
    s = Settings.from_cli({"action": "promote", "ssm_prefix": "/team/{environment}/discord/"}, {}, None)
    assert s.ssm_prefix == "/team/production/discord"
    assert s.ssm_prefix_for("staging") == "/team/staging/discord"
    assert s.replace(dry_run=True).ssm_prefix_for("staging") == "/team/staging/discord"
    assert Settings.from_cli({}, {}, None).ssm_prefix_for("staging") == "/alia-bot/staging"
    fixed = Settings.from_cli({"ssm_prefix": "/one/place"}, {}, None)  # no placeholder: one application
    assert fixed.ssm_prefix_for("staging") == fixed.ssm_prefix_for("production") == "/one/place"


def test_replace_sets_values_as_given_and_keeps_the_template() -> None:
    """Like pydantic's model_copy: a caller's field values, not user input, so nothing is parsed again."""
    s = Settings.from_cli({"ssm_prefix": "/team/{environment}"}, {"BOT_TOKEN": TOKEN}, None)
    copy = s.replace(guild_id=" 7 ", dry_run=True)
    assert (copy.guild_id, copy.dry_run, copy.bot_token, copy.ssm_prefix_for("staging")) == (
        " 7 ",
        True,
        SecretStr(TOKEN),
        "/team/staging",
    )
    assert (s.guild_id, s.dry_run) == (None, False) and s.replace() == s
    with pytest.raises(TypeError, match="not a settings field: _ssm_template, guild"):
        s.replace(guild="1", _ssm_template="/x")


def test_a_secret_shows_as_a_mask_and_compares_by_value() -> None:
    secret = SecretStr(TOKEN)
    assert (repr(secret), str(secret), str(SecretStr(""))) == ("SecretStr('**********')", "**********", "")
    assert secret == SecretStr(TOKEN) and hash(secret) == hash(SecretStr(TOKEN)) and len(secret) == len(TOKEN)
    assert secret != SecretStr(TOKEN + "x") and secret != TOKEN
    assert TOKEN not in f"{secret} {secret!r} {[secret]}"


def test_staging_credentials_come_from_their_own_variables() -> None:
    s = Settings.from_cli({}, {"STAGING_BOT_TOKEN": TOKEN, "STAGING_CLIENT_ID": "42"}, None)
    assert (s.staging_bot_token, s.staging_application_id) == (SecretStr(TOKEN), "42")
    assert s.bot_token is None and s.application_id is None


def test_client_secrets_come_from_their_variables_and_env_file(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"STAGING_CLIENT_SECRET={CLIENT_SECRET}s\n", encoding="utf-8")
    s = Settings.from_cli({}, {"CLIENT_SECRET": CLIENT_SECRET}, dotenv)
    assert (s.client_secret, s.staging_client_secret) == (SecretStr(CLIENT_SECRET), SecretStr(CLIENT_SECRET + "s"))
    assert {CLIENT_SECRET, CLIENT_SECRET + "s"} <= set(s.secrets())
    action = Settings.from_action_env({"INPUT_CLIENT-SECRET": CLIENT_SECRET, "INPUT_STAGING_CLIENT_SECRET": "x" * 8})
    assert (action.client_secret, action.staging_client_secret) == (SecretStr(CLIENT_SECRET), SecretStr("x" * 8))


def test_a_client_secret_keeps_no_bot_prefix_and_its_error_hides_it() -> None:
    """A "Bot " prefix is a bot token's header scheme: before a client secret it is a mistake, refused, not guessed."""
    with pytest.raises(ConfigError) as caught:
        Settings.from_action_env({"INPUT_CLIENT-SECRET": f"Bot {CLIENT_SECRET}"})
    assert str(caught.value) == (
        "input 'client-secret' must not contain spaces, line breaks or control characters (value hidden)"
    )
    assert CLIENT_SECRET not in str(caught.value)


def test_secrets_are_absent_from_repr_str_and_dumps() -> None:
    s = Settings.from_action_env(
        {
            "INPUT_BOT-TOKEN": TOKEN,
            "INPUT_STAGING-BOT-TOKEN": TOKEN + "s",
            "INPUT_GITHUB-TOKEN": GH_TOKEN,
            "INPUT_SLACK-WEBHOOK-URL": WEBHOOK,
            "INPUT_SENTRY-DSN": DSN,
        }
    )
    for text in (repr(s), str(s), str(dataclasses.asdict(s))):
        for secret in (TOKEN, GH_TOKEN, WEBHOOK, DSN, "0123456789abcdef0123456789abcdef"):
            assert secret not in text
    assert s.secrets()[:5] == [TOKEN, TOKEN + "s", GH_TOKEN, WEBHOOK, DSN]
    assert "0123456789abcdef0123456789abcdef" in s.secrets()  # the DSN's key, masked on its own too
    assert "services/T0000/B0000/XXXXXXXXXXXXXXXXXXXXXXXX" in s.secrets()


def test_construction_errors_never_show_a_secret_input() -> None:
    with pytest.raises(ConfigError) as caught:
        Settings(bot_token=f"{TOKEN} x")
    assert caught.value.problems == [
        "input 'bot-token' must not contain spaces, line breaks or control characters (value hidden)"
    ]
    with pytest.raises(ConfigError) as caught:
        Settings(slack_webhook_url="ftp://secret-host/SECRETPART", guild_id="ftp://secret-host/SECRETPART")
    assert "SECRETPART" not in str(caught.value) and len(caught.value.problems) == 2


# ------------------------------------------------------------------ plain variables of the original system


@pytest.mark.parametrize(
    ("variable", "field", "value"),
    [
        ("BOT_TOKEN", "bot_token", TOKEN),
        ("CLIENT_ID", "application_id", APP_ID),
        ("APPLICATION_ID", "application_id", APP_ID),
        ("GUILD_ID", "guild_id", "987654321098765432"),
        ("SENTRY_DSN", "sentry_dsn", DSN),
        ("SLACK_WEBHOOK_URL", "slack_webhook_url", WEBHOOK),
        ("GITHUB_TOKEN", "github_token", GH_TOKEN),
        ("AWS_REGION", "aws_region", "eu-west-1"),
        ("AWS_DEFAULT_REGION", "aws_region", "ap-southeast-2"),
    ],
)
def test_plain_variables_fill_unset_inputs(variable: str, field: str, value: str) -> None:
    s = Settings.from_action_env({variable: value, f"INPUT_{input_name(field).upper()}": ""})
    held = getattr(s, field)
    assert (held.get_secret_value() if isinstance(held, SecretStr) else held) == value


def test_an_input_wins_over_the_plain_variable() -> None:
    s = Settings.from_action_env({"INPUT_APPLICATION-ID": "111", "CLIENT_ID": "222", "AWS_REGION": "eu-west-1"})
    assert s.application_id == "111" and s.aws_region == "eu-west-1"
    assert Settings.from_action_env({"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "us-west-2"}).aws_region == (
        "eu-west-1"
    )


def test_a_bad_plain_variable_is_named_as_such() -> None:
    with pytest.raises(ConfigError, match=r"^environment variable CLIENT_ID must be a Discord ID"):
        Settings.from_action_env({"CLIENT_ID": "my-app"})


def test_ssm_prefix_follows_the_environment() -> None:
    assert Settings.from_action_env({"INPUT_ENVIRONMENT": "staging"}).ssm_prefix == "/alia-bot/staging"
    assert Settings(environment="staging").ssm_prefix == "/alia-bot/staging"
    assert Settings.from_action_env({"INPUT_SSM-PREFIX": "/fixed/"}).ssm_prefix == "/fixed"


# ------------------------------------------------------------------ CLI: flags, environment, .env


def test_cli_flags_then_environment_then_dotenv(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text(f"BOT_TOKEN={TOKEN}\nCLIENT_ID=333\nGUILD_ID=444\nSENTRY_DSN='{DSN}'\n")
    args: dict[str, object | None] = {
        "action": "stage",
        "guild_id": "111",
        "dry-run": True,
        "max_deletions": None,
        "check_guilds": ["5", "6"],
        "env_file": ".env",  # not a setting: ignored
    }
    s = Settings.from_cli(args, {"CLIENT_ID": "222", "GUILD_ID": "999"}, dotenv)
    assert (s.action, s.guild_id, s.application_id, s.dry_run, s.max_deletions) == ("stage", "111", "222", True, None)
    assert s.check_guilds == ("5", "6")
    assert s.bot_token is not None and s.bot_token.get_secret_value() == TOKEN
    assert s.sentry_dsn is not None and s.sentry_dsn.get_secret_value() == DSN


def test_cli_messages_name_where_the_value_came_from(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("GUILD_ID=general\n")
    with pytest.raises(ConfigError) as caught:
        Settings.from_cli({"application_id": "abc", "interval": "soon"}, {"SLACK_WEBHOOK_URL": "nope"}, dotenv)
    assert caught.value.problems == [
        "option '--application-id' must be a Discord ID (digits only), got 'abc'",
        f"{dotenv} entry GUILD_ID must be a Discord ID (digits only), got 'general'",
        "environment variable SLACK_WEBHOOK_URL must be an http(s) URL (value hidden)",
        "option '--interval' must be a duration such as 90 (seconds), 90s, 5m, 1h30m or 500ms; got 'soon'",
    ]


def test_cli_without_dotenv(tmp_path: Path) -> None:
    assert Settings.from_cli({}, {}, None) == Settings()
    assert Settings.from_cli({}, {}, tmp_path / "missing.env") == Settings()


def test_dotenv_syntax() -> None:
    text = "\n".join(
        [
            "# comment",
            "",
            "PLAIN=value",
            "SPACED = spaced value   # trailing comment",
            "export EXPORTED=yes",
            "HASH=a#b",
            "EMPTY=",
            "SINGLE='no $expansion \\n here'",
            'DOUBLE="line\\nbreak \\"quoted\\" # not a comment"  # a comment',
            'MULTI="first',
            'second"',
            "MULTI_SINGLE='a",
            "b'",
            "PLAIN=last wins",
        ]
    )
    assert parse_dotenv(text) == {
        "PLAIN": "last wins",
        "SPACED": "spaced value",
        "EXPORTED": "yes",
        "HASH": "a#b",
        "EMPTY": "",
        "SINGLE": "no $expansion \\n here",
        "DOUBLE": 'line\nbreak "quoted" # not a comment',
        "MULTI": "first\nsecond",
        "MULTI_SINGLE": "a\nb",
    }


def test_dotenv_crlf_and_bom(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"\xef\xbb\xbfBOT_TOKEN=abc\r\nGUILD_ID=1\r\n")
    assert read_dotenv(path) == {"BOT_TOKEN": "abc", "GUILD_ID": "1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("GOOD=1\nthis is not an assignment SECRET", ".env:2: expected KEY=value"),
        ("1BAD=SECRET", ".env:1: expected KEY=value"),
        ('TOKEN="SECRET\nno end', ".env:1: expected KEY=value (a quote left open"),
        ("TOKEN='SECRET' tail", ".env:1: expected KEY=value (a quote left open, or text after a closing quote?)"),
    ],
)
def test_dotenv_errors_name_the_line_not_its_content(text: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_dotenv(text)
    assert str(caught.value).startswith(message)  # python-dotenv tells a bad line, not always which fault
    assert "SECRET" not in str(caught.value)


def test_env_names_cover_the_original_systems_variables() -> None:
    names = {n for names in ENV_NAMES.values() for n in names}
    assert {"BOT_TOKEN", "CLIENT_ID", "GUILD_ID", "SENTRY_DSN", "SLACK_WEBHOOK_URL"} <= names


def test_importing_config_stays_cheap() -> None:
    code = (
        "import sys, alia_action.config, alia_action.workflow; "
        "heavy = {'httpx', 'boto3', 'botocore', 'github', 'sentry_sdk', 'tenacity', 'pydantic', 'pydantic_core'}; "
        "print(sorted(heavy & {m.split('.')[0] for m in sys.modules}))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
