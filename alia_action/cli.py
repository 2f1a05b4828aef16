"""``command-deploy``: the action's handlers from a terminal (the original ``npm run commands:*`` scripts).

Settings come from flags, then the environment, then ``.env`` (``CLIENT_SECRET`` or ``BOT_TOKEN``, ``CLIENT_ID``,
``GUILD_ID``, ``SENTRY_DSN``, ``SLACK_WEBHOOK_URL``), exactly as the original system read them.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from . import __version__
from .actions import REGISTRY
from .config import cli_flags

if TYPE_CHECKING:
    from .config import Settings
    from .runtime import Runtime
    from .workflow import Workflow

# Flags that steer the CLI itself rather than a setting.
ROLLBACK_INTERACTIVE = ("interactive", True, "pick the backup from a list")
DETECT_OFFLINE = (
    "offline",
    True,
    "without credentials: plan against checksum-file, not the local Discord (.discord-emulator.json)",
)
FORMATS = ("text", "json")


def _add(parser: argparse.ArgumentParser, flag: str, switch: bool, help_: str) -> None:
    dest = flag.replace("-", "_")
    help_ = help_.replace("%", "%%")  # argparse formats help with %
    if switch:
        parser.add_argument(f"--{flag}", dest=dest, action="store_const", const=True, default=None, help=help_)
    else:
        parser.add_argument(f"--{flag}", dest=dest, default=None, help=help_)


class UsageError(Exception):
    """A command line argparse refuses: raised instead of argparse's own exit, so --format json can still answer."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.usage = parser.format_usage()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse asks shutil for the width on every add_argument; importing shutil (and with it bz2 and lzma)
        # cost each start ~2 ms. The same width, as shutil.get_terminal_size works it out.
        return argparse.HelpFormatter(prog=self.prog, width=_terminal_columns() - 2)  # no parser sets another


def _terminal_columns() -> int:
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The CLI's parser. ``only``: the sub-command being run gets its flags and the others only their names and
    help (for ``--help`` and "invalid choice"): adding every sub-command's flags costs each start ~3 ms."""
    parser = _Parser(
        prog="command-deploy",
        description="Deploy Discord application commands safely: validate, plan, stage, promote, roll back, monitor.",
    )
    parser.add_argument("--version", action="version", version=f"command-deploy {__version__}")
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=_Parser)
    actions = [(spec.name, spec.help) for spec in REGISTRY.values()]
    for action, help_ in [*actions, ("monitor", "run health checks continuously until Ctrl+C")]:
        command = sub.add_parser(action, help=help_, description=help_)
        if only not in (None, action):
            continue
        for spec in cli_flags(action):  # the settings model says which flags each sub-command takes
            _add(command, *spec)
        if action == "rollback":
            _add(command, *ROLLBACK_INTERACTIVE)
        if action == "detect":
            _add(command, *DETECT_OFFLINE)
        command.add_argument("--format", choices=FORMATS, default="text", help="output format")
        command.add_argument("--env-file", default=".env", help="read settings from this file (default: .env)")
    backups = sub.add_parser("backups", help="list the backups, newest first")
    for spec in cli_flags("backups"):
        _add(backups, *spec)
    backups.add_argument("--env-file", default=".env")
    backups.add_argument("--format", choices=FORMATS, default="text", help="output format")
    emulator = sub.add_parser(
        "emulator",
        help="serve the built-in Discord emulator (the local Discord) on loopback",
        description="Serve the local Discord that runs without credentials use, on a port: its state is the "
        "same file (.discord-emulator.json in this folder).",
    )
    emulator.add_argument("--port", type=int, default=8765)
    emulator.add_argument("--host", default="127.0.0.1", help="a loopback address (default: 127.0.0.1)")
    emulator.add_argument("--state-file", help="where its state is kept (default: .discord-emulator.json)")
    emulator.add_argument("--no-state", action="store_true", help="keep the state in memory only")
    emulator.add_argument("--reset", action="store_true", help="forget the local Discord's state, then exit")
    emulator.add_argument(
        "--format", choices=FORMATS, default="text", help="json: one document, where it listens (or what --reset did)"
    )
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
    argv = list(sys.argv[1:] if argv is None else argv)
    as_json = _wants_json(argv)
    named = _sub_command(argv)
    try:
        args = build_parser(named).parse_args(argv)
    except UsageError as exc:  # bad usage: exit 2, and with --format json still the one document
        sys.stderr.write(f"{exc.usage}command-deploy: error: {exc}\n")
        if as_json:
            _print_failure(named, f"bad usage: {exc}")
        return 2
    if args.action == "emulator":
        return _guarded(args, lambda: _emulator(args), None)
    from .workflow import Workflow

    # --format json: stdout carries the one JSON document, so `| jq` works; every human line goes to stderr.
    workflow = Workflow.from_process(data_only_on_stdout=args.format == "json")
    return _guarded(args, lambda: _run(args, workflow), workflow)


def _guarded(args: argparse.Namespace, run: Callable[[], int], workflow: Workflow | None) -> int:
    """``run``, and a bug of ours (or a world no handler expects, a working folder deleted) said plainly: the
    message, the traceback for a bug report (secrets masked), and with --format json still the one document."""
    try:
        return run()
    except Exception as exc:
        import traceback

        message = f"internal error in {args.action}: {type(exc).__name__}: {exc}"
        if workflow is None:
            traceback.print_exc()
            sys.stderr.write(f"error: {message}\n")
            if args.format == "json":
                _print_failure(args.action, message)
            return 1
        workflow.error(message)
        with workflow.group("Traceback (please attach to a bug report)"):
            workflow.log(traceback.format_exc(), untrusted=True)
        if args.format == "json":
            from .report import REPORT_FORMAT

            workflow.print_json({"format": REPORT_FORMAT, "action": args.action, "failure": workflow.redact(message)})
        return 1


def _wants_json(argv: Sequence[str]) -> bool:
    """``--format json`` anywhere on a line argparse may refuse (``--format=json`` too)."""
    return any(
        (a == "--format" and i + 1 < len(argv) and argv[i + 1] == "json") or a == "--format=json"
        for i, a in enumerate(argv)
    )


def _sub_command(argv: Sequence[str]) -> str | None:
    known = {*REGISTRY, "monitor", "backups", "emulator"}
    return next((a for a in argv if a in known), None)


def _print_failure(action: str | None, failure: str) -> None:
    """A document for a run that never got as far as its report (schema/report.schema.json: ``failure``)."""
    import json

    from .report import REPORT_FORMAT

    if action is None:  # no sub-command to speak for: there is no report, and the message above says why
        return
    sys.stdout.write(json.dumps({"format": REPORT_FORMAT, "action": action, "failure": failure}, indent=2) + "\n")


def _run(args: argparse.Namespace, workflow: Workflow) -> int:
    from .config import ConfigError, Settings
    from .report import REPORT_FORMAT
    from .runtime import Runtime

    as_json = args.format == "json"
    values: dict[str, Any] = {k: v for k, v in vars(args).items() if k not in ("env_file", "interactive", "offline")}
    values["action"] = "health" if args.action in ("monitor", "backups") else args.action
    try:
        settings = Settings.from_cli(values, os.environ, Path(args.env_file))
    except ConfigError as exc:
        workflow.error(str(exc))
        if as_json:
            workflow.print_json({"format": REPORT_FORMAT, "action": args.action, "failure": f"configuration: {exc}"})
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
        if as_json:  # still the one document stdout promises
            from .runner import failed_report

            workflow.print_json(failed_report(args.action, None, str(exc)))
        return exc.exit_code
    finally:
        ctx.close()


def _emulator(args: argparse.Namespace) -> int:
    import json

    from .discord.emulator import is_loopback
    from .discord.emulator_state import reset_state, serve_local
    from .discord.state_file import STATE_FILE
    from .errors import DeployError

    state = Path(args.state_file or STATE_FILE)
    as_json = args.format == "json"
    if args.reset:
        removed = reset_state(state)
        if removed:
            said = (
                f"Reset the local Discord: removed {state}. Its next run starts empty (deployment.log and "
                "command-backups/ still record the deploys made to it)."
            )
        else:
            said = f"The local Discord is already empty: there is no {state}."
        if as_json:
            print(json.dumps({"format": 1, "action": "emulator", "state_file": str(state), "reset": removed}))
        print(said, file=sys.stderr if as_json else sys.stdout)
        return 0
    kept = None if args.no_state else state
    if not is_loopback(args.host):
        # It answers anyone who reaches it, with a token printed in its banner: never beyond this machine.
        failure = f"--host {args.host}: the emulator listens on loopback only (127.0.0.1 or localhost)"
        print(f"error: {failure}", file=sys.stderr)
        if as_json:
            print(json.dumps({"format": 1, "action": "emulator", "state_file": str(state), "failure": failure}))
        return 2

    def listening(url: str) -> None:  # the one document, once it listens: a script reads the URL from it
        document = {"format": 1, "action": "emulator", "state_file": None if kept is None else str(kept), "url": url}
        print(json.dumps(document), flush=True)

    from .sources import command_folders

    # The line it prints must run here: name the command files when there is no commands/ (examples/commands).
    found = [] if Path("commands").exists() else command_folders(Path.cwd())
    try:
        serve_local(
            args.port,
            args.host,
            kept,
            out=sys.stderr if as_json else None,
            listening=listening if as_json else None,
            commands=found[0] if found else None,
            activity=args.activity,
            new_app=args.new_app,
        )
    except DeployError as exc:  # a state file it cannot read, or one a served emulator holds
        failure, code = str(exc), exc.exit_code
    except OSError as exc:  # the port is taken, the host is not this machine's: the person can act on it
        failure, code = (
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc} (another emulator? pick --port)",
            1,
        )
    else:
        return 0
    print(f"error: {failure}", file=sys.stderr)
    if as_json:
        print(json.dumps({"format": 1, "action": "emulator", "state_file": str(state), "failure": failure}))
    return code


def _embedded_default(settings: Settings, args: argparse.Namespace, runtime: Runtime, workflow: Workflow) -> Settings:
    """With no Discord credentials anywhere, a terminal run uses the built-in emulator, and says so first.

    Only outside Actions, so a pipeline that lost its secrets fails instead of "deploying" to an emulator.
    ``detect`` plans against the local Discord only when it exists (its state file is here) and ``--offline``
    was not given; else against the checksum file, as in a fresh clone. Either way its first line says which.
    """
    from .config import DEFAULT_DISCORD_API_URL
    from .discord.state_file import STATE_FILE

    if (
        workflow.in_actions
        or args.action in ("backups", "dashboard")
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
    if args.action == "detect":
        if args.offline or not (runtime.workspace / STATE_FILE).is_file():
            why = "--offline" if args.offline else f"no local Discord ({STATE_FILE}) in this folder"
            workflow.log(
                f"No Discord credentials (CLIENT_SECRET or BOT_TOKEN, CLIENT_ID) and {why}: detect plans against "
                f"the checksum file {settings.checksum_file} (the offline baseline)."
            )
            return settings
        workflow.log(
            "No Discord credentials (CLIENT_SECRET or BOT_TOKEN, CLIENT_ID) in flags, environment or .env: detect "
            f"plans against the local Discord ({STATE_FILE}, {settings.environment}), what stage and promote "
            f"deployed there; --offline plans against {settings.checksum_file} instead."
        )
        return settings.replace(discord_api_url="emulator")
    workflow.log(
        "No Discord credentials (CLIENT_SECRET or BOT_TOKEN, CLIENT_ID) in flags, environment or .env: running "
        "against the built-in Discord emulator. Nothing real is touched; set them to deploy for real."
    )
    return settings.replace(discord_api_url="emulator")


if __name__ == "__main__":
    sys.exit(main())
