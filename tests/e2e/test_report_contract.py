"""One output contract for every action: the report file with an ``action`` key, exactly one JSON document on
stdout with ``--format json`` (every human line on stderr), and both valid against schema/report.schema.json."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.actions_runner import run_action
from tests.support.cli_process import ROOT, cli, free_port

SCHEMA = json.loads((ROOT / "schema" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
REPORT = "command-deployment-report.json"


def valid(document: Any) -> dict[str, Any]:
    errors = sorted(VALIDATOR.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors[:10])
    assert isinstance(document, dict)
    return document


def one_document(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    """stdout is exactly one JSON document (json.loads refuses anything before or after it)."""
    try:
        document = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        raise AssertionError(f"stdout is not one JSON document ({exc}):\n{proc.stdout[:2000]}") from None
    return valid(document)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "examples" / "commands", tmp_path / "commands")
    return tmp_path


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


def test_every_action_prints_one_valid_document_and_writes_the_same_report(project: Path) -> None:
    # rollback restores the empty global scope from before the first promote: consent to removing everything.
    flags = {"rollback": ["--allow-deletions"]}
    for action in ("detect", "stage", "promote", "deploy", "health", "rollback", "backups"):
        (project / REPORT).unlink(missing_ok=True)
        proc = cli(action, "--format", "json", *flags.get(action, []), cwd=project)
        assert proc.returncode == 0, f"{action}: {proc.stdout[-1500:]}{proc.stderr[-1500:]}"
        report = one_document(proc)
        assert report["action"] == action
        if action not in ("detect", "backups"):  # the emulator notice and every other human line went to stderr
            assert "built-in Discord emulator" in proc.stderr, (action, proc.stderr)
        if action == "backups":  # a listing, not an action run: the last action's report stays
            assert not (project / REPORT).exists()
            assert len(report["backups"]) == 3  # before the stage, before the promote, before the rollback
        else:
            assert json.loads((project / REPORT).read_text(encoding="utf-8")) == report, action


def test_deploys_report_holds_the_stage_and_the_promote(project: Path) -> None:
    proc = cli("deploy", "--format", "json", "--report-file", "out/deploy.json", cwd=project)
    assert proc.returncode == 0, proc.stderr
    report = one_document(proc)
    assert report == json.loads((project / "out" / "deploy.json").read_text(encoding="utf-8"))
    stage, promote = report["stage"], report["promote"]
    added = (len(stage["changes"]["added"]), len(promote["changes"]["added"]))
    assert (stage["action"], promote["action"], stage["environment"], promote["environment"], added) == (
        "stage",
        "promote",
        "staging",
        "production",
        (51, 50),
    )
    assert report["requests"] == stage["requests"] + promote["requests"] == 6
    assert report["checksum"] == stage["checksum"] == promote["checksum"]


def test_a_failed_action_still_prints_and_writes_its_report(project: Path) -> None:
    proc = cli("promote", "--format", "json", cwd=project)  # nothing staged: the circuit breaker refuses
    assert proc.returncode == 1
    report = one_document(proc)
    assert report["action"] == "promote" and "circuit breaker" in report["failure"]
    assert "circuit breaker" in proc.stderr
    assert json.loads((project / REPORT).read_text(encoding="utf-8")) == report


def test_invalid_commands_give_a_report_of_the_problems(project: Path) -> None:
    (project / "commands" / "bad.json").write_text('{"name": "Bad Name", "description": "x"}', encoding="utf-8")
    for action in ("detect", "stage", "deploy"):
        proc = cli(action, "--format", "json", cwd=project)
        assert proc.returncode == 1, action
        report = one_document(proc)
        assert report["action"] == action
        problems = report["stage"]["problems"] if action == "deploy" else report["problems"]
        assert any(p["file"] == "commands/bad.json" and p["rule"] == "name.pattern" for p in problems)


@pytest.mark.parametrize("action", ["stage", "deploy", "health", "rollback"])
def test_the_action_writes_report_file_for_every_action(tmp_path: Path, action: str) -> None:
    workspace = tmp_path / "workspace"
    shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
    if action in ("health", "rollback"):
        assert run_action(workspace, {"action": "deploy", "discord-api-url": "emulator"}).returncode == 0
    consent = {"allow-deletions": "true"} if action == "rollback" else {}  # back to the empty scope of before
    step = run_action(workspace, {"action": action, "discord-api-url": "emulator", **consent})
    assert step.returncode == 0, step.stdout[-2000:]
    assert step.outputs["report"] == REPORT
    assert valid(step.report())["action"] == action


def test_a_step_around_the_handler_that_fails_still_prints_one_document(project: Path) -> None:
    proc = cli("rollback", "--interactive", "--format", "json", cwd=project)  # no terminal to pick from
    assert proc.returncode != 0
    report = one_document(proc)
    assert report["action"] == "rollback" and report["failure"]
    assert report["failure"] in proc.stderr


# ---------------------------------------------------------------- the matrix: sub-command x path
# Each cell runs the real CLI with --format json and holds it to one schema-valid document on stdout and the
# exit code of its path. "n/a": the sub-command has no such path (dashboard and backups read no command files;
# monitor skips a check on invalid files and goes on; emulator has nothing that is not a plain failure).
SUCCESS, INVALID, CONFIG, INTERNAL = "success", "validation failure", "configuration error", "internal error"
PATH_EXIT = {SUCCESS: 0, INVALID: 1, CONFIG: 2, INTERNAL: 1}
ACTIONS = ("detect", "stage", "promote", "deploy", "rollback", "health", "inventory")
CONFIG_ERRORS = {
    **{action: ["--environment", "nowhere"] for action in (*ACTIONS, "backups", "monitor")},
    "dashboard": ["--dashboard-window", "soon"],
    "emulator": ["--port", "eighty"],  # argparse refuses it: still the one document
}
BAD_COMMAND = '{"name": "Bad Name", "description": "x"}'


def deleted_folder_run(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The CLI started in a working folder that is gone: a world no handler expects, so the catch-all speaks."""
    line = "mkdir gone && cd gone && rmdir ../gone && exec " + " ".join(
        [sys.executable, "-m", "alia_action.cli", *args]
    )
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp), "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        ["bash", "-c", line], cwd=tmp, env=env, capture_output=True, text=True, timeout=60, check=False
    )


def invalid_backup(project: Path) -> list[str]:
    """A staged guild, then a backup of it holding a command Discord refuses: rollback validates it first."""
    assert cli("stage", cwd=project).returncode == 0
    taken = next((project / "command-backups").rglob("commands-backup-*.json"))
    backup = json.loads(taken.read_text(encoding="utf-8"))
    backup["commands"] = [json.loads(BAD_COMMAND)]
    taken.write_text(json.dumps(backup), encoding="utf-8")
    return ["--environment", "staging", "--backup-file", taken.name]


def served_emulator_document(project: Path) -> tuple[int, dict[str, Any]]:
    """``emulator --format json`` prints its document once it listens, then serves until stopped."""
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(project), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(free_port()), "--format", "json"]
    with subprocess.Popen(
        args, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert not rest.strip(), f"more than one document: {rest[:500]}"
    return proc.returncode, valid(json.loads(first))


@pytest.mark.parametrize(
    ("command", "path"),
    [
        *[(a, p) for a in ACTIONS for p in (INVALID, CONFIG, INTERNAL)],
        *[(a, p) for a in ("dashboard", "backups", "monitor") for p in (CONFIG, INTERNAL)],
        ("dashboard", SUCCESS),
        ("inventory", SUCCESS),
        ("emulator", SUCCESS),
        ("emulator", INVALID),
        ("emulator", CONFIG),
    ],
)
def test_matrix_one_valid_document_on_every_path(project: Path, command: str, path: str) -> None:
    flags: list[str] = []
    if path == INVALID and command == "rollback":
        flags = invalid_backup(project)
    elif path == INVALID and command == "emulator":  # its own input: a state file it cannot read
        (project / ".discord-emulator.json").write_text("{not json", encoding="utf-8")
        flags = ["--port", str(free_port())]
    elif path == INVALID:
        (project / "commands" / "bad.json").write_text(BAD_COMMAND, encoding="utf-8")
    elif path == CONFIG:
        flags = CONFIG_ERRORS[command]
    if command == "emulator" and path == SUCCESS:
        code, document = served_emulator_document(project)
        assert code == 0 and document["url"].endswith("/api/v10"), document
        reset = one_document(cli("emulator", "--reset", "--format", "json", cwd=project))
        assert reset["reset"] is True  # the served emulator kept its state in the folder
        return
    if path == INTERNAL:
        proc = deleted_folder_run(project, command, "--format", "json")
    else:
        proc = cli(command, "--format", "json", *flags, cwd=project)
    assert proc.returncode == PATH_EXIT[path], f"{command} ({path}): {proc.stdout[-800:]}{proc.stderr[-800:]}"
    document = one_document(proc)
    assert document["action"] == command
    if path != SUCCESS:
        assert document["failure"], document
        assert "Traceback" not in document["failure"]
    if path == INTERNAL:
        assert document["failure"].startswith(f"internal error in {command}") and "Traceback" in proc.stderr
    if path == CONFIG and command != "emulator":
        assert "nowhere" in document["failure"] or "soon" in document["failure"]


def test_matrix_monitor_success_is_a_stream_of_valid_check_documents(project: Path) -> None:
    """monitor runs until stopped: with --format json it prints one health document per check, a line each."""
    assert cli("deploy", cwd=project).returncode == 0
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(project), "PYTHONPATH": str(ROOT)}
    args = [sys.executable, "-m", "alia_action.cli", "monitor", "--interval", "1s", "--format", "json"]
    with subprocess.Popen(
        args, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as proc:
        assert proc.stdout is not None
        first = proc.stdout.readline()
        proc.send_signal(signal.SIGINT)
        rest, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0
    checks = [valid(json.loads(line)) for line in [first, *rest.splitlines()] if line.strip()]
    assert checks and {(c["action"], c["outcome"]) for c in checks} == {("health", "healthy")}
