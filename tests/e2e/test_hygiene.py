"""The repository as a clone receives it: no link that points off the machine it was made on, and nothing the
CLI writes in a working folder shows up as a change to commit."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.support.cli_process import ROOT, cli


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


def links_outside(root: Path) -> list[str]:
    """Tracked symbolic links (mode 120000) whose target, read from the index, leaves ``root``."""
    found = []
    for entry in git("ls-files", "-s", "-z", cwd=root).split("\0"):
        if not entry.startswith("120000 "):
            continue
        meta, name = entry.split("\t", 1)
        target = git("cat-file", "blob", meta.split()[1], cwd=root)
        where = Path(os.path.normpath((root / name).parent / target))
        if os.path.isabs(target) or not where.is_relative_to(root):
            found.append(f"{name} -> {target}")
    return found


def test_no_tracked_link_points_outside_the_repository() -> None:
    assert links_outside(ROOT) == []


def test_the_link_check_finds_a_link_out_and_passes_a_link_in(tmp_path: Path) -> None:
    git("init", "-q", cwd=tmp_path)
    (tmp_path / "inside.txt").write_text("x", encoding="utf-8")
    (tmp_path / "in").symlink_to("inside.txt")
    (tmp_path / "up").symlink_to("../elsewhere")
    (tmp_path / "abs").symlink_to("/work/lead-check/.venv")
    git("add", "-A", cwd=tmp_path)
    assert sorted(links_outside(tmp_path)) == ["abs -> /work/lead-check/.venv", "up -> ../elsewhere"]


def test_what_the_cli_writes_in_a_working_folder_is_ignored(tmp_path: Path) -> None:
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    git("init", "-q", cwd=tmp_path)
    git("add", "-A", cwd=tmp_path)
    runs = [["deploy"], ["detect", "--write-checksums", "--offline"], ["health"], ["dashboard"], ["backups"]]
    for args in [*runs, ["rollback", "--allow-deletions"]]:
        proc = cli(*args, cwd=tmp_path)
        assert proc.returncode == 0, f"{args}: {proc.stdout[-500:]}{proc.stderr[-500:]}"
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.iterdir()} - {".git", ".gitignore", "commands"}
    assert {".discord-emulator.json", ".command-checksums.json", "command-dashboard.html"} <= written
    status = git("status", "--porcelain", "--untracked-files=all", cwd=tmp_path).splitlines()
    assert [line for line in status if line.startswith("??")] == []
