"""The files a process opens, seen through Python's audit hooks: what a store really read or wrote."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, ClassVar


class FilesOpened:
    """The files below ``root`` that this process opens while recording (every ``open``, ``os.open`` included,
    raises the ``open`` event), each with its open flags: :meth:`reads` are those opened for reading only."""

    hooked: ClassVar[list[FilesOpened]] = []
    installed: ClassVar[bool] = False

    def __init__(self, root: Path) -> None:
        self.root = str(root)
        self.opened: list[tuple[str, int]] = []  # (path, flags)
        if not FilesOpened.installed:  # a hook cannot be removed: one for the session, idle between recordings
            sys.addaudithook(FilesOpened._event)
            FilesOpened.installed = True
        FilesOpened.hooked.append(self)

    @staticmethod
    def _event(event: str, args: tuple[Any, ...]) -> None:
        if event == "open" and FilesOpened.hooked and isinstance(args[0], str | Path):
            for recorder in FilesOpened.hooked:
                if str(args[0]).startswith(recorder.root):
                    recorder.opened.append((str(args[0]), args[2] if isinstance(args[2], int) else 0))

    @property
    def paths(self) -> list[str]:
        return [path for path, _flags in self.opened]

    def reads(self, path: Path) -> int:
        """How often ``path`` was opened for reading only (an append opens it write-only)."""
        return sum(p == str(path) and not flags & (os.O_WRONLY | os.O_RDWR) for p, flags in self.opened)

    def close(self) -> list[str]:
        FilesOpened.hooked.remove(self)
        return self.paths
