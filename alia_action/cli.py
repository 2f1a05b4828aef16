"""``command-deploy``: the action's handlers from a terminal (the original ``npm run commands:*`` scripts).

Settings come from flags, then the environment, then ``.env`` (``BOT_TOKEN``, ``CLIENT_ID``,
``GUILD_ID``, ``SENTRY_DSN``, ``SLACK_WEBHOOK_URL``), exactly as the original system read them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .actions import REGISTRY

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime
    from .workflow import Workflow

# (flag, kind, help) for the settings every action shares; the flag's name is the action input's name.
COMMON: list[tuple[str, str, str]] = [
    ("commands", "str", "command files: a file, a directory or a glob (default: commands)"),
    ("environment", "str", "staging (the staging guild) or production (global commands)"),
    ("application-id", "str", "Discord application ID (default: $CLIENT_ID)"),
    ("guild-id", "str", "staging guild ID (default: $GUILD_ID)"),
    ("discord-api-url", "str", "Discord API base URL, or 'emulator' for the built-in emulator"),
    ("report-file", "str", "where the JSON report is written"),
    ("ledger-file", "str", "the deployment record (JSON lines)"),
    ("backup-store", "str", "backup folder or s3://bucket/prefix"),
]
SPECIFIC: dict[str, list[tuple[str, str, str]]] = {
    "detect": [
        ("checksum-file", "str", "offline baseline (default: .command-checksums.json)"),
        ("write-checksums", "flag", "record the current set in the checksum file"),
    ],
    "stage": [("max-deletions", "str", "refuse plans removing more commands"), ("allow-deletions", "flag", "")],
    "promote": [
        ("staging-max-age", "str", "the staging deploy must be younger than this (default: 1h)"),
        ("max-deletions", "str", "refuse plans removing more commands (default: 0)"),
        ("allow-deletions", "flag", "consent to a plan that removes commands"),
        ("bypass-breaker", "flag", "emergency only: skip the circuit breaker (needs --bypass-reason; leaves a trail)"),
        ("bypass-reason", "str", "why production cannot wait for staging (recorded, shown, sent to Slack)"),
    ],
    "rollback": [
        ("backup-file", "str", "backup to restore (a name in the backup store; default: the latest)"),
        ("force", "flag", "restore a backup of another application or scope"),
        ("interactive", "flag", "pick the backup from a list"),
        ("max-deletions", "str", "refuse restores removing more commands (default: 0 global, 5 in a guild)"),
        ("allow-deletions", "flag", "consent to a restore that removes commands"),
    ],
    "health": [
        ("metrics-file", "str", "health history (JSON lines)"),
        ("alerts-file", "str", "alert history (JSON lines)"),
        ("response-time-threshold", "str", "slower GETs are degraded (default: 5s)"),
        ("count-deviation-threshold", "str", "share of missing/extra commands that is unhealthy (default: 20%)"),
        ("check-guilds", "str", "guild IDs to check for commands shadowing global ones"),
    ],
}
SPECIFIC["dashboard"] = [
    ("dashboard-window", "str", "how far back the figures reach (default: 30d)"),
    ("dashboard-file", "str", "where the HTML is written (default: command-dashboard.html; .md beside it)"),
    *SPECIFIC["health"][:3],
]
SPECIFIC["deploy"] = SPECIFIC["stage"] + SPECIFIC["promote"][:1]
SPECIFIC["monitor"] = [*SPECIFIC["health"], ("interval", "str", "time between checks (default: 5m)")]
CLAIMS: list[tuple[str, str, str]] = [
    ("claim-expiry", "str", "another run's unfinished claim blocks writes this long (default: 15m)"),
    ("override-claim", "flag", "take over another run's unfinished claim (a run that is gone); recorded"),
]
for _name in ("stage", "promote", "deploy", "rollback"):
    SPECIFIC[_name] = [
        *SPECIFIC[_name],
        ("dry-run", "flag", "plan and check, write nothing"),
        ("backup-retention", "str", "backups kept per scope after a successful write (default: 50)"),
        *CLAIMS,
    ]


def _add(parser: argparse.ArgumentParser, flag: str, kind: str, help_: str) -> None:
    dest = flag.replace("-", "_")
    help_ = help_.replace("%", "%%")  # argparse formats help with %
    if kind == "flag":
        parser.add_argument(f"--{flag}", dest=dest, action="store_const", const=True, default=None, help=help_)
    else:
        parser.add_argument(f"--{flag}", dest=dest, default=None, help=help_)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="command-deploy",
        description="Deploy Discord application commands safely: validate, plan, stage, promote, roll back, monitor.",
    )
    parser.add_argument("--version", action="version", version=f"command-deploy {__version__}")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions = [(spec.name, spec.help) for spec in REGISTRY.values()]
    for action, help_ in [*actions, ("monitor", "run health checks continuously until Ctrl+C")]:
        command = sub.add_parser(action, help=help_, description=help_)
        for spec in [*COMMON, *SPECIFIC.get(action, [])]:
            _add(command, *spec)
        command.add_argument("--format", choices=["text", "json"], default="text", help="output format")
        command.add_argument("--env-file", default=".env", help="read settings from this file (default: .env)")
    backups = sub.add_parser("backups", help="list the backups, newest first")
    for spec in [c for c in COMMON if c[0] in ("backup-store", "application-id", "guild-id", "environment")]:
        _add(backups, *spec)
    backups.add_argument("--env-file", default=".env")
    emulator = sub.add_parser(
        "emulator",
        help="serve the built-in Discord emulator (the local Discord) on loopback",
        description="Serve the local Discord that runs without credentials use, on a port: its state is the "
        "same file (.discord-emulator.json in this folder).",
    )
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--state-file", help="where its state is kept (default: .discord-emulator.json)")
    emulator.add_argument("--no-state", action="store_true", help="keep the state in memory only")
    emulator.add_argument("--reset", action="store_true", help="forget the local Discord's state, then exit")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.action == "emulator":
        return _emulator(args)

    from .config import ConfigError, Settings
    from .runtime import Runtime
    from .workflow import Workflow

    workflow = Workflow.from_process()
    values: dict[str, Any] = {k: v for k, v in vars(args).items() if k not in ("env_file", "interactive")}
    values["action"] = "health" if args.action in ("monitor", "backups") else args.action
    try:
        settings = Settings.from_cli(values, os.environ, Path(args.env_file))
    except ConfigError as exc:
        workflow.error(str(exc))
        return 2
    workflow.mask_all(settings.secrets())
    ctx = Runtime(
        workspace=Path.cwd(),
        environ=os.environ,
        in_actions=workflow.in_actions,
        log=lambda line: workflow.log(line, untrusted=True),
        secrets=workflow.secrets,  # one registry: what the run learns is masked in the log and everywhere else
    )
    settings = _embedded_default(settings, args, ctx, workflow)

    from .errors import DeployError

    try:
        if args.action == "monitor":
            from .handlers.health import monitor

            return monitor(settings, ctx, workflow)
        if args.action == "backups":
            from .handlers.rollback import list_backups

            return list_backups(settings, ctx, workflow, args.environment)
        if args.action == "rollback" and args.interactive:
            from .handlers.rollback import choose_backup

            settings = choose_backup(settings, ctx)

        from .runner import execute

        return execute(settings, ctx, workflow, fmt=args.format)
    except DeployError as exc:  # the steps around a handler fail like the handler would: one message
        workflow.error(str(exc))
        return exc.exit_code
    finally:
        ctx.close()


def _emulator(args: argparse.Namespace) -> int:
    from .discord.emulator_state import STATE_FILE, reset_state, serve_local

    state = Path(args.state_file or STATE_FILE)
    if args.reset:
        if reset_state(state):
            print(
                f"Reset the local Discord: removed {state}. Its next run starts empty (deployment.log and "
                "command-backups/ still record the deploys made to it)."
            )
        else:
            print(f"The local Discord is already empty: there is no {state}.")
        return 0
    serve_local(args.port, args.host, None if args.no_state else state)
    return 0


def _embedded_default(settings: Settings, args: argparse.Namespace, runtime: Runtime, workflow: Workflow) -> Settings:
    """With no Discord credentials anywhere, a terminal run uses the built-in emulator, and says so first.

    Only outside Actions, and never for ``detect`` (which has an offline baseline), so a pipeline that
    lost its secrets fails instead of "deploying" to an emulator.
    """
    from .config import DEFAULT_DISCORD_API_URL

    if (
        workflow.in_actions
        or args.action in ("detect", "backups", "dashboard")
        or settings.bot_token is not None
        or settings.application_id is not None
        or runtime.aws_configured(settings)  # web-identity credentials included
        or args.discord_api_url is not None
        or settings.discord_api_url != DEFAULT_DISCORD_API_URL
    ):
        return settings
    workflow.log(
        "No Discord credentials (BOT_TOKEN, CLIENT_ID) in flags, environment or .env: running against the "
        "built-in Discord emulator. Nothing real is touched; set them to deploy for real."
    )
    return settings.model_copy(update={"discord_api_url": "emulator"})


if __name__ == "__main__":
    sys.exit(main())
