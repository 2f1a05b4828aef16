"""``command-deploy monitor`` over 10,000 checks: time a check, and memory and open files that stay flat.

Two real processes, as a user runs them: ``command-deploy emulator --port N --no-state`` (seeded with the
examples' global commands through its control API) and ``command-deploy monitor --interval 0.000001s``. The
monitor's resident memory and open file descriptors are read from ``/proc/<pid>`` when its 1,050th, 5,050th
and 9,950th check line arrives (midway between its reconnects, every 100 checks); then SIGINT stops it and its
summary line is kept.

The verdict line (PASS/FAIL) states the property that was a test before it moved here: open files do not grow
after the first thousand checks, and memory grows by less than 4 MiB from 1k to the end (metrics.log grows
towards its 10,000-line cap in that span) and by less than 1 MiB over the last half.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/monitor.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.commands.plan import overwrite_body
from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_TOKEN
from alia_action.sources import load_commands
from alia_action.stores.metrics import METRICS_LINES
from bench import REPO
from bench.proc import clean_env
from bench.table import markdown_table

MIB = 2**20


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def open_files(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def start_emulator(home: Path) -> tuple[subprocess.Popen[str], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "alia_action.cli", "emulator", "--port", str(port), "--no-state"],
        cwd=home,
        env=clean_env(home),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    banner = proc.stdout.readline()
    if "listening on" not in banner:
        raise SystemExit(f"the emulator did not start: {banner}")
    return proc, f"http://127.0.0.1:{port}"


def control(root: str, method: str, path: str, body: object) -> None:
    import httpx

    httpx.request(method, f"{root}/_emulator{path}", json=body, timeout=10).raise_for_status()


def run(checks: int, workspace: Path) -> tuple[list[tuple[int, int, int]], float, str, int]:
    """Samples (check, RSS bytes, open files), seconds, the summary line and the metrics.log line count."""
    shutil.copytree(REPO / "examples" / "commands", workspace / "commands")
    expected = [c.data for c in load_commands("commands", workspace).commands if not c.development_only]
    emulator, root = start_emulator(workspace)
    try:
        body = {"application_id": TEST_APPLICATION_ID, "guild_id": None, "commands": overwrite_body(expected)}
        control(root, "PUT", "/commands", body)
        control(root, "PUT", "/config", {"bucket_limit": 10**9})  # Discord's limits would space 10,000 GETs out
        env = clean_env(workspace, {"BOT_TOKEN": TEST_TOKEN, "CLIENT_ID": TEST_APPLICATION_ID})
        monitor = subprocess.Popen(
            [
                *(sys.executable, "-m", "alia_action.cli", "monitor", "--commands", "commands"),
                *("--interval", "0.000001s", "--discord-api-url", f"{root}/api/v10"),
            ],
            cwd=workspace,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        # Midway between the monitor's reconnects (every 100 checks), so no sample catches a socket being swapped.
        at = {1_050, 5_050, checks - 50} if checks >= 5_100 else {checks // 2 + 50 - checks // 2 % 100, checks - 50}
        samples: list[tuple[int, int, int]] = []
        seen = 0
        began = time.perf_counter()
        assert monitor.stdout is not None
        for line in monitor.stdout:
            if line[:4].isdigit() and " live / " in line:  # a check line starts with its timestamp
                seen += 1
                if seen in at:
                    samples.append((seen, rss_bytes(monitor.pid), open_files(monitor.pid)))
                if seen == checks:
                    break
        spent = time.perf_counter() - began
        monitor.send_signal(signal.SIGINT)
        rest = monitor.communicate(timeout=60)[0]
        summary = next((x for x in reversed(rest.splitlines()) if x.startswith("monitor stopped")), "(no summary)")
    finally:
        emulator.send_signal(signal.SIGINT)
        emulator.communicate(timeout=30)
    lines = len((workspace / "metrics.log").read_text().splitlines())
    return samples, spent, summary, lines


def verdict(samples: list[tuple[int, int, int]]) -> str:
    files = [f for _, _, f in samples]
    rss = [r for _, r, _ in samples]
    flat_files = files[-1] <= files[0]
    flat_memory = rss[-1] - rss[0] < 4 * MIB and (len(rss) < 3 or rss[-1] - rss[-2] < MIB)
    ok = flat_files and flat_memory
    return (
        f"{'PASS' if ok else 'FAIL'}: open files {' → '.join(map(str, files))}; resident memory "
        f"{' → '.join(f'{r / MIB:.1f}' for r in rss)} MiB"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="300 checks: checks the script works")
    parser.add_argument("--checks", type=int, default=10_000)
    args = parser.parse_args(argv)
    checks = 300 if args.quick else args.checks
    with tempfile.TemporaryDirectory(prefix="bench-monitor-") as tmp:
        samples, spent, summary, lines = run(checks, Path(tmp) / "workspace")
    rows = [[f"{n:,}", f"{rss / MIB:.1f}", files] for n, rss, files in samples]
    print(f"## monitor: {checks:,} checks\n")
    print(
        f"`command-deploy monitor --interval 0.000001s` against `command-deploy emulator` (two processes), the "
        f"examples' 50 global commands live. {checks:,} checks in {spent:.1f} s "
        f"({spent / checks * 1000:.2f} ms a check, GET and metrics.log append included); metrics.log holds "
        f"{lines:,} lines at the end (capped at {METRICS_LINES:,}). Summary line: `{summary}`\n"
    )
    print(markdown_table(["after check", "resident memory MiB", "open files"], rows))
    print()
    print(verdict(samples))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
