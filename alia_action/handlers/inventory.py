"""``inventory``: walk every guild the bot is in and report the guild commands the files do not put there
(stale), names that are both guild and global commands (duplicates users see), guilds the app cannot read (no
``applications.commands`` scope) and guilds whose set differs from the files. Writes to Discord only with
``clean`` (and explicit consent): see ``steps/fleet_clean.py``.

Discord has no endpoint listing the guilds that hold an app's commands (discord-api-docs issue 2464): the walk
reads each guild once, paced by the client's rate-limit engine (50 requests a second, buckets from the
headers, a budget of invalid answers), and resumes from its checkpoint after a kill.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from ..commands.canonical import command_key
from ..commands.fleet import GuildReading, assess, reading_of
from ..commands.plan import build_plan
from ..discord.errors import DiscordError, InvalidBudgetExhausted, MissingAccess, UnknownGuild
from ..outcome import EXIT_FAILED, EXIT_OK, Outcome
from ..steps.fleet_clean import clean_guilds, clean_targets, require_consent
from ..steps.guild_walk import Progress, Walk, count_guilds, guild_pages
from ..steps.inventory_report import WalkFacts, finding_lines, headline, inventory_report, summary_markdown
from ..steps.validation import Validated, invalid_outcome, load_and_validate
from ..stores.checkpoint import Checkpoint

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime


def desired_guild_sets(validated: Validated, staging_guild: str | None) -> dict[str, list[dict[str, Any]]]:
    """Guild → the commands the files put there: every command (entry points aside) in the staging guild, and
    each production guild's per-guild set (``guilds`` in the files); the walk and the findings need nothing else."""
    desired = validated.guild_sets()
    if staging_guild:
        desired[staging_guild] = validated.for_scope(guild=True)
    return desired


def run(settings: Settings, ctx: Runtime) -> Outcome:
    validated = load_and_validate(settings, ctx)
    if not validated.deployable:
        return invalid_outcome("inventory", settings, validated)
    discord = ctx.discord(settings, "production")
    client = discord.client
    client.record_requests = False  # a count is enough; a record per guild would grow with the fleet
    desired = desired_guild_sets(validated, discord.staging_guild)

    def wall() -> float:  # the run's wall clock, as epoch seconds (checkpoint ages, pauses)
        return ctx.now().timestamp()

    checkpoint = Checkpoint(
        ctx.workspace / settings.checkpoint_file,
        {"application_id": discord.application_id, "checksum": validated.checksum},
        settings.checkpoint_max_age,
        wall,
    )
    resume = checkpoint.resume()
    if checkpoint.discarded:
        ctx.log(f"inventory: starting over: {checkpoint.discarded}")
    elif resume is not None:
        ctx.log(f"inventory: resuming from {settings.checkpoint_file}: {resume.read:,} guild(s) read already")
    if resume is not None and resume.paused_until > wall():
        # The last run spent its budget of invalid answers: Discord's 10-minute window outlives that process.
        wait = resume.paused_until - wall()
        at = (ctx.now() + timedelta(seconds=wait)).strftime("%H:%M:%S UTC")
        raise InvalidBudgetExhausted(
            f"the last inventory stopped at its budget of invalid answers (401, 403, 429) in 10 minutes; it can "
            f"continue at {at} (in {wait:.0f} s), when Discord's window has moved on. Nothing was sent now; "
            f"{settings.checkpoint_file} keeps the {resume.read:,} guild(s) read so far",
            retry_after=wait,
        )
    readings: list[GuildReading] = list(resume.readings) if resume else []
    clean = [resume.clean if resume else 0]
    global_live = client.list_commands(None)

    def visit(guild: str) -> GuildReading:
        try:
            live = client.list_commands(guild)
        except MissingAccess:  # remembered by the client: this guild is never asked again in this run
            return GuildReading(guild, "no_scope")
        except UnknownGuild as exc:  # left or deleted since it was listed
            return GuildReading(guild, "failed", error=str(exc))
        wanted = desired.get(guild)
        names = build_plan(wanted, live, guild=True).names() if wanted is not None else {}
        return reading_of(guild, live, names)

    def record(guild: str, reading: GuildReading) -> None:
        checkpoint.guild(reading)
        if reading.status == "ok" and not reading.commands and not any(reading.plan.values()):
            clean[0] += 1  # nothing to report: counted, not kept
        else:
            readings.append(reading)

    failure: str | None = None
    total = resume.read if resume and resume.complete else 0
    walk: Walk[GuildReading] | None = None
    checkpoint.begin(resume)
    try:
        if not (resume and resume.complete):
            total = count_guilds(client)
            progress = Progress(client.clock, ctx.log, total)
            progress.begin(resume.read if resume else 0)
            walk = Walk(visit, record, checkpoint.page, progress)
            walk.run(guild_pages(client, resume.after if resume else None), resume.done if resume else ())
            checkpoint.done(total)
    except DiscordError as exc:
        failure = _stopped(exc, settings, ctx, clean[0] + len(readings))
        if isinstance(exc, InvalidBudgetExhausted):
            checkpoint.pause(wall() + exc.retry_after)
    finally:
        checkpoint.close()

    found = assess(
        readings,
        (command_key(c) for c in global_live),
        {guild: [command_key(c) for c in cmds] for guild, cmds in desired.items()},
        discord.staging_guild,
    )
    found.clean += clean[0]  # guilds without a single command: counted as they were read, never kept
    visited = walk.visited if walk else 0
    facts = WalkFacts(
        application_id=discord.application_id,
        staging_guild=discord.staging_guild,
        total=total,
        read=visited,
        reused=resume.read if resume else 0,
        global_commands=len(global_live),
        requests=client.request_count,
        invalid_answers=client.invalid.total,
        invalid_peak=client.invalid.peak,
        checkpoint=settings.checkpoint_file,
        complete=failure is None,
    )
    cleaned: list[dict[str, Any]] | None = None
    if settings.clean and failure is None:  # an unfinished walk knows only part of the fleet: clean none of it
        targets = clean_targets(found, desired)
        require_consent(settings, ctx, targets)
        cleaned = clean_guilds(settings, ctx, discord, targets, validated.checksum, ctx.log)
        if any(c["outcome"] == "failed" for c in cleaned):
            failed = [c["guild"] for c in cleaned if c["outcome"] == "failed"]
            failure = f"clean failed in {len(failed)} guild(s): {', '.join(failed)} (the others were cleaned)"
        facts = replace(facts, requests=client.request_count)
    problems = [p.to_dict() for p in validated.problems]
    report = inventory_report(validated.checksum, problems, facts, found, cleaned)
    if failure is not None:
        report["failure"] = failure
    lines = [*finding_lines(report), headline(report), *([f"error: {failure}"] if failure else [])]
    return Outcome(
        "inventory",
        exit_code=EXIT_FAILED if failure else EXIT_OK,
        outputs={"checksum": validated.checksum, "requests": str(client.request_count), "findings": str(found.count)},
        summary=summary_markdown(report),
        lines=lines,
        report=report,
    )


def _stopped(exc: DiscordError, settings: Settings, ctx: Runtime, read: int) -> str:
    """Why the walk stopped, and when and how it can go on: the checkpoint keeps what was read."""
    keep = f"{settings.checkpoint_file} keeps the {read:,} guild(s) read so far"
    if isinstance(exc, InvalidBudgetExhausted):
        at = (ctx.now() + timedelta(seconds=exc.retry_after)).strftime("%H:%M:%S UTC")
        return f"{exc} (at {at}); {keep}: run inventory again then to continue"
    return f"{exc}; {keep}: run inventory again to continue"
