"""Per-guild command sets (``guilds`` in the files): each named production guild deployed as its own scope.

Every guild goes through the shared steps (apply.py: read, plan, guard, backup, write, verify, record), one
after another; one guild failing never stops the others. What each guild ended as is listed in the
summary, the terminal lines and the report (``guilds``); any failure makes the run's exit code 1, and a
re-run writes only where a guild still differs (a guild in sync costs its one GET).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import DeployError
from ..markdown import escape, table
from ..outcome import EXIT_FAILED, Outcome, partial_of
from ..scope import Scope
from .apply import apply_commands

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from .validation import Validated


@dataclass(frozen=True, slots=True)
class GuildResult:
    guild_id: str
    outcome: str  # deployed | in sync | dry run | failed
    requests: int
    commands: int  # how many commands the files put in the guild
    backup: str | None = None
    message: str = ""
    changes: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (added|modified|removed, names)

    @property
    def failed(self) -> bool:
        return self.outcome == "failed"

    def line(self) -> str:
        head = f"guild {self.guild_id}: {self.outcome}"
        if self.failed:
            return f"{head}: {self.message}"
        changed = "; ".join(f"{kind} {', '.join(names)}" for kind, names in self.changes if names)
        detail = f" ({changed})" if changed else ""
        backup = f", backup {self.backup}" if self.backup else ""
        return f"{head}{detail}: {self.commands} command(s), {self.requests} request(s){backup}"

    def json(self) -> dict[str, Any]:
        return {
            "guild_id": self.guild_id,
            "outcome": self.outcome,
            "commands": self.commands,
            "requests": self.requests,
            "backup": self.backup,
            "message": self.message,
            **{kind: list(names) for kind, names in self.changes},
        }


def guild_scopes(validated: Validated, application_id: str) -> list[tuple[Scope, list[dict[str, Any]]]]:
    return [(Scope.production_guild(g, application_id), c) for g, c in validated.guild_sets().items()]


def deploy_guilds(
    settings: Settings, ctx: Runtime, discord: Discord, validated: Validated, *, bypass_reason: str | None = None
) -> list[GuildResult]:
    """Deploy each guild's set with the shared steps; a guild's failure (already recorded) is its result."""
    results = []
    for target, commands in guild_scopes(validated, discord.application_id):
        guild = target.guild_id or ""
        start = discord.requests
        try:
            applied = apply_commands(
                settings,
                ctx,
                discord,
                action="promote",
                target=target,
                intended=commands,
                digest=validated.checksum,
                bypass_reason=bypass_reason,
            )
        except DeployError as exc:
            facts = partial_of(exc)
            ctx.log(f"warning: {exc}")
            backup = facts.backup_file if facts is not None and facts.backup_file else None
            results.append(GuildResult(guild, "failed", discord.requests - start, len(commands), backup, str(exc)))
            continue
        names = applied.plan.names()
        changes = tuple((kind, tuple(names[kind])) for kind in ("added", "modified", "removed"))
        outcome = "dry run" if applied.dry_run else "deployed" if applied.written else "in sync"
        message = "verified" if applied.written else ""
        results.append(GuildResult(guild, outcome, applied.requests, len(commands), applied.backup, message, changes))
    return results


def guild_markdown(results: list[GuildResult]) -> str:
    failed = sum(r.failed for r in results)
    head = f"### Per-guild command sets: {len(results) - failed} of {len(results)} guild(s) done"
    if failed:
        head += f", {failed} failed"
    rows = [
        [escape(r.guild_id), ("❌ " if r.failed else "") + escape(r.outcome), str(r.commands), str(r.requests),
         escape(r.backup or "-"), escape(r.message or "-")]
        for r in results
    ]  # fmt: skip
    return head + "\n\n" + table(["Guild", "Outcome", "Commands", "Requests", "Backup", "Detail"], rows) + "\n"


def failure_text(results: list[GuildResult]) -> str | None:
    failed = [r.guild_id for r in results if r.failed]
    if not failed:
        return None
    return (
        f"{len(failed)} of {len(results)} guild(s) failed ({', '.join(failed)}); the others are done. Fix the "
        "cause and run promote again: it writes only where a guild still differs"
    )


def with_guilds(outcome: Outcome, results: list[GuildResult]) -> Outcome:
    """The global scope's outcome with every guild's: lines, summary table, report, requests, exit code."""
    if not results:
        return outcome
    spent = sum(r.requests for r in results)
    outcome.outputs["requests"] = str(int(outcome.outputs.get("requests", "0")) + spent)
    outcome.lines += ["", *(r.line() for r in results)]
    outcome.summary += "\n" + guild_markdown(results)
    if outcome.report is not None:
        outcome.report["guilds"] = [r.json() for r in results]
        outcome.report["requests"] = int(outcome.report.get("requests", 0)) + spent
    failure = failure_text(results)
    if failure is not None:
        outcome.exit_code = EXIT_FAILED
        outcome.lines.append(failure)
        # The global scope's own verdict (✅) stays below; the run's verdict comes first.
        outcome.summary = f"## ❌ promote: {escape(failure)}\n\n" + outcome.summary
        if outcome.report is not None:
            outcome.report["failure"] = failure
    return outcome


def attach_guilds(exc: DeployError, results: list[GuildResult]) -> DeployError:
    """The global write failed after the guilds were deployed: its failure carries what each guild holds."""
    facts = partial_of(exc)
    if facts is not None and results:
        facts.details["guilds"] = [r.json() for r in results]
        facts.requests = (facts.requests or 0) + sum(r.requests for r in results)
        if "requests" in facts.details:
            facts.details["requests"] = facts.requests
        for r in results:
            facts.states[f"guild {r.guild_id}"] = f"{r.outcome}: {r.message}" if r.message else r.outcome
    return exc
