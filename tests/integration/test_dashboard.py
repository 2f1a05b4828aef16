"""The dashboard, built from records written by real runs and checked figure by figure against the raw lines.

A simulated week (the runs' clock is set, nothing else is faked): commits staged and promoted against the
emulator, a staging deploy that fails, a staging rollback, hourly production health checks, and an incident
(a global command deleted by hand, found missing until a new promote restores it).
"""

from __future__ import annotations

import itertools
import json
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.errors import DeployError
from alia_action.handlers import dashboard, health, promote, rollback, stage
from alia_action.runtime import Runtime
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import APP_ID, FAST

START = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
END = START + timedelta(days=7)
FIRST_CHECK_HOUR = 10  # hourly production checks from the first promote on


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


class Week:
    """Runs handlers at chosen moments of a simulated week, in one workspace."""

    def __init__(self, workspace: Path, make_settings: SettingsFactory, live: Emulator, tmp_path: Path) -> None:
        self.workspace, self.make_settings, self.live, self.tmp = workspace, make_settings, live, tmp_path
        self.clock = START
        self.health_ctx = Runtime(workspace=workspace, client_options=dict(FAST), now=lambda: self.clock)

    def at(self, moment: datetime) -> None:
        assert moment >= self.clock
        self.clock = moment

    def commit(self, sha: str, committed: datetime) -> Runtime:
        """A context as a workflow_run for ``sha`` would give it: GITHUB_SHA and the event's head commit."""
        event = self.tmp / f"event-{sha[:7]}.json"
        head = {"id": sha, "timestamp": committed.isoformat()}
        event.write_text(json.dumps({"workflow_run": {"head_sha": sha, "head_commit": head}}), encoding="utf-8")
        environ = {"GITHUB_SHA": sha, "GITHUB_EVENT_PATH": str(event)}
        return Runtime(workspace=self.workspace, environ=environ, client_options=dict(FAST), now=lambda: self.clock)

    def edit(self, old: str, new: str) -> None:
        path = self.workspace / "commands" / "fun" / "games.json"
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    def health(self) -> None:
        health.run(self.make_settings(action="health", environment="production"), self.health_ctx)


def run_week(week: Week) -> Iterator[tuple[datetime, Callable[[], None]]]:
    """(moment, step) pairs in time order; hourly health checks are merged in by the caller."""
    day = timedelta(days=1)

    def deploy(sha: str, committed: datetime, *, stage_fails: bool = False) -> Callable[[], None]:
        def steps() -> None:
            ctx = week.commit(sha, committed)
            try:
                week.at(max(week.clock, committed) + timedelta(seconds=40))
                if stage_fails:
                    week.live.faults.add(Fault.server_error(503), method="PATCH", times=FAST["max_attempts"])
                    with pytest.raises(DeployError):
                        stage.run(week.make_settings(action="stage"), ctx)
                    week.at(committed + timedelta(minutes=6))
                stage.run(week.make_settings(action="stage"), ctx)
                week.at(week.clock + timedelta(seconds=55))
                promote.run(week.make_settings(action="promote"), ctx)
            finally:
                ctx.close()

        return steps

    yield START + timedelta(hours=9, minutes=10), deploy("a" * 40, START + timedelta(hours=9, minutes=10))

    def change_b() -> None:
        week.edit("Flip a coin", "Flip a fair coin")
        deploy("b" * 40, week.clock)()

    yield START + day + timedelta(hours=14, minutes=20), change_b

    def change_c() -> None:
        week.edit("Flip a fair coin", "Flip a fair, shiny coin")
        deploy("c" * 40, week.clock, stage_fails=True)()

    yield START + 2 * day + timedelta(hours=11, minutes=5), change_c

    def delete_by_hand() -> None:
        live = week.live.commands(APP_ID)
        week.live.set_commands(APP_ID, None, [c for c in live if c["name"] != "ping"])

    yield START + 3 * day + timedelta(hours=6, minutes=30), delete_by_hand

    def repair() -> None:  # the on-call engineer deploys again: stage (no-op) then promote restores ping
        deploy("c" * 40, START + 2 * day + timedelta(hours=11, minutes=5))()

    yield START + 3 * day + timedelta(hours=10, minutes=45), repair

    def roll_back_staging() -> None:
        ctx = week.commit("c" * 40, START + 2 * day + timedelta(hours=11, minutes=5))
        try:
            rollback.run(week.make_settings(action="rollback", environment="staging"), ctx)
        finally:
            ctx.close()

    yield START + 4 * day + timedelta(hours=16), roll_back_staging


@pytest.fixture
def week(workspace: Path, make_settings: SettingsFactory, live: Emulator, tmp_path: Path) -> Iterator[Week]:
    week = Week(workspace, make_settings, live, tmp_path)
    events = list(run_week(week))
    checks = [START + timedelta(hours=h, minutes=3) for h in range(FIRST_CHECK_HOUR, 7 * 24)]
    merged = sorted([(t, week.health) for t in checks] + events, key=lambda pair: pair[0])
    try:
        for moment, step in merged:
            week.at(max(moment, week.clock))
            step()
        week.at(END)
        yield week
    finally:
        week.health_ctx.close()


def raw_lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def when(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_dashboard_figures_match_the_raw_lines(week: Week, make_settings: SettingsFactory) -> None:
    ctx = Runtime(workspace=week.workspace, client_options=dict(FAST), now=lambda: END)
    try:
        outcome = dashboard.run(make_settings(action="dashboard"), ctx)
    finally:
        ctx.close()
    report = outcome.report
    assert report is not None and outcome.exit_code == 0

    ledger = raw_lines(week.workspace / "deployment.log")
    results = [e for e in ledger if e["outcome"] != "started"]

    # Deploy success rate per environment: stage and promote results, "success" as recorded.
    for environment in ("staging", "production"):
        mine = [e for e in results if e["environment"] == environment and e["action"] in ("stage", "promote")]
        succeeded = sum(1 for e in mine if e["success"])
        assert report["deploys"][environment] == {
            "deploys": len(mine),
            "succeeded": succeeded,
            "failed": len(mine) - succeeded,
            "rate": succeeded / len(mine),
        }
    assert report["deploys"]["staging"]["failed"] == 1  # the 503

    # Merge to production: first verified (written) promote of each commit, from its commit time, when an
    # earlier promote ended before the commit (the record reaches back to it): the record's first commit is not.
    first: dict[str, float] = {}
    ends: list[datetime] = []
    for entry in sorted(results, key=lambda e: e["ended_at"]):
        if entry["action"] != "promote":
            continue
        reaches_back = any(end.replace(microsecond=0) <= when(entry["commit_time"]) for end in ends)
        ends.append(when(entry["ended_at"]))
        if entry["outcome"] == "success" and entry["git_sha"] not in first and reaches_back:
            first[entry["git_sha"]] = (when(entry["ended_at"]) - when(entry["commit_time"])).total_seconds()
    assert len(first) == 2
    leads = list(first.values())
    assert report["merge_to_production"] == {
        "commits": 2,
        "median_seconds": statistics.median(leads),
        "p95_seconds": nearest_rank(leads, 0.95),
    }

    # Health: per day median and p95 of the production GET times, and the failed-GET share.
    metrics = [m for m in raw_lines(week.workspace / "metrics.log") if m["environment"] == "production"]
    assert len(metrics) == 7 * 24 - FIRST_CHECK_HOUR
    by_day: dict[date, list[dict[str, Any]]] = defaultdict(list)
    for line in metrics:
        by_day[when(line["time"]).date()].append(line)
    reported = {d["day"]: d for d in report["health"]["days"]}
    for day, lines in by_day.items():
        times = [line["response_time_ms"] for line in lines if line["response_time_ms"] is not None]
        assert reported[day.isoformat()]["checks"] == len(lines)
        assert reported[day.isoformat()]["median_ms"] == statistics.median(times)
        assert reported[day.isoformat()]["p95_ms"] == nearest_rank(times, 0.95)
        assert reported[day.isoformat()]["error_rate"] == sum(1 for x in lines if x["error"]) / len(lines)

    # Availability: unhealthy from the first unhealthy check to the next check that was not.
    down = 0.0
    for line, following in itertools.pairwise(metrics):
        if line["outcome"] == "unhealthy":
            down += (when(following["time"]) - when(line["time"])).total_seconds()
    unhealthy = [m for m in metrics if m["outcome"] == "unhealthy"]
    assert unhealthy and all("ping" in m["missing"] for m in unhealthy)
    observed = (when(metrics[-1]["time"]) - when(metrics[0]["time"])).total_seconds()
    incidents = report["availability"]["incidents"]
    assert len(incidents) == 1
    assert incidents[0]["start"] == unhealthy[0]["time"].replace("Z", "+00:00")
    assert incidents[0]["checks"] == len(unhealthy)
    assert report["availability"]["down_seconds"] == down == incidents[0]["seconds"]
    assert report["availability"]["share"] == pytest.approx(1 - down / observed)

    # Backups (files in the store), rollbacks (the record), alerts (alerts.log lines).
    assert report["backups"] == len(list((week.workspace / "command-backups").rglob("commands-*.json")))
    assert report["rollbacks"] == sum(1 for e in results if e["action"] == "rollback") == 1
    alerts = raw_lines(week.workspace / "alerts.log")
    assert report["alerts"] == len(alerts) and any(a["event"] == "fire" for a in alerts)

    # The HTML and the Markdown show the same figures.
    html = (week.workspace / "command-dashboard.html").read_text(encoding="utf-8")
    markdown = (week.workspace / "command-dashboard.md").read_text(encoding="utf-8")
    assert markdown == outcome.summary
    share = f"{report['availability']['share'] * 100:.3f}%"
    for text in (html, markdown):
        assert share in text and "xychart-beta" not in html
    assert markdown.count("```mermaid") == 6
    assert html.count("<canvas") == 6 and "https://" not in html.split("<script>", 1)[0]


def test_the_vendored_chart_library_is_the_pinned_release() -> None:
    import hashlib

    root = Path(__file__).resolve().parents[2]
    library = (root / "alia_action" / "dashboard" / "vendor" / "chart.umd.min.js").read_bytes()
    script = (root / "tools" / "vendor_chartjs.sh").read_text(encoding="utf-8")
    assert library.startswith(b"/*!\n * Chart.js v4.6.1\n")
    assert f"SHA256={hashlib.sha256(library).hexdigest()}" in script
    assert (root / "alia_action" / "dashboard" / "vendor" / "LICENSE.chartjs.md").read_text().startswith("The MIT")


def test_the_dashboard_reads_more_history_than_a_check_keeps(tmp_path: Path) -> None:
    """The dashboard reads every check of the history, not only the newest few a trend needs."""
    from alia_action.config import Settings
    from bench.dashboard_history import END as HISTORY_END
    from bench.dashboard_history import write_history

    lines = write_history(tmp_path, days=10, every=timedelta(minutes=5))
    assert lines == 2880
    ctx = Runtime(workspace=tmp_path, now=lambda: HISTORY_END)
    try:
        outcome = dashboard.run(Settings.from_cli({"action": "dashboard"}, {}, None), ctx)
    finally:
        ctx.close()
    assert outcome.report is not None and outcome.report["health"]["checks"] == 2880
