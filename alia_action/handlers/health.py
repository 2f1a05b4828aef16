"""``health``: time a GET of the live commands, compare them with the command files, record, trend, alert.

One check = one GET of the scope (plus one per ``check-guilds`` guild, and one of the global commands when
the scope is the staging guild and guilds are to be checked for shadows). Never writes to Discord.

``monitor`` runs checks every ``interval`` until Ctrl+C; ``post_deploy_health`` gives stage and promote the
health figures of what they just verified, from the verification GET they already made.
"""

from __future__ import annotations

import contextlib
import json
import signal
import statistics
import threading
import time
from array import array
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import TYPE_CHECKING, Any

from ..commands.problems import Problem, Severity
from ..discord.errors import DiscordError
from ..errors import DeployError
from ..health.assess import NEEDS_READING, Comparison, Shadow, Thresholds, assess, compare, find_shadows
from ..health.check import Check, PostDeploy
from ..health.summary import check_lines, monitor_line, post_deploy_markdown, summary_markdown
from ..health.trend import TrendRules, analyse
from ..notify.alerts import Alerter
from ..outcome import EXIT_FAILED, EXIT_OK, Facts, Outcome, render
from ..sources import find_files
from ..stores.metrics import MetricRecord, MetricsError, MetricsLog
from .detect import Validated, load_and_validate
from .validation import invalid_outcome

if TYPE_CHECKING:
    from ..config import Settings
    from ..discord.client import DiscordClient
    from ..discord.connection import Discord
    from ..runtime import Runtime
    from ..workflow import Workflow
    from .apply import Applied

TREND = TrendRules()  # the last 20 checks of the scope, 5+ samples each side, x1.5 and +100 ms, +20 points
CHART_CHECKS = 20
ERROR_CHARS = 500  # longer error texts are cut in metrics.log and alerts
RECONNECT_EVERY = 100  # monitor checks per connection: the client's request log stays bounded
FILES_RECHECK = 1.0  # seconds between looks at the command files during monitor


# --------------------------------------------------------------------------------------------- one check


@dataclass(frozen=True, slots=True)
class Reading:
    """One timed GET: the commands (None when it failed), the successful attempt's time, the attempts."""

    commands: list[dict[str, Any]] | None
    response_time_ms: float | None
    attempts: int
    error: str | None = None


def timed_get(client: DiscordClient, guild_id: str | None) -> Reading:
    """GET the scope's commands, timing the attempt that succeeded: retry and rate-limit waits are the
    client's, not Discord's response time, so they are left out (the attempts are counted instead)."""
    first = client.request_count
    try:
        commands = client.list_commands(guild_id)
    except DiscordError as exc:
        return Reading(None, None, client.request_count - first, str(exc))
    attempts = client.requests[first:]
    answered = [r for r in attempts if r.status is not None and 200 <= r.status < 300]
    elapsed = answered[-1].elapsed if answered else attempts[-1].elapsed
    return Reading(commands, round(elapsed * 1000, 1), len(attempts))


class CommandFiles:
    """The expected set, loaded and validated again only when a command file changed. ``monitor`` may check
    many times a second: the files are looked at (listed and stat'ed) at most once per ``recheck`` seconds."""

    def __init__(self, settings: Settings, ctx: Runtime, recheck: float = FILES_RECHECK) -> None:
        self.settings = settings
        self.ctx = ctx
        self.recheck = recheck
        self._stamp: tuple[object, ...] | None = None
        self._validated: Validated | None = None
        self._looked = -float("inf")

    def _fingerprint(self) -> tuple[object, ...]:
        paths, problems = find_files(self.settings.commands, self.ctx.workspace)
        stamp: list[object] = [p.message for p in problems]
        for path in paths:
            try:
                info = path.stat()
                stamp.append((str(path), info.st_mtime_ns, info.st_size))
            except OSError:
                stamp.append((str(path), None, None))
        return tuple(stamp)

    def load(self) -> Validated:
        if self._validated is not None and time.monotonic() - self._looked < self.recheck:
            return self._validated
        stamp = self._fingerprint()
        self._looked = time.monotonic()
        if self._validated is None or stamp != self._stamp:
            self._validated, self._stamp = load_and_validate(self.settings, self.ctx), stamp
        return self._validated


@dataclass(slots=True)
class Session:
    """What the checks of one run (or one ``monitor``) share."""

    settings: Settings
    ctx: Runtime
    files: CommandFiles
    metrics: MetricsLog
    alerter: Alerter
    _compared: tuple[Validated, bool, str, Comparison] | None = None

    def compare(self, validated: Validated, live: list[dict[str, Any]], *, guild: bool) -> Comparison:
        """:func:`compare`, remembered for the last (files, live answer): an unchanged scope, the common case of
        ``monitor``, costs a JSON dump instead of canonicalising both sets again."""
        answer = json.dumps(live, sort_keys=True)
        last = self._compared
        if last is not None and last[0] is validated and last[1] == guild and last[2] == answer:
            return last[3]
        comparison = compare(validated.for_scope(guild=guild), live, guild=guild)
        self._compared = (validated, guild, answer, comparison)
        return comparison

    @classmethod
    def open(cls, settings: Settings, ctx: Runtime) -> Session:
        return cls(
            settings,
            ctx,
            CommandFiles(settings, ctx),
            MetricsLog(ctx.workspace / settings.metrics_file),
            ctx.alerter(settings),
        )

    def close(self) -> None:
        self.alerter.close()


def _no_guard() -> contextlib.AbstractContextManager[None]:
    return contextlib.nullcontext()


def perform_check(
    session: Session,
    validated: Validated,
    *,
    reading_guard: Callable[[], contextlib.AbstractContextManager[None]] = _no_guard,
) -> Check:
    """One check of ``settings.environment``'s scope: read, compare, trend, record, alert."""
    settings, ctx = session.settings, session.ctx
    now = ctx.now()
    discord = ctx.discord(settings, settings.environment)
    scope = discord.scope_for(settings.environment)
    guild = scope.guild_id
    expected = validated.for_scope(guild=scope.guild)
    redact = ctx.redact

    with reading_guard():
        reading = timed_get(discord.client, guild)
        shadows, warnings = _shadows(settings, discord, guild, reading)
    error = redact(reading.error)[:ERROR_CHARS] if reading.error is not None else None
    comparison = (
        session.compare(validated, reading.commands, guild=guild is not None) if reading.commands is not None else None
    )

    try:
        history = session.metrics.recent(
            environment=settings.environment,
            scope=scope.key,
            application_id=discord.application_id,
            limit=TREND.window - 1,
        )
    except MetricsError as exc:  # a FIFO or device in its place: this check stands on its own
        history = []
        warnings.append(f"{exc}; no trend this time")
    record = MetricRecord(
        time=now,
        environment=settings.environment,
        scope=scope.key,
        application_id=discord.application_id,
        outcome="healthy",  # provisional: the verdict needs the trend, and the trend this check
        response_time_ms=reading.response_time_ms,
        attempts=reading.attempts,
        expected=len(expected),
        live=comparison.live if comparison else None,
        deviation=round(comparison.deviation, 4) if comparison else None,
        missing=list(comparison.missing) if comparison else [],
        extra=list(comparison.extra) if comparison else [],
        drifted=list(comparison.drifted) if comparison else [],
        error=error,
    )
    trend = analyse([*history, record], TREND)
    thresholds = Thresholds(settings.response_time_threshold, settings.count_deviation_threshold)
    assessment = assess(
        comparison,
        response_time_ms=reading.response_time_ms,
        error=error,
        thresholds=thresholds,
        trend=trend.flags(),
    )
    record = record.model_copy(update={"outcome": assessment.outcome})
    try:
        session.metrics.append(record)
    except MetricsError as exc:
        warnings.append(f"{exc}: this check is not part of the history")

    check = Check(
        settings.environment, thresholds, record, assessment, comparison, trend, [*history, record], scope.label
    )
    check.shadows, check.warnings = shadows, warnings
    check.alerts = session.alerter.process(
        environment=settings.environment,
        reasons=assessment.reasons,
        unknown=NEEDS_READING if comparison is None else (),
        figures=check.figures(),
        now=now,
    )
    check.warnings.extend(check.alerts.warnings)
    return check


def _shadows(
    settings: Settings, discord: Discord, guild: str | None, reading: Reading
) -> tuple[list[Shadow], list[str]]:
    """Guild commands of ``check-guilds`` that share a name and type with a global command."""
    if not settings.check_guilds:
        return [], []
    warnings: list[str] = []
    if guild is None:  # the check's own GET was of the global commands: no second read
        if reading.commands is None:
            return [], ["guild shadows not checked: the global commands could not be read"]
        global_commands = reading.commands
    else:
        try:
            global_commands = discord.client.list_commands(None)
        except DiscordError as exc:
            return [], [f"guild shadows not checked: the global commands could not be read: {exc}"]
    shadows: list[Shadow] = []
    for guild_id in settings.check_guilds:
        try:
            shadows += find_shadows(guild_id, global_commands, discord.client.list_commands(guild_id))
        except DiscordError as exc:
            warnings.append(f"guild {guild_id} not checked for shadows: {exc}")
    return shadows, warnings


# --------------------------------------------------------------------------------------------- the handler


def run(settings: Settings, ctx: Runtime) -> Outcome:
    session = Session.open(settings, ctx)
    try:
        validated = session.files.load()
        if not validated.deployable:
            return invalid_outcome("health", settings, validated)
        check = perform_check(session, validated)
    finally:
        session.close()  # flushes Sentry before the process ends
    return check_outcome(check)


def check_outcome(check: Check) -> Outcome:
    # The command files' own warnings are detect's to report, not every scheduled health check's.
    problems: list[Problem] = []
    for reason in check.assessment.reasons:
        severity: Severity = "error" if reason.severity == "unhealthy" else "warning"
        problems.append(Problem(severity, f"health.{reason.condition}", f"{check.scope_label}: {reason.render()}"))
    for shadow in check.shadows:
        problems.append(Problem("warning", "health.shadow", _shadow_text(shadow)))
    problems += [Problem("warning", "health.notice", warning) for warning in check.warnings]
    return render(
        Facts("health", problems=problems, health=check.outcome),
        report_file="",
        title="",
        lead=check_lines(check),
        exit_code=EXIT_FAILED if check.outcome == "unhealthy" else EXIT_OK,
        report=check_report(check),
        summary=summary_markdown(check),
    )


def _shadow_text(shadow: Shadow) -> str:
    return f"guild {shadow.guild_id}: its command '{shadow.name}' shadows the global command of the same name"


def check_report(check: Check) -> dict[str, Any]:
    """``--format json``: the metrics line plus what only this run knows."""
    return {
        "action": "health",
        **check.record.model_dump(mode="json"),
        "reasons": [
            {"condition": r.condition, "severity": r.severity, "text": r.render()} for r in check.assessment.reasons
        ],
        "drift_fields": {k: list(v) for k, v in (check.comparison.drift_fields if check.comparison else {}).items()},
        "trend": {
            "checks": check.trend.checks,
            "latency": check.trend.latency.describe(),
            "latency_rising": check.trend.latency.rising,
            "errors": check.trend.errors.describe(),
            "errors_rising": check.trend.errors.rising,
        },
        "shadows": [{"guild_id": s.guild_id, "type": s.type, "name": s.name} for s in check.shadows],
        "alerts": [
            {"key": d.alert.key, "event": d.alert.event, "level": d.alert.level, "channels": dict(d.channels)}
            for d in check.alerts.sent
        ],
        "warnings": check.warnings,
    }


# --------------------------------------------------------------------------------------------- monitor


class Interrupts:
    """Ctrl+C (SIGINT) and SIGTERM end ``monitor`` within a second: they set ``stop``, which the wait between
    checks watches. During a network read they also abort it (nothing has been recorded yet); elsewhere
    the check finishes its few milliseconds of bookkeeping first. A second signal aborts anything."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self._reading = False
        self._previous: dict[int, Any] = {}

    def __enter__(self) -> Interrupts:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    def _handle(self, _signum: int, _frame: FrameType | None) -> None:
        again = self.stop.is_set()
        self.stop.set()
        if self._reading or again:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def reading(self) -> Iterator[None]:
        if self.stop.is_set():
            raise KeyboardInterrupt
        self._reading = True
        try:
            yield
        finally:
            self._reading = False


@dataclass(slots=True)
class Tally:
    checks: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    latencies: array[float] = field(default_factory=lambda: array("d"))  # 8 bytes a check

    def add(self, check: Check) -> None:
        self.checks += 1
        self.outcomes[check.outcome] += 1
        if check.record.response_time_ms is not None:
            self.latencies.append(check.record.response_time_ms)

    def summary(self, elapsed: float) -> str:
        median = f"{statistics.median(self.latencies):.0f} ms" if self.latencies else "n/a"
        return (
            f"monitor stopped after {self.checks} check(s) in {elapsed:.1f} s: "
            f"{self.outcomes['healthy']} healthy, {self.outcomes['degraded']} degraded, "
            f"{self.outcomes['unhealthy']} unhealthy; median response time {median}"
        )


def monitor(
    settings: Settings,
    ctx: Runtime,
    workflow: Workflow,
    *,
    stop: threading.Event | None = None,
    max_checks: int | None = None,
) -> int:
    """Check every ``settings.interval`` until Ctrl+C (or ``stop`` is set, or ``max_checks`` ran); one line a
    check, a summary at the end. Exit 0 when stopped; a configuration problem ends it with its exit code."""
    stop = stop or threading.Event()
    session = Session.open(settings, ctx)
    tally = Tally()
    started = time.monotonic()
    since_connect = 0
    workflow.log(
        f"monitoring {settings.environment} every {settings.interval:g} s "
        f"(threshold {settings.response_time_threshold * 1000:.0f} ms); Ctrl+C stops"
    )
    try:
        with Interrupts(stop) as interrupts:
            while not stop.is_set():
                began = time.monotonic()
                try:
                    validated = session.files.load()
                    if not validated.deployable:
                        errors = sum(p.is_error for p in validated.problems)
                        workflow.log(f"check skipped: {errors} error(s) in the command files (run detect)")
                    else:
                        check = perform_check(session, validated, reading_guard=interrupts.reading)
                        tally.add(check)
                        _print_check(check, workflow, settings.format)
                except KeyboardInterrupt:
                    break
                except DeployError as exc:  # credentials, configuration: no later check can do better
                    workflow.error(str(exc), title="command-deploy monitor")
                    return exc.exit_code
                since_connect += 1
                if since_connect >= RECONNECT_EVERY:
                    ctx.close()  # a fresh connection; the old one's request log goes with it
                    since_connect = 0
                if max_checks is not None and tally.checks >= max_checks:
                    break
                stop.wait(max(0.0, settings.interval - (time.monotonic() - began)))
    finally:
        session.close()
        ctx.close()
    workflow.log(tally.summary(time.monotonic() - started))
    return EXIT_OK


def _print_check(check: Check, workflow: Workflow, fmt: str) -> None:
    if fmt == "json":
        workflow.print_json(check_report(check), indent=None)
        return
    workflow.log(monitor_line(check), untrusted=True)
    for warning in check.warnings:
        workflow.log(f"  warning: {warning}", untrusted=True)
    for delivery in check.alerts.sent:
        workflow.log(f"  alert {delivery.describe()}", untrusted=True)


# --------------------------------------------------------------------------------------------- after a deploy


def post_deploy_health(settings: Settings, discord: Discord, applied: Applied) -> PostDeploy | None:
    """After a successful deploy (or a no-op): the figures of the verification GET, no request of its own.
    None for a dry run (nothing was verified)."""
    if applied.dry_run or not (applied.written or applied.plan.empty):
        return None
    guild = applied.target.guild_id
    path = (
        f"/applications/{discord.application_id}/guilds/{guild}/commands"
        if guild
        else f"/applications/{discord.application_id}/commands"
    )
    reads = [
        r
        for r in discord.client.requests
        if r.method == "GET" and r.path == path and r.status is not None and 200 <= r.status < 300
    ]
    if not reads:
        return None
    elapsed_ms = round(reads[-1].elapsed * 1000, 1)
    threshold_ms = settings.response_time_threshold * 1000
    commands = sum(c.kind != "removed" for c in applied.plan.changes)
    return PostDeploy(
        applied.target.label,
        "degraded" if elapsed_ms > threshold_ms else "healthy",
        elapsed_ms,
        threshold_ms,
        commands,
        "verification" if applied.written else "plan",
    )


def with_post_deploy_health(outcome: Outcome, settings: Settings, discord: Discord, applied: Applied) -> Outcome:
    """Add the post-deploy figures to a deploy's outcome: a line, a summary section, the ``health`` output."""
    health = post_deploy_health(settings, discord, applied)
    if health is None:
        return outcome
    outcome.lines.append(health.line())
    outcome.summary = outcome.summary.rstrip("\n") + "\n\n" + post_deploy_markdown(health) + "\n"
    outcome.outputs["health"] = health.outcome
    if outcome.report is not None:
        outcome.report["health"] = {
            "outcome": health.outcome,
            "response_time_ms": health.response_time_ms,
            "threshold_ms": health.threshold_ms,
            "live": health.commands,
            "expected": health.commands,
            "source": health.source,
        }
    if health.outcome != "healthy":
        outcome.problems.append(Problem("warning", "health.slow", health.line()))
    return outcome
