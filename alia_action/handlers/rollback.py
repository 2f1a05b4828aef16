"""``rollback``: restore a backup to the scope it was taken from, after a pre-rollback backup; verify."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

from ..commands.canonical import SERVER_KEYS, checksum
from ..commands.plan import Plan
from ..errors import DeployError, UsageError
from ..markdown import escape, table
from ..stores.backups import BackupDocument, BackupError, BackupScope, BackupStore, age
from .apply import Applied, Target, apply_commands
from .outcome import EXIT_OK, Outcome

if TYPE_CHECKING:
    from ..config import Settings
    from ..workflow import Workflow
    from .context import Context
    from .live import Discord


def find_latest(store: BackupStore, scope: BackupScope) -> str:
    """The newest deploy backup (not a pre-rollback one) of this application and scope, among any number."""
    latest = store.latest(scope)
    if latest is None:
        raise DeployError(
            f"no backup of {scope.label} for application {scope.application_id} in {store.location}; "
            "nothing was written to Discord"
        )
    return latest.name


def check_origin(document: BackupDocument, name: str, discord: Discord, target: Target, force: bool) -> None:
    """A backup goes back where it came from; another application or scope only with ``force``."""
    if force:
        return
    if document.application_id != discord.application_id:
        raise UsageError(
            f"backup {name} belongs to application {document.application_id}, not {discord.application_id}; "
            "set force: true to restore it anyway"
        )
    if document.guild_id != target.guild_id:
        raise UsageError(
            f"backup {name} was taken from {document.scope}, not {target.label}; choose the matching environment "
            "or set force: true"
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


def run(settings: Settings, ctx: Context) -> Outcome:
    # 1. Choose the backup: backup-file (a name in the store), else the latest of the target scope.
    discord = ctx.discord(settings)
    target = Target(settings.environment, discord.guild_for(settings.environment))
    store = ctx.backup_store(settings)
    scope = BackupScope(discord.application_id, target.guild_id)
    try:
        name = settings.backup_file or find_latest(store, scope)
        document = store.load(name, scope)
    except BackupError as exc:
        raise BackupError(f"{exc}; nothing was written to Discord") from None

    # 2. It must come from this application and scope (unless forced).
    check_origin(document, name, discord, target, settings.force)

    # 3. Pre-rollback backup, write, verify, record: the shared steps, without the deletion guard
    #    (restoring a backup is the explicit consent), with a pre-rollback backup.
    applied = apply_commands(
        settings,
        ctx,
        discord,
        action="rollback",
        target=target,
        intended=lambda live: restore_body(document.commands, live),
        digest=checksum(document.commands),
        guard=False,
        backup_kind="pre-rollback",
    )
    return _outcome(settings, name, document, applied)


def _outcome(settings: Settings, name: str, document: BackupDocument, applied: Applied) -> Outcome:
    plan: Plan = applied.plan
    names = plan.names()
    verb = "would restore" if applied.dry_run else ("restored" if applied.written else "already matches")
    headline = f"{verb} {name} ({len(document.commands)} commands, taken {document.taken_at:%Y-%m-%d %H:%M:%S} UTC) "
    headline += f"to {applied.target.label}: {applied.requests} request(s)"
    if applied.backup:
        headline += f"; pre-rollback backup {applied.backup}"
    lines = [headline, *applied.notes]
    lines += [f"  {kind}: {', '.join(v)}" for kind, v in names.items() if v and kind != "unchanged"]
    summary = "\n\n".join(
        [
            f"## Discord commands: rollback → {applied.target.label}",
            escape(headline),
            table(
                ["Change", "Commands"],
                [[k, ", ".join(f"`{escape(n)}`" for n in v)] for k, v in names.items() if v],
            ),
        ]
    )
    return Outcome(
        action="rollback",
        exit_code=EXIT_OK,
        outputs={
            "changed": "true" if not plan.empty else "false",
            "checksum": checksum(document.commands),
            "backup-file": applied.backup or "",
            "restored-backup": name,
            "requests": str(applied.requests),
            "added": _json(names["added"]),
            "modified": _json(names["modified"]),
            "removed": _json(names["removed"]),
        },
        summary=summary + "\n",
        lines=lines,
    )


def _json(names: list[str]) -> str:
    return json.dumps(names, ensure_ascii=False)


def list_backups(settings: Settings, ctx: Context, workflow: Workflow) -> int:
    """``command-deploy backups``: newest first, with scope, command count and age."""
    store = ctx.backup_store(settings)
    infos = store.list()
    if not infos:
        workflow.log(f"no backups in {store.location}")
        return EXIT_OK
    now = ctx.now()
    for info in infos:
        try:
            document = store.load(info.name)
            detail = f"{document.scope:<28} {len(document.commands):>4} commands  app {document.application_id}"
        except DeployError as exc:
            detail = f"unreadable: {exc}"
        workflow.log(f"{info.name:<52} {age(info.taken_at, now):>5} ago  {detail}", untrusted=True)
    return EXIT_OK


def choose_backup(settings: Settings, ctx: Context) -> Settings:
    """``rollback --interactive``: pick a backup from a numbered list in a terminal."""
    if not sys.stdin.isatty():
        raise UsageError("--interactive needs a terminal; pass --backup-file instead")
    store = ctx.backup_store(settings)
    infos = store.list()[:20]
    if not infos:
        raise UsageError(f"no backups in {store.location}")
    now = ctx.now()
    for number, info in enumerate(infos, 1):
        print(f"{number:>3}. {info.name}  ({info.kind}, {age(info.taken_at, now)} ago)")
    answer = input("Restore which backup? [number, empty to cancel] ").strip()
    if not answer.isdigit() or not 1 <= int(answer) <= len(infos):
        raise UsageError("rollback cancelled")
    return settings.model_copy(update={"backup_file": infos[int(answer) - 1].name})
