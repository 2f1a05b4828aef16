"""Where commands live: one application's commands in one guild (the staging guild, or a production guild
that a per-guild command names with ``guilds``), or its global ones.

One value for every layer: the handlers' target, the backup store's per-scope folder or key prefix, the
records' and messages' names. The environment is derived from the guild (staging is always a guild, never
global) unless the scope is a production guild; it takes no part in equality, so two values naming the same
place are equal however they were built (a backup's origin is the scope it restores to).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace


@dataclass(frozen=True, slots=True)
class Scope:
    guild_id: str | None = None  # None: global commands
    # None where one application is implied (a run's connection); backups of several applications need it.
    application_id: str | None = None
    # A guild of the production environment: a per-guild command set's target (promote), not the staging guild.
    production: bool = field(default=False, compare=False)

    @classmethod
    def of(cls, guild_id: str | None, application_id: str | None = None) -> Scope:
        return cls(guild_id, application_id)

    @classmethod
    def production_guild(cls, guild_id: str, application_id: str | None = None) -> Scope:
        return cls(guild_id, application_id, production=True)

    def of_application(self, application_id: str) -> Scope:
        return replace(self, application_id=application_id)

    @property
    def environment(self) -> str:
        return "staging" if self.guild_id is not None and not self.production else "production"

    @property
    def guild(self) -> bool:
        return self.guild_id is not None

    @property
    def label(self) -> str:
        """For people: ``staging guild 123`` or ``global commands``."""
        if self.guild_id is None:
            return "global commands"
        return f"guild {self.guild_id}" if self.production else f"staging guild {self.guild_id}"

    @property
    def name(self) -> str:
        """Short, for records (backups, GitHub deployments): ``guild 123`` or ``global``."""
        return f"guild {self.guild_id}" if self.guild_id else "global"

    @property
    def key(self) -> str:
        """For machines (reports, metrics series): the guild ID or ``global``."""
        return self.guild_id or "global"

    @property
    def described(self) -> str:
        """With its application, as backup messages name it: ``guild 123 of application 456``."""
        where = f"guild {self.guild_id}" if self.guild_id else "global commands"
        return f"{where} of application {self.application_id}"

    @property
    def segment(self) -> str:
        """The scope's folder below a backup store's root or prefix: ``<application>/<guild or global>/``
        (both parts are digits, checked by the settings)."""
        if self.application_id is None:
            raise ValueError(f"{self.label} names no application: it has no backup folder")
        return f"{self.application_id}/{self.key}/"


def scope_name(guild_id: str | None) -> str:
    return Scope.of(guild_id).name
