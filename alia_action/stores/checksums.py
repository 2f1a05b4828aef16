"""The checksum file (``.command-checksums.json``): the offline baseline of ``detect``.

It holds the canonical form of every command of the last recorded set, so a plan against it
names added, modified (down to the field) and removed commands without any credentials.
It is written only on request (``--write-checksums``), never as a side effect of detection.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..atomic import write_json_atomic
from ..commands.canonical import canonical_set, checksum
from ..files import UnreadableFile, read_bounded

FORMAT = 1
MAX_BYTES = 16 * 1024 * 1024  # the canonical form of every command: a few hundred kB in practice


class ChecksumFileError(ValueError):
    """The checksum file exists but cannot serve as a baseline."""


def read_baseline(path: Path) -> list[dict[str, Any]] | None:
    """The recorded canonical commands, or None when there is no checksum file yet."""
    try:
        document = json.loads(read_bounded(path, MAX_BYTES, name=path.name).decode("utf-8"))
    except FileNotFoundError:
        return None
    except UnreadableFile as exc:
        raise ChecksumFileError(f"{exc}: delete it or rewrite it with --write-checksums") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ChecksumFileError(
            f"{path.name} is unreadable ({type(exc).__name__}): delete it or rewrite it with --write-checksums"
        ) from None
    valid = (
        isinstance(document, dict)
        and document.get("format") == FORMAT
        and isinstance(document.get("commands"), list)
        and all(isinstance(c, dict) for c in document["commands"])
    )
    if not valid:
        raise ChecksumFileError(
            f"{path.name} is not a checksum file of this tool (format {FORMAT}): rewrite it with --write-checksums"
        )
    commands: list[dict[str, Any]] = document["commands"]
    return commands


def write_baseline(path: Path, commands: Sequence[Mapping[str, Any]]) -> str:
    """Record ``commands`` as the new baseline; return the set's checksum."""
    digest = checksum(commands)
    write_json_atomic(
        path,
        {
            "format": FORMAT,
            "checksum": digest,
            "written_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "commands": canonical_set(commands),
        },
    )
    return digest
