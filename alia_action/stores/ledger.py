"""The record of deployments: what was deployed where, when, with what outcome.

Locally JSON lines in ``deployment.log`` (the original system's file); in Actions the same interface
is served by GitHub Deployments as well (``stores/github_ledger.py``; the run's composition root picks one).
The circuit breaker and the daily-create budget read it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, computed_field, field_validator

from ..commitinfo import commit_sha
from ..durations import stamp
from ..errors import DeployError
from ..files import UnreadableFile, check_append_target
from .jsonlines import GrowingRecords, JsonLines

Outcome = Literal["started", "success", "failure", "noop"]
# A "started" entry without a result is another run's write in progress for this long at most (a run that
# died leaves one behind; it must not block the scope for ever). The claim-expiry input changes it.
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
    git_sha: str | None = None  # the commit deployed: a commit id, or the line is not read (see _commit_id)
    commit_time: AwareDatetime | None = None  # when it was committed (merged): merge-to-production starts here
    started_at: AwareDatetime | None = None  # when the run's work on this scope began
    ended_at: AwareDatetime | None = None  # when its result was known (verified), None while "started"
    message: str = ""
    run: str | None = None  # identifies the run, so a result closes its own "started" entry
    bypass: bool = False  # an emergency promote that skipped the circuit breaker
    bypass_reason: str | None = None
    run_url: str | None = None  # the workflow run that wrote the entry, when known (who holds a claim)
    took_over: str | None = None  # the run whose unfinished claim this run overrode (that claim is closed)
    restored: str | None = None  # rollback: the backup it restored (``backup`` is the pre-rollback one it took)
    # rollback: the deploys it undoes, each named by its ``backup`` (the state before it). None on a rollback
    # recorded by an earlier version; () on a restore that undoes no recorded deploy.
    undid: tuple[str, ...] | None = None

    @field_validator("git_sha")
    @classmethod
    def _commit_id(cls, value: str | None) -> str | None:
        # It reaches Markdown, Mermaid and GitHub: a newline and a fence in it would break all three.
        if value is not None and commit_sha(value) != value:
            raise ValueError("not a commit id (7 to 64 hexadecimal digits)")
        return value

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
    """JSON lines, appended and fsynced; read from the end within :data:`MAX_READ_BYTES`, once per run (then
    only what other runs append: :class:`~.jsonlines.GrowingRecords`). Lines that cannot be
    read or be true (torn, another tool's, a time without a timezone or ahead of ``now``, a ``git_sha`` that is
    not hex) are skipped, never fatal, and reported once through ``warn`` with their line numbers: a claim dated
    in the future would otherwise block the scope until that date."""

    def __init__(
        self,
        path: Path,
        warn: Callable[[str], None] | None = None,
        redact: Callable[[str], str] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.path = path
        self.location = str(path)
        self.redact = redact  # the run's secrets registry: a failure message may quote what Discord said
        self._warn = warn
        self._now = now
        self._warned = False
        self._claims: dict[str, tuple[int, int]] = {}  # this run's claim lines: (start, end) offsets
        # The one JSON-lines store: its lock and its bounded read; never rotated (every deploy is kept).
        self._file = JsonLines(
            path, max_bytes=MAX_READ_BYTES, rotate=False, remedy="remove it or point ledger-file at a file"
        )
        self._reader = GrowingRecords(self._file, LedgerEntry)  # read once per run, kept current by appends

    def record(self, entry: LedgerEntry) -> None:
        with self.lock():  # the lock every JSON-lines writer takes (re-entrant inside check-then-claim)
            self._record(entry)

    def _record(self, entry: LedgerEntry) -> None:
        text = entry.model_dump_json()
        line = ((self.redact(text) if self.redact else text) + "\n").encode()
        start = 0
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_append_target(self.path)  # opening a FIFO to append blocks until a reader comes
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                before = os.fstat(fd)
                start = before.st_size
                try:
                    written = 0
                    while written < len(line):
                        written += os.write(fd, line[written:])
                    os.fsync(fd)
                except OSError:
                    os.ftruncate(fd, start)  # no half line left behind (a full disk takes part of it)
                    self._reader.forget()
                    raise
                self._reader.appended(line, before, os.fstat(fd))  # the run's own line: no read to see it
            finally:
                os.close(fd)
        except OSError as exc:
            if entry.outcome != "started" and self._withdraw(entry.run):
                raise DeployError(
                    f"cannot append to the deployment record {self.path}: {exc.strerror or exc} (this run's "
                    "claim was taken back out of it, so it blocks no other run)"
                ) from None
            raise DeployError(f"cannot append to the deployment record {self.path}: {exc.strerror or exc}") from None
        except UnreadableFile as exc:
            raise DeployError(f"cannot append to the deployment record: {exc}") from None
        if entry.outcome == "started" and entry.run:
            self._claims[entry.run] = (start, start + len(line))

    def _withdraw(self, run: str | None) -> bool:
        """Remove this run's claim line when its result cannot be appended (a full disk): the line is cut off
        only while it is still the file's last, so no other run's line is touched."""
        where = self._claims.pop(run or "", None)
        if where is None:
            return False
        try:
            with self.path.open("r+b") as handle:
                if os.fstat(handle.fileno()).st_size != where[1]:
                    return False
                handle.truncate(where[0])
                os.fsync(handle.fileno())
                self._reader.forget()
        except OSError:
            return False
        return True

    def lock(self) -> AbstractContextManager[None]:
        """Exclusive while held, across processes on this machine: check-then-claim is one step (the lock of
        every JSON-lines record, re-entrant for this run)."""
        return self._file.lock()

    def entries(self) -> list[LedgerEntry]:
        out = self._reader.read(now=self._now() if self._now is not None else None)
        skipped = self._reader.warning()
        if skipped is not None and self._warn is not None and not self._warned:
            self._warned = True  # once per run: the file is read at every step
            self._warn(f"warning: {skipped}")
        return out


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


@dataclass(frozen=True, slots=True)
class Conflict:
    """Why this run must not write now. ``claim``: the unfinished claim of another run (None: a write that
    finished after this run read the live commands); ``expires``: when that claim stops counting."""

    reason: str
    claim: LedgerEntry | None = None
    expires: datetime | None = None

    def holder(self) -> str:
        """Which run holds the claim, as a person can find it."""
        if self.claim is None:
            return ""
        where = f" ({self.claim.run_url})" if self.claim.run_url else f" (run id {self.claim.run})"
        return f"{self.claim.action}{where}"


def open_claims(entries: list[LedgerEntry]) -> set[str]:
    """Runs whose result is recorded, or whose claim another run took over: their claims are closed."""
    return {e.run for e in entries if e.outcome != "started" and e.run} | {e.took_over for e in entries if e.took_over}


def concurrent_claim(
    ledger: Ledger,
    *,
    application_id: str,
    guild_id: str | None,
    run: str,
    planned_at: datetime,
    live_checksum: str,
    expiry: timedelta = CLAIM_TTL,
) -> Conflict | None:
    """Why this run must not write now, or None: another run's write to the scope is in progress (its claim is
    younger than ``expiry``), or one finished after this run read the live commands and left another set (the
    plan is stale). A claim's age is the record's own time: GitHub's ``created_at`` for a claim read from
    GitHub Deployments (github_ledger.py), never the claiming runner's clock."""
    entries = _others(ledger, application_id, guild_id, run)
    unfinished = _unfinished(entries, planned_at, expiry)
    if unfinished is not None:
        return unfinished
    for entry in entries:
        if entry.outcome == "success" and entry.time > planned_at and entry.live_checksum != live_checksum:
            return Conflict(
                f"another {entry.action} ({stamp(entry.time)}) changed the live commands after this run read them"
            )
    return None


def unfinished_claim(
    ledger: Ledger, *, application_id: str, guild_id: str | None, run: str, at: datetime, expiry: timedelta = CLAIM_TTL
) -> Conflict | None:
    """Another run's claim on the scope, neither closed by its own result nor older than ``expiry`` at ``at``:
    what a run with nothing to write closes when told to take over (apply.close_overridden)."""
    return _unfinished(_others(ledger, application_id, guild_id, run), at, expiry)


def _others(ledger: Ledger, application_id: str, guild_id: str | None, run: str) -> list[LedgerEntry]:
    return [e for e in ledger.entries() if e.same_scope(application_id, guild_id) and e.run != run]


def _unfinished(entries: list[LedgerEntry], at: datetime, expiry: timedelta) -> Conflict | None:
    closed = open_claims(entries)
    for entry in entries:
        if entry.outcome == "started" and entry.run not in closed and entry.time > at - expiry:
            return Conflict(
                f"another {entry.action} of this scope started at {stamp(entry.time)} and has not finished",
                entry,
                entry.time + expiry,
            )
    return None


def superseded(
    ledger: Ledger, *, application_id: str, guild_id: str | None, run: str, since: datetime
) -> LedgerEntry | None:
    """Why this run's result may no longer be true, or None: another run took over its claim, or recorded a
    write to the scope after ``since`` (when this run read the live commands)."""
    for entry in ledger.entries():
        if entry.run == run or not entry.same_scope(application_id, guild_id):
            continue
        if entry.took_over == run or (entry.outcome == "success" and entry.time > since):
            return entry
    return None


def describe(entry: LedgerEntry) -> str:
    """A recorded deploy as a person finds it: ``stage of 2026-01-15 10:30:00 UTC (commit 0123456)``."""
    commit = f", commit {entry.git_sha[:7]}" if entry.git_sha else ""
    return f"the {entry.action} of {entry.time:%Y-%m-%d %H:%M:%S} UTC{commit}"


@dataclass(frozen=True, slots=True)
class History:
    """A scope's recorded writes replayed for rollback. ``deploys``: the successful writes rollback counts back
    through, oldest first (the newest ``undone`` of them are undone by ``rollback``, the latest recorded write,
    when it is a rollback)."""

    deploys: tuple[LedgerEntry, ...]
    undone: int = 0
    rollback: LedgerEntry | None = None


def history(entries: list[LedgerEntry], *, application_id: str, guild_id: str | None) -> History:
    """Replay the scope's successful writes in time order. A deploy (stage, promote, or a restore that undid no
    recorded deploy) is pushed; a rollback marks the deploys it undid. Deploys a rollback undid stay countable
    until the next deploy, so the same rollback run again finds the same target: it is idempotent, and going
    further back is an explicit count."""
    writes = sorted(
        (e for e in entries if e.outcome == "success" and e.backup and e.same_scope(application_id, guild_id)),
        key=lambda e: e.time,
    )
    kept: list[LedgerEntry] = []  # not undone
    undone: list[LedgerEntry] = []  # undone by the latest rollback(s), no deploy since
    latest: LedgerEntry | None = None
    for entry in writes:
        if entry.action != "rollback" or entry.undid == ():
            kept, undone, latest = [*kept, entry], [], None  # what was undone is superseded for good
            continue
        every = kept + undone
        if entry.undid is None:  # recorded by an earlier version, which undid the newest deploy
            cut = max(len(kept) - 1, 0)
            kept, undone = every[:cut], every[cut:]
        else:
            kept = [e for e in every if e.backup not in entry.undid]
            undone = [e for e in every if e.backup in entry.undid]
        latest = entry
    return History(tuple(kept + undone), len(undone), latest)
