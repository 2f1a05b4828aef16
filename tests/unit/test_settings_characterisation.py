"""Settings as users meet them, pinned field by field: the value a valid input gives, the one line an invalid input
gives (naming the input as each source spells it), every problem at once in field order, secrets never echoed, and
the flags of each sub-command. Written against the pydantic model so its replacement (issue 21) keeps each word."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from alia_action.config import (
    ENV_NAMES,
    ConfigError,
    Settings,
    cli_flags,
    input_name,
    settings_fields,
    unknown_inputs,
)

TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.abcdefghijklmnopqrstuvwxyz012345"
LONG = "x" * 16385  # one past MAX_TEXT_CHARS
TOO_LONG = "is 16,385 characters long; at most 16,384 are accepted"
NOT_BOOL = "must be true or false (also yes/no, 1/0); got "
DURATION = "must be a duration such as 90 (seconds), 90s, 5m, 1h30m or 500ms; got "
HIDDEN = "must not contain spaces, line breaks or control characters (value hidden)"

# field: (valid input, the value it gives, invalid input, the problem after the input's name); in field order.
CASES: dict[str, tuple[str, object, str, str]] = {
    "action": (
        "Stage",
        "stage",
        "ship",
        "must be one of detect, stage, promote, deploy, rollback, health, inventory, dashboard; got 'ship'",
    ),
    "commands": ("cmds/*.json", "cmds/*.json", LONG, TOO_LONG),
    "environment": (" Staging ", "staging", "qa", "must be one of staging, production; got 'qa'"),
    "bot_token": (f"Bot {TOKEN}", TOKEN, f"{TOKEN} x", HIDDEN),
    "application_id": (
        "18446744073709551615",
        "18446744073709551615",
        "18446744073709551616",
        "must be a Discord ID (a positive 64-bit number), got '18446744073709551616'",
    ),
    "guild_id": (" 42 ", "42", "0", "must be a Discord ID (a positive 64-bit number), got '0'"),
    "staging_bot_token": (TOKEN + "s", TOKEN + "s", "tok\x01en-value", HIDDEN),
    "staging_application_id": ("7", "7", "1" * 21, "must be a Discord ID (digits only), got '111111111111111111111'"),
    "client_secret": ("secret-4", "secret-4", "a b", HIDDEN),
    "staging_client_secret": (
        "x" * 16384,
        "x" * 16384,
        LONG,
        "is 16,385 characters long, more than any secret (value hidden)",
    ),
    "discord_api_url": (
        "https://example.com/api/",
        "https://example.com/api",
        "ftp://example.com",
        "must be an http(s) URL such as https://discord.com/api/v10, or 'emulator'; got 'ftp://example.com'",
    ),
    "github_token": ("ghp_abc", "ghp_abc", "ghp abc", HIDDEN),
    "backup_file": ("b.json", "b.json", LONG, TOO_LONG),
    "backup_store": (
        "S3://my.bucket/x/",
        "s3://my.bucket/x",
        "s3://B",
        "must be a folder or s3://bucket/prefix with a valid bucket name; got 's3://B'",
    ),
    "backup_retention": ("1", 1, "0", "must be 1 or more; got '0'"),
    "staging_max_age": ("2h", 7200.0, "soon", DURATION + "'soon'"),
    "claim_expiry": ("1ms", 0.001, "0", "must be longer than zero; got '0'"),
    "override_claim": ("On", True, "maybe", NOT_BOOL + "'maybe'"),
    "max_deletions": ("100000", 100000, "100001", "must be at most 100,000; got '100001'"),
    "allow_deletions": ("0", False, "2", NOT_BOOL + "'2'"),
    "checksum_file": (" s.json ", "s.json", LONG, TOO_LONG),
    "write_checksums": ("no", False, "ja", NOT_BOOL + "'ja'"),
    "report_file": ("r.json", "r.json", LONG, TOO_LONG),
    "ledger_file": ("l.log", "l.log", LONG, TOO_LONG),
    "metrics_file": ("m.log", "m.log", LONG, TOO_LONG),
    "alerts_file": ("a.log", "a.log", LONG, TOO_LONG),
    "response_time_threshold": ("1.5s", 1.5, "-1s", DURATION + "'-1s'"),
    "count_deviation_threshold": ("100%", 1.0, "101%", "must be between 0 and 1 (or 0% and 100%); got '101%'"),
    "check_guilds": (
        "1 2,2",
        ("1", "2"),
        "1,x",
        "must be Discord IDs separated by commas, spaces or lines; 'x' is not one",
    ),
    "slack_webhook_url": (
        "https://hooks.slack.com/services/A/B",
        "https://hooks.slack.com/services/A/B",
        "http://hooks.slack.com/services/A/B",
        "must be an https URL (value hidden)",
    ),
    "sentry_dsn": (
        "https://k@sentry.io/1",
        "https://k@sentry.io/1",
        "https://sentry.io/1",
        "must be a Sentry DSN (https://KEY@HOST/PROJECT; value hidden)",
    ),
    "issue_labels": ("a,b", ("a", "b"), ",".join(["l"] * 101), "lists 101 items; at most 100 are accepted"),
    "ssm_prefix": (
        "/x/{environment}",
        "/x/production",
        "/a//b",
        "must be a Parameter Store path such as /alia-bot/production; got '/a//b'",
    ),
    "aws_region": ("EU-WEST-3", "eu-west-3", "Mars", "must be an AWS region such as us-east-1; got 'Mars'"),
    "role_to_assume": (
        "arn:aws-cn:iam::123456789012:role/r",
        "arn:aws-cn:iam::123456789012:role/r",
        "arn:aws:iam::1:role/x",
        "must be an IAM role ARN (arn:aws:iam::123456789012:role/name); got 'arn:aws:iam::1:role/x'",
    ),
    "role_session_name": ("ab", "ab", "a", "must be 2-64 letters, digits or +=,.@_- ; got 'a'"),
    "comment": ("off", False, "nah", NOT_BOOL + "'nah'"),
    "force": ("1", True, "tru", NOT_BOOL + "'tru'"),
    "steps": ("3", 3, "x", "must be a whole number (0 or more); got 'x'"),
    "dry_run": ("yes", True, "dry", NOT_BOOL + "'dry'"),
    "deployment_environment_staging": ("s", "s", LONG, TOO_LONG),
    "deployment_environment_production": ("p", "p", LONG, TOO_LONG),
    "format": ("Json", "json", "jsn", "must be one of text, json; got 'jsn' — did you mean 'json'?"),
    "interval": ("1m30s", 90.0, "1x", DURATION + "'1x'"),
    "dashboard_window": ("366d", 366 * 86400.0, "367d", "must be at most 366d (a year); got '367d'"),
    "dashboard_file": ("d.html", "d.html", LONG, TOO_LONG),
    "clean": ("true", True, "cleanse", NOT_BOOL + "'cleanse'"),
    "checkpoint_file": ("c.jsonl", "c.jsonl", LONG, TOO_LONG),
    "checkpoint_max_age": ("500ms", 0.5, "0", "must be longer than zero; got '0'"),
    "invalid_request_budget": ("1", 1, "5001", "must be between 1 and 5,000; got '5001'"),
    "bypass_breaker": ("false", False, "si", NOT_BOOL + "'si'"),
    "bypass_reason": (
        "why\tnot",
        "why not",
        "\u200b",
        "must say why in visible words: it holds no letter or digit once invisible (format and control) "
        "characters are removed",
    ),
}


def _plain(value: object) -> object:
    """A secret's value, to compare; anything else as it is."""
    reveal = getattr(value, "get_secret_value", None)
    return reveal() if callable(reveal) else value


def _problems(build: Callable[..., Settings], *args: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        build(*args)
    return caught.value.problems


def test_every_field_is_pinned_in_declaration_order() -> None:
    assert list(CASES) == [spec.name for spec in settings_fields()]


@pytest.mark.parametrize("field", list(CASES))
def test_a_valid_input_gives_its_value_from_the_action_and_the_cli(field: str) -> None:
    raw, value, _, _ = CASES[field]
    from_action = Settings.from_action_env({f"INPUT_{input_name(field).upper()}": raw})
    from_cli = Settings.from_cli({field: raw}, {}, None)
    assert _plain(getattr(from_action, field)) == _plain(getattr(from_cli, field)) == value
    assert type(getattr(from_action, field)) is type(getattr(from_cli, field))


@pytest.mark.parametrize("field", list(CASES))
def test_an_invalid_input_is_one_line_naming_it_in_each_sources_spelling(field: str, tmp_path: Path) -> None:
    _, _, raw, message = CASES[field]
    name = input_name(field)
    env = _problems(Settings.from_action_env, {f"INPUT_{name.upper()}": raw})
    assert env == [f"input '{name}' {message}"]
    cli = _problems(Settings.from_cli, {name: raw}, {}, None)
    assert cli == [f"option '--{name}' {message}"]
    for variable in ENV_NAMES.get(field, ())[:1]:
        assert _problems(Settings.from_action_env, {variable: raw}) == [f"environment variable {variable} {message}"]
        dotenv = tmp_path / ".env"
        dotenv.write_text(f"{variable}='{raw}'\n", encoding="utf-8")
        assert _problems(Settings.from_cli, {}, {}, dotenv) == [f"{dotenv} entry {variable} {message}"]


def test_every_invalid_input_at_once_is_one_line_each_in_field_order() -> None:
    environ = {f"INPUT_{input_name(field).upper()}": bad for field, (_, _, bad, _) in CASES.items()}
    assert _problems(Settings.from_action_env, environ) == [
        f"input '{input_name(field)}' {message}" for field, (_, _, _, message) in CASES.items()
    ]


def test_problems_from_several_sources_name_each_source() -> None:
    args: dict[str, object | None] = {"guild-id": "hunter22", "format": "xml", "application_id": TOKEN}
    environ = {"GITHUB_TOKEN": "hunter22", "SENTRY_DSN": "sentry", "BOT_TOKEN": TOKEN, "AWS_REGION": "x"}
    assert _problems(Settings.from_cli, args, environ, None) == [
        "option '--application-id' must be a Discord ID (digits only), got a 64-character value",
        "option '--guild-id' must be a Discord ID (digits only), got '***'",
        "environment variable SENTRY_DSN must be an http(s) URL (value hidden)",
        "environment variable AWS_REGION must be an AWS region such as us-east-1; got 'x'",
        "option '--format' must be one of text, json; got 'xml'",
    ]


def test_a_short_bad_value_that_is_also_a_secret_is_masked() -> None:
    environ = {"INPUT_GUILD-ID": "pass", "INPUT_SLACK-WEBHOOK-URL": "pass", "INPUT_STEPS": "abc"}
    assert _problems(Settings.from_action_env, environ) == [
        "input 'guild-id' must be a Discord ID (digits only), got '***'",
        "input 'slack-webhook-url' must be an http(s) URL (value hidden)",
        "input 'steps' must be a whole number (0 or more); got 'abc'",
    ]
    # Shorter than 4 characters a secret is not masked (it would shred every message).
    short = {"INPUT_GUILD-ID": "abc", "INPUT_GITHUB-TOKEN": "abc"}
    assert _problems(Settings.from_action_env, short) == [
        "input 'guild-id' must be a Discord ID (digits only), got 'abc'"
    ]


def test_a_bad_environment_leaves_the_ssm_prefix_formatted_with_a_stand_in() -> None:
    environ = {"INPUT_ENVIRONMENT": "qa", "INPUT_SSM-PREFIX": "/{environment}/{x}"}
    assert _problems(Settings.from_action_env, environ) == [
        "input 'environment' must be one of staging, production; got 'qa'",
        "input 'ssm-prefix' may only use the placeholder {environment}; got '/{environment}/{x}'",
    ]


def test_unknown_settings_are_refused_after_the_fields() -> None:
    problems = _problems(Settings._build, {"zzz": "1", "guild_id": "x", "nope": 2}, {})
    assert problems == [
        "input 'guild-id' must be a Discord ID (digits only), got 'x'",
        "input 'zzz' is not a known setting",
        "input 'nope' is not a known setting",
    ]


def test_unknown_action_inputs_are_warnings_with_the_closest_name() -> None:
    environ = {"INPUT_DRY-RUNS": "1", "INPUT_ZZZ": "1", "INPUT_DRY_RUN": "1", "INPUT_SSM_PREFX": "/a", "OTHER": "x"}
    assert unknown_inputs(environ) == [
        "input 'dry-runs' is not an input of this action and was ignored — did you mean 'dry-run'?",
        "input 'ssm-prefx' is not an input of this action and was ignored — did you mean 'ssm-prefix'?",
        "input 'zzz' is not an input of this action and was ignored",
    ]


def test_the_bypass_needs_promote_and_a_reason() -> None:
    assert _problems(Settings.from_cli, {"bypass_breaker": True}, {}, None) == [
        "option '--bypass-breaker' applies to promote only (action is detect)"
    ]
    assert _problems(Settings.from_action_env, {"INPUT_BYPASS-BREAKER": "yes", "INPUT_ACTION": "promote"}) == [
        "input 'bypass-breaker' needs a reason: set bypass-reason (--bypass-reason) to why production cannot wait "
        "for staging; it is recorded in the deployment record, the summary, Slack and a review issue"
    ]
    kept = Settings.from_action_env(
        {"INPUT_BYPASS-BREAKER": "yes", "INPUT_ACTION": "promote", "INPUT_BYPASS-REASON": "guild gone"}
    )
    assert (kept.bypass_breaker, kept.bypass_reason) == (True, "guild gone")


def test_stage_defaults_to_the_staging_environment_and_prefix() -> None:
    s = Settings.from_action_env({"INPUT_ACTION": "stage"})
    assert (s.environment, s.ssm_prefix, s.ssm_prefix_for("production")) == (
        "staging",
        "/alia-bot/staging",
        "/alia-bot/production",
    )


def test_defaults_repr_equality_and_hash() -> None:
    assert repr(Settings()) == (
        "Settings(action='detect', commands='commands', environment='production', bot_token=None, "
        "application_id=None, guild_id=None, staging_bot_token=None, staging_application_id=None, "
        "client_secret=None, staging_client_secret=None, discord_api_url='https://discord.com/api/v10', "
        "github_token=None, backup_file=None, backup_store='command-backups', backup_retention=50, "
        "staging_max_age=3600.0, claim_expiry=900.0, override_claim=False, max_deletions=None, "
        "allow_deletions=False, checksum_file='.command-checksums.json', write_checksums=False, "
        "report_file='command-deployment-report.json', ledger_file='deployment.log', metrics_file='metrics.log', "
        "alerts_file='alerts.log', response_time_threshold=5.0, count_deviation_threshold=0.2, check_guilds=(), "
        "slack_webhook_url=None, sentry_dsn=None, issue_labels=('deployment',), ssm_prefix='/alia-bot/production', "
        "aws_region='us-east-1', role_to_assume=None, role_session_name='command-deploy', comment=True, force=False, "
        "steps=1, dry_run=False, deployment_environment_staging='discord-staging', "
        "deployment_environment_production='discord-production', format='text', interval=300.0, "
        "dashboard_window=2592000.0, dashboard_file='command-dashboard.html', clean=False, "
        "checkpoint_file='.command-deploy-inventory.jsonl', checkpoint_max_age=21600.0, "
        "invalid_request_budget=1000, bypass_breaker=False, bypass_reason=None)"
    )
    with_token = Settings.from_action_env({"INPUT_BOT-TOKEN": TOKEN})
    assert "bot_token=SecretStr('**********')" in repr(with_token) and TOKEN not in repr(with_token)
    assert str(with_token.bot_token) == "**********"
    assert with_token == Settings.from_cli({}, {"BOT_TOKEN": TOKEN}, None)
    assert with_token != Settings.from_action_env({"INPUT_BOT-TOKEN": TOKEN + "x"})
    assert len({with_token, Settings.from_cli({}, {"BOT_TOKEN": TOKEN}, None), Settings()}) == 2


FLAGS = {
    "detect": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "checksum-file write-checksums* report-file ledger-file invalid-request-budget",
    "stage": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "backup-retention claim-expiry override-claim* max-deletions allow-deletions* report-file ledger-file dry-run* "
    "invalid-request-budget",
    "promote": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "backup-retention staging-max-age claim-expiry override-claim* max-deletions allow-deletions* report-file "
    "ledger-file dry-run* invalid-request-budget bypass-breaker* bypass-reason",
    "deploy": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "backup-retention staging-max-age claim-expiry override-claim* max-deletions allow-deletions* report-file "
    "ledger-file dry-run* invalid-request-budget",
    "rollback": "commands environment application-id guild-id staging-application-id discord-api-url backup-file "
    "backup-store backup-retention claim-expiry override-claim* max-deletions allow-deletions* report-file "
    "ledger-file force* steps dry-run* invalid-request-budget",
    "health": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "report-file ledger-file metrics-file alerts-file response-time-threshold count-deviation-threshold "
    "check-guilds invalid-request-budget",
    "dashboard": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "report-file ledger-file metrics-file alerts-file response-time-threshold dashboard-window dashboard-file "
    "invalid-request-budget",
    "monitor": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "report-file ledger-file metrics-file alerts-file response-time-threshold count-deviation-threshold "
    "check-guilds interval invalid-request-budget",
    "inventory": "commands environment application-id guild-id staging-application-id discord-api-url backup-store "
    "backup-retention claim-expiry override-claim* allow-deletions* report-file ledger-file clean* checkpoint-file "
    "checkpoint-max-age invalid-request-budget",
    "backups": "environment application-id guild-id staging-application-id backup-store",
}


@pytest.mark.parametrize("command", list(FLAGS))
def test_each_sub_command_offers_its_flags_switches_marked(command: str) -> None:
    flags = cli_flags(command)
    assert " ".join(name + ("*" if switch else "") for name, switch, _ in flags) == FLAGS[command]
    assert all(help_text.strip() for _, _, help_text in flags)


def test_a_flags_help_is_the_one_declared_with_its_field() -> None:
    assert cli_flags("detect")[-1] == (
        "invalid-request-budget",
        False,
        "stop before more 401/403/429 answers than this in 10 minutes (default: 1000; Discord bans at 10,000)",
    )
    assert ("write-checksums", True, "record the current set in the checksum file") in cli_flags("detect")
