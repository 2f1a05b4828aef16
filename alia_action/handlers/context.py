"""Where a handler runs: the workspace, the environment, the clock and the Discord connection.

Passed in rather than global, so tests give their own, and one process that runs several
handlers (``deploy`` = stage + promote) shares one connection (and one built-in emulator).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..wording import TERMINAL, Wording

if TYPE_CHECKING:
    from ..config import Settings
    from ..stores.backups import BackupStore
    from .live import Discord


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Context:
    workspace: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    in_actions: bool = False
    wording: Wording = TERMINAL  # how messages name settings: CLI flags, or the action's inputs
    now: Callable[[], datetime] = utc_now
    log: Callable[[str], None] = lambda _line: None  # progress lines (untrusted text allowed)
    mask: Callable[[str], None] = lambda _secret: None  # secrets learnt during the run (Parameter Store, STS)
    client_options: dict[str, Any] = field(default_factory=dict)  # DiscordClient tuning (retries, timeouts)
    resources: ExitStack = field(default_factory=ExitStack)
    cache: dict[str, Any] = field(default_factory=dict)  # per-run objects that are costly to make twice
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])  # ties a result to its "started" entry
    _discord: Discord | None = None

    def backup_store(self, settings: Settings) -> BackupStore:
        """The backup store, with the run's AWS session when it is on S3 and a role is assumed."""
        from ..stores.backups import open_store, s3_config

        client = None
        if settings.backup_store.startswith("s3://") and settings.role_to_assume:
            from ..stores.secrets import cached_session

            client = cached_session(settings, self)[0].client("s3", config=s3_config())
        return open_store(settings.backup_store, self.workspace, settings.aws_region, s3_client=client, log=self.log)

    def has_discord_credentials(self, settings: Settings) -> bool:
        """Live Discord (or the built-in emulator) can be reached with what was configured."""
        if settings.uses_emulator or settings.role_to_assume:  # role: Parameter Store has them
            return True
        return settings.bot_token is not None and settings.application_id is not None

    def discord(self, settings: Settings) -> Discord:
        """The Discord connection of this run, opened on first use and closed with the context."""
        if self._discord is None:
            from .live import connect

            self._discord = connect(settings, self)
        return self._discord

    @property
    def git_sha(self) -> str | None:
        return self.environ.get("GITHUB_SHA") or None

    def close(self) -> None:
        self.resources.close()
        self._discord = None
