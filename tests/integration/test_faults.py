"""Fault injection: every fault at every request position of stage, promote and rollback, and the faults of
the records a deploy trusts (S3 behind a fault proxy in front of moto, GitHub Deployments on the stand-in).

After each run exactly one of two outcomes holds:
- success, and the live set is the intended set;
- a clear failure (DeployError), and the live set is the previous set or the intended set, never a third.
Either way the backup taken before any write restores the previous set, the ledger's last entry tells the
truth (success exactly when the intended set is live), and no secret appears in anything the run produced.
A connection dropped after Discord applied the write must be recognised by the verification as success.

The figures printed at the end of the session (conftest.pytest_terminal_summary) are counted from what was
observed, never from counters the assertions bump: faults from the emulator's own request log (each request a
fault fired on), and a fault scheduled that never fired fails its test (a position the code no longer reaches
proves nothing); states lost from the live set compared with the previous and the intended set after each run;
secrets leaked from the token's bytes searched in everything the run produced. Faults of S3 and GitHub are
counted from the proxy's and the stand-in's own records of the faults that fired, and after each of those runs
no claim of the run is left open, in deployment.log or as an in_progress GitHub Deployment.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.commands.plan import build_plan
from alia_action.config import Settings
from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError
from alia_action.handlers import promote, rollback, stage
from alia_action.outcome import Outcome
from alia_action.runtime import Runtime
from alia_action.stores.backups import LocalBackupStore
from alia_action.stores.ledger import FileLedger
from tests.support.discord_fixtures import APP_ID, FAST, GUILD_ID, TOKEN, setup_emulator
from tests.support.fault_proxy import FaultProxy
from tests.support.fault_tally import OBSERVED, Observation
from tests.support.github_run import GH_TOKEN, Runner
from tests.support.github_standin import GitHubStandIn
from tests.support.oidc_standin import moto_reset, moto_server

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 0.5
CLIENT = {**FAST, "timeout": TIMEOUT, "max_attempts": 4}

FAULTS: dict[str, Callable[[], list[Fault]]] = {
    "429 route": lambda: [Fault.rate_limit(0.05)],
    "429 global": lambda: [Fault.rate_limit(0.05, is_global=True)],
    "500 burst": lambda: [Fault.server_error(500)] * 2,
    "502 burst": lambda: [Fault.server_error(502)] * 2,
    "503 burst": lambda: [Fault.server_error(503)] * 3,
    "503 persistent": lambda: [Fault.server_error(503)] * CLIENT["max_attempts"],
    "timeout": lambda: [Fault.slow(TIMEOUT * 1.6)],
    "dropped before processing": lambda: [Fault.drop()],
    "dropped after applying": lambda: [Fault.drop_after_write()],
}
POSITIONS = ("plan GET", "write", "verify GET")
# stage, promote and rollback apply two changes (one bulk PUT); the stage-one-* runs apply a single change
# with one per-command request.
SINGLE = {"stage-one-patch": "PATCH", "stage-one-delete": "DELETE", "stage-one-post": "POST"}
WRITES = ("PUT", "POST", "PATCH", "DELETE")


def fired_faults(emu: Emulator, start: int) -> tuple[str, ...]:
    return tuple(f"{r.fault} {r.method} {r.path} #{r.seq}" for r in emu.requests[start:] if r.fault)


def token_hits(texts: dict[str, bytes]) -> tuple[str, ...]:
    needle = TOKEN.encode()
    return tuple(where for where, data in texts.items() if needle in data)


class Scenario:
    """One operation prepared to run against a previous state that differs from the intended one."""

    def __init__(self, operation: str, tmp: Path, emu: Emulator) -> None:
        self.operation = operation
        self.emu = emu
        self.workspace = tmp / "ws"
        shutil.copytree(ROOT / "examples" / "commands", self.workspace / "commands")
        self.guild: str | None = None if operation == "promote" else GUILD_ID
        self.single = operation in SINGLE
        action = "stage" if operation in SINGLE else operation
        self.run_settings = self.settings(action=action, environment="staging" if self.guild else "production")
        self.prepare()

    def settings(self, **overrides: Any) -> Settings:
        values = {"bot_token": TOKEN, "application_id": APP_ID, "guild_id": GUILD_ID, "discord_api_url": self.emu.url}
        return Settings.from_cli({**values, **overrides}, {}, None)

    def context(self) -> Runtime:
        return Runtime(workspace=self.workspace, client_options=dict(CLIENT))

    def _do(self, handler: Callable[[Settings, Runtime], Outcome], **overrides: Any) -> None:
        ctx = self.context()
        try:
            handler(self.settings(**overrides), ctx)
        finally:
            ctx.close()

    def _change_commands(self) -> None:
        games = self.workspace / "commands" / "fun" / "games.json"
        games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
        (self.workspace / "commands" / "fun" / "quote.json").unlink()  # one removal, within the guard
        self._do(lambda s, c: Outcome("noop"))

    def _change_one(self) -> None:
        folder = self.workspace / "commands" / "fun"
        if self.operation == "stage-one-patch":
            games = folder / "games.json"
            games.write_text(games.read_text(encoding="utf-8").replace("Flip a coin", "Flip a shiny coin"), "utf-8")
        elif self.operation == "stage-one-delete":
            (folder / "quote.json").unlink()
        else:
            (folder / "hello.json").write_text('{"name": "hello", "description": "Says hello"}', encoding="utf-8")

    def prepare(self) -> None:
        if self.single:  # v1 live in staging; v2 local differs by one command
            self._do(stage.run, action="stage")
            self._change_one()
        elif self.operation == "stage":  # v1 live in staging; v2 local
            self._do(stage.run, action="stage")
            self._change_commands()
        elif self.operation == "promote":  # v1 live globally; v2 staged
            self._do(stage.run, action="stage")
            self._do(promote.run, action="promote")
            self._change_commands()
            self._do(stage.run, action="stage", allow_deletions=True)
        else:  # v2 live in staging; rollback to the backup of v1 taken before v2
            self._do(stage.run, action="stage")
            self._change_commands()
            self._do(stage.run, action="stage")
        self.previous = self.emu.commands(APP_ID, self.guild)
        self.backups_before = {i.name for i in self.store.list()}
        self.start = len(self.emu.requests)
        if self.operation == "rollback":
            newest = self.store.list()[0].name
            self.intended: list[dict[str, Any]] = self.store.load(newest).commands
        else:
            from alia_action.sources import load_commands

            loaded = load_commands("commands", self.workspace).commands
            self.intended = [c.data for c in loaded if (self.guild or not c.development_only)]

    @property
    def store(self) -> LocalBackupStore:
        return LocalBackupStore(self.workspace / "command-backups")

    def position(self, name: str) -> int:
        """1-based emulator sequence number of the faulted request (promote reads staging first)."""
        offset = 1 if self.operation == "promote" else 0
        return self.start + offset + POSITIONS.index(name) + 1

    def run(self) -> tuple[Outcome | None, DeployError | None]:
        handler = {"promote": promote.run, "rollback": rollback.run}.get(self.operation, stage.run)
        settings = self.run_settings
        if self.operation != "rollback":  # v2 removes one command: consent, the guard has its own tests
            action = "stage" if self.single else self.operation
            settings = self.settings(action=action, allow_deletions=True)
        ctx = self.context()
        try:
            return handler(settings, ctx), None
        except DeployError as exc:
            return None, exc
        finally:
            ctx.close()

    def holds(self, commands: list[dict[str, Any]]) -> bool:
        return build_plan(commands, self.emu.commands(APP_ID, self.guild), guild=self.guild is not None).empty


def inject(emu: Emulator, first: int, faults: list[Fault]) -> None:
    """Consecutive faults from position ``first``: a burst hits the retries of the same request."""
    for offset, fault in enumerate(faults):
        emu.faults.at(first + offset, fault)


@pytest.mark.parametrize("position", POSITIONS)
@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("operation", ["stage", "promote", "rollback", *SINGLE])
def test_fault(operation: str, fault: str, position: str, tmp_path: Path) -> None:
    with Emulator() as emu:
        setup_emulator(emu)
        scenario = Scenario(operation, tmp_path, emu)
        faults = FAULTS[fault]()
        inject(emu, scenario.position(position), faults)
        outcome, error = scenario.run()

        # Observe first (the summary line counts these), then judge.
        produced = {"error": str(error or "").encode(), "repr": repr(error).encode()}
        produced["report"] = json.dumps(outcome.report if outcome else None, default=str).encode()
        for path in scenario.workspace.rglob("*"):
            if path.is_file():
                produced[str(path.relative_to(scenario.workspace))] = path.read_bytes()
        observed = Observation(
            label=f"{operation}/{fault}/{position}",
            scheduled=len(faults),
            fired=fired_faults(emu, scenario.start),
            failed=error is not None,
            live_is_intended=scenario.holds(scenario.intended),
            live_is_previous=scenario.holds(scenario.previous),
            secret_hits=token_hits(produced),
        )
        OBSERVED.append(observed)

        # Every fault scheduled fired on a request of this run (the emulator's record says so).
        assert emu.faults.pending == 0 and len(observed.fired) == len(faults), (
            f"{observed.label}: {len(faults)} fault(s) scheduled, fired: {list(observed.fired)}"
        )
        assert observed.live_is_intended or observed.live_is_previous, (
            f"{observed.label}: the live set is neither the previous nor the intended"
        )

        if error is None:
            assert observed.live_is_intended, "reported success but the intended set is not live"
        else:
            message = str(error)
            assert "Traceback" not in message and message
            # Whatever the message claims about the live set must be true.
            if "still hold(s) the previous set" in message or "nothing was written" in message:
                assert observed.live_is_previous, "the message says nothing changed, but the write applied"

        # The ledger's entry for this run tells the truth: success exactly when the intended set was verified.
        last = FileLedger(scenario.workspace / "deployment.log").entries()[-1]
        assert last.action == ("stage" if operation in SINGLE else operation)
        assert last.outcome == ("failure" if error else "success")

        # Any write was preceded by a backup that restores the previous set.
        sent = [r.method for r in emu.requests[scenario.start :] if r.method in WRITES]
        assert set(sent) <= {SINGLE.get(operation, "PUT")}, sent  # one change: that command's request only
        wrote = bool(sent)
        new_backups = [i.name for i in scenario.store.list() if i.name not in scenario.backups_before]
        if wrote:
            assert len(new_backups) == 1, new_backups
            document = scenario.store.load(new_backups[0])
            assert build_plan(document.commands, scenario.previous, guild=scenario.guild is not None).empty

        # A drop after an applied write is recognised by the verification.
        if fault == "dropped after applying" and position == "write":
            assert error is None and observed.live_is_intended

        # Nothing the run produced holds the token.
        assert observed.secret_hits == (), observed.secret_hits


# ---------------------------------------------------------------------------------- the records: S3 and GitHub

# name: (peer, fault, the run writes to Discord)
RECORD_FAULTS: dict[str, tuple[str, dict[str, Any], bool]] = {
    "S3 503 twice on the backup": ("S3", {"kind": "status", "method": "PUT", "times": 2}, True),
    "S3 503 on every attempt": ("S3", {"kind": "status", "method": "PUT", "times": 3}, False),
    "S3 reset on every attempt": ("S3", {"kind": "reset", "method": "PUT", "times": 3}, False),
    "GitHub 502 reading the record": (
        "GitHub",
        {"status": 502, "method": "GET", "path": "/deployments$", "times": 4},  # the read and its 3 retries
        False,
    ),
    "GitHub 403 on the claim": ("GitHub", {"status": 403, "method": "POST", "path": "/deployments$"}, False),
    "GitHub 502 on the claim's status": ("GitHub", {"status": 502, "method": "POST", "path": "/statuses$"}, False),
    "GitHub 502 on the result's status": (
        "GitHub",
        {"status": 502, "method": "POST", "path": "/statuses$", "skip": 2},  # claim's, result's in_progress pass
        True,
    ),
    "GitHub secondary rate limit on the claim": (
        "GitHub limit",
        {"retry_after": 1, "method": "POST", "path": "/deployments$"},
        True,
    ),
}


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


def aws_for_tests(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for variable in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(variable)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "fault-suite")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "fault-suite")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.mark.parametrize("name", list(RECORD_FAULTS))
def test_record_fault(name: str, moto_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """stage to an empty staging guild, backups on S3, records in GitHub Deployments, one record fault."""
    from alia_action.sources import load_commands

    peer, spec, writes = RECORD_FAULTS[name]
    spec = dict(spec)
    moto_reset(moto_url)
    aws_for_tests(monkeypatch, tmp_path)
    s3 = boto3.client("s3", region_name="us-east-1", endpoint_url=moto_url)
    s3.create_bucket(Bucket="fault-suite")
    with Emulator() as emu, GitHubStandIn(token=GH_TOKEN) as gh, FaultProxy(moto_url) as proxy:
        setup_emulator(emu)
        monkeypatch.setenv("AWS_ENDPOINT_URL", proxy.url)
        workspace = tmp_path / "ws"
        shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
        values = {
            "action": "stage",
            "bot_token": TOKEN,
            "application_id": APP_ID,
            "guild_id": GUILD_ID,
            "discord_api_url": emu.url,
            "github_token": GH_TOKEN,
            "backup_store": "s3://fault-suite/backups",
        }
        settings = Settings.from_cli(values, {}, None)
        intended = [c.data for c in load_commands("commands", workspace).commands]
        previous = emu.commands(APP_ID, GUILD_ID)
        scheduled = int(spec.get("times", 1))
        if peer == "S3":
            proxy.add(spec.pop("kind"), **spec)
        elif peer == "GitHub":
            gh.fail(**spec)
        else:
            gh.rate_limit("secondary", **spec)

        step = Runner(gh, tmp_path, {}, "push")(settings, workspace)

        live = emu.commands(APP_ID, GUILD_ID)
        shown = "\n".join(line for line in step.log.splitlines() if not line.startswith("::add-mask::"))
        produced = {"log": shown.encode(), "summary": step.summary.encode()}
        produced |= {str(p.relative_to(workspace)): p.read_bytes() for p in workspace.rglob("*") if p.is_file()}
        observed = Observation(
            label=f"stage/{name}",
            scheduled=scheduled,
            fired=tuple(proxy.fired if peer == "S3" else gh.fired),
            failed=step.code != 0,
            live_is_intended=build_plan(intended, live, guild=True).empty,
            live_is_previous=build_plan(previous, live, guild=True).empty,
            secret_hits=token_hits(produced),
            peer=peer.split()[0],
        )
        OBSERVED.append(observed)

        assert len(observed.fired) == scheduled and proxy.pending == 0 and gh.pending == 0, observed.fired
        wrote = any(r.method == "PUT" for r in emu.requests)
        assert wrote is writes, step.log
        assert (step.code == 0) is writes, step.log
        assert observed.live_is_intended if writes else observed.live_is_previous, step.log
        if not writes:
            assert re.search(r"nothing (was|is) written to Discord|stopped before writing to Discord", step.log)
        else:  # the backup before the write holds the previous set: read back from S3 itself
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="fault-suite").get("Contents", [])]
            assert len(keys) == 1, keys
            backup = json.loads(s3.get_object(Bucket="fault-suite", Key=keys[0])["Body"].read())
            assert build_plan(backup["commands"], previous, guild=True).empty

        # No claim of this run is left open, in the file or in GitHub.
        entries = FileLedger(workspace / "deployment.log").entries()
        assert {e.run for e in entries if e.outcome == "started"} <= {e.run for e in entries if e.outcome != "started"}
        for deployment in gh.deployments.values():
            if deployment["payload"].get("outcome") == "started":
                assert gh.status_history(deployment["id"])[-1:] != ["in_progress"], name
        assert observed.secret_hits == ()
