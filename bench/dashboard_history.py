"""A synthetic but realistic month of records for the dashboard: the files the pipeline itself writes.

30 days of 5-minute production health checks (8,640 lines) with two incidents and a slow afternoon, a
deploy every weekday (stage then promote, a few failures), a rollback, backups and the alerts the incidents
raised. Written with the stores' own models, so every line is what the real writers produce.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alia_action.notify.alerts import AlertEntry
from alia_action.stores.backups import BackupDocument, LocalBackupStore
from alia_action.stores.ledger import LedgerEntry
from alia_action.stores.metrics import MetricRecord

APP = "1180000000000000101"
GUILD = "1180000000000000201"
END = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def write_history(workspace: Path, *, days: int = 30, every: timedelta = timedelta(minutes=5), seed: int = 7) -> int:
    """Write deployment.log, metrics.log, alerts.log and command-backups/ under ``workspace``; return the
    number of health lines."""
    rnd = random.Random(seed)
    start = END - timedelta(days=days)
    workspace.mkdir(parents=True, exist_ok=True)
    incidents = [
        (start + timedelta(days=days * 0.4, hours=3), timedelta(minutes=25), "error"),
        (start + timedelta(days=days * 0.75, hours=15), timedelta(minutes=10), "missing"),
    ]
    slow = (start + timedelta(days=days * 0.55, hours=13), timedelta(hours=2))

    lines: list[str] = []
    alerts: list[AlertEntry] = []
    moment = start
    while moment < END:
        down = next((i for i in incidents if i[0] <= moment < i[0] + i[1]), None)
        base = 4200.0 if slow[0] <= moment < slow[0] + slow[1] else 180.0
        elapsed = None if down and down[2] == "error" else max(20.0, rnd.gauss(base, base * 0.25))
        record = MetricRecord(
            time=moment,
            environment="production",
            scope="global",
            application_id=APP,
            outcome="unhealthy" if down else ("degraded" if elapsed and elapsed > 5000 else "healthy"),
            response_time_ms=None if elapsed is None else round(elapsed, 1),
            attempts=1 if elapsed else 4,
            expected=50,
            live=None if elapsed is None else (49 if down else 50),
            deviation=None if elapsed is None else (0.02 if down else 0.0),
            missing=["ping"] if down and down[2] == "missing" else [],
            error="Discord answered HTTP 503 (upstream unavailable)" if elapsed is None else None,
        )
        lines.append(record.model_dump_json())
        moment += every
    for began, lasted, condition in incidents:
        for event, at, level in (("fire", began, "error"), ("resolve", began + lasted, "info")):
            alerts.append(
                AlertEntry(
                    time=at,
                    key=f"production:{condition}",
                    environment="production",
                    condition=condition,
                    event=event,  # type: ignore[arg-type]
                    level=level,  # type: ignore[arg-type]
                    message=f"production {condition}" + (" resolved" if event == "resolve" else ""),
                    channels={"slack": "sent"},
                )
            )
    (workspace / "metrics.log").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (workspace / "alerts.log").write_text("".join(a.model_dump_json() + "\n" for a in alerts), encoding="utf-8")

    store = LocalBackupStore(workspace / "command-backups")
    ledger: list[str] = []
    day = start.replace(hour=0, minute=0)
    number = 0
    while day < END:
        if day.weekday() < 5:
            number += 1
            merged = day + timedelta(hours=10 + rnd.random() * 6)
            sha = f"{number:07x}" + "0" * 33
            at = merged + timedelta(seconds=rnd.uniform(20, 40))
            for action, environment, guild in (("stage", "staging", GUILD), ("promote", "production", None)):
                began = at
                at = began + timedelta(seconds=rnd.uniform(8, 25))
                failed = (action == "stage" and number % 9 == 0) or (action == "promote" and number % 13 == 0)
                backup = store.save(
                    BackupDocument(
                        application_id=APP, guild_id=guild, environment=environment, taken_at=began, checksum="c"
                    )
                )
                entry = LedgerEntry(
                    time=at,
                    action=action,
                    environment=environment,
                    application_id=APP,
                    guild_id=guild,
                    checksum=f"{number:064x}",
                    outcome="failure" if failed else "success",
                    requests=3,
                    backup=backup,
                    git_sha=sha,
                    commit_time=merged,
                    started_at=began,
                    ended_at=at,
                    message="Discord answered HTTP 503" if failed else "",
                )
                ledger.append(entry.model_dump_json())
                if failed:
                    break
                at += timedelta(seconds=rnd.uniform(5, 30))  # the production job waits for its runner
        day += timedelta(days=1)
    rolled = incidents[1][0] + timedelta(minutes=6)
    backup = store.save(
        BackupDocument(kind="pre-rollback", application_id=APP, environment="production", taken_at=rolled, checksum="c")
    )
    ledger.append(
        LedgerEntry(
            time=rolled + timedelta(seconds=4),
            action="rollback",
            environment="production",
            application_id=APP,
            checksum="c",
            outcome="success",
            requests=3,
            backup=backup,
            started_at=rolled,
            ended_at=rolled + timedelta(seconds=4),
        ).model_dump_json()
    )
    (workspace / "deployment.log").write_text("\n".join(ledger) + "\n", encoding="utf-8")
    return len(lines)
