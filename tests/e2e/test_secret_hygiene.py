"""Secret hygiene: every action, on success and on its failure paths, with sentinel secrets everywhere.

One harness runs ``entrypoint.py`` as the runner runs the Docker action, with sentinel bot tokens for two
applications (the production bot, and the staging bot that stage, promote's breaker, staging rollbacks and
deploy's stage use), GitHub token, Slack webhook URL, Sentry DSN and AWS keys (S3 backups and Parameter Store
on moto), and a third bot token that exists only in Parameter Store, against real loopback peers: the Discord
emulator, the GitHub stand-in, a Slack webhook receiver and a Sentry endpoint. After every run it searches
every byte the run produced or sent: stdout (but the runner's ``::add-mask::`` lines), stderr, the outputs
file, the step summary, every file in the workspace and in HOME, every S3 object's body and metadata (read
back from moto), every request's path, query, headers and body to Discord, GitHub, Slack and Sentry, and
everything GitHub keeps (issues, comments, labels, deployments and their payloads, statuses and their URLs).
The list of places searched is printed at the end of the session with the tally.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.discord.emulator import Emulator, Fault
from tests.support.actions_runner import GITHUB_TOKEN, ROOT, StepResult, run_action
from tests.support.discord_fixtures import APP_ID, GUILD_ID
from tests.support.github_standin import GitHubStandIn, pr_event
from tests.support.http_sinks import SentrySink, SlackSink
from tests.support.hygiene_tally import SUMMARY
from tests.support.oidc_standin import moto_server

BOT_TOKEN = "MTE4MDAw.HygieneSentinel-BotToken.s3nt1n3l"
STAGING_BOT_TOKEN = "MTE4MDAy.StagingBot-Sentinel.st4g1ng"
STAGING_APP_ID = "1180000000000000555"
SSM_BOT_TOKEN = "MTE4MDAx.ParameterStoreOnly-Sentinel.p4r4m"  # never an input: only moto's Parameter Store
SSM_APP_ID = "1180000000000000777"
# Client secrets of the production and staging applications, and the Bearer tokens Discord (the emulator) gives
# for them: sentinels too (the tokens are added as they are issued).
CLIENT_SECRET = "HygieneSentinel-ClientSecret-c1i3nt5"
STAGING_CLIENT_SECRET = "HygieneSentinel-StagingClientSecret-5t4g"
WITH_CLIENT_SECRETS = {
    "bot-token": "",
    "staging-bot-token": "",
    "client-secret": CLIENT_SECRET,
    "staging-client-secret": STAGING_CLIENT_SECRET,
    "deployment-environment-staging": "secret-staging",
    "deployment-environment-production": "secret-production",
}
AWS_KEY_ID = "AKIAHYGIENESENTINEL7"
AWS_SECRET = "hygieneSentinelSecretAccessKey/0123456789"
REPO = "alia-bot/alia-bot"
BUCKET = "hygiene-backups"
# Staging without a bot of its own (the production bot, or the staging prefix of Parameter Store).
ONE_BOT = {"staging-bot-token": "", "staging-application-id": ""}


class Sentry(SentrySink):
    KEY = "5e47195e47195e47195e47195e4719aa"  # distinct from every hex string the runs carry (GITHUB_SHA…)


@dataclass
class Harness:
    tmp: Path
    live: Emulator
    gh: GitHubStandIn
    slack: SlackSink
    sentry: SentrySink
    moto: str
    s3: Any
    runs: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    searched: dict[str, list[int]] = field(default_factory=dict)  # kind of place -> [items, bytes]

    @property
    def secrets(self) -> dict[str, str]:
        return {
            "bot token": BOT_TOKEN,
            "staging bot token": STAGING_BOT_TOKEN,
            "GitHub token": GITHUB_TOKEN,
            "Slack webhook": SlackSink.PATH.rsplit("/", 1)[-1],
            "Sentry DSN key": Sentry.KEY,
            "AWS access key id": AWS_KEY_ID,
            "AWS secret key": AWS_SECRET,
            "Parameter Store bot token": SSM_BOT_TOKEN,
            "client secret": CLIENT_SECRET,
            "staging client secret": STAGING_CLIENT_SECRET,
            **{f"Bearer token {n} (of {app})": t for n, (t, app) in enumerate(self.live.bearer_tokens.items(), 1)},
        }

    def workspace(self, name: str) -> Path:
        ws = self.tmp / name
        if not ws.exists():
            shutil.copytree(ROOT / "examples" / "commands", ws / "commands")
        return ws

    def run(
        self,
        label: str,
        ws: Path,
        inputs: dict[str, str],
        *,
        expect: int,
        event: dict[str, Any] | None = None,
        event_name: str = "push",
    ) -> StepResult:
        given = {
            "bot-token": BOT_TOKEN,
            "application-id": APP_ID,
            "staging-bot-token": STAGING_BOT_TOKEN,
            "staging-application-id": STAGING_APP_ID,
            "guild-id": GUILD_ID,
            "discord-api-url": self.live.url,
            "slack-webhook-url": self.slack.url,
            "sentry-dsn": self.sentry.dsn,
            "backup-store": f"s3://{BUCKET}/commands",
            "aws-region": "us-east-1",
            **inputs,
        }
        env = {
            "GITHUB_API_URL": self.gh.url,
            "GITHUB_WORKFLOW_REF": f"{REPO}/.github/workflows/discord-commands.yml@refs/heads/main",
            "AWS_ACCESS_KEY_ID": AWS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": AWS_SECRET,
            "AWS_ENDPOINT_URL": self.moto,
            "SSL_CERT_FILE": str(self.slack.ca_file),
        }
        step = run_action(ws, given, env=env, event=event, event_name=event_name)
        assert step.returncode == expect, (
            f"{label}: exit {step.returncode}\n{step.stdout[-2000:]}\n{step.stderr[-2000:]}"
        )
        self.runs.append(label)
        self.search(label, step, ws)
        return step

    def places(self, step: StepResult, ws: Path) -> Iterator[tuple[str, str, bytes]]:
        """(kind of place, place, bytes) for everything the run produced or sent, and every peer received."""
        stdout = "\n".join(line for line in step.stdout.splitlines() if not line.startswith("::add-mask::"))
        yield "stdout", "stdout", stdout.encode()
        yield "stderr", "stderr", step.stderr.encode()
        yield "step outputs", "outputs", json.dumps(step.outputs).encode()
        yield "job summary", "summary", step.summary.encode()
        home = ws.parent / f"{ws.name}-runner"  # run_action's HOME (and the runner's files)
        for kind, root in (("workspace files", ws), ("HOME files", home)):
            for path in sorted(root.rglob("*")):
                if path.is_file() and not path.is_symlink():
                    yield kind, f"{kind[:-1]} {path.relative_to(root)}", path.read_bytes()
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET):
            for item in page.get("Contents", []):
                key = item["Key"]
                got = self.s3.get_object(Bucket=BUCKET, Key=key)
                yield "S3 object bodies", f"S3 {key}", got["Body"].read()
                meta = {"Metadata": got.get("Metadata"), "headers": got["ResponseMetadata"]["HTTPHeaders"]}
                yield "S3 object metadata", f"S3 {key} metadata", json.dumps(meta, default=str).encode()
        for request in self.live.requests:
            sent = {"path": request.path, "query": request.query, "headers": request.headers, "body": request.body}
            yield (
                "Discord requests (path, query, headers, body)",
                f"Discord #{request.seq}",
                json.dumps(sent, default=str).encode(),
            )
        for part, text in self.gh.wire():
            yield "GitHub requests (path, query, headers, body)", f"GitHub request {part}", text.encode()
        yield (
            "GitHub records (issues, comments, labels, deployments, statuses)",
            "GitHub",
            self.gh.state_json().encode(),
        )
        yield "Slack requests (headers, body)", "Slack", self.slack.wire_text().encode()
        yield "Sentry requests (headers, body)", "Sentry", self.sentry.wire_text().encode()

    def search(self, label: str, step: StepResult, ws: Path) -> None:
        for kind, where, data in self.places(step, ws):
            tally = self.searched.setdefault(kind, [0, 0])
            tally[0] += 1
            tally[1] += len(data)
            for name, secret in self.secrets.items():
                own = (name, where) in (("Slack webhook", "Slack"), ("Sentry DSN key", "Sentry"))  # their own address
                if secret.encode() in data and not own:
                    self.leaks.append(f"{label}: the {name} in {where}")


@pytest.fixture
def harness(tmp_path: Path) -> Iterator[Harness]:
    with (
        Emulator() as live,
        GitHubStandIn(token=GITHUB_TOKEN) as gh,
        SlackSink(tmp_path / "tls") as slack,
        Sentry() as sentry,
        moto_server() as moto,
    ):
        live.add_application(APP_ID, BOT_TOKEN)
        live.add_guild(APP_ID, GUILD_ID)
        live.add_application(STAGING_APP_ID, STAGING_BOT_TOKEN)
        live.add_guild(STAGING_APP_ID, GUILD_ID)
        live.add_client_secret(APP_ID, CLIENT_SECRET)
        live.add_client_secret(STAGING_APP_ID, STAGING_CLIENT_SECRET)
        s3 = boto3.client(
            "s3",
            region_name="us-east-1",
            endpoint_url=moto,
            aws_access_key_id=AWS_KEY_ID,
            aws_secret_access_key=AWS_SECRET,
        )
        s3.create_bucket(Bucket=BUCKET)
        ssm = boto3.client(
            "ssm",
            region_name="us-east-1",
            endpoint_url=moto,
            aws_access_key_id=AWS_KEY_ID,
            aws_secret_access_key=AWS_SECRET,
        )
        ssm.put_parameter(Name="/hygiene/staging/BOT_TOKEN", Value=SSM_BOT_TOKEN, Type="SecureString")
        ssm.put_parameter(Name="/hygiene/staging/CLIENT_ID", Value=SSM_APP_ID, Type="String")
        live.add_application(SSM_APP_ID, SSM_BOT_TOKEN)
        live.add_guild(SSM_APP_ID, GUILD_ID)
        yield Harness(tmp_path, live, gh, slack, sentry, moto, s3)


def test_no_secret_reaches_anything_any_action_produces(harness: Harness) -> None:
    h = harness
    main = h.workspace("main")

    # detect: the PR plan comment (success) and a validation failure.
    h.gh.add_pull_request(7)
    first = h.run(
        "detect on a pull request",
        main,
        {"action": "detect"},
        expect=0,
        event=pr_event(7),
        event_name="pull_request",
    )
    assert h.gh.comments_on(7), "the plan comment was posted"
    assert f"::add-mask::{BOT_TOKEN}" in first.stdout  # control: the secrets were there to be leaked
    broken = h.workspace("broken")
    (broken / "commands" / "bad.json").write_text('{"name": "Bad Name", "description": "x"}', encoding="utf-8")
    h.run("detect with an invalid command", broken, {"action": "detect"}, expect=1)

    # stage, promote, rollback: success (S3 backups, GitHub deployments) and failures.
    staged = h.run("stage", main, {"action": "stage"}, expect=0)
    assert f"::add-mask::{STAGING_BOT_TOKEN}" in staged.stdout  # control: the staging token was there too
    assert any(r.caller == STAGING_APP_ID for r in h.live.requests), "stage wrote with the staging bot"
    h.run("promote", main, {"action": "promote"}, expect=0)
    h.run(
        "promote bypassing the breaker (Slack, review issue, bypass record)",
        main,
        {"action": "promote", "bypass-breaker": "true", "bypass-reason": "staging is down; hotfix"},
        expect=0,
    )
    fresh = h.workspace("fresh")
    h.run(
        "promote refused by the circuit breaker",
        fresh,
        {"action": "promote", "ledger-file": "other.log", "deployment-environment-staging": "elsewhere"},
        expect=1,
    )
    games = main / "commands" / "fun" / "games.json"
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
    h.live.faults.add(Fault.server_error(503), method="PATCH", times=10)  # one change: a PATCH
    h.run("stage with Discord failing", main, {"action": "stage"}, expect=1)
    h.live.faults.clear()
    h.run("stage again", main, {"action": "stage"}, expect=0)
    h.run("rollback", main, {"action": "rollback", "environment": "staging"}, expect=0)
    h.run(
        "rollback of a path",
        main,
        {"action": "rollback", "environment": "staging", "backup-file": "../deployment.log"},
        expect=1,
    )

    # health: unhealthy (Slack, Sentry, GitHub issue), then recovered (resolutions).
    games.write_text(games.read_text(encoding="utf-8").replace("Flip a shiny coin", "Flip a coin"), "utf-8")
    live = h.live.commands(APP_ID)
    h.live.set_commands(APP_ID, None, live[1:])
    h.run("health, a command missing", main, {"action": "health"}, expect=1)
    assert h.slack.messages and h.sentry.events, "the alerts were sent"
    h.live.set_commands(APP_ID, None, live)
    h.run("health recovered", main, {"action": "health"}, expect=0)
    # dashboard: every record above (ledger, GitHub Deployments, metrics, alerts, S3 backups) in one page.
    h.run("dashboard", main, {"action": "dashboard"}, expect=0)

    # The bot token rejected by Discord, and bad input.
    other = h.workspace("other")
    h.live.add_application("1180000000000000999", "a-different-token-entirely")
    h.run(
        "a rejected bot token",
        other,
        {"action": "stage", "application-id": "1180000000000000999", "bot-token": BOT_TOKEN + "x", **ONE_BOT},
        expect=1,
    )
    h.run("bad input", other, {"action": "stage", "application-id": "not-a-number"}, expect=2)
    before_deploy = len(h.live.requests)
    h.run(
        "deploy",
        h.workspace("deploy"),
        {
            "action": "deploy",
            "ledger-file": "deploy.log",
            "deployment-environment-staging": "hygiene-staging",
            "deployment-environment-production": "hygiene-production",
        },
        expect=0,
    )
    deployed_by = {r.caller for r in h.live.requests[before_deploy:]}
    assert {STAGING_APP_ID, APP_ID} <= deployed_by, "deploy staged with the staging bot, promoted with production's"

    # Client secrets instead of bot tokens: stage and promote (S3 backups, records), and a refused exchange.
    secrets_ws = h.workspace("client-secrets")
    h.run("stage with client secrets", secrets_ws, {"action": "stage", **WITH_CLIENT_SECRETS}, expect=0)
    promoted = h.run("promote with client secrets", secrets_ws, {"action": "promote", **WITH_CLIENT_SECRETS}, expect=0)
    bearers = h.live.bearer_tokens
    assert sorted(bearers.values()) == sorted([STAGING_APP_ID, APP_ID, STAGING_APP_ID]), "one exchange per app and run"
    assert all(f"::add-mask::{t}" in promoted.stdout for t in list(bearers)[1:]), "control: the tokens were there"
    refused = {**WITH_CLIENT_SECRETS, "client-secret": CLIENT_SECRET + "x"}
    h.run("promote with a refused client secret", secrets_ws, {"action": "promote", **refused}, expect=1)

    # Credentials that exist only in Parameter Store: stage (backup to S3, write, verify, records) and a
    # failure after reading them (Discord refusing the write), both with nothing but AWS configured.
    ssm_ws = h.workspace("parameter-store")
    from_store = {"bot-token": "", "application-id": "", "ssm-prefix": "/hygiene/{environment}", **ONE_BOT}
    h.run("stage with credentials from Parameter Store", ssm_ws, {"action": "stage", **from_store}, expect=0)
    assert any(r.caller == SSM_APP_ID for r in h.live.requests), "the Parameter Store token was used"
    # Refused outright (not retried, unlike the 503s above, whose backoff this run need not wait out again).
    refused = Fault.respond(403, {"message": "Missing Access", "code": 50001})
    h.live.faults.add(refused, method="PATCH", times=10)  # one change: a PATCH
    edit = ssm_ws / "commands" / "fun" / "games.json"
    edit.write_text(edit.read_text(encoding="utf-8").replace("Flip a coin", "Flip a stored coin"), "utf-8")
    h.run("stage from Parameter Store, Discord failing", ssm_ws, {"action": "stage", **from_store}, expect=1)
    h.live.faults.clear()

    places = ", ".join(f"{kind} ({items} searched, {size:,} bytes)" for kind, (items, size) in h.searched.items())
    SUMMARY.append(f"secret hygiene: {len(h.runs)} runs, {len(h.secrets)} sentinel secrets, {len(h.leaks)} leaks")
    SUMMARY.append(f"secret hygiene searched: {places}")
    assert {"S3 object metadata", "HOME files", "GitHub requests (path, query, headers, body)"} <= set(h.searched)
    assert h.leaks == []
