"""The first step of every handler (steps/validation.py): load and check the command files, name a missing
source in the interface's own words, check a backup like command files, and the outcome of a run that
validation stopped before any contact with Discord. Files in a temporary folder; no Discord, no network."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from alia_action.config import Settings
from alia_action.runtime import Runtime
from alia_action.steps.validation import invalid_outcome, load_and_validate, validate_backup
from alia_action.stores.backups import BackupDocument, serialise
from alia_action.wording import ACTION, TERMINAL, Wording

GLOBAL_ONLY = ["defaults.contexts", "defaults.integration_types"]  # warned about only where global commands go


def write(root: Path, relative: str, content: Any) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(content, indent=2), encoding="utf-8")


def settings(**values: Any) -> Settings:
    return Settings.from_cli({"commands": "commands", **values}, {}, None)


def validated(root: Path, wording: Wording = TERMINAL, in_actions: bool = False, **values: Any) -> Any:
    return load_and_validate(settings(**values), Runtime(workspace=root, wording=wording, in_actions=in_actions))


# --------------------------------------------------------------------------- a command source that is not there


@pytest.mark.parametrize(
    ("wording", "flag"), [(TERMINAL, "`--commands PATH`"), (ACTION, "`commands: PATH`")], ids=["cli", "action"]
)
def test_a_missing_source_says_how_to_name_one_and_which_folders_look_like_one(
    tmp_path: Path, wording: Wording, flag: str
) -> None:
    write(tmp_path, "examples/commands/ping.json", {"name": "ping", "description": "Ping"})
    write(tmp_path, "bot/commands/fun/roll.json", {"name": "roll", "description": "Roll"})
    (problem,) = validated(tmp_path, wording, commands="nowhere").problems
    assert (problem.severity, problem.rule) == ("error", "source.missing")
    assert problem.message == (
        f"'nowhere' does not exist (looked in {tmp_path}): name the command files with {flag} "
        "(in this folder: bot/commands, examples/commands)"
    )


def test_a_missing_source_with_no_folder_to_suggest_says_only_how_to_name_one(tmp_path: Path) -> None:
    (problem,) = validated(tmp_path, commands="nowhere").problems
    assert problem.message == (
        f"'nowhere' does not exist (looked in {tmp_path}): name the command files with `--commands PATH`"
    )


def test_other_load_problems_keep_their_own_words_and_come_before_the_rules(tmp_path: Path) -> None:
    (tmp_path / "commands").mkdir()
    (tmp_path / "commands" / "broken.json").write_text('{"name": "x",', encoding="utf-8")
    write(tmp_path, "commands/ok.json", {"name": "Bad", "description": "Uppercase"})
    result = validated(tmp_path, action="stage")
    assert [(p.rule, p.file) for p in result.problems] == [
        ("file.json", "commands/broken.json"),
        ("name.lowercase", "commands/ok.json"),
    ]
    assert "name the command files" not in result.problems[0].message
    assert [c.name for c in result.commands] == ["Bad"] and not result.deployable


def test_in_actions_a_command_file_outside_the_workspace_is_refused(tmp_path: Path) -> None:
    workspace, elsewhere = tmp_path / "workspace", tmp_path / "elsewhere"
    write(elsewhere, "ping.json", {"name": "ping", "description": "Ping"})
    (workspace / "commands").mkdir(parents=True)
    (workspace / "commands" / "ping.json").symlink_to(elsewhere / "ping.json")
    assert [p.rule for p in validated(workspace, action="stage").problems] == []  # the CLI reads what it is given
    refused = validated(workspace, in_actions=True, action="stage")
    assert [(p.rule, p.file) for p in refused.problems] == [("file.outside-workspace", "commands/ping.json")]
    assert refused.commands == []


@pytest.mark.parametrize(
    ("values", "global_warnings"),
    [
        ({"action": "stage"}, False),  # the staging guild only: global-only fields are not asked for
        ({"action": "detect", "environment": "staging"}, False),
        ({"action": "detect", "environment": "production"}, True),
        ({"action": "promote"}, True),
    ],
)
def test_global_only_fields_are_asked_for_only_where_global_commands_go(
    tmp_path: Path, values: dict[str, str], global_warnings: bool
) -> None:
    write(tmp_path, "commands/ping.json", {"name": "ping", "description": "Ping"})
    result = validated(tmp_path, **values)
    assert [p.rule for p in result.problems] == (GLOBAL_ONLY if global_warnings else [])
    assert result.deployable and [c.name for c in result.commands] == ["ping"]


def test_per_guild_sets_come_in_the_order_of_their_guild_ids_as_numbers(tmp_path: Path) -> None:
    short, long = "98765432109876543", "123456789012345678"  # 17 and 18 digits: as text, the longer sorts first
    later = "223456789012345678"  # as long as `long`, and after it
    write(tmp_path, "commands/a.json", [{"name": "a", "description": "A", "guilds": [later, long, short]}])
    write(tmp_path, "commands/b.json", [{"name": "b", "description": "B", "guilds": [long]}])
    result = validated(tmp_path)
    assert result.deployable
    sets = result.guild_sets()
    assert list(sets) == [short, long, later]
    assert {guild: [c["name"] for c in commands] for guild, commands in sets.items()} == {
        short: ["a"],
        long: ["a", "b"],
        later: ["a"],
    }


# --------------------------------------------------------------------------------------------- a backup's commands


def backup(commands: list[dict[str, Any]], guild: str | None = "1") -> BackupDocument:
    return BackupDocument(
        application_id="9",
        guild_id=guild,
        environment="staging" if guild else "production",
        taken_at=datetime(2026, 3, 2, tzinfo=UTC),
        checksum="x",
        commands=commands,
    )


def test_a_backup_is_checked_like_command_files_each_problem_at_its_line(tmp_path: Path) -> None:
    live = {"id": "5", "application_id": "9", "version": "7", "guild_id": "1", "type": 1, "description": "Live"}
    document = backup([{**live, "name": "ping"}, {**live, "id": "6", "name": "Bad"}])
    result = validate_backup("staging-1.json", document, guild=True)
    (problem,) = result.problems
    text = serialise(document, str).splitlines()  # the backup file as the store writes it
    assert (problem.file, problem.rule) == ("staging-1.json", "name.lowercase")
    assert text[problem.line - 1].strip() == '"name": "Bad"'  # the line of the second command's name
    assert [c.data for c in result.commands] == [
        {"type": 1, "description": "Live", "name": "ping"},  # what Discord assigns is not a command file's
        {"type": 1, "description": "Live", "name": "Bad"},
    ]
    # The guild's rules for a guild backup, every rule for a global one (global-only fields included).
    globally = validate_backup("global.json", backup(document.commands[:1], guild=None), guild=False)
    assert [p.rule for p in globally.problems] == GLOBAL_ONLY


def test_a_backup_s_problems_name_the_line_of_the_field_or_of_the_command_that_lacks_one() -> None:
    document = backup(
        [
            {"id": "5", "name": "ping", "type": 1, "description": "Live", "version": "7"},
            {"id": "6", "type": 1, "description": "Live", "version": "7"},  # no name: the command's own line
            {"id": "7", "name": "pong", "description": "x" * 101, "type": 1, "version": "8"},  # a field mid-command
        ]
    )
    result = validate_backup("staging-1.json", document, guild=True)
    text = serialise(document, str).splitlines()
    unnamed, long = result.problems
    assert str(unnamed) == (
        f"staging-1.json:{unnamed.line}: <command 1 of staging-1.json>.name: name is required [schema.required]"
    )
    assert text[unnamed.line - 1] == "    {" and text[unnamed.line].strip() == '"id": "6",'
    assert str(long).startswith(f"staging-1.json:{long.line}: pong.description: description is 101 characters")
    assert text[long.line - 1].strip() == f'"description": "{"x" * 101}",'
    assert [c.name for c in result.commands] == ["ping", "<command 1 of staging-1.json>", "pong"]


# ------------------------------------------------------------------------------- a run that validation stopped


def test_a_run_stopped_by_validation_says_so_everywhere_with_its_errors_counted(tmp_path: Path) -> None:
    write(tmp_path, "commands/a.json", [{"name": "Bad", "description": "x"}, {"name": "ok", "description": "Fine"}])
    result = validated(tmp_path, action="promote", report_file="out/report.json")
    assert [p.is_error for p in result.problems].count(True) == 1 and len(result.problems) == 5
    outcome = invalid_outcome("promote", settings(report_file="out/report.json"), result)
    headline = "promote stopped: 1 error(s) in the command files; nothing was sent to Discord"
    assert outcome.exit_code == 1 and outcome.action == "promote"
    assert outcome.outputs == {"checksum": result.checksum, "changed": "false", "report": "out/report.json"}
    assert outcome.lines[0] == f"2 commands · checksum {result.checksum[:16]} · baseline: not read: validation failed"
    assert outcome.lines[-2:] == ["INVALID: 1 error(s), 4 warning(s); nothing may be deployed", headline]
    assert outcome.summary.startswith("## Discord commands: promote stopped\n\n")
    assert f"\n\n{headline}\n\n" in outcome.summary
    assert outcome.report is not None
    assert {k: outcome.report[k] for k in ("action", "checksum", "baseline", "errors", "valid", "failure")} == {
        "action": "promote",
        "checksum": result.checksum,
        "baseline": "not read: validation failed",
        "errors": 1,
        "valid": False,
        "failure": headline,
    }
    assert [c["name"] for c in outcome.report["commands"]] == ["Bad", "ok"]
    assert [p.rule for p in outcome.problems] == [p.rule for p in result.problems]
