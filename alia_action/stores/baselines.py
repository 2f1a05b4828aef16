"""What a plan compares the local commands with: the live commands of a scope, or the checksum file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..commands.canonical import checksum
from ..commands.problems import Problem
from ..scope import Scope
from .checksums import ChecksumFileError, read_baseline

if TYPE_CHECKING:
    from ..discord.connection import Discord
    from .ledger import Ledger  # its pydantic model costs an offline detect time it does not need


@dataclass(slots=True)
class Baseline:
    """What the local set is compared with."""

    name: str
    commands: list[dict[str, Any]]
    guild: bool = False
    note: str = ""
    drift: str = ""  # live changes made outside the pipeline since its last deploy, described


def offline_baseline(path: Path, name: str) -> tuple[Baseline, list[Problem]]:
    """The checksum file at ``path`` (``name`` as configured, for messages)."""
    try:
        recorded = read_baseline(path)
    except ChecksumFileError as exc:
        warning = Problem("warning", "baseline.unreadable", str(exc), name, 1)
        return Baseline("none", [], note="The checksum file is unreadable: every command counts as added."), [warning]
    if recorded is None:
        note = (
            f"No baseline: `{name}` does not exist and no credentials were given, "
            "so every command counts as added. Record one with `--write-checksums`."
        )
        return Baseline("none", [], note=note), []
    return Baseline(f"checksum file {name}", recorded), []


def live_baseline(discord: Discord, scope: Scope, ledger: Ledger) -> Baseline:
    """The live commands of ``scope``, read-only (one GET), with the drift since the last verified deploy."""
    live: list[dict[str, Any]] = discord.client.list_commands(scope.guild_id)
    return Baseline(
        f"live {scope.label}",
        live,
        guild=scope.guild,
        drift=drift_since_last_deploy(ledger, discord.application_id, scope, live),
    )


def drift_since_last_deploy(ledger: Ledger, application_id: str, scope: Scope, live: list[dict[str, Any]]) -> str:
    """Live commands that changed outside the pipeline since its last verified deploy to the scope, or ""."""
    deploys = [
        e
        for e in ledger.entries()
        if e.outcome in ("success", "noop") and e.live_checksum and e.same_scope(application_id, scope.guild_id)
    ]
    last = max(deploys, key=lambda e: e.time, default=None)
    if last is None or last.live_checksum == checksum(live, guild=scope.guild):
        return ""
    return (
        f"drift: the live commands changed outside the pipeline since its last {last.action} "
        f"({last.time:%Y-%m-%d %H:%M:%S} UTC); the plan below would overwrite those changes"
    )
