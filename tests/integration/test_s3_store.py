"""S3 as a dependable store: moto behind a fault proxy that throttles, resets and stalls.

Each failure names the store, its endpoint, the operation and S3's error; a slow store prints progress;
"latest" of a scope costs one listing of that scope's own keys, however many backups other scopes hold
(the counts are measured on the proxy's request log, and reported in bench/results.md).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config

from alia_action.scope import Scope
from alia_action.stores.backup_scope import prune
from alia_action.stores.backups import BackupDocument, BackupError, S3BackupStore
from tests.support.fault_proxy import FaultProxy
from tests.support.oidc_standin import moto_reset, moto_server

REGION = "us-east-1"
BUCKET = "faulty-backups"
APP = "1180000000000000101"
GUILD_A, GUILD_B = "1180000000000000201", "1180000000000000202"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
LIST = r"^/faulty-backups/?$"  # list_objects_v2 is a GET of the bucket (path-style on a loopback endpoint)


@pytest.fixture(scope="module")
def moto_url() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture
def proxy(moto_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[FaultProxy]:
    moto_reset(moto_url)
    for name in [k for k in os.environ if k.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "s3-faults-test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3-faults-test")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    boto3.client("s3", region_name=REGION, endpoint_url=moto_url).create_bucket(Bucket=BUCKET)
    with FaultProxy(moto_url) as standin:
        yield standin


def client(url: str, *, read_timeout: float = 15, attempts: int = 3) -> Any:
    config = Config(
        connect_timeout=2, read_timeout=read_timeout, retries={"max_attempts": attempts, "mode": "standard"}
    )
    return boto3.client("s3", region_name=REGION, endpoint_url=url, config=config)


def store(proxy: FaultProxy, lines: list[str] | None = None, **options: Any) -> S3BackupStore:
    every = options.pop("progress_every", 10.0)
    log = lines.append if lines is not None else None
    return S3BackupStore(f"s3://{BUCKET}/ci", client=client(proxy.url, **options), log=log, progress_every=every)


def document(guild: str | None, taken_at: datetime) -> BackupDocument:
    return BackupDocument(
        application_id=APP, guild_id=guild, environment="staging", taken_at=taken_at, checksum="c" * 64, commands=[]
    )


def test_latest_of_a_scope_is_found_among_any_number_of_newer_backups_of_another(proxy: FaultProxy) -> None:
    """Finding 6: 80 backups of guild A, older than 120 of guild B; the first 100 listed are all B's."""
    s3 = store(proxy)
    for i in range(80):
        s3.save(document(GUILD_A, T0 + timedelta(minutes=i)))
    for i in range(120):
        s3.save(document(GUILD_B, T0 + timedelta(days=1, minutes=i)))
    before = len(proxy.requests)

    latest = s3.latest(Scope(GUILD_A, APP))

    assert latest is not None and latest.taken_at == T0 + timedelta(minutes=79)
    spent = proxy.requests[before:]
    assert [(r.method, r.path) for r in spent] == [("GET", f"/{BUCKET}")]  # one listing of A's keys, no GET
    assert "prefix=ci%2F1180000000000000101%2F1180000000000000201%2F" in spent[0].query
    assert s3.load(latest.name, Scope(GUILD_A, APP)).guild_id == GUILD_A
    assert len(proxy.requests) == before + 2  # and one GET to read it
    assert len(s3.list(Scope(GUILD_B, APP))) == 120 and len(s3.list()) == 200


def test_backups_written_flat_by_earlier_versions_are_still_found(proxy: FaultProxy, moto_url: str) -> None:
    raw = client(moto_url)
    old = document(GUILD_A, T0)
    raw.put_object(Bucket=BUCKET, Key="ci/commands-backup-2026-01-01T00-00-00-000Z.json", Body=old.model_dump_json())
    s3 = store(proxy)
    s3.save(document(GUILD_B, T0 + timedelta(hours=1)))
    latest = s3.latest(Scope(GUILD_A, APP))
    assert latest is not None and latest.name == "commands-backup-2026-01-01T00-00-00-000Z.json"
    assert s3.load(latest.name, Scope(GUILD_A, APP)) == old
    assert s3.latest(Scope(None, APP)) is None
    assert [i.scope for i in s3.list()] == [Scope(GUILD_B, APP), None]


def test_retention_removes_a_scopes_flat_backups_and_reports_only_what_is_gone(
    moto_url: str, proxy: FaultProxy
) -> None:
    raw = client(moto_url)
    flat_a, flat_b = "commands-backup-2026-01-01T00-00-00-000Z.json", "commands-backup-2026-01-01T01-00-00-000Z.json"
    raw.put_object(Bucket=BUCKET, Key=f"ci/{flat_a}", Body=document(GUILD_A, T0).model_dump_json())
    raw.put_object(Bucket=BUCKET, Key=f"ci/{flat_b}", Body=document(GUILD_B, T0 + timedelta(hours=1)).model_dump_json())
    s3 = store(proxy)
    newer = s3.save(document(GUILD_A, T0 + timedelta(hours=2)))

    assert prune(s3, Scope(GUILD_A, APP), keep=1) == [flat_a]

    keys = {obj["Key"] for obj in raw.list_objects_v2(Bucket=BUCKET, Prefix="ci/").get("Contents", [])}
    assert f"ci/{flat_a}" not in keys, "retention reported a flat backup removed that is still there"
    assert f"ci/{flat_b}" in keys  # another scope's flat backup stays
    assert [i.name for i in s3.list(Scope(GUILD_A, APP))] == [newer]


def test_two_throttled_answers_are_absorbed(proxy: FaultProxy) -> None:
    proxy.add("status", method="PUT", times=2)
    name = store(proxy).save(document(GUILD_A, T0))
    assert proxy.fired == ["status PUT /faulty-backups/ci/1180000000000000101/1180000000000000201/" + name] * 2
    assert proxy.pending == 0


@pytest.mark.parametrize(
    ("fault", "expected"),
    [
        ({"kind": "status", "times": 50}, r"SlowDown \(HTTP 503\)"),
        ({"kind": "reset", "times": 50}, r"ConnectionClosedError|EndpointConnectionError|ConnectionError"),
    ],
)
def test_a_failing_store_names_itself_its_endpoint_the_operation_and_the_error(
    proxy: FaultProxy, fault: dict[str, Any], expected: str
) -> None:
    proxy.add(fault.pop("kind"), method="PUT", **fault)
    with pytest.raises(BackupError) as caught:
        store(proxy).save(document(GUILD_A, T0))
    message = str(caught.value)
    assert message.startswith(f"cannot write a backup in s3://{BUCKET}/ci (endpoint {proxy.url}): "), message
    assert re.search(expected, message), message
    # botocore retried (its standard mode), every attempt met a fault, and no write got through.
    assert len(proxy.fired) >= 2 and len(proxy.fired) == proxy.count("PUT")


def test_a_reset_after_the_listing_fails_the_read_with_its_cause(proxy: FaultProxy) -> None:
    s3 = store(proxy)
    name = s3.save(document(GUILD_A, T0))
    proxy.add("reset", method="GET", path=r"/ci/.+\.json$", times=10)
    assert s3.latest(Scope(GUILD_A, APP)) is not None  # the listing passes
    with pytest.raises(BackupError, match=rf"cannot read backup {name} in s3://{BUCKET}/ci \(endpoint "):
        s3.load(name, Scope(GUILD_A, APP))
    assert proxy.fired and len(proxy.fired) == proxy.count("GET", r"\.json$")


def test_a_slow_store_prints_progress_and_fails_within_its_bound(proxy: FaultProxy) -> None:
    lines: list[str] = []
    proxy.add("delay", method="GET", seconds=1.0, times=10)
    s3 = store(proxy, lines, read_timeout=0.4, attempts=2, progress_every=0.1)
    with pytest.raises(BackupError, match=r"cannot list the backups of staging guild \d+ in .*: ReadTimeoutError"):
        s3.latest(Scope(GUILD_A, APP))
    assert len(proxy.fired) >= 2 and len(proxy.fired) == proxy.count("GET")
    assert lines and all(line.startswith(f"still waiting for s3://{BUCKET}/ci (endpoint ") for line in lines)
    assert "to list the backups of staging guild" in lines[0]
