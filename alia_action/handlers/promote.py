"""``promote``: deploy globally, only behind the circuit breaker, with backup and verification."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from ..commands.plan import build_plan
from ..durations import format_duration, human_duration
from ..errors import DeployError, UsageError
from ..notify.bypass import Bypass, notify_slack, summary_banner
from ..outcome import Facts, Outcome, attach
from ..scope import Scope
from ..steps.apply import Applied, apply_commands, deploy_outcome
from ..steps.per_guild import attach_guilds, deploy_guilds, with_guilds
from ..steps.post_deploy import with_post_deploy_health
from ..steps.validation import Validated, invalid_outcome, load_and_validate
from ..stores.ledger import latest_success

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..wording import Wording


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
