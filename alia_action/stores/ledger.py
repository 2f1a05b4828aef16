"""The record of deployments: what was deployed where, when, with what outcome.

Locally JSON lines in ``deployment.log`` (the original system's file); in Actions the same interface
is served by GitHub Deployments as well (``stores/github_ledger.py``). The circuit breaker and the daily-create
budget read it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError, computed_field

from ..errors import DeployError
from ..files import UnreadableFile, check_append_target, read_tail

if TYPE_CHECKING:
    from ..config import Settings
    from ..handlers.context import Context

Outcome = Literal["started", "success", "failure", "noop"]
# A "started" entry without a result is another run's write in progress for this long at most
# (a run that died leaves one behind; it must not block the scope for ever).
CLAIM_TTL = timedelta(minutes=15)
# Read from the end: years of deploys fit; a file that grew by other means costs a bounded read.
MAX_READ_BYTES = 8 * 1024 * 1024


class LedgerEntry(BaseModel):
    """One line of ``deployment.log``. ``success`` repeats the outcome as the original's records had it, so
    ``grep '"success":true' deployment.log | wc -l`` counts the deploys that succeeded (no-ops included)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    time: AwareDatetime  # when the entry was written: the end of the run's work for a result
    action: str
    environment: str
    application_id: str
    guild_id: str | None = None  # None: global
    checksum: str  # of the whole local command set (what the circuit breaker compares)
    live_checksum: str | None = None  # of the scope's live set after the deploy (what drift is measured from)
    outcome: Outcome
    requests: int = 0
    creates: int = 0
    backup: str | None = None
    git_sha: str | None = None  # the commit deployed
    commit_time: AwareDatetime | None = None  # when it was committed (merged): merge-to-production starts here
    started_at: AwareDatetime | None = None  # when the run's work on this scope began
    ended_at: AwareDatetime | None = None  # when its result was known (verified), None while "started"
    message: str = ""
    run: str | None = None  # identifies the run, so a result closes its own "started" entry
    bypass: bool = False  # an emergency promote that skipped the circuit breaker
    bypass_reason: str | None = None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def success(self) -> bool:
        return self.succeeded

    @property
    def succeeded(self) -> bool:
        return self.outcome in ("success", "noop")

    def same_scope(self, application_id: str, guild_id: str | None) -> bool:
        return self.application_id == application_id and self.guild_id == guild_id


class Ledger(Protocol):
    location: str

    def record(self, entry: LedgerEntry) -> None: ...
    def entries(self) -> list[LedgerEntry]: ...
    def lock(self) -> AbstractContextManager[object]: ...


class FileLedger:
    """JSON lines, appended and fsynced; read from the end within :data:`MAX_READ_BYTES`. Lines that cannot be
    read (torn, another tool's, a time without a timezone) are skipped, never fatal, and reported once
    through ``warn``."""

    def __init__(self, path: Path, warn: Callable[[str], None] | None = None) -> None:
        self.path = path
        self.location = str(path)
        self._warn = warn
        self._warned = False

    def record(self, entry: LedgerEntry) -> None:
        line = entry.model_dump_json() + "\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_append_target(self.path)  # opening a FIFO to append blocks until a reader comes
            with self.path.open("a", encoding="utf-8") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise DeployError(f"cannot append to the deployment record {self.path}: {exc.strerror or exc}") from None
        except UnreadableFile as exc:
            raise DeployError(f"cannot append to the deployment record: {exc}") from None

    @contextmanager
    def lock(self) -> Iterator[object]:
        """Exclusive while held, across processes on this machine: check-then-claim is one step."""
        import fcntl

        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        check_append_target(lock_path)
        with open(lock_path, "a") as handle:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            try:
                yield handle
            finally:
                fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

    def _lines(self) -> list[bytes]:
        try:
            data, _cut = read_tail(self.path, MAX_READ_BYTES)
        except FileNotFoundError:
            return []
        except UnreadableFile as exc:
            raise DeployError(f"the deployment record {exc}: remove it or point ledger-file at a file") from None
        return [line for line in data.split(b"\n") if line.strip()]

    def entries(self) -> list[LedgerEntry]:
        out = []
        skipped: list[str] = []
        for number, line in enumerate(self._lines(), 1):
            try:
                out.append(LedgerEntry.model_validate(json.loads(line)))
            except ValidationError as exc:
                first = exc.errors(include_input=False, include_url=False)[0]
                where = ".".join(str(part) for part in first["loc"])
                skipped.append(f"{where}: {first['msg']}" if where else str(first["msg"]))
            except ValueError:
                skipped.append("not JSON")
        if skipped and self._warn is not None and not self._warned:
            self._warned = True  # once per run: the file is read at every step
            self._warn(
                f"warning: {self.path.name}: {len(skipped)} unreadable line(s) skipped (first: {skipped[0]}); "
                "the record's other lines are used"
            )
        return out


def open_ledger(settings: Settings, ctx: Context) -> Ledger:
    """``deployment.log`` in the workspace; in a workflow run with a GitHub token, GitHub Deployments as well
    (the workspace, and with it the file, does not outlive the run)."""
    key = f"ledger:{settings.ledger_file}"
    if key not in ctx.cache:  # one per run: the GitHub ledger keeps this run's open write claims
        local = FileLedger(ctx.workspace / settings.ledger_file, warn=ctx.log)
        from .github_ledger import GitHubDeploymentsLedger, applies  # PyGithub only when it is used

        ctx.cache[key] = GitHubDeploymentsLedger(settings, ctx, local) if applies(settings, ctx) else local
    ledger: Ledger = ctx.cache[key]
    return ledger


def latest_success(
    ledger: Ledger, *, action: str, application_id: str, guild_id: str | None, until: datetime | None = None
) -> LedgerEntry | None:
    """The newest success of ``action`` on the scope, ignoring entries dated after ``until`` (a record from
    the future is a wrong clock or a forged line: it must not stand for a recent success)."""
    matches = [
        e
        for e in ledger.entries()
        if e.action == action
        and e.succeeded
        and e.same_scope(application_id, guild_id)
        and (until is None or e.time <= until)
    ]
    return max(matches, key=lambda e: e.time, default=None)


def creates_spent(ledger: Ledger, *, application_id: str, guild_id: str | None, now: datetime) -> int:
    """Creates recorded for a scope in the last 24 hours (Discord's window for the 200-a-day limit)."""
    since = now - timedelta(hours=24)
    return sum(
        e.creates
        for e in ledger.entries()
        if e.outcome == "success" and e.time >= since and e.same_scope(application_id, guild_id)
    )


def concurrent_claim(
    ledger: Ledger, *, application_id: str, guild_id: str | None, run: str, planned_at: datetime, live_checksum: str
) -> str | None:
    """Why this run must not write now, or None: another run's write to the scope is in progress, or one
    finished after this run read the live commands and left another set (the plan is stale)."""
    entries = [e for e in ledger.entries() if e.same_scope(application_id, guild_id) and e.run != run]
    finished = {e.run for e in entries if e.outcome != "started"}
    for entry in entries:
        if entry.outcome == "started" and entry.run not in finished and entry.time > planned_at - CLAIM_TTL:
            return f"another {entry.action} of this scope started at {entry.time:%H:%M:%S} UTC and has not finished"
    for entry in entries:
        if entry.outcome == "success" and entry.time > planned_at and entry.live_checksum != live_checksum:
            return (
                f"another {entry.action} ({entry.time:%H:%M:%S} UTC) changed the live commands after this run read them"
            )
    return None
