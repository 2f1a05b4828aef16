"""How a message names a setting: an input in a workflow, a flag (or variable) in a terminal.

Decided here and nowhere else, so "set allow-deletions: true" never reaches a terminal whose
flag is ``--allow-deletions``. Pure: no I/O, importable from every layer.
"""

from __future__ import annotations

from dataclasses import dataclass

# Settings that have no CLI flag (secrets never go on a command line): their variable in a terminal.
VARIABLES: dict[str, str] = {
    "bot-token": "BOT_TOKEN",
    "staging-bot-token": "STAGING_BOT_TOKEN",
    "client-secret": "CLIENT_SECRET",
    "staging-client-secret": "STAGING_CLIENT_SECRET",
    "github-token": "GITHUB_TOKEN",
    "slack-webhook-url": "SLACK_WEBHOOK_URL",
    "sentry-dsn": "SENTRY_DSN",
    "role-to-assume": "AWS credentials (AWS_PROFILE or AWS_ACCESS_KEY_ID)",
}


@dataclass(frozen=True, slots=True)
class Wording:
    """``action=True``: the GitHub Action (inputs); False: the ``command-deploy`` CLI (flags)."""

    action: bool = False

    def setting(self, name: str, value: str = "true") -> str:
        """The instruction to set ``name``: ``allow-deletions: true`` or ``--allow-deletions``."""
        if self.action:
            return f"`{name}: {value}`"
        if name in VARIABLES:
            variable = VARIABLES[name]
            return variable if " " in variable else f"{variable} (environment or .env)"
        return f"`--{name}`" if value == "true" else f"`--{name} {value}`"

    def name(self, name: str) -> str:
        """The setting itself, without a value: the ``guild-id`` input, or ``--guild-id``."""
        if self.action:
            return f"the {name} input"
        if name in VARIABLES:
            return VARIABLES[name]
        return f"--{name}"

    def run(self, action: str, **settings: str) -> str:
        """How to run ``action`` with ``settings`` (field names): the action's inputs, or the CLI line."""
        named = {key.replace("_", "-"): value for key, value in settings.items() if value}
        if self.action:
            return "`" + ", ".join([f"action: {action}", *(f"{k}: {v}" for k, v in named.items())]) + "`"
        return "`" + " ".join([f"command-deploy {action}", *(f"--{k} {v}" for k, v in named.items())]) + "`"


ACTION = Wording(action=True)
TERMINAL = Wording(action=False)
