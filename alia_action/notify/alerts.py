"""Alerts from health checks: raised once, repeated after a cooldown, resolved once; never fatal.

Each condition a check reports (``missing``, ``drifted``, ``count-deviation``, ``error``, ``slow``,
``extra``, ``latency-trend``, ``error-trend``) is an alert key together with the environment, e.g.
``production:missing``. For each key:

* it **fires** when the condition appears;
* while the condition holds, nothing more is sent until ``cooldown`` (1 h) has passed since the last
  delivery, then it **repeats** once per cooldown;
* it **resolves** (one message) on the first check where the condition is gone. A condition that
  needs a reading of the live commands is neither raised nor cleared by a check whose GET failed.

The state is read back from ``alerts.log`` (JSON lines, bounded like ``metrics.log``) at every check,
so de-duplication works across separate runs, as long as the file is kept (cache or artifact).

Channels: ``alerts.log`` always; Slack (``slack-webhook-url``: a Block Kit message), Sentry
(``sentry-dsn``: one event per alert, grouped per key) and GitHub failure issues (in a workflow run with a
github-token) when configured. A channel that fails is a warning, never a failed check; when every configured
channel failed, the alert counts as undelivered and is tried again at the next check.

No secret leaves through an alert: every string sent or logged is redacted through the run's secrets
registry (so a token read from Parameter Store is hidden too), and Sentry events pass a ``before_send`` that
scrubs every string in them.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict

from .. import __version__
from ..health.assess import UNHEALTHY_CONDITIONS, Reason
from ..redaction import Redact, excerpt
from ..scope import Scope
from ..stores.jsonlines import JsonLines, JsonLinesError, Records

if TYPE_CHECKING:
    import httpx

    from .github import GitHubRepo

COOLDOWN = 3600.0
SLACK_TIMEOUT = 5.0  # seconds: a slow webhook must not hold a check (or a Ctrl+C) for long
SENTRY_FLUSH_TIMEOUT = 5.0
REDACTED = "***"

Level = Literal["error", "warning", "info"]
Event = Literal["fire", "repeat", "resolve"]
Escape = Callable[[str], str]


class ChannelError(Exception):
    """A channel could not deliver; the message is safe to print (no secret, no URL)."""


# --------------------------------------------------------------------------------------------- text


def slack_escape(text: str) -> str:
    """Slack mrkdwn control characters: no link, mention (``<!channel>``) or entity from untrusted text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def scrub(value: Any, redact: Callable[[str], str]) -> Any:
    """``value`` with ``redact`` applied to every string inside it, keys included."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {scrub(k, redact): scrub(v, redact) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [scrub(v, redact) for v in value]
    return value


# --------------------------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Figures:
    """What the check measured, shown with every alert."""

    outcome: str
    scope: str  # "global" or the guild ID
    response_time_ms: float | None
    threshold_ms: float
    expected: int
    live: int | None

    def rows(self) -> list[tuple[str, str]]:
        time = "failed" if self.response_time_ms is None else f"{self.response_time_ms:.0f} ms"
        live = "unknown" if self.live is None else str(self.live)
        return [
            ("Outcome", self.outcome),
            ("Scope", Scope.of(None if self.scope == "global" else self.scope).label),
            ("Response time", f"{time} (threshold {self.threshold_ms:.0f} ms)"),
            ("Commands", f"{live} live / {self.expected} expected"),
        ]

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "scope": self.scope,
            "response_time_ms": self.response_time_ms,
            "threshold_ms": self.threshold_ms,
            "expected": self.expected,
            "live": self.live,
        }


@dataclass(frozen=True, slots=True)
class Alert:
    event: Event
    environment: str
    condition: str
    level: Level
    time: datetime
    figures: Figures
    reason: Reason | None = None  # fire and repeat
    previous: str = ""  # resolve: the plain message of the alert it resolves (untrusted text inside)
    link: str | None = None  # the workflow run

    @property
    def key(self) -> str:
        return alert_key(self.environment, self.condition)

    def headline(self) -> str:
        """Ours only (no untrusted text): safe as a title anywhere."""
        verb = {"fire": "alert", "repeat": "still failing", "resolve": "resolved"}[self.event]
        return f"command-deploy {self.environment}: {self.condition} {verb}"

    def message(self, escape: Escape = str) -> str:
        if self.reason is not None:
            return self.reason.render(escape)
        return f"cleared; it was: {escape(self.previous)}" if self.previous else "cleared"


def alert_key(environment: str, condition: str) -> str:
    return f"{environment}:{condition}"


class AlertEntry(BaseModel):
    """One line of ``alerts.log``: an alert raised, repeated or resolved, and how each channel fared."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    v: int = 1
    time: datetime
    key: str
    environment: str
    condition: str
    event: Event
    level: Level
    message: str
    figures: dict[str, Any] = {}
    channels: dict[str, str] = {}
    delivered: bool = True


@dataclass(slots=True)
class KeyState:
    active: bool = False  # fired (or repeated) and not resolved since
    delivered_at: datetime | None = None  # last fire/repeat that reached a channel
    message: str = ""  # what the active alert said


def key_states(entries: Iterable[AlertEntry]) -> dict[str, KeyState]:
    """Each key's state after replaying ``entries`` (oldest first)."""
    states: dict[str, KeyState] = {}
    for entry in entries:
        state = states.setdefault(entry.key, KeyState())
        if entry.event == "resolve":
            states[entry.key] = KeyState()
            continue
        state.active = True
        state.message = entry.message
        if entry.delivered:
            state.delivered_at = entry.time
    return states


@dataclass(frozen=True, slots=True)
class Decision:
    event: Event
    condition: str
    reason: Reason | None
    previous: str = ""


def decide(
    environment: str,
    present: Mapping[str, Reason],
    unknown: Iterable[str],
    states: Mapping[str, KeyState],
    now: datetime,
    cooldown: float = COOLDOWN,
) -> list[Decision]:
    """What to send for this check. ``present``: condition → reason; ``unknown``: conditions this check
    could not evaluate (kept as they are)."""
    out: list[Decision] = []
    for condition, reason in present.items():
        state = states.get(alert_key(environment, condition), KeyState())
        if not state.active or state.delivered_at is None:
            out.append(Decision("fire", condition, reason))
        elif (now - state.delivered_at).total_seconds() >= cooldown:
            out.append(Decision("repeat", condition, reason))
    skip = set(unknown) | set(present)
    prefix = alert_key(environment, "")
    for key, state in states.items():
        condition = key[len(prefix) :]
        if key.startswith(prefix) and state.active and condition not in skip:
            out.append(Decision("resolve", condition, None, state.message))
    return out


# --------------------------------------------------------------------------------------------- channels


class Channel(Protocol):
    name: str

    def accepts(self, alert: Alert) -> bool:
        """Whether this channel is meant to carry ``alert`` at all."""
        ...

    def send(self, alert: Alert) -> str:
        """Deliver; return a short status (``sent``). Raise :class:`ChannelError` when it failed."""
        ...

    def close(self) -> None: ...


def slack_payload(alert: Alert, redact: Redact) -> dict[str, Any]:
    """A Block Kit message: headline, what failed, the figures, the run link. Untrusted text escaped; texts cut
    to Slack's limits are redacted whole first."""

    def _cut(text: str, limit: int) -> str:
        return excerpt(text, limit, redact, flat=False)

    icon = {"error": "🔴", "warning": "🟠", "info": "✅"}[alert.level]
    headline = f"{icon} {alert.headline()}"
    fields = [("Environment", alert.environment), *alert.figures.rows()]
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": _cut(headline, 150), "emoji": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _cut(f"*What*: {alert.message(slack_escape)}", 3000)}},
        {
            "type": "section",
            "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{slack_escape(value)}"} for name, value in fields],
        },
    ]
    context = [f"{alert.time:%Y-%m-%d %H:%M:%S} UTC", f"command-deploy {__version__}"]
    if alert.link:
        context.insert(0, f"<{slack_escape(alert.link)}|View the workflow run>")
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context)}]})
    return {"text": _cut(f"{headline}: {alert.message(slack_escape)}", 3000), "blocks": blocks}


def tls_context(environ: Mapping[str, str]) -> ssl.SSLContext | bool:
    """Honour ``SSL_CERT_FILE`` from the run's environment (a company proxy's CA, a test's own CA)."""
    cafile = environ.get("SSL_CERT_FILE", "").strip()
    return ssl.create_default_context(cafile=cafile) if cafile else True


class SlackChannel:
    name = "slack"

    def __init__(self, webhook_url: str, environ: Mapping[str, str], redact: Callable[[str], str]) -> None:
        self._url = webhook_url
        self._environ = environ
        self._redact = redact
        self._http: httpx.Client | None = None

    def __repr__(self) -> str:
        return "SlackChannel(webhook=<redacted>)"

    def accepts(self, alert: Alert) -> bool:
        return True

    def send(self, alert: Alert) -> str:
        return self.post(slack_payload(alert, self._redact))

    def post(self, payload: dict[str, Any]) -> str:
        """Deliver one Block Kit message (an alert's, or another notice such as an emergency bypass), redacted."""
        import httpx

        if self._http is None:
            self._http = httpx.Client(timeout=SLACK_TIMEOUT, verify=tls_context(self._environ), follow_redirects=False)
        try:
            response = self._http.post(self._url, json=scrub(payload, self._redact))
        except httpx.HTTPError as exc:
            # httpx's message holds the URL, which is the secret: name the failure, never the address.
            raise ChannelError(f"Slack webhook unreachable ({type(exc).__name__})") from None
        if response.status_code >= 300:
            said = excerpt(response.text, 100, self._redact)
            raise ChannelError(f"Slack answered HTTP {response.status_code}" + (f" ({said})" if said else ""))
        return "sent"

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


class SentryChannel:
    name = "sentry"

    def __init__(self, dsn: str, environment: str, redact: Callable[[str], str], environ: Mapping[str, str]) -> None:
        self._dsn = dsn
        self._environment = environment
        self._redact = redact
        self._ca = environ.get("SSL_CERT_FILE", "").strip() or None
        self._started = False
        self._answers: list[str] = []  # what the transport got for each envelope: "200", "HTTP 500", "unreachable"

    def __repr__(self) -> str:
        return "SentryChannel(dsn=<redacted>)"

    def accepts(self, alert: Alert) -> bool:
        return True

    def before_send(self, event: Any, _hint: Any) -> Any:
        """Scrub every string of the event: the token, webhook URL and DSN never reach Sentry's storage."""
        return scrub(event, self._redact)

    def _start(self) -> None:
        import sentry_sdk

        try:
            sentry_sdk.init(
                dsn=self._dsn,
                environment=self._environment,
                release=f"command-deploy@{__version__}",
                default_integrations=False,
                auto_enabling_integrations=False,
                auto_session_tracking=False,
                send_client_reports=False,
                max_breadcrumbs=0,
                server_name="command-deploy",
                ca_certs=self._ca,
                before_send=self.before_send,
                before_breadcrumb=lambda _crumb, _hint: None,
                transport=_answer_recording_transport(self._answers),
            )
        except Exception as exc:  # BadDsn and friends quote the DSN: name the failure only
            raise ChannelError(f"Sentry could not start ({type(exc).__name__})") from None
        self._started = True

    def send(self, alert: Alert) -> str:
        import sentry_sdk

        if not self._started:
            self._start()
        level = "info" if alert.event == "resolve" else alert.level
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("environment", alert.environment)
            scope.set_tag("scope", alert.figures.scope)
            scope.set_tag("condition", alert.condition)
            scope.set_tag("alert", alert.event)
            scope.fingerprint = ["command-deploy", alert.environment, alert.condition]
            scope.set_context("health", alert.figures.to_dict() | ({"run": alert.link} if alert.link else {}))
            event_id = sentry_sdk.capture_message(f"{alert.headline()}: {alert.message()}", level=level)
        if event_id is None:
            raise ChannelError("Sentry dropped the event")
        sentry_sdk.flush(timeout=SENTRY_FLUSH_TIMEOUT)
        # capture_message only queues: "sent" only when Sentry's answer to the envelope was a 2xx.
        answers, self._answers[:] = list(self._answers), []
        if any(a.isdigit() and 200 <= int(a) < 300 for a in answers):
            return "sent"
        if answers:
            raise ChannelError(f"Sentry did not take the event ({answers[-1]})")
        raise ChannelError(f"Sentry did not answer within {SENTRY_FLUSH_TIMEOUT:g} s")

    def close(self) -> None:
        if self._started:
            import sentry_sdk

            sentry_sdk.get_client().close(timeout=SENTRY_FLUSH_TIMEOUT)
            self._started = False


def _answer_recording_transport(answers: list[str]) -> Any:
    """sentry-sdk's HTTP transport, noting the outcome of every request it makes into ``answers``: its
    own reporting is a log line, and the SDK's flush says nothing about delivery."""
    from sentry_sdk.transport import HttpTransport

    class AnswerRecordingTransport(HttpTransport):
        def _request(self, *args: Any, **kwargs: Any) -> Any:
            try:
                response = super()._request(*args, **kwargs)
            except Exception as exc:  # the exception's text holds the DSN's address: keep its kind only
                answers.append(f"unreachable: {type(exc).__name__}")
                raise
            status = int(response.status)
            answers.append(str(status) if 200 <= status < 300 else f"HTTP {status}")
            return response

    return AnswerRecordingTransport


class GitHubIssueChannel:
    """Unhealthy conditions as GitHub failure issues (``notify/issues.py``): one issue per environment and
    condition (family ``health-<condition>``), a comment when it repeats, closed when it resolves. Warnings
    (slow, extra, trends) open no issue: they are for Slack and Sentry."""

    name = "github"

    def __init__(
        self,
        open_repo: Callable[[], GitHubRepo],
        labels: Sequence[str],
        redact: Callable[[str], str],
        log: Callable[[str], None],
    ) -> None:
        self._open_repo = open_repo  # a client per alert: a monitor outlives any one connection
        self._labels = list(labels)
        self._redact = redact
        self._log = log

    def accepts(self, alert: Alert) -> bool:
        return alert.condition in UNHEALTHY_CONDITIONS

    def send(self, alert: Alert) -> str:
        from ..errors import DeployError

        family = f"health-{alert.condition}"
        try:
            with self._open_repo() as repo:
                return self._send(repo, alert, family)
        except DeployError as exc:  # GitHubError: one sentence naming the permission, never the token
            raise ChannelError(str(exc)) from None

    def _send(self, repo: GitHubRepo, alert: Alert, family: str) -> str:
        from .issues import Failure, open_or_update_failure_issue, resolve_failure_issue

        if alert.event == "resolve":
            number = resolve_failure_issue(
                repo,
                environment=alert.environment,
                family=family,
                labels=self._labels,
                redact=self._redact,
                note=alert.message(),
            )
            return f"closed #{number}" if number is not None else "no open issue"
        failure = Failure(
            environment=alert.environment,
            family=family,
            message=alert.message(),
            details=_figures_markdown(alert),
            title=f"Discord commands: {alert.condition} in {alert.environment} (health check)",
        )
        posted = open_or_update_failure_issue(repo, failure, labels=self._labels, redact=self._redact, log=self._log)
        return f"{'opened' if posted.created else 'commented on'} #{posted.number}"

    def close(self) -> None:
        return None


def _figures_markdown(alert: Alert) -> str:
    from ..markdown import escape, table

    return table(["", ""], [[escape(name), escape(value)] for name, value in alert.figures.rows()])


# --------------------------------------------------------------------------------------------- the alerter


@dataclass(frozen=True, slots=True)
class Delivery:
    alert: Alert
    channels: Mapping[str, str]  # channel → "sent" or "failed: why"
    delivered: bool

    def describe(self) -> str:
        where = ", ".join(f"{name}: {status}" for name, status in self.channels.items()) or "alerts.log only"
        return f"{self.alert.event} {self.alert.key} ({where})"


@dataclass(slots=True)
class AlertReport:
    sent: list[Delivery] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class Alerter:
    """Raise and resolve the alerts of a run's checks. One per run (or per ``monitor``); :meth:`close` at the end."""

    def __init__(
        self,
        path: Path,
        redact: Callable[[str], str],
        channels: Sequence[Channel] = (),
        *,
        cooldown: float = COOLDOWN,
        link: str | None = None,
    ) -> None:
        self.log = JsonLines(path)
        self.channels = list(channels)
        self.cooldown = cooldown
        self.link = link
        self._redact = redact
        self.reader = Records(self.log, AlertEntry)

    def entries(self, now: datetime | None = None) -> list[AlertEntry]:
        """The readable alert history, oldest first; :attr:`reader` says which lines were skipped."""
        return self.reader.read(now=now)

    def process(
        self,
        *,
        environment: str,
        reasons: Sequence[Reason],
        unknown: Iterable[str],
        figures: Figures,
        now: datetime,
    ) -> AlertReport:
        """Compare this check's conditions with the alert history, send what is due, record it."""
        present = {r.condition: r for r in reasons}
        report = AlertReport()
        try:
            history = self.entries(now)
        except JsonLinesError as exc:  # a FIFO or device in its place: decide as if nothing was raised before
            history = []
            report.warnings.append(f"alert history not read: {exc}")
        skipped = self.reader.warning()
        if skipped is not None:
            report.warnings.append(skipped)
        for decision in decide(environment, present, unknown, key_states(history), now, self.cooldown):
            level: Level = (
                "info" if decision.reason is None else "error" if decision.reason.severity == "unhealthy" else "warning"
            )
            alert = Alert(
                decision.event,
                environment,
                decision.condition,
                level,
                now,
                figures,
                decision.reason,
                decision.previous,
                self.link,
            )
            statuses, delivered = self._deliver(alert, report)
            entry = {
                "time": now,
                "key": alert.key,
                "environment": environment,
                "condition": alert.condition,
                "event": alert.event,
                "level": alert.level,
                "message": alert.message(),
                "figures": figures.to_dict(),
                "channels": statuses,
                "delivered": delivered,
            }
            try:
                self.log.append(scrub(AlertEntry.model_validate(entry).model_dump(mode="json"), self._redact))
            except JsonLinesError as exc:
                report.warnings.append(f"alert not recorded: {exc}")
            report.sent.append(Delivery(alert, statuses, delivered))
        return report

    def _deliver(self, alert: Alert, report: AlertReport) -> tuple[dict[str, str], bool]:
        statuses: dict[str, str] = {}
        for channel in (c for c in self.channels if c.accepts(alert)):
            try:
                statuses[channel.name] = channel.send(alert)
                continue
            except ChannelError as exc:
                why = str(exc)
            except Exception as exc:  # a channel's bug must not fail the check either; its text may hold a URL
                why = f"unexpected {type(exc).__name__}"
            statuses[channel.name] = self._redact(f"failed: {why}")
            report.warnings.append(self._redact(f"{channel.name} alert '{alert.key}' not delivered: {why}"))
        delivered = not statuses or any(not s.startswith("failed") for s in statuses.values())
        return statuses, delivered

    def close(self) -> None:
        for channel in self.channels:
            channel.close()
