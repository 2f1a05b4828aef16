"""The GitHub integration as the runner runs the Docker action: ``entrypoint.py`` in a subprocess, inputs as
``INPUT_*``, ``GITHUB_API_URL`` at the loopback stand-in, Discord on the emulator (``discord-api-url``).

What the job's users see: the exit code, annotations, the step summary, outputs; what GitHub holds: the
comment, the issue, the deployments. The job's token appears nowhere but in the runner's ``::add-mask::``.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator
from alia_action.notify.issues import failure_marker
from tests.support.actions_runner import GITHUB_TOKEN, ROOT, StepResult, run_action
from tests.support.discord_fixtures import APP_ID, GUILD_ID, TOKEN
from tests.support.github_standin import GitHubStandIn, pr_event

EXAMPLES = ROOT / "examples" / "commands"
REPO = "alia-bot/alia-bot"
ENVIRONMENTS = ("discord-staging", "discord-production")
WORKFLOW_REF = f"{REPO}/.github/workflows/discord-commands.yml@refs/heads/main"


def workspace(tmp_path: Path, name: str = "workspace") -> Path:
    ws = tmp_path / name
    shutil.copytree(EXAMPLES, ws / "commands")
    return ws


def discord_inputs(live: Emulator, action: str) -> dict[str, str]:
    return {
        "action": action,
        "bot-token": TOKEN,
        "application-id": APP_ID,
        "guild-id": GUILD_ID,
        "discord-api-url": live.url,
    }


def run(
    gh: GitHubStandIn, ws: Path, inputs: dict[str, str], *, event: dict[str, Any] | None = None, name: str = "push"
) -> StepResult:
    env = {"GITHUB_API_URL": gh.url, "GITHUB_WORKFLOW_REF": WORKFLOW_REF}
    return run_action(ws, inputs, env=env, event=event, event_name=name)


def assert_token_kept(step: StepResult, gh: GitHubStandIn) -> None:
    """Only the runner's ``::add-mask::`` (before any other line) holds the token; nothing else, GitHub's included."""
    masks = [line for line in step.stdout.splitlines()[:2] if line.startswith("::add-mask::")]
    assert step.stdout.count(GITHUB_TOKEN) == 1 and f"::add-mask::{GITHUB_TOKEN}" in masks
    for text in [step.stderr, step.summary, json.dumps(step.outputs), *gh.all_bodies()]:
        assert GITHUB_TOKEN not in text and TOKEN not in text
    for name in ("command-deployment-report.json", "deployment.log"):
        if (step.workspace / name).is_file():
            assert GITHUB_TOKEN not in (step.workspace / name).read_text(encoding="utf-8")


def test_detect_keeps_one_plan_comment_on_the_pull_request(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.add_pull_request(42)
    ws = workspace(tmp_path)
    steps = [run(gh, ws, {"action": "detect"}, event=pr_event(42), name="pull_request") for _ in range(3)]
    assert [s.returncode for s in steps] == [0, 0, 0], steps[0].stdout + steps[0].stderr
    (comment,) = gh.comments_on(42)
    assert comment["body"].startswith("<!-- command-deploy:plan -->\n## Discord commands: plan")
    assert "Deployment required" in comment["body"] and comment["user"]["login"] == "github-actions[bot]"
    assert len(gh.calls("POST", r".*/issues/42/comments")) == 1
    for step in steps:
        assert_token_kept(step, gh)


def test_detect_on_a_fork_pull_request_passes_with_a_note(gh: GitHubStandIn, tmp_path: Path) -> None:
    gh.add_pull_request(43)
    step = run(gh, workspace(tmp_path), {"action": "detect"}, event=pr_event(43, "fork/alia-bot"), name="pull_request")
    assert step.returncode == 0 and step.stderr == ""
    notes = [m for p, m in step.annotations("warning") if "plan was not posted" in m]
    assert notes == [
        "the plan was not posted on pull request #43: fork pull requests get a read-only GITHUB_TOKEN; "
        "see README security notes"
    ]
    assert "> The plan above was not posted as a comment on pull request \\#43" in step.summary
    assert [r for r in gh.requests if r.method != "GET"] == []
    assert_token_kept(step, gh)


def test_stage_and_promote_in_separate_jobs_meet_through_github_deployments(
    gh: GitHubStandIn, live: Emulator, tmp_path: Path
) -> None:
    staged = run(gh, workspace(tmp_path, "staging-job"), discord_inputs(live, "stage"))
    assert staged.returncode == 0, staged.stdout + staged.stderr

    production_job = workspace(tmp_path, "production-job")
    assert not (production_job / "deployment.log").exists()
    promoted = run(gh, production_job, discord_inputs(live, "promote"))
    assert promoted.returncode == 0, promoted.stdout + promoted.stderr
    assert "circuit breaker passed" in promoted.stdout

    records = {e: [d for d in gh.deployments_in(e) if d["payload"]["outcome"] != "started"] for e in ENVIRONMENTS}
    (stage_record,), (promote_record,) = records.values()
    for claim in (d for e in ENVIRONMENTS for d in gh.deployments_in(e) if d["payload"]["outcome"] == "started"):
        assert gh.status_history(claim["id"]) == ["in_progress", "inactive"]  # write claims, released
    for record in (stage_record, promote_record):
        assert record["ref"] == "0123456789abcdef0123456789abcdef01234567"
        assert gh.status_history(record["id"]) == ["in_progress", "success"]
        assert gh.statuses[record["id"]][0]["log_url"] == f"https://github.com/{REPO}/actions/runs/4242"
    assert promote_record["payload"]["checksum"] == stage_record["payload"]["checksum"] == promoted.outputs["checksum"]
    for step in (staged, promoted):
        assert_token_kept(step, gh)


def test_a_failed_promote_opens_one_issue_and_comments_on_repeat(
    gh: GitHubStandIn, live: Emulator, tmp_path: Path
) -> None:
    ws = workspace(tmp_path)
    first = run(gh, ws, discord_inputs(live, "promote"), name="workflow_dispatch")
    second = run(gh, ws, discord_inputs(live, "promote"), name="workflow_dispatch")
    assert first.returncode == second.returncode == 1
    (issue,) = gh.issues_with(failure_marker("production", "promote"))
    assert [label["name"] for label in issue["labels"]] == ["deployment"]
    assert f"gh workflow run discord-commands.yml --repo {REPO} -f action=rollback" in issue["body"]
    assert "circuit breaker" in issue["body"] and "/actions/runs/4242" in issue["body"]
    assert len(gh.comments_on(issue["number"])) == 1
    assert "Traceback" not in first.stdout + first.stderr
    for step in (first, second):
        assert_token_kept(step, gh)


def test_a_token_without_deployments_write_is_named_not_traced(
    gh: GitHubStandIn, live: Emulator, tmp_path: Path
) -> None:
    gh.permissions["deployments"] = "read"
    step = run(gh, workspace(tmp_path), discord_inputs(live, "stage"))
    assert step.returncode == 1
    errors = [m for _, m in step.annotations("error")]
    assert len(errors) == 1 and "the job's token needs `deployments: write`" in errors[0]
    assert "Traceback" not in step.stdout + step.stderr
    assert_token_kept(step, gh)


@pytest.mark.skipif(os.geteuid() != 0, reason="changing file owners needs root")
def test_the_workspace_owner_gets_the_files_back(gh: GitHubStandIn, live: Emulator, tmp_path: Path) -> None:
    ws = workspace(tmp_path)
    for path in (ws, *ws.rglob("*")):
        os.chown(path, 1001, 121)  # the runner's user, as actions/checkout leaves the workspace
    step = run(gh, ws, {**discord_inputs(live, "stage"), "github-token": ""})
    assert step.returncode == 0, step.stdout
    run(gh, ws, {"action": "detect", "write-checksums": "true", "github-token": ""})
    written = [ws / "deployment.log", ws / "command-deployment-report.json", ws / ".command-checksums.json"]
    written += [ws / "command-backups", *(ws / "command-backups").rglob("*")]
    assert len(written) > 4
    assert {(p.name, p.stat().st_uid, p.stat().st_gid) for p in written} == {(p.name, 1001, 121) for p in written}
    assert {p.stat().st_uid for p in ws.rglob("*")} == {1001}
