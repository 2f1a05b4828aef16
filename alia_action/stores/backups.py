"""Backups of live commands: taken before every write, restorable to the scope they came from.

Names follow the original system: ``commands-backup-<time>.json`` before deploys and
``commands-pre-rollback-<time>.json`` before rollbacks, ``<time>`` like ``2025-01-15T10-30-00-000Z``.
A store is a local folder (written atomically and fsynced) or ``s3://bucket/prefix``. A save never
replaces an existing backup: two taken in the same millisecond (or by two jobs at once) get ``-1``,
``-2``… and are listed newest first in that order too.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DeployError

BackupKind = Literal["backup", "pre-rollback"]
PREFIXES: dict[BackupKind, str] = {"backup": "commands-backup-", "pre-rollback": "commands-pre-rollback-"}
_NAME = re.compile(r"^commands-(?:backup|pre-rollback)-[0-9TZ-]+(?:-[0-9]+)?\.json$")
_SEQUENCE = re.compile(r"Z-([0-9]+)\.json$")
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
        return f"guild {self.guild_id}" if self.guild_id else "global"


@dataclass(frozen=True, slots=True)
class BackupInfo:
    name: str
    taken_at: datetime
    kind: BackupKind


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
    location: str

    def save(self, document: BackupDocument) -> str: ...
    def load(self, name: str) -> BackupDocument: ...
    def list(self) -> list[BackupInfo]: ...


def _sequence(name: str) -> int:
    """0 for ``…Z.json``, n for ``…Z-n.json``: the order of backups taken in the same millisecond."""
    match = _SEQUENCE.search(name)
    return int(match.group(1)) if match else 0


def _infos(names: list[str]) -> list[BackupInfo]:
    infos = []
    for name in names:
        taken_at = _taken_at(name)
        if _NAME.fullmatch(name) and taken_at:
            kind: BackupKind = "pre-rollback" if name.startswith(PREFIXES["pre-rollback"]) else "backup"
            infos.append(BackupInfo(name, taken_at, kind))
    # By name alone "…Z.json" would sort after "…Z-1.json" and "…Z-2.json" after "…Z-10.json".
    return sorted(infos, key=lambda i: (i.taken_at, _sequence(i.name), i.name), reverse=True)


def _candidates(name: str, taken: set[str]) -> Iterator[str]:
    """Names to try in order: ``name``, then ``-1``, ``-2``…, skipping those known to be taken."""
    for counter in range(_MAX_NAME_ATTEMPTS):
        candidate = name if counter == 0 else name.replace(".json", f"-{counter}.json")
        if candidate not in taken:
            yield candidate


class LocalBackupStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    def save(self, document: BackupDocument) -> str:
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            temporary = self._write_temporary(document)
            try:
                name = self._link(temporary, backup_name(document.kind, document.taken_at))
            finally:
                temporary.unlink(missing_ok=True)
            fd = os.open(self.folder, os.O_RDONLY)  # make the new directory entry itself durable
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise BackupError(f"cannot write backup to {self.folder}: {exc.strerror or exc}") from None
        return name

    def _write_temporary(self, document: BackupDocument) -> Path:
        """The whole document, fsynced, under a name no listing shows (a reader never sees half a backup)."""
        fd, path = tempfile.mkstemp(prefix=".backup-", suffix=".tmp", dir=self.folder)
        try:
            os.fchmod(fd, 0o644)  # mkstemp's 0600 would hide backups from later steps running as another user
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(document.model_dump(mode="json"), handle, indent=2, ensure_ascii=False)
                handle.write("\n")
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(path).unlink(missing_ok=True)
            raise
        return Path(path)

    def _link(self, temporary: Path, name: str) -> str:
        """Give the written file the first free name. A hard link fails on an existing name, where a rename
        would silently replace it: a concurrent save in the same millisecond moves on to the next name."""
        for candidate in _candidates(name, set(os.listdir(self.folder))):
            try:
                os.link(temporary, self.folder / candidate)
            except FileExistsError:
                continue
            return candidate
        raise BackupError(f"cannot write backup to {self.folder}: every name like {name} is taken")

    def load(self, name: str) -> BackupDocument:
        path = self.folder / check_name(name)
        if path.is_symlink() or not path.resolve().is_relative_to(self.folder.resolve()):
            raise BackupError(f"backup {name} is a link; only regular files in {self.folder} are restored")
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise BackupError(
                f"no backup named {name} in {self.folder}; list them with `command-deploy backups`"
            ) from None
        except OSError as exc:
            raise BackupError(f"cannot read backup {name}: {exc.strerror or exc}") from None
        return parse_document(name, raw)

    def list(self) -> list[BackupInfo]:
        try:
            return _infos([p.name for p in self.folder.iterdir() if p.is_file() and not p.is_symlink()])
        except FileNotFoundError:
            return []
        except OSError as exc:  # e.g. the store path is a file, or unreadable
            raise BackupError(f"cannot list backups in {self.folder}: {exc.strerror or exc}") from None


# S3's answers to a conditional put whose key exists, or is being written by another request right now.
_TAKEN = frozenset({"PreconditionFailed", "ConditionalRequestConflict"})


class S3BackupStore:
    def __init__(self, url: str, region: str | None = None, client: Any = None) -> None:
        bucket, _, prefix = url.removeprefix("s3://").partition("/")
        if not bucket:
            raise BackupError(f"backup-store {url!r} names no bucket: use s3://bucket/prefix")
        self.bucket, self.prefix = bucket, (prefix.rstrip("/") + "/" if prefix else "")
        self.location = url
        if client is None:
            import boto3  # only stores that use S3 pay for boto3

            client = boto3.client("s3", region_name=region)
        self.client = client

    def _call(self, what: str, fn: Any, passthrough: frozenset[str] = frozenset(), **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            if code in passthrough:
                raise
            raise BackupError(f"cannot {what} in {self.location}: {code}") from None
        except BotoCoreError as exc:
            raise BackupError(f"cannot {what} in {self.location}: {type(exc).__name__}") from None

    def save(self, document: BackupDocument) -> str:
        from botocore.exceptions import ClientError

        name = backup_name(document.kind, document.taken_at)
        body = json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False).encode()
        for candidate in _candidates(name, {i.name for i in self.list()}):
            try:
                # If-None-Match: * makes S3 refuse an existing key, so a concurrent save never replaces a backup.
                self._call(
                    "write backup",
                    self.client.put_object,
                    Bucket=self.bucket,
                    Key=self.prefix + candidate,
                    Body=body,
                    ContentType="application/json",
                    IfNoneMatch="*",
                    passthrough=_TAKEN,
                )
            except ClientError:  # only the "name taken" codes pass through _call
                continue
            return candidate
        raise BackupError(f"cannot write backup in {self.location}: every name like {name} is taken")

    def load(self, name: str) -> BackupDocument:
        from botocore.exceptions import BotoCoreError, ClientError

        key = self.prefix + check_name(name)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=key)
            raw = response["Body"].read()
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            if code in ("NoSuchKey", "404"):
                raise BackupError(f"no backup named {name} in {self.location}") from None
            raise BackupError(f"cannot read backup {name} from {self.location}: {code}") from None
        except BotoCoreError as exc:
            raise BackupError(f"cannot read backup {name} from {self.location}: {type(exc).__name__}") from None
        return parse_document(name, raw)

    def list(self) -> list[BackupInfo]:
        names: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("list backups", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)))
        for page in pages:
            names += [obj["Key"][len(self.prefix) :] for obj in page.get("Contents", [])]
        return _infos([n for n in names if "/" not in n])


def open_store(spec: str, workspace: Path, region: str | None = None, s3_client: Any = None) -> BackupStore:
    """``s3_client``: a boto3 S3 client with the run's credentials (e.g. from role-to-assume)."""
    if spec.startswith("s3://"):
        return S3BackupStore(spec, region, client=s3_client)
    folder = Path(spec)
    return LocalBackupStore(folder if folder.is_absolute() else workspace / folder)


def age(taken_at: datetime, now: datetime) -> str:
    seconds = max(0, int((now - taken_at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
