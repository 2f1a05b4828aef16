"""The dashboard after a local try-out of an old checkout: no merge-to-production measured from a commit older
than the record, and the Rollbacks table names the backup a rollback restored."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

from tests.support.cli_process import ROOT, cli

WEEK_AGO = "2026-11-30T12:00:00+00:00"


def commit(folder: Path, message: str, when: str | None = None) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    env.update(GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.com")
    if when:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    subprocess.run(["git", "add", "-A"], cwd=folder, check=True, env=env)
    subprocess.run(["git", "commit", "-qm", message], cwd=folder, check=True, env=env)


def dashboard(folder: Path) -> dict[str, object]:
    proc = cli("dashboard", "--format", "json", cwd=folder)
    assert proc.returncode == 0, proc.stderr
    document: dict[str, object] = json.loads(proc.stdout)
    return document


def test_an_old_checkouts_first_promote_is_not_a_merge_to_production_time(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    commit(tmp_path, "a week-old checkout", WEEK_AGO)
    assert cli("deploy", cwd=tmp_path).returncode == 0  # HEAD was committed a week before this promote
    assert dashboard(tmp_path)["merge_to_production"] == {"commits": 0, "median_seconds": None, "p95_seconds": None}

    afk = tmp_path / "commands" / "utility" / "afk.json"
    afk.write_text(afk.read_text(encoding="utf-8").replace("Why you are away", "Why you are gone"), encoding="utf-8")
    commit(tmp_path, "a change made after the first promote")  # now: the record reaches back to it
    assert cli("deploy", cwd=tmp_path).returncode == 0
    assert dashboard(tmp_path)["merge_to_production"]["commits"] == 1  # type: ignore[index]


def test_the_rollbacks_table_names_the_backup_restored(tmp_path: Path) -> None:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    assert cli("deploy", cwd=tmp_path).returncode == 0
    afk = tmp_path / "commands" / "utility" / "afk.json"
    afk.write_text(afk.read_text(encoding="utf-8").replace("Why you are away", "Why you are gone"), encoding="utf-8")
    assert cli("deploy", cwd=tmp_path).returncode == 0
    rolled = cli("rollback", "--format", "json", cwd=tmp_path)
    assert rolled.returncode == 0, rolled.stderr
    report = json.loads(rolled.stdout)
    restored, pre_rollback = report["restored"], report["backup"]
    assert restored != pre_rollback
    entry = json.loads((tmp_path / "deployment.log").read_text(encoding="utf-8").splitlines()[-1])
    assert (entry["action"], entry["restored"], entry["backup"]) == ("rollback", restored, pre_rollback)
    assert cli("dashboard", cwd=tmp_path).returncode == 0
    table = (tmp_path / "command-dashboard.md").read_text(encoding="utf-8").split("Rollbacks", 1)[1]
    restored, pre_rollback = restored.replace("-", "\\-"), pre_rollback.replace("-", "\\-")  # Markdown-escaped
    row = next(line for line in table.splitlines() if restored in line)
    assert pre_rollback in row and row.index(restored) < row.index(pre_rollback)
