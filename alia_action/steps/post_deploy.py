"""The health of a scope a deploy just verified, from the verification GET the deploy already made: a line,
a summary section and the ``health`` output, with no request of its own."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..commands.problems import Problem
from ..health.check import PostDeploy
from ..health.summary import post_deploy_markdown
from ..outcome import Outcome

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from .apply import Applied


def post_deploy_health(settings: Settings, discord: Discord, applied: Applied) -> PostDeploy | None:
    """After a successful deploy (or a no-op): the figures of the verification GET, no request of its own.
    None for a dry run: nothing was written, and its plan is not empty (a no-op returns before the dry run)."""
    if not (applied.written or applied.plan.empty):
        return None
    guild = applied.target.guild_id
    path = (
        f"/applications/{discord.application_id}/guilds/{guild}/commands"
        if guild
        else f"/applications/{discord.application_id}/commands"
    )
    # The scope's last GET is the one that answered: a deploy that got here read it successfully last
    # (verification, or the plan's read of a no-op), and its failed attempts, if any, came before.
    reads = [r for r in discord.client.requests if r.method == "GET" and r.path == path]
    if not reads:
        return None
    elapsed_ms = round(reads[-1].elapsed * 1000, 1)
    threshold_ms = settings.response_time_threshold * 1000
    commands = sum(c.kind != "removed" for c in applied.plan.changes)
    return PostDeploy(
        applied.target.label,
        "degraded" if elapsed_ms > threshold_ms else "healthy",
        elapsed_ms,
        threshold_ms,
        commands,
        "verification" if applied.written else "plan",
    )


def with_post_deploy_health(outcome: Outcome, settings: Settings, discord: Discord, applied: Applied) -> Outcome:
    """Add the post-deploy figures to a deploy's outcome: a line, a summary section, the ``health`` output."""
    health = post_deploy_health(settings, discord, applied)
    if health is None:
        return outcome
    outcome.lines.append(health.line())
    outcome.summary = outcome.summary.rstrip() + "\n\n" + post_deploy_markdown(health) + "\n"
    outcome.outputs["health"] = health.outcome
    if outcome.report is not None:
        outcome.report["health"] = {
            "outcome": health.outcome,
            "response_time_ms": health.response_time_ms,
            "threshold_ms": health.threshold_ms,
            "live": health.commands,
            "expected": health.commands,
            "source": health.source,
        }
    if health.outcome != "healthy":
        outcome.problems.append(Problem("warning", "health.slow", health.line()))
    return outcome
