"""The composition root: one typed object per run that builds, once and on first use, everything a handler
talks to (the Discord connections, the ledger, the backup store, the GitHub repository, the AWS session) and
owns what every part shares (the clock, the log, the secrets registry, the resources closed at the end).

Stores and notifiers take narrow arguments (a path, a repository, a prefix, a ``redact`` function); this is
the one module that reads :class:`~alia_action.config.Settings` to build them. Heavy libraries (boto3,
PyGithub, httpx) are imported inside the builders, so ``detect`` without credentials never loads them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DeployError
from .redaction import Secrets
from .wording import TERMINAL, Wording

if TYPE_CHECKING:
    from .commitinfo import Commit
    from .config import Settings
    from .credentials import Credentials
    from .discord.connection import Discord
    from .discord.oauth import ClientSecret
    from .notify.alerts import Alerter
    from .notify.github import GitHubRepo, Options
    from .notify.run import RunInfo
    from .stores.backups import BackupStore
    from .stores.ledger import Ledger
    from .stores.secrets import AwsConfig, AwsSession

# The variables by which boto3's default chain finds credentials without role-to-assume.
AWS_CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_WEB_IDENTITY_TOKEN_FILE")


def utc_now() -> datetime:
    return datetime.now(UTC)


def aws_configured(settings: Settings, environ: Mapping[str, str]) -> bool:
    """AWS credentials can be had: role-to-assume, or boto3's chain (keys, a profile, a web-identity file)."""
    return bool(settings.role_to_assume) or any(environ.get(k) for k in AWS_CREDENTIAL_VARIABLES)


def github_run(settings: Settings, environ: Mapping[str, str], in_actions: bool) -> RunInfo | None:
    """Where this workflow run is, when GitHub is usable: in Actions, with a github-token, in a repository."""
    if not in_actions or settings.github_token is None:
        return None
    from .notify.run import RunInfo

    return RunInfo.from_environ(environ)


@dataclass(slots=True)
class Runtime:
    """One run: built by the runner (``action.py``, ``cli.py``), passed to every handler, closed at the end."""

    workspace: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    in_actions: bool = False
    wording: Wording = TERMINAL  # how messages name settings: CLI flags, or the action's inputs
    now: Callable[[], datetime] = utc_now
    log: Callable[[str], None] = lambda _line: None  # progress lines (untrusted text allowed)
    secrets: Secrets = field(default_factory=Secrets)  # the run's one redaction registry
    client_options: dict[str, Any] = field(default_factory=dict)  # DiscordClient tuning (retries, timeouts)
    github_options: Options | None = None  # PyGithub tuning (tests pass faster values)
    resources: ExitStack = field(default_factory=ExitStack)
    run_id: str = field(default_factory=lambda: os.urandom(8).hex())  # ties a result to its "started" entry
    _connections: dict[str, Discord] = field(default_factory=dict)
    _ledgers: dict[Path, Ledger] = field(default_factory=dict)
    _backups: dict[str, BackupStore] = field(default_factory=dict)
    _aws: AwsSession | None = None
    _parameters: dict[str, dict[str, str]] = field(default_factory=dict)
    _credentials: dict[str, Credentials] = field(default_factory=dict)
    _commit: Commit | None = None

    # ------------------------------------------------------------------ secrets

    def mask(self, secret: str | None) -> None:
        """A secret learnt during the run (Parameter Store, OIDC, STS): every channel hides it from now on."""
        self.secrets.add(secret)

    def redact(self, text: str) -> str:
        return self.secrets.redact(text)

    def learn(self, settings: Settings) -> None:
        """The configured secrets (inputs, environment, .env) join the registry."""
        self.secrets.add_all(settings.secrets())

    @property
    def git_sha(self) -> str | None:
        from .commitinfo import commit_sha

        return commit_sha(self.environ.get("GITHUB_SHA"))

    def commit(self) -> Commit:
        """The commit this run deploys and its time (``find_commit``), found once per run: a promote to many
        guilds records it in every guild's entries, and ``git`` outside Actions costs a process each time."""
        if self._commit is None:
            from .commitinfo import find_commit

            self._commit = find_commit(self.environ, self.workspace)
        return self._commit

    # ------------------------------------------------------------------ facts about the environment

    def aws_configured(self, settings: Settings) -> bool:
        return aws_configured(settings, self.environ)

    def github_run(self, settings: Settings) -> RunInfo | None:
        return github_run(settings, self.environ, self.in_actions)

    def has_discord_credentials(self, settings: Settings) -> bool:
        """Live Discord (or the built-in emulator) can be reached with what was configured."""
        if settings.uses_emulator or settings.role_to_assume:  # role: Parameter Store has them
            return True
        staging = settings.staging_client_secret or settings.staging_bot_token
        if settings.environment == "staging" and staging and settings.staging_application_id:
            return True
        return (settings.client_secret or settings.bot_token) is not None and settings.application_id is not None

    # ------------------------------------------------------------------ Discord

    def credentials(self, settings: Settings, environment: str) -> Credentials:
        """The bot serving ``environment`` (see credentials.py), resolved once per run."""
        if environment not in self._credentials:
            from .credentials import production, staging

            read = self._read_parameters(settings) if self.aws_configured(settings) else None
            if environment == "staging":
                bot = staging(settings, read, self.wording, lambda: self.credentials(settings, "production"))
            else:
                bot = production(settings, read, self.wording)
            self.mask(bot.secret)
            if bot.ignored_token and bot.environment == environment:  # once per application
                self.log(
                    f"Both a client secret and a bot token are set for the {bot.environment} application "
                    f"{bot.application_id}: using the client secret (least privilege); the bot token is not sent."
                )
            self._credentials[environment] = bot
        return self._credentials[environment]

    def application_of(self, settings: Settings, environment: str) -> str:
        """Which application serves ``environment``: "staging" when staging is a bot of its own, else
        "production" (one bot for both; the built-in emulator has one application)."""
        if settings.uses_emulator or environment != "staging":
            return "production"
        return self.credentials(settings, "staging").environment

    def discord(self, settings: Settings, environment: str = "production") -> Discord:
        """The Discord connection serving ``environment``, opened on first use and closed with the run. Each
        application has its own connection: a token only ever reaches its own application's routes."""
        key = self.application_of(settings, environment)
        if key not in self._connections:
            self._connections[key] = self._connect(settings, key)
        return self._connections[key]

    def _connect(self, settings: Settings, application: str) -> Discord:
        from .discord.connection import open_emulated, open_live

        self.learn(settings)
        # The engine's budget of invalid answers is a setting; tests may still tune it through client_options.
        # What Discord says is scrubbed by the run's secrets registry.
        options = {"invalid_budget": settings.invalid_request_budget, **self.client_options, "redact": self.redact}
        if settings.uses_emulator:
            return open_emulated(self.workspace, settings.guild_id, self.resources, self.log, options)
        bot = self.credentials(settings, application)
        guild = bot.staging_guild if application == "staging" else self._shared_staging_guild(settings)
        discord = open_live(
            self._credential(bot),
            bot.application_id,
            guild,
            settings.discord_api_url,
            self.resources,
            options,
        )
        from .credentials import guild_places

        discord.looked_for_guild = guild_places(settings, self.wording, aws=self.aws_configured(settings))
        return discord

    def _credential(self, bot: Credentials) -> str | ClientSecret:
        """What the client authenticates with: the bot token, or the client secret with its Bearer tokens masked
        in the run's registry the moment Discord hands them out."""
        if bot.client_secret is None:
            return bot.token or ""
        from .discord.oauth import ClientSecret

        name = "client-secret" if bot.environment == "production" else "staging-client-secret"
        where = self.wording.name(name) if bot.source == "inputs" else bot.source
        label = f"the {bot.environment} client secret ({where})"
        return ClientSecret(bot.client_secret, label, self.mask)

    def _shared_staging_guild(self, settings: Settings) -> str | None:
        """The staging guild, when the production bot serves it too; None when staging is another bot (the
        production bot need not be a member of the staging guild)."""
        try:
            staging_bot = self.credentials(settings, "staging")
        except DeployError:  # staging credentials incomplete or unreadable (a role that may read only the
            return None  # production prefix): named when staging is used, never in a production-only run
        return staging_bot.staging_guild if staging_bot.environment == "production" else None

    # ------------------------------------------------------------------ AWS

    def aws_config(self, settings: Settings) -> AwsConfig:
        from .stores.secrets import AwsConfig

        return AwsConfig(settings.aws_region, settings.role_to_assume, settings.role_session_name, settings.ssm_prefix)

    def aws(self, settings: Settings) -> AwsSession:
        """The run's AWS session, made once: one OIDC exchange serves Parameter Store and S3 backups."""
        if self._aws is None:
            from .stores.secrets import open_session

            self._aws = open_session(self.aws_config(settings), self.environ, self.mask, in_actions=self.in_actions)
        return self._aws

    def parameters(self, settings: Settings, prefix: str | None = None, *, required: bool = True) -> dict[str, str]:
        """BOT_TOKEN or CLIENT_SECRET, CLIENT_ID and GUILD_ID from Parameter Store under ``prefix`` (default: the
        configured one), read once per prefix. ``required``: a missing CLIENT_ID, or neither secret, is an error
        naming its path."""
        from dataclasses import replace

        from .stores.secrets import complete, read_parameters

        where = prefix or settings.ssm_prefix
        cached = self._parameters.get(where)
        if cached is None or (required and not complete(cached)):
            config = replace(self.aws_config(settings), ssm_prefix=where)
            w = self.wording
            secret = (
                f"{w.setting('client-secret', '...')} (or {w.setting('bot-token', '...')})"
                if w.action
                else f"{w.name('client-secret')} or {w.setting('bot-token', '...')}"
            )
            directly = f"set {secret} and {w.setting('application-id', 'ID')}"
            cached = read_parameters(
                self.aws(settings), config, self.mask, self.log, required=required, directly=directly
            )
            self._parameters[where] = cached
        return cached

    def _read_parameters(self, settings: Settings) -> Callable[[str, bool], dict[str, str]]:
        return lambda prefix, required: self.parameters(settings, prefix, required=required)

    # ------------------------------------------------------------------ stores

    def backups(self, settings: Settings) -> BackupStore:
        """The backup store, with the run's AWS session when it is on S3 and a role is assumed."""
        if settings.backup_store not in self._backups:
            from .stores.backups import open_store, s3_config

            client = None
            if settings.backup_store.startswith("s3://") and settings.role_to_assume:
                client = self.aws(settings).session.client("s3", config=s3_config())
            self._backups[settings.backup_store] = open_store(
                settings.backup_store,
                self.workspace,
                settings.aws_region,
                s3_client=client,
                log=self.log,
                redact=self.redact,
            )
        return self._backups[settings.backup_store]

    def ledger(self, settings: Settings) -> Ledger:
        """``deployment.log`` in the workspace; in a workflow run with a GitHub token, on real Discord, GitHub
        Deployments as well (the workspace, and with it the file, does not outlive the run). One per run: the
        GitHub ledger keeps this run's open write claims."""
        path = self.workspace / settings.ledger_file
        if path not in self._ledgers:
            from .stores.ledger import FileLedger

            local = FileLedger(path, warn=self.log, redact=self.redact, now=self.now)
            repo = None if settings.uses_emulator else self.github(settings)
            if repo is None or repo.run.sha is None:
                self._ledgers[path] = local
            else:
                self._ledgers[path] = self._github_ledger(settings, repo, local)
        return self._ledgers[path]

    def _github_ledger(self, settings: Settings, repo: GitHubRepo, local: Any) -> Ledger:
        from datetime import timedelta

        from .stores.github_ledger import CREATES_WINDOW, ROLLBACK_WINDOW, GitHubDeploymentsLedger
        from .stores.ledger import CLAIM_TTL

        self.resources.callback(repo.close)
        # The dashboard reads its whole window; every other reader the longest window a check looks back.
        dashboard = timedelta(seconds=settings.dashboard_window if settings.action == "dashboard" else 0)
        rollback = ROLLBACK_WINDOW if settings.action == "rollback" else timedelta(0)
        return GitHubDeploymentsLedger(
            repo,
            local,
            environments={
                "staging": settings.deployment_environment_staging,
                "production": settings.deployment_environment_production,
            },
            look_back=max(
                CREATES_WINDOW,
                timedelta(seconds=settings.staging_max_age),
                timedelta(seconds=settings.claim_expiry),
                CLAIM_TTL,
                dashboard,
                rollback,
            ),
            redact=self.redact,
            log=self.log,
            now=self.now,
            # A deploy must not pass its checks on half the record; detect reads it for a drift note only,
            # and the dashboard shows what it could read.
            strict=settings.action not in ("detect", "dashboard"),
        )

    # ------------------------------------------------------------------ GitHub

    def github(self, settings: Settings) -> GitHubRepo | None:
        """A new client of the run's repository (the caller closes it: ``with``), or None when GitHub is not
        usable here (outside a workflow run, or no github-token)."""
        run = self.github_run(settings)
        return None if run is None else self._open_github(settings, run)

    def _open_github(self, settings: Settings, run: RunInfo) -> GitHubRepo:
        from .notify.github import GitHubRepo, Options

        self.learn(settings)
        token = settings.github_token.get_secret_value() if settings.github_token else ""
        return GitHubRepo(token, run, self.github_options or Options(), self.log, self.redact)

    # ------------------------------------------------------------------ notifiers

    def alerter(self, settings: Settings, *, cooldown: float | None = None) -> Alerter:
        """The alerts of this run's checks: alerts.log, and Slack, Sentry and GitHub issues when configured."""
        from .notify.alerts import COOLDOWN, Alerter, Channel, GitHubIssueChannel, SentryChannel, SlackChannel

        self.learn(settings)
        channels: list[Channel] = []
        if settings.slack_webhook_url is not None:
            channels.append(SlackChannel(settings.slack_webhook_url.get_secret_value(), self.environ, self.redact))
        if settings.sentry_dsn is not None:
            dsn = settings.sentry_dsn.get_secret_value()
            channels.append(SentryChannel(dsn, settings.environment, self.redact, self.environ))
        run = self.github_run(settings)
        if run is not None and not settings.uses_emulator:  # the emulator proves nothing about real commands
            channels.append(
                GitHubIssueChannel(
                    partial(self._open_github, settings, run), settings.issue_labels, self.redact, self.log
                )
            )
        return Alerter(
            self.workspace / settings.alerts_file,
            self.redact,
            channels,
            cooldown=COOLDOWN if cooldown is None else cooldown,
            link=run.run_url if run else _run_url(self.environ),
        )

    # ------------------------------------------------------------------ end

    def close(self) -> None:
        self.resources.close()
        self._connections.clear()


def _run_url(environ: Mapping[str, str]) -> str | None:
    from .notify.run import RunInfo  # light: no PyGithub

    run = RunInfo.from_environ(environ)
    return run.run_url if run else None
