"""Where a handler runs: the workspace, the environment and the clock, passed in rather than global."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(slots=True)
class Context:
    workspace: Path
    environ: Mapping[str, str] = field(default_factory=dict)
    in_actions: bool = False
    now: Callable[[], datetime] = utc_now

    def has_discord_credentials(self, settings: Settings) -> bool:
        """Live Discord (or the built-in emulator) can be reached with what was configured."""
        if settings.discord_api_url == "emulator":
            return True
        return settings.bot_token is not None and settings.application_id is not None
