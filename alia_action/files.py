"""Bounded reads of the files the tool keeps or is given: one regular-file check and one size cap for all.

The ledger, metrics, alerts, the checksum file, backups and command files come back from caches,
artifacts and repositories: any of them may be a FIFO (an ``open()`` that never returns), a link to
``/dev/zero`` (a read that never ends), a 2 GB log or a dangling link. Every read goes through here:

* the file is opened with ``O_NONBLOCK`` and checked with ``fstat`` on the open descriptor (no race
  between check and read), so a FIFO, socket, device or directory is refused without blocking;
* :func:`read_bounded` refuses a file above its cap; :func:`read_tail` reads only the last bytes of a
  log (whole lines), so a huge history costs a bounded read, whatever its size;
* :func:`check_append_target` refuses to append to anything but a regular file (opening a FIFO for
  writing blocks until a reader comes).

A missing file raises ``FileNotFoundError`` as before (callers decide what absence means);
everything else that makes a file unusable raises :class:`UnreadableFile` with a message that names
the file and says what to do.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import DeployError

_FLAGS = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
_CHUNK = 1 << 20


class UnreadableFile(DeployError):
    """A file exists but is not a regular file of a sane size. ``name`` is how the message shows it."""

    def __init__(self, name: str, reason: str, hint: str = "") -> None:
        self.name = name
        self.reason = reason
        super().__init__(f"{name} {reason}" + (f": {hint}" if hint else ""))


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    return "not a regular file"


def _open_regular(path: Path, name: str) -> tuple[int, int]:
    """A descriptor of ``path`` and its size, once ``fstat`` shows a regular file."""
    try:
        fd = os.open(path, _FLAGS)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UnreadableFile(name, "is a symbolic link whose target does not exist") from None
        raise
    except OSError:  # a socket cannot be opened at all (ENXIO): say what it is
        mode = os.stat(path).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(name, f"is {kind_of(mode)}, not a regular file") from None
        raise
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UnreadableFile(name, f"is {kind_of(info.st_mode)}, not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return fd, info.st_size


def _read_upto(fd: int, count: int) -> bytes:
    parts: list[bytes] = []
    left = count
    while left > 0:
        chunk = os.read(fd, min(left, _CHUNK))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)


def read_bounded(path: Path, limit: int, *, name: str | None = None, hint: str = "") -> bytes:
    """All bytes of a regular file of at most ``limit`` bytes. Raises ``FileNotFoundError`` or
    :class:`UnreadableFile` (not a regular file, a dangling link, or larger than ``limit``)."""
    shown = name or str(path)
    fd, size = _open_regular(path, shown)
    try:
        if size > limit:
            raise UnreadableFile(shown, f"is {_size(size)}; the limit is {_size(limit)}", hint)
        data = _read_upto(fd, limit + 1)  # one byte more: a file that grew since fstat is still refused
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UnreadableFile(shown, f"grew past the limit of {_size(limit)} while it was read", hint)
    return data


def read_tail(path: Path, max_bytes: int, *, name: str | None = None) -> tuple[bytes, bool]:
    """The last whole lines of a regular file within ``max_bytes``, and whether older bytes were left
    unread. Raises ``FileNotFoundError`` or :class:`UnreadableFile`."""
    fd, size = _open_regular(path, name or str(path))
    try:
        if size <= max_bytes:
            data = _read_upto(fd, max_bytes + 1)
            if len(data) <= max_bytes:
                return data, False
            size = len(data)  # grew while read: fall through to a tail of what is there now
        start = max(0, size - max_bytes)
        os.lseek(fd, start, os.SEEK_SET)
        data = _read_upto(fd, max_bytes)
    finally:
        os.close(fd)
    cut = data.find(b"\n")  # the first line is most likely cut: drop it
    return (data[cut + 1 :] if cut >= 0 else b""), True


def check_append_target(path: Path, *, name: str | None = None) -> None:
    """Refuse to append to anything but a regular file (or a file that does not exist yet)."""
    shown = name or str(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UnreadableFile(shown, "is a symbolic link whose target does not exist") from None
        return
    if not stat.S_ISREG(info.st_mode):
        raise UnreadableFile(shown, f"is {kind_of(info.st_mode)}, not a regular file", "remove it or point at a file")


def _size(count: int) -> str:
    if count >= 1 << 20:
        return f"{count / (1 << 20):.1f} MiB"
    if count >= 1 << 10:
        return f"{count / (1 << 10):.1f} KiB"
    return f"{count} bytes"
