"""Backups by scope, opened: what rollback chooses from and ``backups`` lists; retention per scope.

A scope's backups come from ``store.list(scope)`` (one listing on S3, however many backups other
scopes hold): no "newest 100 files" cap, so a busy staging guild never hides production's last backup.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ..scope import Scope
from .backups import BackupDocument, BackupError, BackupInfo, BackupStore


@dataclass(frozen=True, slots=True)
class Listed:
    info: BackupInfo
    document: BackupDocument | None  # None: unreadable (``problem`` says why)
    problem: str = ""


def opened(store: BackupStore, scope: Scope | None = None) -> Iterator[Listed]:
    """The backups (of ``scope``, or all), newest first, opened one by one as the caller asks for them.
    A damaged backup is listed with its problem, never fatal here (named explicitly, it is an error)."""
    for info in store.list(scope):
        try:
            yield Listed(info, store.load(info.name, info.scope or scope))
        except BackupError as exc:
            yield Listed(info, None, str(exc))


def prune(store: BackupStore, scope: Scope, keep: int) -> list[str]:
    """Remove the scope's backups beyond the newest ``keep``; return the names removed.

    The newest deploy backup (kind ``backup``: the state before the scope's most recent deploy) is never
    removed, even when later rollbacks' pre-rollback backups outnumber ``keep``. Other scopes are untouched.
    Names and kinds are enough: nothing is opened.
    """
    infos = store.list(scope)
    protected = {info.name for info in infos[: max(keep, 1)]}
    protected.update(next(([info.name] for info in infos if info.kind == "backup"), []))
    removed = []
    for info in infos:
        if info.name not in protected:
            store.delete(info, scope)
            removed.append(info.name)
    return removed
