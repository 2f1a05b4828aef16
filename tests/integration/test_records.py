"""Deployment records carry the figures the dashboard needs: start, end, commit, commit time, success."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alia_action.commands.canonical import checksum
from alia_action.discord.emulator import Emulator, Fault
from alia_action.durations import CLOCK_SKEW
from alia_action.errors import DeployError
from alia_action.handlers import promote, stage
from alia_action.runtime import Runtime
from alia_action.stores.jsonlines import JsonLines, Records, parse_record
from alia_action.stores.ledger import LedgerEntry
from alia_action.stores.metrics import MetricRecord
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import FAST

SHA = "f00dfeed" * 5
MERGED = "2026-01-15T10:30:00+01:00"


def workflow_run_event(tmp_path: Path) -> Path:
    """What the runner writes for the example pipeline's ``workflow_run`` trigger (the fields we read)."""
    event = {"workflow_run": {"head_sha": SHA, "head_commit": {"id": SHA, "timestamp": MERGED}}}
    path = tmp_path / "event.json"
    path.write_text(json.dumps(event), encoding="utf-8")
    return path


def test_every_result_line_has_start_end_commit_and_success(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, tmp_path: Path
) -> None:
    environ = {
        "GITHUB_SHA": SHA,
        "GITHUB_EVENT_PATH": str(workflow_run_event(tmp_path)),
        "GITHUB_REPOSITORY": "alia-bot/alia-bot",
        "GITHUB_RUN_ID": "4242",
    }
    ctx = Runtime(workspace=workspace, environ=environ, client_options=dict(FAST))
    try:
        stage.run(make_settings(action="stage"), ctx)
        promote.run(make_settings(action="promote"), ctx)
        stage.run(make_settings(action="stage"), ctx)  # nothing changed: a no-op, still a success
        (workspace / "commands" / "fun" / "games.json").write_text(
            (workspace / "commands" / "fun" / "games.json").read_text().replace("Flip a coin", "Flip a new coin")
        )
        new = [{"name": "brandnew", "description": "A new command"}]
        (workspace / "commands" / "new.json").write_text(json.dumps(new), encoding="utf-8")  # one create planned
        live.faults.add(Fault.server_error(503), method="PUT", times=FAST["max_attempts"])
        with pytest.raises(DeployError):
            stage.run(make_settings(action="stage"), ctx)
    finally:
        ctx.close()

    raw = (workspace / "deployment.log").read_text(encoding="utf-8")
    lines = [json.loads(line) for line in raw.splitlines()]
    results = [line for line in lines if line["outcome"] != "started"]
    assert [r["outcome"] for r in results] == ["success", "success", "noop", "failure"]
    # The original's recipe, verbatim: grep '"success":true' deployment.log | wc -l
    assert raw.count('"success":true') == 3
    assert [r["success"] for r in results] == [True, True, True, False]
    # Creates count only when they happened: the failed write planned one and made none.
    assert [r["creates"] for r in results] == [51, 50, 0, 0]
    for record in lines:
        assert (
            record["git_sha"] == SHA and record["run_url"] == "https://github.com/alia-bot/alia-bot/actions/runs/4242"
        )
    for record in results:
        assert datetime.fromisoformat(record["commit_time"]) == datetime.fromisoformat(MERGED)
        started, ended = datetime.fromisoformat(record["started_at"]), datetime.fromisoformat(record["ended_at"])
        assert started < ended == datetime.fromisoformat(record["time"])  # the work's start, before its record
    assert [r["message"] for r in results[:3]] == ["", "", ""]
    claims = [line for line in lines if line["outcome"] == "started"]
    assert claims and all(c["ended_at"] is None and c["success"] is False and c["creates"] == 0 for c in claims)
    assert all(c["message"] == "" for c in claims)
    # A claim is the same work as its result: its start, and the live set it read before writing.
    for at, line in enumerate(lines):
        if line["outcome"] == "started":  # its result is the next line (these runs came one after another)
            assert lines[at + 1]["outcome"] != "started" and line["started_at"] == lines[at + 1]["started_at"]
    assert [c["live_checksum"] for c in claims] == [
        checksum([], guild=True),  # the empty staging guild
        checksum([], guild=False),  # the empty global scope
        results[0]["live_checksum"],  # the staging guild as the first stage left it
    ]


def test_outside_actions_the_commit_comes_from_git(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(workspace), *args], capture_output=True, text=True, check=True)
        return done.stdout.strip()

    git("init", "-q")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "add", "-A")
    subprocess.run(
        ["git", "-C", str(workspace), "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "x"],
        check=True,
        env={"GIT_COMMITTER_DATE": "2026-02-01T12:00:00+00:00", "PATH": "/usr/bin:/bin"},
    )
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    try:
        stage.run(make_settings(action="stage"), ctx)
    finally:
        ctx.close()
    record = json.loads((workspace / "deployment.log").read_text().splitlines()[-1])
    assert record["git_sha"] == git("rev-parse", "HEAD")
    assert datetime.fromisoformat(record["commit_time"]) == datetime.fromisoformat("2026-02-01T12:00:00+00:00")


# ------------------------------------------------------------------------------------------ read defensively
# A record line that cannot be true is skipped, named by file and line, never a crash further on.

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
METRIC = {
    "v": 1,
    "time": "2026-03-01T11:00:00Z",
    "environment": "production",
    "scope": "global",
    "application_id": "1",
    "outcome": "healthy",
    "response_time_ms": 12.5,
}


def metric_line(**changes: object) -> bytes:
    return json.dumps({**METRIC, **changes}).encode()  # json.dumps writes NaN and Infinity as Python does


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"response_time_ms": float("nan")}, "response_time_ms: nan is not a finite number"),
        ({"response_time_ms": float("inf")}, "response_time_ms: inf is not a finite number"),
        ({"deviation": float("-inf")}, "deviation: -inf is not a finite number"),
        ({"time": "2026-03-01T11:00:00"}, "time: 2026-03-01T11:00:00 has no timezone"),
        ({"time": "2026-03-01T12:02:01Z"}, "time: 2026-03-01 12:02:01 UTC is ahead of this machine's clock"),
        ({"time": "2027-03-01T12:00:00Z"}, "time: 2027-03-01 12:00:00 UTC is ahead"),
    ],
)
def test_a_record_that_cannot_be_true_is_refused_with_its_field(changes: dict[str, object], why: str) -> None:
    problem = parse_record(MetricRecord, metric_line(**changes), NOW)
    assert isinstance(problem, str) and problem.startswith(why), problem


def test_a_record_at_the_clock_skew_is_read() -> None:
    at_the_bound = (NOW + CLOCK_SKEW).isoformat()
    assert isinstance(parse_record(MetricRecord, metric_line(time=at_the_bound), NOW), MetricRecord)


@pytest.mark.parametrize(
    ("sha", "read"),
    [("abcdef0", True), ("ABCDEF0123" * 4, True), ("abcdef", False), ("abcdefg", False), ("abc\n```\n# x", False)],
)
def test_a_ledger_line_whose_git_sha_is_not_a_commit_id_is_refused(sha: str, read: bool) -> None:
    line = {"time": "2026-03-01T11:00:00Z", "action": "promote", "environment": "production"}
    line |= {"application_id": "1", "checksum": "c", "outcome": "success", "git_sha": sha}
    found = parse_record(LedgerEntry, json.dumps(line).encode(), NOW)
    assert isinstance(found, LedgerEntry) == read, found
    assert read or found == "git_sha: not a commit id (7 to 64 hexadecimal digits)"


def test_one_warning_names_the_file_and_the_lines_skipped(tmp_path: Path) -> None:
    path = tmp_path / "metrics.log"
    bad = [metric_line(response_time_ms=float("nan")), b"{torn", metric_line(time="2026-03-01T11:00:00")]
    path.write_bytes(b"\n".join([metric_line(), *bad, metric_line(), bad[0], b""]))
    reader = Records(JsonLines(path), MetricRecord)
    assert len(reader.read(now=NOW)) == 2
    assert reader.warning() == (
        "metrics.log: 4 unreadable line(s) skipped (line 2: response_time_ms: nan is not a finite number; "
        "line 3: not JSON; line 4: time: 2026-03-01T11:00:00 has no timezone; …); the other lines are used"
    )


def test_lines_are_counted_from_the_end_when_the_read_began_past_the_start(tmp_path: Path) -> None:
    path = tmp_path / "metrics.log"
    lines = [metric_line() for _ in range(50)] + [metric_line(response_time_ms=float("nan")), metric_line()]
    path.write_bytes(b"\n".join(lines) + b"\n")
    reader = Records(JsonLines(path, max_bytes=len(lines[0]) * 5), MetricRecord)
    reader.read(now=NOW)
    assert reader.skipped == ["line 2 from the end: response_time_ms: nan is not a finite number"]
