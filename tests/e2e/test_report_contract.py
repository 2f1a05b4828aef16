"""One output contract for every action: the report file with an ``action`` key, exactly one JSON document on
stdout with ``--format json`` (every human line on stderr), and both valid against schema/report.schema.json."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.support.actions_runner import run_action
from tests.support.cli_process import ROOT, cli

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
