"""promote with per-guild command sets to many guilds: the requests it makes, counted by the emulator.

The examples (global) plus eleven per-guild commands: ``admin`` in every guild and ``tier0``..``tier9``, each in
a tenth of the guilds (guild i holds admin and tier(i mod 10)). After stage, promote runs three times: the first
deploy to every guild, a re-run with nothing changed, and a run after one command (``tier3``) changed. The goal:
one read per guild, and a write (with its verification GET) only in the guilds whose set changed. Requests are
counted from the emulator's own log. The emulator serves Discord's global limit (50 requests a second per bot,
with its headers and 429 bodies) and the client's rate-limit engine paces to it; the floor is requests ÷ 50 per
second, and wall / floor says how close a run comes to it. Guild GETs and writes count answered requests (a 429,
waited out and sent again, is in the requests and the 429s); ledger reads count the opens of ``deployment.log``
for reading (Python's audit hook), which the run's own appends do not need. CPU s is the process's CPU time
(the in-process emulator's included): unlike the wall time, other work on the machine hardly moves it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/per_guild.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.handlers import promote, stage
from alia_action.runtime import Runtime
from bench import REPO
from bench.table import machine, markdown_table

APP, TOKEN, STAGING = "1190000000000000101", "bench-per-guild-bot-token", "1190000000000000303"
GLOBAL_RATE = 50.0  # requests a second per bot (developers/topics/rate-limits.mdx)
TIERS = 10
TARGET = 1.15  # wall / floor for a promote to 1,000 guilds (issue 23); the engine's own pacing is 1.05


def guild_ids(count: int) -> list[str]:
    return [str(1200000000000000000 + i) for i in range(count)]


def write_sets(workspace: Path, guilds: list[str], changed: bool) -> None:
    commands = [{"name": "admin", "description": "Support tools", "guilds": guilds}]
    for tier in range(TIERS):
        text = f"Tier {tier} features" + (" (new)" if changed and tier == 3 else "")
        commands.append({"name": f"tier{tier}", "description": text, "guilds": guilds[tier::TIERS]})
    folder = workspace / "commands" / "guild-sets"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sets.json").write_text(json.dumps(commands), encoding="utf-8")


def settings(emu: Emulator, action: str) -> Settings:
    values = {
        "action": action,
        "commands": "commands",
        "bot_token": TOKEN,
        "application_id": APP,
        "guild_id": STAGING,
        "discord_api_url": emu.url,
    }
    return Settings.from_cli(values, {}, None)


class LedgerReads:
    """Opens of ``deployment.log`` for reading, seen through Python's audit hook (every open raises ``open``);
    its appends open it write-only."""

    def __init__(self, path: Path) -> None:
        self.path = str(path)
        self.count = 0
        sys.addaudithook(self._event)  # a hook cannot be removed: one per run of the script

    def _event(self, event: str, args: tuple[object, ...]) -> None:
        if event == "open" and str(args[0]) == self.path and isinstance(args[2], int):
            self.count += not args[2] & (os.O_WRONLY | os.O_RDWR)


def measure(emu: Emulator, workspace: Path, label: str, action: str, guilds: int, ledger: LedgerReads) -> list[object]:
    mark, opened = len(emu.requests), ledger.count
    runtime = Runtime(workspace=workspace)
    started, cpu = time.perf_counter(), time.process_time()
    try:
        outcome = (stage.run if action == "stage" else promote.run)(settings(emu, action), runtime)
    finally:
        runtime.close()
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    seen = emu.requests[mark:]
    # Answered requests: a 429 (waited out, then sent again) is counted in the requests and the 429s only.
    in_guilds = [r for r in seen if "/guilds/" in r.path and f"/guilds/{STAGING}/" not in r.path and r.status != 429]
    reads = sum(r.method == "GET" for r in in_guilds)
    writes = len(in_guilds) - reads
    written = len({r.path.split("/guilds/")[1].split("/")[0] for r in in_guilds if r.method != "GET"})
    floor = len(seen) / GLOBAL_RATE
    limited = sum(r.status == 429 for r in seen)
    methods = ", ".join(f"{m} {n}" for m, n in sorted(Counter(r.method for r in seen).items()))
    row: list[object] = [label, guilds, outcome.exit_code, len(seen), reads, writes, written, limited]
    row.append(ledger.count - opened)
    return [*row, f"{cpu:.1f}", f"{wall:.1f}", f"{floor:.1f}", f"{wall / floor:.2f}", methods]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 guilds instead of 1,000")
    parser.add_argument("--guilds", type=int, default=1000)
    args = parser.parse_args(argv)
    count = 20 if args.quick else args.guilds
    guilds = guild_ids(count)
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp, Emulator(global_limit=int(GLOBAL_RATE)) as emu:
        emu.add_application(APP, TOKEN)
        emu.add_guild(APP, STAGING)
        for guild in guilds:
            emu.add_guild(APP, guild)
        workspace = Path(tmp) / "workspace"
        shutil.copytree(REPO / "examples" / "commands", workspace / "commands")
        write_sets(workspace, guilds, changed=False)
        ledger = LedgerReads(workspace / "deployment.log")
        rows.append(measure(emu, workspace, "stage", "stage", count, ledger))
        rows.append(measure(emu, workspace, "promote (first: every guild)", "promote", count, ledger))
        rows.append(measure(emu, workspace, "promote (nothing changed)", "promote", count, ledger))
        write_sets(workspace, guilds, changed=True)
        rows.append(measure(emu, workspace, "stage (tier3 changed)", "stage", count, ledger))
        rows.append(measure(emu, workspace, "promote (tier3 changed)", "promote", count, ledger))
    print(f"## promote with per-guild command sets to {count} guilds\n")
    print(__doc__.split("\n\n", 1)[1].strip() + "\n")
    header = ["run", "guilds", "exit", "requests", "guild GETs", "guild writes", "guilds written", "429s"]
    header += ["ledger reads", "CPU s", "wall s"]
    print(markdown_table([*header, "floor s (÷ 50/s)", "wall / floor", "methods"], rows))
    changed = rows[-1]
    expected = (count, count // TIERS + (1 if count % TIERS > 3 else 0))
    ok = (changed[4], changed[5]) == (count + expected[1], expected[1]) and rows[2][5] == 0
    verdict = "PASS" if ok else "FAIL"
    print(
        f"\n{verdict}: nothing changed: {rows[2][4]} guild GETs, {rows[2][5]} writes; one command changed: "
        f"{changed[5]} write(s), one in each of the {expected[1]} guilds holding it, and {changed[4]} guild GETs "
        f"({count} reads + {expected[1]} verifications)"
    )
    ratios = {"first deploy": float(str(rows[1][-2])), "one command changed": float(str(changed[-2]))}
    met = all(r <= TARGET for r in ratios.values())
    shown = ", ".join(f"{label} {ratio:.2f}" for label, ratio in ratios.items())
    verdict = "within" if met else "NOT within"
    print(f"\nwall / floor: {shown}; {verdict} the {TARGET} target (issue 23, set for 1,000 guilds)")
    print(f"\n{machine()}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
