"""``command-deploy monitor``: a line a check, Ctrl+C stops it mid-wait and mid-read with a summary, and its
files stay flat (the 10,000-check run with its memory figures is ``bench/monitor.py``).

The emulator runs as its own process (``command-deploy emulator --port N``), as a user would run it, so SIGINT
goes to a real CLI process. No test here asserts a wall time: what shows that Ctrl+C is prompt is what the
monitor did not wait for (a 10-minute interval, an answer the emulator had not sent yet).
"""

from __future__ import annotations

import gc
import io
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from alia_action.config import Settings
from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_TOKEN
from alia_action.monitor import monitor
from alia_action.runtime import Runtime
from alia_action.workflow import Workflow
from tests.support.discord_fixtures import FAST
from tests.support.health_history import expected_set

ROOT = Path(__file__).resolve().parents[2]
TOOK = r"(\d+ ms|[\d.]+ s|\d+ min( \d+ s)?)"  # a human duration: "230 ms", "1.5 s", "3 min 15 s"
CHECK_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ  (healthy|degraded|unhealthy) ")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmulatorProcess:
    """``python -m alia_action.cli emulator --port N`` in the background, driven through its control API."""

    def __init__(self) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(self.port), "--no-state"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.proc.stdout is not None
        banner = self.proc.stdout.readline()
        assert "listening on" in banner, banner
        self.url = f"http://127.0.0.1:{self.port}/api/v10"
        self.control = httpx.Client(base_url=f"http://127.0.0.1:{self.port}/_emulator", timeout=10)

    def seed(self, commands: list[dict[str, Any]]) -> None:
        reply = self.control.put(
            "/commands", json={"application_id": TEST_APPLICATION_ID, "guild_id": None, "commands": commands}
        )
        reply.raise_for_status()

    def configure(self, **values: Any) -> None:
        self.control.put("/config", json=values).raise_for_status()

    def fault(self, **spec: Any) -> None:
        self.control.post("/faults", json=spec).raise_for_status()

    def requests(self) -> list[dict[str, Any]]:
        reply = self.control.get("/requests")
        reply.raise_for_status()
        return list(reply.json())

    def stop(self) -> None:
        self.control.close()
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        assert self.proc.stdout is not None
        self.proc.stdout.close()


@pytest.fixture
def emulator_process() -> Iterator[EmulatorProcess]:
    process = EmulatorProcess()
    try:
        yield process
    finally:
        process.stop()


def start_monitor(workspace: Path, emulator: EmulatorProcess, *extra: str) -> tuple[subprocess.Popen[str], list[str]]:
    """The CLI's monitor as a user starts it; its stdout lines are collected as they come."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "INPUT_"))}
    env.update({"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID, "PYTHONUNBUFFERED": "1"})
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "alia_action.cli", "monitor", "--interval", "0.2s", "--commands", "commands"),
            *("--discord-api-url", emulator.url, *extra),  # a later --interval in extra wins
        ],
        cwd=workspace,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    return proc, lines


def wait_for(condition: Any, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def interrupt(proc: subprocess.Popen[str]) -> None:
    """Send SIGINT and wait for the exit (the generous bound only keeps a broken build from hanging)."""
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)


def test_monitor_stops_on_sigint_during_its_interval_with_a_summary(
    workspace: Path, emulator_process: EmulatorProcess
) -> None:
    emulator_process.seed(expected_set(workspace, guild=False))
    proc, lines = start_monitor(workspace, emulator_process, "--interval", "10m")
    wait_for(lambda: sum(bool(CHECK_LINE.match(line)) for line in lines) >= 1)
    interrupt(proc)  # mid-way through a 10-minute wait: the exit shows the wait was cut short
    checks = [line for line in lines if CHECK_LINE.match(line)]
    assert proc.returncode == 0, "\n".join(lines)
    assert len(checks) == 1
    assert all("50 live / 50 expected" in line for line in checks)
    assert re.search(r"  [▁▂▃▄▅▆▇█]+$", checks[-1]), checks[-1]
    summary = lines[-1]
    assert re.fullmatch(
        rf"monitor stopped after {len(checks)} check\(s\) in {TOOK}: {len(checks)} healthy, 0 degraded, "
        r"0 unhealthy; median response time \d+ ms",
        summary,
    ), summary
    assert "Traceback" not in "\n".join(lines)
    assert len((workspace / "metrics.log").read_text().splitlines()) == len(checks)


def test_sigint_during_a_slow_read_aborts_it_within_a_second_and_records_nothing_half_done(
    workspace: Path, emulator_process: EmulatorProcess
) -> None:
    emulator_process.seed(expected_set(workspace, guild=False))
    proc, lines = start_monitor(workspace, emulator_process)
    wait_for(lambda: sum(bool(CHECK_LINE.match(line)) for line in lines) >= 2)
    emulator_process.fault(kind="slow", seconds=30, method="GET", times=5)
    wait_for(lambda: any(r["fault"] == "slow" for r in emulator_process.requests()))  # a check waits for Discord
    interrupt(proc)
    # The emulator has not answered the slow GET yet: the monitor stopped without waiting for it.
    slow = [r for r in emulator_process.requests() if r["fault"] == "slow"]
    assert slow and slow[0]["status"] is None, slow
    assert proc.returncode == 0, lines
    checks = [line for line in lines if CHECK_LINE.match(line)]
    assert lines[-1].startswith(f"monitor stopped after {len(checks)} check(s)")
    records = [json.loads(line) for line in (workspace / "metrics.log").read_text().splitlines()]
    assert len(records) == len(checks) and all(r["outcome"] == "healthy" for r in records)


def test_monitor_prints_one_line_a_check_and_alerts_once(workspace: Path, emulator_process: EmulatorProcess) -> None:
    emulator_process.seed([c for c in expected_set(workspace, guild=False) if c["name"] != "ping"])
    out = io.StringIO()
    settings = Settings.from_cli(
        {"action": "health", "discord_api_url": emulator_process.url, "interval": "0.01s"},
        {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID},
    )
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    assert monitor(settings, ctx, Workflow({}, out), max_checks=5) == 0
    lines = out.getvalue().splitlines()
    checks = [line for line in lines if CHECK_LINE.match(line)]
    assert len(checks) == 5
    assert all("unhealthy" in line and "49 live / 50 expected" in line and "1 missing: ping" in line for line in checks)
    assert [line.strip() for line in lines if "alert" in line] == ["alert fire production:missing (alerts.log only)"]
    assert re.fullmatch(
        rf"monitor stopped after 5 check\(s\) in {TOOK}: 0 healthy, 0 degraded, 5 unhealthy; "
        r"median response time \d+ ms",
        lines[-1],
    )


def test_many_checks_keep_open_files_flat_and_every_check_recorded(
    workspace: Path, emulator_process: EmulatorProcess
) -> None:
    """The functional part of the 10,000-check run (``bench/monitor.py``): nothing held open grows per check."""
    emulator_process.seed(expected_set(workspace, guild=False))
    emulator_process.configure(bucket_limit=10**9)  # Discord's real limits would space the GETs out
    settings = Settings.from_cli(
        {"action": "health", "discord_api_url": emulator_process.url, "interval": "0.000001s"},
        {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID},
    )
    checks = 300
    probe = Probe(at=(1 + 100, 1 + checks))  # line 1 is the "monitoring ..." header
    ctx = Runtime(workspace=workspace, client_options=dict(FAST))
    gc.collect()  # earlier tests' unreferenced sockets must not close mid-run and look like our doing
    assert monitor(settings, ctx, Workflow({}, probe), max_checks=checks) == 0
    (_, files_100), (_, files_300) = (probe.samples[k] for k in sorted(probe.samples))
    assert probe.last.startswith(f"monitor stopped after {checks} check(s)")
    assert files_300 == files_100
    lines = (workspace / "metrics.log").read_text().splitlines()
    assert len(lines) == checks and all(json.loads(line)["outcome"] == "healthy" for line in lines)
    assert not [p.name for p in workspace.iterdir() if p.name.endswith(".tmp")]


class Probe(io.StringIO):
    """The monitor's stdout: counts its lines (keeping none) and samples this process's memory and open files
    as they pass."""

    def __init__(self, at: tuple[int, ...]) -> None:
        super().__init__()
        self.lines = 0
        self.at = set(at)
        self.samples: dict[int, tuple[int, int]] = {}
        self.last = ""

    def write(self, text: str) -> int:
        for line in text.splitlines():
            self.lines += 1
            self.last = line
            if self.lines in self.at:
                self.samples[self.lines] = (rss_bytes(), open_files())
        return len(text)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_files() -> int:
    return len(os.listdir("/proc/self/fd"))
