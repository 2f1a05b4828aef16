"""The dashboard's figures, computed from the records the pipeline keeps; pure (no I/O, no clock).

Definitions (the README repeats them, a test recomputes each from the raw lines):

* **deploy success rate** per environment: stage and promote results in the window (success and no-op count
  as succeeded, failure as failed; ``started`` claims are not results).
* **merge-to-production**: for each commit, its commit time to the end (verified success) of the first
  promote that wrote it, when the record reaches back to the commit (an earlier promote ended before it was
  committed: not an old checkout's first deploy); median and 95th percentile (nearest rank) against the 2-minute target.
* **health response time**: per UTC day, median and 95th percentile of the production checks' GET times.
  **error rate**: per day, the share of production checks whose GET failed; **unhealthy**: the share of
  checks that were unhealthy (GET failed, or commands missing, drifted or too many off).
* **availability**: each production check's state holds until the next check; the share of the time from
  the first to the last check in the window that was not unhealthy (degraded still serves commands),
  against 99.9%. An **incident** is a run of unhealthy checks, from the first of them to the next check
  that was not unhealthy (or to the last check while it lasts).
* **backups** per day by kind from the backup store; **rollbacks** from the deployment record.
* **alerts**: every alerts.log line in the window (fired, repeated, resolved).
"""

from __future__ import annotations

import math
import statistics
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from ..notify.alerts import AlertEntry
from ..stores.backups import BackupInfo
from ..stores.ledger import LedgerEntry
from ..stores.metrics import MetricRecord

LEAD_TIME_TARGET = 120.0  # seconds: "< 2 minutes from merge to production"
AVAILABILITY_TARGET = 0.999
DEPLOY_ACTIONS = ("stage", "promote")
ENVIRONMENTS = ("staging", "production")
HEALTH_ENVIRONMENT = "production"


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank: always an observed value (with few samples an interpolation would invent one)."""
    if not values:
        raise ValueError("a percentile needs at least one value")
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass(frozen=True, slots=True)
class Window:
    start: datetime
    end: datetime

    @classmethod
    def ending(cls, end: datetime, seconds: float) -> Window:
        return cls(end - timedelta(seconds=seconds), end)

    def holds(self, moment: datetime) -> bool:
        return self.start <= moment <= self.end

    def days(self) -> list[date]:
        first, last = self.start.date(), self.end.date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


@dataclass(frozen=True, slots=True)
class EnvironmentRate:
    environment: str
    succeeded: int
    failed: int

    @property
    def deploys(self) -> int:
        return self.succeeded + self.failed

    @property
    def rate(self) -> float | None:
        return self.succeeded / self.deploys if self.deploys else None


@dataclass(frozen=True, slots=True)
class LeadTime:
    sha: str
    committed_at: datetime
    live_at: datetime

    @property
    def seconds(self) -> float:
        return (self.live_at - self.committed_at).total_seconds()


@dataclass(frozen=True, slots=True)
class HealthDay:
    day: date
    checks: int
    timed: tuple[float, ...]  # GET times (ms) of the checks that got an answer
    failed: int  # checks whose GET failed
    unhealthy: int

    @property
    def median_ms(self) -> float | None:
        return statistics.median(self.timed) if self.timed else None

    @property
    def p95_ms(self) -> float | None:
        return percentile(self.timed, 0.95) if self.timed else None

    @property
    def error_rate(self) -> float | None:
        return self.failed / self.checks if self.checks else None

    @property
    def unhealthy_rate(self) -> float | None:
        return self.unhealthy / self.checks if self.checks else None


@dataclass(frozen=True, slots=True)
class Incident:
    start: datetime
    end: datetime | None  # None: still unhealthy at the last check
    last_seen: datetime  # the last check of the span (the end of an ongoing incident)
    checks: int
    reasons: tuple[str, ...]  # what the checks found: missing, drifted, error...

    @property
    def seconds(self) -> float:
        return ((self.end or self.last_seen) - self.start).total_seconds()


@dataclass(frozen=True, slots=True)
class Availability:
    observed_seconds: float
    down_seconds: float
    incidents: tuple[Incident, ...]

    @property
    def share(self) -> float | None:
        if self.observed_seconds <= 0:
            return None
        return 1 - self.down_seconds / self.observed_seconds


@dataclass(frozen=True, slots=True)
class Rollback:
    time: datetime
    environment: str
    succeeded: bool
    restored: str | None  # the backup it restored (None in records older than the field)
    backup: str | None  # the pre-rollback backup it took first
    message: str


@dataclass(slots=True)
class Figures:
    window: Window
    rates: list[EnvironmentRate]
    deploys_per_day: dict[date, Counter[str]]  # "<environment>:succeeded|failed" → count
    lead_times: list[LeadTime]
    health_days: list[HealthDay]
    response_threshold_ms: float
    availability: Availability
    backups_per_day: dict[date, Counter[str]]  # kind → count
    rollbacks: list[Rollback]
    alerts: list[AlertEntry]
    sources: dict[str, str] = field(default_factory=dict)  # what was read, for the footer

    @property
    def lead_median(self) -> float | None:
        return statistics.median([t.seconds for t in self.lead_times]) if self.lead_times else None

    @property
    def lead_p95(self) -> float | None:
        return percentile([t.seconds for t in self.lead_times], 0.95) if self.lead_times else None

    @property
    def health_checks(self) -> int:
        return sum(d.checks for d in self.health_days)

    def response_overall(self, share: float) -> float | None:
        timed = [t for d in self.health_days for t in d.timed]
        if not timed:
            return None
        return statistics.median(timed) if share == 0.5 else percentile(timed, share)

    @property
    def days(self) -> int:
        return len(self.window.days())

    @property
    def backups(self) -> int:
        return sum(sum(c.values()) for c in self.backups_per_day.values())


# ------------------------------------------------------------------------------------------ computations


def deploy_rates(
    entries: Iterable[LedgerEntry], window: Window
) -> tuple[list[EnvironmentRate], dict[date, Counter[str]]]:
    results = [e for e in entries if e.action in DEPLOY_ACTIONS and e.outcome != "started" and window.holds(_end(e))]
    per_day: dict[date, Counter[str]] = {day: Counter() for day in window.days()}
    for entry in results:
        per_day.setdefault(_end(entry).date(), Counter())[
            f"{entry.environment}:{'succeeded' if entry.succeeded else 'failed'}"
        ] += 1
    environments = list(ENVIRONMENTS) + sorted({e.environment for e in results} - set(ENVIRONMENTS))
    rates = [
        EnvironmentRate(
            env,
            sum(1 for e in results if e.environment == env and e.succeeded),
            sum(1 for e in results if e.environment == env and not e.succeeded),
        )
        for env in environments
    ]
    return rates, per_day


def lead_times(entries: Iterable[LedgerEntry], window: Window) -> list[LeadTime]:
    """First verified promote (a write, not a no-op) of each commit whose time is known, when the record
    reaches back to the commit: an earlier promote ended before it was committed. A commit older than every
    promote on record (the first deploy of a clone, a try-out of an old checkout) would measure how old the
    checkout is, not the pipeline."""
    first: dict[str, LeadTime] = {}
    promoted: list[datetime] = []  # ends of the production promotes seen so far, in order
    for entry in sorted(entries, key=_end):
        if entry.action != "promote" or entry.outcome == "started":
            continue
        earlier, promoted = list(promoted), [*promoted, _end(entry)]
        if entry.outcome != "success" or not entry.git_sha or not entry.commit_time:
            continue
        # git keeps commit times to the second: a promote that ended within the commit's second counts as before it
        if not any(end.replace(microsecond=0) <= entry.commit_time for end in earlier):
            continue
        if entry.git_sha not in first:
            first[entry.git_sha] = LeadTime(entry.git_sha, entry.commit_time, _end(entry))
    return [t for t in first.values() if window.holds(t.live_at)]


def production_checks(records: Iterable[MetricRecord], window: Window) -> list[MetricRecord]:
    return sorted(
        (r for r in records if r.environment == HEALTH_ENVIRONMENT and window.holds(r.time)), key=lambda r: r.time
    )


def health_days(checks: Sequence[MetricRecord], window: Window) -> list[HealthDay]:
    by_day: dict[date, list[MetricRecord]] = {day: [] for day in window.days()}
    for check in checks:
        by_day.setdefault(check.time.date(), []).append(check)
    return [
        HealthDay(
            day,
            len(day_checks),
            tuple(c.response_time_ms for c in day_checks if c.response_time_ms is not None),
            sum(1 for c in day_checks if c.failed),
            sum(1 for c in day_checks if c.outcome == "unhealthy"),
        )
        for day, day_checks in sorted(by_day.items())
    ]


def availability(checks: Sequence[MetricRecord]) -> Availability:
    if len(checks) < 2:
        return Availability(0.0, 0.0, ())
    incidents: list[Incident] = []
    run: list[MetricRecord] = []
    for index, check in enumerate(checks):
        if check.outcome == "unhealthy":
            run.append(check)
            continue
        if run:
            incidents.append(_incident(run, check.time, checks[index - 1].time))
            run = []
    if run:
        incidents.append(_incident(run, None, checks[-1].time))
    observed = (checks[-1].time - checks[0].time).total_seconds()
    return Availability(observed, sum(i.seconds for i in incidents), tuple(incidents))


def _incident(run: Sequence[MetricRecord], end: datetime | None, last_seen: datetime) -> Incident:
    reasons: list[str] = []
    for check in run:
        found = ["error"] if check.failed else []
        found += ["missing"] * bool(check.missing) + ["drifted"] * bool(check.drifted)
        if not found and check.deviation:
            found.append("count-deviation")
        reasons += [r for r in found if r not in reasons]
    return Incident(run[0].time, end, last_seen, len(run), tuple(reasons))


def backups_per_day(backups: Iterable[BackupInfo], window: Window) -> dict[date, Counter[str]]:
    per_day: dict[date, Counter[str]] = {day: Counter() for day in window.days()}
    for backup in backups:
        if window.holds(backup.taken_at):
            per_day.setdefault(backup.taken_at.date(), Counter())[backup.kind] += 1
    return per_day


def rollbacks(entries: Iterable[LedgerEntry], window: Window) -> list[Rollback]:
    return [
        Rollback(_end(e), e.environment, e.succeeded, e.restored, e.backup, e.message)
        for e in sorted(entries, key=_end)
        if e.action == "rollback" and e.outcome != "started" and window.holds(_end(e))
    ]


def compute(
    *,
    window: Window,
    entries: Sequence[LedgerEntry],
    records: Sequence[MetricRecord],
    alerts: Sequence[AlertEntry],
    backups: Sequence[BackupInfo],
    response_threshold_ms: float,
) -> Figures:
    rates, per_day = deploy_rates(entries, window)
    checks = production_checks(records, window)
    return Figures(
        window=window,
        rates=rates,
        deploys_per_day=per_day,
        lead_times=lead_times(entries, window),
        health_days=health_days(checks, window),
        response_threshold_ms=response_threshold_ms,
        availability=availability(checks),
        backups_per_day=backups_per_day(backups, window),
        rollbacks=rollbacks(entries, window),
        alerts=sorted((a for a in alerts if window.holds(a.time)), key=lambda a: a.time),
    )


def _end(entry: LedgerEntry) -> datetime:
    return entry.ended_at or entry.time
