"""Where commands live: one guild (the staging guild) or global. One value, one way to name it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Scope:
    environment: str  # staging | production
    guild_id: str | None = None  # None: global commands

    @classmethod
    def of(cls, guild_id: str | None, environment: str | None = None) -> Scope:
        return cls(environment or ("staging" if guild_id else "production"), guild_id)

    @property
    def guild(self) -> bool:
        return self.guild_id is not None

    @property
    def label(self) -> str:
        """For people: ``staging guild 123`` or ``global commands``."""
        return f"staging guild {self.guild_id}" if self.guild_id else "global commands"

    @property
    def name(self) -> str:
        """Short, for records (backups, GitHub deployments): ``guild 123`` or ``global``."""
        return f"guild {self.guild_id}" if self.guild_id else "global"

    @property
    def key(self) -> str:
        """For machines (reports, metrics series): the guild ID or ``global``."""
        return self.guild_id or "global"


def scope_name(guild_id: str | None) -> str:
    return Scope.of(guild_id).name


def scope_label(guild_id: str | None) -> str:
    return Scope.of(guild_id).label
