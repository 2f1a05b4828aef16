"""One settings model for the action and the CLI.

Inputs are kebab-case (``bot-token``); fields are snake_case (``bot_token``). The action reads
``INPUT_BOT-TOKEN`` (the runner keeps hyphens and uppercases) or ``INPUT_BOT_TOKEN``; the CLI reads
flags, then the environment, then a ``.env`` file. Secrets and IDs may also come from the plain
names the original system used (``BOT_TOKEN``, ``CLIENT_ID``, ``GUILD_ID``, ``SENTRY_DSN``,
``SLACK_WEBHOOK_URL``, and ``GITHUB_TOKEN``), and ``CLIENT_SECRET``/``STAGING_CLIENT_SECRET`` for the
least-privilege credential. An empty value is the same as no value.

Every problem becomes one line of a :class:`ConfigError` that names the input (callers exit 2).
Secret values never appear in an error message or in ``repr(settings)``.

Settings are a frozen dataclass, not a pydantic model: importing pydantic and building the model's schema cost every
start-up ~100 ms, and ``detect`` must start within 1.5x of ``python -c "import pydantic"`` (issue 21). Each field is
declared once, with its parser (:class:`Parse`) and CLI flag (:class:`Cli`); :func:`settings_fields` reads them.
"""

import dataclasses
import re
import unicodedata
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import Annotated, Any, Literal, Self, TypeVar, get_args, get_origin

from .actions import ACTIONS, Action
from .durations import parse_duration
from .files import UnreadableFile, read_bounded
from .secret import SecretStr

Environment = Literal["staging", "production"]
OutputFormat = Literal["text", "json"]

ENVIRONMENTS: tuple[str, ...] = ("staging", "production")
FORMATS: tuple[str, ...] = ("text", "json")
EMULATOR = "emulator"
DEFAULT_DISCORD_API_URL = "https://discord.com/api/v10"
DEFAULT_SSM_PREFIX = "/alia-bot/{environment}"
SECRET_FIELDS: tuple[str, ...] = (
    "bot_token",
    "staging_bot_token",
    "client_secret",
    "staging_client_secret",
    "github_token",
    "slack_webhook_url",
    "sentry_dsn",
)

# Plain variable names (environment, and .env for the CLI) read when the input or flag is unset, in order.
ENV_NAMES: dict[str, tuple[str, ...]] = {
    "bot_token": ("BOT_TOKEN",),
    "application_id": ("CLIENT_ID", "APPLICATION_ID"),
    "guild_id": ("GUILD_ID",),
    "staging_bot_token": ("STAGING_BOT_TOKEN",),
    "staging_application_id": ("STAGING_CLIENT_ID", "STAGING_APPLICATION_ID"),
    "client_secret": ("CLIENT_SECRET",),
    "staging_client_secret": ("STAGING_CLIENT_SECRET",),
    "sentry_dsn": ("SENTRY_DSN",),
    "slack_webhook_url": ("SLACK_WEBHOOK_URL",),
    "github_token": ("GITHUB_TOKEN",),
    "aws_region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
}

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_LIST_SEPARATORS = re.compile(r"[\s,]+")
_AWS_REGION = re.compile(r"[a-z]{2}(?:-[a-z]+)+-\d{1,2}")
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}")
_ROLE_SESSION = re.compile(r"[\w+=,.@-]{2,64}")
_SSM_PATH = re.compile(r"/[A-Za-z0-9_.\-/]*")
_S3_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_DOTENV_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_.]*")
_SHOWN_CHARS = 40
# Sane bounds: past these an input is a mistake (or an attack), never a setting, and is refused with
# exit 2 before it reaches a file name, a timer or a loop.
MAX_TEXT_CHARS = 16 * 1024
MAX_LIST_ITEMS = 100
MAX_COUNT = 100_000
MAX_DOTENV_BYTES = 1024 * 1024
BYPASS_REASON_LIMIT = 500


def input_name(field: str) -> str:
    """``bot_token`` → ``bot-token``: the action input (and CLI flag) of a settings field."""
    return field.replace("_", "-")


class ConfigError(ValueError):
    """Bad configuration: one message per problem, each naming the input. Callers exit 2."""

    def __init__(self, problems: str | Sequence[str]) -> None:
        self.problems: list[str] = [problems] if isinstance(problems, str) else list(problems)
        super().__init__("\n".join(self.problems))


# ---------------------------------------------------------------------------- value parsers
# Each takes what a user (string) or a caller (typed value) gave and returns the field's value, or raises
# ValueError with a message that follows the input's name: "must be …; got '…'".


def _show(value: object) -> str:
    """A bad value as it may be echoed: short ones quoted, long ones (maybe a pasted secret) only counted."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > _SHOWN_CHARS:
        return f"a {len(text)}-character value"
    return repr(text)


def parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise ValueError(f"must be true or false (also yes/no, 1/0); got {_show(value)}")


def parse_choice(value: object, choices: Sequence[str]) -> str:
    word = str(value).strip().lower()
    if word in choices:
        return word
    message = f"must be one of {', '.join(choices)}; got {_show(value)}"
    if len(word) > _SHOWN_CHARS:  # no suggestion for a pasted page: matching it would only cost time
        raise ValueError(message)
    import difflib  # only for a wrong value: it costs every start-up ~1 ms

    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6) or [
        c for c in choices if word and c.startswith(word)
    ]
    if close:
        message += f" — did you mean '{close[0]}'?"
    raise ValueError(message)


def parse_snowflake(value: object) -> str:
    text = str(value).strip() if isinstance(value, str | int) and not isinstance(value, bool) else None
    if text is None or not _SNOWFLAKE.fullmatch(text):
        raise ValueError(f"must be a Discord ID (digits only), got {_show(value)}")
    if int(text) == 0 or int(text) >= 2**64:
        raise ValueError(f"must be a Discord ID (a positive 64-bit number), got {_show(value)}")
    return text


def parse_snowflakes(value: object) -> tuple[str, ...]:
    items = _LIST_SEPARATORS.split(_bounded(value).strip()) if isinstance(value, str) else _items(value)
    items = _few([i for i in items if i])
    out: list[str] = []
    for item in items:
        if item == "":
            continue
        try:
            snowflake = parse_snowflake(item)
        except ValueError:
            raise ValueError(
                f"must be Discord IDs separated by commas, spaces or lines; {_show(item)} is not one"
            ) from None
        if snowflake not in out:
            out.append(snowflake)
    return tuple(out)


def parse_labels(value: object) -> tuple[str, ...]:
    items = re.split(r"[,\n]", _bounded(value)) if isinstance(value, str) else [str(v) for v in _items(value)]
    items = _few([i for i in items if i.strip()])
    out: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        if len(item) > 50:
            raise ValueError(f"holds a label longer than GitHub's 50 characters: {_show(item)}")
        if item not in out:
            out.append(item)
    return tuple(out)


def _items(value: object) -> list[str]:
    if isinstance(value, list | tuple | set | frozenset):
        return [str(v).strip() for v in value]
    raise ValueError(f"must be a list; got {_show(value)}")


def parse_positive_duration(value: object) -> float:
    seconds = parse_duration(value)
    if seconds <= 0:
        raise ValueError(f"must be longer than zero; got {_show(value)}")
    return seconds


def parse_fraction(value: object) -> float:
    """``20%`` or ``0.2`` → 0.2. A bare number above 1 is refused (ambiguous: 20 means 20%?)."""
    if isinstance(value, bool):
        raise ValueError(f"must be a share such as 20% or 0.2; got {_show(value)}")
    text = str(value).strip()
    try:
        share = float(text[:-1].strip()) / 100 if text.endswith("%") else float(text)
    except ValueError:
        raise ValueError(f"must be a share such as 20% or 0.2; got {_show(value)}") from None
    if not 0 <= share <= 1:
        hint = f" — did you mean '{text}%'?" if not text.endswith("%") and 1 < share <= 100 else ""
        raise ValueError(f"must be between 0 and 1 (or 0% and 100%); got {_show(value)}{hint}")
    return share


def parse_count(value: object) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= len(str(MAX_COUNT)):
        number = int(value.strip())
    elif isinstance(value, str) and value.strip().isdigit():
        raise ValueError(f"must be at most {MAX_COUNT:,}; got {_show(value)}")
    else:
        raise ValueError(f"must be a whole number (0 or more); got {_show(value)}")
    if number < 0:
        raise ValueError(f"must be a whole number (0 or more); got {_show(value)}")
    if number > MAX_COUNT:
        raise ValueError(f"must be at most {MAX_COUNT:,}; got {_show(value)}")
    return number


def _bounded(value: str) -> str:
    if len(value) > MAX_TEXT_CHARS:
        raise ValueError(f"is {len(value):,} characters long; at most {MAX_TEXT_CHARS:,} are accepted")
    return value


def parse_text(value: object) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("must not be empty")
    return _bounded(value).strip()


def _few(items: list[str]) -> list[str]:
    if len(items) > MAX_LIST_ITEMS:
        raise ValueError(f"lists {len(items):,} items; at most {MAX_LIST_ITEMS} are accepted")
    return items


def parse_discord_api_url(value: object) -> str:
    text = parse_text(value)
    if text.lower() == EMULATOR:
        return EMULATOR
    parts = urllib.parse.urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"must be an http(s) URL such as {DEFAULT_DISCORD_API_URL}, or 'emulator'; got {_show(text)}")
    return text.rstrip("/")


def parse_backup_store(value: object) -> str:
    text = parse_text(value)
    if text.lower().startswith("s3://"):
        bucket = text[5:].split("/", 1)[0]
        if not _S3_BUCKET.fullmatch(bucket):
            raise ValueError(f"must be a folder or s3://bucket/prefix with a valid bucket name; got {_show(text)}")
        return "s3://" + text[5:].rstrip("/")
    return text


def parse_aws_region(value: object) -> str:
    text = parse_text(value).lower()
    if not _AWS_REGION.fullmatch(text):
        raise ValueError(f"must be an AWS region such as us-east-1; got {_show(value)}")
    return text


def parse_role_arn(value: object) -> str:
    text = parse_text(value)
    if not _ROLE_ARN.fullmatch(text):
        raise ValueError(f"must be an IAM role ARN (arn:aws:iam::123456789012:role/name); got {_show(text)}")
    return text


def parse_role_session_name(value: object) -> str:
    text = parse_text(value)
    if not _ROLE_SESSION.fullmatch(text):
        raise ValueError(f"must be 2-64 letters, digits or +=,.@_- ; got {_show(text)}")
    return text


def format_ssm_prefix(template: str, environment: str) -> str:
    prefix = template.strip().replace("{environment}", environment).rstrip("/")
    if "{" in prefix or "}" in prefix:
        raise ValueError(f"may only use the placeholder {{environment}}; got {_show(template)}")
    if not _SSM_PATH.fullmatch(prefix) or "//" in prefix:
        raise ValueError(f"must be a Parameter Store path such as /alia-bot/production; got {_show(template)}")
    return prefix


def parse_secret(field: str, value: object) -> SecretStr:
    """A secret, trimmed and checked for shape. Error messages never contain the value."""
    raw = value.get_secret_value() if isinstance(value, SecretStr) else value
    if not isinstance(raw, str):
        raise ValueError("must be text (value hidden)")
    if len(raw) > MAX_TEXT_CHARS:
        raise ValueError(f"is {len(raw):,} characters long, more than any secret (value hidden)")
    text = raw.strip()
    if field in ("bot_token", "staging_bot_token") and text[:4].lower() == "bot " and text[4:].strip():
        text = text[4:].strip()  # the Authorization header's prefix, pasted along with the token
    if not text:
        raise ValueError("must not be empty")
    if any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError("must not contain spaces, line breaks or control characters (value hidden)")
    if field in ("slack_webhook_url", "sentry_dsn"):
        parts = urllib.parse.urlsplit(text)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL (value hidden)")
        if field == "slack_webhook_url" and parts.scheme != "https":
            raise ValueError("must be an https URL (value hidden)")
        if field == "sentry_dsn" and not parts.username:
            raise ValueError("must be a Sentry DSN (https://KEY@HOST/PROJECT; value hidden)")
    return SecretStr(text)


# ---------------------------------------------------------------------------- .env


def parse_dotenv(text: str, source: str = ".env") -> dict[str, str]:
    """``KEY=value`` lines as python-dotenv reads them (comments, ``export``, single and double quotes that may
    span lines, the escapes of double quotes), without variable expansion. A line it cannot parse, or a key that
    is no variable name, is an error naming the line, never its content (it may hold a secret)."""
    import io

    from dotenv.parser import parse_stream

    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        where = f"{source}:{binding.original.line}"
        if binding.error:
            raise ConfigError(f"{where}: expected KEY=value (a quote left open, or text after a closing quote?)")
        if binding.key is None:  # a blank line or a comment
            continue
        if not _DOTENV_KEY.fullmatch(binding.key):
            raise ConfigError(f"{where}: expected KEY=value ({binding.key[:1]!r} cannot start a variable name)")
        values[binding.key] = binding.value or ""
    return values


def read_dotenv(path: Path | None) -> dict[str, str]:
    """The file's variables; a missing file (or ``None``) is no variables."""
    if path is None:
        return {}
    try:
        text = read_bounded(path, MAX_DOTENV_BYTES, name=str(path)).decode("utf-8-sig")
    except FileNotFoundError:
        return {}
    except UnreadableFile as exc:  # a FIFO would block the CLI before it printed a word
        raise ConfigError(str(exc)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({type(exc).__name__})") from None
    return parse_dotenv(text, str(path))


# ---------------------------------------------------------------------------- field types
# Each type names its parser next to the field that uses it; ``Cli`` says which sub-commands offer the field
# as a flag (the flag is the input's name) and with what help. Secrets have no flag: they would land in shell
# history and process lists.


def parse_positive_count(value: object) -> int:
    """A count of 1 or more: backups kept (the one just taken must survive its own pruning), deploys undone."""
    number = parse_count(value)
    if number < 1:
        raise ValueError(f"must be 1 or more; got {_show(value)}")
    return number


def parse_invalid_budget(value: object) -> int:
    budget = parse_count(value)
    if not 1 <= budget <= MAX_INVALID_BUDGET:  # half of Discord's ban threshold at most: a margin stays
        raise ValueError(f"must be between 1 and {MAX_INVALID_BUDGET:,}; got {_show(value)}")
    return budget


def parse_reason(value: object) -> str:
    text = " ".join(parse_text(value).split())  # one line: it goes into a deployment status and a title
    if len(text) > BYPASS_REASON_LIMIT:
        raise ValueError(f"must be at most {BYPASS_REASON_LIMIT} characters; got {len(text)}")
    if not _visible(text):
        # A zero-width space or a direction override passes "not empty" yet records no reason anyone can read.
        raise ValueError(
            "must say why in visible words: it holds no letter or digit once invisible (format and control) "
            "characters are removed"
        )
    return text


def _visible(text: str) -> bool:
    """Holds a letter or a digit that is neither a format (Cf) nor a control (Cc) character."""
    return any(unicodedata.category(char)[0] in "LN" for char in text)


T = TypeVar("T")


def _optional(parse: Callable[[object], T]) -> Callable[[object], T | None]:
    return lambda value: None if value is None else parse(value)


@dataclass(frozen=True, slots=True)
class Parse:
    """A settings field's parser: what a user (string) or a caller (typed value) gave → the field's value, or a
    ValueError whose message follows the input's name. ``earlier``: it also takes the fields parsed before it (by
    name; a field that failed is absent), and its default is parsed too, as a template to fill in."""

    parse: Callable[..., Any]
    earlier: bool = False


@dataclass(frozen=True, slots=True)
class Cli:
    """A settings field as a CLI flag: the sub-commands that offer it, and its help."""

    help: str
    on: tuple[str, ...]


def _secret(name: str) -> Parse:
    return Parse(_optional(partial(parse_secret, name)))


def _parse_ssm_prefix(value: object, earlier: Mapping[str, object]) -> str:
    # An invalid environment is missing here; its own error is reported, so any stand-in will do.
    return format_ssm_prefix(parse_text(value), str(earlier.get("environment", "production")))


ALL = ("detect", "stage", "promote", "deploy", "rollback", "health", "dashboard", "monitor", "inventory")
MAX_INVALID_BUDGET = 5_000  # Discord bans an IP at 10,000 invalid answers in 10 minutes (rate-limits.mdx)
WRITES = ("stage", "promote", "deploy", "rollback")
CLEANS = (*WRITES, "inventory")  # inventory --clean writes: the write settings apply to it
CHECKS = ("health", "monitor")
LISTS = ("backups",)  # the backup listing takes where the backups are, and whose

Text = Annotated[str, Parse(parse_text)]
OptionalText = Annotated[str | None, Parse(_optional(parse_text))]
Flag = Annotated[bool, Parse(parse_bool)]
Duration = Annotated[float, Parse(parse_positive_duration)]
Snowflake = Annotated[str | None, Parse(_optional(parse_snowflake))]


@dataclass(frozen=True, slots=True, init=False)
class Settings:
    """Everything a handler may need, validated. Build it with :meth:`from_action_env` or :meth:`from_cli`;
    ``Settings(**raw)`` parses ``raw`` as the fields' parsers do (a field not given takes its default)."""

    action: Annotated[Action, Parse(partial(parse_choice, choices=ACTIONS))] = "detect"
    commands: Annotated[Text, Cli("command files: a file, a directory or a glob (default: commands)", ALL)] = "commands"
    environment: Annotated[
        Environment,
        Parse(partial(parse_choice, choices=ENVIRONMENTS)),
        Cli("staging (the staging guild) or production (global commands)", ALL + LISTS),
    ] = "production"
    bot_token: Annotated[SecretStr | None, _secret("bot_token")] = None
    application_id: Annotated[Snowflake, Cli("Discord application ID (default: $CLIENT_ID)", ALL + LISTS)] = None
    guild_id: Annotated[Snowflake, Cli("staging guild ID (default: $GUILD_ID)", ALL + LISTS)] = None
    # The staging bot, when staging is a Discord application of its own (else the staging prefix of Parameter
    # Store, else the production bot). The token has no flag: secrets never go on a command line.
    staging_bot_token: Annotated[SecretStr | None, _secret("staging_bot_token")] = None
    staging_application_id: Annotated[
        Snowflake, Cli("staging application ID, when staging is another bot (default: $STAGING_CLIENT_ID)", ALL + LISTS)
    ] = None
    # The least-privilege alternative to the bot tokens: each application's OAuth2 client secret, exchanged for a
    # Bearer token that can change that application's commands and nothing else (credentials.py). No flag either.
    client_secret: Annotated[SecretStr | None, _secret("client_secret")] = None
    staging_client_secret: Annotated[SecretStr | None, _secret("staging_client_secret")] = None
    discord_api_url: Annotated[
        str,
        Parse(parse_discord_api_url),
        Cli("Discord API base URL, or 'emulator' for the built-in emulator", ALL),
    ] = DEFAULT_DISCORD_API_URL
    github_token: Annotated[SecretStr | None, _secret("github_token")] = None
    backup_file: Annotated[
        OptionalText, Cli("backup to restore (a name in the backup store; default: the latest)", ("rollback",))
    ] = None
    backup_store: Annotated[str, Parse(parse_backup_store), Cli("backup folder or s3://bucket/prefix", ALL + LISTS)] = (
        "command-backups"
    )
    backup_retention: Annotated[
        int,
        Parse(parse_positive_count),
        Cli("backups kept per scope after a successful write (default: 50)", CLEANS),
    ] = 50  # newest backups kept per scope
    staging_max_age: Annotated[
        Duration, Cli("the staging deploy must be younger than this (default: 1h)", ("promote", "deploy"))
    ] = 3600.0
    claim_expiry: Annotated[
        Duration, Cli("another run's unfinished claim blocks writes this long (default: 15m)", CLEANS)
    ] = 900.0  # another run's unfinished write claim blocks the scope this long
    override_claim: Annotated[
        Flag, Cli("take over another run's unfinished claim (a run that is gone); recorded", CLEANS)
    ] = False
    max_deletions: Annotated[
        int | None,
        Parse(_optional(parse_count)),
        Cli("refuse plans and restores removing more commands (default: 0 global, 5 in a guild)", WRITES),
    ] = None
    allow_deletions: Annotated[Flag, Cli("consent to a plan or restore that removes commands", CLEANS)] = False
    checksum_file: Annotated[Text, Cli("offline baseline (default: .command-checksums.json)", ("detect",))] = (
        ".command-checksums.json"
    )
    write_checksums: Annotated[Flag, Cli("record the current set in the checksum file", ("detect",))] = False
    report_file: Annotated[Text, Cli("where the JSON report is written", ALL)] = "command-deployment-report.json"
    ledger_file: Annotated[Text, Cli("the deployment record (JSON lines)", ALL)] = "deployment.log"
    metrics_file: Annotated[Text, Cli("health history (JSON lines)", (*CHECKS, "dashboard"))] = "metrics.log"
    alerts_file: Annotated[Text, Cli("alert history (JSON lines)", (*CHECKS, "dashboard"))] = "alerts.log"
    response_time_threshold: Annotated[
        Duration, Cli("slower GETs are degraded (default: 5s)", (*CHECKS, "dashboard"))
    ] = 5.0
    count_deviation_threshold: Annotated[
        float,
        Parse(parse_fraction),
        Cli("share of missing/extra commands that is unhealthy (default: 20%)", CHECKS),
    ] = 0.2
    check_guilds: Annotated[
        tuple[str, ...],
        Parse(parse_snowflakes),
        Cli("guild IDs to check for commands shadowing global ones", CHECKS),
    ] = ()
    slack_webhook_url: Annotated[SecretStr | None, _secret("slack_webhook_url")] = None
    sentry_dsn: Annotated[SecretStr | None, _secret("sentry_dsn")] = None
    issue_labels: Annotated[tuple[str, ...], Parse(parse_labels)] = ("deployment",)
    # The one parser that needs another field: the environment the template is formatted with.
    ssm_prefix: Annotated[str, Parse(_parse_ssm_prefix, earlier=True)] = DEFAULT_SSM_PREFIX
    aws_region: Annotated[str, Parse(parse_aws_region)] = "us-east-1"
    role_to_assume: Annotated[str | None, Parse(_optional(parse_role_arn))] = None
    role_session_name: Annotated[str, Parse(parse_role_session_name)] = "command-deploy"
    comment: Flag = True
    force: Annotated[Flag, Cli("restore a backup of another application or scope", ("rollback",))] = False
    steps: Annotated[
        int,
        Parse(parse_positive_count),
        Cli("rollback: undo this many recorded deploys (default: 1, the newest not already undone)", ("rollback",)),
    ] = 1
    dry_run: Annotated[Flag, Cli("plan and check, write nothing", WRITES)] = False
    deployment_environment_staging: Text = "discord-staging"
    deployment_environment_production: Text = "discord-production"
    format: Annotated[OutputFormat, Parse(partial(parse_choice, choices=FORMATS))] = "text"
    interval: Annotated[Duration, Cli("time between checks (default: 5m)", ("monitor",))] = 300.0
    dashboard_window: Annotated[Duration, Cli("how far back the figures reach (default: 30d)", ("dashboard",))] = (
        30 * 86400.0
    )
    dashboard_file: Annotated[
        Text, Cli("where the HTML is written (default: command-dashboard.html; .md beside it)", ("dashboard",))
    ] = "command-dashboard.html"
    clean: Annotated[
        Flag,
        Cli(
            "inventory: delete the stale and duplicate guild commands (needs --allow-deletions; a backup per guild "
            "first, verified after)",
            ("inventory",),
        ),
    ] = False
    checkpoint_file: Annotated[
        Text,
        Cli(
            "inventory: where the walk records what it read, to resume (default: .command-deploy-inventory.jsonl)",
            ("inventory",),
        ),
    ] = ".command-deploy-inventory.jsonl"
    checkpoint_max_age: Annotated[
        Duration, Cli("inventory: guilds read this recently are not read again (default: 6h)", ("inventory",))
    ] = 6 * 3600.0
    invalid_request_budget: Annotated[
        int,
        Parse(parse_invalid_budget),
        Cli(
            "stop before more 401/403/429 answers than this in 10 minutes (default: 1000; Discord bans at 10,000)", ALL
        ),
    ] = 1000
    bypass_breaker: Annotated[
        Flag, Cli("emergency only: skip the circuit breaker (needs --bypass-reason; leaves a trail)", ("promote",))
    ] = False
    bypass_reason: Annotated[
        str | None,
        Parse(_optional(parse_reason)),
        Cli("why production cannot wait for staging (recorded, shown, sent to Slack)", ("promote",)),
    ] = None

    # ssm-prefix as given, before {environment} was filled in: each environment's credentials have one.
    _ssm_template: str = dataclasses.field(default=DEFAULT_SSM_PREFIX, repr=False)

    def __init__(self, **raw: object) -> None:
        self._assign(_parsed(raw, {}))

    def _assign(self, values: Mapping[str, object]) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)  # frozen: the dataclass's own __setattr__ refuses

    def replace(self, **changes: object) -> Self:
        """A copy with ``changes`` set as given, not parsed again (callers pass field values, not user input);
        an unknown name is a TypeError."""
        unknown = sorted(set(changes) - _field_names())
        if unknown:
            raise TypeError(f"not a settings field: {', '.join(unknown)}")
        copy = object.__new__(type(self))
        copy._assign({f.name: changes.get(f.name, getattr(self, f.name)) for f in dataclasses.fields(self)})
        return copy

    # -------------------------------------------------------------- constructors

    @classmethod
    def from_action_env(cls, environ: Mapping[str, str]) -> Self:
        """From the ``INPUT_*`` variables of a Docker action (hyphenated or underscore form), then the
        plain variables of :data:`ENV_NAMES`. Raises :class:`ConfigError`."""
        raw: dict[str, object] = {}
        labels: dict[str, str] = {}
        for spec in settings_fields():
            name = input_name(spec.name)
            for key in (f"INPUT_{name.upper()}", f"INPUT_{spec.name.upper()}"):
                value = environ.get(key)
                if value is not None and value.strip():
                    raw[spec.name], labels[spec.name] = value, f"input '{name}'"
                    break
        cls._fill_from_variables(raw, labels, [(environ, "environment variable {}")])
        return cls._build(raw, labels)

    @classmethod
    def from_cli(
        cls, args: Mapping[str, object | None], environ: Mapping[str, str], dotenv_path: Path | None = None
    ) -> Self:
        """From CLI flags (keys are field names or input names; ``None`` = not given; unknown keys are
        ignored), then the environment, then the ``.env`` file. Raises :class:`ConfigError`."""
        raw: dict[str, object] = {}
        labels: dict[str, str] = {}
        for key, value in args.items():
            field = key.replace("-", "_").lower()
            if field not in _field_names() or value is None or (isinstance(value, str) and not value.strip()):
                continue
            raw[field], labels[field] = value, f"option '--{input_name(field)}'"
        dotenv = read_dotenv(dotenv_path)
        sources = [(environ, "environment variable {}"), (dotenv, f"{dotenv_path} entry {{}}")]
        cls._fill_from_variables(raw, labels, sources)
        return cls._build(raw, labels)

    @staticmethod
    def _fill_from_variables(
        raw: dict[str, object], labels: dict[str, str], sources: Sequence[tuple[Mapping[str, str], str]]
    ) -> None:
        for field, names in ENV_NAMES.items():
            if field in raw:
                continue
            for variables, label in sources:
                found = next((n for n in names if (variables.get(n) or "").strip()), None)
                if found is not None:
                    raw[field], labels[field] = variables[found], label.format(found)
                    break

    @classmethod
    def _build(cls, raw: dict[str, object], labels: Mapping[str, str]) -> Self:
        if "environment" not in raw:
            # stage targets the staging guild: its Parameter Store prefix is the staging one too.
            raw["environment"] = "staging" if str(raw.get("action", "")).strip().lower() == "stage" else "production"
        settings = object.__new__(cls)
        settings._assign(_parsed(raw, labels))
        settings.check_bypass(labels)
        return settings

    # -------------------------------------------------------------- helpers

    def check_bypass(self, labels: Mapping[str, str]) -> None:
        """The emergency bypass of the circuit breaker: promote only, and never without a reason on record."""
        if not self.bypass_breaker:
            return
        label = labels.get("bypass_breaker", "input 'bypass-breaker'")
        if self.action != "promote":
            raise ConfigError(f"{label} applies to promote only (action is {self.action})")
        if not self.bypass_reason:
            raise ConfigError(
                f"{label} needs a reason: set bypass-reason (--bypass-reason) to why production cannot wait for "
                "staging; it is recorded in the deployment record, the summary, Slack and a review issue"
            )

    def ssm_prefix_for(self, environment: str) -> str:
        """The Parameter Store prefix of ``environment``'s credentials (``/alia-bot/staging``)."""
        return format_ssm_prefix(self._ssm_template, environment)

    def secrets(self) -> list[str]:
        """Every secret value set (and the secret parts of the URLs), to mask before anything is printed."""
        values: list[str] = []
        for field in SECRET_FIELDS:
            secret = getattr(self, field)
            if isinstance(secret, SecretStr):
                values.append(secret.get_secret_value())
        if self.sentry_dsn is not None:
            key = urllib.parse.urlsplit(self.sentry_dsn.get_secret_value()).username
            values.extend([key] if key else [])
        if self.slack_webhook_url is not None:
            path = urllib.parse.urlsplit(self.slack_webhook_url.get_secret_value()).path.strip("/")
            values.extend([path] if path else [])
        return values

    @property
    def uses_emulator(self) -> bool:
        return self.discord_api_url == EMULATOR


def unknown_inputs(environ: Mapping[str, str]) -> list[str]:
    """A warning per ``INPUT_*`` variable that names no input (a typo would otherwise pass without a
    word and leave the input at its default), with the closest input name."""
    known = {input_name(f) for f in _field_names()}
    warnings: list[str] = []
    for key in sorted(environ):
        if not key.startswith("INPUT_"):
            continue
        name = key[len("INPUT_") :].lower().replace("_", "-")
        if name in known:
            continue
        message = f"input '{name}' is not an input of this action and was ignored"
        import difflib  # only for an unknown name

        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
        warnings.append(message + (f" — did you mean '{close[0]}'?" if close else ""))
    return warnings


@dataclass(frozen=True, slots=True)
class SettingField:
    """A field of :class:`Settings` as declared: its type without the markers (``bool`` for a switch), its default,
    its parser and its CLI flag (None: no flag)."""

    name: str
    type: object
    default: object
    parse: Parse
    cli: Cli | None


@cache
def settings_fields() -> tuple[SettingField, ...]:
    """The settings' fields in declaration order (the order problems are reported in)."""
    out: list[SettingField] = []
    for declared in dataclasses.fields(Settings):
        if declared.name.startswith("_"):
            continue
        kind, *markers = get_args(declared.type) if get_origin(declared.type) is Annotated else (declared.type,)
        parse = next((m for m in markers if isinstance(m, Parse)), None)
        if parse is None:
            raise TypeError(f"Settings.{declared.name} declares no parser (Parse)")
        cli = next((m for m in markers if isinstance(m, Cli)), None)
        out.append(SettingField(declared.name, kind, declared.default, parse, cli))
    return tuple(out)


@cache
def _field_names() -> frozenset[str]:
    return frozenset(f.name for f in settings_fields())


def _parsed(raw: Mapping[str, object], labels: Mapping[str, str]) -> dict[str, object]:
    """Each field's value: its parser applied to the raw value, else its default. Every problem, in field order
    and then the unknown names, is one line of the ConfigError, never echoing a secret given in ``raw``."""
    values: dict[str, object] = {}
    problems: list[tuple[str, str]] = []
    for spec in settings_fields():
        if spec.name not in raw and not spec.parse.earlier:
            values[spec.name] = spec.default
            continue
        value = raw.get(spec.name, spec.default)
        try:
            values[spec.name] = spec.parse.parse(value, values) if spec.parse.earlier else spec.parse.parse(value)
        except ValueError as exc:
            problems.append((spec.name, str(exc)))
    problems += [(name, "is not a known setting") for name in raw if name not in _field_names()]
    if problems:
        secrets = [str(raw[f]).strip() for f in SECRET_FIELDS if isinstance(raw.get(f), str)]
        raise ConfigError(_problems(problems, labels, secrets))
    template = raw.get("ssm_prefix")
    values["_ssm_template"] = template.strip() if isinstance(template, str) and template.strip() else DEFAULT_SSM_PREFIX
    return values


def _problems(problems: Iterable[tuple[str, str]], labels: Mapping[str, str], secrets: Sequence[str]) -> list[str]:
    out: list[str] = []
    for name, message in problems:
        for secret in secrets:
            if len(secret) >= 4:
                message = message.replace(secret, "***")
        label = labels.get(name) or f"input '{input_name(name)}'"
        out.append(f"{label} {message}")
    return out


def cli_flags(command: str) -> list[tuple[str, bool, str]]:
    """The flags of a CLI sub-command, from the fields: (input name, is a switch, help)."""
    return [
        (input_name(spec.name), spec.type is bool, spec.cli.help)
        for spec in settings_fields()
        if spec.cli is not None and command in spec.cli.on
    ]
