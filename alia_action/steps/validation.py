"""The first two steps of every handler, load and validate, and the outcome of a run that validation stopped
before any contact with Discord."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..commands import jsonpos
from ..commands.canonical import PRIMARY_ENTRY_POINT, SERVER_KEYS, checksum
from ..commands.loader import SourceCommand
from ..commands.problems import JsonPath, Problem, has_errors
from ..commands.rules import Scope, check_commands
from ..outcome import EXIT_FAILED, Facts, Outcome, render
from ..sources import command_folders, load_commands
from ..wording import Wording

if TYPE_CHECKING:
    from ..config import Settings
    from ..runtime import Runtime
    from ..stores.backups import BackupDocument


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
        global commands all but ``developmentOnly`` and per-guild (``guilds``) ones."""
        if guild:
            return [c.data for c in self.commands if c.type != PRIMARY_ENTRY_POINT]
        return [c.data for c in self.commands if not c.development_only and not c.guilds]

    def guild_sets(self) -> dict[str, list[dict[str, Any]]]:
        """Each production guild a per-guild command names, with the commands it receives (by guild ID)."""
        sets: dict[str, list[dict[str, Any]]] = {}
        for command in self.commands:
            for guild in command.guilds:
                sets.setdefault(guild, []).append(command.data)
        return dict(sorted(sets.items(), key=lambda item: (len(item[0]), item[0])))


def load_and_validate(settings: Settings, ctx: Runtime) -> Validated:
    loaded = load_commands(settings.commands, ctx.workspace, confine=ctx.in_actions)
    # A run that writes only to the staging guild is not warned about fields only global commands honour.
    scope: Scope = "guild" if settings.action == "stage" or settings.environment == "staging" else "any"
    problems = [_named(p, ctx.workspace, ctx.wording) for p in loaded.problems]
    problems += check_commands(loaded.commands, scope=scope)
    return Validated(loaded.commands, problems, checksum(c.data for c in loaded.commands))


def _named(problem: Problem, root: Path, wording: Wording) -> Problem:
    """A missing command source says how to name one, in the interface's own syntax, and which folders here
    look like one (in this repository: examples/commands)."""
    if problem.rule != "source.missing":
        return problem
    hint = f"name the command files with {wording.setting('commands', 'PATH')}"
    folders = command_folders(root)
    if folders:
        hint += f" (in this folder: {', '.join(folders)})"
    return replace(problem, message=f"{problem.message}: {hint}")


def validate_backup(name: str, document: BackupDocument, *, guild: bool) -> Validated:
    """A backup's commands checked like command files (the same rules: counts, names, options, sizes) before a
    restore sends them: a backup is only what Discord held, or what someone put in the store. Each problem
    names the backup and the line in it (stores/backups.py writes a backup as ``document_text``)."""
    from ..stores.backups import document_text  # pydantic's models: only a rollback needs them, not detect

    by_index: dict[int, dict[JsonPath, int]] = {}
    for path, line in jsonpos.parse(document_text(document))[1].items():
        if len(path) >= 2 and path[0] == "commands" and isinstance(path[1], int):
            by_index.setdefault(path[1], {})[path[2:]] = line
    commands = [
        SourceCommand({k: v for k, v in command.items() if k not in SERVER_KEYS}, name, index, by_index.get(index, {}))
        for index, command in enumerate(document.commands)
    ]
    problems = check_commands(commands, scope="guild" if guild else "any")
    return Validated(commands, problems, checksum(document.commands))


def invalid_outcome(action: str, settings: Settings, validated: Validated) -> Outcome:
    facts = Facts(
        action, validated.checksum, validated.commands, validated.problems, baseline="not read: validation failed"
    )
    errors = sum(p.is_error for p in validated.problems)
    headline = f"{action} stopped: {errors} error(s) in the command files; nothing was sent to Discord"
    outcome = render(
        facts,
        report_file=settings.report_file,
        title=f"Discord commands: {action} stopped",
        note=headline,
        trail=[headline],
        exit_code=EXIT_FAILED,
    )
    if outcome.report is not None:  # a stopped run's report says why, as every failed run's does
        outcome.report["failure"] = headline
    return outcome
