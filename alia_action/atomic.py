"""Files written whole or not at all, shared by every layer (reports, checksums, the local Discord's state)."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)  # POSIX; as mkstemp does


def write_json_atomic(
    path: Path,
    document: Any,
    *,
    indent: int = 2,
    redact: Callable[[str], str] | None = None,
    durable: bool = True,
) -> None:
    """Write, fsync, rename: a reader never sees half a file, a crash never leaves one. ``redact``: the run's
    secrets registry, applied to the text written. ``durable=False``: no fsync, for a file every run rewrites from
    scratch (the report): readers still never see half of it, and it costs no ~5 ms disk flush."""
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    write_text_atomic(path, (redact(text) if redact is not None else text) + "\n", durable=durable)


def write_text_atomic(path: Path, text: str, *, durable: bool = True) -> None:
    """Write, fsync (unless not ``durable``), rename. The rename also replaces whatever sat at ``path`` (a FIFO that a
    plain ``open`` for writing would wait on for ever, a link out of the workspace) instead of writing through it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # mkstemp's way without importing tempfile (with shutil, ~3 ms of every start-up): a fresh name, created here
    # or refused (O_EXCL), never followed if something raced a link into its place.
    tmp = str(path.parent / f".{path.name}.{os.urandom(6).hex()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask: reports and backups are read by later steps' users
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            if durable:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
