"""Requests, wall time and side effects per operation: command-deploy ``stage`` versus two alternatives.

All three deploy the same 130 commands (a full scope) to a guild of the project's Discord emulator,
in this process over loopback HTTP, with the emulator's default rate limits (50 requests per route
per second). Every repetition starts from a fresh emulator state seeded with the previous set.
Counts come from the emulator's request log; version bumps from the commands' ``version`` before and
after; creates from the emulator's daily-create window.

* command-deploy: ``alia_action.handlers.stage.run`` (read, plan, back up, one write when the plan is not
  empty: POST/PATCH/DELETE of that command for a single change, else one bulk PUT; verify by a fresh GET;
  ledger).
* A: an unconditional bulk PUT every run (discord.js guide ``deploy-commands.js``, discord.py ``tree.sync``).
* B: per-command writes after one GET (Sapphire's default strategy), see ``bench/alternatives.py``.
"""

from __future__ import annotations

import argparse
import copy
import json
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/requests.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.handlers import stage
from alia_action.runtime import Runtime
from bench.alternatives import bulk_put, individual, scope_path
from bench.commandsets import Command, changed, discord_body, full_scope, write_files
from bench.rest import RateLimitedSession
from bench.stats import Timing, ms
from bench.table import markdown_table

APP_ID = "1190000000000000001"
GUILD_ID = "1190000000000000002"
TOKEN = "bench-emulator-token"  # a dummy the emulator accepts; worthless anywhere else
METHODS = ("GET", "PUT", "POST", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    live: list[Command]  # what the guild holds before the run
    local: list[Command]  # the command files of the run
    changed: frozenset[str]  # names whose definition really changes (a version bump elsewhere is needless)


def scenarios(base: list[Command]) -> list[Scenario]:
    first = base[0]
    renamed = {**copy.deepcopy(first), "name": f"{first['name']}-new", "renamedFrom": first["name"]}
    return [
        Scenario("no-op (nothing changed)", base, base, frozenset()),
        Scenario("one change (a description)", base, [changed(first), *base[1:]], frozenset({first["name"]})),
        Scenario("one rename (`renamedFrom`)", base, [renamed, *base[1:]], frozenset({renamed["name"]})),
        Scenario(f"all {len(base)} changed", base, [changed(c) for c in base], frozenset(c["name"] for c in base)),
        Scenario(f"first deploy ({len(base)} new)", [], base, frozenset(c["name"] for c in base)),
    ]


def read_files(workspace: Path) -> list[Command]:
    """What a deploy script does first: read every command file."""
    commands: list[Command] = []
    for path in sorted((workspace / "commands").rglob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        commands.extend(data if isinstance(data, list) else [data])
    return commands


def run_ours(emulator: Emulator, workspace: Path) -> None:
    values = {
        "action": "stage",
        "commands": "commands",
        "bot_token": TOKEN,
        "application_id": APP_ID,
        "guild_id": GUILD_ID,
        "discord_api_url": emulator.url,
    }
    settings = Settings.from_cli(values, {}, None)
    ctx = Runtime(workspace=workspace)
    try:
        outcome = stage.run(settings, ctx)
    finally:
        ctx.close()
    if outcome.exit_code != 0:
        raise RuntimeError(f"stage failed: {outcome.lines}")


def run_bulk_put(emulator: Emulator, workspace: Path) -> None:
    commands = [discord_body(c) for c in read_files(workspace)]
    with RateLimitedSession(emulator.url, TOKEN) as session:
        bulk_put(session, scope_path(APP_ID, GUILD_ID), commands)


def run_individual(emulator: Emulator, workspace: Path) -> None:
    commands = [discord_body(c) for c in read_files(workspace)]
    with RateLimitedSession(emulator.url, TOKEN) as session:
        individual(session, scope_path(APP_ID, GUILD_ID), commands, guild=True)


Runner = Callable[[Emulator, Path], None]
TOOLS: tuple[tuple[str, Runner], ...] = (
    ("command-deploy `stage`", run_ours),
    ("A: bulk PUT every run", run_bulk_put),
    ("B: per-command (Sapphire)", run_individual),
)


@dataclass(frozen=True, slots=True)
class Measurement:
    scenario: str
    tool: str
    methods: Counter[str]
    rate_limited: int
    timing: Timing
    bumped: int  # commands that kept their ID and got a new version
    needless: int  # of those, commands whose definition did not change
    creates: int  # daily creates spent
    end_state_ok: bool  # the guild holds exactly the local set afterwards


def measure(emulator: Emulator, scenario: Scenario, tool: str, runner: Runner, reps: int, root: Path) -> Measurement:
    samples: list[float] = []
    for rep in range(reps):
        emulator.reset()  # commands, log, rate-limit buckets and daily budget: every rep starts equal
        emulator.set_commands(APP_ID, GUILD_ID, [discord_body(c) for c in scenario.live])
        workspace = Path(tempfile.mkdtemp(prefix=f"rep{rep}-", dir=root))
        write_files(scenario.local, workspace / "commands", folders=8)
        before = {c["id"]: (c["version"], c["name"]) for c in emulator.commands(APP_ID, GUILD_ID)}
        start = time.perf_counter()
        runner(emulator, workspace)
        samples.append(time.perf_counter() - start)
    log = emulator.requests
    after = emulator.commands(APP_ID, GUILD_ID)
    bumped = [c for c in after if c["id"] in before and before[c["id"]][0] != c["version"]]
    wanted = {(int(c.get("type", 1)), str(c["name"])) for c in scenario.local}
    return Measurement(
        scenario=scenario.name,
        tool=tool,
        methods=Counter(r.method for r in log),
        rate_limited=sum(1 for r in log if r.status == 429),
        timing=Timing.of(samples),
        bumped=len(bumped),
        needless=sum(1 for c in bumped if c["name"] not in scenario.changed),
        creates=emulator.daily_creates(APP_ID, GUILD_ID),
        end_state_ok={(c["type"], c["name"]) for c in after} == wanted,
    )


def render(results: list[Measurement]) -> str:
    header = [
        "operation",
        "tool",
        *METHODS,
        "429",
        "requests",
        "wall ms",
        "versions changed (needless)",
        "creates",
        "end state",
    ]
    rows = [
        [
            m.scenario,
            m.tool,
            *(m.methods.get(method, 0) for method in METHODS),
            m.rate_limited,
            sum(m.methods.values()),
            ms(m.timing.median_ms),
            f"{m.bumped} ({m.needless})",
            m.creates,
            "ok" if m.end_state_ok else "WRONG",
        ]
        for m in results
    ]
    return markdown_table(header, rows)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="timed runs per tool and operation")
    parser.add_argument("--quick", action="store_true", help="14 commands, 1 run: checks the script works")
    args = parser.parse_args(argv)
    reps = 1 if args.quick else args.reps
    base = full_scope(10, 2, 2) if args.quick else full_scope()

    results: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="bench-requests-") as tmp, Emulator() as emulator:
        emulator.add_application(APP_ID, TOKEN)
        emulator.add_guild(APP_ID, GUILD_ID)
        root = Path(tmp)
        cases = scenarios(base)
        for tool, runner in TOOLS:  # warm-up: imports and first connections stay out of the timings
            measure(emulator, cases[0], tool, runner, 1, root)
        for scenario in cases:
            for tool, runner in TOOLS:
                results.append(measure(emulator, scenario, tool, runner, reps, root))

    print(f"## Requests per deploy: {len(base)} commands in a guild\n")
    print(
        f"Median wall time of {reps} run(s) per cell, in this process against the emulator over loopback HTTP "
        "(rate limit 50 requests per route per second, as the emulator answers by default). command-deploy's "
        "time includes loading and validating the files, the backup and the ledger; A and B read the same files "
        "as plain JSON. Versions changed: commands that kept their ID but got a new `version` (needless: "
        "their definition did not change; clients holding the old version can fail for a while). "
        "Creates: spent from Discord's 200-a-day budget. End state: the guild holds exactly the local set.\n"
    )
    print(render(results))
    false_patches = next(
        (m.methods.get("PATCH", 0) for m in results if m.tool == TOOLS[2][0] and m.scenario == cases[0].name), 0
    )
    if false_patches:
        print(
            f"\nB's {false_patches} PATCH(es) on the no-op are Sapphire's `integration_types` false difference: "
            "a command file that omits `integration_types` gets `[0]` back from Discord, which Sapphire counts "
            "as a change on every run (command-deploy warns about the omission and compares only what the "
            "file states)."
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
