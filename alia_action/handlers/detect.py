"""``detect``: validate every command and show what a deploy would change. Never writes to Discord."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..commands.plan import Plan, build_plan
from ..commands.problems import Problem, has_errors
from ..outcome import EXIT_FAILED, EXIT_OK, Facts, Outcome, render
from ..steps.validation import load_and_validate
from ..stores.baselines import live_baseline, offline_baseline
from ..stores.checksums import write_baseline

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def run(settings: Settings, ctx: Runtime) -> Outcome:
    # 1-2. Load every command file and validate against Discord's rules.
    validated = load_and_validate(settings, ctx)
    problems = list(validated.problems)

    # 3. Baseline: the live commands when credentials are given, else the checksum file.
    if ctx.has_discord_credentials(settings):
        discord = ctx.discord(settings, settings.environment)  # the HTTP client: imported only when used
        baseline = live_baseline(discord, discord.scope_for(settings.environment), ctx.ledger(settings))
        local = validated.for_scope(guild=baseline.guild)
        if baseline.drift:
            problems.append(Problem("warning", "live.drift", baseline.drift))
            baseline.note = baseline.drift
    else:
        baseline, baseline_problems = offline_baseline(ctx.workspace / settings.checksum_file, settings.checksum_file)
        problems += baseline_problems
        local = validated.definitions()

    # 4. Plan: what a deploy would add, modify and remove, and what the guards will say when it is deployed.
    plan = build_plan(local, baseline.commands, guild=baseline.guild)
    guards = guard_verdicts(settings, ctx, plan)

    # 5. Report, outputs, summary.
    facts = Facts(
        "detect",
        validated.checksum,
        validated.commands,
        problems,
        plan,
        baseline.name,
        details={"drift": bool(baseline.drift), "guards": guards},
    )

    # 6. Record the checksums only when asked, and only for a valid set.
    trail: list[str] = []
    if settings.write_checksums:
        if has_errors(problems):
            trail.append(f"{settings.checksum_file} not written: the command set has errors")
        else:
            write_baseline(ctx.workspace / settings.checksum_file, validated.definitions())
            trail.append(f"wrote {settings.checksum_file}")

    outcome = render(
        facts,
        report_file=settings.report_file,
        title="Discord commands: plan",
        note=baseline.note,
        trail=trail,
        exit_code=EXIT_FAILED if has_errors(problems) else EXIT_OK,
    )
    if has_errors(problems) and outcome.report is not None:  # exit 1: the report says why, like every failure
        outcome.report["failure"] = f"{sum(p.is_error for p in problems)} error(s) in the command files"
    return outcome


def guard_verdicts(settings: Settings, ctx: Runtime, plan: Plan) -> list[dict[str, Any]]:
    """The deploy's guards applied to this plan, for the scope of ``environment``."""
    from ..scope import Scope
    from ..steps.guards import plan_verdicts

    if ctx.has_discord_credentials(settings):  # the live baseline: the connection is open already
        discord = ctx.discord(settings, settings.environment)
        return plan_verdicts(settings, ctx, plan, discord.scope_for(settings.environment), discord.application_id)
    guild = (settings.guild_id or "(guild-id not set)") if settings.environment == "staging" else None
    return plan_verdicts(settings, ctx, plan, Scope(guild, settings.application_id), settings.application_id)
