"""Backups of live commands: taken before every write, restorable to the scope they came from.

Names follow the original system: ``commands-backup-<time>.json`` before deploys and
``commands-pre-rollback-<time>.json`` before rollbacks, ``<time>`` like ``2025-01-15T10-30-00-000Z``.
A store is a local folder (written atomically and fsynced) or ``s3://bucket/prefix``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..errors import DeployError
from ..report import write_json_atomic

BackupKind = Literal["backup", "pre-rollback"]
PREFIXES: dict[BackupKind, str] = {"backup": "commands-backup-", "pre-rollback": "commands-pre-rollback-"}
_NAME = re.compile(r"^commands-(?:backup|pre-rollback)-[0-9TZ-]+(?:-[0-9]+)?\.json$")


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


def _infos(names: list[str]) -> list[BackupInfo]:
    infos = []
    for name in names:
        taken_at = _taken_at(name)
        if _NAME.fullmatch(name) and taken_at:
            kind: BackupKind = "pre-rollback" if name.startswith(PREFIXES["pre-rollback"]) else "backup"
            infos.append(BackupInfo(name, taken_at, kind))
    return sorted(infos, key=lambda i: (i.taken_at, i.name), reverse=True)


def _unique(name: str, taken: set[str]) -> str:
    """Two backups in the same millisecond get -1, -2… rather than overwriting each other."""
    candidate, counter = name, 0
    while candidate in taken:
        counter += 1
        candidate = name.replace(".json", f"-{counter}.json")
    return candidate


class LocalBackupStore:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    def save(self, document: BackupDocument) -> str:
        name = backup_name(document.kind, document.taken_at)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            existing = set(os.listdir(self.folder))
            name = _unique(name, existing)
            write_json_atomic(self.folder / name, document.model_dump(mode="json"))
            fd = os.open(self.folder, os.O_RDONLY)  # make the rename itself durable
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise BackupError(f"cannot write backup to {self.folder}: {exc.strerror or exc}") from None
        return name

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

    def _call(self, what: str, fn: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "error")
            raise BackupError(f"cannot {what} in {self.location}: {code}") from None
        except BotoCoreError as exc:
            raise BackupError(f"cannot {what} in {self.location}: {type(exc).__name__}") from None

    def save(self, document: BackupDocument) -> str:
        taken = {i.name for i in self.list()}
        name = _unique(backup_name(document.kind, document.taken_at), taken)
        body = json.dumps(document.model_dump(mode="json"), indent=2, ensure_ascii=False).encode()
        self._call(
            "write backup",
            self.client.put_object,
            Bucket=self.bucket,
            Key=self.prefix + name,
            Body=body,
            ContentType="application/json",
        )
        return name

    def load(self, name: str) -> BackupDocument:
        key = self.prefix + check_name(name)
        try:
            from botocore.exceptions import ClientError

            response = self.client.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise BackupError(f"no backup named {name} in {self.location}") from None
            raise BackupError(f"cannot read backup {name}: {exc.response.get('Error', {}).get('Code')}") from None
        return parse_document(name, response["Body"].read())

    def list(self) -> list[BackupInfo]:
        names: list[str] = []
        paginator = self.client.get_paginator("list_objects_v2")
        pages = self._call("list backups", lambda: list(paginator.paginate(Bucket=self.bucket, Prefix=self.prefix)))
        for page in pages:
            names += [obj["Key"][len(self.prefix) :] for obj in page.get("Contents", [])]
        return _infos([n for n in names if "/" not in n])


def open_store(spec: str, workspace: Path, region: str | None = None) -> BackupStore:
    if spec.startswith("s3://"):
        return S3BackupStore(spec, region)
    folder = Path(spec)
    return LocalBackupStore(folder if folder.is_absolute() else workspace / folder)


def age(taken_at: datetime, now: datetime) -> str:
    seconds = max(0, int((now - taken_at).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
