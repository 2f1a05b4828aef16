"""Requests of a two-application pipeline: a staging bot and a production bot, counted by the emulator.

The emulator holds two applications; only the staging bot is a member of the staging guild. Each row is one
handler run in a fresh process-local Runtime on the examples (51 commands, one staging-only), and the counts
come from the emulator's own request log, split by the application whose token was sent (``caller``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as `python bench/two_applications.py`: import from the repo, not from bench/
    sys.path[0] = str(Path(__file__).resolve().parent.parent)

from alia_action.config import Settings
from alia_action.discord.emulator import Emulator
from alia_action.handlers import deploy, promote, stage
from alia_action.runtime import Runtime
from bench import REPO
from bench.table import markdown_table

PROD_APP, PROD_TOKEN = "1190000000000000101", "bench-production-bot-token"
STAGING_APP, STAGING_TOKEN = "1190000000000000202", "bench-staging-bot-token"
GUILD = "1190000000000000303"


def settings(emu: Emulator, action: str) -> Settings:
    values = {
        "action": action,
        "commands": "commands",
        "bot_token": PROD_TOKEN,
        "application_id": PROD_APP,
        "staging_bot_token": STAGING_TOKEN,
        "staging_application_id": STAGING_APP,
        "guild_id": GUILD,
        "discord_api_url": emu.url,
    }
    return Settings.from_cli(values, {}, None)


def measure(emu: Emulator, workspace: Path, label: str, handler: Callable[..., Any], action: str) -> list[object]:
    mark = len(emu.requests)
    runtime = Runtime(workspace=workspace)
    try:
        outcome = handler(settings(emu, action), runtime)
    finally:
        runtime.close()
    seen = emu.requests[mark:]
    by = Counter((r.caller, r.method) for r in seen)
    staging = sum(n for (caller, _), n in by.items() if caller == STAGING_APP)
    production = sum(n for (caller, _), n in by.items() if caller == PROD_APP)
    methods = ", ".join(f"{m} {n}" for m, n in sorted(Counter(r.method for r in seen).items()))
    return [label, outcome.exit_code, staging, production, len(seen), outcome.outputs.get("requests", ""), methods]


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).add_argument("--quick", action="store_true")
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        emu.add_application(PROD_APP, PROD_TOKEN)
        emu.add_application(STAGING_APP, STAGING_TOKEN)
        emu.add_guild(STAGING_APP, GUILD)
        for name in ("stage-promote", "deploy"):
            workspace = Path(tmp) / name
            shutil.copytree(REPO / "examples" / "commands", workspace / "commands")
            if name == "stage-promote":
                rows.append(measure(emu, workspace, "stage (first)", stage.run, "stage"))
                rows.append(measure(emu, workspace, "promote (first)", promote.run, "promote"))
                rows.append(measure(emu, workspace, "promote (nothing changed)", promote.run, "promote"))
            else:
                emu.reset()  # keeps the applications and the guild
                rows.append(measure(emu, workspace, "deploy in one job (first)", deploy.run, "deploy"))
                rows.append(measure(emu, workspace, "deploy in one job (nothing changed)", deploy.run, "deploy"))
        wrong = [r for r in emu.requests if r.caller is None or r.caller not in r.path]
    print("## Requests of a two-application pipeline (staging bot + production bot)\n")
    print(__doc__.split("\n\n", 1)[1].strip() + "\n")
    header = ["run", "exit", "staging bot", "production bot", "total", "`requests` output", "methods"]
    print(markdown_table(header, rows))
    print(f"\n{'PASS' if not wrong else 'FAIL'}: every request carried the token of the application in its path")
    return 0 if not wrong else 1


if __name__ == "__main__":
    sys.exit(main())
