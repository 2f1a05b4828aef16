"""GitHub integration in process: PyGithub over loopback HTTP against the stand-in, Discord on the emulator.

Handlers run through ``runner.execute`` as the action runs them (so ``publish`` follows), with a
Runtime and a Workflow of a workflow run. Nothing is patched: the stand-in is GitHub as far as
PyGithub can tell, with GitHub's response shapes, pagination and permission refusals.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.notify.github import GitHubError, GitHubRepo, Identity
from alia_action.notify.issues import (
    BODY_LIMIT,
    Failure,
    body_size,
    failure_marker,
    open_or_update_failure_issue,
    resolve_failure_issue,
)
from alia_action.notify.run import RunInfo, pull_requests
from alia_action.ownership import hand_back_files
from alia_action.publish import PLAN_MARKER
from alia_action.runtime import Runtime
from alia_action.stores.github_ledger import TASK
from alia_action.stores.ledger import FileLedger, latest_success
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, GUILD_ID, TOKEN
from tests.support.github_run import GH_TOKEN, QUICK, REPO, SHA, Runner, edit, entry, fresh_workspace, ledger_for
from tests.support.github_standin import GitHubStandIn, pr_event


def assert_no_token(gh: GitHubStandIn, *texts: str) -> None:
    """Neither token anywhere but in the runner's own ``::add-mask::`` commands (which is how masking works)."""
    for text in [*texts, *gh.all_bodies()]:
        shown = "\n".join(line for line in text.splitlines() if not line.startswith("::add-mask::"))
        assert GH_TOKEN not in shown and TOKEN not in shown


# ------------------------------------------------------------------------------------------- the plan comment


def test_one_sticky_comment_after_three_runs_updated_in_place(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(7)
    gh.add_comment(7, "LGTM")
    run = Runner(gh, tmp_path, pr_event(7), "pull_request")
    workspace = fresh_workspace(tmp_path, "ws")
    settings = make_settings(action="detect", github_token=GH_TOKEN)

    def ours() -> list[dict[str, Any]]:
        return [c for c in gh.comments_on(7) if "command-deploy:plan" in c["body"]]

    first = run(settings, workspace)
    before = ours()[0]["body"]
    edit(workspace, '"description": "Heads or tails?"', '"description": "Heads, or tails?"')
    second = run(settings, workspace)
    third = run(settings, workspace)

    assert [s.code for s in (first, second, third)] == [0, 0, 0]
    assert len(ours()) == 1 and len(gh.comments_on(7)) == 2  # the LGTM stays
    body = ours()[0]["body"]
    # Against live commands the marker names the environment, so staging and production plans do not collide.
    assert body.startswith("<!-- command-deploy:plan:production -->\n## Discord commands: plan (production)")
    assert "Deployment required" in body and "Full diff" in body and "| 🟢 added | `coinflip` |" in body
    checksum = json.loads((workspace / "command-deployment-report.json").read_text(encoding="utf-8"))["checksum"]
    assert body != before and f"Checksum `{checksum[:16]}`" in body and checksum[:16] not in before
    assert f"[workflow run](https://github.com/{REPO}/actions/runs/4242)" in body
    assert len(gh.calls("POST", r".*/issues/7/comments")) == 1
    assert len(gh.calls("PATCH", r".*/issues/comments/\d+")) == 1  # the third run changed nothing: no write
    assert "plan comment posted on pull request #7" in first.log
    assert "plan comment updated on pull request #7" in second.log
    assert_no_token(gh, first.log, second.log, third.log, first.summary)


def test_a_copied_marker_in_someone_elses_comment_is_not_ours(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(7)
    forged = gh.add_comment(7, "<!-- command-deploy:plan:production -->\nplease overwrite me", login="mallory")
    run = Runner(gh, tmp_path, pr_event(7), "pull_request")
    step = run(make_settings(action="detect", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws"))
    assert step.code == 0
    assert gh.comments[forged["id"]]["body"].endswith("please overwrite me")
    assert len(gh.comments_on(7)) == 2
    # The installation token cannot read GET /user (403): bot authors count as ours, people do not.
    assert gh.calls("GET", "/user")[0].status == 403


def test_a_users_token_recognises_its_own_login_only(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.user_login = "deploy-bot-user"
    gh.add_pull_request(3)
    other_bot = gh.add_comment(3, f"{PLAN_MARKER}\nold", login="renovate[bot]", kind="Bot")
    run = Runner(gh, tmp_path, pr_event(3), "pull_request")
    settings = make_settings(action="detect", github_token=GH_TOKEN, bot_token=None, application_id=None)
    workspace = fresh_workspace(tmp_path, "ws")
    run(settings, workspace)
    run(settings, workspace)
    mine = [c for c in gh.comments_on(3) if c["user"]["login"] == "deploy-bot-user"]
    assert len(mine) == 1 and mine[0]["body"].startswith(PLAN_MARKER)  # offline baseline: no environment
    assert gh.comments[other_bot["id"]]["body"].endswith("old")


def test_workflow_run_comments_on_the_listed_pull_requests_of_this_repository(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(11)
    gh.add_pull_request(12)
    event = {
        "repository": {"full_name": REPO, "id": 1296269},
        "workflow_run": {
            "pull_requests": [
                {"number": 11, "base": {"repo": {"id": 1296269}}},
                {"number": 12, "base": {"repo": {"id": 999}}},  # another repository's PR of the same branch name
            ]
        },
    }
    step = Runner(gh, tmp_path, event, "workflow_run")(
        make_settings(action="detect", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws")
    )
    assert step.code == 0
    assert len(gh.comments_on(11)) == 1 and gh.comments_on(12) == []


def test_comments_are_found_across_pages(gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path) -> None:
    gh.add_pull_request(5)
    run = Runner(gh, tmp_path, pr_event(5), "pull_request")
    settings = make_settings(action="detect", github_token=GH_TOKEN)
    workspace = fresh_workspace(tmp_path, "ws")
    run(settings, workspace)
    for i in range(150):  # ours is now on the first of two pages of 100
        gh.add_comment(5, f"chatter {i}")
    edit(workspace, '"description": "Heads or tails?"', '"description": "Heads or tails, really?"')
    run(settings, workspace)
    assert len([c for c in gh.comments_on(5) if "command-deploy:plan" in c["body"]]) == 1
    pages = {r.query.get("page", "1") for r in gh.calls("GET", r".*/issues/5/comments")}
    assert pages == {"1", "2"}


def test_a_read_only_token_leaves_a_note_and_a_warning_never_a_failure(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(9)
    gh.read_only()
    step = Runner(gh, tmp_path, pr_event(9), "pull_request")(
        make_settings(action="detect", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws")
    )
    assert step.code == 0
    (warning,) = step.annotations("warning", "plan was not posted")
    assert "pull-requests: write" in warning and "Traceback" not in step.log
    assert "not posted as a comment on pull request \\#9" in step.summary
    assert "fork pull requests get a read\\-only GITHUB\\_TOKEN; see README security notes" in step.summary
    assert "Deployment required" in step.summary  # the plan itself is still in the summary
    assert gh.comments_on(9) == []


def test_a_fork_pull_request_is_not_attempted(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(4)
    step = Runner(gh, tmp_path, pr_event(4, head="someone/alia-bot"), "pull_request")(
        make_settings(action="detect", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws")
    )
    assert step.code == 0
    assert [r for r in gh.requests if "/issues" in r.path] == []
    assert "read\\-only GITHUB\\_TOKEN" in step.summary and len(step.annotations("warning", "plan was not posted")) == 1


def test_comment_off_or_no_token_means_no_github_traffic(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.add_pull_request(7)
    run = Runner(gh, tmp_path, pr_event(7), "pull_request")
    workspace = fresh_workspace(tmp_path, "ws")
    assert run(make_settings(action="detect", github_token=GH_TOKEN, comment="false"), workspace).code == 0
    assert run(make_settings(action="detect"), workspace).code == 0
    assert [r for r in gh.requests if "/issues" in r.path] == []


def big_command(number: int, words: str) -> dict[str, Any]:
    options = [{"type": 3, "name": f"option{i}", "description": f"{words} {i} " + "x" * 60} for i in range(25)]
    return {
        "name": f"cmd{number}",
        "description": "A command with many options",
        "options": options,
        "contexts": [0],
        "integration_types": [0],
    }


def test_a_huge_plan_is_shortened_under_githubs_limit_with_a_pointer(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    from alia_action.handlers import detect

    workspace = tmp_path / "ws"
    (workspace / "commands").mkdir(parents=True)
    big = workspace / "commands" / "big.json"
    big.write_text(json.dumps([big_command(n, "before") for n in range(100)]), encoding="utf-8")
    ctx = Runtime(workspace=workspace)
    offline = dict(action="detect", github_token=GH_TOKEN, bot_token=None, application_id=None)
    detect.run(make_settings(**offline, write_checksums="true"), ctx)
    big.write_text(json.dumps([big_command(n, "after") for n in range(100)]), encoding="utf-8")
    gh.add_pull_request(8)
    step = Runner(gh, tmp_path, pr_event(8), "pull_request")(make_settings(**offline), workspace)
    assert step.code == 0
    (comment,) = gh.comments_on(8)
    body = comment["body"]
    assert len(step.summary) > 4 * BODY_LIMIT  # the summary holds the whole plan
    assert body_size(body) <= 65_000 and body.startswith(PLAN_MARKER)
    assert "Shortened to fit GitHub's 65,536-character limit:" in body and "of 100 changes" in body
    assert f"The full plan is in the [job summary](https://github.com/{REPO}/actions/runs/4242)" in body
    assert body.count("```") % 2 == 0 and body.count("<details>") == body.count("</details>")
    assert "**0** added · **100** modified" in body  # the counts stay whole


# ------------------------------------------------------------------------------------------- failure issues


def test_failure_issue_opened_commented_on_repeat_and_closed_on_recovery(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "workflow_dispatch")
    workspace = fresh_workspace(tmp_path, "ws")
    promote = make_settings(action="promote", github_token=GH_TOKEN, issue_labels="deployment, discord")

    first = run(promote, workspace)  # no staging deploy: the circuit breaker refuses
    assert first.code == 1 and "circuit breaker" in first.log
    (issue,) = gh.issues_with(failure_marker("production", "promote"))
    assert issue["title"] == "Discord commands: promote failed (production)"
    assert [label["name"] for label in issue["labels"]] == ["deployment", "discord"]
    assert gh.labels["deployment"]["color"] == "d73a4a"
    body = issue["body"]
    assert "circuit breaker: no successful staging deploy" in body
    assert f"(https://github.com/{REPO}/actions/runs/4242)" in body and f"/commit/{SHA}" in body
    assert f"gh workflow run commands.yml --repo {REPO} -f action=rollback\n" in body
    assert "failure issue opened" in first.log

    second = run(promote, workspace)
    assert second.code == 1
    assert len(gh.issues_with(failure_marker("production", "promote"))) == 1
    (repeat,) = gh.comments_on(issue["number"])
    assert repeat["body"].startswith("Failed again") and "circuit breaker" in repeat["body"]

    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    third = run(promote, workspace)
    assert third.code == 0, third.log
    assert gh.issues[issue["number"]]["state"] == "closed"
    assert gh.issues[issue["number"]]["state_reason"] == "completed"
    assert gh.comments_on(issue["number"])[-1]["body"].startswith("✅ promote in production succeeded")
    assert f"closed failure issue #{issue['number']}" in third.log
    assert_no_token(gh, first.log, second.log, third.log)


def test_a_failed_write_names_its_backup_in_the_rollback_command(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "workflow_dispatch")
    workspace = fresh_workspace(tmp_path, "ws")
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    live.faults.add(Fault.respond(400, {"message": "Invalid Form Body", "code": 50035}), method="PUT")
    step = run(make_settings(action="promote", github_token=GH_TOKEN), workspace)
    assert step.code == 1
    entries = FileLedger(workspace / "deployment.log").entries()
    backup = next(e.backup for e in entries if e.environment == "production" and e.backup)
    (issue,) = gh.issues_with(failure_marker("production", "promote"))
    assert f"-f action=rollback -f backup_file={backup}\n" in issue["body"]
    assert "Discord refused the write" in issue["body"]


def test_health_that_cannot_run_opens_an_issue_and_dry_runs_never_do(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "schedule")
    workspace = fresh_workspace(tmp_path, "ws")
    # No staging guild configured: the check cannot run at all (a usage error, exit 2).
    broken = run(make_settings(action="health", github_token=GH_TOKEN, environment="staging", guild_id=None), workspace)
    assert broken.code == 2
    (issue,) = gh.issues_with(failure_marker("staging", "health"))
    assert "no staging guild" in issue["body"]
    # A check that ran and found problems raises its alerts (an issue per condition), not a second issue.
    unhealthy = run(make_settings(action="health", github_token=GH_TOKEN, environment="staging"), workspace)
    assert unhealthy.code == 1
    assert len(gh.issues_with(failure_marker("staging", "health"))) == 1
    assert gh.comments_on(issue["number"]) == []
    dry = run(make_settings(action="promote", github_token=GH_TOKEN, dry_run="true"), workspace)
    assert dry.code == 1 and gh.issues_with(failure_marker("production", "promote")) == []


def test_issue_functions_for_other_callers(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """The health monitor's alerts use the same two functions, with a family of their own."""
    runner = Runner(gh, tmp_path, {}, "schedule")
    workspace = tmp_path / "ws"
    workspace.mkdir()
    ctx = Runtime(workspace=workspace, environ=runner.environ(workspace), in_actions=True, github_options=QUICK)
    settings = make_settings(action="health", github_token=GH_TOKEN)
    failure = Failure("production", "missing", "3 commands missing: `/ban` <@everyone>", details="| a | b |\n|---|---|")
    repo = ctx.github(settings)
    assert repo is not None
    labels, redact = settings.issue_labels, ctx.redact
    posted = open_or_update_failure_issue(repo, failure, labels=labels, redact=redact, log=ctx.log)
    assert posted.created
    body = gh.issues[posted.number]["body"]
    assert "\\`/ban\\` &lt;@\u200beveryone&gt;" in body  # escaped: no code span, no tag, no mention
    again = open_or_update_failure_issue(repo, failure, labels=labels, redact=redact, log=ctx.log)
    assert not again.created and again.number == posted.number
    resolve = {"environment": "production", "family": "missing", "labels": labels, "redact": redact}
    assert resolve_failure_issue(repo, **resolve) == posted.number
    assert resolve_failure_issue(repo, **resolve) is None
    repo.close()
    # Outside a workflow run, or without a token, there is nothing to do.
    offline = Runtime(workspace=workspace, environ={}, in_actions=False)
    assert offline.github(settings) is None
    assert ctx.github(make_settings(action="health", github_token=None)) is None


def test_issues_refused_are_a_warning_naming_the_permission(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    gh.permissions["issues"] = "read"
    gh.permissions["pull_requests"] = "read"
    step = Runner(gh, tmp_path, {}, "workflow_dispatch")(
        make_settings(action="promote", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws")
    )
    assert step.code == 1  # the promote's own failure, unchanged
    warnings = step.annotations("warning", "open an issue")
    assert len(warnings) == 1 and "issues: write" in warnings[0]
    assert "Traceback" not in step.log


# ------------------------------------------------------------------------------------------- deployment records


def test_stage_records_a_deployment_that_a_fresh_workspace_promote_reads(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "push")
    staged = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "staging-job"))
    assert staged.code == 0, staged.log
    claim, deployment = sorted(gh.deployments_in("discord-staging"), key=lambda d: d["id"])
    assert claim["payload"]["outcome"] == "started" and claim["payload"]["run"] == deployment["payload"]["run"]
    assert gh.status_history(claim["id"]) == ["in_progress", "inactive"]  # the write claim, released
    assert deployment["ref"] == SHA and deployment["task"] == TASK
    assert deployment["_auto_merge"] is False and deployment["_required_contexts"] == []
    assert deployment["transient_environment"] is False and deployment["production_environment"] is False
    payload = deployment["payload"]
    assert payload["tool"] == "command-deploy" and payload["scope"] == f"guild {GUILD_ID}"
    assert payload["application_id"] == APP_ID and payload["outcome"] == "success"
    assert {"checksum", "live_checksum", "creates", "requests"} <= set(payload)
    assert gh.status_history(deployment["id"]) == ["in_progress", "success"]
    statuses = gh.statuses[deployment["id"]]
    assert {s["log_url"] for s in statuses} == {f"https://github.com/{REPO}/actions/runs/4242"}

    fresh = fresh_workspace(tmp_path, "production-job")
    promoted = run(make_settings(action="promote", github_token=GH_TOKEN), fresh)
    assert promoted.code == 0, promoted.log
    assert "circuit breaker passed" in promoted.log
    production = max(gh.deployments_in("discord-production"), key=lambda d: d["id"])
    assert production["production_environment"] is True and production["payload"]["scope"] == "global"
    assert gh.status_history(production["id"]) == ["in_progress", "success"]
    # Both runs still append the local file users keep as an artifact.
    assert [e.outcome for e in FileLedger(fresh / "deployment.log").entries()] == ["started", "success"]


def test_the_breaker_stays_shut_without_a_github_record(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "push")
    step = run(make_settings(action="promote", github_token=GH_TOKEN), fresh_workspace(tmp_path, "ws"))
    assert step.code == 1
    assert "no successful staging deploy to guild" in step.log and "GitHub Deployments (discord-staging" in step.log


def test_ledger_reads_back_outcomes_from_the_latest_status(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    ledger = ledger_for(gh, make_settings, tmp_path)
    older, newer = entry(minutes_ago=30, run="a"), entry(minutes_ago=5, run="b")
    ledger.record(older)
    ledger.record(newer)
    first = min(gh.deployments_in("discord-staging"), key=lambda d: d["id"])
    # GitHub marks a superseded success inactive: it still was a success.
    assert gh.status_history(first["id"]) == ["in_progress", "success", "inactive"]
    ledger.record(entry("failure", minutes_ago=2, run="c", message="Discord refused the write"))
    ledger.record(entry("started", minutes_ago=1, run="d"))  # a write claim other runners can see
    assert len(gh.deployments_in("discord-staging")) == 4

    (tmp_path / "ws" / "deployment.log").unlink()  # a fresh run: GitHub only
    remote = ledger.entries()
    assert sorted((e.run, e.outcome) for e in remote) == [
        ("a", "success"),
        ("b", "success"),
        ("c", "failure"),
        ("d", "started"),
    ]
    assert latest_success(ledger, action="stage", application_id=APP_ID, guild_id=GUILD_ID) == newer
    failed = next(d for d in gh.deployments_in("discord-staging") if d["payload"]["run"] == "c")
    assert gh.statuses[failed["id"]][0]["description"] == "Discord refused the write"


def test_a_deployment_without_a_final_status_or_too_old_does_not_count(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    ledger = ledger_for(gh, make_settings, tmp_path)
    ledger.record(entry(minutes_ago=60 * 30, run="ancient"))  # older than every reader's window
    repo = ledger.repo
    crashed = entry(minutes_ago=3, run="crashed")
    repo.create_deployment(
        ref=SHA,
        environment="discord-staging",
        task=TASK,
        payload={"tool": "command-deploy", **crashed.model_dump(mode="json")},
        description="x",
        production=False,
    )  # the run died before any status
    (tmp_path / "ws" / "deployment.log").unlink()
    entries = ledger.entries()
    assert [(e.run, e.outcome, e.creates) for e in entries] == [("crashed", "failure", 0)]


def test_local_and_github_records_are_merged_without_duplicates(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    ledger = ledger_for(gh, make_settings, tmp_path)
    ledger.record(entry(run="both"))
    FileLedger(tmp_path / "ws" / "deployment.log").record(entry(run="local-only", minutes_ago=2))
    runs = sorted(e.run or "" for e in ledger.entries())
    assert runs == ["both", "local-only"]


def test_long_failure_messages_fit_the_status_description(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    ledger = ledger_for(gh, make_settings, tmp_path)
    ledger.record(entry("failure", message="x " * 400))
    (deployment,) = gh.deployments_in("discord-staging")
    assert len(gh.statuses[deployment["id"]][0]["description"]) == 140


def test_missing_deployments_permission_stops_with_the_permission_named(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 3: a claim GitHub refuses (403, no rate limit) stops the run before any Discord write."""
    gh.permissions["deployments"] = "read"
    workspace = fresh_workspace(tmp_path, "ws")
    step = Runner(gh, tmp_path, {}, "push")(make_settings(action="stage", github_token=GH_TOKEN), workspace)
    assert step.code == 1
    (error,) = step.annotations("error")
    assert "stage stopped before writing to Discord: the write claim could not be recorded" in error
    assert "deployments: write" in error and "Resource not accessible by integration" in error
    assert "fork" not in step.log and "Traceback" not in step.log
    assert [r.method for r in live.requests] == ["GET"]  # the plan's read, and nothing written
    assert FileLedger(workspace / "deployment.log").entries() == []  # no claim left open anywhere
    assert not gh.deployments

    gh.permissions["deployments"] = "none"  # not even readable: promote stops before any write to Discord
    before = len(live.requests)
    step = Runner(gh, tmp_path, {}, "push")(make_settings(action="promote", github_token=GH_TOKEN), workspace)
    assert step.code == 1 and "deployments: read" in step.annotations("error")[0]
    assert all(r.method == "GET" for r in live.requests[before:])


def test_github_out_of_reach_stops_every_write_with_that_cause(
    live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 5: an unreadable record fails closed, never falling back to deployment.log alone."""
    with GitHubStandIn(token=GH_TOKEN) as gone:
        run = Runner(gone, tmp_path, {}, "push", extra={"GITHUB_API_URL": gone.url})
    workspace = fresh_workspace(tmp_path, "ws")
    step = run(make_settings(action="stage", github_token=GH_TOKEN), workspace)  # the stand-in has stopped
    assert step.code == 1
    (error,) = step.annotations("error")
    assert "cannot read the deployment record in GitHub Deployments, so nothing is written to Discord" in error
    assert "could not reach GitHub to list the deployments" in error
    assert "using deployment.log only" not in step.log and "warning: GitHub Deployments could not" not in step.log
    assert all(r.method == "GET" for r in live.requests)


def test_the_built_in_emulator_and_the_cli_leave_github_alone(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    run = Runner(gh, tmp_path, {}, "push")
    settings = make_settings(action="deploy", github_token=GH_TOKEN, discord_api_url="emulator")
    assert run(settings, fresh_workspace(tmp_path, "ws")).code == 0
    assert gh.requests == []


# ------------------------------------------------------------------------------------------- adapters


def test_errors_name_the_permission_and_never_the_token(gh: GitHubStandIn) -> None:
    run = RunInfo(repository=REPO, api_url=gh.url, run_id="1", sha=SHA)
    gh.permissions["issues"] = "read"
    with GitHubRepo(GH_TOKEN, run, QUICK) as repo, pytest.raises(GitHubError) as caught:
        repo.create_issue("t", "b", [])
    assert caught.value.status == 403 and caught.value.permission == "issues: write"
    assert str(caught.value) == (
        "GitHub refused to open an issue (HTTP 403: Resource not accessible by integration): the job's token needs "
        "`issues: write` (add it to the job's `permissions:`)"
    )
    with GitHubRepo("ghs_wrong_token_value", run, QUICK) as repo, pytest.raises(GitHubError) as caught:
        repo.create_issue("t", "b", [])
    assert caught.value.status == 401 and "check the github-token input" in str(caught.value)
    assert "ghs_wrong_token_value" not in str(caught.value) + repr(caught.value)
    assert GH_TOKEN not in repr(GitHubRepo(GH_TOKEN, run, QUICK))


def test_the_api_url_of_github_enterprise_is_honoured() -> None:
    with GitHubStandIn(token=GH_TOKEN, prefix="/api/v3") as ghes:
        ghes.add_pull_request(1)
        run = RunInfo(repository=REPO, api_url=ghes.url, run_id="1", sha=SHA)
        with GitHubRepo(GH_TOKEN, run, QUICK) as repo:
            posted = repo.upsert_comment(1, "<!-- m -->", "<!-- m -->\nhi")
        assert posted.created and ghes.comments_on(1)[0]["body"].endswith("hi")
        assert {r.path for r in ghes.requests} == {f"/repos/{REPO}/issues/1/comments"}


def test_run_info_and_events(tmp_path: Path) -> None:
    environ = {
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_API_URL": "https://ghe.example/api/v3/",
        "GITHUB_RUN_ID": "77",
        "GITHUB_SHA": SHA,
        "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/deploy commands.yml@refs/heads/main",
        "GITHUB_EVENT_NAME": "pull_request_target",
        "GITHUB_EVENT_PATH": str(tmp_path / "event.json"),
    }
    (tmp_path / "event.json").write_text(json.dumps(pr_event(3, head="fork/alia-bot")), encoding="utf-8")
    run = RunInfo.from_environ(environ)
    assert run is not None and run.api_url == "https://ghe.example/api/v3"
    assert run.run_url == f"https://github.com/{REPO}/actions/runs/77"
    assert run.rollback_command("commands-backup-2025-01-15T10-30-00-000Z.json") == (
        f"gh workflow run 'deploy commands.yml' --repo {REPO} -f action=rollback "
        "-f backup_file=commands-backup-2025-01-15T10-30-00-000Z.json"
    )
    # pull_request_target runs with the base repository's writable token, forks included.
    assert pull_requests(run).numbers == (3,) and not pull_requests(run).fork
    assert RunInfo.from_environ({"GITHUB_REPOSITORY": "not a repo"}) is None
    assert Identity(None).owns("github-actions[bot]") and not Identity(None).owns("mallory")
    assert Identity("me").owns("me") and not Identity("me").owns("github-actions[bot]")
    assert failure_marker("production", "promote --> <b>") == "<!-- command-deploy:failure:production:promote-b -->"


# ------------------------------------------------------------------------------------------- workspace files


@pytest.mark.skipif(os.geteuid() != 0, reason="changing file owners needs root")
def test_files_written_are_handed_back_to_the_workspace_owner(make_settings: SettingsFactory, tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    (workspace / "command-backups").mkdir(parents=True)
    (workspace / "reports").mkdir()
    os.chown(workspace, 1001, 121)
    theirs = workspace / "deployment.log"
    theirs.write_text("")
    os.chown(theirs, 1002, 1002)  # someone else's file: left as it is
    outside = tmp_path / "outside.json"
    outside.write_text("{}")
    (workspace / "metrics.log").symlink_to(outside)
    for path in (workspace / "command-backups" / "commands-backup-x.json", workspace / "reports" / "r.json"):
        path.write_text("{}")
    (workspace / ".discord-emulator.json").write_text("{}")  # the local Discord of discord-api-url: emulator
    settings = make_settings(report_file="reports/r.json", checksum_file="../escape.json", discord_api_url="emulator")
    (tmp_path / "escape.json").write_text("{}")

    changed = hand_back_files(settings, workspace)

    owners = {p.relative_to(workspace).as_posix(): (p.lstat().st_uid, p.lstat().st_gid) for p in changed}
    assert owners == {
        "reports/r.json": (1001, 121),
        "reports": (1001, 121),
        "command-backups": (1001, 121),
        "command-backups/commands-backup-x.json": (1001, 121),
        "metrics.log": (1001, 121),  # the link itself, never its target
        ".discord-emulator.json": (1001, 121),
    }
    assert theirs.stat().st_uid == 1002
    assert outside.stat().st_uid == 0 and (tmp_path / "escape.json").stat().st_uid == 0


def test_nothing_changes_hands_when_the_workspace_is_ours(make_settings: SettingsFactory, tmp_path: Path) -> None:
    (tmp_path / "deployment.log").write_text("")
    assert hand_back_files(make_settings(), tmp_path) == []


def test_body_limit_constant_is_githubs() -> None:
    assert BODY_LIMIT == 65_536 and body_size("😀") == 2


def test_a_write_claim_in_github_stops_a_second_runner(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Two runners share no deployment.log (a misconfigured concurrency group): the claim in GitHub decides."""
    other = ledger_for(gh, make_settings, tmp_path)
    other.record(entry("started", minutes_ago=0.2, run="runner-a", environment="staging"))
    run = Runner(gh, tmp_path, {}, "push")
    step = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "runner-b"))
    assert step.code == 1
    assert "stopped before writing: another stage of this scope started at" in step.log
    assert not [r for r in live.requests if r.method == "PUT"]

    other.record(entry("success", minutes_ago=0.1, run="runner-a", environment="staging"))  # A is done
    again = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "runner-b2"))
    assert again.code == 0, again.log


def test_a_forged_deployment_that_cannot_be_true_is_skipped_with_one_warning(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Anyone with `deployments: write` can create one: a fence in git_sha, a success dated next year."""
    ledger = ledger_for(gh, make_settings, tmp_path)
    logged: list[str] = []
    ledger.log = logged.append
    forged = {
        "fence": entry(run="fence").model_dump(mode="json") | {"git_sha": "abc1234\n```\n# pwned"},
        "ahead": entry(run="ahead").model_dump(mode="json") | {"time": "2099-01-01T00:00:00Z"},
        "claim": entry("started", run="claim").model_dump(mode="json") | {"time": "2099-01-01T00:00:00Z"},
    }
    created = {
        name: ledger.repo.create_deployment(
            ref=SHA, environment="discord-staging", task=TASK, payload={"tool": "command-deploy", **payload},
            description="x", production=False,
        )
        for name, payload in forged.items()
    }  # fmt: skip
    ledger.repo.create_status(created["claim"], state="in_progress", description="writing", log_url=None)
    entries = ledger.entries()
    # A claim's age is GitHub's, not its payload's: a live writer's claim is never dropped for its runner's clock.
    assert [(e.run, e.outcome) for e in entries] == [("claim", "started")]
    ledger.entries()  # read again: still one warning
    (warning,) = [line for line in logged if "GitHub Deployments" in line]
    assert "2 unreadable deployment(s) skipped" in warning
    assert "git_sha: not a commit id" in warning and "time: 2099-01-01 00:00:00 UTC is ahead" in warning
