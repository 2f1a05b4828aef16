"""The Docker image itself, built and run the way GitHub's runner runs a Docker action.

No Docker engine runs on these machines: ``../shared/tools/chroot-image`` builds the Dockerfile into a
root filesystem (a debootstrapped ``python:3.11-slim`` stand-in) and runs it with the workspace at
``/github/workspace`` and the file commands at ``/github/file_commands``. Needs root and debootstrap
(CI has both); skipped elsewhere.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.actions_runner import input_env
from tests.test_workflow import parse_file_command, runner_commands

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT.parent / "shared" / "tools" / "chroot-image"

pytestmark = [
    pytest.mark.image,
    pytest.mark.skipif(not TOOL.is_file(), reason="chroot-image is not beside this checkout"),
    pytest.mark.skipif(os.geteuid() != 0, reason="chroot-image needs root"),
    pytest.mark.skipif(shutil.which("debootstrap") is None, reason="chroot-image needs debootstrap"),
]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("image") / "rootfs"
    build = subprocess.run(
        [str(TOOL), "build", "--context", str(ROOT), "--file", str(ROOT / "Dockerfile"), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return out


def run_image(image: Path, workspace: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Path]:
    files = workspace.parent / "file_commands"
    files.mkdir(exist_ok=True)
    for name in ("output", "summary"):
        (files / name).write_text("")
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": "/github/workspace",
        "GITHUB_OUTPUT": "/github/file_commands/output",
        "GITHUB_STEP_SUMMARY": "/github/file_commands/summary",
        **input_env(inputs),
    }
    args = [str(TOOL), "run", "--root", str(image), "--workspace", str(workspace), "--file-commands", str(files)]
    for name, value in env.items():
        args += ["-e", f"{name}={value}"]
    proc = subprocess.run(args, capture_output=True, text=True, timeout=300, check=False)
    return proc, files


def test_the_image_runs_detect_on_the_examples(image: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    proc, files = run_image(image, workspace, {"action": "detect"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = parse_file_command((files / "output").read_text(encoding="utf-8"))
    assert len(json.loads(outputs["added"])) == 51
    assert outputs["changed"] == "true" and len(outputs["checksum"]) == 64
    assert "Deployment required" in (files / "summary").read_text(encoding="utf-8")
    warnings = [c for c in runner_commands(proc.stdout) if c[0] == "warning"]
    assert {(c[1]["file"], c[1]["line"]) for c in warnings} == {("commands/utility/info.json", "2")}
    report = json.loads((workspace / outputs["report"]).read_text(encoding="utf-8"))
    assert report["errors"] == 0


def test_the_image_runs_the_whole_pipeline_on_its_built_in_emulator(image: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    proc, files = run_image(image, workspace, {"action": "deploy", "discord-api-url": "emulator"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = parse_file_command((files / "output").read_text(encoding="utf-8"))
    assert outputs["requests"] == "7"  # stage: GET PUT GET; promote: breaker GET, GET PUT GET
    assert len(list((workspace / "command-backups").glob("commands-backup-*.json"))) == 2
    assert "circuit breaker passed" in proc.stdout


def test_a_broken_command_fails_the_image_run(image: Path, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "commands.json").write_text('[{"name": "Bad Name", "description": "x"}]', encoding="utf-8")
    proc, _ = run_image(image, workspace, {"action": "detect", "commands": "commands.json"})
    assert proc.returncode == 1
    errors = [c for c in runner_commands(proc.stdout) if c[0] == "error"]
    assert errors and errors[0][1]["file"] == "commands.json" and "[name.pattern]" in errors[0][2]
