"""The deployment record in GitHub Deployments, so the circuit breaker works across workflow runs.

In Actions the workspace is fresh for every run: a ``deployment.log`` written by the staging job is gone
when the production job starts (unless kept as an artifact). Each result (success, no-op, failure) of
stage, promote and rollback therefore also becomes a GitHub deployment of the environment
``deployment-environment-staging`` or ``-production``: ``ref`` the commit, the whole entry as its
``payload``, and the statuses ``in_progress`` then ``success`` or ``failure`` with the run as ``log_url``.
Reading turns the recent deployments back into entries, the latest status deciding the outcome.

The local ``deployment.log`` is still appended (users keep it as an artifact) and read too: the two are
merged. A write claim (``started``) is a deployment left ``in_progress`` until the run's result releases it;
its age is GitHub's ``created_at``, not the claiming runner's clock.

GitHub is the record a fresh runner trusts, so it never silently drops out of a write: a claim GitHub refuses
(a missing ``deployments: write``) or cannot take (5xx, timeout) stops the run before any Discord write, and a
record that cannot be read stops every write with that cause (only ``detect``, which writes nothing, goes on
with ``deployment.log`` alone). Rate limits are waited out by :meth:`GitHubRepo.call`. A result that cannot
be recorded after a write is a warning, or an error when it is the workflow's configuration.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from ..errors import DeployError
from ..notify.github import GitHubError, GitHubRepo
from ..redaction import Redact, excerpt
from ..scope import scope_name
from .jsonlines import parse_record
from .ledger import FileLedger, LedgerEntry

if TYPE_CHECKING:
    from github.Deployment import Deployment

TASK = "deploy:discord-commands"
TOOL = "command-deploy"
DESCRIPTION_LIMIT = 140  # GitHub refuses longer deployment status descriptions
MAX_DEPLOYMENTS = 100  # read per environment at most, newest first
BYPASS_NOTE = "EMERGENCY (circuit breaker bypassed) "
CREATES_WINDOW = timedelta(hours=24)  # Discord's daily create budget: the longest look back but the breaker's
# rollback counts back through the scope's recorded deploys (up to MAX_DEPLOYMENTS of them): months, not a day.
ROLLBACK_WINDOW = timedelta(days=90)


def shorten(text: str, redact: Redact, limit: int = DESCRIPTION_LIMIT) -> str:
    return excerpt(text, limit, redact)


class GitHubDeploymentsLedger:
    """The :class:`~alia_action.stores.ledger.Ledger` of a workflow run: GitHub Deployments plus the local file."""

    def __init__(
        self,
        repo: GitHubRepo,
        local: FileLedger,
        *,
        environments: Mapping[str, str],
        look_back: timedelta,
        redact: Callable[[str], str],
        log: Callable[[str], None],
        now: Callable[[], datetime],
        strict: bool = True,
    ) -> None:
        """``environments``: GitHub environment per ours (staging, production); ``look_back``: the oldest
        deployment any reader needs; ``strict``: a record that cannot be read stops the run (a write must not
        pass its checks on half the record) rather than leaving the local file alone."""
        if repo.run.sha is None:
            raise DeployError("GitHub Deployments need a workflow run with GITHUB_SHA")
        self.repo, self.run, self.local, self.log, self.now = repo, repo.run, local, log, now
        self.sha: str = repo.run.sha
        self.environments = dict(environments)
        self.look_back = look_back
        self.location = f"GitHub Deployments ({', '.join(self.environments.values())}) and {local.location}"
        self._redact = redact
        self._claims: dict[str, Deployment] = {}  # this run's open claims, by run id
        self.strict = strict
        self._warned = False  # about deployments skipped: once per run, the record is read at every step

    def lock(self) -> AbstractContextManager[object]:
        return self.local.lock()

    # ------------------------------------------------------------------ write

    def record(self, entry: LedgerEntry) -> None:
        environment = self.environments.get(entry.environment, entry.environment)
        scope = scope_name(entry.guild_id)
        payload: dict[str, Any] = {"tool": TOOL, "scope": scope, **entry.model_dump(mode="json")}
        payload["message"] = self._redact(payload["message"])
        if entry.bypass_reason:
            payload["bypass_reason"] = self._redact(entry.bypass_reason)
        if entry.outcome == "started":
            self._claim(entry, environment, scope, payload)  # GitHub first: a refused claim leaves nothing open
            try:
                self.local.record(entry)
            except DeployError:
                self._release(entry)
                raise
            return
        self.local.record(entry)
        try:
            deployment = self._open(entry, environment, payload, f"{scope} ({entry.outcome})", "running")
            final = "success" if entry.succeeded else "failure"
            self.repo.create_status(
                deployment, state=final, description=self._status_text(entry), log_url=self.run.run_url
            )
        except GitHubError as exc:
            self._recording_failed(entry, exc)
        self._release(entry)

    def _open(self, entry: LedgerEntry, environment: str, payload: dict[str, Any], what: str, doing: str) -> Deployment:
        """A deployment of ``entry`` with its in_progress status: a result's record, or a write claim."""
        deployment = self.repo.create_deployment(
            ref=self.sha,
            environment=environment,
            task=TASK,
            payload=payload,
            description=shorten(
                f"{BYPASS_NOTE if entry.bypass else ''}Discord commands: {entry.action} to {what}", self._redact
            ),
            production=entry.environment == "production",
        )
        self.repo.create_status(
            deployment, state="in_progress", description=f"{entry.action} {doing}", log_url=self.run.run_url
        )
        return deployment

    def _claim(self, entry: LedgerEntry, environment: str, scope: str, payload: dict[str, Any]) -> None:
        """A write about to start, visible to runners that share no file: a deployment left in_progress."""
        try:
            claim = self._open(entry, environment, payload, f"{scope} (writing)", "writing")
        except GitHubError as exc:
            # Without the shared claim another runner could write over this one: stop before any write.
            raise DeployError(
                f"{entry.action} stopped before writing to Discord: the write claim could not be recorded in "
                f"GitHub Deployments, which other runners read to stay off this scope: {exc}"
            ) from None
        if entry.run:
            self._claims[entry.run] = claim

    def _release(self, entry: LedgerEntry) -> None:
        """The claim's run has its result: mark the claim inactive, so no reader waits for it."""
        claim = self._claims.pop(entry.run or "", None)
        if claim is None:
            return
        try:
            self.repo.create_status(
                claim, state="inactive", description=f"{entry.action} done", log_url=self.run.run_url
            )
        except GitHubError as exc:  # the result itself is recorded; a stale claim expires after CLAIM_TTL
            self.log(f"warning: could not release the write claim: {exc}")

    def _status_text(self, entry: LedgerEntry) -> str:
        if entry.outcome == "failure":
            return shorten(entry.message or f"{entry.action} failed", self._redact)
        if entry.outcome == "noop":
            return f"{entry.action}: already live, nothing written"
        return shorten(f"{entry.action}: {entry.requests} request(s), {entry.creates} create(s)", self._redact)

    def _recording_failed(self, entry: LedgerEntry, exc: GitHubError) -> None:
        what = f"{entry.action} to the {entry.environment} environment"
        if entry.outcome == "failure":
            what += f" failed ({entry.message.rstrip('.')})"
        else:
            what += " succeeded"
        if exc.configuration:
            raise DeployError(
                f"{what} and is recorded in {self.local.location}, but not in GitHub Deployments, which a later "
                f"run's circuit breaker reads: {exc}"
            ) from None
        self.log(f"warning: {what}; recorded in {self.local.location} only: {exc}")

    # ------------------------------------------------------------------ read

    def entries(self) -> list[LedgerEntry]:
        local = self.local.entries()
        try:
            remote = list(self._remote_entries())
        except GitHubError as exc:
            # A write must not pass its checks on half the record (another runner's claim, the staging
            # success): whatever the cause, it stops. detect only reads the record for a drift note.
            if self.strict:
                raise DeployError(
                    f"cannot read the deployment record in GitHub Deployments, so nothing is written to Discord: {exc}"
                ) from None
            self.log(f"warning: GitHub Deployments could not be read, using {self.local.location} only: {exc}")
            return local
        seen = {_key(e) for e in local}
        return local + [e for e in remote if _key(e) not in seen]

    def _remote_entries(self) -> Iterator[LedgerEntry]:
        now = self.now()
        since = now - self.look_back
        skipped: list[str] = []
        for environment in dict.fromkeys(self.environments.values()):
            for count, deployment in enumerate(self.repo.deployments(environment=environment, task=TASK)):
                if count >= MAX_DEPLOYMENTS:
                    break
                entry = _entry(deployment.payload, now)
                if isinstance(entry, str):  # ours, but it cannot be true: anyone with deployments: write can create one
                    skipped.append(f"deployment {deployment.id}: {entry}")
                    continue
                if entry is None:
                    continue  # another tool's deployment
                if entry.time < since:
                    break  # newest first: the rest is older than any reader looks
                state = self.repo.latest_status(deployment)
                if entry.outcome == "started":
                    if state == "in_progress":  # another runner is writing (or died doing so: claim-expiry)
                        # Its age is GitHub's: the claiming runner's clock (the payload's time) may be off.
                        yield entry.model_copy(update={"time": _github_time(deployment.created_at, entry.time)})
                    continue
                if state in ("success", "inactive"):  # inactive: GitHub's mark on a success superseded since
                    yield entry
                else:  # failure, error, or a run that died before its final status: not a success
                    reason = entry.message or f"GitHub deployment {deployment.id} is {state or 'without a status'}"
                    yield entry.model_copy(update={"outcome": "failure", "creates": 0, "message": reason})
        if skipped and not self._warned:
            self._warned = True
            shown = "; ".join(skipped[:3]) + ("; …" if len(skipped) > 3 else "")
            self.log(f"warning: GitHub Deployments: {len(skipped)} unreadable deployment(s) skipped ({shown})")


def _entry(payload: object, now: datetime) -> LedgerEntry | str | None:
    """The entry a deployment of ours records, why it cannot be read (the checks of a ``deployment.log`` line),
    or None for another tool's. A claim's own times are not held against ``now``: its age is GitHub's."""
    if not isinstance(payload, dict) or payload.get("tool") != TOOL:
        return None
    try:
        raw = json.dumps(payload, allow_nan=True).encode()
    except (TypeError, ValueError):
        return "not JSON"
    return parse_record(LedgerEntry, raw, None if payload.get("outcome") == "started" else now)


def _github_time(value: object, fallback: datetime) -> datetime:
    """A timestamp GitHub set (PyGithub gives it as a datetime, UTC), else ``fallback``."""
    if not isinstance(value, datetime):
        return fallback
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _key(entry: LedgerEntry) -> tuple[object, ...]:
    """The same result read from the file and from GitHub (both written from one entry)."""
    return (entry.time, entry.action, entry.application_id, entry.guild_id, entry.run)
