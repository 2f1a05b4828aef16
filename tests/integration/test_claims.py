"""Claims that never lie and never block recovery (issue 13 item 3, issue 15 findings 1-5).

Local claims in deployment.log and GitHub claims (in_progress deployments on the loopback stand-in, through
PyGithub); S3 is moto behind the fault proxy. Handlers run as the action runs them (tests.test_github.Runner).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.commands.canonical import checksum
from alia_action.config import Settings
from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError
from alia_action.handlers import rollback, stage
from alia_action.outcome import partial_of
from alia_action.runtime import Runtime, utc_now
from alia_action.steps.apply import ConcurrentDeploy
from alia_action.stores.ledger import FileLedger, LedgerEntry, superseded
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID
from tests.support.fault_proxy import FaultProxy
from tests.support.github_run import GH_TOKEN, Runner, edit, entry, fresh_workspace, ledger_for
from tests.support.github_standin import GitHubStandIn
from tests.support.oidc_standin import moto_reset, moto_server

OTHER_RUN_URL = "https://github.com/alia-bot/alia-bot/actions/runs/99"


def run_stage(settings: Settings, workspace: Path, **runtime: Any) -> None:
    """One stage in a runtime of its own (``runtime``: more of its fields, e.g. the run's ``run_id``)."""
    ctx = Runtime(workspace=workspace, client_options=dict(FAST), **runtime)
    try:
        stage.run(settings, ctx)
    finally:
        ctx.close()


def puts(live: Emulator, since: int = 0) -> list[str]:
    return [r.method for r in live.requests[since:] if r.method in ("PUT", "POST", "PATCH", "DELETE")]


def foreign_claim(**fields: Any) -> LedgerEntry:
    """The claim another run left: what apply.claim_scope records, with that run's link."""
    values: dict[str, Any] = {"run": "other-run", "run_url": OTHER_RUN_URL, "minutes_ago": 1}
    values.update(fields)
    return entry("started", **values)


# ------------------------------------------------------------------- a failure before writing closes the claim


def test_a_backup_that_cannot_be_written_closes_its_claim_and_the_retry_runs(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    """Issue 13 item 3: the backup folder unusable (here a file stands where it should be) -> the run fails
    before writing, and its claim is closed: the retry after the fix is not blocked for 15 minutes."""
    (workspace / "command-backups").write_text("not a folder")
    with pytest.raises(DeployError, match="nothing was written to Discord") as caught:
        run_stage(make_settings(action="stage"), workspace)
    assert "cannot write backup to" in str(caught.value)
    assert puts(live) == []
    claim, result = FileLedger(workspace / "deployment.log").entries()
    assert (claim.outcome, result.outcome, claim.run) == ("started", "failure", result.run)

    (workspace / "command-backups").unlink()
    run_stage(make_settings(action="stage"), workspace)  # not "another stage … has not finished"
    assert puts(live) == ["PUT"]


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A 256 kB tmpfs (a disk that fills up); skipped where this machine cannot mount one."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True, check=False
    )
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(folder: Path, leave: int) -> None:
    """Fill the disk of ``folder`` until about ``leave`` bytes are free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    (folder / "ballast").write_bytes(b"\0" * max(free - leave, 0))


def test_a_full_disk_fails_the_backup_and_leaves_no_claim_open(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, full_disk: Path
) -> None:
    settings = make_settings(action="stage", backup_store=str(full_disk / "backups"), ledger_file=str(full_disk / "l"))
    fill(full_disk, leave=4096)  # room for the claim line, not for the backup (about 10 kB)
    with pytest.raises(DeployError, match=r"No space left on device.*nothing was written to Discord"):
        run_stage(settings, workspace)
    assert puts(live) == []
    (full_disk / "ballast").unlink()
    run_stage(settings, workspace)
    assert puts(live) == ["PUT"]


def test_a_result_that_cannot_be_appended_takes_its_claim_line_back_out(full_disk: Path) -> None:
    ledger = FileLedger(full_disk / "deployment.log")
    ledger.record(entry("success", run="earlier"))
    ledger.record(entry("started", run="mine", minutes_ago=0))
    fill(full_disk, leave=0)
    with pytest.raises(DeployError, match="claim was taken back out"):
        ledger.record(entry("failure", run="mine", minutes_ago=0, message="x" * 5000))
    assert [(e.run, e.outcome) for e in ledger.entries()] == [("earlier", "success")]


# ------------------------------------------------------------------- another run's claim: who, until when, how on


def test_a_claim_names_its_run_its_expiry_and_how_to_take_over(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(foreign_claim(minutes_ago=1))
    with pytest.raises(ConcurrentDeploy) as caught:
        run_stage(make_settings(action="stage"), workspace)
    message = str(caught.value)
    held = ledger.entries()[0].time
    assert f"the claim is held by stage ({OTHER_RUN_URL})" in message
    assert f"expires at {held + timedelta(minutes=15):%Y-%m-%d %H:%M:%S} UTC (claim-expiry: 15m)" in message
    assert "take over its claim with `--override-claim`, which the deployment record keeps" in message
    assert puts(live) == []

    run_stage(make_settings(action="stage", override_claim=True), workspace)  # take over: recorded
    assert puts(live) == ["PUT"]
    mine = [e for e in ledger.entries() if e.run != "other-run"]
    assert mine[0].outcome == "started" and mine[0].took_over == "other-run"
    assert f"took over the unfinished claim of stage ({OTHER_RUN_URL})" in mine[0].message
    assert "override-claim is set" in mine[0].message

    edit(workspace, "Flip a coin", "Flip one coin")  # the claim taken over blocks no one any more
    run_stage(make_settings(action="stage"), workspace)
    assert puts(live) == ["PUT", "PATCH"]  # one change: a PATCH of that command


@pytest.mark.parametrize(("expiry", "blocks"), [(None, True), ("5m", False), ("10m", True)])
def test_the_claim_expiry_is_configurable(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, expiry: str | None, blocks: bool
) -> None:
    FileLedger(workspace / "deployment.log").record(foreign_claim(minutes_ago=6))
    settings = make_settings(action="stage", **({"claim_expiry": expiry} if expiry else {}))
    if blocks:
        with pytest.raises(ConcurrentDeploy, match=f"claim-expiry: {expiry or '15m'}"):
            run_stage(settings, workspace)
    else:
        run_stage(settings, workspace)
    assert puts(live) == ([] if blocks else ["PUT"])


def test_a_run_with_nothing_to_write_closes_a_claim_left_behind_only_with_override_claim(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    """A killed run's claim, its write already applied: the re-run finds nothing to write. Told to take over,
    it closes the claim in its own record, so the next change is not blocked until the claim expires."""
    run_stage(make_settings(action="stage"), workspace)
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(foreign_claim(minutes_ago=1))
    run_stage(make_settings(action="stage"), workspace)  # no write, no takeover: the claim still holds
    assert ledger.entries()[-1].outcome == "noop" and ledger.entries()[-1].took_over is None
    edit(workspace, "Flip a coin", "Flip one coin")
    with pytest.raises(ConcurrentDeploy):
        run_stage(make_settings(action="stage"), workspace)
    edit(workspace, "Flip one coin", "Flip a coin")

    before = len(live.requests)
    run_stage(make_settings(action="stage", override_claim=True), workspace)
    assert puts(live, before) == []
    closed = ledger.entries()[-1]
    assert (closed.outcome, closed.took_over, closed.guild_id) == ("noop", "other-run", GUILD_ID)
    held = next(e for e in ledger.entries() if e.run == "other-run").time
    assert closed.message == (
        f"took over the unfinished claim of stage ({OTHER_RUN_URL}), started {held:%Y-%m-%d %H:%M:%S} UTC: "
        "override-claim is set; if that run is still writing, it fails instead of reporting success"
    )
    edit(workspace, "Flip a coin", "Flip one coin")
    run_stage(make_settings(action="stage"), workspace)  # the claim is closed: not blocked
    assert puts(live, before) == ["PATCH"]


@pytest.mark.parametrize(("expiry", "taken_over"), [("5m", None), ("10m", "other-run")])
def test_a_claim_past_its_expiry_is_not_taken_over_by_a_run_with_nothing_to_write(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, expiry: str, taken_over: str | None
) -> None:
    run_stage(make_settings(action="stage"), workspace)
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(foreign_claim(minutes_ago=6))
    run_stage(make_settings(action="stage", override_claim=True, claim_expiry=expiry), workspace)
    closed = ledger.entries()[-1]
    assert (closed.outcome, closed.took_over, bool(closed.message)) == ("noop", taken_over, taken_over is not None)


def test_a_claim_on_another_scope_is_not_taken_over(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    run_stage(make_settings(action="stage"), workspace)
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(foreign_claim(minutes_ago=1, guild_id=None, environment="production", action="promote"))
    run_stage(make_settings(action="stage", override_claim=True), workspace)
    assert (ledger.entries()[-1].outcome, ledger.entries()[-1].took_over) == ("noop", None)


def test_rollback_never_takes_over_a_live_claim_by_itself_and_override_claim_names_it_with_its_date(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    """Issue 20 item 4: a claim whose live commands are still those it read may be a writer whose write is in
    flight; only its own result, its expiry or override-claim frees the scope."""
    run_stage(make_settings(action="stage"), workspace)
    edit(workspace, "Flip a coin", "Flip a broken coin")
    run_stage(make_settings(action="stage"), workspace)
    read = checksum(live.commands(APP_ID, GUILD_ID), guild=True)
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(foreign_claim(minutes_ago=0.5, live_checksum=read))
    before = len(live.requests)
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    try:
        with pytest.raises(ConcurrentDeploy, match="override-claim"):
            rollback.run(make_settings(action="rollback", environment="staging"), ctx)
    finally:
        ctx.close()
    assert puts(live, before) == [] and "Flip a broken coin" in str(live.commands(APP_ID, GUILD_ID))

    lines: list[str] = []
    ctx = Runtime(workspace=workspace, client_options=dict(FAST), log=lines.append)
    try:
        rollback.run(make_settings(action="rollback", environment="staging", override_claim=True), ctx)
    finally:
        ctx.close()
    assert "Flip a coin" in str(live.commands(APP_ID, GUILD_ID))
    held = next(e for e in ledger.entries() if e.run == "other-run").time
    took = next(line for line in lines if "took over the unfinished claim of stage" in line)
    assert f"({OTHER_RUN_URL}), started {held:%Y-%m-%d %H:%M:%S} UTC: override-claim is set" in took
    assert ledger.entries()[-2].took_over == "other-run"


def test_a_result_is_superseded_by_a_takeover_of_its_claim_or_another_runs_later_write(workspace: Path) -> None:
    """Issue 20 item 4: what a run checks before recording success (apply.record_success)."""
    ledger = FileLedger(workspace / "deployment.log")
    mine = entry("started", run="mine", minutes_ago=3)
    ledger.record(mine)
    ledger.record(entry("success", run="earlier", minutes_ago=5))  # before this run read the scope: fine
    ledger.record(entry("success", run="other", minutes_ago=1, guild_id=None, environment="production"))
    scope = {"application_id": APP_ID, "guild_id": GUILD_ID, "run": "mine", "since": mine.time}
    assert superseded(ledger, **scope) is None
    ledger.record(foreign_claim(run="taker", minutes_ago=2, took_over="mine"))
    assert getattr(superseded(ledger, **scope), "run", None) == "taker"
    other = FileLedger(workspace / "other.log")
    other.record(mine)
    other.record(entry("success", run="late", minutes_ago=2))  # another run's write after this run read
    assert getattr(superseded(other, **scope), "run", None) == "late"


# ------------------------------------------------------------------- GitHub claims


def test_a_github_claims_age_is_githubs_created_at_not_the_runners_clock(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 2."""
    other = ledger_for(gh, make_settings, tmp_path)
    other.record(foreign_claim(minutes_ago=20))  # its runner's clock is 20 minutes behind; GitHub's is not
    run = Runner(gh, tmp_path, {}, "push")
    step = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "a"))
    assert step.code == 1 and "has not finished" in step.log and "expires at" in step.log
    assert puts(live) == []

    (claim,) = gh.deployments.values()
    claim["created_at"] = (utc_now() - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    claim["payload"]["time"] = utc_now().isoformat()  # a fresh-looking payload on a claim GitHub dates old
    again = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "b"))
    assert again.code == 0, again.log
    assert puts(live) == ["PUT"]


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def s3_proxy(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FaultProxy]:
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "claims-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "claims-test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url).create_bucket(Bucket="claims")
    with FaultProxy(moto_url) as proxy:
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        yield proxy


def test_s3_down_fails_before_writing_and_closes_the_claim_in_github_and_the_file(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path, s3_proxy: FaultProxy
) -> None:
    """Issue 15 finding 1: 50 answers of 503 SlowDown."""
    s3_proxy.add("status", method="PUT", times=50)
    run = Runner(gh, tmp_path, {}, "push")
    settings = make_settings(action="stage", github_token=GH_TOKEN, backup_store="s3://claims/backups")
    workspace = fresh_workspace(tmp_path, "a")
    step = run(settings, workspace)
    assert step.code == 1
    (error,) = step.annotations("error")
    assert f"cannot write a backup in s3://claims/backups (endpoint {s3_proxy.url}): SlowDown (HTTP 503)" in error
    assert "nothing was written to Discord" in error
    assert puts(live) == [] and s3_proxy.fired
    claims = [d for d in gh.deployments.values() if d["payload"]["outcome"] == "started"]
    assert [gh.status_history(c["id"]) for c in claims] == [["in_progress", "inactive"]]  # released
    assert [e.outcome for e in FileLedger(workspace / "deployment.log").entries()] == ["started", "failure"]

    s3_proxy.clear()  # S3 is back: a fresh runner is not blocked by the failed run's claim
    again = run(settings, fresh_workspace(tmp_path, "b"))
    assert again.code == 0, again.log
    assert puts(live) == ["PUT"]


def test_a_verified_write_whose_record_cannot_be_read_again_is_a_success_with_a_warning(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 20 item 4: the check for another run's write, after a verified one, never turns it into a failure
    that says nothing was written."""
    run = Runner(gh, tmp_path, {}, "push")
    # The creates budget's read and the claim's read pass (one listing per environment each); the rest fail.
    gh.fail(502, method="GET", path=r"/deployments$", skip=4, times=4)
    step = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "a"))
    assert step.code == 0, step.log
    assert gh.pending == 0 and puts(live) == ["PUT"]
    assert "whether another run wrote to staging guild" in step.log and "could not be checked" in step.log


def test_an_unreadable_record_stops_writes_and_the_breaker_names_the_cause(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 5: GitHub Deployments answering 502 on read, with another runner's claim open."""
    other = ledger_for(gh, make_settings, tmp_path)
    other.record(foreign_claim(minutes_ago=1))
    run = Runner(gh, tmp_path, {}, "push")
    gh.fail(502, method="GET", path=r"/deployments$", times=4)  # the first read and its 3 retries
    step = run(make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "a"))
    assert step.code == 1 and gh.pending == 0
    (error,) = step.annotations("error")
    assert "cannot read the deployment record in GitHub Deployments, so nothing is written to Discord" in error
    assert "GitHub failed to list the deployments of 'discord-staging' (HTTP 502" in error
    assert puts(live) == []

    gh.fail(502, method="GET", path=r"/deployments$", times=4)
    promote = run(make_settings(action="promote", github_token=GH_TOKEN), fresh_workspace(tmp_path, "b"))
    assert promote.code == 1 and gh.pending == 0
    (error,) = promote.annotations("error")
    assert "circuit breaker: cannot tell whether staging succeeded: cannot read the deployment record" in error
    assert "(HTTP 502" in error and "no successful staging deploy" not in error
    assert puts(live) == []


# ------------------------------------------------------------------- rate limits are waited out


@pytest.mark.parametrize(
    ("kind", "status", "retry_after", "path"),
    [
        ("secondary", 403, 1, r"/deployments$"),  # the finding: a secondary limit on creating the claim
        ("secondary", 429, 1, r"/deployments/\d+/statuses$"),
        ("primary", 403, None, r"/deployments/\d+/statuses$"),  # X-RateLimit-Reset one second ahead
    ],
)
def test_rate_limits_on_the_record_are_waited_out(
    gh: GitHubStandIn,
    live: Emulator,
    make_settings: SettingsFactory,
    tmp_path: Path,
    kind: str,
    status: int,
    retry_after: int | None,
    path: str,
) -> None:
    """Issue 15 finding 4: a rate-limited write to GitHub Deployments is repeated after the wait."""
    gh.rate_limit(kind, status=status, retry_after=retry_after, method="POST", path=path)
    step = Runner(gh, tmp_path, {}, "push")(
        make_settings(action="stage", github_token=GH_TOKEN), fresh_workspace(tmp_path, "a")
    )
    assert step.code == 0, step.log
    assert gh.pending == 0 and len(gh.fired) == 1
    assert "GitHub rate limited the request to" in step.log and "waiting" in step.log
    assert puts(live) == ["PUT"]


def test_a_rate_limited_failure_issue_comment_is_repeated_and_the_issue_closed(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 4: the closing comment after a successful promote was rate limited."""
    run = Runner(gh, tmp_path, {}, "push")
    workspace = fresh_workspace(tmp_path, "a")
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    edit(workspace, "Flip a coin", "Flip another coin")  # not staged: the breaker opens an issue
    assert run(make_settings(action="promote", github_token=GH_TOKEN), workspace).code == 1
    assert [i["state"] for i in gh.issues.values()] == ["open"]
    assert run(make_settings(action="stage", github_token=GH_TOKEN), workspace).code == 0
    gh.rate_limit("secondary", retry_after=1, method="POST", path=r"/issues/\d+/comments$")
    gh.rate_limit("secondary", status=429, retry_after=1, method="PATCH", path=r"/issues/\d+$")
    step = run(make_settings(action="promote", github_token=GH_TOKEN), workspace)
    assert step.code == 0, step.log
    assert gh.pending == 0 and [i["state"] for i in gh.issues.values()] == ["closed"]


def test_a_rate_limited_pr_comment_is_never_explained_as_a_fork(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Issue 15 finding 4: a limit GitHub asks to wait out longer than the bound is reported as what it is."""
    from tests.support.github_standin import pr_event

    gh.add_pull_request(7)
    gh.rate_limit("secondary", retry_after=3600, method="POST", path=r"/issues/7/comments$", times=5)
    step = Runner(gh, tmp_path, pr_event(7), "pull_request")(
        make_settings(action="detect", github_token=GH_TOKEN), fresh_workspace(tmp_path, "a")
    )
    assert step.code == 0
    (warning,) = step.annotations("warning", "the plan was not posted")
    assert "rate limit" in warning and "fork" not in warning and "read-only" not in warning
    assert len(gh.fired) == 1  # an hour is past the bound: not waited, said


def test_a_github_read_that_times_out_fails_closed_with_that_cause(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    from alia_action.notify.github import Options

    workspace = tmp_path / "ws"
    workspace.mkdir()
    quick = Options(timeout=1, retries=0, backoff=0, seconds_between_writes=None)
    ctx = Runtime(
        workspace=workspace, environ=Runner(gh, tmp_path, {}).environ(workspace), in_actions=True, github_options=quick
    )
    slow = ctx.ledger(make_settings(action="stage", github_token=GH_TOKEN))
    gh.fail(method="GET", path=r"/deployments$", slow=2.5)
    try:
        with pytest.raises(DeployError) as caught:
            slow.entries()
    finally:
        ctx.close()
    assert "cannot read the deployment record in GitHub Deployments, so nothing is written to Discord" in str(
        caught.value
    )
    assert "could not reach GitHub to list the deployments of 'discord-staging' (timed out)" in str(caught.value)
    assert gh.pending == 0


def test_a_secondary_limit_without_retry_after_is_waited_for_the_documented_minute_or_the_bound(
    gh: GitHubStandIn, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """GitHub asks for at least a minute without Retry-After; Options.secondary_wait is that wait (short here)."""
    from alia_action.notify.github import GitHubError, GitHubRepo, Options
    from alia_action.notify.run import RunInfo

    run = RunInfo.from_environ(Runner(gh, tmp_path, {}).environ(fresh_workspace(tmp_path, "a")))
    assert run is not None
    quick = Options(retries=0, seconds_between_writes=None, secondary_wait=0.2, max_rate_limit_wait=1)
    waits: list[str] = []
    with GitHubRepo(GH_TOKEN, run, quick, waits.append) as repo:
        gh.rate_limit("secondary", status=429, method="POST", path=r"/issues$", times=2)
        posted = repo.create_issue("title", "body", [])
        assert posted.created and gh.pending == 0 and len(waits) == 2
        gh.rate_limit("secondary", method="POST", path=r"/issues$", times=10)  # longer than the bound allows
        with pytest.raises(GitHubError) as caught:
            repo.create_issue("title", "body", [])
    error = caught.value
    assert error.rate_limited and not error.forbidden and not error.configuration
    assert "rate limit still held after waiting" in str(error) and "permission" not in str(error)


def test_a_failure_that_cannot_be_recorded_says_both_the_cause_and_why_it_is_not_recorded(
    gh: GitHubStandIn, live: Emulator, make_settings: SettingsFactory, tmp_path: Path
) -> None:
    """Discord refuses the write, then GitHub refuses the failure's record: the cause comes first, the record's
    trouble after it, in one message."""
    refusal = {"code": 50035, "message": "Invalid Form Body", "errors": {}}
    live.faults.add(Fault.respond(400, refusal), method="PUT", times=1)
    gh.fail(403, method="POST", path=r"/statuses$", skip=1, times=10)  # the claim's in_progress gets through
    workspace = fresh_workspace(tmp_path, "ws")
    step = Runner(gh, tmp_path, {}, "push")(make_settings(action="stage", github_token=GH_TOKEN), workspace)
    assert step.code == 1
    (annotation,) = step.annotations("error")
    error = annotation.removeprefix("::error title=command-deploy stage failed::")
    cause = (
        f"Discord refused the write: Discord rejected the command definitions for the guild {GUILD_ID} (50035 "
        "Invalid Form Body):%0A  (no details)"
    )
    assert error.startswith(
        f"stage to staging guild {GUILD_ID} failed: {cause} (and this failure could not be recorded: "
    )
    assert "GitHub refused to set the status of deployment" in error and "needs `deployments: write`" in error
    assert error.endswith(
        ")). Backup taken before the write: " + FileLedger(workspace / "deployment.log").entries()[-1].backup + "."
    )


# ---------------------------------------------------------- another run wrote while this one was writing


def read_checksum(live: Emulator) -> str:
    return checksum(live.commands(APP_ID, GUILD_ID), guild=True)


@pytest.mark.parametrize("run_url", [OTHER_RUN_URL, None])
def test_a_write_another_run_recorded_after_this_run_s_read_makes_its_verified_write_uncertain(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, run_url: str | None
) -> None:
    """Another run's success dated after this run read the scope (the other run's read was the same set, so the
    claim let this run through): this run's verified write is not reported as a success."""
    run_stage(make_settings(action="stage"), workspace)
    edit(workspace, "Flip a coin", "Flip one coin")
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(entry("success", minutes_ago=-1, run="other-run", run_url=run_url, live_checksum=read_checksum(live)))
    other = ledger.entries()[-1]
    with pytest.raises(DeployError) as caught:
        run_stage(make_settings(action="stage"), workspace, run_id="mine")
    assert puts(live)[-1] == "PATCH"  # written and verified
    who = f"the stage of {other.time:%Y-%m-%d %H:%M:%S} UTC{f' ({run_url})' if run_url else ''}"
    assert f"failed: this run's write was verified, but {who} wrote to it while it was writing, so its success is " in (
        str(caught.value)
    )
    assert (
        f"no longer certain; read again, staging guild {GUILD_ID} hold(s) this run's set. Check what is live (detect "
        "against this environment) before deploying or rolling back again." in str(caught.value)
    )
    assert ledger.entries()[-1].outcome == "failure" and ledger.entries()[-1].run == "mine"


def test_a_run_that_took_over_this_run_s_claim_makes_its_verified_write_uncertain(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    run_stage(make_settings(action="stage"), workspace)
    edit(workspace, "Flip a coin", "Flip one coin")
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(entry("success", minutes_ago=5, run="other-run", took_over="mine", live_checksum=read_checksum(live)))
    other = ledger.entries()[-1]
    with pytest.raises(DeployError) as caught:
        run_stage(make_settings(action="stage"), workspace, run_id="mine")
    assert (
        f"but the stage of {other.time:%Y-%m-%d %H:%M:%S} UTC took over this run's claim while it was writing"
        in str(caught.value)
    )

    # The same record in another scope says nothing about this one: the next run succeeds.
    edit(workspace, "Flip one coin", "Flip a coin")
    FileLedger(workspace / "deployment.log").path.write_text("")
    ledger.record(
        entry("success", minutes_ago=5, run="other-run", took_over="mine2", guild_id=None, environment="production")
    )
    run_stage(make_settings(action="stage"), workspace, run_id="mine2")
    assert ledger.entries()[-1].outcome == "success"


@pytest.mark.parametrize(
    ("reread", "holds"),
    [
        (Fault.respond(200, []), "another set"),  # read again, the scope holds something else
        (
            Fault.respond(403, {"code": 50001, "message": "Missing Access"}),
            "a set that could not be read again (the application is not in guild",
        ),
    ],
    ids=["another-set", "unreadable"],
)
def test_an_uncertain_success_says_what_the_scope_holds_when_read_again(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, reread: Fault, holds: str
) -> None:
    run_stage(make_settings(action="stage"), workspace)
    edit(workspace, "Flip a coin", "Flip one coin")
    ledger = FileLedger(workspace / "deployment.log")
    ledger.record(entry("success", minutes_ago=-1, run="other-run", live_checksum=read_checksum(live)))
    start = len(live.requests)
    live.faults.at(start + 4, reread)  # after the plan's GET, the PATCH and the verification's GET
    with pytest.raises(DeployError) as caught:
        run_stage(make_settings(action="stage"), workspace, run_id="mine")
    assert [r.method for r in live.requests[start:]] == ["GET", "PATCH", "GET", "GET"]
    assert f"read again, staging guild {GUILD_ID} hold(s) {holds}" in str(caught.value)
    facts = partial_of(caught.value)  # what the failure's summary says the scope holds now
    assert facts is not None and facts.states[f"staging guild {GUILD_ID}"].startswith(holds)
    assert facts.states[f"staging guild {GUILD_ID}"].endswith(" (read again after another run's write)")
    failure = ledger.entries()[-1]
    assert (failure.outcome, failure.requests) == ("failure", 4)  # the read again counted with the rest
