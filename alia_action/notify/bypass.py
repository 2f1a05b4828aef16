"""The trail of an emergency bypass of the circuit breaker: who, why, when, which run and commit.

The original system's "manual deployment bypass (emergency only)" skipped every check. Here only the
circuit breaker is skipped (validation, backup, deletion guard and verification still apply), and the
bypass is seen: a banner in the summary, a Slack message as it starts, a mark in the deployment record
(``deployment.log`` and GitHub Deployments), and a GitHub issue asking for a review once it is done.
Every text here holds the reason, which is untrusted: it is escaped for each medium and redacted.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .. import __version__
from ..redaction import Redact, excerpt

BYPASS_MARKER = "<!-- command-deploy:breaker-bypass -->"


@dataclass(frozen=True, slots=True)
class Bypass:
    reason: str
    environment: str
    time: datetime
    actor: str | None = None  # GITHUB_ACTOR: who dispatched the run
    run_url: str | None = None
    sha: str | None = None

    @classmethod
    def of(cls, reason: str, environment: str, time: datetime, environ: Mapping[str, str]) -> Bypass:
        from .run import RunInfo

        run = RunInfo.from_environ(environ)
        actor = (environ.get("GITHUB_ACTOR") or "").strip() or None
        return cls(reason, environment, time, actor, run.run_url if run else None, run.sha if run else None)

    @property
    def who(self) -> str:
        return f"@{self.actor}" if self.actor else "a run outside GitHub Actions"


def summary_banner(bypass: Bypass) -> str:
    from ..markdown import escape

    return (
        "> [!CAUTION]\n"
        f"> **Emergency deploy: the circuit breaker was bypassed** by {escape(bypass.who)} at "
        f"{bypass.time:%Y-%m-%d %H:%M:%S} UTC.\n"
        f"> Reason: {escape(bypass.reason)}\n"
        "> This deploy did not wait for a staging success of the same command set. Validation, the backup, the "
        "deletion guard and verification still applied. Stage this commit and review the deploy.\n"
    )


def slack_payload(bypass: Bypass, redact: Redact) -> dict[str, Any]:
    """The bypass as a Block Kit message; texts cut to Slack's limits are redacted whole first."""
    from .alerts import slack_escape

    def cut(text: str, limit: int) -> str:
        return excerpt(text, limit, redact, flat=False)

    headline = f"🚨 command-deploy {bypass.environment}: circuit breaker bypassed (emergency deploy)"
    fields = [("Who", bypass.who), ("Reason", bypass.reason)]
    if bypass.sha:
        fields.append(("Commit", bypass.sha[:12]))
    context = [f"{bypass.time:%Y-%m-%d %H:%M:%S} UTC", f"command-deploy {__version__}"]
    if bypass.run_url:
        context.insert(0, f"<{slack_escape(bypass.run_url)}|View the workflow run>")
    return {
        "text": cut(f"{headline}: {slack_escape(bypass.reason)}", 3000),
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": cut(headline, 150), "emoji": True}},
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": cut(f"*{k}*\n{slack_escape(v)}", 2000)} for k, v in fields],
            },
            {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]},
        ],
    }


def notify_slack(webhook_url: str, environ: Mapping[str, str], bypass: Bypass, redact: Callable[[str], str]) -> str:
    """Post the bypass to Slack; returns what happened, for the log (never raises: the deploy goes on)."""
    from .alerts import ChannelError, SlackChannel

    channel = SlackChannel(webhook_url, environ, redact)
    try:
        channel.post(slack_payload(bypass, redact))
        return "the bypass was announced on Slack"
    except ChannelError as exc:
        return f"warning: the bypass could not be announced on Slack: {exc}"
    finally:
        channel.close()


def issue_title(bypass: Bypass) -> str:
    return f"Review: emergency {bypass.environment} deploy bypassed the circuit breaker"


def issue_body(bypass: Bypass, *, result: str, run_line: str, details: str = "") -> str:
    """``result`` is plain text; ``run_line`` and ``details`` are Markdown the caller made safe."""
    from ..markdown import details as fold
    from ..markdown import escape

    parts = [
        BYPASS_MARKER,
        f"## 🚨 {escape(issue_title(bypass))}",
        f"**Who:** {escape(bypass.who)} · **When:** {bypass.time:%Y-%m-%d %H:%M:%S} UTC · **Where:** {run_line}",
        f"**Reason given:** {escape(bypass.reason)}",
        f"**Result:** {escape(result)}",
        "The circuit breaker (a staging success of the same command set within staging-max-age) was skipped. "
        "Validation, the backup, the deletion guard and verification still applied.",
        "To review:\n\n- [ ] the reason justified skipping staging\n- [ ] the same commit has since been staged "
        "(run the staging deploy), so the staging guild matches production again\n- [ ] the live commands are "
        "healthy (`command-deploy health --environment production`)",
    ]
    if details:
        parts.append(fold("The deploy", details))
    return "\n\n".join(parts) + "\n"
