"""The steps every write shares: read live, plan, guard, back up, write, verify, record.

One GET to plan, one write only when the plan is not empty, one GET to verify. The write is one
per-command request (POST, PATCH, DELETE) when the plan holds a single change, so only that command's
version changes; else one atomic bulk PUT. A connection that drops after Discord applied the write is
recognised by the verification, not reported as a failure. The verification compares the whole scope,
every command and every field, with what the write was predicted to leave (commands/predict.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, NoReturn

from ..commands.canonical import checksum as set_checksum
from ..commands.plan import Plan, Write, build_plan, plan_write, removal_label
from ..commands.predict import mismatches, predict
from ..commitinfo import Commit
from ..discord.errors import DAILY_CREATE_LIMIT, DiscordError
from ..durations import format_duration, stamp
from ..errors import DeployError
from ..notify.run import RunInfo
from ..outcome import Facts, Outcome, attach, render
from ..scope import Scope
from ..stores.backup_scope import prune
from ..stores.backups import BackupDocument, BackupError, BackupKind
from ..stores.ledger import (
    Conflict,
    LedgerEntry,
    concurrent_claim,
    creates_spent,
    describe,
    superseded,
    unfinished_claim,
)
from .guards import deletion_limit
from .validation import Validated

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.client import DiscordClient
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..wording import Wording


@dataclass(slots=True)
class Applied:
    target: Scope
    plan: Plan
    backup: str | None = None
    requests: int = 0
    written: bool = False
    dry_run: bool = False
    live_checksum: str | None = None
    notes: list[str] = field(default_factory=list)
    started_at: datetime | None = None  # when the work on the scope began (the ledger's start time)
    commit: Commit = field(default_factory=Commit)
    bypass_reason: str | None = None  # set when the circuit breaker was bypassed (recorded with every entry)
    restored: str | None = None  # rollback: the backup it restores (recorded, so the dashboard names it)
    planned: bool = False  # the plan above was made against live commands (not the empty placeholder)
    undid: tuple[str, ...] | None = None  # rollback: the deploys it undoes (each by its backup; recorded)


def check_guards(settings: Settings, ctx: Runtime, discord: Discord, target: Scope, plan: Plan, *, action: str) -> None:
    """Stop before writing when a plan deletes in bulk or would exhaust the daily create budget."""
    limit = deletion_limit(settings, target)
    removed = [removal_label(c) for c in plan.removed]  # a type change counts as a removal
    if limit is not None and len(removed) > limit:
        what = "the restore" if action == "rollback" else "the plan"
        check = (
            "check that the backup is the one you meant"
            if action == "rollback"
            else "check that every command file was exported"
        )
        raise DeploymentGuard(
            f"{what} would remove {len(removed)} command(s) from {target.label} ({', '.join(removed)}), "
            f"more than max-deletions={limit}. If that is intended, set {ctx.wording.setting('allow-deletions')} "
            f"(or raise {ctx.wording.name('max-deletions')}); if not, {check}. Nothing was written"
        )
    if plan.creates:
        ledger = ctx.ledger(settings)
        spent = creates_spent(ledger, application_id=discord.application_id, guild_id=target.guild_id, now=ctx.now())
        if spent + plan.creates > DAILY_CREATE_LIMIT:
            raise DeployError(
                f"the plan creates {plan.creates} command(s) in {target.label}, but {spent} of Discord's "
                f"{DAILY_CREATE_LIMIT} daily creates were spent in the last 24 h: wait, or rename with renamedFrom "
                "(renames keep IDs and spend no create)"
            )


class DeploymentGuard(DeployError):
    """A guard stopped the write before anything was sent (bulk deletion without consent)."""


class ConcurrentDeploy(DeployError):
    """Another run is writing to, or has just written, the same scope: this run's plan may be stale."""


def claim_scope(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    *,
    action: str,
    target: Scope,
    digest: str,
    planned_at: datetime,
    live: list[dict[str, Any]],
    applied: Applied,
) -> None:
    """Record that this run is about to write, unless another run got there first.

    Two deploys of one scope (a misconfigured concurrency group) must not overwrite each other blindly:
    the check and the claim happen under the ledger's lock, with no extra request to Discord. Another run's
    unfinished claim is taken over (and the takeover recorded) only when ``override-claim`` says so: a claim
    whose run is provably finished (its own result recorded, or older than claim-expiry) no longer counts, and
    any other may be a live writer whose write is still in flight (a rollback included never takes it over by
    itself: the writer's late write would land on top of the restore).
    """
    ledger = ctx.ledger(settings)
    live_checksum = set_checksum(live, guild=target.guild)
    expiry = timedelta(seconds=settings.claim_expiry)
    with ledger.lock():
        conflict = concurrent_claim(
            ledger,
            application_id=discord.application_id,
            guild_id=target.guild_id,
            run=ctx.run_id,
            planned_at=planned_at,
            live_checksum=live_checksum,
            expiry=expiry,
        )
        took_over, message = None, ""
        if conflict is not None:
            claim = conflict.claim
            if claim is None or not settings.override_claim:
                raise ConcurrentDeploy(blocked_message(action, target, conflict, settings.claim_expiry, ctx.wording))
            took_over, message = take_over(ctx, action, target, conflict, claim)
        started = Applied(
            target,
            Plan([]),
            started_at=applied.started_at,
            commit=applied.commit,
            bypass_reason=applied.bypass_reason,
            live_checksum=live_checksum,
            restored=applied.restored,
            undid=applied.undid,
        )
        record(
            settings,
            ctx,
            discord,
            action=action,
            target=target,
            digest=digest,
            applied=started,
            outcome="started",
            message=message,
            took_over=took_over,
        )


def take_over(
    ctx: Runtime, action: str, target: Scope, conflict: Conflict, claim: LedgerEntry
) -> tuple[str | None, str]:
    """Say what override-claim overrides (whose claim, started when: with the day, a claim may be days old);
    the run taken over and the message, for the record."""
    message = (
        f"took over the unfinished claim of {conflict.holder()}, started {stamp(claim.time)}: "
        "override-claim is set; if that run is still writing, it fails instead of reporting success"
    )
    ctx.log(f"warning: {action} to {target.label} {message}")
    return claim.run, message


def close_overridden(
    settings: Settings, ctx: Runtime, discord: Discord, *, action: str, target: Scope, digest: str, applied: Applied
) -> None:
    """Record a run that had nothing to write (``noop``). With override-claim, another run's unfinished claim
    is closed by it too (a killed run's claim, found already done by its re-run), so it blocks no later run."""
    ledger = ctx.ledger(settings)
    with ledger.lock():
        took_over, message = None, ""
        if settings.override_claim:
            conflict = unfinished_claim(
                ledger,
                application_id=discord.application_id,
                guild_id=target.guild_id,
                run=ctx.run_id,
                at=ctx.now(),
                expiry=timedelta(seconds=settings.claim_expiry),
            )
            if conflict is not None and conflict.claim is not None:
                took_over, message = take_over(ctx, action, target, conflict, conflict.claim)
        record(
            settings,
            ctx,
            discord,
            action=action,
            target=target,
            digest=digest,
            applied=applied,
            outcome="noop",
            message=message,
            took_over=took_over,
        )


def blocked_message(action: str, target: Scope, conflict: Conflict, expiry_seconds: float, wording: Wording) -> str:
    """Who holds the scope, until when, and the two ways on: wait for it, or take over a claim left behind."""
    text = f"{action} to {target.label} stopped before writing: {conflict.reason}"
    if conflict.claim is None or conflict.expires is None:
        return (
            f"{text}. This run's plan is stale; run it again (a `concurrency:` group in the workflow serialises "
            "deploys)"
        )
    return (
        f"{text}; the claim is held by {conflict.holder()} and expires at {stamp(conflict.expires)} "
        f"(claim-expiry: {format_duration(expiry_seconds)}). If that run is still going, run this again once it "
        "is done (a `concurrency:` group in the workflow serialises deploys); if it is gone, take over its claim "
        f"with {wording.setting('override-claim')}, which the deployment record keeps"
    )


def take_backup(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    target: Scope,
    live: list[dict[str, Any]],
    kind: BackupKind,
) -> str:
    """Save the live commands durably; if this fails, nothing is written to Discord."""
    store = ctx.backups(settings)
    document = BackupDocument(
        kind=kind,
        application_id=discord.application_id,
        guild_id=target.guild_id,
        environment=target.environment,
        taken_at=ctx.now(),
        git_sha=ctx.git_sha,
        checksum=set_checksum(live, guild=target.guild),
        commands=live,
    )
    try:
        name = store.save(document)
    except BackupError as exc:
        raise BackupError(f"{exc}; nothing was written to Discord") from None
    return name  # the caller's result says so, in the order of events


def record(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    *,
    action: str,
    target: Scope,
    digest: str,
    applied: Applied,
    outcome: str,
    message: str = "",
    took_over: str | None = None,
) -> None:
    ledger = ctx.ledger(settings)
    now = ctx.now()
    run = RunInfo.from_environ(ctx.environ)
    ledger.record(
        LedgerEntry.model_validate(
            {
                "time": now,
                "action": action,
                "environment": target.environment,
                "application_id": discord.application_id,
                "guild_id": target.guild_id,
                "checksum": digest,
                "live_checksum": applied.live_checksum,
                "outcome": outcome,
                "requests": applied.requests,
                "creates": applied.plan.creates if outcome == "success" else 0,
                "backup": applied.backup,
                "git_sha": applied.commit.sha,
                "commit_time": applied.commit.time,
                "started_at": applied.started_at or now,
                "ended_at": None if outcome == "started" else now,
                "bypass": applied.bypass_reason is not None,
                "bypass_reason": applied.bypass_reason,
                "restored": applied.restored,
                "message": message,
                "run": ctx.run_id,
                "run_url": run.run_url if run else None,
                "took_over": took_over,
                "undid": applied.undid,
            }
        )
    )


@dataclass(frozen=True, slots=True)
class Snapshot:
    read_at: datetime
    commands: list[dict[str, Any]]


def read_snapshot(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    *,
    action: str,
    applied: Applied,
    digest: str = "",
    start: int | None = None,
) -> Snapshot:
    """The live commands of ``applied.target`` and when they were read (the plan's start, for concurrent
    claims). A failed read is recorded as the action's failure: nothing was written."""
    read_at = ctx.now()
    first = discord.requests if start is None else start
    try:
        return Snapshot(read_at, discord.client.list_commands(applied.target.guild_id))
    except DiscordError as exc:
        message = f"could not read the live commands ({exc}); nothing was written"
        applied.requests = discord.requests - first
        raise failed(settings, ctx, discord, action=action, digest=digest, applied=applied, message=message) from None


UNCHANGED = "unchanged: what it held before this run (nothing was written to it)"


def failed(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    *,
    action: str,
    digest: str,
    applied: Applied,
    message: str,
    state: str = UNCHANGED,
) -> DeployError:
    """Record a failed write (or read) and return the error that says what happened and how to go back.
    ``state``: what the target holds now, for the failure's summary."""
    target = applied.target
    try:  # the failure closes this run's claim; if it cannot be recorded, the cause still comes first
        record(
            settings,
            ctx,
            discord,
            action=action,
            target=target,
            digest=digest,
            applied=applied,
            outcome="failure",
            message=message,
        )
    except DeployError as exc:
        message += f" (and this failure could not be recorded: {str(exc).removesuffix('.')})"
    hint = ""
    if applied.backup:
        hint = f" Backup taken before the write: {applied.backup}"
        if applied.written:  # the write may have changed the scope: say how to go back
            restore = ctx.wording.run("rollback", environment=target.environment, backup_file=applied.backup)
            hint += f" (restore it with {restore})"
        hint += "."
    error = DeployError(f"{action} to {target.label} failed: {message}.{hint}")
    # What the run knew when it failed: the runner still sets the outputs and the summary from it.
    return attach(error, failure_facts(action, digest, applied, state))


def failure_facts(action: str, digest: str, applied: Applied, state: str = UNCHANGED) -> Facts:
    """What a failed write knows, with what it wrote and what its scope holds now."""
    facts = applied_facts(action, digest, applied, commands=None, details={})
    facts.states = {applied.target.label: state}
    facts.wrote = [f"backup {applied.backup}"] if applied.backup else []
    if applied.written:
        facts.wrote.append(f"the write to {applied.target.label} was sent")
    return facts


def retain_backups(settings: Settings, ctx: Runtime, discord: Discord, target: Scope) -> list[str]:
    """After a successful write: prune the scope's backups to backup-retention. A failure here is a note,
    never a failed deploy (the write succeeded and the new backup is safe)."""
    try:
        removed = prune(
            ctx.backups(settings),
            target.of_application(discord.application_id),
            settings.backup_retention,
        )
    except DeployError as exc:
        return [f"backup retention skipped: {exc}"]
    return [f"backup retention: removed {len(removed)} old backup(s) of {target.label}"] if removed else []


VERIFY_SHOWN = 5  # differences named in a failed verification's message

Intended = list[dict[str, Any]] | Callable[[list[dict[str, Any]]], list[dict[str, Any]]]


def apply_commands(
    settings: Settings,
    ctx: Runtime,
    discord: Discord,
    *,
    action: str,
    target: Scope,
    intended: Intended,
    digest: str,
    guard: bool = True,
    backup_kind: BackupKind = "backup",
    first_request: int | None = None,
    started_at: datetime | None = None,
    snapshot: Snapshot | None = None,
    bypass_reason: str | None = None,
    restored: str | None = None,
    undid: tuple[str, ...] | None = None,
) -> Applied:
    """Make ``target`` hold exactly ``intended``. Raises DeployError (already recorded) on failure.

    ``intended`` may be computed from the live commands (rollback keeps the IDs of renamed commands).
    ``first_request``: the request counter at the start of the caller's work, to report its total.
    ``started_at``: when the caller's work began (promote's breaker check), the ledger's start time.
    ``snapshot``: the live commands the caller has just read (rollback chose its backup by them): not read twice.
    ``bypass_reason``: the circuit breaker was bypassed for this reason (every record says so).
    ``restored``, ``undid``: the backup a rollback restores and the deploys it undoes (every record names them).
    """
    client = discord.client
    start = discord.requests if first_request is None else first_request
    applied = Applied(
        target,
        Plan([]),
        started_at=started_at or ctx.now(),
        commit=ctx.commit(),
        bypass_reason=bypass_reason,
        restored=restored,
        undid=undid,
    )

    def fail(message: str, state: str = UNCHANGED) -> NoReturn:
        applied.requests = discord.requests - start
        raise failed(
            settings, ctx, discord, action=action, digest=digest, applied=applied, message=message, state=state
        )

    # 1. Read what is live and plan against it.
    if snapshot is None:
        snapshot = read_snapshot(settings, ctx, discord, action=action, applied=applied, digest=digest, start=start)
    planned_at, live = snapshot.read_at, snapshot.commands
    wanted = intended(live) if callable(intended) else intended
    applied.plan = plan = build_plan(wanted, live, guild=target.guild)
    applied.planned = True
    if plan.empty:
        applied.requests = discord.requests - start
        applied.live_checksum = set_checksum(live, guild=target.guild)
        applied.notes.append(f"{target.label} already hold(s) this set: no write")
        if not settings.dry_run:  # a dry run writes nothing anywhere, the record included
            close_overridden(settings, ctx, discord, action=action, target=target, digest=digest, applied=applied)
        return applied

    # 2. Guards, then the durable backup: both before the first write.
    if guard:
        try:
            check_guards(settings, ctx, discord, target, plan, action=action)
        except DeployError as exc:  # stopped before writing: the plan and the requests are still worth showing
            applied.requests = discord.requests - start
            raise attach(exc, failure_facts(action, digest, applied)) from None
    if settings.dry_run:
        applied.dry_run = True
        applied.requests = discord.requests - start
        applied.notes.append("dry run: nothing was written")
        return applied
    claim_scope(
        settings,
        ctx,
        discord,
        action=action,
        target=target,
        digest=digest,
        planned_at=planned_at,
        live=live,
        applied=applied,
    )
    try:
        applied.backup = take_backup(settings, ctx, discord, target, live, backup_kind)
    except DeployError as exc:  # the failure is recorded, which closes this run's claim wherever it is held
        fail(str(exc).removesuffix("."))

    # 3. Write: one per-command request for a single change (only its version moves on), else one bulk PUT.
    write_error: DiscordError | None = None
    write = plan_write(wanted, plan, guild=target.guild)
    predicted = predict(live, write, guild=target.guild)  # the whole scope after the write, every field
    try:
        send_write(client, target.guild_id, write)
    except DiscordError as exc:
        write_error = exc
        # A DELETE sent again after its answer was lost finds the command gone: verification decides.
        gone = write.method == "DELETE" and exc.status == 404
        # A refusal after an entry point's own DELETE leaves neither set: verification says what is live.
        if exc.status is not None and 400 <= exc.status < 500 and not gone and not write.first:
            fail(f"Discord refused the write: {exc}")  # a refused body was not applied: no need to read again
    applied.written = True

    # 4. Verify with a fresh read, whatever the write answered.
    try:
        after = client.list_commands(target.guild_id)
    except DiscordError as exc:
        sent = f"the write failed ({write_error})" if write_error else "the write was sent"
        fail(
            f"{sent} but verification could not read the live commands ({exc}); {target.label} hold(s) the "
            "previous or the intended set: run detect against this environment to see which",
            "unknown: the previous or the intended set (verification could not read it)",
        )
    applied.requests = discord.requests - start
    applied.live_checksum = set_checksum(after, guild=target.guild)
    differences = mismatches(predicted, after, guild=target.guild)
    if not differences:
        if write_error is not None:
            applied.notes.append(f"the write's answer was lost ({write_error}), but verification shows it applied")
        record_success(settings, ctx, discord, action=action, digest=digest, applied=applied, since=planned_at)
        applied.notes += retain_backups(settings, ctx, discord, target)
        return applied

    unchanged = build_plan(live, after, guild=target.guild).empty
    state = "still hold(s) the previous set" if unchanged else "hold(s) neither the previous nor the intended set"
    cause = f"the write failed ({write_error})" if write_error else "verification found a different set"
    shown = "; ".join(str(d) for d in differences[:VERIFY_SHOWN])
    more = f" (and {len(differences) - VERIFY_SHOWN} more)" if len(differences) > VERIFY_SHOWN else ""
    fail(
        f"{cause}; {target.label} {state}: {shown}{more}",
        "the previous set (the write did not apply)"
        if unchanged
        else f"neither the previous nor the intended set: restore backup {applied.backup}",
    )


def record_success(
    settings: Settings, ctx: Runtime, discord: Discord, *, action: str, digest: str, applied: Applied, since: datetime
) -> None:
    """Record the verified write, unless another run took over this run's claim or wrote to the scope since
    this run read it (``since``): then the success may no longer be true (this write may have landed on top of
    theirs, or theirs on top of this one), so the live commands are read again and the run fails, saying what
    they hold. The check and the record are one step under the ledger's lock."""
    ledger = ctx.ledger(settings)
    target = applied.target
    with ledger.lock():
        try:
            other = superseded(
                ledger, application_id=discord.application_id, guild_id=target.guild_id, run=ctx.run_id, since=since
            )
        except DeployError as exc:  # the write is verified: an unreadable record is no reason to call it failed
            ctx.log(f"warning: whether another run wrote to {target.label} meanwhile could not be checked: {exc}")
            other = None
        if other is None:
            record(
                settings, ctx, discord, action=action, target=target, digest=digest, applied=applied, outcome="success"
            )
            return
    how = "took over this run's claim" if other.took_over == ctx.run_id else "wrote to it"
    who = f"{describe(other)}{f' ({other.run_url})' if other.run_url else ''}"
    before = discord.requests
    try:
        now = set_checksum(discord.client.list_commands(target.guild_id), guild=target.guild)
        holds = "this run's set" if now == applied.live_checksum else "another set"
    except DiscordError as exc:
        holds = f"a set that could not be read again ({exc})"
    applied.requests += discord.requests - before
    message = (
        f"this run's write was verified, but {who} {how} while it was writing, so its success is no longer "
        f"certain; read again, {target.label} hold(s) {holds}. Check what is live (detect against this "
        "environment) before deploying or rolling back again"
    )
    state = f"{holds} (read again after another run's write)"
    raise failed(settings, ctx, discord, action=action, digest=digest, applied=applied, message=message, state=state)


def send_write(client: DiscordClient, guild_id: str | None, write: Write) -> None:
    """Send the one request that applies a plan (after the requests it needs first)."""
    for step in write.first:
        try:
            send_write(client, guild_id, step)
        except DiscordError as exc:
            if exc.status != 404:  # already gone (a retry whose first answer was lost): what the step was for
                raise
    if write.method == "PUT":
        client.overwrite_commands(guild_id, write.body)
    elif write.method == "POST":
        client.create_command(guild_id, write.body)
    elif write.command_id is None:  # plan_write gives PATCH and DELETE the live command's ID
        raise ValueError(f"{write.method} of {write.name} without a command ID")
    elif write.method == "PATCH":
        client.edit_command(guild_id, write.command_id, write.body)
    else:
        client.delete_command(guild_id, write.command_id)


def deploy_outcome(
    action: str, settings: Settings, validated: Validated, applied: Applied, *, before: Sequence[str] = ()
) -> Outcome:
    """Report, outputs and summary of a deploy that succeeded (or was a no-op or a dry run).

    The lines follow the events: ``before`` (promote's circuit breaker), the plan, the backup, the write with
    its requests; the caller adds the verification (post-deploy health)."""
    facts = applied_facts(action, validated.checksum, applied, commands=validated, details={})
    label, warnings = applied.target.label, sum(not p.is_error for p in validated.problems)
    if applied.dry_run:
        done = f"dry run: would deploy {label}; nothing was written"
    elif applied.written:
        done = f"deployed {label}: {applied.requests} request(s) in all, verification included"
    else:
        done = f"in sync: {label} already hold(s) this set, nothing to deploy: {applied.requests} request(s)"
    done += f" · {warnings} warning(s)"
    backup = []
    if applied.backup:
        held = sum(c.kind != "added" for c in applied.plan.changes)
        backup = [f"backup of {label} ({held} commands): {applied.backup}"]
    notes = [n for n in applied.notes if not n.endswith(("no write", "nothing was written"))]  # said by `done`
    return render(
        facts,
        report_file=settings.report_file,
        title=f"Discord commands: {action} → {label}",
        note=" · ".join([done, *backup, *notes]),
        lead=before,
        trail=[*backup, done, *notes],
        verdict=False,
    )


def applied_facts(
    action: str, digest: str, applied: Applied, *, commands: Validated | None, details: dict[str, object]
) -> Facts:
    """What a write knows once done: the plan, the backup, the requests, and where."""
    return Facts(
        action,
        digest,
        commands.commands if commands else (),
        list(commands.problems) if commands else [],
        applied.plan if applied.planned else None,
        f"live {applied.target.label}",
        backup_file=applied.backup or "",
        requests=applied.requests,
        details={
            "environment": applied.target.environment,
            "scope": applied.target.key,
            "backup": applied.backup,
            "requests": applied.requests,
            "written": applied.written,
            "dry_run": applied.dry_run,
            "notes": applied.notes,
            **details,
        },
    )
