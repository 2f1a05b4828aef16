"""``command-deploy rollback --interactive``: pick a backup from a numbered list in a real terminal (a pty)."""

from __future__ import annotations

import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_GUILD_ID
from alia_action.stores.backups import BackupDocument, LocalBackupStore

ROOT = Path(__file__).resolve().parents[2]


def test_interactive_rollback_lists_backups_and_restores_the_chosen_one(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    first = subprocess.run(
        [sys.executable, "-m", "alia_action.cli", "stage"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert first.returncode == 0, first.stdout + first.stderr
    # A backup of another scope (global commands) is newer, but never offered for a staging rollback.
    global_backup = LocalBackupStore(tmp_path / "command-backups").save(
        BackupDocument(
            application_id=TEST_APPLICATION_ID,
            environment="production",
            taken_at=datetime.now(UTC) + timedelta(minutes=1),
            checksum="x",
        )
    )
    # A stray in the staging guild's own folder, holding another guild's commands: never offered there.
    stray_store = LocalBackupStore(tmp_path / "elsewhere")
    stray = stray_store.save(
        BackupDocument(
            application_id=TEST_APPLICATION_ID,
            guild_id="1180000000000000999",
            environment="staging",
            taken_at=datetime.now(UTC) + timedelta(minutes=2),
            checksum="x",
        )
    )
    scope_folder = tmp_path / "command-backups" / TEST_APPLICATION_ID / TEST_GUILD_ID
    (scope_folder / stray).write_bytes(next((tmp_path / "elsewhere").rglob(stray)).read_bytes())

    primary, replica = pty.openpty()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "alia_action.cli",
            "rollback",
            "--interactive",
            "--environment",
            "staging",
            "--allow-deletions",
        ],
        cwd=tmp_path,
        env=env,
        stdin=replica,
        stdout=replica,
        stderr=replica,
        close_fds=True,
    )
    os.close(replica)
    seen = b""
    deadline = time.monotonic() + 20
    answered = False
    while time.monotonic() < deadline:
        ready, _, _ = select.select([primary], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(primary, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
        if not answered and b"Restore which backup?" in seen:
            os.write(primary, b"1\n")
            answered = True
        if proc.poll() is not None and not ready:
            break
    proc.wait(10)
    os.close(primary)
    text = seen.decode(errors="replace")
    assert "  1. commands-backup-" in text and answered
    assert f"Backups of guild {TEST_GUILD_ID} of application {TEST_APPLICATION_ID}" in text
    assert f"guild {TEST_GUILD_ID}" in text.split("  1. ")[1]  # the scope column
    assert global_backup not in text and "  2. " not in text
    assert f"warning: {stray} holds the commands of guild 1180000000000000999" in text and "not offered" in text
    assert f"1. {stray}" not in text
    chosen = re.search(r"  1\. (commands-backup-\S+\.json)", text)
    assert chosen is not None
    # The local Discord remembers the stage; the chosen backup is the empty guild from before it.
    assert proc.returncode == 0, text
    assert f"restored {chosen.group(1)} (0 commands" in text


def test_interactive_needs_a_terminal(tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)}
    proc = subprocess.run(
        [sys.executable, "-m", "alia_action.cli", "rollback", "--interactive"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2 and "--interactive needs a terminal" in proc.stdout + proc.stderr
