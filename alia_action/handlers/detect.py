"""``detect``: validate every command and show what a deploy would change. Never writes to Discord."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..atomic import write_json_atomic
from ..commands.canonical import PRIMARY_ENTRY_POINT, checksum
from ..commands.loader import SourceCommand
from ..commands.plan import build_plan
from ..commands.problems import Problem, has_errors
from ..commands.rules import Scope, check_commands
from ..outcome import EXIT_FAILED, EXIT_OK, Facts, Outcome, build, render
from ..sources import load_commands
from ..stores.baselines import live_baseline, offline_baseline
from ..stores.checksums import write_baseline

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


@dataclass(slots=True)
class Validated:
    """Commands loaded and checked: the first two steps of every handler."""

    commands: list[SourceCommand]
    problems: list[Problem]
    checksum: str

    @property
    def deployable(self) -> bool:
        return not has_errors(self.problems)

    def definitions(self) -> list[dict[str, Any]]:
        return [c.data for c in self.commands]

    def for_scope(self, *, guild: bool) -> list[dict[str, Any]]:
        """What a scope receives: the staging guild all but entry points (global only);
        global commands all but ``developmentOnly`` ones."""
        if guild:
            return [c.data for c in self.commands if c.type != PRIMARY_ENTRY_POINT]
        return [c.data for c in self.commands if not c.development_only]


def load_and_validate(settings: Settings, ctx: Runtime) -> Validated:
    loaded = load_commands(settings.commands, ctx.workspace, confine=ctx.in_actions)
    # A run that writes only to the staging guild is not warned about fields only global commands honour.
    scope: Scope = "guild" if settings.action == "stage" or settings.environment == "staging" else "any"
    problems = [*loaded.problems, *check_commands(loaded.commands, scope=scope)]
    return Validated(loaded.commands, problems, checksum(c.data for c in loaded.commands))


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

    # 4. Plan: what a deploy would add, modify and remove.
    plan = build_plan(local, baseline.commands, guild=baseline.guild)

    # 5. Report, outputs, summary.
    facts = Facts(
        "detect",
        validated.checksum,
        validated.commands,
        problems,
        plan,
        baseline.name,
        details={"drift": bool(baseline.drift)},
    )
    write_json_atomic(ctx.workspace / settings.report_file, build(facts), redact=ctx.redact)

    # 6. Record the checksums only when asked, and only for a valid set.
    trail: list[str] = []
    if settings.write_checksums:
        if has_errors(problems):
            trail.append(f"{settings.checksum_file} not written: the command set has errors")
        else:
            write_baseline(ctx.workspace / settings.checksum_file, validated.definitions())
            trail.append(f"wrote {settings.checksum_file}")

    return render(
        facts,
        report_file=settings.report_file,
        title="Discord commands: plan",
        note=baseline.note,
        trail=trail,
        exit_code=EXIT_FAILED if has_errors(problems) else EXIT_OK,
    )
