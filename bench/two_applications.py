"""Requests of a two-application pipeline: a staging bot and a production bot, counted by the emulator.

The emulator holds two applications; only the staging bot is a member of the staging guild. Each row is one
handler run in a fresh process-local Runtime on the examples (51 commands, one staging-only), and the counts
come from the emulator's own request log, split by the application whose credential was sent (``caller``).
The pipeline runs twice: with the two bot tokens, then with the two applications' client secrets (each exchanged
at POST /oauth2/token for a Bearer token scoped applications.commands.update; "exchanges" counts those requests,
which the totals include and the `requests` output, command requests only, does not).
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
from alia_action.discord.emulator import Emulator, LoggedRequest
from alia_action.handlers import deploy, promote, stage
from alia_action.runtime import Runtime
from bench import REPO
from bench.table import markdown_table

PROD_APP, PROD_TOKEN = "1190000000000000101", "bench-production-bot-token"
STAGING_APP, STAGING_TOKEN = "1190000000000000202", "bench-staging-bot-token"
PROD_SECRET, STAGING_SECRET = "bench-production-client-secret", "bench-staging-client-secret"
GUILD = "1190000000000000303"


def settings(emu: Emulator, action: str, credential: str) -> Settings:
    values = {
        "action": action,
        "commands": "commands",
        "application_id": PROD_APP,
        "staging_application_id": STAGING_APP,
        "guild_id": GUILD,
        "discord_api_url": emu.url,
    }
    if credential == "client secrets":
        values |= {"client_secret": PROD_SECRET, "staging_client_secret": STAGING_SECRET}
    else:
        values |= {"bot_token": PROD_TOKEN, "staging_bot_token": STAGING_TOKEN}
    return Settings.from_cli(values, {}, None)


def measure(
    emu: Emulator, workspace: Path, label: str, handler: Callable[..., Any], action: str, credential: str
) -> list[object]:
    mark = len(emu.requests)
    runtime = Runtime(workspace=workspace)
    try:
        outcome = handler(settings(emu, action, credential), runtime)
    finally:
        runtime.close()
    seen = emu.requests[mark:]
    by = Counter((r.caller, r.method) for r in seen)
    staging = sum(n for (caller, _), n in by.items() if caller == STAGING_APP)
    production = sum(n for (caller, _), n in by.items() if caller == PROD_APP)
    exchanges = sum(1 for r in seen if r.path.endswith("/oauth2/token"))
    methods = ", ".join(f"{m} {n}" for m, n in sorted(Counter(r.method for r in seen).items()))
    row: list[object] = [label, credential, outcome.exit_code, staging, production, exchanges, len(seen)]
    return [*row, outcome.outputs.get("requests", ""), methods]


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).add_argument("--quick", action="store_true")
    rows: list[list[object]] = []
    with tempfile.TemporaryDirectory() as tmp, Emulator() as emu:
        emu.add_application(PROD_APP, PROD_TOKEN)
        emu.add_application(STAGING_APP, STAGING_TOKEN)
        emu.add_client_secret(PROD_APP, PROD_SECRET)
        emu.add_client_secret(STAGING_APP, STAGING_SECRET)
        emu.add_guild(STAGING_APP, GUILD)
        wrong: list[str] = []
        for credential in ("bot tokens", "client secrets"):
            emu.reset()  # keeps the applications, their secrets and the guild
            for name in ("stage-promote", "deploy"):
                workspace = Path(tmp) / credential.replace(" ", "-") / name
                shutil.copytree(REPO / "examples" / "commands", workspace / "commands")
                runs: list[tuple[str, Callable[..., Any], str]] = (
                    [
                        ("stage (first)", stage.run, "stage"),
                        ("promote (first)", promote.run, "promote"),
                        ("promote (nothing changed)", promote.run, "promote"),
                    ]
                    if name == "stage-promote"
                    else [
                        ("deploy in one job (first)", deploy.run, "deploy"),
                        ("deploy in one job (nothing changed)", deploy.run, "deploy"),
                    ]
                )
                if name == "deploy":
                    emu.reset()
                for label, handler, action in runs:
                    mark = len(emu.requests)
                    rows.append(measure(emu, workspace, label, handler, action, credential))
                    wrong += [f"{label}: {r.method} {r.path}" for r in emu.requests[mark:] if not _home(r, credential)]
    print("## Requests of a two-application pipeline (staging bot + production bot)\n")
    print(__doc__.split("\n\n", 1)[1].strip() + "\n")
    header = ["run", "credential", "exit", "staging app", "production app", "exchanges", "total"]
    print(markdown_table([*header, "`requests` output", "methods"], rows))
    verdict = "PASS" if not wrong else "FAIL"
    print(f"\n{verdict}: every request carried the credential of the application in its path (Bearer with secrets)")
    return 0 if not wrong else 1


def _home(request: LoggedRequest, credential: str) -> bool:
    """The request carried its own application's credential, of the kind the run was given."""
    scheme = request.headers.get("authorization", "").split(" ")[0]
    if request.path.endswith("/oauth2/token"):
        return credential == "client secrets" and scheme == "Basic" and request.caller is not None
    expected = "Bearer" if credential == "client secrets" else "Bot"
    return scheme == expected and request.caller is not None and request.caller in request.path


if __name__ == "__main__":
    sys.exit(main())
