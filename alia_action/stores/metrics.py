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

Readers ignore unknown keys and skip lines that do not parse, so other versions can share the file.
The file is bounded: it never holds more than ``max_lines`` lines (2,000 by default) nor ``max_bytes``
bytes (4 MiB). When an append would pass either, the oldest tenth is dropped in one rewrite (temporary
file, fsync, rename), so a reader always sees a whole file and the rewrite happens once per couple of
hundred checks, not at every one. Reads take only the last ``max_bytes`` bytes (whole lines), so a
file that grew elsewhere (a cache, an artifact) costs a bounded read and is cut back at the next
append; a FIFO, device or dangling link in its place is a :class:`MetricsError`, never a hang. Writers take an advisory lock on the folder so two monitors cannot lose each other's lines.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import DeployError
from ..files import UnreadableFile, read_tail

try:  # advisory locks are a POSIX feature; elsewhere appends stay unlocked (a single writer is the norm)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

HealthOutcome = Literal["healthy", "degraded", "unhealthy"]
MAX_LINES = 2000
MAX_BYTES = 4 * 1024 * 1024
FORMAT = 1

Model = TypeVar("Model", bound=BaseModel)


class MetricsError(DeployError):
    """A history file cannot be written (the check itself still stands)."""


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


class JsonLines:
    """A bounded, append-only file of JSON lines; shared by ``metrics.log`` and ``alerts.log``."""

    def __init__(self, path: Path, max_lines: int = MAX_LINES, max_bytes: int = MAX_BYTES) -> None:
        if max_lines < 2:
            raise ValueError("max_lines must be at least 2")
        self.path = path
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.bytes_read = 0  # by the last read: bounded by max_bytes whatever the file's size

    def append(self, document: dict[str, Any]) -> None:
        """Add one line, dropping the oldest tenth first when the file is full. Raises :class:`MetricsError`."""
        line = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self._locked():
                data, cut = self._read()
                count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
                if cut or count + 1 > self.max_lines or len(data) + len(line) > self.max_bytes:
                    self._rotate(data, line)
                    return
                with self.path.open("ab") as handle:
                    # A line cut short by a crash must not swallow the next record.
                    handle.write((b"\n" if data and not data.endswith(b"\n") else b"") + line)
        except OSError as exc:
            raise MetricsError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def lines(self) -> list[bytes]:
        """The newest ``max_lines`` lines within ``max_bytes``, oldest first (empty lines dropped). Raises
        :class:`MetricsError` when the file is not a regular file."""
        try:
            data, _cut = self._read()
        except OSError:
            return []
        return [line for line in data.split(b"\n") if line.strip()][-self.max_lines :]

    def newest(
        self, parse: Callable[[bytes], Model | None], accept: Callable[[Model], bool], limit: int
    ) -> list[Model]:
        """The newest ``limit`` parsed lines that ``accept`` takes, oldest first. Parses from the end only
        as far as needed, so a full file costs a read, not 2,000 JSON decodes."""
        found: list[Model] = []
        if limit <= 0:
            return found
        for raw in reversed(self.lines()):
            item = parse(raw)
            if item is not None and accept(item):
                found.append(item)
                if len(found) >= limit:
                    break
        found.reverse()
        return found

    def _read(self) -> tuple[bytes, bool]:
        """The newest whole lines within ``max_bytes``, and whether older ones were left unread."""
        self.bytes_read = 0
        try:
            data, cut = read_tail(self.path, self.max_bytes)
        except FileNotFoundError:
            return b"", False
        except UnreadableFile as exc:
            raise MetricsError(f"{exc}: remove it (the history starts again)") from None
        self.bytes_read = len(data)
        return data, cut

    def _rotate(self, data: bytes, line: bytes) -> None:
        keep = max(0, self.max_lines - max(1, self.max_lines // 10) - 1)
        budget = self.max_bytes - max(1, self.max_bytes // 10) - len(line)
        old = [raw for raw in data.split(b"\n") if raw.strip()]
        kept = old[len(old) - keep :] if keep else []
        while kept and sum(len(raw) + 1 for raw in kept) > budget:  # the byte bound, oldest first
            kept = kept[max(1, len(kept) // 10) :]
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide the history from a later step's user
            with os.fdopen(fd, "wb") as handle:
                handle.write(b"".join(raw + b"\n" for raw in kept) + line)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """An exclusive advisory lock on the folder: it survives the rename that rotation does to the file."""
        if fcntl is None:
            yield
            return
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            with contextlib.suppress(OSError):  # a filesystem without locks: carry on unlocked
                fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock


def parse_model(model: type[Model]) -> Callable[[bytes], Model | None]:
    """A line parser that skips what does not parse (a torn line, another tool's line)."""

    def parse(raw: bytes) -> Model | None:
        try:
            return model.model_validate_json(raw)
        except (ValidationError, ValueError):
            return None

    return parse


class MetricsLog:
    """``metrics.log``: :meth:`append` a check, :meth:`recent` to read a series back."""

    def __init__(self, path: Path, max_lines: int = MAX_LINES) -> None:
        self.file = JsonLines(path, max_lines)
        self._parse = parse_model(MetricRecord)

    @property
    def path(self) -> Path:
        return self.file.path

    def append(self, record: MetricRecord) -> None:
        self.file.append(record.model_dump(mode="json"))

    def recent(self, *, environment: str, scope: str, application_id: str, limit: int) -> list[MetricRecord]:
        """The newest ``limit`` checks of one series, oldest first."""
        return self.file.newest(self._parse, lambda r: r.same_series(environment, scope, application_id), limit)

    def records(self) -> list[MetricRecord]:
        """Every readable record, oldest first."""
        return [r for r in map(self._parse, self.file.lines()) if r is not None]
