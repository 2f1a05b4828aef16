"""``promote``: deploy globally, only behind the circuit breaker, with backup and verification."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DeployError, UsageError
from ..notify.bypass import Bypass, notify_slack, summary_banner
from ..outcome import Facts, Outcome, attach
from ..scope import Scope
from ..steps.apply import Applied, apply_commands, deploy_outcome
from ..steps.breaker import CircuitOpen, check_breaker
from ..steps.per_guild import attach_guilds, deploy_guilds, with_guilds
from ..steps.post_deploy import with_post_deploy_health
from ..steps.validation import Validated, invalid_outcome, load_and_validate

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime, staged_now: Applied | None = None) -> Outcome:
    """``staged_now``: the stage ``deploy`` just ran in this process (see :func:`check_breaker`)."""
    # 1. Load and validate: any error stops here, before Discord is contacted.
    started_at = ctx.now()
    validated = load_and_validate(settings, ctx)
    if not validated.deployable:
        return invalid_outcome("promote", settings, validated)

    # 2. Circuit breaker: a recent staging success of this exact set, still live in the staging guild;
    #    or, in an emergency, bypassed with a reason that every trail records.
    discord = ctx.discord(settings, "production")
    refuse_staging_in_guilds(validated, discord.staging_guild)
    first_request = discord.requests
    bypass = announce_bypass(settings, ctx) if settings.bypass_breaker else None
    if bypass is not None:
        breaker = [f"circuit breaker BYPASSED (emergency) by {bypass.who}: {bypass.reason}"]
    else:
        # The staging guild is read by the staging bot: the production bot need not be a member of it.
        staging_bot = ctx.discord(settings, "staging")
        before = staging_bot.requests
        try:
            breaker = check_breaker(settings, ctx, staging_bot, validated, staged_now)
        except CircuitOpen as exc:  # nothing written: still the checksum, the requests and where things stand
            spent = (
                staging_bot.requests - before + (discord.requests - first_request if staging_bot is not discord else 0)
            )
            raise attach(exc, breaker_facts(validated, spent, staging_bot)) from None
        if staging_bot is not discord:  # its own connection: add its GET to this run's count
            first_request -= staging_bot.requests - before

    # 3. Back up global commands, apply the set without developmentOnly and per-guild commands, verify, record.
    #    Then each guild a per-guild command names, as its own scope: one failing never stops the others.
    reason = bypass.reason if bypass else None
    try:
        applied = apply_commands(
            settings,
            ctx,
            discord,
            action="promote",
            target=Scope(None, discord.application_id),
            intended=validated.for_scope(guild=False),
            digest=validated.checksum,
            first_request=first_request,
            started_at=started_at,
            bypass_reason=reason,
        )
    except DeployError as exc:
        raise attach_guilds(exc, deploy_guilds(settings, ctx, discord, validated, bypass_reason=reason)) from None
    guilds = deploy_guilds(settings, ctx, discord, validated, bypass_reason=reason)
    # 4. Post-deploy health: the figures of the verification GET just made (no extra request).
    outcome = deploy_outcome("promote", settings, validated, applied, before=breaker)
    if bypass is not None:
        outcome.summary = summary_banner(bypass) + "\n" + outcome.summary
    return with_guilds(with_post_deploy_health(outcome, settings, discord, applied), guilds)


def refuse_staging_in_guilds(validated: Validated, staging_guild: str | None) -> None:
    """A per-guild set naming the staging guild would replace the staged set there with the guild's few
    commands (and open the breaker for the next promote): refused before anything is written."""
    if staging_guild is None or staging_guild not in validated.guild_sets():
        return
    named = [c for c in validated.commands if staging_guild in c.guilds]
    raise UsageError(
        f"{named[0].file}: {named[0].name} names the staging guild {staging_guild} in guilds; the staging guild "
        "receives every command from stage, so a per-guild set cannot be promoted there. Nothing was written"
    )


def breaker_facts(validated: Validated, requests: int, staging_bot: Discord) -> Facts:
    """What a promote stopped by its circuit breaker knows: the set, the requests, and that nothing moved."""
    return Facts(
        "promote",
        validated.checksum,
        validated.commands,
        list(validated.problems),
        backup_file="",
        requests=requests,
        states={
            "global commands": "unchanged: nothing was written (the circuit breaker stopped the promote)",
            f"staging guild {staging_bot.staging_guild}": "not written by this run (only read for the breaker)",
        },
    )


def announce_bypass(settings: Settings, ctx: Runtime) -> Bypass:
    """The emergency bypass, announced before anything is written: a deploy that then fails still leaves
    its Slack message (the ledger and the review issue follow the result)."""
    if not settings.bypass_reason:  # Settings' constructors refuse this; a hand-built Settings must too
        raise UsageError("bypass-breaker needs a bypass-reason: why production cannot wait for staging")
    bypass = Bypass.of(settings.bypass_reason, "production", ctx.now(), ctx.environ)
    ctx.log(f"warning: the circuit breaker is bypassed (emergency) by {bypass.who}: {bypass.reason}")
    if settings.slack_webhook_url is not None:
        ctx.log(notify_slack(settings.slack_webhook_url.get_secret_value(), ctx.environ, bypass, ctx.redact))
    return bypass
