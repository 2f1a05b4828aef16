"""``command-deploy``: the action's handlers from a terminal (the original ``npm run commands:*`` scripts).

Settings come from flags, then the environment, then ``.env`` (``CLIENT_SECRET`` or ``BOT_TOKEN``, ``CLIENT_ID``,
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
from .config import cli_flags

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime
    from .workflow import Workflow

# Flags that steer the CLI itself rather than a setting.
ROLLBACK_INTERACTIVE = ("interactive", True, "pick the backup from a list")


def _add(parser: argparse.ArgumentParser, flag: str, switch: bool, help_: str) -> None:
    dest = flag.replace("-", "_")
    help_ = help_.replace("%", "%%")  # argparse formats help with %
    if switch:
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
        for spec in cli_flags(action):  # the settings model says which flags each sub-command takes
            _add(command, *spec)
        if action == "rollback":
            _add(command, *ROLLBACK_INTERACTIVE)
        command.add_argument("--format", choices=["text", "json"], default="text", help="output format")
        command.add_argument("--env-file", default=".env", help="read settings from this file (default: .env)")
    backups = sub.add_parser("backups", help="list the backups, newest first")
    for spec in cli_flags("backups"):
        _add(backups, *spec)
    backups.add_argument("--env-file", default=".env")
    backups.add_argument("--format", choices=["text", "json"], default="text", help="output format")
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
    emulator.add_argument(
        "--activity",
        action="store_true",
        help="the test application has an Activity: Discord's launch entry point command is live (kept in the state)",
    )
    emulator.add_argument(
        "--new-app",
        action="store_true",
        help="the test application is a new one: global commands that leave integration_types and contexts out "
        "get [0, 1] and [0, 1, 2] (kept in the state)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.action == "emulator":
        return _emulator(args)

    from .config import ConfigError, Settings
    from .runtime import Runtime
    from .workflow import Workflow

    # --format json: stdout carries the one JSON document, so `| jq` works; every human line goes to stderr.
    workflow = Workflow.from_process(data_only_on_stdout=getattr(args, "format", "text") == "json")
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
            from .monitor import monitor

            return monitor(settings, ctx, workflow)
        if args.action == "backups":
            from .handlers.rollback import list_backups

            return list_backups(settings, ctx, workflow, args.environment, fmt=args.format)
        if args.action == "rollback" and args.interactive:
            from .handlers.rollback import choose_backup

            settings = choose_backup(settings, ctx)

        from .runner import execute

        return execute(settings, ctx, workflow, fmt=args.format)
    except DeployError as exc:  # the steps around a handler fail like the handler would: one message
        workflow.error(str(exc))
        if args.format == "json" and args.action != "monitor":  # still the one document stdout promises
            from .runner import failed_report

            workflow.print_json(failed_report(args.action, None, str(exc)))
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
    serve_local(args.port, args.host, None if args.no_state else state, activity=args.activity, new_app=args.new_app)
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
        or settings.staging_bot_token is not None
        or settings.client_secret is not None
        or settings.staging_client_secret is not None
        or settings.staging_application_id is not None
        or runtime.aws_configured(settings)  # web-identity credentials included
        or args.discord_api_url is not None
        or settings.discord_api_url != DEFAULT_DISCORD_API_URL
    ):
        return settings
    workflow.log(
        "No Discord credentials (CLIENT_SECRET or BOT_TOKEN, CLIENT_ID) in flags, environment or .env: running "
        "against the built-in Discord emulator. Nothing real is touched; set them to deploy for real."
    )
    return settings.model_copy(update={"discord_api_url": "emulator"})


if __name__ == "__main__":
    sys.exit(main())
