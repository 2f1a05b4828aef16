"""The command-deploy CLI as a person uses it: real processes, a real emulator served by the CLI itself."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_GUILD_ID, TEST_TOKEN
from tests.support.cli_process import ROOT, cli, free_port


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    return tmp_path


@pytest.mark.parametrize(
    "action",
    [
        "detect",
        "stage",
        "promote",
        "deploy",
        "rollback",
        "health",
        "inventory",
        "dashboard",
        "monitor",
        "backups",
        "emulator",
    ],
)
def test_every_action_has_help(action: str) -> None:
    proc = cli(action, "--help", cwd=ROOT)
    assert proc.returncode == 0 and proc.stdout.startswith("usage: command-deploy"), proc.stderr


def test_version() -> None:
    from alia_action import __version__

    proc = cli("--version", cwd=ROOT)
    assert proc.stdout.strip() == f"command-deploy {__version__}"


def test_detect_json_is_the_report_and_imports_nothing_heavy(project: Path) -> None:
    probe = (
        "import sys, runpy; sys.argv = ['command-deploy', 'detect', '--format', 'json'];\n"
        "try:\n    runpy.run_module('alia_action.cli', run_name='__main__')\n"
        "except SystemExit as exit:\n    code = exit.code\n"
        "tops = {m.split('.')[0] for m in sys.modules}\n"
        "heavy = sorted(tops & {'boto3', 'botocore', 'github', 'sentry_sdk', 'httpx'})\n"
        "print('HEAVY=' + ','.join(heavy), file=sys.stderr); sys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=project,
        capture_output=True,
        text=True,
        check=False,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["errors"] == 0 and len(report["commands"]) == 51
    (heavy,) = [line for line in proc.stderr.splitlines() if line.startswith("HEAVY=")]
    assert heavy == "HEAVY="  # detect never pays for boto3, PyGithub, sentry-sdk or httpx


def test_detect_text_names_file_line_and_rule_and_exits_1(project: Path) -> None:
    (project / "commands" / "bad.json").write_text('{\n  "name": "bad name",\n  "description": "x"\n}\n', "utf-8")
    proc = cli("detect", cwd=project)
    assert proc.returncode == 1
    assert 'error: commands/bad.json:2: bad name.name: name "bad name"' in proc.stdout
    assert "[name.pattern]" in proc.stdout and "Traceback" not in proc.stdout + proc.stderr


def test_bad_usage_exits_2_with_one_message(project: Path) -> None:
    proc = cli("promote", "--staging-max-age", "soon", cwd=project)
    assert proc.returncode == 2
    assert "staging-max-age" in proc.stdout + proc.stderr and "Traceback" not in proc.stdout + proc.stderr
    assert cli("frobnicate", cwd=project).returncode == 2


def test_deploy_without_credentials_runs_on_the_built_in_emulator_and_says_so_first(project: Path) -> None:
    proc = cli("deploy", cwd=project)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.splitlines()[0].startswith("No Discord credentials")
    assert "circuit breaker passed" in proc.stdout
    listing = cli("backups", cwd=project)
    lines = [line for line in listing.stdout.splitlines() if line.startswith("commands-backup-")]
    assert len(lines) == 2
    assert any("global" in line for line in lines) and any(f"guild {TEST_GUILD_ID}" in line for line in lines)


def test_web_identity_credentials_alone_count_as_aws_and_never_switch_to_the_emulator(project: Path) -> None:
    """The one "is AWS configured" includes AWS_WEB_IDENTITY_TOKEN_FILE: Parameter Store is tried, not the emulator."""
    token_file = project / "web-identity-token"
    token_file.write_text("not-a-real-token", encoding="utf-8")
    env = {
        "AWS_WEB_IDENTITY_TOKEN_FILE": str(token_file),
        "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/deploy",
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens: fails fast, offline
        "AWS_MAX_ATTEMPTS": "1",
    }
    proc = cli("stage", cwd=project, env=env)
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0, output
    assert "built-in Discord emulator" not in output and "Parameter Store" in output
    assert "Traceback" not in output


@pytest.fixture
def served_emulator(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(port)],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/api/v10"
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/applications/{TEST_APPLICATION_ID}/commands", timeout=0.5)
            break
        except httpx.TransportError:
            time.sleep(0.05)
    try:
        yield url
    finally:
        proc.send_signal(2)
        out, _ = proc.communicate(timeout=10)
        assert proc.returncode == 0, out
        assert url in out and TEST_APPLICATION_ID in out


def test_stage_then_detect_against_a_served_emulator(project: Path, served_emulator: str) -> None:
    env = {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID, "GUILD_ID": TEST_GUILD_ID}
    staged = cli("stage", "--discord-api-url", served_emulator, cwd=project, env=env)
    assert staged.returncode == 0, staged.stdout + staged.stderr
    assert re.search(r"deployed staging guild \d+: 3 request\(s\)", staged.stdout)
    detect = cli(
        "detect",
        "--environment",
        "staging",
        "--discord-api-url",
        served_emulator,
        "--format",
        "json",
        cwd=project,
        env=env,
    )
    report = json.loads(detect.stdout)
    assert report["deployment_required"] is False and report["baseline"] == f"live staging guild {TEST_GUILD_ID}"
    assert TEST_TOKEN not in staged.stdout + staged.stderr + detect.stdout + detect.stderr


def test_a_client_secret_in_dotenv_deploys_with_bearer_tokens_and_never_the_emulator(project: Path) -> None:
    """CLIENT_SECRET (not BOT_TOKEN) in .env is a credential: the run uses the Discord it names, with a Bearer
    token from one exchange, and never falls back to the built-in emulator."""
    from alia_action.discord.emulator import Emulator

    secret = "dotenv-client-secret-canary-01234"
    with Emulator() as live:
        live.add_application(TEST_APPLICATION_ID, "a-bot-token-this-run-never-has")
        live.add_client_secret(TEST_APPLICATION_ID, secret)
        live.add_guild(TEST_APPLICATION_ID, TEST_GUILD_ID)
        (project / ".env").write_text(
            f"CLIENT_SECRET={secret}\nCLIENT_ID={TEST_APPLICATION_ID}\nGUILD_ID={TEST_GUILD_ID}\n", encoding="utf-8"
        )
        proc = cli("stage", "--discord-api-url", live.url, cwd=project)
        logged = live.requests
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "built-in Discord emulator" not in proc.stdout + proc.stderr and secret not in proc.stdout + proc.stderr
    assert [(r.method, r.headers["authorization"].split()[0]) for r in logged] == [
        ("POST", "Basic"),
        ("GET", "Bearer"),
        ("PUT", "Bearer"),
        ("GET", "Bearer"),
    ]


def test_a_missing_commands_folder_says_how_to_name_one_in_each_interface(tmp_path: Path) -> None:
    from tests.support.actions_runner import run_action

    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "examples" / "commands")
    proc = cli("detect", cwd=tmp_path)
    assert proc.returncode == 1
    assert (
        "error: 'commands' does not exist (looked in "
        f"{tmp_path}): name the command files with `--commands PATH` (in this folder: examples/commands) "
        "[source.missing]"
    ) in proc.stdout
    step = run_action(tmp_path, {"action": "detect"})
    assert step.returncode == 1
    assert "name the command files with `commands: PATH` (in this folder: examples/commands)" in step.stdout
    bare = tmp_path / "bare"
    bare.mkdir()
    alone = cli("detect", cwd=bare)
    assert "name the command files with `--commands PATH` [source.missing]" in alone.stdout
