"""``inventory --clean``: remove the stale (and so the duplicate) guild commands the walk found, guild by guild,
as safely as a deploy: explicit consent first, then per guild the shared write steps (``apply.apply_commands``):
a fresh read, a durable backup of that guild, the claim, one write, a verifying read, a ledger record. One guild
failing never stops the others; each cleaned guild can be restored from its own backup with ``rollback``.

Only guilds the files put nothing in are cleaned: there every command is stale. A guild the files do put
commands in (the staging guild) is brought in line by deploying it, not by cleaning.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..commands.fleet import Findings
from ..errors import DeployError, UsageError
from ..scope import Scope
from .apply import apply_commands

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime

CLEAN_ACTION = "clean"  # the ledger's name for these writes


def clean_targets(found: Findings, desired: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
    """(guild, stale names) of every guild to clean. A duplicate in such a guild is one of its stale commands."""
    return [(item["guild"], list(item["names"])) for item in found.stale if item["guild"] not in desired]


def require_consent(settings: Settings, ctx: Runtime, targets: list[tuple[str, list[str]]]) -> None:
    """Bulk deletion needs explicit consent: without it nothing is written, and the message says what would go."""
    if settings.allow_deletions or not targets:
        return
    commands = sum(len(names) for _, names in targets)
    raise UsageError(
        f"clean would delete {commands} command(s) in {len(targets)} guild(s) (listed above as stale); nothing was "
        f"written. Set {ctx.wording.setting('allow-deletions')} to consent: each guild is backed up first"
    )


def clean_guilds(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    targets: list[tuple[str, list[str]]],
    digest: str,
    log: Callable[[str], None],
) -> list[dict[str, Any]]:
    """Each guild emptied of its stale commands (consent checked by :func:`require_consent`); one result each."""
    results: list[dict[str, Any]] = []
    for guild, _names in targets:
        target = Scope(guild, discord.application_id)
        try:
            applied = apply_commands(
                settings, ctx, discord, action=CLEAN_ACTION, target=target, intended=[], digest=digest
            )
        except DeployError as exc:  # recorded by the write steps; the other guilds go on
            results.append({"guild": guild, "outcome": "failed", "removed": [], "backup": None, "error": str(exc)})
            log(f"clean: guild {guild} failed: {exc}")
            continue
        removed = [c.name for c in applied.plan.removed]
        outcome = "dry_run" if applied.dry_run else "cleaned" if applied.written else "nothing_to_do"
        results.append({"guild": guild, "outcome": outcome, "removed": removed, "backup": applied.backup})
        if applied.written:
            log(f"clean: guild {guild}: deleted {', '.join(removed)}; verified empty; backup {applied.backup}")
    return results


def restore_line(guild: str, backup: str) -> str:
    """The command that puts a cleaned guild back as it was."""
    return f"command-deploy rollback --environment staging --guild-id {guild} --backup-file {backup}"
