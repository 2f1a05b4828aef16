"""``rollback``: restore a backup to the scope it was taken from, after a pre-rollback backup; verify."""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..commands.canonical import SERVER_KEYS, checksum
from ..commands.plan import Plan, build_plan
from ..errors import DeployError, UsageError
from ..markdown import escape
from ..outcome import EXIT_OK, Outcome, attach, render
from ..report import REPORT_FORMAT
from ..scope import Scope
from ..steps.apply import Applied, applied_facts, apply_commands, failure_facts, read_snapshot
from ..stores.backup_scope import Listed, opened
from ..stores.backups import BackupDocument, BackupError, BackupStore, age
from ..wording import Wording

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..workflow import Workflow


PICKER_SIZE = 20  # newest backups of the scope offered by rollback --interactive


@dataclass(frozen=True, slots=True)
class Choice:
    """The backup a rollback restores, and why that one (shown to the user)."""

    name: str
    document: BackupDocument
    why: str


def restores_nothing(document: BackupDocument, live: list[dict[str, Any]], guild: bool) -> bool:
    """Restoring ``document`` would change nothing: the live commands already equal it."""
    return build_plan(restore_body(document.commands, live), live, guild=guild).empty


def choose_latest(store: BackupStore, scope: Scope, live: list[dict[str, Any]], wording: Wording) -> Choice:
    """The newest deploy backup of this application and scope that differs from the live commands.

    Every backup of the scope is considered (no cap), opened newest first until one differs: backups equal
    to the live set are skipped, since after a refused write the backup just taken holds what is live.
    """
    guild = scope.guild_id is not None
    skipped: list[str] = []
    for item in opened(store, scope):
        if item.info.kind != "backup" or item.document is None:
            continue  # pre-rollback backups are restored by name only; a damaged one only when named
        if restores_nothing(item.document, live, guild):
            skipped.append(item.info.name)
            continue
        why = f"the newest backup of {scope.described} that differs from the live commands"
        if skipped:
            why += f"; skipped {len(skipped)} newer one(s) equal to the live commands ({', '.join(skipped)})"
        return Choice(item.info.name, item.document, why)
    if skipped:
        raise DeployError(
            f"nothing to roll back to: every backup of {scope.described} in {store.location} equals the live "
            f"commands ({len(skipped)} backup(s)); nothing was written to Discord. Name an older state with "
            f"{wording.name('backup-file')} (list them with `command-deploy backups`)"
        )
    raise DeployError(f"no backup of {scope.described} in {store.location}; nothing was written to Discord")


def check_origin(document: BackupDocument, name: str, discord: Discord, target: Scope, ctx: Runtime) -> None:
    """A backup goes back where it came from; another application or scope only with ``force``."""
    force = ctx.wording.setting("force")
    if document.application_id != discord.application_id:
        raise UsageError(
            f"backup {name} belongs to application {document.application_id}, not {discord.application_id}; "
            f"set {force} to restore it anyway"
        )
    if document.guild_id != target.guild_id:
        raise UsageError(
            f"backup {name} was taken from {document.scope}, not {target.label}; choose the matching environment "
            f"or set {force}"
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


def run(settings: Settings, ctx: Runtime) -> Outcome:
    discord = ctx.discord(settings, settings.environment)
    target = discord.scope_for(settings.environment)
    store = ctx.backups(settings)
    first_request, started_at = discord.requests, ctx.now()

    # 1. What is live now: the latest backup is chosen against it (and the plan is made from it: one GET).
    reading = Applied(target, Plan([]), started_at=started_at)
    snapshot = read_snapshot(settings, ctx, discord, action="rollback", applied=reading)

    # 2. Choose the backup: backup-file (a name in the store), else the latest of this application and scope.
    scope = target.of_application(discord.application_id)
    try:
        try:
            if settings.backup_file:
                name = settings.backup_file
                choice = Choice(name, store.load(name, scope), f"named by {ctx.wording.name('backup-file')}")
            else:
                choice = choose_latest(store, scope, snapshot.commands, ctx.wording)
        except BackupError as exc:
            raise BackupError(f"{exc}; nothing was written to Discord") from None
        ctx.log(f"restoring {choice.name}: {choice.why}")

        # 3. It must come from this application and scope (unless forced).
        if not settings.force:
            check_origin(choice.document, choice.name, discord, target, ctx)
    except DeployError as exc:  # no backup to restore: nothing was written; still the requests and the state
        reading.requests = discord.requests - first_request
        raise attach(exc, failure_facts("rollback", "", reading)) from None

    # 4. Guard (a restore removing commands needs the same consent as a deploy), pre-rollback backup,
    #    write, verify, record: the shared steps.
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
    )
    return _outcome(settings, choice, applied)


def _outcome(settings: Settings, choice: Choice, applied: Applied) -> Outcome:
    name, document = choice.name, choice.document
    verb = "would restore" if applied.dry_run else ("restored" if applied.written else "already matches")
    headline = f"{verb} {name} ({len(document.commands)} commands, taken {document.taken_at:%Y-%m-%d %H:%M:%S} UTC) "
    headline += f"to {applied.target.label}: {applied.requests} request(s)"
    if applied.backup:
        headline += f"; pre-rollback backup {applied.backup}"
    lead = [headline, f"chose {name}: {choice.why}", *applied.notes]
    facts = applied_facts("rollback", checksum(document.commands), applied, commands=None, details={"restored": name})
    facts.outputs["restored-backup"] = name
    return render(
        facts,
        report_file=settings.report_file,
        title=f"Discord commands: rollback → {applied.target.label}",
        note=escape(" · ".join([headline, f"Chose {name}: {choice.why}.", *applied.notes])),
        lead=lead,
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
    listed = list(itertools.islice(opened(store, scope), PICKER_SIZE))
    if not listed:
        raise UsageError(f"no backups of {scope.described} in {store.location}")
    now = ctx.now()
    print(f"Backups of {scope.described}, newest first:")
    for number, item in enumerate(listed, 1):
        print(f"{number:>3}. {item.info.name}  {_detail(item)}  ({item.info.kind}, {age(item.info.taken_at, now)} ago)")
    answer = input("Restore which backup? [number, empty to cancel] ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(listed):
        raise UsageError("rollback cancelled")
    return settings.model_copy(update={"backup_file": listed[int(answer) - 1].info.name})
