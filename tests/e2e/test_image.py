"""The Docker image itself, built and run the way GitHub's runner runs a Docker action.

With a working ``docker`` (a daemon that answers ``docker info``), the image is built and run by Docker.
Without one (these machines have the client but no engine), ``chroot-image`` builds the Dockerfile into a root
filesystem (a debootstrapped ``python:3.11-slim`` stand-in) and runs it the same way: the workspace at
``/github/workspace``, the file commands at ``/github/file_commands``. chroot-image is found through
``$CHROOT_IMAGE``, else at ``../shared/tools/chroot-image`` beside the checkout (CI copies ``shared/`` next to
its fresh clone); it needs root, and installs debootstrap itself. With neither, the tests skip and say why.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.actions_runner import input_env
from tests.support.runner_protocol import parse_file_command, runner_commands

ROOT = Path(__file__).resolve().parents[2]
TAG = "command-deploy:test"


def docker_works() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60, check=False)
    return probe.returncode == 0


def chroot_image() -> Path | None:
    named = os.environ.get("CHROOT_IMAGE")
    candidate = Path(named) if named else ROOT.parent / "shared" / "tools" / "chroot-image"
    return candidate if candidate.is_file() else None


def backend() -> tuple[str, str]:
    """("docker" | "chroot-image" | "", why the tests cannot run)."""
    if docker_works():
        return "docker", ""
    tool = chroot_image()
    where = os.environ.get("CHROOT_IMAGE") or str(ROOT.parent / "shared" / "tools" / "chroot-image")
    if tool is None:
        return "", f"no working docker (no daemon answers `docker info`) and no chroot-image at {where} ($CHROOT_IMAGE)"
    if os.geteuid() != 0:
        return "", f"no working docker, and chroot-image ({tool}) needs root"
    return "chroot-image", ""


BACKEND, WHY_NOT = backend()
pytestmark = [pytest.mark.image, pytest.mark.skipif(not BACKEND, reason=WHY_NOT)]

RunImage = Callable[[Path, dict[str, str]], tuple[subprocess.CompletedProcess[str], Path]]


def _check(proc: subprocess.CompletedProcess[str]) -> None:
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]


@pytest.fixture(scope="module")
def run_image(tmp_path_factory: pytest.TempPathFactory) -> RunImage:
    """Build the image once; the function runs it on a workspace with action inputs, as the runner does."""
    if BACKEND == "docker":
        build = ["docker", "build", "--tag", TAG, "--file", str(ROOT / "Dockerfile"), str(ROOT)]
    else:
        image = tmp_path_factory.mktemp("image") / "rootfs"
        tool = str(chroot_image())
        build = [tool, "build", "--context", str(ROOT), "--file", str(ROOT / "Dockerfile"), "--out", str(image)]
    _check(subprocess.run(build, capture_output=True, text=True, timeout=1800, check=False))

    def run(workspace: Path, inputs: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], Path]:
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
        if BACKEND == "docker":
            args = ["docker", "run", "--rm", "--workdir", "/github/workspace"]
            args += ["-v", f"{workspace}:/github/workspace", "-v", f"{files}:/github/file_commands"]
        else:
            args = [str(chroot_image()), "run", "--root", str(image), "--workspace", str(workspace)]
            args += ["--file-commands", str(files)]
        for name, value in env.items():
            args += ["-e", f"{name}={value}"]
        if BACKEND == "docker":
            args.append(TAG)
        return subprocess.run(args, capture_output=True, text=True, timeout=300, check=False), files

    return run


def test_the_image_runs_detect_on_the_examples(run_image: RunImage, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    proc, files = run_image(workspace, {"action": "detect"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = parse_file_command((files / "output").read_text(encoding="utf-8"))
    assert len(json.loads(outputs["added"])) == 51
    assert outputs["changed"] == "true" and len(outputs["checksum"]) == 64
    assert "Deployment required" in (files / "summary").read_text(encoding="utf-8")
    assert [c for c in runner_commands(proc.stdout) if c[0] in ("warning", "error")] == []  # clean examples
    report = json.loads((workspace / outputs["report"]).read_text(encoding="utf-8"))
    assert report["errors"] == 0


def test_the_image_runs_the_whole_pipeline_on_its_built_in_emulator(run_image: RunImage, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    proc, files = run_image(workspace, {"action": "deploy", "discord-api-url": "emulator"})
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    outputs = parse_file_command((files / "output").read_text(encoding="utf-8"))
    assert outputs["requests"] == "6"  # stage: GET PUT GET; promote: GET PUT GET (the breaker reuses stage's read)
    assert len(list((workspace / "command-backups").rglob("commands-backup-*.json"))) == 2
    assert "circuit breaker passed" in proc.stdout


def test_a_broken_command_fails_the_image_run(run_image: RunImage, tmp_path: Path) -> None:
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    (workspace / "commands.json").write_text('[{"name": "Bad Name", "description": "x"}]', encoding="utf-8")
    proc, _ = run_image(workspace, {"action": "detect", "commands": "commands.json"})
    assert proc.returncode == 1
    errors = [c for c in runner_commands(proc.stdout) if c[0] == "error"]
    assert errors and errors[0][1]["file"] == "commands.json" and "[name.pattern]" in errors[0][2]
