"""Shared by several test modules (moved out of test_github.py, so no test reads another's globals)."""

from __future__ import annotations

import io
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.notify.github import Options
from alia_action.runner import execute
from alia_action.runtime import Runtime, utc_now
from alia_action.stores.github_ledger import GitHubDeploymentsLedger
from alia_action.stores.ledger import LedgerEntry
from alia_action.workflow import Workflow
from tests.conftest import EXAMPLES, SettingsFactory
from tests.support.actions_runner import GITHUB_TOKEN
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID
from tests.support.github_standin import GitHubStandIn

GH_TOKEN = GITHUB_TOKEN  # one token: the conftest's stand-in accepts it


SHA = "0123456789abcdef0123456789abcdef01234567"


REPO = "alia-bot/alia-bot"


WORKFLOW_REF = f"{REPO}/.github/workflows/commands.yml@refs/heads/main"


QUICK = Options(timeout=5, retries=0, backoff=0.0, seconds_between_writes=None)


@pytest.fixture
def gh() -> Iterator[GitHubStandIn]:
    with GitHubStandIn(token=GH_TOKEN) as standin:
        yield standin


@dataclass
class Step:
    code: int
    log: str
    summary: str

    def annotations(self, severity: str, containing: str = "") -> list[str]:
        return [line for line in self.log.splitlines() if line.startswith(f"::{severity}") and containing in line]


@dataclass
class Runner:
    """Runs handlers as the action does, in one workflow run's environment."""

    gh: GitHubStandIn
    root: Path
    event: dict[str, Any]
    event_name: str = "push"
    extra: dict[str, str] | None = None

    def environ(self, workspace: Path) -> dict[str, str]:
        files = workspace.parent / f"{workspace.name}-files"
        files.mkdir(exist_ok=True)
        (files / "event.json").write_text(json.dumps(self.event), encoding="utf-8")
        summary = files / "summary.md"
        summary.write_text("", encoding="utf-8")
        return {
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_API_URL": self.gh.url if self.gh._server else "",
            "GITHUB_SERVER_URL": "https://github.com",
            "GITHUB_RUN_ID": "4242",
            "GITHUB_SHA": SHA,
            "GITHUB_WORKFLOW_REF": WORKFLOW_REF,
            "GITHUB_EVENT_NAME": self.event_name,
            "GITHUB_EVENT_PATH": str(files / "event.json"),
            "GITHUB_STEP_SUMMARY": str(summary),
            **(self.extra or {}),
        }

    def __call__(self, settings: Any, workspace: Path) -> Step:
        environ = self.environ(workspace)
        out = io.StringIO()
        workflow = Workflow(environ, out)
        workflow.mask_all(settings.secrets())
        ctx = Runtime(
            workspace=workspace,
            environ=environ,
            in_actions=True,
            log=lambda line: workflow.log(line, untrusted=True),
            secrets=workflow.secrets,
            client_options=dict(FAST),
            # PyGithub's 1 s between writes is for github.com, not the stand-in; its retries stay as shipped
            github_options=Options(seconds_between_writes=None),
        )
        try:
            code = execute(settings, ctx, workflow)
        finally:
            ctx.close()
        return Step(code, out.getvalue(), Path(environ["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8"))


def fresh_workspace(root: Path, name: str) -> Path:
    workspace = root / name
    shutil.copytree(EXAMPLES, workspace / "commands")
    return workspace


def edit(workspace: Path, old: str, new: str) -> None:
    path = workspace / "commands" / "fun" / "games.json"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def ledger_for(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path, **overrides: Any
) -> GitHubDeploymentsLedger:
    workspace = tmp_path / "ws"
    workspace.mkdir(exist_ok=True)
    environ = Runner(gh, tmp_path, {}).environ(workspace)
    ctx = Runtime(workspace=workspace, environ=environ, in_actions=True, github_options=QUICK)
    settings = make_settings(action="promote", github_token=GH_TOKEN, **overrides)
    ledger = ctx.ledger(settings)
    assert isinstance(ledger, GitHubDeploymentsLedger) and ledger.local.location == str(workspace / "deployment.log")
    return ledger


def entry(outcome: str = "success", *, minutes_ago: float = 1, run: str = "r1", **fields: Any) -> LedgerEntry:
    values: dict[str, Any] = {
        "time": utc_now() - timedelta(minutes=minutes_ago),
        "action": "stage",
        "environment": "staging",
        "application_id": APP_ID,
        "guild_id": GUILD_ID,
        "checksum": "c" * 64,
        "outcome": outcome,
        "run": run,
        "creates": 2,
    }
    return LedgerEntry.model_validate(values | fields)
