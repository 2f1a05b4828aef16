"""``command-deploy inventory`` of a bot's fleet against the emulator at Discord's limits (50 requests a second,
Discord's headers and 429 bodies): requests, wall time over the rate-limit floor (requests / 50 per s), invalid
answers in the busiest 10 minutes, peak memory of the inventory process.

The emulator runs in a process of its own (its request log is not ours to measure); the inventory runs as the
CLI would, in a fresh process whose peak RSS is read from ``wait4``.

    python bench/inventory.py            # 1,000 and 10,000 guilds (10% holding guild commands, 5% without scope)
    python bench/inventory.py --quick    # 300 guilds
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from alia_action.discord.emulator import TEST_APPLICATION_ID, TEST_TOKEN  # noqa: E402
from tests.support.cli_process import free_port  # noqa: E402

DISCORD_RATE = 50  # requests per second per bot (rate-limits.mdx)


def start_emulator(port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "alia_action.discord.emulator", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            httpx.get(f"http://127.0.0.1:{port}/_emulator/requests", timeout=1)
            return proc
        except httpx.TransportError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the emulator did not start")


def one(guilds: int) -> dict[str, float]:
    port = free_port()
    emulator = start_emulator(port)
    root = f"http://127.0.0.1:{port}"
    try:
        httpx.put(f"{root}/_emulator/config", json={"global_limit": DISCORD_RATE}, timeout=10).raise_for_status()
        fleet = {
            "application_id": TEST_APPLICATION_ID,
            "count": guilds,
            "with_commands": guilds // 10,
            "without_scope": guilds // 20,
        }
        httpx.post(f"{root}/_emulator/fleet", json=fleet, timeout=120).raise_for_status()
        with tempfile.TemporaryDirectory() as tmp:
            workspace = Path(tmp)
            shutil.copytree(ROOT / "examples" / "commands", workspace / "commands")
            env = {"PATH": os.environ.get("PATH", ""), "HOME": tmp, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TEST_TOKEN}
            args = [sys.executable, "-m", "alia_action.cli", "inventory", "--commands", "commands", "--format", "json"]
            args += ["--application-id", TEST_APPLICATION_ID, "--discord-api-url", f"{root}/api/v10"]
            started = time.monotonic()
            out = open(workspace / "report.json", "wb")  # noqa: SIM115
            proc = subprocess.Popen(args, cwd=workspace, env=env, stdout=out, stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(proc.pid, 0)
            wall = time.monotonic() - started
            out.close()
            if status != 0:
                raise SystemExit(f"inventory exited with {status}")
            report = json.loads((workspace / "report.json").read_text())
        served = httpx.get(f"{root}/_emulator/requests", timeout=60).json()
    finally:
        emulator.terminate()
        emulator.wait(10)
    inv = report["inventory"]
    statuses = [r.get("status") for r in served]
    floor = inv["requests"] / DISCORD_RATE
    return {
        "guilds": inv["guilds"]["total"],
        "holding": len(inv["stale"]),
        "no_scope": len(inv["no_scope"]),
        "requests": inv["requests"],
        "429s": statuses.count(429),
        "wall": wall,
        "floor": floor,
        "ratio": wall / floor,
        "invalid_peak": inv["invalid_answers_peak_10min"],
        "peak_mib": usage.ru_maxrss / 1024,  # Linux: KiB
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    sizes = [300] if parser.parse_args().quick else [1_000, 10_000]
    rows = [one(n) for n in sizes]
    print(
        "| guilds | holding commands | without scope | requests | 429s | wall (s) | floor (s) | wall / floor "
        "| invalid answers, busiest 10 min | peak RSS (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['guilds']:,} | {r['holding']:,} | {r['no_scope']:,} | {r['requests']:,} | {r['429s']} "
            f"| {r['wall']:.1f} | {r['floor']:.1f} | {r['ratio']:.3f} | {r['invalid_peak']} | {r['peak_mib']:.1f} |"
        )


if __name__ == "__main__":
    main()
