"""deployment.log is read once per run and kept current: another run's appended lines are read (only they), a
file rewritten or cut is read whole again, and a line ahead of the clock is judged at every read."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from alia_action.stores.jsonlines import GrowingRecords, JsonLines
from alia_action.stores.ledger import FileLedger, LedgerEntry
from tests.support.files_opened import FilesOpened

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def line(minutes: int = 0, **changes: object) -> bytes:
    entry = {"time": (NOW - timedelta(hours=1) + timedelta(minutes=minutes)).isoformat(), "action": "promote"}
    entry |= {"environment": "production", "application_id": "1", "checksum": "c", "outcome": "success"}
    return json.dumps(entry | changes).encode() + b"\n"


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as handle:  # another run's append
        handle.write(data)


def test_another_runs_appended_lines_are_read_and_only_they(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    path.write_bytes(line(1) + line(2))
    reader = GrowingRecords(JsonLines(path, rotate=False), LedgerEntry)
    assert [e.time.minute for e in reader.read(now=NOW)] == [1, 2]
    append(path, line(3, checksum="theirs"))
    recorder = FilesOpened(path)
    try:
        found = reader.read(now=NOW)
        same = reader.read(now=NOW)  # nothing appended since: not opened at all
    finally:
        recorder.close()
    assert [e.checksum for e in found] == ["c", "c", "theirs"] and same == found
    assert reader.full_reads == 1 and recorder.reads(path) == 1


def test_a_line_still_being_written_is_read_once_it_is_whole(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    path.write_bytes(line(1))
    reader = GrowingRecords(JsonLines(path, rotate=False), LedgerEntry)
    reader.read(now=NOW)
    whole = line(2)
    append(path, whole[:20])
    assert len(reader.read(now=NOW)) == 1 and reader.skipped == []
    append(path, whole[20:])
    assert [e.time.minute for e in reader.read(now=NOW)] == [1, 2] and reader.full_reads == 1


def test_a_file_rewritten_rather_than_appended_to_is_read_whole_again(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    path.write_bytes(line(1) + line(2))
    reader = GrowingRecords(JsonLines(path, rotate=False), LedgerEntry)
    reader.read(now=NOW)
    path.write_bytes(line(1, checksum="new") + line(2) + line(3))  # longer, but its start changed
    assert [e.checksum for e in reader.read(now=NOW)] == ["new", "c", "c"] and reader.full_reads == 2
    replaced = tmp_path / "other.log"
    replaced.write_bytes(line(5))
    os.replace(replaced, path)  # another file in its place (a restored artifact)
    assert [e.time.minute for e in reader.read(now=NOW)] == [5] and reader.full_reads == 3


def test_a_line_ahead_of_the_clock_is_judged_at_every_read_not_once(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    ahead = (NOW + timedelta(minutes=3)).isoformat()  # past the 2-minute clock skew at NOW, not a minute later
    path.write_bytes(line(1) + line(2, time=ahead))
    ledger = FileLedger(path, now=lambda: NOW)
    reader = GrowingRecords(JsonLines(path, rotate=False), LedgerEntry)
    assert len(reader.read(now=NOW)) == 1 and reader.skipped[0].startswith("line 2: time: 2026-03-01 12:03:00")
    assert len(reader.read(now=NOW + timedelta(minutes=1))) == 2 and reader.skipped == []
    assert reader.full_reads == 1 and len(ledger.entries()) == 1


def test_a_file_past_the_read_bound_is_read_from_its_end_every_time(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    lines = [line(i) for i in range(20)] + [b"{torn\n", line(30)]
    path.write_bytes(b"".join(lines))
    reader = GrowingRecords(JsonLines(path, max_bytes=len(lines[0]) * 5, rotate=False), LedgerEntry)
    assert len(reader.read(now=NOW)) == 4 and reader.skipped == ["line 2 from the end: not JSON"]
    reader.read(now=NOW)
    assert reader.full_reads == 2  # never kept: what a bounded read leaves out is not known


def test_a_runs_own_record_is_seen_without_reading_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deployment.log"
    path.write_bytes(line(1))
    ledger = FileLedger(path, now=lambda: NOW)
    ledger.entries()
    recorder = FilesOpened(path)
    try:
        ledger.record(LedgerEntry.model_validate_json(line(2, checksum="mine")))
        found = ledger.entries()
    finally:
        recorder.close()
    assert [e.checksum for e in found] == ["c", "mine"] and recorder.reads(path) == 0
