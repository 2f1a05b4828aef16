"""One store for every JSON-lines record the action keeps: ``deployment.log``, ``metrics.log``, ``alerts.log``.

Append-only; reads take only the last ``max_bytes`` bytes (whole lines), so a file that grew elsewhere (a
cache, an artifact) costs a bounded read, and a FIFO, device or dangling link in its place is an error, never a
hang. A bounded file (``rotate``) never holds more than ``max_lines`` lines nor ``max_bytes`` bytes: when an
append would pass either, the oldest tenth is dropped in one rewrite (temporary file, fsync, rename), so a
reader always sees a whole file. Every writer takes the same lock, ``<file>.lock`` beside the file, so two
processes never lose each other's lines and the ledger can check and claim in one step. Readers skip lines that
do not parse (a torn line, another version's) or cannot be true (:func:`parse_record`), never fatal, and say so
once per read with the lines' numbers (:class:`Records`).
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from ..durations import CLOCK_SKEW
from ..errors import DeployError
from ..files import UnreadableFile, check_append_target, read_tail

try:  # advisory locks are a POSIX feature; elsewhere appends stay unlocked (a single writer is the norm)
    import fcntl
except ImportError:  # pragma: no cover - not on Linux or macOS
    fcntl = None  # type: ignore[assignment]

MAX_LINES = 2000
MAX_BYTES = 4 * 1024 * 1024
Model = TypeVar("Model", bound=BaseModel)


class JsonLinesError(DeployError):
    """A record file cannot be written or read (a health check still stands; a write stops)."""


class JsonLines:
    """An append-only file of JSON lines, bounded (``metrics.log``, ``alerts.log``) or kept whole
    (``deployment.log``: ``rotate=False``, reads still bounded by ``max_bytes``)."""

    def __init__(
        self,
        path: Path,
        max_lines: int = MAX_LINES,
        max_bytes: int = MAX_BYTES,
        *,
        rotate: bool = True,
        remedy: str = "remove it (the history starts again)",
    ) -> None:
        if max_lines < 2:
            raise ValueError("max_lines must be at least 2")
        self.path = path
        self.max_lines = max_lines
        self.max_bytes = max_bytes
        self.rotate = rotate
        self.remedy = remedy  # what to do about a FIFO, device or dangling link in the file's place
        self.bytes_read = 0  # by the last read: bounded by max_bytes whatever the file's size
        self._holder: int | None = None  # the thread inside lock(), which may enter it again
        self._depth = 0
        self._threads = threading.Lock()

    def append(self, document: dict[str, Any]) -> None:
        """Add one line, dropping the oldest tenth first when the file is full. Raises :class:`JsonLinesError`."""
        line = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n"
        try:
            with self.lock():
                data, cut = self._read()
                count = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
                full = cut or count + 1 > self.max_lines or len(data) + len(line) > self.max_bytes
                if self.rotate and full:
                    self._rotate(data, line)
                    return
                with self.path.open("ab") as handle:
                    # A line cut short by a crash must not swallow the next record.
                    handle.write((b"\n" if data and not data.endswith(b"\n") else b"") + line)
        except OSError as exc:
            raise JsonLinesError(f"cannot write {self.path}: {exc.strerror or exc}") from None

    def lines(self) -> list[bytes]:
        """The newest ``max_lines`` lines within ``max_bytes``, oldest first (empty lines dropped). Raises
        :class:`JsonLinesError` when the file is not a regular file."""
        return [line for _where, line in self.numbered_lines()]

    def numbered_lines(self) -> list[tuple[str, bytes]]:
        """:meth:`lines`, each with where a person finds it: ``line 12``, or ``line 3 from the end`` when the
        read began past the file's start (its earlier lines were not counted)."""
        try:
            data, cut = self._read()
        except OSError:
            return []
        raw = data.split(b"\n")
        if raw and not raw[-1]:
            raw.pop()  # the newline ending the last line
        count = len(raw)
        numbered = [
            (f"line {count - index} from the end" if cut else f"line {index + 1}", line)
            for index, line in enumerate(raw)
            if line.strip()
        ]
        return numbered[-self.max_lines :] if self.rotate else numbered

    def _read(self) -> tuple[bytes, bool]:
        """The newest whole lines within ``max_bytes``, and whether older ones were left unread."""
        self.bytes_read = 0
        try:
            data, cut = read_tail(self.path, self.max_bytes)
        except FileNotFoundError:
            return b"", False
        except UnreadableFile as exc:
            raise JsonLinesError(f"{exc}: {self.remedy}") from None
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
    def lock(self) -> Iterator[None]:
        """Exclusive while held, across processes and threads: ``<file>.lock`` beside the file (it survives
        the rename a rotation does to the file). Re-entrant for the thread holding it, so a caller can hold it
        across a read and an append (the ledger's check-then-claim)."""
        me = threading.get_ident()
        if self._holder == me:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        try:
            check_append_target(lock_path)  # a FIFO in its place would block the open below for ever
        except UnreadableFile as exc:
            raise JsonLinesError(f"cannot lock {self.path}: {exc}") from None
        with self._threads, open(lock_path, "a") as handle:
            if fcntl is not None:
                with contextlib.suppress(OSError):  # a filesystem without locks: carry on unlocked
                    fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
            self._holder = me
            try:
                yield
            finally:
                self._holder = None  # closing the file releases the lock


def parse_record(model: type[Model], raw: bytes, now: datetime | None = None) -> Model | str:
    """One line as a record of ``model``, or why it is skipped: it does not parse, its model refuses a value
    (a ``git_sha`` that is not hex), a number is not finite (NaN, Infinity: JSON has neither, Python writes
    both), a time has no timezone (it cannot be compared with any clock), or a time is later than ``now`` plus
    :data:`~alia_action.durations.CLOCK_SKEW` (not written yet: a wrong clock or a forged line)."""
    try:
        item = model.model_validate_json(raw)
    except ValidationError as exc:
        errors = exc.errors(include_input=False, include_url=False)
        if errors and errors[0]["type"].startswith("json_"):
            return "not JSON"
        first = errors[0] if errors else {"loc": (), "msg": "not a record"}
        where = ".".join(str(part) for part in first["loc"])
        message = str(first["msg"]).removeprefix("Value error, ")
        return f"{where}: {message}" if where else message
    except ValueError:
        return "not JSON"
    latest = now + CLOCK_SKEW if now is not None else None
    for name, value in item.__dict__.items():  # the fields; a time from JSON is only ever a field's own value
        if isinstance(value, datetime):
            problem = _impossible_time(value, name, latest)
            if problem is not None:
                return problem
    if b"NaN" in raw or b"Infinity" in raw:  # the only spellings of a non-finite number in a JSON line
        problem = _not_finite(item.__dict__, "")
        if problem is not None:
            return problem
    return item


def _impossible_time(value: datetime, where: str, latest: datetime | None) -> str | None:
    """Why a record's time cannot be true: no timezone (JSON's times parse with one or none), or later than
    ``latest`` (now plus the clock skew)."""
    if value.tzinfo is None:
        return f"{where}: {value.isoformat()} has no timezone"
    if latest is not None and value > latest:
        now = latest - CLOCK_SKEW
        return f"{where}: {value:%Y-%m-%d %H:%M:%S %Z} is ahead of this machine's clock ({now:%Y-%m-%d %H:%M:%S %Z})"
    return None


def _not_finite(value: object, where: str) -> str | None:
    """The first number in ``value`` that is not finite, as ``field.path: why``."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"{where}: {value} is not a finite number"
    items: list[tuple[object, object]] = []
    if isinstance(value, dict):
        items = list(value.items())
    elif isinstance(value, list | tuple):
        items = list(enumerate(value))
    for key, inner in items:
        problem = _not_finite(inner, f"{where}.{key}" if where else str(key))
        if problem is not None:
            return problem
    return None


class Records(Generic[Model]):
    """A JSON-lines file read as records of one model. Lines that :func:`parse_record` refuses are skipped and
    kept in :attr:`skipped` (``line 12: response_time_ms: nan is not a finite number``), so the reader gives one
    warning naming the file and the lines (:meth:`warning`) instead of failing, or crashing later on a value."""

    SHOWN = 3  # skipped lines named in the warning

    def __init__(self, file: JsonLines, model: type[Model]) -> None:
        self.file = file
        self.model = model
        self.skipped: list[str] = []  # of the last read, oldest first

    def read(
        self, *, now: datetime | None = None, accept: Callable[[Model], bool] | None = None, limit: int | None = None
    ) -> list[Model]:
        """The records ``accept`` takes (all by default), oldest first; with ``limit``, only the newest ``limit``
        (parsed from the end only as far as needed, so a full file costs a read, not 10,000 decodes). Raises
        :class:`JsonLinesError` when the file is not a regular file."""
        found: list[Model] = []
        self.skipped = []
        if limit is not None and limit <= 0:
            return found
        for where, raw in reversed(self.file.numbered_lines()):
            item = parse_record(self.model, raw, now)
            if isinstance(item, str):
                self.skipped.append(f"{where}: {item}")
            elif accept is None or accept(item):
                found.append(item)
                if limit is not None and len(found) >= limit:
                    break
        found.reverse()
        self.skipped.reverse()
        return found

    def warning(self) -> str | None:
        """One line about the last read's skipped lines, or None."""
        return skipped_warning(self.file, self.skipped, self.SHOWN)


def skipped_warning(file: JsonLines, skipped: list[str], shown: int) -> str | None:
    """One line naming a read's skipped lines (the first ``shown`` of them), or None."""
    if not skipped:
        return None
    named = "; ".join(skipped[:shown]) + ("; …" if len(skipped) > shown else "")
    return f"{file.path.name}: {len(skipped)} unreadable line(s) skipped ({named}); the other lines are used"


class GrowingRecords(Generic[Model]):
    """An append-only file's records (``deployment.log``), parsed once per run and kept current: a read whose
    file is as last seen (same inode, size and modification time) parses nothing; a file that grew (another
    run's lines) costs the new bytes only; the run's own appends join the records without a read
    (:meth:`appended`). Anything else (a file replaced, cut, torn at its end, or past ``max_bytes``, where the
    read starts mid-file) is read whole again, as :class:`Records` reads it. Which lines are ahead of the clock
    is decided at every read against its ``now``, as a fresh read would."""

    CHECKED = 4096  # bytes before the known end compared on growth: an append leaves them as they were

    def __init__(self, file: JsonLines, model: type[Model]) -> None:
        self.file = file
        self.model = model
        self.skipped: list[str] = []  # of the last read, oldest first
        self.full_reads = 0  # whole-file reads (the rest cost a stat, or only the bytes appended since)
        self._forget()

    def _forget(self) -> None:
        self._known: tuple[int, int, int, int] | None = None  # (device, inode, size, mtime ns) of the file read
        self._tail = b""  # the last CHECKED bytes read
        self._parsed: list[tuple[str, Model | str]] = []  # every line: where, and the record or why skipped
        self._count = 0  # lines split so far (empty ones included, as numbered_lines counts them)
        self._latest: datetime | None = None  # the latest time in any record (ahead of the clock or not)

    def forget(self) -> None:
        """The file changed behind the cache (a line taken back out): the next read reads it whole."""
        self._forget()

    def read(self, *, now: datetime | None = None) -> list[Model]:
        """The records, oldest first; lines :func:`parse_record` refuses are in :attr:`skipped`. Raises
        :class:`JsonLinesError` when the file is not a regular file."""
        try:
            info = os.stat(self.file.path)
        except OSError:
            info = None
        if info is None or not self._current(info):
            self._read_whole(info)
        latest = now + CLOCK_SKEW if now is not None else None
        found: list[Model] = []
        self.skipped = []
        ahead = latest is not None and self._latest is not None and self._latest > latest
        for where, item in self._parsed:
            if isinstance(item, str):
                self.skipped.append(f"{where}: {item}")
                continue
            problem = _ahead(item, latest) if ahead else None
            if problem is not None:
                self.skipped.append(f"{where}: {problem}")
            else:
                found.append(item)
        return found

    def _current(self, info: os.stat_result) -> bool:
        """Whether the records are those of the file ``info`` describes, reading what was appended since."""
        if self._known is None:
            return False
        device, inode, size, mtime = self._known
        if (info.st_dev, info.st_ino) != (device, inode) or info.st_size < size:
            return False
        if info.st_size == size:
            return info.st_mtime_ns == mtime
        if info.st_size > self.file.max_bytes:
            return False
        try:
            with open(self.file.path, "rb") as handle:
                start = max(0, size - len(self._tail))
                handle.seek(start)
                if handle.read(size - start) != self._tail:
                    return False  # rewritten, not appended to
                added = handle.read(info.st_size - size)
        except OSError:
            return False
        whole = added[: added.rfind(b"\n") + 1]  # a line still being written waits for the next read
        self._add(whole, (device, inode, size + len(whole), info.st_mtime_ns if whole == added else -1))
        return True

    def _read_whole(self, info: os.stat_result | None) -> None:
        self._forget()
        self.full_reads += 1
        data, cut = self.file._read()  # raises JsonLinesError for a FIFO, a device, a dangling link
        self._add(data, None)
        if cut:  # read from the middle: numbered from the end (as numbered_lines does), never kept
            count = self._count
            self._parsed = [(f"line {count - int(w.split()[1]) + 1} from the end", i) for w, i in self._parsed]
            return
        if info is not None and len(data) == info.st_size and (not data or data.endswith(b"\n")):
            self._known = (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)

    def _add(self, data: bytes, known: tuple[int, int, int, int] | None) -> None:
        raw = data.split(b"\n")
        if raw and not raw[-1]:
            raw.pop()  # the newline ending the last line
        added = [
            (f"line {self._count + offset + 1}", parse_record(self.model, line))
            for offset, line in enumerate(raw)
            if line.strip()
        ]
        self._parsed += added
        self._count += len(raw)
        self._latest = max(filter(None, (self._latest, _latest(added))), default=None)
        self._tail = (self._tail + data)[-self.CHECKED :]
        self._known = known

    def appended(self, line: bytes, before: os.stat_result, after: os.stat_result) -> None:
        """This run appended ``line`` (under the file's lock) to the file ``before`` describes, making it the
        one ``after`` describes: the records follow without a read when ``before`` is the file last read."""
        known = (before.st_dev, before.st_ino, before.st_size, before.st_mtime_ns)
        if self._known != known or not line.endswith(b"\n") or after.st_size > self.file.max_bytes:
            self._forget()  # the next read reads what is there
            return
        self._add(line, (after.st_dev, after.st_ino, after.st_size, after.st_mtime_ns))

    def warning(self) -> str | None:
        """One line about the last read's skipped lines, or None."""
        return skipped_warning(self.file, self.skipped, Records.SHOWN)


def _latest(parsed: list[tuple[str, Any]]) -> datetime | None:
    times = [
        value
        for _where, item in parsed
        if not isinstance(item, str)
        for value in item.__dict__.values()
        if isinstance(value, datetime)
    ]
    return max(times, default=None)


def _ahead(item: BaseModel, latest: datetime | None) -> str | None:
    """Why a record parsed without a clock cannot be true at ``latest`` (now plus the clock skew)."""
    for name, value in item.__dict__.items():
        if isinstance(value, datetime):
            problem = _impossible_time(value, name, latest)
            if problem is not None:
                return problem
    return None
