"""The action registry: each value of the ``action`` input, its handler module and its help.

The settings literal, the CLI's sub-commands and the runner's dispatch are all derived from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

Action = Literal["detect", "stage", "promote", "deploy", "rollback", "health", "inventory", "dashboard"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    name: Action
    help: str

    @property
    def module(self) -> str:
        """The handler module (imported on demand, so ``detect`` never pays for boto3 or PyGithub)."""
        return f"alia_action.handlers.{self.name}"


REGISTRY: dict[str, ActionSpec] = {
    spec.name: spec
    for spec in (
        ActionSpec("detect", "validate the commands and show what a deploy would change (never writes)"),
        ActionSpec("stage", "deploy to the staging guild: backup, apply, verify, record"),
        ActionSpec("promote", "deploy globally behind the circuit breaker (a recent staging deploy of the same set)"),
        ActionSpec("deploy", "stage, then promote: the whole pipeline"),
        ActionSpec("rollback", "restore a backup to the scope it was taken from"),
        ActionSpec("health", "check the live commands: latency, missing, extra and drifted commands, trend"),
        ActionSpec(
            "inventory",
            "walk every guild the bot is in: stale, duplicate and unreadable guild commands (writes only with --clean)",
        ),
        ActionSpec(
            "dashboard", "build the SLA dashboard (HTML + Markdown) from the deployment, health and alert records"
        ),
    )
}
# The literal is what mypy sees; tests/test_architecture.py checks it names exactly the registry's actions.
ACTIONS: tuple[str, ...] = get_args(Action)
