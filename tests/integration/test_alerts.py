"""Alerts: once per condition across separate runs, a repeat after the cooldown, one resolve; Slack, Sentry and
GitHub issues over loopback HTTP; failures as warnings; no secret and no live markup in what is sent."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from alia_action.discord.emulator import Emulator, Fault
from alia_action.handlers import health
from alia_action.health.assess import Reason
from alia_action.notify.alerts import (
    Alert,
    AlertEntry,
    Alerter,
    Figures,
    KeyState,
    SentryChannel,
    decide,
    key_states,
    slack_payload,
)
from alia_action.outcome import Outcome
from alia_action.redaction import redactor
from alia_action.runtime import Runtime, utc_now
from tests.conftest import SettingsFactory
from tests.support.discord_fixtures import FAST, TOKEN
from tests.support.health_history import seed
from tests.support.http_sinks import SentrySink, SlackSink

RUN = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "alia-bot/alia-bot", "GITHUB_RUN_ID": "4242"}
RUN_LINK = "https://github.com/alia-bot/alia-bot/actions/runs/4242"


@pytest.fixture
def slack(tmp_path: Path) -> Iterator[SlackSink]:
    with SlackSink(tmp_path / "tls") as sink:
        yield sink


@pytest.fixture
def sentry() -> Iterator[SentrySink]:
    with SentrySink() as sink:
        yield sink


class Clock:
    """The run's clock (``Runtime.now``), moved by the test."""

    def __init__(self) -> None:
        self.time = utc_now()

    def __call__(self) -> datetime:
        return self.time

    def advance(self, minutes: float) -> None:
        self.time += timedelta(minutes=minutes)


def runner(workspace: Path, environ: dict[str, str], clock: Callable[[], datetime] = utc_now) -> Callable[..., Outcome]:
    """Run ``health`` as a separate run would: a new context (connection, alerter) every time."""

    def run(settings: Any) -> Outcome:
        ctx = Runtime(workspace=workspace, environ=environ, now=clock, client_options=dict(FAST))
        try:
            return health.run(settings, ctx)
        finally:
            ctx.close()

    return run


def entries(workspace: Path) -> list[AlertEntry]:
    return [AlertEntry.model_validate_json(line) for line in (workspace / "alerts.log").read_text().splitlines()]


# ------------------------------------------------------------------------------------------------ end to end


def test_alerts_go_out_once_across_failing_runs_and_resolve_once_on_recovery(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, slack: SlackSink, sentry: SentrySink
) -> None:
    settings = make_settings(action="health", slack_webhook_url=slack.url, sentry_dsn=sentry.dsn)
    run = runner(workspace, {"SSL_CERT_FILE": str(slack.ca_file), **RUN})
    seed(live, workspace, without="ping")
    failing = [run(settings) for _ in range(3)]
    assert [o.exit_code for o in failing] == [1, 1, 1]
    assert len(slack.messages) == 1 and len(sentry.events) == 1

    seed(live, workspace)
    healthy = [run(settings) for _ in range(2)]
    assert [o.outputs["health"] for o in healthy] == ["healthy", "healthy"]
    assert len(slack.messages) == 2 and len(sentry.events) == 2
    assert [(e.key, e.event, e.delivered) for e in entries(workspace)] == [
        ("production:missing", "fire", True),
        ("production:missing", "resolve", True),
    ]

    fired, resolved = slack.messages
    assert fired["blocks"][0]["text"]["text"] == "🔴 command-deploy production: missing alert"
    assert fired["blocks"][1]["text"]["text"] == "*What*: 1 missing: ping"
    fields = {f["text"].split("\n")[0]: f["text"].split("\n")[1] for f in fired["blocks"][2]["fields"]}
    assert fields["*Environment*"] == "production" and fields["*Commands*"] == "49 live / 50 expected"
    assert fields["*Outcome*"] == "unhealthy" and fields["*Response time*"].endswith("(threshold 5000 ms)")
    assert f"<{RUN_LINK}|View the workflow run>" in fired["blocks"][3]["elements"][0]["text"]
    assert resolved["blocks"][0]["text"]["text"] == "✅ command-deploy production: missing resolved"

    error_event, info_event = sentry.events
    assert (error_event["level"], info_event["level"]) == ("error", "info")
    assert error_event["message"] == "command-deploy production: missing alert: 1 missing: ping"
    assert info_event["message"] == "command-deploy production: missing resolved: cleared; it was: 1 missing: ping"
    assert error_event["fingerprint"] == ["command-deploy", "production", "missing"]
    assert error_event["contexts"]["health"]["live"] == 49
    for event in (error_event, info_event):
        assert event["release"] == "command-deploy@1.0.0" and event["environment"] == "production"
        assert {k: event["tags"][k] for k in ("scope", "environment", "condition")} == {
            "scope": "global",
            "environment": "production",
            "condition": "missing",
        }
    events_text = json.dumps(sentry.events)
    for secret in (TOKEN, slack.url, SlackSink.PATH, sentry.dsn, SentrySink.KEY):
        assert secret not in events_text
        assert secret not in json.dumps(slack.messages)
        assert secret not in (workspace / "alerts.log").read_text()


def test_a_condition_still_failing_repeats_once_per_cooldown(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, slack: SlackSink
) -> None:
    clock = Clock()
    run = runner(workspace, {"SSL_CERT_FILE": str(slack.ca_file)}, clock)
    settings = make_settings(action="health", slack_webhook_url=slack.url)
    seed(live, workspace, without="ping")
    sent_after: list[int] = []
    for minutes in (0, 30, 31, 30, 29, 31):  # at 0, 30, 61, 91, 120, 151 minutes
        clock.advance(minutes)
        run(settings)
        sent_after.append(len(slack.messages))
    assert sent_after == [1, 1, 2, 2, 2, 3]
    assert [m["blocks"][0]["text"]["text"] for m in slack.messages] == [
        "🔴 command-deploy production: missing alert",
        "🔴 command-deploy production: missing still failing",
        "🔴 command-deploy production: missing still failing",
    ]


def test_each_condition_is_its_own_alert_and_a_failed_get_neither_raises_nor_clears_the_others(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    run = runner(workspace, {})
    settings = make_settings(action="health", response_time_threshold="100ms")
    commands = seed(live, workspace)
    live.set_commands("1180000000000000101", None, [*commands, {"name": "leftover", "description": "Stale"}])
    live.faults.add(Fault.slow(0.2), method="GET")
    run(settings)  # slow and extra: two warnings
    live.faults.add(Fault.server_error(503), method="GET", times=FAST["max_attempts"])
    run(settings)  # the GET fails: error fires, slow and extra stay as they were
    seed(live, workspace)
    run(settings)  # all clear
    assert [(e.condition, e.event, e.level) for e in entries(workspace)] == [
        ("extra", "fire", "warning"),
        ("slow", "fire", "warning"),
        ("error", "fire", "error"),
        ("extra", "resolve", "info"),
        ("slow", "resolve", "info"),
        ("error", "resolve", "info"),
    ]


def test_a_slack_failure_is_a_warning_and_the_alert_is_tried_again(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, slack: SlackSink
) -> None:
    run = runner(workspace, {"SSL_CERT_FILE": str(slack.ca_file)})
    settings = make_settings(action="health", slack_webhook_url=slack.url)
    seed(live, workspace, without="ping")
    slack.fail_next(500)
    first = run(settings)
    assert first.exit_code == 1  # unhealthy because of the check, not because of Slack
    warning = "slack alert 'production:missing' not delivered: Slack answered HTTP 500 (invalid_payload)"
    assert first.report is not None and warning in first.report["warnings"]
    assert ("warning", "health.notice") in [(p.severity, p.rule) for p in first.problems]
    assert slack.url not in json.dumps(first.report) + first.summary + "\n".join(first.lines)

    run(settings)  # Slack is back: the undelivered alert goes out now
    run(settings)  # and only once
    assert [(e.event, e.delivered, e.channels["slack"]) for e in entries(workspace)] == [
        ("fire", False, "failed: Slack answered HTTP 500 (invalid_payload)"),
        ("fire", True, "sent"),
    ]
    assert len(slack.received) == 2


def test_an_unreachable_webhook_never_shows_its_address(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, tmp_path: Path
) -> None:
    import socket

    with socket.socket() as probe:  # a port with nothing listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"https://127.0.0.1:{port}/services/T0/B0/unreachable-secret-part"
    seed(live, workspace, without="ping")
    outcome = runner(workspace, {})(make_settings(action="health", slack_webhook_url=url))
    assert outcome.report is not None
    assert (
        "slack alert 'production:missing' not delivered: Slack webhook unreachable (ConnectError)"
        in (outcome.report["warnings"])
    )
    assert "unreachable-secret-part" not in json.dumps(outcome.report) + outcome.summary
    assert "unreachable-secret-part" not in (workspace / "alerts.log").read_text()


def test_discord_text_reaches_slack_escaped_and_without_secrets(
    live: Emulator, make_settings: SettingsFactory, workspace: Path, slack: SlackSink, sentry: SentrySink
) -> None:
    settings = make_settings(action="health", slack_webhook_url=slack.url, sentry_dsn=sentry.dsn)
    hostile = f"<!channel> <https://evil.example|click> & {slack.url} {sentry.dsn}"
    live.faults.add(Fault.respond(400, {"code": 0, "message": hostile}), method="GET")
    outcome = runner(workspace, {"SSL_CERT_FILE": str(slack.ca_file), **RUN})(settings)
    assert outcome.exit_code == 1
    (message,) = slack.messages
    text = json.dumps(message, ensure_ascii=False)
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp;" in message["blocks"][1]["text"]["text"]
    assert text.count("<") == 1  # the run link, ours
    everything = text + json.dumps(sentry.events) + (workspace / "alerts.log").read_text()
    everything += (workspace / "metrics.log").read_text() + outcome.summary + "\n".join(outcome.lines)
    for secret in (slack.url, SlackSink.PATH, sentry.dsn, SentrySink.KEY, TOKEN):
        assert secret not in everything


def test_sentry_scrubs_every_string_of_an_event_before_it_leaves(tmp_path: Path, sentry: SentrySink) -> None:
    """Our texts are redacted before they reach Sentry; ``before_send`` is the last line, so it is tested with
    an alert whose text was not: every copy of a secret in the event must arrive as ***."""
    secrets = [TOKEN, "https://hooks.slack.example/services/T/B/secretpath", sentry.dsn]
    channel = SentryChannel(sentry.dsn, "production", redactor(secrets), {})
    leaky = Reason("error", "unhealthy", "the GET failed", detail=f"token {TOKEN} hook {secrets[1]}")
    alerter = Alerter(
        tmp_path / "alerts.log", redactor([]), [channel]
    )  # no redaction of its own here: only before_send
    try:
        alerter.process(
            environment="production",
            reasons=[leaky],
            unknown=(),
            figures=Figures("unhealthy", "global", None, 5000.0, 50, None),
            now=utc_now(),
        )
    finally:
        alerter.close()
    (event,) = sentry.events
    text = json.dumps(event)
    assert all(secret not in text for secret in secrets) and SentrySink.KEY not in text
    assert "token *** hook ***" in text


# ------------------------------------------------------------------------------------------------ GitHub issues


def test_unhealthy_conditions_open_comment_and_close_a_github_issue(
    live: Emulator, make_settings: SettingsFactory, workspace: Path
) -> None:
    from tests.support.github_standin import GitHubStandIn

    token = "ghs_AlertTestToken0123456789abcdefghij"
    with GitHubStandIn(token=token) as gh:
        clock = Clock()
        environ = {**RUN, "GITHUB_API_URL": gh.url, "GITHUB_ACTIONS": "true"}
        settings = make_settings(action="health", github_token=token, response_time_threshold="100ms")

        def run() -> Outcome:
            ctx = Runtime(workspace=workspace, environ=environ, in_actions=True, now=clock, client_options=dict(FAST))
            try:
                return health.run(settings, ctx)
            finally:
                ctx.close()

        seed(live, workspace, without="ping")
        live.faults.add(Fault.slow(0.2), method="GET")
        run()  # missing (an issue) and slow (a warning: no issue)
        (issue,) = gh.issues.values()
        assert "missing in production" in issue["title"] and "`ping`" not in issue["title"]
        assert issue["state"] == "open" and "ping" in issue["body"]
        clock.advance(61)
        run()  # still missing after the cooldown: a comment on the same issue
        assert len(gh.issues) == 1 and len(gh.comments_on(issue["number"])) == 1
        seed(live, workspace)
        run()
        assert issue["state"] == "closed"
        states = {(e.condition, e.event): e.channels for e in entries(workspace)}
        assert states[("missing", "fire")] == {"github": f"opened #{issue['number']}"}
        assert states[("missing", "resolve")] == {"github": f"closed #{issue['number']}"}
        assert states[("slow", "fire")] == {}  # GitHub takes no warning; alerts.log still has it
        assert token not in json.dumps([r.body for r in gh.requests])


# ------------------------------------------------------------------------------------------------ the rules


def reason(condition: str = "missing") -> Reason:
    return Reason(condition, "unhealthy", "1 missing", ("ping",))


NOW = datetime(2025, 1, 15, 12, 0, tzinfo=utc_now().tzinfo)


def test_decide_fires_once_then_waits_for_the_cooldown() -> None:
    present = {"missing": reason()}
    assert [d.event for d in decide("production", present, (), {}, NOW)] == ["fire"]
    sent = {"production:missing": KeyState(active=True, delivered_at=NOW, message="1 missing: ping")}
    assert decide("production", present, (), sent, NOW + timedelta(minutes=59)) == []
    assert [d.event for d in decide("production", present, (), sent, NOW + timedelta(hours=1))] == ["repeat"]
    assert [d.event for d in decide("production", present, (), sent, NOW, cooldown=0)] == ["repeat"]


def test_decide_resolves_what_cleared_keeps_what_it_cannot_see_and_ignores_other_environments() -> None:
    states = {
        "production:missing": KeyState(True, NOW, "1 missing: ping"),
        "production:slow": KeyState(True, NOW, "slow"),
        "staging:missing": KeyState(True, NOW, "1 missing: pong"),
    }
    decisions = decide("production", {"error": reason("error")}, {"slow"}, states, NOW)
    assert [(d.event, d.condition, d.previous) for d in decisions] == [
        ("fire", "error", ""),
        ("resolve", "missing", "1 missing: ping"),
    ]


def test_an_undelivered_alert_is_sent_again_at_the_next_check() -> None:
    log = [
        AlertEntry(
            time=NOW, key="production:missing", environment="production", condition="missing", event="fire",
            level="error", message="1 missing: ping", delivered=False,
        )
    ]  # fmt: skip
    state = key_states(log)["production:missing"]
    assert state.active and state.delivered_at is None
    assert [d.event for d in decide("production", {"missing": reason()}, (), key_states(log), NOW)] == ["fire"]


def test_the_slack_payload_is_block_kit_within_slacks_limits() -> None:
    many = tuple(f"cmd{i}" for i in range(300))
    alert = Alert(
        "fire",
        "production",
        "missing",
        "error",
        NOW,
        Figures("unhealthy", "1180000000000000201", 12.0, 5000.0, 300, 0),
        Reason("missing", "unhealthy", "300 missing", many),
        link=RUN_LINK,
    )
    payload = slack_payload(alert, redactor([]))
    header, what, figures, context = payload["blocks"]
    assert header["type"] == "header" and len(header["text"]["text"]) <= 150
    assert what["text"]["type"] == "mrkdwn" and len(what["text"]["text"]) <= 3000
    assert "and 290 more" in what["text"]["text"]
    assert len(figures["fields"]) <= 10 and all(len(f["text"]) <= 2000 for f in figures["fields"])
    assert "*Scope*\nstaging guild 1180000000000000201" in [f["text"] for f in figures["fields"]]
    assert context["type"] == "context" and len(payload["text"]) <= 3000
