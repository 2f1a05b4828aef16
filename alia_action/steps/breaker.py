"""The circuit breaker: production is written only after staging succeeded with exactly this command set, recently,
and the staging guild still holds it."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..commands.plan import build_plan
from ..durations import format_duration, human_duration
from ..errors import DeployError
from ..stores.ledger import latest_success

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..wording import Wording
    from .apply import Applied
    from .validation import Validated


def stage_again(wording: Wording) -> str:
    """How to satisfy the breaker, in the words of the interface that ran promote."""
    if wording.action:
        return "run the staging deploy again (`action: stage`, or `gh workflow run <workflow> -f action=staging`)"
    return f"run the staging deploy again ({wording.run('stage')})"


class CircuitOpen(DeployError):
    """The circuit breaker refused a production deploy; the message says which condition failed."""


def check_breaker(
    settings: Settings, ctx: Runtime, discord: Discord, validated: Validated, staged_now: Applied | None = None
) -> list[str]:
    """Pass only when staging succeeded with exactly this set recently AND the staging guild still holds it.

    ``staged_now``: this run's own stage (``deploy``), whose fresh GET already showed the guild holding the set;
    reading the guild again a moment later would only spend a request. In a dry run it is the simulated stage,
    which satisfies the breaker for this run only: it recorded nothing a later promote could find.
    """
    guild = discord.require_staging_guild()
    if settings.dry_run and staged_now is not None and staged_now.target.guild_id == guild:
        return [
            f"circuit breaker: satisfied for this dry run only by the simulated stage to staging guild {guild} "
            "(nothing was staged or recorded; a real deploy stages and records first)"
        ]
    ledger = ctx.ledger(settings)
    now = ctx.now()
    try:
        # A record dated past the clock skew never gets here: the ledger's reader skips it, with a warning that
        # names the line (stores/jsonlines.py), so a forged or wrong-clock success cannot open the breaker.
        staged = latest_success(ledger, action="stage", application_id=discord.application_id, guild_id=guild)
    except DeployError as exc:  # the record is unreadable: say so, not "no staging deploy is recorded"
        raise CircuitOpen(f"circuit breaker: cannot tell whether staging succeeded: {exc}") from None
    if staged is None:
        raise CircuitOpen(
            f"circuit breaker: no successful staging deploy to guild {guild} is recorded in {ledger.location}; "
            + stage_again(ctx.wording)
        )
    if staged.checksum != validated.checksum:
        raise CircuitOpen(
            f"circuit breaker: the last staging deploy ({staged.time:%Y-%m-%d %H:%M:%S} UTC) was of another command "
            f"set (checksum {staged.checksum[:12]}, this set is {validated.checksum[:12]}); " + stage_again(ctx.wording)
        )
    age = max(now - staged.time, timedelta(0))  # within the clock skew: just now
    if age > timedelta(seconds=settings.staging_max_age):
        raise CircuitOpen(
            f"circuit breaker: the staging deploy of this set is {human_duration(age.total_seconds())} old, older "
            f"than staging-max-age={format_duration(settings.staging_max_age)}; " + stage_again(ctx.wording)
        )
    ago = human_duration(age.total_seconds())
    if staged_now is not None and staged_now.target.guild_id == guild and staged_now.live_checksum is not None:
        return [
            f"circuit breaker passed: staged {ago} ago with the same checksum, and this run's verification "
            f"showed staging guild {guild} holding it"
        ]
    live = discord.client.list_commands(guild)
    drift = build_plan(validated.for_scope(guild=True), live, guild=True)
    if not drift.empty:
        # The plan is from the staged set to the guild: what it would add is what the guild is missing.
        state = {"added": "missing", "modified": "changed", "removed": "extra"}
        changed = ", ".join(f"{state[c.kind]} {c.name}" for c in drift.changes if c.kind != "unchanged")
        raise CircuitOpen(
            f"circuit breaker: staging guild {guild} no longer holds the staged set ({changed}); "
            + stage_again(ctx.wording)
        )
    return [
        f"circuit breaker passed: staged {ago} ago with the same checksum, and staging guild {guild} still holds it"
    ]
