"""Backup stores: a local folder (atomic, durable, never overwriting) and S3 (moto in server mode)."""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest

from alia_action.scope import Scope
from alia_action.stores.backup_scope import opened, prune
from alia_action.stores.backups import (
    BackupDocument,
    BackupError,
    BackupStore,
    LocalBackupStore,
    S3BackupStore,
    backup_name,
    check_name,
    open_store,
    serialise,
)
from tests.support.files_opened import FilesOpened
from tests.support.oidc_standin import moto_reset, moto_server

REGION = "us-east-1"
BUCKET = "alia-command-backups"
T0 = datetime(2025, 1, 15, 10, 30, 0, 123456, tzinfo=UTC)
NAME_T0 = "commands-backup-2025-01-15T10-30-00-123Z.json"
COMMANDS = [{"id": "1180000000000000301", "name": "ping", "description": "Replies with pong", "type": 1}]


def document(taken_at: datetime = T0, **changes: Any) -> BackupDocument:
    values: dict[str, Any] = {
        "application_id": "1180000000000000101",
        "guild_id": "1180000000000000201",
        "environment": "staging",
        "taken_at": taken_at,
        "checksum": "a" * 64,
        "commands": COMMANDS,
        **changes,
    }
    return BackupDocument(**values)


# ---------------------------------------------------------------------------- names


def test_names_follow_the_original_system() -> None:
    assert backup_name("backup", T0) == NAME_T0
    assert backup_name("pre-rollback", T0) == "commands-pre-rollback-2025-01-15T10-30-00-123Z.json"
    # The time is always UTC, whatever zone the clock gave.
    paris = T0.astimezone(timezone(timedelta(hours=1)))
    assert backup_name("backup", paris) == NAME_T0


@pytest.mark.parametrize("name", [NAME_T0, "commands-pre-rollback-2025-01-15T10-30-00-123Z-2.json"])
def test_check_name_accepts_backup_names(name: str) -> None:
    assert check_name(name) == name


@pytest.mark.parametrize(
    "name",
    [
        f"../{NAME_T0}",
        f"../../etc/{NAME_T0}",
        "..",
        "/etc/passwd",
        f"/tmp/{NAME_T0}",
        f"sub/{NAME_T0}",
        f"sub\\{NAME_T0}",
        f"{NAME_T0}/..",
        f"{NAME_T0}\n",
        "deployment.log",
        "",
    ],
)
def test_check_name_refuses_paths_and_other_files(name: str) -> None:
    with pytest.raises(BackupError, match=r"backup-file must be the name of a backup in the backup store"):
        check_name(name)


# ---------------------------------------------------------------------------- local folder


def test_local_save_writes_the_whole_document_atomically(tmp_path: Path) -> None:
    store = LocalBackupStore(tmp_path / "command-backups")
    name = store.save(document())
    assert name == NAME_T0
    path = tmp_path / "command-backups" / "1180000000000000101" / "1180000000000000201" / name  # the scope's folder
    assert json.loads(path.read_text(encoding="utf-8"))["commands"] == COMMANDS
    assert os.listdir(path.parent) == [name]  # no temporary file left behind
    assert path.stat().st_mode & 0o777 == 0o644  # readable by later steps running as another user
    assert store.load(name) == document()


def test_local_list_is_newest_first_and_ignores_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "b"
    store = LocalBackupStore(folder)
    for hours in (1, 3, 2):
        store.save(document(T0 + timedelta(hours=hours)))
    store.save(document(T0 + timedelta(hours=4), kind="pre-rollback"))
    (folder / "notes.txt").write_text("not a backup")
    (folder / "commands-backup-latest.json").write_text("{}")
    (folder / "commands-backup-2099-01-01T00-00-00-000Z.json").mkdir()  # a folder with a backup's name
    (folder / "commands-backup-2098-01-01T00-00-00-000Z.json").symlink_to(folder / "notes.txt")

    listed = store.list()
    assert [(i.name, i.kind) for i in listed] == [
        ("commands-pre-rollback-2025-01-15T14-30-00-123Z.json", "pre-rollback"),
        ("commands-backup-2025-01-15T13-30-00-123Z.json", "backup"),
        ("commands-backup-2025-01-15T12-30-00-123Z.json", "backup"),
        ("commands-backup-2025-01-15T11-30-00-123Z.json", "backup"),
    ]
    assert listed[0].taken_at == datetime(2025, 1, 15, 14, 30, 0, 123000, tzinfo=UTC)


def test_local_backups_taken_in_the_same_millisecond_keep_distinct_names(tmp_path: Path) -> None:
    store = LocalBackupStore(tmp_path)
    names = [store.save(document(commands=[{**COMMANDS[0], "description": f"v{i}"}])) for i in range(12)]
    stem = NAME_T0.removesuffix(".json")
    assert names == [NAME_T0] + [f"{stem}-{i}.json" for i in range(1, 12)]
    # Each kept its own content, and the newest (the last saved) is listed first.
    assert [store.load(n).commands[0]["description"] for n in names] == [f"v{i}" for i in range(12)]
    assert [i.name for i in store.list()] == list(reversed(names))


def test_concurrent_saves_in_the_same_millisecond_never_overwrite(tmp_path: Path) -> None:
    store = LocalBackupStore(tmp_path)
    names: list[str] = []
    start = threading.Barrier(8)

    def save(i: int) -> None:
        start.wait()
        names.append(store.save(document(commands=[{**COMMANDS[0], "description": f"v{i}"}])))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(names)) == 8
    assert sorted(store.load(n).commands[0]["description"] for n in names) == [f"v{i}" for i in range(8)]
    assert sorted(os.listdir(tmp_path / document().origin.segment)) == sorted(names)


def test_a_scopes_listing_opens_no_file_of_another_scope(tmp_path: Path) -> None:
    """Like S3's key prefixes: a scope's backups are its own folder's names, however many other scopes hold."""
    folder = tmp_path / "command-backups"
    store = LocalBackupStore(folder)
    mine = document().origin
    others = [
        {"guild_id": "1180000000000000999"},  # another guild of the same application
        {"guild_id": None, "environment": "production"},  # the application's global commands
        {"application_id": "1180000000000000888"},  # the same guild, another application (a staging bot)
    ]
    for hour in range(60):
        for changes in others:
            store.save(document(T0 + timedelta(hours=hour), **changes))
    wanted = [store.save(document(T0 + timedelta(minutes=minutes))) for minutes in (10, 20, 30)]

    recorder = FilesOpened(folder)
    try:
        listed, latest = store.list(mine), store.latest(mine)
        listed_opened = [item.document for item in opened(store, mine)]
    finally:
        paths = recorder.close()
    assert [i.name for i in listed] == wanted[::-1] and latest is not None and latest.name == wanted[-1]
    assert all(d is not None and d.origin == mine for d in listed_opened)
    own = str(folder / mine.segment)
    assert len(paths) == 3 and all(path.startswith(own) for path in paths), paths  # opened() read its 3 only
    assert len(store.list()) == 183  # every scope's backups are still listed when no scope is asked for


def test_backups_written_flat_by_earlier_versions_are_still_found_restored_and_pruned(tmp_path: Path) -> None:
    folder = tmp_path / "command-backups"
    folder.mkdir()
    mine, global_scope = document().origin, document(guild_id=None).origin
    legacy = {  # as an earlier version wrote them: flat in the folder
        backup_name("backup", T0): document(),
        backup_name("backup", T0 + timedelta(hours=1)): document(T0 + timedelta(hours=1), guild_id=None),
    }
    for name, old in legacy.items():
        (folder / name).write_text(serialise(old, lambda text: text), encoding="utf-8")
    store = LocalBackupStore(folder)

    # Found by opening them (no folder of their own), by scope and by name.
    found = store.latest(mine)
    assert found is not None and found.name == NAME_T0 and store.load(NAME_T0, mine) == document()
    assert [i.name for i in store.list(global_scope)] == [backup_name("backup", T0 + timedelta(hours=1))]
    assert len(store.list()) == 2

    # New backups go to the scope's folder; the newest is the scope's own, the flat one is listed after it.
    newer = store.save(document(T0 + timedelta(hours=2)))
    assert (folder / mine.segment / newer).is_file()
    assert store.latest(mine) == store.list(mine)[0]
    assert [i.name for i in store.list(mine)] == [newer, NAME_T0]

    # Retention reaches the flat backup of the scope, never another scope's.
    assert prune(store, mine, keep=1) == [NAME_T0]
    assert not (folder / NAME_T0).exists() and (folder / backup_name("backup", T0 + timedelta(hours=1))).exists()
    assert [i.name for i in store.list(mine)] == [newer]


def test_an_empty_or_missing_folder_lists_nothing(tmp_path: Path) -> None:
    assert LocalBackupStore(tmp_path / "never-created").list() == []
    assert LocalBackupStore(tmp_path).list() == []


def test_a_store_path_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "command-backups").write_text("oops")
    store = LocalBackupStore(tmp_path / "command-backups")
    with pytest.raises(BackupError, match=r"cannot list backups in .*command-backups"):
        store.list()
    with pytest.raises(BackupError, match=r"cannot write backup to .*command-backups"):
        store.save(document())


def test_loading_a_missing_backup_says_how_to_list_them(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=r"no backup named .* in .*; list them with `command-deploy backups`"):
        LocalBackupStore(tmp_path).load(NAME_T0)


def test_loading_refuses_paths_before_touching_the_disk(tmp_path: Path) -> None:
    (tmp_path / NAME_T0).write_text(document().model_dump_json())
    store = LocalBackupStore(tmp_path / "store")
    with pytest.raises(BackupError, match=r"backup-file must be the name"):
        store.load(f"../{NAME_T0}")


def test_a_symlinked_backup_is_not_restored(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.json"
    outside.write_text(document().model_dump_json())
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / NAME_T0).symlink_to(outside)
    with pytest.raises(BackupError, match=r"is a link; only regular files"):
        LocalBackupStore(tmp_path / "store").load(NAME_T0)


@pytest.mark.parametrize(
    ("content", "where"),
    [
        (b'{"application_id": "1", "environment": "staging"', "document: Invalid JSON"),
        (b"\xff\xfe not utf-8", "document: Invalid JSON"),
        (b"[]", "document: Input should be an object"),
        (
            b'{"environment": "staging", "taken_at": "2025-01-15T10:30:00Z", "checksum": "x"}',
            "application_id: Field required",
        ),
        (
            b'{"format": 2, "application_id": "1", "environment": "staging", "taken_at": "2025-01-15T10:30:00Z",'
            b' "checksum": "x"}',
            "format: Input should be 1",
        ),
        (
            b'{"application_id": "1", "environment": "staging", "taken_at": "yesterday", "checksum": "x"}',
            "taken_at: Input should be a valid datetime",
        ),
        (
            b'{"application_id": "1", "environment": "staging", "taken_at": "2025-01-15T10:30:00Z", "checksum": "x",'
            b' "commands": {"name": "ping"}}',
            "commands: Input should be a valid array",
        ),
        (
            b'{"application_id": "1", "environment": "staging", "taken_at": "2025-01-15T10:30:00Z", "checksum": "x",'
            b' "commands": ["ping"]}',
            "commands.0: Input should be an object",
        ),
    ],
)
def test_a_tampered_backup_is_a_clear_error(tmp_path: Path, content: bytes, where: str) -> None:
    (tmp_path / NAME_T0).write_bytes(content)
    with pytest.raises(BackupError) as caught:
        LocalBackupStore(tmp_path).load(NAME_T0)
    message = str(caught.value)
    assert message.startswith(f"backup {NAME_T0} is not a valid backup document ({where}")
    assert "\n" not in message


def test_open_store_resolves_relative_folders_in_the_workspace(tmp_path: Path) -> None:
    store = open_store("command-backups", tmp_path)
    assert isinstance(store, LocalBackupStore) and store.folder == tmp_path / "command-backups"
    absolute = open_store(str(tmp_path / "abs"), tmp_path / "elsewhere")
    assert isinstance(absolute, LocalBackupStore) and absolute.folder == tmp_path / "abs"


# ---------------------------------------------------------------------------- S3 (moto server)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def s3(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Any]:
    """An empty moto with one bucket; the store reaches it through the standard endpoint variable."""
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_url)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "backups-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "backups-test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET)
    yield client
    moto_reset(moto_url)


def s3_store(tmp_path: Path, prefix: str = "alia/backups") -> BackupStore:
    store = open_store(f"s3://{BUCKET}/{prefix}", tmp_path, REGION)
    assert isinstance(store, S3BackupStore)
    return store


SCOPE = Scope("1180000000000000201", "1180000000000000101")
SCOPE_KEY = "1180000000000000101/1180000000000000201"


def test_s3_save_load_round_trip(s3: Any, tmp_path: Path) -> None:
    store = s3_store(tmp_path)
    name = store.save(document())
    assert name == NAME_T0
    stored = s3.get_object(Bucket=BUCKET, Key=f"alia/backups/{SCOPE_KEY}/{name}")  # the scope's own prefix
    assert stored["ContentType"] == "application/json"
    assert json.loads(stored["Body"].read())["commands"] == COMMANDS
    assert store.load(name) == document()


def test_s3_list_is_newest_first_within_the_prefix_only(s3: Any, tmp_path: Path) -> None:
    store = s3_store(tmp_path)
    for hours in (2, 1, 3):
        store.save(document(T0 + timedelta(hours=hours)))
    s3.put_object(Bucket=BUCKET, Key="alia/backups/notes.txt", Body=b"x")
    s3.put_object(Bucket=BUCKET, Key="alia/backups/old/commands-backup-2099-01-01T00-00-00-000Z.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="other/commands-backup-2099-01-01T00-00-00-000Z.json", Body=b"{}")
    s3.put_object(Bucket=BUCKET, Key="alia/backups-old/commands-backup-2099-01-01T00-00-00-000Z.json", Body=b"{}")
    assert [i.name for i in store.list()] == [
        "commands-backup-2025-01-15T13-30-00-123Z.json",
        "commands-backup-2025-01-15T12-30-00-123Z.json",
        "commands-backup-2025-01-15T11-30-00-123Z.json",
    ]


def test_s3_list_reads_every_page(s3: Any, tmp_path: Path) -> None:
    store = s3_store(tmp_path, prefix="many")
    keys = [f"many/{backup_name('backup', T0 + timedelta(seconds=i))}" for i in range(1005)]
    with ThreadPoolExecutor(max_workers=16) as pool:  # list_objects_v2 returns at most 1000 keys a page
        list(pool.map(lambda key: s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}"), keys))
    listed = store.list()
    assert len(listed) == 1005 and listed[0].taken_at == (T0 + timedelta(seconds=1004)).replace(microsecond=123000)


def test_s3_same_millisecond_backups_never_overwrite(s3: Any, tmp_path: Path) -> None:
    store = s3_store(tmp_path)
    names = [store.save(document(commands=[{**COMMANDS[0], "description": f"v{i}"}])) for i in range(3)]
    assert names == [NAME_T0, NAME_T0.replace(".json", "-1.json"), NAME_T0.replace(".json", "-2.json")]
    assert [i.name for i in store.list()] == list(reversed(names))
    assert [store.load(n).commands[0]["description"] for n in names] == ["v0", "v1", "v2"]


def test_s3_concurrent_saves_in_the_same_millisecond_never_overwrite(s3: Any, tmp_path: Path) -> None:
    names: list[str] = []
    start = threading.Barrier(6)

    def save(i: int) -> None:
        store = s3_store(tmp_path)  # one store per job, as separate runs would have
        start.wait()
        names.append(store.save(document(commands=[{**COMMANDS[0], "description": f"v{i}"}])))

    threads = [threading.Thread(target=save, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    store = s3_store(tmp_path)
    assert len(set(names)) == 6
    assert sorted(store.load(n).commands[0]["description"] for n in names) == [f"v{i}" for i in range(6)]


def test_s3_missing_backup(s3: Any, tmp_path: Path) -> None:
    with pytest.raises(BackupError, match=rf"no backup named {NAME_T0} in s3://{BUCKET}/alia/backups"):
        s3_store(tmp_path).load(NAME_T0)


def test_s3_tampered_backup(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"alia/backups/{SCOPE_KEY}/{NAME_T0}", Body=b'{"commands": []}')
    with pytest.raises(BackupError, match=rf"backup {NAME_T0} is not a valid backup document \(application_id"):
        s3_store(tmp_path).load(NAME_T0)


def test_s3_refuses_paths(s3: Any, tmp_path: Path) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"alia/{NAME_T0}", Body=document().model_dump_json().encode())
    with pytest.raises(BackupError, match=r"backup-file must be the name"):
        s3_store(tmp_path).load(f"../{NAME_T0}")


def test_s3_missing_bucket_is_a_clear_error(s3: Any, tmp_path: Path) -> None:
    store = open_store("s3://no-such-bucket/backups", tmp_path, REGION)
    endpoint = re.escape(f"s3://no-such-bucket/backups (endpoint {os.environ['AWS_ENDPOINT_URL']})")
    with pytest.raises(BackupError, match=rf"cannot list backups in {endpoint}: NoSuchBucket \(HTTP 404\)"):
        store.list()
    with pytest.raises(BackupError, match=rf"cannot write a backup in {endpoint}: NoSuchBucket \(HTTP 404\)"):
        store.save(document())
    with pytest.raises(BackupError, match=rf"cannot (read backup {NAME_T0}|list backups) in {endpoint}: NoSuchBucket"):
        store.load(NAME_T0)


def test_s3_unreachable_endpoint_is_a_clear_error(s3: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # discard port: nothing listens
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    store = s3_store(tmp_path)
    with pytest.raises(BackupError, match=r"cannot list backups in s3://.* \(endpoint http://127.0.0.1:9\): Endpoint"):
        store.list()
    with pytest.raises(BackupError, match=rf"cannot read backup {NAME_T0} in s3://.*: EndpointConnectionError"):
        store.load(NAME_T0)


def test_s3_url_without_a_prefix_uses_the_bucket_root(s3: Any, tmp_path: Path) -> None:
    store = open_store(f"s3://{BUCKET}", tmp_path, REGION)
    name = store.save(document())
    assert s3.head_object(Bucket=BUCKET, Key=f"{SCOPE_KEY}/{name}")["ContentLength"] > 0
    assert [i.name for i in store.list()] == [name]


def test_delete_removes_one_backup_and_a_missing_one_is_no_error(tmp_path: Path) -> None:
    store = open_store("command-backups", tmp_path)
    scope = document().origin
    store.save(document())
    store.save(document(T0 + timedelta(hours=1)))
    first, second = sorted(store.list(), key=lambda i: i.taken_at)
    store.delete(first, scope)
    store.delete(first, scope)
    assert store.list() == [second]
    with pytest.raises(BackupError, match="must be the name of a backup"):
        store.delete(replace(first, name="../deployment.log"), scope)


def test_s3_delete_removes_one_backup_of_its_scope_only(s3: Any, tmp_path: Path) -> None:
    store = s3_store(tmp_path)
    scope = document().origin
    other = Scope("1180000000000000999", scope.application_id)
    store.save(document())
    store.save(document(guild_id=other.guild_id))  # the same name in another scope's keys
    store.save(document(T0 + timedelta(hours=1)))
    first = store.list(scope)[-1]
    store.delete(first, scope)
    store.delete(first, scope)
    assert [i.name for i in store.list(scope)] == [backup_name("backup", T0 + timedelta(hours=1))]
    assert [i.name for i in store.list(other)] == [first.name]
