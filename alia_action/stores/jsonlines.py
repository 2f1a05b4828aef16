"""One store for every JSON-lines record the action keeps: ``deployment.log``, ``metrics.log``, ``alerts.log``.

Append-only; reads take only the last ``max_bytes`` bytes (whole lines), so a file that grew elsewhere (a
cache, an artifact) costs a bounded read, and a FIFO, device or dangling link in its place is an error, never a
hang. A bounded file (``rotate``) never holds more than ``max_lines`` lines nor ``max_bytes`` bytes: when an
append would pass either, the oldest tenth is dropped in one rewrite (temporary file, fsync, rename), so a
reader always sees a whole file. Every writer takes the same lock, ``<file>.lock`` beside the file, so two
processes never lose each other's lines and the ledger can check and claim in one step. Readers skip lines that
do not parse (a torn line, another version's), never fatal.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

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
        try:
            data, _cut = self._read()
        except OSError:
            return []
        lines = [line for line in data.split(b"\n") if line.strip()]
        return lines[-self.max_lines :] if self.rotate else lines

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


def parse_model(model: type[Model]) -> Callable[[bytes], Model | None]:
    """A line parser that skips what does not parse (a torn line, another tool's line)."""

    def parse(raw: bytes) -> Model | None:
        try:
            return model.model_validate_json(raw)
        except (ValidationError, ValueError):
            return None

    return parse
