"""S3 requests spent by the backup store: finding a scope's latest backup, and taking a backup.

moto in server mode on loopback; requests are counted by botocore's ``before-send`` event (every HTTP
request the client sends, retries included). The store holds backups of two guilds: the scope asked
for has the *older* ones, so a search that opens the newest backups of the whole prefix first (the
earlier design: up to 100) would never reach them.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/s3_requests.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.scope import Scope
from alia_action.stores.backups import BackupDocument, S3BackupStore, backup_name
from bench.table import markdown_table

APP, MINE, OTHER = "1180000000000000101", "1180000000000000201", "1180000000000000202"
T0 = datetime(2026, 1, 1, tzinfo=UTC)
BUCKET = "bench-backups"


def document(guild: str, taken_at: datetime) -> BackupDocument:
    return BackupDocument(
        application_id=APP, guild_id=guild, environment="staging", taken_at=taken_at, checksum="c" * 64, commands=[]
    )


def fill(client: Any, mine: int, other: int) -> None:
    """``mine`` backups of the scope asked for, then ``other`` newer ones of another guild (written directly:
    the layout is the store's, the speed is moto's)."""
    keys = [(MINE, T0 + timedelta(minutes=i)) for i in range(mine)]
    keys += [(OTHER, T0 + timedelta(days=30, minutes=i)) for i in range(other)]

    def put(item: tuple[str, datetime]) -> None:
        guild, taken = item
        key = f"ci/{Scope(guild, APP).segment}{backup_name('backup', taken)}"
        client.put_object(Bucket=BUCKET, Key=key, Body=document(guild, taken).model_dump_json())

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, keys))


def measure(url: str, mine: int, other: int) -> list[list[str]]:
    import boto3
    import httpx

    httpx.post(f"{url}/moto-api/reset", timeout=10)
    client = boto3.client("s3", region_name="us-east-1", endpoint_url=url)
    client.create_bucket(Bucket=BUCKET)
    fill(client, mine, other)
    sent: list[str] = []
    client.meta.events.register("before-send.s3", lambda request, **_: sent.append(request.method))
    store = S3BackupStore(f"s3://{BUCKET}/ci", client=client)
    scope = Scope(MINE, APP)

    def latest_and_load() -> None:
        latest = store.latest(scope)
        assert latest is not None, "the scope's backup was not found"
        store.load(latest.name, scope)

    rows = []
    for label, step in (
        ("latest(scope)", lambda: store.latest(scope)),
        ("latest(scope) + load", latest_and_load),
        ("save (a backup before a write)", lambda: store.save(document(MINE, T0 + timedelta(days=99)))),
    ):
        sent.clear()
        start = time.perf_counter()
        step()
        elapsed = (time.perf_counter() - start) * 1000
        rows.append([f"{mine} of this guild, {other:,} newer of another", label, str(len(sent)), f"{elapsed:.0f}"])
    return rows


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    sizes = [(80, 120), (20, 2500)] if not args.quick else [(8, 12)]
    try:
        rows = [row for mine, other in sizes for row in measure(url, mine, other)]
    finally:
        server.stop()
    print("## S3 requests of the backup store")
    print()
    print((__doc__ or "").split("\n\n", 1)[1].strip().replace("\n", " "))
    print()
    print(markdown_table(["backups in the prefix", "operation", "S3 requests", "wall ms"], rows))
    print()
    print(
        "Before the per-scope layout, `latest` listed the whole prefix and opened the newest 100 backups: with "
        '80 backups of the guild older than 120 of another, 101 requests and then "no backup of guild …"; '
        "a save listed the whole prefix first (3 pages for 2,500 backups)."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
