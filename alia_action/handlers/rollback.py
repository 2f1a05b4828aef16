"""``rollback``: restore a backup to the scope it was taken from, after a pre-rollback backup; verify."""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..commands.canonical import SERVER_KEYS, checksum
from ..commands.plan import Plan
from ..commands.problems import sort_problems
from ..errors import DeployError, UsageError
from ..markdown import escape
from ..outcome import EXIT_OK, Outcome, attach, render
from ..report import REPORT_FORMAT
from ..scope import Scope
from ..steps.apply import Applied, applied_facts, apply_commands, failure_facts, read_snapshot
from ..steps.validation import Validated, validate_backup
from ..stores.backup_scope import Listed, opened
from ..stores.backups import BackupDocument, BackupError, BackupStore, age
from ..stores.ledger import History, describe, history

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..workflow import Workflow


PICKER_SIZE = 20  # newest backups of the scope offered by rollback --interactive


@dataclass(frozen=True, slots=True)
class Choice:
    """The backup a rollback restores, why that one (shown to the user), and what the record will say: the
    deploys it undoes (each by its backup) and how the state it finds was reached (``undo``: the pre-rollback
    backup of an earlier run of the same rollback, when one is known)."""

    name: str
    document: BackupDocument
    why: str
    undid: tuple[str, ...] = ()
    undo: str | None = None


def check_origin(document: BackupDocument, name: str, discord: Discord, target: Scope) -> None:
    """A backup goes back where it came from (another application or scope only with ``force``, which no
    message suggests: it would restore another scope's commands here)."""
    if document.application_id != discord.application_id or document.guild_id != target.guild_id:
        raise UsageError(
            f"backup {name} was taken from {document.origin.described}, not from {target.label} of application "
            f"{discord.application_id}: choose the environment it came from"
        )


def restore_body(backup: list[dict[str, Any]], live: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The backup's commands as definitions. A command renamed since keeps its ID: it is renamed back."""
    live_names = {c.get("id"): c.get("name") for c in live if isinstance(c.get("id"), str)}
    out = []
    for command in backup:
        item = {k: v for k, v in command.items() if k not in SERVER_KEYS}
        now_named = live_names.get(command.get("id"))
        if now_named and now_named != command.get("name"):
            item["renamedFrom"] = now_named
        out.append(item)
    return out


def undid_by_name(name: str, recorded: History) -> tuple[str, ...]:
    """A backup named by backup-file undoes the recorded deploys from the one it preceded on; any other backup
    (a pre-rollback one, one older than the record) undoes none: the restore then counts as a deploy."""
    backups = [d.backup or "" for d in recorded.deploys]
    return tuple(backups[backups.index(name) :]) if name in backups else ()


def choose_recorded(
    store: BackupStore, scope: Scope, recorded: History, steps: int, ctx: Runtime, location: str
) -> Choice:
    """The state before the newest recorded deploy of the scope not already undone (``steps``: the state before
    the newest ``steps`` deploys). The same rollback run again finds the same target (it is already live)."""
    wording = ctx.wording
    if not recorded.deploys:
        raise DeployError(
            f"no deploy of {scope.described} in the deployment record ({location}), so there is nothing to undo. "
            f"Name the backup to restore with {wording.name('backup-file')} (list them with `command-deploy "
            "backups`)"
        )
    count = max(steps, recorded.undone)  # fewer than a rollback already undid: that rollback's target
    if count > len(recorded.deploys):
        raise DeployError(
            f"{wording.setting('steps', str(steps))} asks to undo {steps} deploys of {scope.described}, but the "
            f"deployment record ({location}) holds {len(recorded.deploys)}. Name an older backup with "
            f"{wording.name('backup-file')} (list them with `command-deploy backups`)"
        )
    undone = recorded.deploys[-count:]
    name = undone[0].backup or ""
    why = f"the state before {describe(undone[0])}"
    if count > 1:
        why += f" (undoing {count} deploys)"
    document, newest_pre = read_down_to(store, scope, name, why, ctx)
    latest = recorded.rollback
    undo = latest.backup if latest is not None and latest.restored == name else newest_pre
    return Choice(name, document, why, tuple(d.backup or "" for d in undone), undo)


def read_down_to(
    store: BackupStore, scope: Scope, name: str, why: str, ctx: Runtime
) -> tuple[BackupDocument, str | None]:
    """Open the scope's backups newest first down to ``name``: one newer that cannot be read stops the
    rollback (it is never skipped in silence); one of another application or guild is skipped with a warning.
    Returns the target's document and the newest pre-rollback backup newer than it."""
    newest_pre = None
    for item in opened(store, scope):
        document = item.document
        if item.info.name == name:
            if document is None:
                raise BackupError(f"cannot restore {name}, {why}: {item.problem.removesuffix('.')}")
            if document.origin != scope:
                raise BackupError(
                    f"backup {name}, {why}, holds the commands of {document.origin.described}, not of "
                    f"{scope.described}: it is not restored here"
                )
            return document, newest_pre
        if document is None:
            raise BackupError(
                f"rollback stopped: {item.problem.removesuffix('.')}. It is newer than {name} ({why}), which the "
                f"rollback would restore, and is not skipped in silence: repair or remove it, or name the backup "
                f"to restore with {ctx.wording.name('backup-file')}"
            )
        if document.origin != scope:
            ctx.log(
                f"warning: backup {item.info.name} in the backups of {scope.described} holds the commands of "
                f"{document.origin.described}: skipped (never restored here)"
            )
            continue
        if item.info.kind == "pre-rollback" and newest_pre is None:
            newest_pre = item.info.name
    raise BackupError(
        f"the deployment record names {name} as {why}, but {store.location} holds no such backup of "
        f"{scope.described}; name the backup to restore with {ctx.wording.name('backup-file')}"
    )


def run(settings: Settings, ctx: Runtime) -> Outcome:
    if settings.backup_file and settings.steps != 1:
        raise UsageError(
            f"{ctx.wording.name('backup-file')} and {ctx.wording.name('steps')} both choose what to restore: "
            "give one of them"
        )
    discord = ctx.discord(settings, settings.environment)
    store = ctx.backups(settings)
    target = production_guild_of(store, settings, discord) or discord.scope_for(settings.environment)
    first_request, started_at = discord.requests, ctx.now()

    # 1. What is live now (the plan is made from it: one GET).
    reading = Applied(target, Plan([]), started_at=started_at)
    snapshot = read_snapshot(settings, ctx, discord, action="rollback", applied=reading)

    # 2. Choose the backup: backup-file (a name in the store), else from the deployment record: the state
    #    before the newest deploy of this scope not already undone (or ``steps`` deploys back).
    scope = target.of_application(discord.application_id)
    ledger = ctx.ledger(settings)
    try:
        recorded = history(ledger.entries(), application_id=discord.application_id, guild_id=target.guild_id)
        try:
            if settings.backup_file:
                name = settings.backup_file
                document = store.load(name, scope)
                if not settings.force:  # 3. It must come from this application and scope (unless forced).
                    check_origin(document, name, discord, target)
                why = f"named by {ctx.wording.name('backup-file')}"
                choice = Choice(name, document, why, undid_by_name(name, recorded))
            else:
                choice = choose_recorded(store, scope, recorded, settings.steps, ctx, ledger.location)
        except BackupError as exc:
            raise BackupError(f"{exc}; nothing was written to Discord") from None
        ctx.log(f"restoring {choice.name}: {choice.why}")
        # 4. A restore is a deploy: the backup's commands pass the command files' rules first.
        validated = validate_backup(choice.name, choice.document, guild=target.guild)
        if not validated.deployable:
            raise DeployError(invalid_backup(choice.name, validated))
    except DeployError as exc:  # nothing to restore, or not restorable: nothing was written
        reading.requests = discord.requests - first_request
        raise attach(exc, failure_facts("rollback", "", reading)) from None

    # 5. Guard (a restore removing commands needs the same consent as a deploy), pre-rollback backup,
    #    write, verify, record (with what it restores and undoes): the shared steps.
    applied = apply_commands(
        settings,
        ctx,
        discord,
        action="rollback",
        target=target,
        intended=lambda live: restore_body(choice.document.commands, live),
        digest=checksum(choice.document.commands),
        backup_kind="pre-rollback",
        first_request=first_request,
        started_at=started_at,
        snapshot=snapshot,
        restored=choice.name,
        undid=choice.undid,
    )
    return _outcome(settings, ctx, choice, validated, applied)


def production_guild_of(store: BackupStore, settings: Settings, discord: Discord) -> Scope | None:
    """A production backup-file taken from a guild (a per-guild command set) goes back to that guild: production
    names no guild of its own. None for any other backup (or one that cannot be read: the load below says why)."""
    if settings.environment != "production" or not settings.backup_file:
        return None
    try:
        document = store.load(settings.backup_file)
    except BackupError:
        return None
    if document.guild_id is None or document.environment != "production":
        return None
    return Scope.production_guild(document.guild_id, discord.application_id)


def invalid_backup(name: str, validated: Validated) -> str:
    errors = [p for p in validated.problems if p.is_error]
    shown = "; ".join(str(p) for p in sort_problems(errors)[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return (
        f"backup {name} fails the rules every command file passes, so it is not restored: {len(errors)} "
        f"error(s): {shown}{more}. Nothing was written to Discord"
    )


def _outcome(settings: Settings, ctx: Runtime, choice: Choice, validated: Validated, applied: Applied) -> Outcome:
    name, document = choice.name, choice.document
    taken = f"{len(document.commands)} commands, taken {document.taken_at:%Y-%m-%d %H:%M:%S} UTC"
    label = applied.target.label
    if applied.dry_run:
        headline = f"would restore {name} ({taken}) to {label}: {applied.requests} request(s)"
    elif applied.written:
        headline = f"restored {name} ({taken}) to {label}: {applied.requests} request(s)"
        headline += f"; pre-rollback backup {applied.backup}"
    else:
        headline = f"already rolled back to {name} ({taken}): {label} already hold(s) it; nothing was written"
        headline += f": {applied.requests} request(s)"
    undo = applied.backup or choice.undo
    lines = [headline, f"chose {name}: {choice.why}"]
    if undo and not applied.dry_run:
        environment = applied.target.environment
        lines.append(f"to undo this rollback: {ctx.wording.run('rollback', environment=environment, backup_file=undo)}")
    notes = [n for n in applied.notes if not n.endswith("no write")]  # said by the headline
    clean = Validated(validated.commands, [], validated.checksum)  # Discord's own echoes are not the user's to fix
    facts = applied_facts("rollback", checksum(document.commands), applied, commands=clean, details={"restored": name})
    facts.details["undid"] = list(choice.undid)
    facts.outputs["restored-backup"] = name
    return render(
        facts,
        report_file=settings.report_file,
        title=f"Discord commands: rollback → {label}",
        note=escape(" · ".join([headline, f"Chose {name}: {choice.why}.", *lines[2:], *notes])),
        lead=[*lines, *notes],
        exit_code=EXIT_OK,
    )


def list_backups(
    settings: Settings, ctx: Runtime, workflow: Workflow, environment: str | None = None, *, fmt: str = "text"
) -> int:
    """``command-deploy backups``: newest first, with scope, command count and age; with ``environment``
    only that scope's (the staging guild, or global commands; of application-id when it is set).
    ``fmt="json"``: one report document (schema/report.schema.json) instead of the lines."""
    store = ctx.backups(settings)
    where = store.location
    guild = settings.guild_id if environment == "staging" else None
    # The staging bot's backups are of its own application when staging is a bot of its own.
    application = (settings.staging_application_id if environment == "staging" else None) or settings.application_id
    if environment is None:
        listed = list(opened(store))
    elif application and (environment == "production" or guild):
        listed = list(opened(store, Scope(guild, application)))  # one scope: one listing
    else:
        listed = [item for item in opened(store) if _listed_in(item, environment, application, guild)]
    if environment is not None:
        where = f"{store.location} for {environment}"
    if fmt == "json":
        workflow.print_json(
            {
                "format": REPORT_FORMAT,
                "action": "backups",
                "location": where,
                "backups": [_listed_json(item) for item in listed],
            }
        )
        return EXIT_OK
    if not listed:
        workflow.log(f"no backups in {where}")
        return EXIT_OK
    now = ctx.now()
    for item in listed:
        workflow.log(f"{item.info.name:<52} {age(item.info.taken_at, now):>5} ago  {_detail(item)}", untrusted=True)
    return EXIT_OK


def _listed_json(item: Listed) -> dict[str, object]:
    document = item.document
    return {
        "name": item.info.name,
        "kind": item.info.kind,
        "taken_at": item.info.taken_at.isoformat().replace("+00:00", "Z"),
        "scope": document.scope if document else None,
        "environment": document.environment if document else None,
        "application_id": document.application_id if document else None,
        "commands": len(document.commands) if document else None,
        "problem": item.problem or None,
    }


def _listed_in(item: Listed, environment: str, application_id: str | None, guild_id: str | None) -> bool:
    """Unknown application or staging guild: every application's, every guild's backup of the environment."""
    document = item.document
    if document is None:
        return False
    if application_id is not None and document.application_id != application_id:
        return False
    if environment == "production":
        return document.guild_id is None
    return document.guild_id is not None and (guild_id is None or document.guild_id == guild_id)


def _detail(item: Listed) -> str:
    if item.document is None:
        return f"unreadable: {item.problem}"
    document = item.document
    return f"{document.scope:<28} {len(document.commands):>4} commands  app {document.application_id}"


def choose_backup(settings: Settings, ctx: Runtime) -> Settings:
    """``rollback --interactive``: pick one of the scope's backups from a numbered list in a terminal."""
    if not sys.stdin.isatty():
        raise UsageError("--interactive needs a terminal; pass --backup-file instead")
    discord = ctx.discord(settings, settings.environment)
    target = discord.scope_for(settings.environment)
    store = ctx.backups(settings)
    scope = target.of_application(discord.application_id)
    listed = []
    for item in itertools.islice(opened(store, scope), PICKER_SIZE):
        if item.document is not None and item.document.origin != scope:  # a stray: never offered here
            print(f"warning: {item.info.name} holds the commands of {item.document.origin.described}: not offered")
            continue
        listed.append(item)
    if not listed:
        raise UsageError(f"no backups of {scope.described} in {store.location}")
    now = ctx.now()
    print(f"Backups of {scope.described}, newest first:")
    for number, item in enumerate(listed, 1):
        print(f"{number:>3}. {item.info.name}  {_detail(item)}  ({item.info.kind}, {age(item.info.taken_at, now)} ago)")
    answer = input("Restore which backup? [number, empty to cancel] ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(listed):
        raise UsageError("rollback cancelled")
    return settings.replace(backup_file=listed[int(answer) - 1].info.name)
