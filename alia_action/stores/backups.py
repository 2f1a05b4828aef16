"""Backups of live commands: taken before every write, restorable to the scope they came from.

Names follow the original system: ``commands-backup-<time>.json`` before deploys and
``commands-pre-rollback-<time>.json`` before rollbacks, ``<time>`` like ``2025-01-15T10-30-00-000Z``.
A store is a local folder (written atomically and fsynced) or ``s3://bucket/prefix``; both keep each
scope's backups apart, under ``<application id>/<guild id or "global">/``. A save never
replaces an existing backup: two taken in the same millisecond (or by two jobs at once) get ``-1``,
``-2``… and are listed newest first in that order too.

On S3 each scope has its own key prefix, ``<prefix>/<application id>/<guild id or "global">/<name>``, so
the newest backup of a scope is one listing of that scope's keys (and one GET to read it), however many
backups other scopes hold. Backups that earlier versions wrote flat under ``<prefix>/`` are still listed,
loaded and, when a scope has none of its own, searched (by opening them newest first). Every S3 failure
names the store, its endpoint, the operation and S3's error; a request that takes long prints progress.
"""

from __future__ import annotations

import builtins
import json
import os
import re
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DeployError
from ..files import UnreadableFile, read_bounded
from ..scope import Scope

BackupKind = Literal["backup", "pre-rollback"]
PREFIXES: dict[BackupKind, str] = {"backup": "commands-backup-", "pre-rollback": "commands-pre-rollback-"}
_NAME = re.compile(r"^commands-(?:backup|pre-rollback)-[0-9TZ-]+(?:-[0-9]+)?\.json$")
_SEQUENCE = re.compile(r"Z-([0-9]+)\.json$")
# A scope's place below the store: <application id>/<guild id or global>/<name> (folder or S3 key).
_SCOPED_KEY = re.compile(r"^([0-9]{1,20})/([0-9]{1,20}|global)/([^/]+)$")
# A scope holds at most 110 commands of at most ~8,000 characters plus localizations: far below this.
MAX_BACKUP_BYTES = 16 * 1024 * 1024
_MAX_NAME_ATTEMPTS = 1000  # distinct names tried before giving up: only a runaway loop gets that far


class BackupError(DeployError):
    """A backup cannot be written, found or trusted."""


class BackupDocument(BaseModel):
    """One backup: the live commands of one scope at one time, and where they came from."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal[1] = 1
    kind: BackupKind = "backup"
    application_id: str
    guild_id: str | None = None  # None: global commands
    environment: str
    taken_at: datetime
    git_sha: str | None = None
    checksum: str
    commands: list[dict[str, Any]] = Field(default_factory=list)

    @property
    def scope(self) -> str:
        return self.origin.name

    @property
    def origin(self) -> Scope:
        """Where it was taken: the scope it restores to."""
        production = self.guild_id is not None and self.environment == "production"  # a per-guild set's guild
        return Scope(self.guild_id, self.application_id, production=production)


@dataclass(frozen=True, slots=True)
class BackupInfo:
    name: str
    taken_at: datetime
    kind: BackupKind
    scope: Scope | None = None  # known from its folder or key; None: a flat backup not opened yet
    legacy: bool = False  # written flat by an earlier version (its scope known only by opening it)


def backup_name(kind: BackupKind, taken_at: datetime) -> str:
    stamp = taken_at.astimezone(UTC).strftime("%Y-%m-%dT%H-%M-%S-") + f"{taken_at.microsecond // 1000:03d}Z"
    return f"{PREFIXES[kind]}{stamp}.json"


def check_name(name: str) -> str:
    """A backup is named, never pathed: ``../``, absolute paths and other files are refused."""
    if not _NAME.fullmatch(name):
        raise BackupError(
            f"backup-file must be the name of a backup in the backup store, like "
            f"commands-backup-2025-01-15T10-30-00-000Z.json (got {json.dumps(name)}); "
            "list them with `command-deploy backups`"
        )
    return name


def _taken_at(name: str) -> datetime | None:
    match = re.search(r"(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})-(\d{3})Z", name)
    if not match:
        return None
    day, hours, minutes, seconds, millis = match.groups()
    return datetime.fromisoformat(f"{day}T{hours}:{minutes}:{seconds}.{millis}+00:00")


def parse_document(name: str, raw: bytes) -> BackupDocument:
    try:
        return BackupDocument.model_validate_json(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "document"
        raise BackupError(f"backup {name} is not a valid backup document ({where}: {first['msg']})") from None


class BackupStore(Protocol):
    """``list(scope)`` holds only that scope's backups, newest first; ``latest(scope)`` is the newest deploy
    backup (not a pre-rollback one) of the scope, however many backups the store holds, or None."""

    location: str

    def save(self, document: BackupDocument) -> str: ...
    def load(self, name: str, scope: Scope | None = None) -> BackupDocument: ...
    def list(self, scope: Scope | None = None) -> list[BackupInfo]: ...
    def latest(self, scope: Scope, kind: BackupKind = "backup") -> BackupInfo | None: ...
    def delete(self, info: BackupInfo, scope: Scope) -> None: ...


def _sequence(name: str) -> int:
    """0 for ``…Z.json``, n for ``…Z-n.json``: the order of backups taken in the same millisecond."""
    match = _SEQUENCE.search(name)
    return int(match.group(1)) if match else 0


def _infos(names: list[str], scopes: dict[str, Scope] | None = None) -> list[BackupInfo]:
    infos = []
    for name in names:
        taken_at = _taken_at(name)
        if _NAME.fullmatch(name) and taken_at:
            kind: BackupKind = "pre-rollback" if name.startswith(PREFIXES["pre-rollback"]) else "backup"
            infos.append(BackupInfo(name, taken_at, kind, (scopes or {}).get(name)))
    return _newest_first(infos)


def _newest_first(infos: list[BackupInfo]) -> list[BackupInfo]:
    # By name alone "…Z.json" would sort after "…Z-1.json" and "…Z-2.json" after "…Z-10.json".
    return sorted(infos, key=lambda i: (i.taken_at, _sequence(i.name), i.name), reverse=True)


def _candidates(name: str, taken: set[str]) -> Iterator[str]:
    """Names to try in order: ``name``, then ``-1``, ``-2``…, skipping those known to be taken."""
    for counter in range(_MAX_NAME_ATTEMPTS):
        candidate = name if counter == 0 else name.replace(".json", f"-{counter}.json")
        if candidate not in taken:
            yield candidate


def _unchanged(text: str) -> str:
    return text


def document_text(document: BackupDocument) -> str:
    """The backup's JSON text, one value a line: what a backup file holds (before redaction), so the lines a
    restore's problems name are the file's."""
    return json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False)


def serialise(document: BackupDocument, redact: Callable[[str], str]) -> str:
    """The backup as written: JSON, passed through the run's secrets registry like every other channel."""
    return redact(document_text(document)) + "\n"


class LocalBackupStore:
    """A folder with a sub-folder per scope, ``<folder>/<application id>/<guild id or "global">/<name>``, like
    S3's key prefixes: a scope's backups are one directory listing, and only its own files are ever opened.
    Backups that earlier versions wrote flat into the folder are still listed, loaded, pruned and, when a
    scope has none of its own, searched (by opening them newest first)."""

    def __init__(self, folder: Path, redact: Callable[[str], str] = _unchanged) -> None:
        self.folder = folder
        self.location = str(folder)
        self.redact = redact

    def save(self, document: BackupDocument) -> str:
        folder = self.folder / document.origin.segment
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temporary = self._write_temporary(document, folder)
            try:
                name = self._link(temporary, folder, backup_name(document.kind, document.taken_at))
            finally:
                temporary.unlink(missing_ok=True)
            # The new entry, and the scope's folders if this save created them, durable before the write.
            for directory in (folder, folder.parent, self.folder):
                fd = os.open(directory, os.O_RDONLY)
                try:
                    os.fsync(fd)
                finally:
                    os.close(fd)
        except OSError as exc:
            raise BackupError(f"cannot write backup to {self.folder}: {exc.strerror or exc}") from None
        return name

    def _write_temporary(self, document: BackupDocument, folder: Path) -> Path:
        """The whole document, fsynced, under a name no listing shows (a reader never sees half a backup)."""
        fd, path = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=folder)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide backups from later steps running as another user
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(serialise(document, self.redact))
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return Path(path)

    def _link(self, temporary: Path, folder: Path, name: str) -> str:
        """Give the written file the first free name. A hard link fails on an existing name, where a rename
        would silently replace it: a concurrent save in the same millisecond moves on to the next name."""
        for candidate in _candidates(name, set(os.listdir(folder))):
            try:
                os.link(temporary, folder / candidate)
            except FileExistsError:
                continue
            return candidate
        raise BackupError(f"cannot write backup to {self.folder}: every name like {name} is taken")

    def _paths(self, name: str, scope: Scope | None) -> Iterator[Path]:
        """Where a backup of that name may be: the scope's folder, flat (earlier versions), any scope's."""
        if scope is not None and scope.application_id is not None:
            yield self.folder / scope.segment / name
        yield self.folder / name
        for other in self._scopes():
            if other != scope:
                yield self.folder / other.segment / name

    def load(self, name: str, scope: Scope | None = None) -> BackupDocument:
        check_name(name)
        path = next((p for p in self._paths(name, scope) if os.path.lexists(p)), None)
        if path is None:
            raise BackupError(f"no backup named {name} in {self.folder}; list them with `command-deploy backups`")
        if path.is_symlink() or not path.resolve().is_relative_to(self.folder.resolve()):
            raise BackupError(f"backup {name} is a link; only regular files in {self.folder} are restored")
        try:
            raw = read_bounded(path, MAX_BACKUP_BYTES, name=f"backup {name}")
        except UnreadableFile as exc:
            raise BackupError(f"cannot restore: {exc}") from None
        except FileNotFoundError:
            raise BackupError(
                f"no backup named {name} in {self.folder}; list them with `command-deploy backups`"
            ) from None
        except OSError as exc:
            raise BackupError(f"cannot read backup {name}: {exc.strerror or exc}") from None
        return parse_document(name, raw)

    def _names(self, folder: Path) -> builtins.list[str]:
        """The regular files in ``folder`` (none when it does not exist): names only, nothing opened."""
        try:
            return [p.name for p in folder.iterdir() if p.is_file() and not p.is_symlink()]
        except FileNotFoundError:
            return []
        except OSError as exc:  # e.g. the store path is a file, or unreadable
            raise BackupError(f"cannot list backups in {self.folder}: {exc.strerror or exc}") from None

    def _scopes(self) -> builtins.list[Scope]:
        """The scopes with a folder of their own (real folders named like a scope; anything else ignored)."""
        scopes = []
        for application in self._subfolders(self.folder):
            for guild in self._subfolders(self.folder / application):
                if _SCOPED_KEY.fullmatch(f"{application}/{guild}/x"):
                    scopes.append(Scope(None if guild == "global" else guild, application))
        return scopes

    def _subfolders(self, folder: Path) -> builtins.list[str]:
        try:
            return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.is_symlink())
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise BackupError(f"cannot list backups in {self.folder}: {exc.strerror or exc}") from None

    def _own(self, scope: Scope) -> builtins.list[BackupInfo]:
        names = self._names(self.folder / scope.segment)
        return _infos(names, dict.fromkeys(names, scope))

    def _flat(self) -> builtins.list[BackupInfo]:
        """Backups written flat into the folder by earlier versions (scope unknown until opened)."""
        return _infos(self._names(self.folder))

    def list(self, scope: Scope | None = None) -> builtins.list[BackupInfo]:
        if scope is not None:
            return self._own(scope) + builtins.list(_of_scope(self, self._flat(), scope))
        infos = self._flat()
        for each in self._scopes():
            infos += self._own(each)
        return _newest_first(infos)

    def delete(self, info: BackupInfo, scope: Scope) -> None:
        """Remove one backup of ``scope`` (retention), from its folder or, written by an earlier version,
        from the flat folder; one gone already is not an error."""
        folder = self.folder if info.legacy else self.folder / scope.segment
        try:
            (folder / check_name(info.name)).unlink(missing_ok=True)
        except OSError as exc:
            raise BackupError(f"cannot remove backup {info.name} from {self.folder}: {exc.strerror or exc}") from None

    def latest(self, scope: Scope, kind: BackupKind = "backup") -> BackupInfo | None:
        own = [i for i in self._own(scope) if i.kind == kind]
        if own:
            return own[0]
        # None of its own: the scope's backups, if any, predate the per-scope layout.
        return next(_of_scope(self, [i for i in self._flat() if i.kind == kind], scope), None)


def _of_scope(store: BackupStore, infos: list[BackupInfo], scope: Scope) -> Iterator[BackupInfo]:
    """The backups among ``infos`` (newest first) that were taken from ``scope``; damaged ones are skipped
    here (named explicitly, they are an error)."""
    for info in infos:
        if info.scope is not None:
            if info.scope == scope:
                yield info
            continue
        try:
            document = store.load(info.name)
        except BackupError:
            continue
        if document.origin == scope:
            yield replace(info, scope=scope, legacy=True)


# S3's answers to a conditional put whose key exists, or is being written by another request right now.
_TAKEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})
_MISSING = frozenset({"NoSuchKey", "404"})
PROGRESS_EVERY = 10.0  # seconds between "still waiting" lines while one S3 operation runs


def s3_config() -> Any:
    """Bounded S3 requests: a store that hangs fails in about a minute (3 tries of 15 s), not in minutes per
    request; throttling (503 SlowDown) is retried with backoff by botocore's standard mode."""
    from botocore.config import Config

    return Config(connect_timeout=5, read_timeout=15, retries={"total_max_attempts": 3, "mode": "standard"})


class S3BackupStore:
    def __init__(
        self,
        url: str,
        region: str | None = None,
        client: Any = None,
        *,
        log: Callable[[str], None] | None = None,
        progress_every: float = PROGRESS_EVERY,
        redact: Callable[[str], str] = _unchanged,
    ) -> None:
        self.redact = redact
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise BackupError(f"backup-store {url!r} names no bucket: use s3://bucket/prefix")
        self.bucket, self.prefix = bucket, (prefix.rstrip("/") + "/" if prefix else "")
        self.location = url
        if client is None:
            import boto3  # only stores that use S3 pay for boto3

            client = boto3.client("s3", region_name=region, config=s3_config())
        self.client = client
        self.log = log or (lambda _line: None)
        self.progress_every = progress_every

    @property
    def where(self) -> str:
        """The store and the endpoint it is reached at (a custom endpoint is the usual suspect)."""
        endpoint = getattr(getattr(self.client, "meta", None), "endpoint_url", None)
        return f"{self.location} (endpoint {endpoint})" if endpoint else self.location

    def _call(self, what: str, fn: Callable[[], Any], passthrough: frozenset[str] = frozenset()) -> Any:
        """``fn`` with S3's failures as one sentence (store, endpoint, operation, error), and a progress line
        every ``progress_every`` seconds while it runs."""
        from botocore.exceptions import BotoCoreError, ClientError

        done = threading.Event()
        started = time.monotonic()

        def progress() -> None:
            while not done.wait(self.progress_every):
                self.log(f"still waiting for {self.where} to {what} ({time.monotonic() - started:.0f}s)…")

        ticker = threading.Thread(target=progress, daemon=True)
        ticker.start()
        try:
            return fn()
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code", "error"))
            if code in passthrough:
                raise
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            detail = f"{code} (HTTP {status})" if status else code
            raise BackupError(f"cannot {what} in {self.where}: {detail}") from None
        except BotoCoreError as exc:
            raise BackupError(f"cannot {what} in {self.where}: {type(exc).__name__}") from None
        finally:
            done.set()

    def save(self, document: BackupDocument) -> str:
        from botocore.exceptions import ClientError

        name = backup_name(document.kind, document.taken_at)
        body = serialise(document, self.redact).encode()
        folder = self.prefix + document.origin.segment
        for candidate in _candidates(name, set()):  # no listing: S3 itself refuses a taken name
            try:
                # If-None-Match: * makes S3 refuse an existing key, so a concurrent save never replaces a backup.
                self._call(
                    "write a backup",
                    lambda key=folder + candidate: self.client.put_object(  # type: ignore[misc]
                        Bucket=self.bucket, Key=key, Body=body, ContentType="application/json", IfNoneMatch="*"
                    ),
                    passthrough=_TAKEN,
                )
            except ClientError:  # only the "name taken" codes pass through _call
                continue
            return candidate
        raise BackupError(f"cannot write a backup in {self.where}: every name like {name} is taken")

    def load(self, name: str, scope: Scope | None = None) -> BackupDocument:
        """By name: in ``scope``'s keys first, then where a listing finds it (flat, or another scope)."""
        check_name(name)
        first = self.prefix + (scope.segment if scope else "") + name
        raw = self._get(name, first)
        if raw is not None:
            return parse_document(name, raw)
        for info in self.list():
            key = self._key(info)
            if info.name == name and key != first:
                raw = self._get(name, key)
                if raw is not None:
                    return parse_document(name, raw)
        raise BackupError(f"no backup named {name} in {self.location}; list them with `command-deploy backups`")

    def delete(self, info: BackupInfo, scope: Scope) -> None:
        """Remove one backup of ``scope`` (retention): from the scope's keys, or from the flat keys of earlier
        versions when it was found there (``legacy``), so what retention reports removed is gone. S3 answers a
        missing key with success too."""
        key = self.prefix + ("" if info.legacy else scope.segment) + check_name(info.name)
        self._call(f"remove backup {info.name}", lambda: self.client.delete_object(Bucket=self.bucket, Key=key))

    def _key(self, info: BackupInfo) -> str:
        return self.prefix + (info.scope.segment if info.scope else "") + info.name

    def _get(self, name: str, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            raw: bytes = self._call(
                f"read backup {name}",
                lambda: self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read(MAX_BACKUP_BYTES + 1),
                passthrough=_MISSING,
            )
        except ClientError:
            return None
        if len(raw) > MAX_BACKUP_BYTES:  # read one byte past the cap: a larger object is refused unread
            raise BackupError(
                f"backup {name} in {self.location} is larger than {MAX_BACKUP_BYTES >> 20} MiB: not a backup"
            )
        return raw

    def _list(self, prefix: str, what: str, *, flat: bool = False) -> list[str]:
        """Every key below ``prefix`` (``flat``: only those not in a sub-folder), relative to the store's
        prefix, all pages."""
        paginator = self.client.get_paginator("list_objects_v2")
        options = {"Delimiter": "/"} if flat else {}
        pages = self._call(what, lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=prefix, **options)))
        return [str(obj["Key"])[len(self.prefix) :] for page in pages for obj in page.get("Contents", [])]

    def list(self, scope: Scope | None = None) -> list[BackupInfo]:
        if scope is not None:
            own = self._list(self.prefix + scope.segment, f"list the backups of {scope.label}")
            named = [key.removeprefix(scope.segment) for key in own]
            return _infos([n for n in named if "/" not in n], dict.fromkeys(named, scope)) + list(
                _of_scope(self, self._flat(), scope)
            )
        flat, scopes = [], {}
        for key in self._list(self.prefix, "list backups"):
            match = _SCOPED_KEY.fullmatch(key)
            if match:
                application, guild, name = match.groups()
                scopes[name] = Scope(None if guild == "global" else guild, application)
                flat.append(name)
            elif "/" not in key:
                flat.append(key)
        return _infos(flat, scopes)

    def _flat(self) -> builtins.list[BackupInfo]:
        """Backups written flat under the prefix by earlier versions (scope unknown until opened)."""
        keys = self._list(self.prefix, "list backups", flat=True)
        return _infos([k for k in keys if "/" not in k])

    def latest(self, scope: Scope, kind: BackupKind = "backup") -> BackupInfo | None:
        own = self._list(self.prefix + scope.segment, f"list the backups of {scope.label}")
        named = [key.removeprefix(scope.segment) for key in own if "/" not in key.removeprefix(scope.segment)]
        infos = [i for i in _infos(named, dict.fromkeys(named, scope)) if i.kind == kind]
        if infos:
            return infos[0]
        # None of its own: the scope's backups, if any, predate the per-scope layout.
        return next(_of_scope(self, [i for i in self._flat() if i.kind == kind], scope), None)


def open_store(
    spec: str,
    workspace: Path,
    region: str | None = None,
    s3_client: Any = None,
    log: Callable[[str], None] | None = None,
    redact: Callable[[str], str] = _unchanged,
) -> BackupStore:
    """``s3_client``: a boto3 S3 client with the run's credentials (e.g. from role-to-assume); ``log``: where
    a slow store's progress lines go; ``redact``: the run's secrets registry."""
    if spec.startswith("s3://"):
        return S3BackupStore(spec, region, client=s3_client, log=log, redact=redact)
    folder = Path(spec)
    return LocalBackupStore(folder if folder.is_absolute() else workspace / folder, redact)


def age(taken_at: datetime, now: datetime) -> str:
    seconds = max(0, int((now - taken_at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
