"""Where the command files may be when ``commands/`` is not: the suggestion a missing folder's message makes."""

from __future__ import annotations

from pathlib import Path

from alia_action.sources import command_folders


def folder_with_json(root: Path, relative: str) -> None:
    (root / relative).mkdir(parents=True)
    (root / relative / "ping.json").write_text("{}", encoding="utf-8")


def test_a_commands_folder_three_levels_down_is_found_four_is_not(tmp_path: Path) -> None:
    folder_with_json(tmp_path, "a/b/commands")
    folder_with_json(tmp_path, "w/x/y/commands")
    assert command_folders(tmp_path) == ["a/b/commands"]


def test_only_folders_named_commands_that_hold_json_hidden_and_node_modules_skipped(tmp_path: Path) -> None:
    folder_with_json(tmp_path, "examples/commands")
    folder_with_json(tmp_path, "bot/commands/fun")  # the JSON is deeper: still a command folder
    folder_with_json(tmp_path, ".cache/commands")
    folder_with_json(tmp_path, "node_modules/commands")
    folder_with_json(tmp_path, "examples/other")
    (tmp_path / "empty" / "commands").mkdir(parents=True)
    assert command_folders(tmp_path) == ["bot/commands", "examples/commands"]


def test_at_most_limit_folders_are_named(tmp_path: Path) -> None:
    for name in "abcd":
        folder_with_json(tmp_path, f"{name}/commands")
    assert command_folders(tmp_path, limit=3) == ["a/commands", "b/commands", "c/commands"]
