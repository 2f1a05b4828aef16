"""The fleet's findings: what each guild the bot is in holds, against what the command files put there.

Pure. A guild's reading is its live commands by (type, name) and, where the files put commands in it, the
plan's names; the findings follow from the readings, the global commands and the desired guild sets:

* stale: a guild holds a command the files do not put there (today the files put commands only in the
  staging guild; per-guild sets will add more);
* duplicate: a name a guild holds that is also a global command of the same type: its members see it twice
  (discord-api-docs issue 3885);
* no scope: the app is in the guild without ``applications.commands`` (403 50001): its commands cannot be read;
* differs: a guild the files put commands in does not hold exactly them;
* failed: the guild could not be read for another reason (e.g. it was deleted during the walk).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from .canonical import Key, command_key

Status = Literal["ok", "no_scope", "failed"]


@dataclass(frozen=True, slots=True)
class GuildReading:
    """One guild as read: ``commands`` its live (type, name) keys; ``plan`` the names a deploy of its desired set
    would add, modify and remove (empty when the files put nothing there or it matches)."""

    guild_id: str
    status: Status
    commands: tuple[Key, ...] = ()
    plan: Mapping[str, Sequence[str]] = field(default_factory=dict)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Compact: a clean guild is ``{"id", "status"}`` only, so a checkpoint of 100,000 guilds stays small."""
        out: dict[str, Any] = {"id": self.guild_id, "status": self.status}
        if self.commands:
            out["commands"] = [[kind, name] for kind, name in self.commands]
        if any(self.plan.values()):
            out["plan"] = {k: list(v) for k, v in self.plan.items() if v}
        if self.error:
            out["error"] = self.error
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> GuildReading:
        """Raises KeyError/TypeError/ValueError on a malformed record."""
        status = str(data["status"])
        if status not in ("ok", "no_scope", "failed"):
            raise ValueError(f"unknown status {status!r}")
        commands = tuple((int(kind), str(name)) for kind, name in data.get("commands", []))
        plan = {str(k): [str(n) for n in v] for k, v in dict(data.get("plan", {})).items()}
        error = data.get("error")
        return cls(str(data["id"]), status, commands, plan, None if error is None else str(error))  # type: ignore[arg-type]


def reading_of(
    guild_id: str, live: Iterable[Mapping[str, Any]], plan_names: Mapping[str, Sequence[str]]
) -> GuildReading:
    """A readable guild: its live commands' keys and the non-empty parts of its plan."""
    changes = {kind: list(plan_names.get(kind, ())) for kind in ("added", "modified", "removed")}
    return GuildReading(guild_id, "ok", tuple(sorted(command_key(c) for c in live)), changes)


@dataclass(slots=True)
class Findings:
    stale: list[dict[str, Any]] = field(default_factory=list)  # {"guild", "names"}
    duplicates: list[dict[str, Any]] = field(default_factory=list)  # {"guild", "names", "staging"}
    no_scope: list[str] = field(default_factory=list)
    differs: list[dict[str, Any]] = field(default_factory=list)  # {"guild", "added", "modified", "removed"}
    failed: list[dict[str, str]] = field(default_factory=list)  # {"guild", "error"}
    guilds: int = 0
    clean: int = 0

    @property
    def count(self) -> int:
        return len(self.stale) + len(self.duplicates) + len(self.no_scope) + len(self.differs) + len(self.failed)


def assess(
    readings: Iterable[GuildReading],
    global_keys: Iterable[Key],
    desired: Mapping[str, Iterable[Key]],
    staging_guild: str | None,
) -> Findings:
    """The findings of ``readings`` (any order; reported by guild ID). ``desired``: guild → the keys the files
    put there (a guild absent from it should hold none)."""
    globals_ = set(global_keys)
    wanted = {guild: set(keys) for guild, keys in desired.items()}
    out = Findings()
    for reading in sorted(readings, key=lambda r: int(r.guild_id)):
        out.guilds += 1
        gid = reading.guild_id
        if reading.status == "no_scope":
            out.no_scope.append(gid)
            continue
        if reading.status == "failed":
            out.failed.append({"guild": gid, "error": reading.error or "unknown error"})
            continue
        live = set(reading.commands)
        # By name: two commands of one name (types differ) read the same in the list, whatever their order.
        stale = sorted(name for _, name in live - wanted.get(gid, set()))
        dupes = sorted(name for _, name in live & globals_)
        if stale:
            out.stale.append({"guild": gid, "names": stale})
        if dupes:
            out.duplicates.append({"guild": gid, "names": dupes, "staging": gid == staging_guild})
        if gid in wanted and any(reading.plan.values()):
            out.differs.append(
                {"guild": gid, **{k: list(reading.plan.get(k, ())) for k in ("added", "modified", "removed")}}
            )
        if not (stale or dupes or (gid in wanted and any(reading.plan.values()))):
            out.clean += 1
    return out
