"""Run ``entrypoint.py`` the way GitHub's runner runs a Docker action, and read back what it left.

Every input declared in ``action.yml`` is passed, hyphens kept and uppercased (``INPUT_BOT-TOKEN``),
empty when neither given nor defaulted, exactly as the runner does; the working directory is the
workspace; ``PATH`` is hostile (a ``python`` and a ``git`` that fail), so the action may rely on
nothing but its own interpreter.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.support.runner_protocol import parse_file_command, runner_commands

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "entrypoint.py"
GITHUB_TOKEN = "ghs_SentinelGithubToken0123456789abcdef"


def action_inputs() -> dict[str, Any]:
    with (ROOT / "action.yml").open(encoding="utf-8") as handle:
        inputs: dict[str, Any] = yaml.safe_load(handle)["inputs"]
    return inputs


def input_env(given: dict[str, str]) -> dict[str, str]:
    env: dict[str, str] = {}
    for name, spec in action_inputs().items():
        default = str(spec.get("default", "")) if spec.get("default") is not None else ""
        if default == "${{ github.token }}":
            default = GITHUB_TOKEN
        value = given.get(name, default)
        env["INPUT_" + name.replace(" ", "_").upper()] = value
    unknown = set(given) - set(action_inputs())
    assert not unknown, f"not inputs of action.yml: {unknown}"
    return env


@dataclass
class StepResult:
    returncode: int
    stdout: str
    stderr: str
    outputs: dict[str, str]
    summary: str
    workspace: Path

    @property
    def commands(self) -> list[tuple[str, dict[str, str], str]]:
        """The workflow commands the runner would obey in the log."""
        return runner_commands(self.stdout)

    def annotations(self, severity: str) -> list[tuple[dict[str, str], str]]:
        return [(props, message) for name, props, message in self.commands if name == severity]

    def report(self) -> dict[str, Any]:
        document: dict[str, Any] = json.loads((self.workspace / self.outputs["report"]).read_text(encoding="utf-8"))
        return document


def hostile_path(tmp: Path) -> str:
    bin_dir = tmp / "hostile-bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("python", "python3", "git", "aws", "gh"):
        script = bin_dir / tool
        script.write_text("#!/bin/sh\necho 'hostile PATH entry was run' >&2\nexit 97\n")
        script.chmod(0o755)
    return f"{bin_dir}:/nonexistent"


def run_action(
    workspace: Path,
    inputs: dict[str, str],
    *,
    env: dict[str, str] | None = None,
    event: dict[str, Any] | None = None,
    event_name: str = "push",
    timeout: float = 120,
) -> StepResult:
    files = workspace.parent / f"{workspace.name}-runner"
    files.mkdir(exist_ok=True)
    output_file, summary_file, event_file = files / "output", files / "summary", files / "event.json"
    for path in (output_file, summary_file):
        path.write_text("")
    event_file.write_text(json.dumps(event or {}))
    environ = {
        "GITHUB_ACTIONS": "true",
        "CI": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output_file),
        "GITHUB_STEP_SUMMARY": str(summary_file),
        "GITHUB_EVENT_PATH": str(event_file),
        "GITHUB_EVENT_NAME": event_name,
        "GITHUB_REPOSITORY": "alia-bot/alia-bot",
        "GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567",
        "GITHUB_RUN_ID": "4242",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "http://127.0.0.1:9/",  # nothing listens: no test reaches GitHub by accident
        "HOME": str(files),
        "PATH": hostile_path(files),
        "PYTHONPATH": str(ROOT),
        **input_env(inputs),
        **(env or {}),
    }
    proc = subprocess.run(
        [sys.executable, str(ENTRYPOINT)],
        cwd=workspace,
        env=environ,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return StepResult(
        proc.returncode,
        proc.stdout,
        proc.stderr,
        parse_file_command(output_file.read_text(encoding="utf-8")),
        summary_file.read_text(encoding="utf-8"),
        workspace,
    )


def run_on_emulator(workspace: Path, api_url: str, action: str, *, timeout: float = 60, **inputs: str) -> StepResult:
    """The action run as the runner runs it, against an emulator's test application and staging guild with the
    bot token, the record kept in deployment.log (no GitHub token); ``inputs`` add to or replace those."""
    from tests.support.discord_fixtures import APP_ID, GUILD_ID, TOKEN

    given = {
        "action": action,
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "guild-id": GUILD_ID,
        "discord-api-url": api_url,
        "github-token": "",
        **inputs,
    }
    return run_action(workspace, given, timeout=timeout)
