"""Files written whole or not at all, shared by every layer (reports, checksums, the local Discord's state)."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any


def write_json_atomic(
    path: Path, document: Any, *, indent: int = 2, redact: Callable[[str], str] | None = None
) -> None:
    """Write, fsync, rename: a reader never sees half a file, a crash never leaves one. ``redact``: the run's
    secrets registry, applied to the text written."""
    text = json.dumps(document, indent=indent, ensure_ascii=False)
    write_text_atomic(path, (redact(text) if redact is not None else text) + "\n")


def write_text_atomic(path: Path, text: str) -> None:
    """Write, fsync, rename. The rename also replaces whatever sat at ``path`` (a FIFO that a plain ``open`` for
    writing would wait on for ever, a link out of the workspace) instead of writing through it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide reports and backups from later steps' users
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
