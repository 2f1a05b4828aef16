"""``stage``: deploy every command to the staging guild, with a backup first and a verification after."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands.canonical import PRIMARY_ENTRY_POINT
from ..outcome import Outcome
from ..scope import Scope
from ..steps.apply import Applied, apply_commands, deploy_outcome
from ..steps.post_deploy import with_post_deploy_health
from ..steps.validation import Validated, invalid_outcome, load_and_validate

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime) -> Outcome:
    return staged(settings, ctx)[0]


def staged(settings: Settings, ctx: Runtime) -> tuple[Outcome, Applied | None]:
    """The stage's outcome, and what it applied (None when validation stopped it before Discord)."""
    # 1. Load and validate: one error, or one file that fails to load, and Discord is never contacted.
    validated = load_and_validate(settings, ctx)
    if not validated.deployable:
        return invalid_outcome("stage", settings, validated), None

    # 2. The staging guild is required: staging never falls back to global commands.
    discord = ctx.discord(settings, "staging")
    target = Scope(discord.require_staging_guild(), discord.application_id)

    # 3. Read live, plan, guard, back up, write, verify, record (developmentOnly commands included).
    applied = apply_commands(
        settings,
        ctx,
        discord,
        action="stage",
        target=target,
        intended=validated.for_scope(guild=True),
        digest=validated.checksum,
    )
    applied.notes += global_only_notes(validated)
    # 4. Post-deploy health: the figures of the verification GET just made (no extra request).
    outcome = with_post_deploy_health(deploy_outcome("stage", settings, validated, applied), settings, discord, applied)
    return outcome, applied


def global_only_notes(validated: Validated) -> list[str]:
    """Entry points are global only (Discord refuses them in a guild): staging leaves them out, and says so."""
    return [
        f"entry point {c.name} not staged: entry points are global only; promote deploys it"
        for c in validated.commands
        if c.type == PRIMARY_ENTRY_POINT
    ]
