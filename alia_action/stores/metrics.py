"""``metrics.log``: one JSON line per health check, read back at every check so trends span runs.

File format (version 1): UTF-8, one JSON object per line, oldest first, newest last::

    {"v": 1, "time": "2025-01-15T10:30:00.123000Z", "environment": "production", "scope": "global",
     "application_id": "1180000000000000101", "outcome": "healthy", "response_time_ms": 123.4,
     "attempts": 1, "expected": 50, "live": 50, "deviation": 0.0,
     "missing": [], "extra": [], "drifted": [], "error": null}

``time``
    when the check ran (UTC, ISO 8601).
``environment`` / ``scope`` / ``application_id``
    what was checked: ``staging`` or ``production``; ``global`` or the guild ID; the application.
    Trends only ever compare lines with the same three values.
``outcome``
    ``healthy``, ``degraded`` or ``unhealthy``.
``response_time_ms``
    the successful attempt of the GET, in milliseconds with one decimal (retry and rate-limit waits
    excluded); ``null`` when the GET failed.
``attempts``
    HTTP attempts the GET took (1 when nothing was retried).
``expected`` / ``live`` / ``deviation``
    command counts of the command files and of Discord (``live`` is ``null`` when the GET failed),
    and ``|live - expected| / expected``.
``missing`` / ``extra`` / ``drifted``
    command names: expected but not live, live but not expected, live with another definition.
``error``
    ``null``, or why the GET failed (secrets removed).

Readers ignore unknown keys and skip lines that do not parse or cannot be true (a number that is not finite, a
time without a timezone or ahead of the clock), with one warning naming the lines; other versions can share
the file.
The file is bounded: it never holds more than ``max_lines`` lines (10,000 by default: 35 days of
5-minute checks) nor ``max_bytes`` bytes (8 MiB). When an append would pass either, the oldest tenth is
dropped in one rewrite (temporary file, fsync, rename), so a reader always sees a whole file and the rewrite
happens once per thousand checks, not at every one. Reads take only the last ``max_bytes`` bytes (whole lines), so a
file that grew elsewhere (a cache, an artifact) costs a bounded read and is cut back at the next
append; a FIFO, device or dangling link in its place is an error, never a hang. The file is a
:class:`~alia_action.stores.jsonlines.JsonLines`, the store (and the lock) the deployment record uses too.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict

from .jsonlines import JsonLines, Records

# 35 days of 5-minute checks, so the dashboard's 30-day availability and response-time figures rest on the
# whole window (alerts.log and other bounded logs keep the store's smaller default).
METRICS_LINES = 10_000
METRICS_BYTES = 8 * 1024 * 1024

HealthOutcome = Literal["healthy", "degraded", "unhealthy"]
FORMAT = 1


class MetricRecord(BaseModel):
    """One health check, as one line of ``metrics.log`` (see the module docstring for the fields)."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = FORMAT
    time: datetime
    environment: str
    scope: str  # "global" or the guild ID
    application_id: str
    outcome: HealthOutcome
    response_time_ms: float | None = None
    attempts: int = 0
    expected: int = 0
    live: int | None = None
    deviation: float | None = None
    missing: list[str] = []
    extra: list[str] = []
    drifted: list[str] = []
    error: str | None = None

    @property
    def failed(self) -> bool:
        """The GET failed: no reading of the live commands."""
        return self.error is not None

    def same_series(self, environment: str, scope: str, application_id: str) -> bool:
        return (self.environment, self.scope, self.application_id) == (environment, scope, application_id)


class MetricsLog:
    """``metrics.log``: :meth:`append` a check, :meth:`recent` to read a series back."""

    def __init__(self, path: Path, max_lines: int = METRICS_LINES, max_bytes: int = METRICS_BYTES) -> None:
        self.file = JsonLines(path, max_lines, max_bytes)
        self.reader = Records(self.file, MetricRecord)  # its warning() names the lines the last read skipped

    @property
    def path(self) -> Path:
        return self.file.path

    def append(self, record: MetricRecord) -> None:
        self.file.append(record.model_dump(mode="json"))

    def recent(
        self, *, environment: str, scope: str, application_id: str, limit: int, now: datetime | None = None
    ) -> list[MetricRecord]:
        """The newest ``limit`` checks of one series, oldest first (none dated after ``now``, give or take the
        clock skew)."""
        return self.reader.read(
            now=now, accept=lambda r: r.same_series(environment, scope, application_id), limit=limit
        )

    def records(self, now: datetime | None = None) -> list[MetricRecord]:
        """Every readable record, oldest first."""
        return self.reader.read(now=now)
