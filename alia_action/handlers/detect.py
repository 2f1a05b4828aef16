"""``detect``: validate every command and show what a deploy would change. Never writes to Discord."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..atomic import write_json_atomic
from ..commands.canonical import PRIMARY_ENTRY_POINT, checksum
from ..commands.loader import SourceCommand
from ..commands.plan import Plan, build_plan
from ..commands.problems import Problem, has_errors
from ..commands.rules import Scope, check_commands
from ..markdown import plan_markdown
from ..report import build_report, report_lines
from ..sources import load_commands
from ..stores.checksums import ChecksumFileError, read_baseline, write_baseline
from .outcome import EXIT_FAILED, EXIT_OK, Outcome

if TYPE_CHECKING:
    from ..config import Settings
    from .context import Context


@dataclass(slots=True)
class Baseline:
    """What the local set is compared with."""

    name: str
    commands: list[dict[str, Any]]
    guild: bool = False
    note: str = ""
    drift: str = ""  # live changes made outside the pipeline since its last deploy, described


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


def load_and_validate(settings: Settings, ctx: Context) -> Validated:
    loaded = load_commands(settings.commands, ctx.workspace, confine=ctx.in_actions)
    # A run that writes only to the staging guild is not warned about fields only global commands honour.
    scope: Scope = "guild" if settings.action == "stage" or settings.environment == "staging" else "any"
    problems = [*loaded.problems, *check_commands(loaded.commands, scope=scope)]
    return Validated(loaded.commands, problems, checksum(c.data for c in loaded.commands))


def offline_baseline(settings: Settings, ctx: Context) -> tuple[Baseline, list[Problem]]:
    path = ctx.workspace / settings.checksum_file
    try:
        recorded = read_baseline(path)
    except ChecksumFileError as exc:
        warning = Problem("warning", "baseline.unreadable", str(exc), settings.checksum_file, 1)
        return Baseline("none", [], note="The checksum file is unreadable: every command counts as added."), [warning]
    if recorded is None:
        note = (
            f"No baseline: `{settings.checksum_file}` does not exist and no credentials were given, "
            "so every command counts as added. Record one with `--write-checksums`."
        )
        return Baseline("none", [], note=note), []
    return Baseline(f"checksum file {settings.checksum_file}", recorded), []


def run(settings: Settings, ctx: Context) -> Outcome:
    # 1-2. Load every command file and validate against Discord's rules.
    validated = load_and_validate(settings, ctx)
    problems = list(validated.problems)

    # 3. Baseline: the live commands when credentials are given, else the checksum file.
    if ctx.has_discord_credentials(settings):
        from .live import live_baseline  # needs the HTTP client: imported only when used

        baseline = live_baseline(settings, ctx)
        local = validated.for_scope(guild=baseline.guild)
        if baseline.drift:
            problems.append(Problem("warning", "live.drift", baseline.drift))
            baseline.note = baseline.drift
    else:
        baseline, baseline_problems = offline_baseline(settings, ctx)
        problems += baseline_problems
        local = validated.definitions()

    # 4. Plan: what a deploy would add, modify and remove.
    plan = build_plan(local, baseline.commands, guild=baseline.guild)

    # 5. Report, outputs, summary.
    report = build_report(
        action="detect",
        checksum=validated.checksum,
        commands=validated.commands,
        plan=plan,
        problems=problems,
        baseline=baseline.name,
        extra={"drift": bool(baseline.drift)},
    )
    write_json_atomic(ctx.workspace / settings.report_file, report)
    lines = report_lines(report)

    # 6. Record the checksums only when asked, and only for a valid set.
    if settings.write_checksums:
        if has_errors(problems):
            lines.append(f"{settings.checksum_file} not written: the command set has errors")
        else:
            write_baseline(ctx.workspace / settings.checksum_file, validated.definitions())
            lines.append(f"wrote {settings.checksum_file}")

    return Outcome(
        action="detect",
        exit_code=EXIT_FAILED if has_errors(problems) else EXIT_OK,
        outputs=plan_outputs(plan, validated.checksum, settings.report_file),
        summary=plan_markdown(report, title="Discord commands: plan", baseline_note=baseline.note),
        problems=problems,
        lines=lines,
        report=report,
    )


def plan_outputs(plan: Plan, digest: str, report_file: str) -> dict[str, str]:
    names = plan.names()
    return {
        "changed": "true" if not plan.empty else "false",
        "checksum": digest,
        "added": json.dumps(names["added"], ensure_ascii=False),
        "modified": json.dumps(names["modified"], ensure_ascii=False),
        "removed": json.dumps(names["removed"], ensure_ascii=False),
        "creates": str(plan.creates),
        "report": report_file,
    }
